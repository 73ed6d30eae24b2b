# ruff: noqa: E501
"""Joint commitments and case studies on the web: the pages (structure checked), the add
forms with their GOV.UK error summaries, the JSON/CSV under /api/v1/framework, the
"authorities like yours also tried" section of each authority page, the page that changes
a commitment (pre-filled form, its history, the one-time "Commitment updated" banner), and
the permissions matrix of every new write endpoint (anonymous, viewer, own-authority editor,
other-authority editor, administrator). Partner names, commitments and case studies are
SYNTHETIC test data."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from healthgap.appdb import audit
from healthgap.appdb.db import sessions
from healthgap.framework import Workspace
from healthgap.framework.commitments import Commitments
from healthgap.web.routers.framework import _commitment_as_form, _party_rows, commitment_changes
from tests.web import test_framework_pages as _pages
from tests.web.conftest import TestClient, check_page, csrf_headers
from tests.web.test_framework_pages import ROLES, _errors, _token, _write, role_clients

fw = _pages.fw  # the framework pages' per-role clients fixture

GM, SY = "E47000001", "E47000002"
CASE = {
    "title": "Synthetic: link workers in GP practices",
    "summary": "Synthetic example of social prescribing.",
    "outcome": "Synthetic outcome.",
    "levers": "grants, contracts",
    "competences": ["health"],
    "population_groups": "carers",
    "outcomes": "wellbeing",
    "source_title": "Synthetic test source",
    "source_url": "https://example.org/synthetic",
    "published": "2025-05-01",
}


def _partner(c: TestClient, name: str = "Synthetic VCSE Forum") -> str:
    r = c.post(
        f"/api/v1/framework/{GM}/partners",
        json={"name": name, "type": "voluntary sector"},
        headers=csrf_headers(c),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _commitment(c: TestClient, partner: str) -> str:
    r = c.post(
        f"/api/v1/framework/{GM}/commitments",
        json={
            "title": "Synthetic: shared data",
            "partners": [{"partner": partner, "commits_to": "Run panels"}],
        },
        headers=csrf_headers(c),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _case(c: TestClient, cid: str, authority: str = GM) -> str:
    body = {
        **CASE,
        "id": cid,
        "authority_code": authority,
        "levers": ["grants"],
        "population_groups": [],
        "outcomes": [],
    }
    r = c.post("/api/v1/framework/library", json=body, headers=csrf_headers(c))
    assert r.status_code == 201, r.text
    return cid


# ------------------------------------------------------------------ pages
def test_commitments_page_needs_sign_in(fw: Callable[[str], TestClient]) -> None:
    url = f"/framework/{GM}/commitments"
    r = fw("anonymous").get(url)
    assert r.status_code == 401 and "must be done by a signed-in user" in r.text
    viewer = fw("viewer").get(url)
    assert viewer.status_code == 200
    check_page(viewer.text)
    assert f'action="/framework/{GM}/commitments"' not in viewer.text
    assert f'action="/framework/{GM}/commitments"' not in fw("other_editor").get(url).text
    own = fw("own_editor").get(url).text
    check_page(own)
    # the register's member councils and ICBs can be parties before any partner is recorded
    assert f'action="/framework/{GM}/commitments"' in own


def test_add_commitment_form(fw: Callable[[str], TestClient]) -> None:
    ed = fw("own_editor")
    vcse = _partner(ed)
    url = f"/framework/{GM}/commitments"
    page = ed.get(url).text
    check_page(page)
    # recorded partner first, then the 10 member councils and partner ICBs of the register
    assert 'for="party-0-commits">What Synthetic VCSE Forum commits to' in page
    assert "What Bolton commits to" in page and "What Wigan commits to" in page
    # nothing filled in: the error summary, each message linked to its field
    r = ed.post(url, data={"csrf_token": _token(ed), "status": "proposed"}, follow_redirects=False)
    assert r.status_code == 400
    check_page(r.text)
    assert r.text.count("<title>Error: ") == 1
    assert _errors(r.text) == [
        ("commitment-title", "Enter what is agreed"),
        ("party-0-commits", "Enter what at least one partner commits to"),
    ]
    for field, _ in _errors(r.text):
        assert f'id="{field}"' in r.text
    # agreed without the partners' signatures: the domain's message, kept input
    data = {
        "csrf_token": _token(ed),
        "title": "Synthetic: shared data",
        "party-0-commits": "Run two community panels",
        "party-1-commits": "Share referral counts",
        "party-1-signed": "2026-01-06",
        "levers": "data sharing agreement, social value",
        "indicators": "hle_birth",
        "agreed": "2026-01-10",
        "due": "2027-01-01",
        "status": "agreed",
    }
    r = ed.post(url, data=data, follow_redirects=False)
    assert r.status_code == 400
    (field, message), *_ = _errors(r.text)
    assert field == "party-0-signed"
    assert message.replace("&#39;", "'").startswith(
        f"every partner must have signed a commitment with status 'agreed'; got no signature date for '{vcse}'"
    )
    assert 'value="Run two community panels"' in r.text
    bad = ed.post(url, data={**data, "indicators": "nope"}, follow_redirects=False)
    assert _errors(bad.text)[0][0] == "commitment-indicators"
    data["party-0-signed"] = "2026-01-05"
    r = ed.post(url, data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == url
    page = ed.get(url).text
    check_page(page)
    assert (
        "Synthetic VCSE Forum</strong> (voluntary sector): Run two community panels. Signed 2026-01-05."
        in page
    )
    assert "<strong>Bolton</strong> (council): Share referral counts. Signed 2026-01-06." in page
    assert "2 of 2 signed" in page and "Levers: data sharing agreement; social value" in page
    authority = ed.get(f"/framework/{GM}").text
    check_page(authority)
    assert (
        f'href="/framework/{GM}/commitments#{GM}-commitment-1">Synthetic: shared data' in authority
    )
    assert "Synthetic VCSE Forum; Bolton (2 of 2 signed)" in authority


def test_commitments_api_json_csv_and_patch(fw: Callable[[str], TestClient]) -> None:
    ed = fw("own_editor")
    vcse = _partner(ed)
    cid = _commitment(ed, vcse)
    body = fw("viewer").get(f"/api/v1/framework/{GM}/commitments").json()
    assert body["meta"] == {"total": 1, "authority": GM}
    (c,) = body["data"]
    assert c["id"] == cid and c["status"] == "proposed" and c["parties"] == 1
    assert c["partners"] == [
        {
            "commitment_id": cid,
            "partner": vcse,
            "name": "Synthetic VCSE Forum",
            "type": "voluntary sector",
            "commits_to": "Run panels",
            "signed": None,
        }
    ]
    r = ed.patch(
        f"/api/v1/framework/{GM}/commitments/{cid}",
        json={
            "status": "met",
            "agreed": "2026-01-10",
            "partners": [{"partner": vcse, "commits_to": "Run panels", "signed": "2026-01-09"}],
        },
        headers={**csrf_headers(ed), "If-Match": '"1"'},
    )
    assert r.json() == {"id": cid, "version": 2}
    assert r.headers["etag"] == '"2"'
    stale = ed.patch(
        f"/api/v1/framework/{GM}/commitments/{cid}",
        json={"status": "proposed"},
        headers={**csrf_headers(ed), "If-Match": '"1"'},
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    rows = list(
        csv.DictReader(io.StringIO(ed.get(f"/api/v1/framework/{GM}/commitments?format=csv").text))
    )
    assert [
        (x["commitment_id"], x["name"], x["signed"], x["status"], x["version"]) for x in rows
    ] == [(cid, "Synthetic VCSE Forum", "2026-01-09", "met", "2")]
    bad = ed.post(
        f"/api/v1/framework/{GM}/commitments",
        json={"title": "t", "partners": [{"partner": "zz", "commits_to": "x"}]},
        headers=csrf_headers(ed),
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["message"].startswith(
        "partners of a commitment must be partners of E47000001; got 'zz'"
    )
    assert fw("anonymous").get(f"/api/v1/framework/{GM}/commitments").status_code == 401
    export = ed.get(f"/framework/{GM}/export.md?progress=false").text
    assert (
        "## Joint commitments" in export
        and "Synthetic VCSE Forum (voluntary sector): Run panels; signed: 2026-01-09" in export
    )
    assert fw("viewer").get(f"/api/v1/framework/{GM}").json()["commitments"][0]["id"] == cid


# ------------------------------------------------------------------ case studies
def test_case_study_form_add_and_edit(fw: Callable[[str], TestClient]) -> None:
    ed = fw("own_editor")
    lib = ed.get("/framework/library").text
    assert 'href="/framework/library/cases"' in lib
    assert 'href="/framework/library/cases"' not in fw("viewer").get("/framework/library").text
    assert 'href="/framework/library/cases"' not in fw("anonymous").get("/framework/library").text
    form = ed.get("/framework/library/cases")
    check_page(form.text)
    assert (
        f'<option value="{GM}" selected>' in form.text and f'<option value="{SY}"' not in form.text
    )
    r = ed.post(
        "/framework/library/cases",
        data={"csrf_token": _token(ed), "authority_code": GM},
        follow_redirects=False,
    )
    assert r.status_code == 400
    check_page(r.text)
    assert _errors(r.text) == [
        ("case-title", "Enter the case study's title".replace("'", "&#39;")),
        ("case-summary", "Enter what was done"),
        ("case-source_title", "Enter the title of the published source"),
        ("case-source_url", "Enter the web address of the published source"),
        ("case-published", "Enter the date the source was published"),
    ]
    for field, _ in _errors(r.text):
        assert f'id="{field}"' in r.text
    data = {**CASE, "authority_code": GM, "csrf_token": _token(ed)}
    bad = ed.post(
        "/framework/library/cases", data={**data, "published": "May 2025"}, follow_redirects=False
    )
    assert _errors(bad.text)[0][0] == "case-published"
    assert "must be a date written YYYY-MM-DD; got &#39;May 2025&#39;" in bad.text
    r = ed.post("/framework/library/cases", data=data, follow_redirects=False)
    cid = "synthetic-link-workers-in-gp-practices"  # made from the title
    assert r.status_code == 303 and r.headers["location"] == f"/framework/library#case-{cid}"
    again = ed.post("/framework/library/cases", data=data, follow_redirects=False)
    assert _errors(again.text) == [
        ("case-id", f"A case study with id {cid} already exists: choose another id")
    ]
    page = ed.get("/framework/library").text
    check_page(page)
    assert f'id="case-{cid}"' in page and "grants, contracts, health, carers, wellbeing" in page
    assert f'href="/framework/library/cases/{cid}"' in page
    edit = ed.get(f"/framework/library/cases/{cid}")
    check_page(edit.text)
    assert 'value="grants, contracts"' in edit.text and 'value="health" checked' in edit.text
    assert 'name="version" value="1"' in edit.text
    r = ed.post(
        f"/framework/library/cases/{cid}",
        data={**data, "title": "Synthetic: link workers, revised", "version": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    stale = ed.post(
        f"/framework/library/cases/{cid}",
        data={**data, "title": "Synthetic: overwritten", "version": "1"},
        follow_redirects=False,
    )
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    got = ed.get("/api/v1/framework/library?q=revised").json()["data"]
    assert [(c["id"], c["published"], c["competences"]) for c in got] == [
        (cid, "2025-05-01", ["health"])
    ]
    assert fw("other_editor").get(f"/framework/library/cases/{cid}").status_code == 403
    assert fw("viewer").get("/framework/library/cases").status_code == 403
    assert fw("anonymous").get("/framework/library/cases").status_code == 401
    assert ed.get("/framework/library/cases/nope").status_code == 404


def test_authority_page_shows_what_similar_authorities_tried(
    fw: Callable[[str], TestClient],
) -> None:
    anon = fw("anonymous")
    empty = anon.get(f"/framework/{GM}").text
    assert (
        "Authorities like yours also tried" in empty
        and "The library holds no case studies yet." in empty
    )
    _case(fw("admin"), "synthetic-sy", SY)
    _case(fw("admin"), "synthetic-gm", GM)
    page = anon.get(f"/framework/{GM}").text
    check_page(page)
    section = page.split('id="also-tried"')[1]
    assert "Synthetic: link workers in GP practices" in section
    assert section.count('<tr class="govuk-table__row"><td') == 1  # not GM's own case study
    api = anon.get(f"/api/v1/framework/{GM}").json()["also_tried"]
    assert [c["id"] for c in api] == ["synthetic-sy"]
    assert api == anon.get(f"/api/v1/framework/library?authority={GM}").json()["suggestions"]
    new = anon.get("/framework/E47000014").text  # members from the May 2024/2025 lookups
    check_page(new)
    assert "Synthetic: link workers in GP practices" in new.split('id="also-tried"')[1]
    old = anon.get("/framework/E47000011").text  # abolished: no current members
    check_page(old)
    assert "Suggestions need the authority&#39;s member councils" in old


# ------------------------------------------------------------------ changing a commitment
def _edit_url(cid: str, code: str = GM) -> str:
    return f"/framework/{code}/commitments/{cid}/edit"


def _banner(html: str) -> str | None:
    """The text of the success banner, or None when there is none."""
    m = re.search(
        r'(<div class="govuk-notification-banner govuk-notification-banner--success".*?)<span class="govuk-caption-l">',
        html,
        re.S,
    )
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(1))).strip() if m else None


def _history(html: str) -> list[list[str]]:
    """The history table's rows: version, when, who, status, what changed ('|'-joined)."""
    body = html.split('id="history"')[1].split("<tbody")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    out = []
    for row in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        changes = "|".join(re.findall(r"<li>(.*?)</li>", cells[4]))
        out.append([*(re.sub(r"<[^>]+>", "", c).strip() for c in cells[:4]), changes])
    return out


