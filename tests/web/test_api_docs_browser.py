"""``/docs`` in headless Chromium: Swagger UI (served from node_modules) draws the API
reference from /openapi.json under the page's Content-Security-Policy, with no console
errors and no serious axe-core violations; screenshot for review
(HEALTHGAP_SHOTS)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.needs import need_file
from tests.web.browser import DESKTOP, axe_violations, needs_chromium, shot, visit, watch_console

pytestmark = needs_chromium


@pytest.fixture(scope="module", autouse=True)
def _swagger_files(browser_app: Any) -> None:
    bundle = browser_app.state.settings.assets / "swagger-ui-dist" / "swagger-ui-bundle.js"
    need_file(bundle, "npm")


def test_swagger_ui_draws_the_reference(server: str, browser: Any) -> None:
    page = browser.new_page(viewport=DESKTOP)
    problems = watch_console(page)
    visit(page, server + "/docs")
    page.wait_for_selector("#swagger-ui .opblock", timeout=20_000)
    assert page.locator("#swagger-ui .opblock").count() >= 20
    assert page.locator("#swagger-ui").get_by_text("/api/v1/hle-gap").first.is_visible()
    assert not page.locator("#hg-operations").is_visible()  # the no-JS table gives way
    shot(page, "api_docs")
    bad = axe_violations(page)
    page.close()
    assert not problems, problems
    assert not bad, bad
