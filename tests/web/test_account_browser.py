"""The accountability pages in headless Chromium with axe-core: no serious or critical
violations, no console errors, Vega-Lite charts and hex maps drawn, screenshots
when asked for (HEALTHGAP_SHOTS, see tests/web/browser.py)."""

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
    "/mission",
    "/mission?target_year=2035",
    "/mission?target_year=",
    "/maps",
    "/maps?geography=icb",
    "/scorecards",
    "/scorecards/E47000001",
    "/frameworks/greater_manchester",
    "/core20plus5/E47000001",
    "/decomposition",
]


@pytest.mark.parametrize("url", PAGES)
def test_account_page_in_chromium_passes_axe(server: str, browser: Any, url: str) -> None:
    page = reading_page(browser, server, viewport={"width": 1100, "height": 900})
    problems = watch_console(page, ignore="400")
    charts = visit(page, server + url)
    if charts:
        assert page.locator("[data-spec-id] svg").count() == charts
    if "/mission" in url or "/maps" in url:
        # every English district hexagon (upper-tier councils are drawn on them), or 42 ICBs
        hexagons = 42 if "geography=icb" in url else 296
        assert page.locator("figure svg[role=img] polygon").count() == hexagons
    bad = axe_violations(page)
    shot(page, "account_" + url.strip("/").replace("/", "_").replace("?", "_").replace("=", "-"))
    page.close()
    assert not bad, bad
    assert not problems, problems


def test_mission_form_works_without_javascript(server: str, browser: Any) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(server + "/mission")
    page.fill("#target_year", "2035")
    page.click("button[type=submit]")
    assert "target_year=2035" in page.url
    assert page.locator("table caption").count() >= 3
    ctx.close()
