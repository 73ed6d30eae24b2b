"""The target pages: record, change and retire a target through GOV.UK forms (error summary
linking to the fields, hidden version, 409 on a stale one), who may, and the targets on
the scorecard and the profile page."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from healthgap.appdb.models import AuditEntry, Target
from tests.web.conftest import check_page

OWN = "E08000025"  # the editor's authority (Birmingham)
FORM = {
    "authority_code": OWN,
    "indicator_id": "hle_birth",
    "sex": "Female",
    "baseline_period": "2021-2023",
    "target_year": "2030",
    "target_value": "60",
    "published": "yes",
}


def token(c: Any) -> str:
    return str(c.get("/api/v1/session").json()["csrf_token"])


def summary_links(html: str) -> list[tuple[str, str]]:
    box = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    assert box, "no error summary"
    return re.findall(r'<a href="#([^"]+)">(.*?)</a>', box.group(1))


def record(c: Any, **changes: str) -> Any:
    return c.post(
        "/targets/new", data={**FORM, **changes, "csrf_token": token(c)}, follow_redirects=False
    )


def test_errors_are_summarised_and_linked_to_their_fields(clients: Any) -> None:
    c = clients("editor")
    page = c.get("/targets/new")
    assert page.status_code == 200
    check_page(page.text)
    assert f'value="{OWN}"' in page.text  # the editor's own authority, pre-filled
    r = record(c, indicator_id="hle_brith", target_year="soon")
    assert r.status_code == 400
    check_page(r.text)
    links = summary_links(r.text)
    assert [f for f, _ in links] == ["target-indicator-id", "target-target-year"]
    assert links[0][1].startswith("Indicator must be an indicator of the store; got &#39;hle_")
    for field, _ in links:  # each link reaches a field, which carries its own message
        assert f'id="{field}"' in r.text and f'id="{field}-error"' in r.text
    assert "<title>Error: Record a target" in r.text
    assert 'value="hle_brith"' in r.text  # what was typed is kept
    r = record(c, sex="", baseline_period="1999")
    assert [f for f, _ in summary_links(r.text)] == ["target-sex", "target-baseline-period"]
    assert "Female, Male" in r.text and "2022-2024" in r.text


def test_record_then_see_it_on_the_scorecard_and_profile(app: Any, clients: Any) -> None:
    c = clients("editor")
    r = record(c, note="<script>alert(1)</script>")
    assert r.status_code == 303 and r.headers["location"] == f"/scorecards/{OWN}#targets"
    card = c.get(f"/scorecards/{OWN}")
    check_page(card.text)
    section = card.text[card.text.index('id="targets"') :]
    assert "Healthy life expectancy at birth, Female" in section
    assert "Target 1 recorded" in section
    shown = re.search(r"hg-target-(on-track|off-track)", section)
    assert shown
    (api,) = c.get(f"/api/v1/scorecards/{OWN}").json()["targets"]  # the same service
    assert api["status"].replace(" ", "-") == shown.group(1) and api["sex"] == "Female"
    profile = clients("anonymous").get(f"/areas/{OWN}")
    check_page(profile.text)
    assert "Healthy life expectancy at birth, Female" in profile.text
    listing = c.get("/targets")
    check_page(listing.text)
    assert "<script>alert(1)</script>" not in listing.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing.text
    with app.state.sessions() as s:
        assert s.query(Target).one().baseline_value == 57.2  # ONS: Birmingham women 2021-2023


def test_stale_and_missing_versions(app: Any, clients: Any) -> None:
    c = clients("editor")
    record(c)
    edit = c.get("/targets/1/edit")
    check_page(edit.text)
    assert '<input type="hidden" name="version" value="1">' in edit.text
    data = {**FORM, "target_value": "61", "version": "1", "csrf_token": token(c)}
    assert c.post("/targets/1/edit", data=data, follow_redirects=False).status_code == 303
    stale = c.post("/targets/1/edit", data={**data, "target_value": "62"})
    assert stale.status_code == 409
    check_page(stale.text)
    (link,) = summary_links(stale.text)
    assert "based on version 1, but it is now version 2. Nothing was changed." in link[1]
    missing = c.post("/targets/1/edit", data={**data, "version": ""})
    assert missing.status_code == 428
    with app.state.sessions() as s:
        t = s.get(Target, 1)
        assert (t.target_value, t.version) == (61.0, 2)
    retire = c.get("/targets/1/retire")
    check_page(retire.text)
    r = c.post("/targets/1/retire", data={"version": "1", "csrf_token": token(c)})
    assert r.status_code == 409
    r = c.post(
        "/targets/1/retire", data={"version": "2", "csrf_token": token(c)}, follow_redirects=False
    )
    assert r.status_code == 303
    assert f"No targets are recorded for {OWN} yet" in c.get(f"/targets?authority={OWN}").text
    with app.state.sessions() as s:
        assert [e.action for e in s.query(AuditEntry).order_by(AuditEntry.id)] == [
            "create",
            "update",
            "retire",
        ]


def test_who_may(app: Any, clients: Any) -> None:
    assert clients("anonymous").get("/targets/new").status_code == 401
    assert clients("viewer").get("/targets/new").status_code == 403
    assert record(clients("viewer")).status_code == 403
    assert record(clients("other_editor")).status_code == 403  # not its authority
    assert record(clients("editor")).status_code == 303
    other = clients("other_editor")
    assert other.get("/targets/1/edit").status_code == 403
    data = {**FORM, "version": "1", "csrf_token": token(other)}
    assert other.post("/targets/1/edit", data=data).status_code == 403
    assert other.post("/targets/1/retire", data=data).status_code == 403
    forged = clients("editor").post("/targets/new", data={**FORM, "csrf_token": "forged"})
    assert forged.status_code == 403
    admin = clients("admin")
    assert "Change<span" in admin.get("/targets").text
    assert "Change<span" not in clients("viewer").get("/targets").text
    with app.state.sessions() as s:
        assert s.query(Target).count() == 1


def test_the_list_is_paged_and_counts_every_target(
    clients: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthgap.web.routers import targets as route

    monkeypatch.setattr(route, "PAGE_SIZE", 2)
    c = clients("editor")
    for year in ("2030", "2031", "2032"):
        assert record(c, target_year=year).status_code == 303
    first = c.get("/targets")
    check_page(first.text)
    assert "3 targets: 1 to 2 (page 1 of 2)" in first.text
    assert first.text.count('href="/targets/1"') + first.text.count('href="/targets/2"') == 2
    assert 'href="/targets/3"' not in first.text
    assert 'href="/targets?page=2" rel="next"' in first.text and 'rel="prev"' not in first.text
    second = c.get("/targets?page=2")
    check_page(second.text)
    assert "3 targets: 3 to 3 (page 2 of 2)" in second.text and 'href="/targets/3"' in second.text
    assert 'href="/targets?page=1" rel="prev"' in second.text and 'rel="next"' not in second.text
    assert "3 on track" in second.text or "3 off track" in second.text  # counts cover all
    assert "page 2 of 2" in c.get("/targets?page=99").text  # past the end: the last page
    assert c.get("/targets?page=0").status_code in (400, 422)


def test_profile_and_scorecard_list_the_first_targets_and_count_them_all(
    clients: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An authority may record hundreds of targets: the profile and the scorecard list the
    first few, count every one by status and link to the full list."""
    from healthgap.web import target_views

    monkeypatch.setattr(target_views, "SHOWN", 2)
    c = clients("editor")
    years = ("2030", "2031", "2032")
    for year in years:
        assert record(c, target_year=year).status_code == 303
    statuses = [t["status"] for t in c.get(f"/api/v1/scorecards/{OWN}").json()["targets"]]
    assert len(statuses) == 3  # the API gives every one
    for page in (c.get(f"/scorecards/{OWN}"), clients("anonymous").get(f"/areas/{OWN}")):
        check_page(page.text)
        section = page.text[page.text.index('id="targets"') :]
        table = section[: section.index("</table>")]
        assert table.count('<tr class="govuk-table__row">') == 1 + 2  # header and two
        assert "The first 2 of 3 targets recorded for" in table
        tally = "; ".join(f"{statuses.count(s)} {s}" for s in sorted(set(statuses)))
        assert f"3 targets recorded: {tally}." in section
        assert f'href="/targets?authority={OWN}">see all 3 targets</a>' in section


