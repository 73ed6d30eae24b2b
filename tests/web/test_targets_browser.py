"""The editor's path in headless Chromium: sign in -> record a target (a misspelt indicator
and a baseline period not in the data first: the error summary, linked to the fields) ->
see it on the scorecard with its status. axe-core on the form and the scorecard;
screenshots at 1280 px and 390 px (targets_*.png, HEALTHGAP_SHOTS)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from healthgap.appdb.auth import add_user
from healthgap.appdb.db import sessions
from healthgap.web.app import create_app
from healthgap.web.settings import Settings
from tests.web.browser import DESKTOP, PHONE, axe_violations, needs_chromium, shot, watch_console
from tests.web.conftest import PASSWORD

pytestmark = needs_chromium
GM = "E47000001"
EDITOR = "gm.targets@example.org"


@pytest.fixture(scope="module")
def browser_app(
    store_path: Path, template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    db = tmp_path_factory.mktemp("targetsbrowser") / "app.db"
    shutil.copyfile(template_db, db)
    app = create_app(Settings(store=str(store_path), db_url=f"sqlite:///{db}"))
    with sessions(app.state.engine)() as s:
        add_user(s, EDITOR, PASSWORD, "editor", GM)
    return app


def _sign_in(browser: Any, server: str, viewport: dict[str, int]) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport=viewport)
    page = ctx.new_page()
    page.goto(server + "/sign-in")
    page.fill("#email", EDITOR)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    return ctx, page


def _fill(page: Any, indicator: str, baseline: str, sex: str = "Female") -> None:
    page.fill("#target-indicator-id", indicator)
    page.fill("#target-sex", sex)
    page.fill("#target-baseline-period", baseline)
    page.fill("#target-target-value", "64")
    page.fill("#target-target-year", "2030")
    page.fill("#target-note", "Close the gap for women")


def test_editor_records_a_target_and_sees_it_on_the_scorecard(server: str, browser: Any) -> None:
    ctx, page = _sign_in(browser, server, DESKTOP)
    problems = watch_console(page, ignore="400")
    page.goto(server + "/targets")
    page.click("text=Record a target")
    assert page.url == f"{server}/targets/new"
    assert page.input_value("#target-authority-code") == GM  # the editor's own authority
    _fill(page, "hle_brith", "1999")
    page.click("button:has-text('Record the target')")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert page.title().startswith("Error: Record a target")
    links = summary.locator("a")
    assert links.count() == 1  # the period is checked once the indicator is known
    assert "Did you mean 'hle_birth'" in links.first.inner_text()
    assert axe_violations(page) == []
    shot(page, "targets_form_error_desktop")
    links.first.click()
    assert page.evaluate("document.activeElement.id") == "target-indicator-id"
    page.fill("#target-indicator-id", "hle_birth")
    page.click("button:has-text('Record the target')")
    links = page.locator(".govuk-error-summary a")
    assert links.count() == 1 and "Periods: 2011-2013" in links.first.inner_text()
    assert page.locator("#target-baseline-period-error").is_visible()
    page.set_viewport_size(PHONE)
    shot(page, "targets_form_error_390")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width  # no sideways scrolling at 390 px
    page.set_viewport_size(DESKTOP)
    page.fill("#target-baseline-period", "2016-2018")
    page.click("button:has-text('Record the target')")
    page.wait_for_url(f"{server}/scorecards/{GM}#targets")
    section = page.locator("table:has(caption:has-text('Targets recorded for'))")
    assert "Healthy life expectancy at birth, Female" in section.inner_text()
    status = section.locator("strong.govuk-tag").first.inner_text()
    assert status in ("on track", "off track")
    assert page.locator(".govuk-notification-banner").first.is_visible()
    assert axe_violations(page) == []
    shot(page, "targets_scorecard_desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    shot(page, "targets_scorecard_390")
    assert (
        "Healthy life expectancy at birth, Female"
        in page.locator("table:has(caption:has-text('Targets recorded for'))").inner_text()
    )
    assert problems == []
    ctx.close()