def test_edit_commitment_round_trip(fw: Callable[[str], TestClient], app: Any) -> None:
    ed = fw("own_editor")
    vcse = _partner(ed)
    cid = _commitment(ed, vcse)
    listing = ed.get(f"/framework/{GM}/commitments").text
    check_page(listing)
    assert (
        f'<a class="govuk-link" href="{_edit_url(cid)}">Change<span class="govuk-visually-hidden"> Synthetic: shared data</span></a>'
        in listing
    )
    assert _banner(listing) is None
    assert _edit_url(cid) not in fw("viewer").get(f"/framework/{GM}/commitments").text
    # the form is pre-filled with the stored commitment
    page = ed.get(_edit_url(cid))
    assert page.status_code == 200
    check_page(page.text)
    assert (
        page.text.count("<h1") == 1
        and "<title>Change a joint commitment: Synthetic: shared data: Greater Manchester"
        in page.text
    )
    assert f'action="{_edit_url(cid)}"' in page.text
    assert (
        'id="commitment-title" name="title" type="text" value="Synthetic: shared data"' in page.text
    )
    assert (
        'id="party-0-commits" name="party-0-commits" type="text" aria-describedby="party-0-hint" value="Run panels"'
        in page.text
    )
    assert 'id="party-0-signed" name="party-0-signed" type="text" value=""' in page.text
    assert '<option value="proposed" selected>' in page.text
    assert _history(page.text) == [
        ["1", _history(page.text)[0][1], "gm.editor@example.org (editor)", "proposed", "Recorded"]
    ]
    # sign, agree, add Bolton (a member council from the register) and link levers
    assert 'name="version" value="1"' in page.text  # the version this form is based on
    data = {
        "csrf_token": _token(ed),
        "version": "1",
        "title": "Synthetic: shared data",
        "summary": "Synthetic detail",
        "party-0-commits": "Run panels",
        "party-0-signed": "2026-01-09",
        "party-1-commits": "Share referral counts",
        "party-1-signed": "2026-01-08",
        "levers": "data sharing agreement, social value",
        "indicators": "hle_birth",
        "agreed": "2026-01-10",
        "due": "2027-03-31",
        "status": "agreed",
    }
    r = ed.post(_edit_url(cid), data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/framework/{GM}/commitments"
    # the stored record changed (a new version) ...
    (c,) = ed.get(f"/api/v1/framework/{GM}/commitments").json()["data"]
    assert (c["version"], c["status"], c["agreed"], c["due"], c["summary"]) == (
        2,
        "agreed",
        "2026-01-10",
        "2027-03-31",
        "Synthetic detail",
    )
    assert (c["levers"], c["indicators"], c["parties"], c["signed"]) == (
        ["data sharing agreement", "social value"],
        ["hle_birth"],
        2,
        2,
    )
    assert [(p["partner"], p["commits_to"], p["signed"]) for p in c["partners"]] == [
        (vcse, "Run panels", "2026-01-09"),
        ("E08000001", "Share referral counts", "2026-01-08"),
    ]
    # ... with an audit-log entry holding what it was and what it is
    with sessions(app.state.engine)() as s:
        latest = audit.entries(s, limit=1)[0]
    assert (latest["action"], latest["entity"], latest["entity_id"], latest["user_email"]) == (
        "update",
        "framework_commitment",
        cid,
        "gm.editor@example.org",
    )
    assert (latest["before"]["status"], latest["after"]["status"]) == ("proposed", "agreed")
    # the banner shows once, on the page the form redirected to
    after = ed.get(f"/framework/{GM}/commitments").text
    check_page(after)
    assert (
        _banner(after)
        == "Success Commitment updated Synthetic: shared data is now version 2: agreed, 2 of 2 partners signed."
    )
    assert f'class="govuk-notification-banner__link" href="#{cid}"' in after
    assert _banner(ed.get(f"/framework/{GM}/commitments").text) is None
    # the history on the edit page says who changed what, newest first
    page = ed.get(_edit_url(cid)).text
    check_page(page)
    hist = _history(page)
    assert [h[0] for h in hist] == ["2", "1"] and [h[3] for h in hist] == ["agreed", "proposed"]
    assert hist[0][2] == "gm.editor@example.org (editor)" and re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d", hist[0][1]
    )
    assert hist[0][4].split("|") == [
        "More detail changed",
        "Levers: data sharing agreement; social value",
        "Indicators: hle_birth",
        "Date agreed: blank to 2026-01-10",
        "Due: blank to 2027-03-31",
        "Status: proposed to agreed",
        "Synthetic VCSE Forum signed 2026-01-09",
        "Bolton added",
    ]
    assert 'id="party-1-signed" name="party-1-signed" type="text" value="2026-01-08"' in page
    # an administrator takes Bolton out and marks the commitment met
    admin = fw("admin")
    data = {
        **data,
        "csrf_token": _token(admin),
        "party-1-commits": "",
        "party-1-signed": "",
        "status": "met",
    }
    # ... but not from a form read before the editor's change (version 1): 409, unchanged
    stale = admin.post(_edit_url(cid), data=data, follow_redirects=False)
    assert stale.status_code == 409
    check_page(stale.text)
    assert "changed by someone else since you read it" in stale.text
    assert len(_history(admin.get(_edit_url(cid)).text)) == 2
    data["version"] = "2"
    assert admin.post(_edit_url(cid), data=data, follow_redirects=False).status_code == 303
    hist = _history(admin.get(_edit_url(cid)).text)
    assert (
        hist[0][2] == "admin@example.org (admin)"
        and hist[0][4] == "Status: agreed to met|Bolton removed"
    )
    assert len(hist) == 3


