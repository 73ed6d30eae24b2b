"""The real pages in headless Chromium (Debian's), with axe-core: no serious or critical
violations, no console errors, charts drawn by Vega-Lite, screenshots for review
(HEALTHGAP_SHOTS)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser import (
    axe_violations,
    needs_chromium,
    reading_page,
    shot,
    visit,
    watch_console,
)

pytestmark = needs_chromium

PAGES = [
    "/",
    "/areas",
    "/areas/E06000001",
    "/areas/E08000003",
    "/compare-areas/E47000001",
    "/areas/E08000003/inequalities",
    "/inequality",
    "/methods",
    "/methods/sii",
    "/sources",
    "/sign-in",
    "/targets",
    "/no-such-page",
]


@pytest.mark.parametrize("url", PAGES)
def test_page_in_chromium_passes_axe(server: str, browser: Any, url: str) -> None:
    page = reading_page(browser, server, viewport={"width": 1100, "height": 900})
    problems = watch_console(page)
    visit(page, server + url)
    bad = axe_violations(page)
    shot(page, url.strip("/").replace("/", "_") or "home")
    expected_404 = url == "/no-such-page"
    real = [p for p in problems if not (expected_404 and "404" in p)]
    page.close()
    assert not bad, bad
    assert not real, real


def test_core_content_without_javascript(server: str, browser: Any) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(server + "/inequality")
    assert page.locator("table caption").count() == 1
    assert page.locator("table tbody tr").count() == 10
    page.select_option("#sex", "Male")
    page.click("button[type=submit]")
    assert "sex=Male" in page.url
    assert page.locator("h2").first.inner_text().endswith("Male, 2022-2024")
    ctx.close()


def test_the_axe_check_reports_serious_violations(browser: Any) -> None:
    """The check itself can fail: an image without a text alternative (critical) and a
    button without a name (critical) are reported; a missing main landmark (moderate) is not."""
    page = browser.new_page()
    page.set_content(
        '<html lang="en"><head><title>t</title></head>'
        '<body><img src="data:,"><button></button></body></html>'
    )
    bad = axe_violations(page)
    page.close()
    assert [line.split(" ")[0] for line in bad] == ["button-name", "image-alt"], bad
    assert all("(critical)" in line and "->" in line for line in bad), bad
