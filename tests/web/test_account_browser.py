"""The accountability pages in headless Chromium with axe-core: no serious or critical
violations, no console errors, Vega-Lite charts and hex maps drawn, screenshots saved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.test_browser import AXE, CHROMIUM, SHOTS, browser, server  # noqa: F401

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() or not AXE.exists(),
    reason="needs Debian chromium and node_modules/axe-core (npm ci)",
)

PAGES = [
    "/mission",
    "/mission?target_year=2035",
    "/mission?target_year=",
    "/maps",
    "/scorecards",
    "/scorecards/E47000001",
    "/frameworks/greater_manchester",
    "/core20plus5/E47000001",
    "/decomposition",
]


@pytest.mark.parametrize("url", PAGES)
def test_account_page_in_chromium_passes_axe(server: str, browser: Any, url: str) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    problems: list[str] = []

    def on_console(m: Any) -> None:
        benign = "inline style" in m.text and "vega-embed" in str(m.location.get("url"))
        if m.type == "error" and not benign and "400" not in m.text:
            problems.append(f"{m.text} at {m.location.get('url')}")

    page.on("console", on_console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(server + url, wait_until="networkidle")
    charts = page.locator("[data-spec-id]").count()
    if charts:
        page.wait_for_selector("[data-spec-id] svg", timeout=15_000)
        assert page.locator("[data-spec-id] svg").count() == charts
    if "/mission" in url or "/maps" in url:
        assert page.locator("figure svg[role=img] polygon").count() == 151
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']})"
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    SHOTS.mkdir(exist_ok=True)
    name = "account_" + (url.strip("/").replace("/", "_").replace("?", "_").replace("=", "-"))
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.close()
    assert not bad, bad
    assert not problems, problems


def test_mission_form_works_without_javascript(server: str, browser: Any) -> None:  # noqa: F811
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(server + "/mission")
    page.fill("#target_year", "2035")
    page.click("button[type=submit]")
    assert "target_year=2035" in page.url
    assert page.locator("table caption").count() >= 3
    ctx.close()
