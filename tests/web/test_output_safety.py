"""Output safety (issue 17, item 6): user text never becomes markup or a spreadsheet
formula, and anonymous readers never see staff emails.

* A ledger programme and a survey question holding ``</script><script>alert(1)</script>``
  are shown on /ledger and the survey page as text: the chart's JSON is escaped by the one
  helper (:func:`healthgap.web.render.script_json`) and still parses to the same data.
* Every CSV export of the app is walked with hostile user text in it: no cell starts a
  formula (OWASP CSV injection), and numbers, negative ones too, stay numbers.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from healthgap.ledger import import_ledger, synthetic_ledger
from healthgap.web.app import create_app
from healthgap.web.render import script_json
from healthgap.web.settings import Settings
from tests.web.conftest import PASSWORD, TestClient, check_page, csrf_headers, sign_in

HOSTILE = "</script><script>alert(1)</script>"
GM = "E47000001"


def _specs(html: str) -> list[Any]:
    """Every chart spec on a page, parsed as the browser's JSON.parse would."""
    found = re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S)
    return [json.loads(s) for s in found]


def _no_injection(html: str) -> None:
    assert "<script>alert(1)" not in html
    # every <script> element is one we wrote: a JSON island or a file we serve
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'type="application/json"' in tag or "src=" in tag, tag


# ----------------------------------------------------------------- the JSON helper
@pytest.mark.parametrize(
    "text",
    [HOSTILE, "<!-- x", "a & b > c", "line\u2028separator\u2029paragraph", "]]>", "\u00a3 5"],
)
def test_script_json_escapes_and_round_trips(text: str) -> None:
    out = str(script_json({"title": text, "n": -1.5}))
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in out
    assert json.loads(out) == {"title": text, "n": -1.5}
    # a string that already holds JSON (what the spec builders return) gets the same
    assert str(script_json(json.dumps({"title": text, "n": -1.5}))) == out


# ----------------------------------------------------------------- ledger page
@pytest.fixture(scope="module")
def ledger_app(
    store_path: Path, template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """An app whose SYNTHETIC ledger names one programme with hostile markup."""
    folder = tmp_path_factory.mktemp("hostile-ledger")
    db = folder / "app.db"
    shutil.copyfile(template_db, db)
    app = create_app(Settings(store=str(store_path), db_url=f"sqlite:///{db}"))
    alloc, flows = synthetic_ledger(store_path)
    for frame in (alloc, flows):
        frame.loc[frame["programme"] == "prevention", "programme"] = HOSTILE
        # and a formula in a name a spreadsheet would otherwise run
    flows.loc[flows.index[0], "provider_name"] = '=HYPERLINK("http://evil.example","x")'
    alloc.to_csv(folder / "alloc.csv", index=False)
    flows.to_csv(folder / "flows.csv", index=False)
    with app.state.sessions() as s:
        import_ledger(s, folder / "alloc.csv", "allocations", user="test")
        import_ledger(s, folder / "flows.csv", "flows", store=store_path, user="test")
    return app


def test_ledger_page_shows_a_hostile_programme_as_text(ledger_app: Any) -> None:
    with TestClient(ledger_app) as c:
        r = c.get("/ledger")
    assert r.status_code == 200, r.text
    check_page(r.text)
    _no_injection(r.text)
    names = {
        row.get("label")
        for spec in _specs(r.text)
        for row in spec.get("data", {}).get("values", [])
    }
    assert HOSTILE in names  # the chart still shows the programme, exactly as typed
    # and its table shows it as text (escaped), in a row header
    assert f'<th scope="row" class="govuk-table__header">{html.escape(HOSTILE)}</th>' in r.text


# ----------------------------------------------------------------- survey page
def test_survey_page_shows_a_hostile_question_as_text(
    app: Any, clients: Callable[[str], TestClient]
) -> None:
    from healthgap.appdb.auth import add_user
    from healthgap.appdb.db import sessions

    with sessions(app.state.engine)() as s:
        add_user(s, "gm.safety@example.org", PASSWORD, "editor", GM)
    c = TestClient(app)
    assert sign_in(c, "gm.safety@example.org").status_code == 303
    r = c.post(
        f"/api/v1/framework/{GM}/surveys",
        json={
            "title": HOSTILE,
            "questions": [
                {"id": "q1", "text": HOSTILE, "kind": "scale"},
                {"id": "q2", "text": "First?", "kind": "choice", "options": [HOSTILE, "b"]},
            ],
        },
        headers=csrf_headers(c),
    )
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    page = c.get(f"/framework/{GM}/surveys/{sid}")
    assert page.status_code == 200, page.text
    check_page(page.text)
    _no_injection(page.text)
    specs = _specs(page.text)
    assert len(specs) == 2
    assert HOSTILE in {v["answer"] for v in specs[1]["data"]["values"]}
    listing = c.get(f"/framework/{GM}/surveys")
    _no_injection(listing.text)
    c.close()


# ----------------------------------------------------------------- staff emails
def test_anonymous_readers_see_no_staff_emails_on_a_signed_off_screening(
    app: Any, clients: Callable[[str], TestClient]
) -> None:
    from healthgap.policy.screening import ScreeningRepository
    from tests.policy.test_screening import ANSWERS

    repo = ScreeningRepository(app.state.engine)
    sid = repo.create("Employment support", authority="E08000025", by="writer@example.org")
    for qid, value in ANSWERS.items():
        repo.answer(sid, qid, value, by="writer@example.org")
    repo.sign_off(sid, by="signer@example.org", role="Director of Public Health")
    anon, admin = clients("anonymous"), clients("admin")
    urls = [
        f"/policy/{sid}",
        f"/api/v1/policy/screenings/{sid}",
        *(f"/policy/{sid}/export.{fmt}" for fmt in ("md", "html", "json")),
    ]
    for url in urls:
        r = anon.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        assert "@example.org" not in r.text, url
    page = anon.get(f"/policy/{sid}").text
    check_page(page)
    assert "Signed off by a staff member (Director of Public Health)" in page
    # signed-in readers still see who did what
    assert "signer@example.org" in admin.get(f"/policy/{sid}").text
    assert "writer@example.org" in admin.get(f"/policy/{sid}/export.json").text


def test_anonymous_readers_see_no_staff_email_on_an_authority_page(
    clients: Callable[[str], TestClient],
) -> None:
    admin = clients("admin")
    token = admin.get("/api/v1/session").json()["csrf_token"]
    data = {
        "power_id": "gm-safety-power",
        "text": "A test power",
        "competences": ["health"],
        "source": "https://example.org/source",
        "as_of": "2026-01-01",
        "csrf_token": token,
    }
    r = admin.post(f"/framework/{GM}/powers", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "version 1, by admin@example.org" in admin.get(f"/framework/{GM}").text
    page = clients("anonymous").get(f"/framework/{GM}").text
    check_page(page)
    assert "version 1, by a staff member" in page
    assert "admin@example.org" not in page
