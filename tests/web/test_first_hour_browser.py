"""The first hour in a real browser (issue 19): the mayor's adviser goes home -> mission ->
an authority's scorecard -> its annual report (the PDF link answers a PDF), and the
analyst goes from an area profile to its inequalities and downloads the CSV. Each page is
checked with axe-core (unless test_browser.py or test_account_browser.py already checks
that very address), watched for console errors, and screenshotted at desktop and 390 px
width when HEALTHGAP_SHOTS asks for them."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.web import test_account_browser, test_browser
from tests.web.browser import (
    DESKTOP,
    axe_violations,
    needs_chromium,
    shots_at_both_widths,
    shots_dir,
    visit,
    wait_for_charts,
    watch_console,
)

pytestmark = needs_chromium

#: Building a report for the first time reads much of the store (about a minute on an
#: idle two-core machine); the link is followed with room to spare.
REPORT_TIMEOUT_MS = 600_000


#: Addresses axe-core already checks in their own tests: running it again here cost about
#: 15 s a run (the inequalities page alone 8 s) and proved nothing more.
AXE_CHECKED = {*test_browser.PAGES, *test_account_browser.PAGES}


def _look(page: Any, name: str) -> None:
    """Charts drawn, no serious accessibility problem, a screenshot at both widths."""
    wait_for_charts(page)
    address = urlsplit(page.url)
    if address.path + (f"?{address.query}" if address.query else "") not in AXE_CHECKED:
        assert not axe_violations(page), axe_violations(page)
    shots_at_both_widths(page, f"first-hour-{name}")


def test_advisers_path_home_mission_scorecard_report(server: str, browser: Any) -> None:
    page = browser.new_page(viewport=DESKTOP)
    problems = watch_console(page)
    visit(page, server + "/")
    _look(page, "home")
    page.get_by_role("link", name="The mission tracker").first.click()
    page.wait_for_url("**/mission*")
    assert page.locator("h1").count() == 1
    _look(page, "mission")
    page.locator("#navigation").get_by_role("link", name="Scorecards").click()
    page.wait_for_url("**/scorecards")
    page.select_option("#authority", "E47000001")
    page.get_by_role("button", name="Show the scorecard").click()
    page.wait_for_url("**/scorecards/E47000001*")
    body = page.locator("main").inner_text()
    assert "Greater Manchester" in body
    _look(page, "scorecard")
    link = page.get_by_role("link", name="Download Greater Manchester's annual report (PDF)")
    href = link.get_attribute("href")
    assert href == "/reports/E47000001.pdf"
    answer = page.request.get(server + href, timeout=REPORT_TIMEOUT_MS)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    pdf = answer.body()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 50_000
    if (folder := shots_dir()) is not None:
        (folder / "first-hour-report-E47000001.pdf").write_bytes(pdf)
    assert not problems, problems


def test_analysts_path_profile_inequalities_csv(server: str, browser: Any) -> None:
    page = browser.new_page(viewport=DESKTOP, accept_downloads=True)
    problems = watch_console(page)
    visit(page, server + "/areas/E08000003")
    assert page.locator("h1").inner_text() == "Manchester"
    _look(page, "profile")
    page.get_by_role("link", name="Inequalities within Manchester").click()
    page.wait_for_url("**/areas/E08000003/inequalities*")
    _look(page, "inequalities")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the groups as CSV").first.click()
    path = info.value.path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    assert rows, "the CSV has rows"
    assert {"area_code", "indicator_id"} <= set(rows[0]) or "value" in rows[0]
    assert not problems, problems