def test_edit_commitment_errors_keep_the_fields(fw: Callable[[str], TestClient]) -> None:
    ed = fw("own_editor")
    vcse = _partner(ed)
    cid = _commitment(ed, vcse)
    url = _edit_url(cid)
    base = {
        "csrf_token": _token(ed),
        "version": "1",
        "title": "Synthetic: shared data",
        "party-0-commits": "Run panels",
        "status": "proposed",
    }
    # checked on the page: no title, a date without a commitment, then nobody at all
    r = ed.post(
        url,
        data={
            **base,
            "title": " ",
            "party-0-commits": "",
            "party-1-signed": "2026-01-01",
            "summary": "Kept text",
        },
        follow_redirects=False,
    )
    assert r.status_code == 400
    check_page(r.text)
    assert r.text.count("<title>Error: Change a joint commitment") == 1
    assert _errors(r.text) == [
        ("commitment-title", "Enter what is agreed"),
        ("party-1-commits", "Enter what Bolton commits to, or clear its date"),
        ("party-0-commits", "Enter what at least one partner commits to"),
    ]
    for field, _ in _errors(r.text):
        assert f'id="{field}"' in r.text and f'id="{field}-error"' in r.text
    assert (
        ">Kept text</textarea>" in r.text
        and 'id="party-1-signed" name="party-1-signed" type="text" value="2026-01-01"' in r.text
    )
    # checked by the domain: its message, linked to the field it is about
    cases = [
        (
            {"status": "met"},
            "commitment-agreed",
            "an agreed commitment must have the date it was agreed; got status 'met' and no agreed date for 'Synthetic: shared data'.",
        ),
        (
            {"status": "agreed", "agreed": "2026-01-10"},
            "party-0-signed",
            f"every partner must have signed a commitment with status 'agreed'; got no signature date for '{vcse}' in 'Synthetic: shared data'.",
        ),
        (
            {"party-1-commits": "Share counts", "party-1-signed": "5 Jan"},
            "party-1-signed",
            "the signed date of E08000001 must be a date written YYYY-MM-DD; got '5 Jan'.",
        ),
        (
            {"agreed": "2026-02-01", "due": "2026-01-01"},
            "commitment-due",
            "due must be on or after agreed; got agreed 2026-02-01 and due 2026-01-01.",
        ),
        (
            {"indicators": "hle_birth, nope"},
            "commitment-indicators",
            "indicators must be indicator_id values in the store; got 'nope'.",
        ),
        (
            {"actions": "E47000001-action-99"},
            "commitment-actions",
            "actions must be action ids of E47000001's plan; got 'E47000001-action-99'.",
        ),
    ]
    for change, field, message in cases:
        r = ed.post(url, data={**base, **change}, follow_redirects=False)
        assert r.status_code == 400, change
        check_page(r.text)
        ((got_field, got),) = _errors(r.text)
        assert (got_field, got.replace("&#39;", "'").split(". ")[0] + ".") == (field, message), (
            change
        )
        for key, value in change.items():
            if key != "actions" and key != "status":
                assert f'value="{value}"' in r.text, (key, value)
    # nothing was stored
    (c,) = ed.get(f"/api/v1/framework/{GM}/commitments").json()["data"]
    assert c["version"] == 1 and len(_history(ed.get(url).text)) == 1


