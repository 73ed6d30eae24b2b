"""The joint-commitment and case-study pages in headless Chromium: axe-core on each, the
commitment form's error summary focusing its field, and screenshots
(tests/web/screenshots/framework_commitments*.png). Partners, commitments and case
studies are SYNTHETIC test data."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web import test_framework_browser as _fb
from tests.web.browser import axe_violations, watch_console
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
    return {"commitment": r.json()["id"], "case": "synthetic-gm-case"}


PAGES = [
    (f"/framework/{GM}/commitments", "commitments"),
    ("/framework/library/cases", "commitments_case_new"),
    ("/framework/library/cases/{case}", "commitments_case_edit"),
    ("/framework/library", "commitments_library"),
    (f"/framework/{GM}", "commitments_authority"),
]


@pytest.mark.parametrize(("url", "name"), PAGES, ids=[p[1] for p in PAGES])
def test_pages_pass_axe(
    server: str, browser: Any, seeded: dict[str, str], url: str, name: str
) -> None:
    ctx, page = _signed_in(browser, server)
    problems = watch_console(page)
    page.goto(server + url.format(**seeded), wait_until="networkidle")
    bad = axe_violations(page)
    _shot(page, name)
    ctx.close()
    assert not bad, bad
    assert not problems, problems


def test_commitment_form_errors_then_success(
    server: str, browser: Any, seeded: dict[str, str]
) -> None:
    ctx, page = _signed_in(browser, server)
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
    ctx.close()


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
