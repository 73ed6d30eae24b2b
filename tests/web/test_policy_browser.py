"""The policy pages in headless Chromium (Debian's) with axe-core, as tests/web/test_browser.py
does for the core pages: no serious or critical violations, no console errors, the
equity-impact plane drawn by Vega-Lite, the screening forms for a signed-in editor, and
screenshots for review when HEALTHGAP_SHOTS asks for them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from healthgap.appdb.auth import add_user
from healthgap.policy.screening import ScreeningRepository
from tests.policy.test_screening import ANSWERS
from tests.web.browser import (
    axe_violations,
    needs_chromium,
    reading_page,
    shot,
    signed_in,
    visit,
    watch_console,
)
from tests.web.conftest import PASSWORD
from tests.web.test_policy_pages import TARGETED

pytestmark = needs_chromium
EDITOR = "policy-browser-editor@example.org"


@pytest.fixture(scope="module")
def screening(shared_app: Any) -> Iterator[int]:
    """A signed-off screening of the editor's authority, with an editor account."""
    with shared_app.state.sessions() as s:
        add_user(s, EDITOR, PASSWORD, "editor", "E08000025")
    repo = ScreeningRepository(shared_app.state.engine)
    sid = repo.create("Employment support pilot", authority="E08000025", by=EDITOR)
    for qid, value in ANSWERS.items():
        repo.answer(sid, qid, value, by=EDITOR)
    repo.sign_off(sid, by="dph@example.org", role="Director of Public Health", statement="Agreed.")
    yield sid


def _check(browser: Any, url: str, name: str, sign_in: bool = False) -> None:
    viewport = {"width": 1100, "height": 900}
    server = url.split("/policy")[0]
    if sign_in:
        page = signed_in(browser, server, EDITOR, PASSWORD, viewport=viewport)
    else:
        page = reading_page(browser, server, viewport=viewport)
    problems = watch_console(page, ignore="400")
    visit(page, url)
    bad = axe_violations(page)
    shot(page, name)
    page.close()
    assert not bad, bad
    assert not problems, problems


def test_policy_list_and_public_screening(server: str, browser: Any, screening: int) -> None:
    _check(browser, server + "/policy", "policy")
    _check(browser, server + f"/policy/{screening}", "policy_screening_public")


def test_screening_forms_for_an_editor(server: str, browser: Any, screening: int) -> None:
    _check(browser, server + f"/policy/{screening}", "policy_screening_editor", sign_in=True)
    _check(browser, server + "/policy/new", "policy_new", sign_in=True)


def test_simulation_page_and_plane(server: str, browser: Any) -> None:
    _check(browser, server + "/policy/simulate", "policy_simulate_form")
    _check(browser, server + "/policy/simulate?" + urlencode(TARGETED), "policy_simulate")
    _check(browser, server + "/policy/simulate?run=1&effect_1=abc", "policy_simulate_error")


def test_simulation_works_without_javascript(server: str, browser: Any) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(server + "/policy/simulate")
    page.fill("#effect-1", "1")
    page.uncheck("#compare")
    page.click("main form button[type=submit]")
    assert "effect_1=1" in page.url
    assert "narrows" in page.locator("#results ~ p").first.inner_text()
    assert page.locator("table caption").count() == 3
    ctx.close()