def test_edit_commitment_unknown_is_404(fw: Callable[[str], TestClient]) -> None:
    admin = fw("admin")
    cid = _commitment(admin, _partner(admin))
    for url in (_edit_url("E47000001-commitment-99"), _edit_url(cid, SY)):
        r = admin.get(url)
        assert r.status_code == 404
        check_page(r.text)
        assert "commitment must be a commitment of" in r.text
        post = admin.post(
            url,
            data={"csrf_token": _token(admin), "title": "x", "party-0-commits": "x"},
            follow_redirects=False,
        )
        assert post.status_code == 404
    assert admin.get(_edit_url(cid, "E47999999")).status_code == 404


def test_commitment_changes_in_words() -> None:
    """Hand-worked: each kind of change between two versions, in the history's words."""
    names = {"p1": "Forum", "p2": "Bolton"}
    v1 = {
        "title": "T",
        "summary": "",
        "levers": ["a"],
        "actions": [],
        "indicators": [],
        "agreed": None,
        "due": "2027-01-01",
        "status": "proposed",
        "partners": [
            {"partner": "p1", "commits_to": "x", "signed": None},
            {"partner": "p2", "commits_to": "y", "signed": "2026-01-01"},
        ],
    }
    assert commitment_changes(None, v1, names) == ["Recorded"]
    assert commitment_changes(v1, dict(v1), names) == ["No change to the fields"]
    v2 = {
        **v1,
        "title": "T2",
        "summary": None,
        "levers": [],
        "due": None,
        "partners": [
            {"partner": "p2", "commits_to": "z", "signed": "2026-01-02"},
            {"partner": "p3", "commits_to": "w", "signed": None},
        ],
    }
    assert commitment_changes(v1, v2, names) == [
        "What is agreed changed",
        "Levers: none",
        "Due: 2027-01-01 to blank",
        "What Bolton commits to changed",
        "Bolton signed: 2026-01-01 to 2026-01-02",
        "p3 added",
        "Forum removed",
    ]


