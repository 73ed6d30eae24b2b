# ruff: noqa: E501
"""The devolution framework pages and /api/v1/framework: every page checked for structure,
the self-assessment flow, action plans with progress from the store, surveys with
disclosure control, exports, the audit log, and the permissions matrix of every write
endpoint by role (administrator, own-authority editor, other-authority editor, viewer,
anonymous)."""

from __future__ import annotations

import csv
import html as html_lib
import io
import json
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from healthgap.appdb.auth import add_user
from healthgap.appdb.db import sessions
from healthgap.web.app import create_app
from healthgap.web.settings import Settings
from tests.data.open_data._mirror import mirror_or_skip
from tests.web.chart_tables import chart_tables_agree
from tests.web.conftest import (
    PASSWORD,
    USERS,
    TestClient,
    check_page,
    csrf_headers,
    sign_in,
)

GM, SY, NE_NEW = "E47000001", "E47000002", "E47000014"
#: Framework users: editors of two strategic authorities (the shared USERS edit councils).
FW_USERS = {
    "gm_editor": ("gm.editor@example.org", "editor", GM),
    "sy_editor": ("sy.editor@example.org", "editor", SY),
}
ROLES = ("admin", "own_editor", "other_editor", "viewer", "anonymous")

PUBLIC_PAGES = ["/framework", "/framework/library", f"/framework/{GM}", f"/framework/{NE_NEW}"]
SIGNED_IN_PAGES = [
    f"/framework/{GM}/enquiry",
    f"/framework/{GM}/enquiry/discover",
    f"/framework/{GM}/enquiry/design?competence=health",
    f"/framework/{GM}/enquiry/check",
    f"/framework/{GM}/enquiry/result",
    f"/framework/{GM}/actions",
    f"/framework/{GM}/surveys",
]


@pytest.fixture
def fw(app: Any, clients: Callable[[str], TestClient]) -> Callable[[str], TestClient]:
    """``fw(role)``: a client for one of ROLES, with GM as the "own" authority."""
    with sessions(app.state.engine)() as s:
        for email, role, authority in FW_USERS.values():
            add_user(s, email, PASSWORD, role, authority)
    made: list[TestClient] = []

    def make(role: str) -> TestClient:
        if role in ("own_editor", "other_editor"):
            c = TestClient(app)
            made.append(c)
            key = "gm_editor" if role == "own_editor" else "sy_editor"
            assert sign_in(c, FW_USERS[key][0]).status_code == 303
            return c
        return clients(role)

    yield make  # type: ignore[misc]
    for c in made:
        c.close()


def _token(c: TestClient) -> str:
    return str(c.get("/api/v1/session").json()["csrf_token"])


def _form(c: TestClient, url: str, data: dict[str, Any]) -> Any:
    return c.post(url, data={**data, "csrf_token": _token(c)}, follow_redirects=False)


def _errors(html: str) -> list[str]:
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', block.group(1)) if block else []


