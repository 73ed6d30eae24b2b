"""The pages at a phone's width (390 px) and on a desktop (1280 px) in headless Chromium:
the service navigation collapses behind its Menu button (and is still all there without
JavaScript), no page scrolls sideways, wide tables scroll inside their own box, charts
keep level labels; screenshots of both widths are saved for review when
HEALTHGAP_SHOTS asks for them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    needs_chromium,
    reading_page,
    shot,
    visit,
    watch_console,
)

pytestmark = needs_chromium

PAGES = ["/", "/mission", "/areas/E08000003", "/core20plus5/E47000001"]


def _name(url: str) -> str:
    return url.strip("/").replace("/", "_") or "home"


def _page_width(page: Any) -> tuple[int, int]:
    """The document's scroll width and the viewport's width."""
    return page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


@pytest.mark.parametrize("url", PAGES)
def test_page_at_390px_does_not_scroll_sideways(server: str, browser: Any, url: str) -> None:
    page = reading_page(browser, server, viewport=PHONE)
    problems = watch_console(page)
    visit(page, server + url)
    shot(page, f"{_name(url)}-390")
    scroll, client = _page_width(page)
    # The menu is collapsed: the button shows, the list is hidden until it is pressed.
    toggle = page.locator(".govuk-service-navigation__toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#navigation").is_visible()
    nav_bottom = page.evaluate(
        "() => document.querySelector('.govuk-service-navigation').getBoundingClientRect().bottom"
    )
    # Every table sits in a keyboard-focusable, named region that scrolls on its own.
    regions = page.evaluate(
        """() => [...document.querySelectorAll('main table')].map(t => {
             const r = t.closest('[role=region]');
             return r ? [r.tabIndex, r.getAttribute('aria-label'), getComputedStyle(r).overflowX]
                      : null; })"""
    )
    bad = axe_violations(page)
    page.close()
    assert scroll <= client, f"{url} is {scroll} px wide at {client} px"
    assert nav_bottom < PHONE["height"] / 3, f"the menu reaches {nav_bottom} px"
    assert None not in regions, regions
    assert all(t == 0 and label and o == "auto" for t, label, o in regions), regions
    assert not bad, bad
    assert not problems, problems


def test_menu_opens_and_closes_at_390px(server: str, browser: Any) -> None:
    page = reading_page(browser, server, viewport=PHONE)
    visit(page, server + "/")
    page.click(".govuk-service-navigation__toggle")
    assert page.locator("#navigation").is_visible()
    assert page.locator("#navigation").get_by_role("link", name="Mission", exact=True).is_visible()
    page.click(".govuk-service-navigation__toggle")
    assert not page.locator("#navigation").is_visible()
    page.close()


def test_menu_is_all_there_without_javascript_at_390px(server: str, browser: Any) -> None:
    ctx = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = ctx.new_page()
    page.goto(server + "/")
    assert not page.locator(".govuk-service-navigation__toggle").is_visible()
    assert page.locator("#navigation").is_visible()
    page.locator("#navigation").get_by_role("link", name="Mission", exact=True).click()
    assert page.url.endswith("/mission")
    ctx.close()


def test_menu_is_a_row_on_a_desktop(server: str, browser: Any) -> None:
    page = reading_page(browser, server, viewport=DESKTOP)
    visit(page, server + "/")
    assert not page.locator(".govuk-service-navigation__toggle").is_visible()
    assert page.locator("#navigation").is_visible()
    for url in PAGES:
        visit(page, server + url)
        shot(page, f"{_name(url)}-1280")
        scroll, client = _page_width(page)
        assert scroll <= client, f"{url} is {scroll} px wide at {client} px"
    page.close()


def test_bar_charts_have_level_category_labels(server: str, browser: Any) -> None:
    """The regions on the home page's chart read level (no rotated axis labels)."""
    page = reading_page(browser, server, viewport=PHONE)
    assert visit(page, server + "/") >= 1
    rotated = page.evaluate(
        """() => [...document.querySelectorAll('[data-spec-id] .role-axis-label text')]
             .map(t => t.getAttribute('transform') || '').filter(t => /rotate\\((?!0)/.test(t))"""
    )
    assert page.locator("[data-spec-id] svg text", has_text="Yorkshire").count() >= 1
    page.close()
    assert rotated == [], rotated
