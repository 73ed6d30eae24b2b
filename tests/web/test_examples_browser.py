"""The example workspace in headless Chromium: an administrator signs in, presses "Load the
example workspace", sees the success banner and the Example tags on the targets, policy,
action plan and ledger checks pages, then removes it with the other button. Every page is
checked with axe-core and screenshotted at desktop and 390 px width (when
HEALTHGAP_SHOTS asks for them, as examples-*.png)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from healthgap.web.app import create_app
from healthgap.web.settings import Settings
from tests.web.browser import (
    DESKTOP,
    axe_violations,
    needs_chromium,
    shots_at_both_widths,
    watch_console,
)
from tests.web.conftest import PASSWORD, USERS

pytestmark = needs_chromium
TAG = "strong.govuk-tag--yellow:has-text('Example')"


@pytest.fixture(scope="module")
def browser_app(
    store_path: Path, template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    db = tmp_path_factory.mktemp("examplesbrowser") / "app.db"
    shutil.copyfile(template_db, db)
    return create_app(Settings(store=str(store_path), db_url=f"sqlite:///{db}"))


def _look(page: Any, name: str) -> None:
    bad = axe_violations(page)
    assert not bad, bad
    shots_at_both_widths(page, f"examples-{name}")


def test_administrator_loads_sees_and_removes_the_example(server: str, browser: Any) -> None:
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    problems = watch_console(page)
    page.goto(server + "/sign-in")
    page.fill("#email", USERS["admin"][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    page.goto(server + "/admin/examples")
    _look(page, "admin-empty")
    page.get_by_role("button", name="Load the example workspace").click()
    page.wait_for_url("**/admin/examples?done=loaded", timeout=180_000)
    assert "The example workspace is loaded" in page.locator("main").inner_text()
    _look(page, "admin-loaded")
    for url, name, tags in (
        ("/targets", "targets", 2),
        ("/policy", "policy", 1),
        ("/framework/E47000001/actions", "actions", 3),
        ("/ledger/check", "ledger-check", 1),
    ):
        page.goto(server + url)
        assert page.locator(f"main {TAG}").count() == tags, url
        _look(page, name)
    page.goto(server + "/admin/examples")
    page.get_by_role("button", name="Remove every example record").click()
    page.wait_for_url("**/admin/examples?done=removed")
    page.goto(server + "/targets")
    assert page.locator(f"main {TAG}").count() == 0
    assert not problems, problems
    ctx.close()