def test_a_party_no_longer_in_the_directory_stays_on_the_form() -> None:
    """A stored party the directory no longer lists is kept on the form (and named by its
    id), not dropped without a word when the form is saved."""
    joint = Commitments(Workspace(":memory:"), GM)  # recorded partners only: none yet
    assert _party_rows(joint) == []
    c = {"title": "T", "summary": None, "authority_commits": None, "levers": ["a, b"], "actions": [], "indicators": [], "agreed": None, "due": None, "status": None,
         "partners": [{"partner": "E08000001", "commits_to": "x", "signed": "2026-01-01"}]}  # fmt: skip
    rows = _party_rows(joint, c)
    assert rows == [{"id": "E08000001", "name": "E08000001", "type": "", "source": "stored"}]
    form = _commitment_as_form(c, rows)
    assert (form["party-0-commits"], form["party-0-signed"], form["status"], form["summary"]) == (
        "x",
        "2026-01-01",
        "proposed",
        "",
    )


# ------------------------------------------------------------------ permissions
#: (name, method, url template, body, who owns the target): every new write endpoint.
WRITES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("page commitment", "form", "/framework/{gm}/commitments", {"title": "C", "party-0-commits": "x"}),
    ("api commitment", "post", "/api/v1/framework/{gm}/commitments", {"title": "C", "partners": [{"partner": "{partner}", "commits_to": "x"}]}),
    ("page commitment edit", "form", "/framework/{gm}/commitments/{commitment}/edit", {"title": "C", "party-0-commits": "x"}),
    ("api commitment update", "patch", "/api/v1/framework/{gm}/commitments/{commitment}", {"status": "lapsed", "agreed": "2026-01-01", "partners": [{"partner": "{partner}", "commits_to": "x", "signed": "2026-01-01"}]}),
    ("page case", "form", "/framework/library/cases", {**CASE, "authority_code": "{gm}", "id": "m-{role}"}),
    ("page case edit", "form", "/framework/library/cases/{case}", {**CASE, "authority_code": "{gm}"}),
    ("api case", "post", "/api/v1/framework/library", {**CASE, "id": "a-{role}", "authority_code": "{gm}", "levers": [], "population_groups": [], "outcomes": []}),
]  # fmt: skip


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def matrix(
    store_path: Path, template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, TestClient], dict[str, str]]]:
    with role_clients(store_path, template_db, tmp_path_factory.mktemp("fwcommit")) as made:
        admin = made["admin"]
        partner = _partner(admin)
        seeded = {
            "gm": GM,
            "partner": partner,
            "commitment": _commitment(admin, partner),
            "case": _case(admin, "seeded-case"),
        }
        yield made, seeded


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("write", WRITES, ids=[w[0] for w in WRITES])
def test_permissions_matrix(
    matrix: tuple[dict[str, TestClient], dict[str, str]],
    role: str,
    write: tuple[str, str, str, dict[str, Any]],
) -> None:
    name, method, template, body = write
    clients, seeded = matrix
    ids = {**seeded, "role": role.replace("_", "-")}
    r = _write(
        clients[role],
        method,
        template.format(**ids),
        _fill(body, ids),
        token=True,
        reader=clients["admin"],
    )
    if role == "anonymous":
        assert r.status_code == 401, (name, r.text)
        return
    if role in ("admin", "own_editor"):
        assert r.status_code in (201, 200, 303), (name, r.status_code, r.text)
        return
    assert r.status_code == 403, (name, r.status_code, r.text)
    message = (r.json()["error"]["message"] if method != "form" else r.text).replace("&#39;", "'")
    kind = "case_study" if "case" in name else "commitment"
    expected = (
        f"must be an editor or administrator to change {kind} records"
        if role == "viewer"
        else f"an editor must change only their own authority's {kind} records"
    )
    assert expected in message, (name, message)


