"""The annual cycle page: four steps with status and evidence, a form per step for the
authority's editors (error summary, hidden version: 409 when stale), last year's look
back, and the API (If-Match "0" for a step not yet recorded)."""

from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import check_page, csrf_headers

BHAM = "E08000025"
PAGES = ["/cycle", "/cycle/E08000025", "/cycle/E08000025?year=2025"]


def _form(html: str, step: str) -> dict[str, str]:
    part = html[html.index(f'action="/cycle/{BHAM}/2026/{step}"') :]
    part = part[: part.index("</form>")]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', part))


def test_pages_render(clients: Any) -> None:
    anon = clients("anonymous")
    for url in PAGES:
        r = anon.get(url)
        assert r.status_code == 200, url
        check_page(r.text)
    page = anon.get("/cycle/E08000025?year=2026").text
    for label in (
        "Targets reviewed",
        "Action plans refreshed",
        "Health-duty report published",
        "Scrutiny session held",
    ):
        assert label in page
    assert "2027-03-31" in page and "Update" not in page  # anonymous: no forms
    assert "What we committed to last year, what happened" in page
    assert (
        anon.get("/cycle?authority=e08000025", follow_redirects=False).headers["location"]
        == "/cycle/E08000025"
    )
    assert anon.get("/cycle/not%20a%20code").status_code == 400


def test_editor_records_a_step(clients: Any) -> None:
    editor, anon, other = clients("editor"), clients("anonymous"), clients("other_editor")
    url = f"/cycle/{BHAM}?year=2026"
    html = editor.get(url).text
    check_page(html)
    hidden = _form(html, "targets_reviewed")
    assert hidden["version"] == "0"
    post = f"/cycle/{BHAM}/2026/targets_reviewed"
    data = {
        **hidden,
        "status": "done",
        "due_on": "",
        "done_on": "2026-06-20",
        "evidence": "",
        "evidence_url": "",
    }
    r = editor.post(post, data=data, follow_redirects=False)
    assert r.status_code == 400 and '<a href="#evidence-targets_reviewed">' in r.text
    check_page(r.text)
    data["evidence"] = "Cabinet minute 12 <i>"
    assert editor.post(post, data=data, follow_redirects=False).status_code == 303
    page = anon.get(url).text
    assert "done 2026-06-20" in page and "Cabinet minute 12 &lt;i&gt;" in page
    r = editor.post(post, data=data, follow_redirects=False)  # version 0 again: stale
    assert r.status_code == 409 and "changed by someone else" in r.text
    assert "Update" not in other.get(url).text  # another authority's editor: no forms
    token = other.get("/api/v1/session").json()["csrf_token"]
    r = other.post(post, data={**data, "csrf_token": token, "version": "1"}, follow_redirects=False)
    assert r.status_code == 403


def test_api(clients: Any) -> None:
    editor, anon = clients("editor"), clients("anonymous")
    h = csrf_headers(editor)
    url = f"/api/v1/cycle/{BHAM}/2026/report_published"
    body = {"status": "in progress"}
    assert editor.put(url, json=body, headers=h).status_code == 428
    r = editor.put(url, json=body, headers={**h, "If-Match": '"0"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"1"'
    assert editor.put(url, json=body, headers={**h, "If-Match": '"0"'}).status_code == 409
    r = editor.put(url, json={"status": "done"}, headers={**h, "If-Match": '"1"'})
    assert r.status_code == 400 and "must say when" in r.json()["error"]["message"]
    got = anon.get(f"/api/v1/cycle/{BHAM}/2026").json()
    assert [s["status"] for s in got["steps"]] == [
        "not started",
        "not started",
        "in progress",
        "not started",
    ]
    assert got["last_year"]["summary"].startswith("In 2025/26")
    assert (
        editor.put(
            f"/api/v1/cycle/{BHAM}/2026/party", json=body, headers={**h, "If-Match": '"0"'}
        ).status_code
        == 422
    )
