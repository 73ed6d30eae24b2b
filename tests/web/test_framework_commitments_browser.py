"""The joint-commitment and case-study pages in headless Chromium: axe-core on each, the
commitment form's error summary focusing its field, one commitment changed end to end
(error, fix, the "Commitment updated" banner, the history), and screenshots
(framework_commitments*.png, when HEALTHGAP_SHOTS asks for them). Partners, commitments and case
studies are SYNTHETIC test data."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web import test_framework_browser as _fb
from tests.web.browser import axe_violations, visit, watch_console
from tests.web.conftest import TestClient, csrf_headers, sign_in
from tests.web.test_framework_browser import EDITOR, GM, _shot, _signed_in

pytestmark = _fb.pytestmark
# the framework browser module's app (with GM's editor), served by the shared ``server``
fw_app, browser_app = _fb.fw_app, _fb.browser_app


@pytest.fixture(scope="module")
def seeded(fw_app: Any) -> dict[str, str]:
    """A partner, a joint commitment and two case studies, made through the API."""
    with TestClient(fw_app) as c:
        assert sign_in(c, EDITOR).status_code == 303
        h = csrf_headers(c)
        vcse = c.post(
            f"/api/v1/framework/{GM}/partners",
            json={"name": "Synthetic VCSE Forum", "type": "voluntary sector"},
            headers=h,
        ).json()["id"]
        r = c.post(
            f"/api/v1/framework/{GM}/commitments",
            json={
                "title": "Synthetic: share work and health data",
                "authority_commits": "Host the shared data platform",
                "partners": [
                    {
                        "partner": vcse,
                        "commits_to": "Run two community panels",
                        "signed": "2026-01-05",
                    },
                    {
                        "partner": "E08000001",
                        "commits_to": "Share referral counts",
                        "signed": "2026-01-06",
                    },
                ],
                "levers": ["data sharing agreement"],
                "indicators": ["hle_birth"],
                "agreed": "2026-01-10",
                "due": "2027-03-31",
                "status": "agreed",
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
        commitment = r.json()["id"]
        case = {
            "title": "Synthetic: link workers in GP practices",
            "summary": "Synthetic example of social prescribing.",
            "competences": ["health"],
            "levers": ["grants"],
            "source_title": "Synthetic test source",
            "source_url": "https://example.org/synthetic",
            "published": "2025-05-01",
        }
        for cid, code in (("synthetic-gm-case", GM),):
            r = c.post(
                "/api/v1/framework/library",
                json={**case, "id": cid, "authority_code": code},
                headers=h,
            )
            assert r.status_code == 201, r.text
    return {"commitment": commitment, "case": "synthetic-gm-case"}


PAGES = [
    (f"/framework/{GM}/commitments", "commitments"),
    ("/framework/library/cases", "commitments_case_new"),
    ("/framework/library/cases/{case}", "commitments_case_edit"),
    ("/framework/library", "commitments_library"),
    (f"/framework/{GM}", "commitments_authority"),
    (f"/framework/{GM}/commitments/{{commitment}}/edit", "commitments_edit"),
]


@pytest.mark.parametrize(("url", "name"), PAGES, ids=[p[1] for p in PAGES])
def test_pages_pass_axe(
    server: str, browser: Any, seeded: dict[str, str], url: str, name: str
) -> None:
    page = _signed_in(browser, server)
    problems = watch_console(page)
    visit(page, server + url.format(**seeded))
    bad = axe_violations(page)
    _shot(page, name)
    page.close()
    assert not bad, bad
    assert not problems, problems


def test_commitment_form_errors_then_success(
    server: str, browser: Any, seeded: dict[str, str]
) -> None:
    page = _signed_in(browser, server)
    page.goto(f"{server}/framework/{GM}/commitments")
    page.fill("#commitment-title", "Synthetic: warm homes referrals")
    page.click("text=Add commitment")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert summary.locator("a").inner_text() == "Enter what at least one partner commits to"
    assert page.title().startswith("Error: Greater Manchester: joint commitments")
    assert not axe_violations(page)
    _shot(page, "commitments_error")
    summary.locator("a").click()
    assert page.evaluate("document.activeElement.id") == "party-0-commits"
    page.fill("#party-0-commits", "Refer households to the retrofit scheme")
    page.click("text=Add commitment")
    assert page.url.endswith(f"/framework/{GM}/commitments")
    table = page.locator("table").first.inner_text()
    assert (
        "Synthetic: warm homes referrals" in table
        and "Refer households to the retrofit scheme" in table
    )
    _shot(page, "commitments_added")
    page.close()


def test_change_a_commitment_end_to_end(server: str, browser: Any, seeded: dict[str, str]) -> None:
    cid = seeded["commitment"]
    page = _signed_in(browser, server)
    problems = watch_console(page)
    page.goto(f"{server}/framework/{GM}/commitments")
    page.click(f'a[href="/framework/{GM}/commitments/{cid}/edit"]')
    assert page.url.endswith(f"/framework/{GM}/commitments/{cid}/edit")
    assert page.input_value("#commitment-title") == "Synthetic: share work and health data"
    assert page.input_value("#party-0-signed") == "2026-01-05"
    # an error first: the summary links to the field, the other fields are kept
    page.fill("#commitment-title", "")
    page.fill("#commitment-due", "2027-06-30")
    page.click("text=Save changes")
    summary = page.locator(".govuk-error-summary")
    assert summary.locator("a").inner_text() == "Enter what is agreed"
    assert page.title().startswith("Error: Change a joint commitment")
    assert page.input_value("#commitment-due") == "2027-06-30"
    assert not axe_violations(page)
    summary.locator("a").click()
    assert page.evaluate("document.activeElement.id") == "commitment-title"
    # fixed: saved, back on the list with the banner, and the history says what changed
    page.fill("#commitment-title", "Synthetic: share work and health data")
    page.select_option("#commitment-status", "in progress")
    page.click("text=Save changes")
    assert page.url.endswith(f"/framework/{GM}/commitments")
    banner = page.locator(".govuk-notification-banner--success")
    assert "Commitment updated" in banner.inner_text()
    assert not axe_violations(page)
    _shot(page, "commitments_updated")
    row = page.locator(f"tr[id='{cid}']").inner_text()
    assert "in progress" in row and "2027-06-30" in row
    page.goto(f"{server}/framework/{GM}/commitments/{cid}/edit")
    # every table sits in its own scrolling region (web.tables), just after its heading
    latest = page.locator("#history + .hg-table-wrap table tbody tr").first.inner_text()
    assert "Due: 2027-03-31 to 2027-06-30" in latest
    assert "Status: agreed to in progress" in latest and EDITOR in latest
    page.close()
    # the one error response (400) is the form with its error summary, as intended
    assert [p for p in problems if "status of 400 (Bad Request)" not in p] == [], problems
    assert len(problems) == 1, problems


def test_case_form_without_javascript(server: str, browser: Any, seeded: dict[str, str]) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(server + "/sign-in")
    page.fill("#email", EDITOR)
    page.fill("#password", _fb.PASSWORD)
    page.click("button[type=submit]")
    page.goto(server + "/framework/library/cases")
    page.fill("#case-title", "Synthetic: no-script case")
    page.fill("#case-summary", "Synthetic.")
    page.check("#case-competences")
    page.fill("#case-source_title", "Synthetic test source")
    page.fill("#case-source_url", "https://example.org/synthetic")
    page.fill("#case-published", "2025-02-03")
    page.click("text=Add case study")
    assert page.url.endswith("/framework/library#case-synthetic-no-script-case")
    assert (
        "Synthetic: no-script case" in page.locator("#case-synthetic-no-script-case").inner_text()
    )
    ctx.close()