@pytest.mark.parametrize("role", ROLES)
def test_edit_page_permissions(
    matrix: tuple[dict[str, TestClient], dict[str, str]], role: str
) -> None:
    """GET of the change page: the same answers as the write (401, 403 with the reason)."""
    clients, seeded = matrix
    r = clients[role].get(_edit_url(seeded["commitment"]))
    expected = {
        "admin": (200, 'action="' + _edit_url(seeded["commitment"]) + '"'),
        "own_editor": (200, 'action="' + _edit_url(seeded["commitment"]) + '"'),
        "other_editor": (
            403,
            "an editor must change only their own authority's commitment records",
        ),
        "viewer": (403, "must be an editor or administrator to change commitment records"),
        "anonymous": (401, "must be done by a signed-in user"),
    }[role]
    assert (r.status_code, expected[1] in r.text.replace("&#39;", "'")) == (expected[0], True)
    check_page(r.text)


@pytest.mark.parametrize("write", WRITES, ids=[w[0] for w in WRITES])
def test_writes_need_the_csrf_token(
    matrix: tuple[dict[str, TestClient], dict[str, str]],
    write: tuple[str, str, str, dict[str, Any]],
) -> None:
    _, method, template, body = write
    clients, seeded = matrix
    ids = {**seeded, "role": "nocsrf"}
    r = _write(
        clients["admin"],
        method,
        template.format(**ids),
        _fill(body, ids),
        token=False,
        reader=clients["admin"],
    )
    assert r.status_code == 403
    message = (r.json()["error"]["message"] if method != "form" else r.text).replace("&#39;", "'")
    assert "must carry this session's CSRF token; got none" in message