def test_the_api_list_pages_in_the_database_and_counts_every_target(clients: Any) -> None:
    """/api/v1/targets selects one page of rows (limit, offset) and counts them all; the
    pages together are exactly the CSV, and anonymous readers see only published ones."""
    c = clients("editor")
    for year, published in (("2030", "yes"), ("2031", "yes"), ("2032", ""), ("2033", "yes")):
        assert record(c, target_year=year, published=published).status_code == 303
    everyone = list(csv.DictReader(io.StringIO(c.get("/api/v1/targets?format=csv").text)))
    assert [r["target_year"] for r in everyone] == ["2030", "2031", "2032", "2033"]
    for reader, years in ((c, ["2030", "2031", "2032", "2033"]), (clients("anonymous"), None)):
        seen: list[int] = []
        url: str | None = "/api/v1/targets?limit=3&offset=0"
        while url:
            body = reader.get(url).json()
            assert body["meta"]["limit"] == 3
            seen += [int(t["target_year"]) for t in body["data"]]
            url = body["links"]["next"]
            total = body["meta"]["total"]
        expected = years or ["2030", "2031", "2033"]  # the unpublished one is not listed
        assert seen == [int(y) for y in expected] and total == len(expected)
    last = c.get("/api/v1/targets?limit=3&offset=3").json()
    assert [t["target_year"] for t in last["data"]] == [2033]
    assert last["links"]["prev"].endswith("limit=3&offset=0") and last["links"]["next"] is None