# ------------------------------------------------------------------ pages
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_for_anonymous_visitors(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text
    check_page(r.text)


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_workspace_pages_need_sign_in(fw: Callable[[str], TestClient], url: str) -> None:
    r = fw("anonymous").get(url)
    assert r.status_code == 401
    assert "must be done by a signed-in user" in r.text
    ok = fw("viewer").get(url)
    assert ok.status_code == 200, ok.text
    check_page(ok.text)


def test_register_page_matches_the_register(client: TestClient) -> None:
    html = client.get("/framework").text
    assert "16 strategic authorities" in html  # the May 2025 lookup and the GLA
    for code in ("E47000012", "E47000018", "E61000001"):
        assert f'href="/framework/{code}"' in html
    assert "Comparison by lever" in html and "A convening role" in html
    # abolished authorities are listed apart, each with its successor
    assert "North East (E47000010), abolished</a>: replaced by E47000014" in html
    assert "North of Tyne, abolished</a>: replaced by E47000014" in html
    filtered = client.get("/framework?tier=established_mayoral&competence=health").text
    check_page(filtered)
    assert "7 strategic authorities" in filtered  # 5 with a sourced tier, North East, GLA
    assert "Health, wellbeing and public service reform</th>" in filtered
    assert "Transport and local infrastructure</th>" not in filtered


def test_register_filter_errors_are_shown(client: TestClient) -> None:
    r = client.get("/framework?tier=imperial")
    assert r.status_code == 400
    assert "tier must be one of foundation, mayoral, established_mayoral or none" in r.text
    api = client.get("/api/v1/framework?competence=sport")
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "invalid_input"
    assert api.json()["error"]["message"].startswith("competence must be one of transport")


def test_new_authority_page_lists_members_from_the_dated_lookups(client: TestClient) -> None:
    html = client.get(f"/framework/{NE_NEW}").text
    check_page(html)
    assert "7 member councils" in html and "ons_lookup_2025-05" in html
    assert "North East Mayoral Combined Authority" in html  # establishing order, unverified
    body = client.get(f"/api/v1/framework/{NE_NEW}").json()
    assert len(body["data"]["members"]) == 7 and body["data"]["members_verified"] is True
    assert body["data"]["status"] == "current"
    old = client.get("/framework/E47000011").text
    check_page(old)
    assert "no longer exists: it was replaced by" in old
    gla = client.get("/framework/E12000007")
    assert gla.status_code == 200 and "E61000001" in gla.text


def test_unknown_authority_is_404_in_both_faces(client: TestClient) -> None:
    r = client.get("/framework/E47999999")
    assert r.status_code == 404
    check_page(r.text)
    api = client.get("/api/v1/framework/E47999999")
    assert api.status_code == 404
    assert api.json()["error"]["message"].startswith(
        "authority must be a strategic authority code or name in the register; got 'E47999999'"
    )


# ------------------------------------------------------------------ enquiry flow
def test_self_assessment_flow(fw: Callable[[str], TestClient], app: Any) -> None:
    c = fw("own_editor")
    stage = f"/framework/{GM}/enquiry/design"
    page = c.get(stage + "?competence=health")
    check_page(page.text)
    assert "Which decision, contract, condition or investment in health" in page.text
    # a missing answer: the error summary links to each field
    r = _form(c, stage, {"prompt": "design.health.1", "category": "lever", "competence": "health"})
    assert r.status_code == 400
    check_page(r.text)
    assert r.text.count("<title>Error: ") == 1
    assert _errors(r.text) == [("text", "Enter your answer")]
    assert "govuk-textarea--error" in r.text
    r = _form(c, stage, {"text": "x", "competence": "health"})
    assert [f for f, _ in _errors(r.text)] == ["prompt-0", "category"]
    assert "govuk-textarea--error" not in r.text  # the answer itself is fine
    # a prompt of another area is not offered at this stage and focus
    r = _form(c, stage, {"prompt": "design.transport.1", "category": "lever", "text": "x"})
    assert ("prompt-0", "Select the question you are answering") in _errors(r.text)
    answers = [
        ("discover", "discover.general.1", "asset", "Working Well programme"),
        ("design", "design.health.1", "lever", "Social value clauses in procurement"),
        ("design", "design.health.2", "partner", "NHS Greater Manchester ICB"),
    ]
    for st, prompt, category, text in answers:
        r = _form(
            c,
            f"/framework/{GM}/enquiry/{st}",
            {
                "prompt": prompt,
                "category": category,
                "text": text,
                "competence": "health",
                "action": "continue",
            },
        )
        assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/framework/{GM}/enquiry/deliver?competence=health"
    check = c.get(f"/framework/{GM}/enquiry/check")
    check_page(check.text)
    for _, _, _, text in answers:
        assert text in check.text
    note_ids = re.findall(rf"/framework/{GM}/enquiry/notes/([\w-]+)", check.text)
    assert len(note_ids) == 3
    # change an answer from the check page
    api_notes = c.get(f"/api/v1/framework/{GM}/enquiry").json()["notes"]
    lever_id = next(n["id"] for n in api_notes if n["category"] == "lever")
    assert lever_id in note_ids
    edit = c.get(f"/framework/{GM}/enquiry/notes/{lever_id}")
    check_page(edit.text)
    assert 'name="version" value="1"' in edit.text
    bad = _form(
        c, f"/framework/{GM}/enquiry/notes/{lever_id}", {"category": "lever", "version": "1"}
    )
    assert bad.status_code == 400 and _errors(bad.text) == [("text", "Enter your answer")]
    assert "govuk-textarea--error" in bad.text and 'name="version" value="1"' in bad.text
    text = "Social value clauses in all NHS and council contracts"
    ok = _form(
        c,
        f"/framework/{GM}/enquiry/notes/{lever_id}",
        {"category": "lever", "text": text, "version": "1"},
    )
    assert ok.status_code == 303
    # a second change from the same (now stale) form is refused and changes nothing
    stale = _form(
        c,
        f"/framework/{GM}/enquiry/notes/{lever_id}",
        {"category": "asset", "text": "Overwritten", "version": "1"},
    )
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    check_page(stale.text)
    # the lever map and draft plan
    result = c.get(f"/framework/{GM}/enquiry/result")
    check_page(result.text)
    assert "Act on: Social value clauses in all NHS and council contracts" in result.text
    assert "mayor-ics-role" in result.text  # a power the register records under health
    assert "Add 1 draft action to the action plan" in result.text
    r = _form(c, f"/framework/{GM}/enquiry/result", {})
    assert r.status_code == 303
    plan = c.get(f"/api/v1/framework/{GM}/actions").json()["data"]
    assert [(a["status"], a["lever"], a["partners"]) for a in plan] == [
        ("draft", lever_id, ["NHS Greater Manchester ICB"])
    ]
    again = _form(c, f"/framework/{GM}/enquiry/result", {})  # no duplicates
    assert again.status_code == 303
    assert len(c.get(f"/api/v1/framework/{GM}/actions").json()["data"]) == 1
    # every change is in the audit log, by the editor, with before and after
    rows = fw("admin").get("/api/v1/audit?limit=100").json()["data"]
    mine = [e for e in rows if e["entity"].startswith("framework_")]
    assert {e["user_email"] for e in mine} == {FW_USERS["gm_editor"][0]}
    updated = [e for e in mine if e["action"] == "update" and e["entity_id"] == lever_id]
    assert updated[0]["before"]["text"] == "Social value clauses in procurement"
    assert updated[0]["after"]["text"].startswith("Social value clauses in all")


# ------------------------------------------------------------------ actions
def _message_next_to(html: str, field_id: str) -> str:
    """The error message shown inside the form group of the input ``field_id``."""
    group = re.search(
        r'<div class="govuk-form-group govuk-form-group--error">(?:(?!<div class="govuk-form-'
        rf'group).)*?id="{re.escape(field_id)}"',
        html,
        re.S,
    )
    assert group, f"no form group in error around #{field_id}"
    shown = re.search(
        rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">'
        r'<span class="govuk-visually-hidden">Error:</span> ([^<]+)</p>',
        group.group(0),
    )
    assert shown, f"no message next to #{field_id}"
    return html_lib.unescape(shown.group(1))


def test_a_domain_error_is_shown_next_to_the_field_it_names(
    fw: Callable[[str], TestClient],
) -> None:
    """The domain raises InputError(field="due"); the page puts its message beside the
    due date (and in the summary, linking to it), whatever the message's first word."""
    c = fw("own_editor")
    r = _form(
        c,
        f"/framework/{GM}/actions",
        {"title": "Fund routes", "start": "2027-04-01", "due": "2026-03-31"},
    )
    assert r.status_code == 400
    check_page(r.text)
    want = "due must be on or after start; got start 2027-04-01 and due 2026-03-31."
    assert _message_next_to(r.text, "action-due").startswith(want)
    assert [f for f, _ in _errors(r.text)] == ["action-due"]
    assert "action-title-error" not in r.text


def test_actions_form_errors_and_progress_from_the_store(fw: Callable[[str], TestClient]) -> None:
    c = fw("own_editor")
    url = f"/framework/{GM}/actions"
    r = _form(c, url, {"title": ""})
    assert r.status_code == 400 and _errors(r.text) == [("action-title", "Enter what will be done")]
    r = _form(c, url, {"title": "Fund routes", "due": "31/03/2027"})
    assert r.status_code == 400
    assert _errors(r.text)[0][0] == "action-due"
    assert "due must be a date written YYYY-MM-DD; got &#39;31/03/2027&#39;" in r.text
    r = _form(c, url, {"title": "Fund routes", "indicators": "no_such_indicator"})
    assert _errors(r.text)[0][0] == "action-indicators"
    assert "indicators must be indicator_id values in the store" in r.text
    r = _form(
        c,
        url,
        {
            "title": "Working Well expansion",
            "competence": "skills",
            "owner": "Director of Public Health",
            "partners": "GM ICB, VCSE alliance",
            "indicators": "hle_birth",
            "start": "2026-04-01",
            "due": "2027-03-31",
            "status": "planned",
        },
    )
    assert r.status_code == 303, r.text
    page = c.get(url)
    check_page(page.text)
    assert "Director of Public Health" in page.text and "GM ICB; VCSE alliance" in page.text
    progress = c.get(f"/api/v1/framework/{GM}/actions").json()["progress"]
    # reference: the ONS file in the mirror, read here without healthgap
    rows = _hle_rows(GM)
    for sex in ("Female", "Male"):
        mine = [p for p in progress if p["sex"] == sex]
        assert len(mine) == 1
        series = sorted((r for r in rows if r["sex"] == sex), key=lambda r: r["period_end"])
        # three-year periods overlap: the latest is compared with the latest one sharing no
        # year with it (2019-2021 for 2022-2024), by a z test (limits from the ONS file)
        latest = series[-1]
        previous = next(
            r for r in reversed(series) if int(r["period_end"]) < int(latest["period_start"])
        )
        assert mine[0]["latest_period"] == latest["period"]
        assert mine[0]["latest_value"] == pytest.approx(float(latest["hle_years"]), rel=1e-10)
        assert mine[0]["previous_period"] == previous["period"]
        assert mine[0]["previous_value"] == pytest.approx(float(previous["hle_years"]), rel=1e-10)
        change = float(latest["hle_years"]) - float(previous["hle_years"])
        assert mine[0]["change"] == pytest.approx(change, rel=1e-10)
        se = [
            (float(r["upper_95"]) - float(r["lower_95"])) / (2 * 1.959963984540054)
            for r in (latest, previous)
        ]
        z = change / (se[0] ** 2 + se[1] ** 2) ** 0.5
        expected = (
            "no significant change"
            if abs(z) <= 1.959963984540054
            else "improving"
            if z > 0
            else "worsening"
        )
        assert mine[0]["direction"] == expected  # healthy life expectancy: high is good
    action_id = c.get(f"/api/v1/framework/{GM}/actions").json()["data"][0]["id"]
    assert 'name="version" value="1"' in c.get(url).text  # the form carries the version read
    r = _form(c, f"{url}/{action_id}/status", {"status": "in progress", "version": "1"})
    assert r.status_code == 303
    assert c.get(f"/api/v1/framework/{GM}/actions").json()["data"][0]["status"] == "in progress"
    # A form read before that change (version 1) is refused, and changes nothing.
    stale = _form(c, f"{url}/{action_id}/status", {"status": "paused", "version": "1"})
    assert stale.status_code == 409
    check_page(stale.text)
    assert "was changed by someone else since you read it" in stale.text
    assert c.get(f"/api/v1/framework/{GM}/actions").json()["data"][0]["status"] == "in progress"
    missing = _form(c, f"{url}/{action_id}/status", {"status": "paused"})
    assert missing.status_code == 428 and "must name the version" in missing.text
    r = _form(c, f"{url}/{action_id}/status", {"status": "finished", "version": "2"})
    assert r.status_code == 400
    assert "status must be one of draft, planned, in progress, done, paused, dropped" in r.text
    exported = c.get(f"/framework/{GM}/export.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(t["action_id"], t["indicator_id"], t["status"]) for t in table] == [
        (action_id, "hle_birth", "in progress")
    ]


def _hle_rows(code: str) -> list[dict[str, str]]:
    path = mirror_or_skip() / "hle_le" / "ons_hle_birth_local_areas_2011_2024.csv"
    with path.open(newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["area_code"] == code]


# ------------------------------------------------------------------ surveys
def test_survey_flow_with_disclosure_control(fw: Callable[[str], TestClient]) -> None:
    c = fw("own_editor")
    base = f"/framework/{GM}/surveys"
    r = _form(c, base, {"title": "", "questions": "rating: nope"})
    assert r.status_code == 400
    assert [f for f, _ in _errors(r.text)] == ["survey-title", "survey-questions"]
    assert "each question line must be &#39;scale: text&#39;" in r.text
    r = _form(
        c,
        base,
        {
            "title": "Partnership health check",
            "questions": "scale: Partners share data well\n"
            "choice: Which area first?: housing; transport\ntext: What should change?",
        },
    )
    assert r.status_code == 303
    survey_url = r.headers["location"]
    sid = survey_url.rsplit("/", 1)[1]
    empty = _form(c, f"{survey_url}/responses", {})
    assert empty.status_code == 400
    assert _errors(empty.text) == [("q1-0", "Answer at least one question")]
    # 12 responses: 9 say 4, 3 say 5; 12 choose housing
    for answer in [4] * 9 + [5] * 3:
        ok = _form(c, f"{survey_url}/responses", {"q1": str(answer), "q2": "housing"})
        assert ok.status_code == 303
    page = c.get(survey_url)
    check_page(page.text)
    assert page.text.count('type="application/json"') == 2  # one chart per closed question
    summary = c.get(f"/api/v1/framework/{GM}/surveys/{sid}/summary").json()["data"]
    q1 = {r["answer"]: r["count"] for r in summary if r["question"] == "q1"}
    # NHS Digital rule: 1-7 withheld, others to the nearest 5; the 3 is withheld, and the
    # 9 with it (else 12 - 9 would reveal the 3); the total 12 is published as 10
    assert q1["5"] is None and q1["4"] is None and q1["All responses"] == 10
    assert q1["1"] == 0
    spec = json.loads(
        re.search(r'id="survey-chart-q1-spec">(.*?)</script>', page.text, re.S).group(1)  # type: ignore[union-attr]
    )
    assert {v["answer"]: v["percent"] for v in spec["data"]["values"]}["4"] is None
    # the chart's table lists every answer drawn, and the (published) total of responses
    assert chart_tables_agree(page.text) > 0
    assert "q1: " in page.text and "(10 responses)</caption>" in page.text
    csv_text = c.get(f"/api/v1/framework/{GM}/surveys/{sid}/summary?format=csv").text
    assert csv_text.splitlines()[0].startswith("question,answer,count")


# ------------------------------------------------------------------ exports
@pytest.mark.parametrize(
    ("fmt", "kind", "needle"),
    [
        ("md", "text/markdown", "# Greater Manchester (E47000001): devolution framework"),
        ("json", "application/json", '"code": "E47000001"'),
        ("html", "text/html", "<h1>Greater Manchester (E47000001)"),
        ("pdf", "application/pdf", "%PDF"),
    ],
)
def test_exports(fw: Callable[[str], TestClient], fmt: str, kind: str, needle: str) -> None:
    r = fw("viewer").get(f"/framework/{GM}/export.{fmt}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(kind)
    assert needle in (r.text if fmt != "pdf" else r.content[:8].decode("latin-1"))


def test_export_needs_sign_in_and_a_known_format(fw: Callable[[str], TestClient]) -> None:
    assert fw("anonymous").get(f"/framework/{GM}/export.md").status_code == 401
    r = fw("viewer").get(f"/framework/{GM}/export.docx")
    assert r.status_code == 404
    assert "format must be one of md, html, pdf, csv, json; got 'docx'" in r.text.replace(
        "&#39;", "'"
    )


# ------------------------------------------------------------------ permissions
def _survey(c: TestClient) -> str:
    r = c.post(
        f"/api/v1/framework/{GM}/surveys",
        json={"title": "S", "questions": [{"id": "q1", "text": "Q", "kind": "scale"}]},
        headers=csrf_headers(c),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _action(c: TestClient) -> str:
    r = c.post(f"/api/v1/framework/{GM}/actions", json={"title": "A"}, headers=csrf_headers(c))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _note(c: TestClient) -> str:
    r = c.post(
        f"/api/v1/framework/{GM}/enquiry/notes",
        json={"prompt": "discover.general.1", "category": "asset", "text": "x"},
        headers=csrf_headers(c),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


#: (name, method, url template, form or JSON body, admin-only): every write endpoint.
WRITES: list[tuple[str, str, str, dict[str, Any], bool]] = [
    ("page partner", "form", "/framework/{gm}/partners", {"name": "VCSE", "type": "voluntary sector"}, False),
    ("page power", "form", "/framework/{gm}/powers", {"power_id": "p1", "text": "T", "source": "S", "as_of": "2026-01-01"}, True),
    ("page answer", "form", "/framework/{gm}/enquiry/discover", {"prompt": "discover.general.1", "category": "asset", "text": "x"}, False),
    ("page change answer", "form", "/framework/{gm}/enquiry/notes/{note}", {"category": "lever", "text": "y"}, False),
    ("page drafts to plan", "form", "/framework/{gm}/enquiry/result", {}, False),
    ("page action", "form", "/framework/{gm}/actions", {"title": "Act"}, False),
    ("page action status", "form", "/framework/{gm}/actions/{action}/status", {"status": "done"}, False),
    ("page survey", "form", "/framework/{gm}/surveys", {"title": "S", "questions": "scale: Q"}, False),
    ("page response", "form", "/framework/{gm}/surveys/{survey}/responses", {"q1": "3"}, False),
    ("api partner", "post", "/api/v1/framework/{gm}/partners", {"name": "VCSE", "type": "voluntary sector"}, False),
    ("api power", "post", "/api/v1/framework/powers", {"id": "p1", "text": "T", "applies_to": ["E47000001"], "source": "S", "as_of": "2026-01-01"}, True),
    ("api answer", "post", "/api/v1/framework/{gm}/enquiry/notes", {"prompt": "discover.general.1", "category": "asset", "text": "x"}, False),
    ("api drafts to plan", "post", "/api/v1/framework/{gm}/enquiry/draft-actions", {}, False),
    ("api action", "post", "/api/v1/framework/{gm}/actions", {"title": "Act"}, False),
    ("api action update", "patch", "/api/v1/framework/{gm}/actions/{action}", {"status": "done"}, False),
    ("api survey", "post", "/api/v1/framework/{gm}/surveys", {"title": "S", "questions": [{"id": "q1", "text": "Q", "kind": "scale"}]}, False),
    ("api response", "post", "/api/v1/framework/{gm}/surveys/{survey}/responses", {"answers": {"q1": 3}}, False),
]  # fmt: skip


@pytest.fixture(scope="module")
def matrix(
    store_path: Path, template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, TestClient], dict[str, str]]]:
    """One app for the whole matrix (its register computed once): a client per role and
    the ids of a seeded note, action and survey of GM. Every write targets fresh ids or
    adds a version, so the cases do not depend on each other."""
    with role_clients(store_path, template_db, tmp_path_factory.mktemp("fwmatrix")) as made:
        admin = made["admin"]
        seeded = {
            "gm": GM,
            "note": _note(admin),
            "action": _action(admin),
            "survey": _survey(admin),
        }
        yield made, seeded


@contextmanager
def role_clients(
    store_path: Path, template_db: Path, folder: Path
) -> Iterator[dict[str, TestClient]]:
    """An app on a copy of the template database with the framework users, and a client
    for each of ROLES (signed in as that role, or signed out); closed on exit."""
    db = folder / "app.db"
    shutil.copyfile(template_db, db)
    app = create_app(Settings(store=str(store_path), db_url=f"sqlite:///{db}"))
    with sessions(app.state.engine)() as s:
        for email, role, authority in FW_USERS.values():
            add_user(s, email, PASSWORD, role, authority)
    emails = {
        "admin": USERS["admin"][0],
        "own_editor": FW_USERS["gm_editor"][0],
        "other_editor": FW_USERS["sy_editor"][0],
        "viewer": USERS["viewer"][0],
    }
    made = {role: TestClient(app) for role in ROLES}
    try:
        for role, email in emails.items():
            assert sign_in(made[role], email).status_code == 303
        yield made
    finally:
        for c in made.values():
            c.close()


def _write(
    c: TestClient, method: str, url: str, body: dict[str, Any], token: bool, reader: Any = None
) -> Any:
    """Send one write; an update of an action names the version ``reader`` reads now."""
    version: dict[str, str] = {}
    match = re.fullmatch(r"/(?:api/v1/)?framework/(\w+)/actions/([\w-]+)(?:/status)?", url)
    if match and reader is not None:
        got = reader.get(f"/api/v1/framework/{match[1]}/actions/{match[2]}")
        version = {"etag": got.headers["etag"], "version": str(got.json()["version"])}
    match = re.fullmatch(r"/framework/(\w+)/enquiry/notes/([\w-]+)", url) or re.fullmatch(
        r"/framework/library/cases/([\w-]+)()", url
    )
    if match and reader is not None:
        page = reader.get(url).text  # the change form carries the version it shows
        n = int(re.search(r'name="version" value="(\d+)"', page)[1])
        version = {"etag": f'"{n}"', "version": str(n)}
    match = re.fullmatch(r"/(?:api/v1/)?framework/(\w+)/commitments/([\w-]+)(?:/edit)?", url)
    if match and reader is not None:
        listed = reader.get(f"/api/v1/framework/{match[1]}/commitments").json()["data"]
        n = next(int(c["version"]) for c in listed if c["id"] == match[2])
        version = {"etag": f'"{n}"', "version": str(n)}
    power = body.get("power_id") or body.get("id") if url.endswith("/powers") else None
    if power and reader is not None:  # a power's version is in its authority's JSON
        powers = reader.get(f"/api/v1/framework/{GM}").json()["data"]["powers"]
        n = next((int(p["version"]) for p in powers if p["id"] == power), 0)
        version = {"etag": f'"{n}"', "version": str(n)}
    if method == "form":
        data = {**body, "csrf_token": _token(c)} if token else dict(body)
        if version:
            data["version"] = version["version"]
        return c.post(url, data=data, follow_redirects=False)
    headers = csrf_headers(c) if token else {}
    if version:
        headers["If-Match"] = version["etag"]
    return c.request(method.upper(), url, json=body, headers=headers)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("write", WRITES, ids=[w[0] for w in WRITES])
def test_permissions_matrix(
    matrix: tuple[dict[str, TestClient], dict[str, str]],
    role: str,
    write: tuple[str, str, str, dict[str, Any], bool],
) -> None:
    name, method, template, body, admin_only = write
    clients, seeded = matrix
    r = _write(
        clients[role], method, template.format(**seeded), body, token=True, reader=clients["admin"]
    )
    allowed = role == "admin" or (role == "own_editor" and not admin_only)
    if role == "anonymous":
        assert r.status_code == 401, (name, r.text)
        return
    if allowed:
        assert r.status_code in (200, 201, 303), (name, r.status_code, r.text)
        return
    assert r.status_code == 403, (name, r.status_code, r.text)
    message = r.json()["error"]["message"] if method != "form" else r.text
    if role == "viewer":
        expected = "must be an editor or administrator to change"
    elif admin_only:
        expected = "register must be changed by an administrator"
    else:
        expected = "an editor must change only their own authority's"
    assert expected in message.replace("&#39;", "'"), (name, message)


@pytest.mark.parametrize("write", WRITES, ids=[w[0] for w in WRITES])
def test_writes_need_the_csrf_token(
    matrix: tuple[dict[str, TestClient], dict[str, str]],
    write: tuple[str, str, str, dict[str, Any], bool],
) -> None:
    _, method, template, body, _ = write
    clients, seeded = matrix
    r = _write(
        clients["admin"], method, template.format(**seeded), body, False, reader=clients["admin"]
    )
    assert r.status_code == 403
    message = r.json()["error"]["message"] if method != "form" else r.text
    assert "must carry this session's CSRF token; got none" in message.replace("&#39;", "'")


def test_admin_records_a_power_with_history(fw: Callable[[str], TestClient]) -> None:
    admin = fw("admin")
    data = {
        "power_id": "gm-test-power",
        "text": "A test power",
        "competences": ["health", "housing"],
        "source": "https://example.org/source",
        "as_of": "2026-01-01",
    }
    assert _form(admin, f"/framework/{GM}/powers", data).status_code == 303
    data["text"] = "A corrected test power"
    # a correction must carry the version read: without it, the form comes back (409)
    # with the version it now shows, and saving that records version 2
    again = _form(admin, f"/framework/{GM}/powers", data)
    assert again.status_code == 409
    check_page(again.text)
    assert [f for f, _ in _errors(again.text)] == ["power-id"]
    assert "has been recorded already (now version 1)" in again.text
    assert 'name="version" value="1"' in again.text and "A corrected test power" in again.text
    data["version"] = "1"
    assert _form(admin, f"/framework/{GM}/powers", data).status_code == 303
    # the same correction again from the (now stale) version 1: 409, nothing stored
    data["text"] = "A stale correction"
    stale = _form(admin, f"/framework/{GM}/powers", data)
    assert stale.status_code == 409
    assert "based on version 1, but it is now version 2" in stale.text
    assert 'name="version" value="2"' in stale.text
    page = admin.get(f"/framework/{GM}").text
    assert "A stale correction" not in page
    check_page(page)
    assert "A corrected test power" in page and "version 2, by admin@example.org" in page
    register = admin.get("/api/v1/framework?competence=health").json()["matrix"]
    gm = next(r for r in register if r["authority"] == "Greater Manchester")
    assert "gm-test-power" in gm["health"]
    missing = _form(admin, f"/framework/{GM}/powers", {"power_id": "x"})
    assert missing.status_code == 400
    assert [f for f, _ in _errors(missing.text)] == ["power-text", "power-source", "power-as-of"]


def test_power_api_needs_the_version_to_correct(fw: Callable[[str], TestClient]) -> None:
    admin = fw("admin")
    body = {
        "id": "gm-api-power",
        "text": "A power",
        "applies_to": [GM],
        "source": "https://example.org/source",
        "as_of": "2026-01-01",
    }
    url = "/api/v1/framework/powers"
    r = admin.post(url, json=body, headers=csrf_headers(admin))  # a new id: no version
    assert r.status_code == 201 and r.headers["etag"] == '"1"' and r.json()["version"] == 1
    powers = admin.get(f"/api/v1/framework/{GM}").json()["data"]["powers"]
    assert next(p["version"] for p in powers if p["id"] == "gm-api-power") == 1
    fixed = {**body, "text": "A corrected power"}
    r = admin.post(url, json=fixed, headers=csrf_headers(admin))
    assert r.status_code == 428 and r.json()["error"]["code"] == "precondition_required"
    r = admin.post(url, json=fixed, headers={**csrf_headers(admin), "If-Match": '"1"'})
    assert r.status_code == 201 and r.headers["etag"] == '"2"'
    r = admin.post(
        url, json={**body, "text": "Stale"}, headers={**csrf_headers(admin), "If-Match": '"1"'}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    powers = admin.get(f"/api/v1/framework/{GM}").json()["data"]["powers"]
    mine = next(p for p in powers if p["id"] == "gm-api-power")
    assert mine["version"] == 2 and mine["text"] == "A corrected power"


def test_viewer_sees_no_forms_and_editor_only_their_own(fw: Callable[[str], TestClient]) -> None:
    url = f"/framework/{GM}/actions"
    assert 'action="/framework/E47000001/actions"' not in fw("viewer").get(url).text
    assert 'action="/framework/E47000001/actions"' not in fw("other_editor").get(url).text
    assert 'action="/framework/E47000001/actions"' in fw("own_editor").get(url).text


def test_library_search_and_suggestions(fw: Callable[[str], TestClient], app: Any) -> None:
    from healthgap.framework.library import Library
    from healthgap.framework.storage import Actor
    from healthgap.web.routers.framework import workspace

    class _Req:  # the router's workspace() needs only request.app
        def __init__(self, app: Any) -> None:
            self.app = app

    ws = workspace(_Req(app))  # type: ignore[arg-type]
    lib = Library(ws)
    admin = Actor("admin@example.org", "admin")
    # synthetic case studies (labelled synthetic; no real case study is shipped)
    lib.add(admin, {
        "id": "synthetic-travel", "title": "Synthetic: active travel to work",
        "authority_code": SY, "summary": "Synthetic example of cycle routes.",
        "competences": ["transport"], "levers": ["capital funding"],
        "source_title": "Synthetic test source", "source_url": "https://example.org/synthetic",
        "published": "2025-01-01",
    })  # fmt: skip
    lib.add(admin, {
        "id": "synthetic-homes", "title": "Synthetic: warm homes",
        "authority_code": "E47000003", "summary": "Synthetic example of retrofit grants.",
        "competences": ["housing"], "levers": ["grants"],
        "source_title": "Synthetic test source", "source_url": "https://example.org/synthetic",
        "published": "2025-01-01",
    })  # fmt: skip
    c = fw("anonymous")
    page = c.get("/framework/library?q=cycle")
    check_page(page.text)
    assert "Synthetic: active travel to work" in page.text
    assert "Synthetic: warm homes" not in page.text
    suggested = c.get(f"/api/v1/framework/library?authority={GM}").json()["suggestions"]
    assert {s["id"] for s in suggested} == {"synthetic-travel", "synthetic-homes"}
    assert all(0 <= s["score"] <= 1 for s in suggested)
    bad = c.get("/framework/library?authority=E47999999")
    assert bad.status_code == 404


def test_workspace_tables_come_from_the_migration(app: Any) -> None:
    from sqlalchemy import inspect

    tables = set(inspect(app.state.engine).get_table_names())
    assert {"framework_records", "framework_case_fts", "audit_log"} <= tables


def test_openapi_lists_the_framework_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in (
        "/api/v1/framework",
        "/api/v1/framework/library",
        "/api/v1/framework/{code}",
        "/api/v1/framework/{code}/actions",
        "/api/v1/framework/{code}/enquiry",
        "/api/v1/framework/{code}/surveys/{survey_id}/summary",
        "/api/v1/framework/{code}/export.{fmt}",
    ):
        assert p in paths, p