def test_editor_may_not_move_a_case_study_to_another_authority(
    matrix: tuple[dict[str, TestClient], dict[str, str]],
) -> None:
    clients, seeded = matrix
    ed = clients["own_editor"]
    r = _write(
        ed,
        "form",
        f"/framework/library/cases/{seeded['case']}",
        {**CASE, "authority_code": SY},
        token=True,
        reader=clients["admin"],
    )
    assert r.status_code == 403
    assert "an editor must change only their own authority's case_study records" in r.text.replace(
        "&#39;", "'"
    )
    shared = _write(
        ed,
        "post",
        "/api/v1/framework/library",
        {
            **CASE,
            "id": "shared-one",
            "authority_code": None,
            "levers": [],
            "population_groups": [],
            "outcomes": [],
        },
        token=True,
    )
    assert shared.status_code == 403
    assert "changing shared records" in shared.json()["error"]["message"]
    admin = clients["admin"]
    unknown = admin.post(
        "/framework/library/cases",
        data={**CASE, "authority_code": "E47999999", "csrf_token": _token(admin)},
    )
    assert unknown.status_code == 400
    assert re.search(
        r"authority_code must be a strategic authority&#39;s code; got &#39;E47999999&#39;",
        unknown.text,
    )


def test_openapi_lists_the_new_endpoints(
    matrix: tuple[dict[str, TestClient], dict[str, str]],
) -> None:
    paths = matrix[0]["anonymous"].get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/framework/{code}/commitments"])
    assert "patch" in paths["/api/v1/framework/{code}/commitments/{commitment_id}"]
    assert "post" in paths["/api/v1/framework/library"]
