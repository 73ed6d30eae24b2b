"""The framework pages in headless Chromium: the self-assessment driven end to end by an
editor (each stage, the error summary on a missing answer, check your answers, the lever
map and the draft action plan), and axe-core on every framework page."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from healthgap.appdb.auth import add_user
from healthgap.appdb.db import sessions
from healthgap.web.app import create_app
from healthgap.web.settings import Settings
from tests.web.browser import axe_violations, needs_chromium, shot, signed_in, visit, watch_console
from tests.web.conftest import PASSWORD, TestClient, csrf_headers, sign_in

pytestmark = needs_chromium

GM = "E47000001"
EDITOR = "gm.editor@example.org"


@pytest.fixture(scope="module")
def fw_app(store_path: Path, template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    db = tmp_path_factory.mktemp("fwbrowser") / "app.db"
    shutil.copyfile(template_db, db)
    app = create_app(Settings(store=str(store_path), db_url=f"sqlite:///{db}"))
    with sessions(app.state.engine)() as s:
        add_user(s, EDITOR, PASSWORD, "editor", GM)
    # a survey with responses and an action linked to an indicator, so those pages have
    # a chart and a progress table to check (made through the API, as a client would)
    with TestClient(app) as c:
        assert sign_in(c, EDITOR).status_code == 303
        h = csrf_headers(c)
        sid = c.post(
            f"/api/v1/framework/{GM}/surveys",
            json={
                "title": "Partnership health check",
                "questions": [
                    {"id": "q1", "text": "Partners share data well", "kind": "scale"},
                    {"id": "q2", "text": "What should change?", "kind": "text"},
                ],
            },
            headers=h,
        ).json()["id"]
        for answer in [4] * 10 + [2] * 10:
            c.post(
                f"/api/v1/framework/{GM}/surveys/{sid}/responses",
                json={"answers": {"q1": answer}},
                headers=h,
            )
        c.post(
            f"/api/v1/framework/{GM}/actions",
            json={"title": "Working Well expansion", "indicators": ["hle_birth"]},
            headers=h,
        )
    app.state.survey_id = sid
    return app


@pytest.fixture(scope="module")
def browser_app(fw_app: Any) -> Any:
    """The browser tests' ``server`` (tests/web/conftest.py) runs this module's app."""
    return fw_app


def _signed_in(browser: Any, server: str) -> Any:
    return signed_in(browser, server, EDITOR, PASSWORD, viewport={"width": 1100, "height": 900})


def _shot(page: Any, name: str) -> None:
    shot(page, f"framework_{name}")


def test_self_assessment_end_to_end(server: str, browser: Any) -> None:
    page = _signed_in(browser, server)
    page.goto(f"{server}/framework/{GM}/enquiry")
    page.select_option("#competence", "health")
    page.click("text=Start the self-assessment")
    assert page.url.endswith(f"/framework/{GM}/enquiry/discover?competence=health")
    assert page.locator("h1").inner_text() == "Discover: what already works"

    def answer(prompt_index: int, category: str, text: str) -> None:
        page.check(f"#prompt-{prompt_index}")
        page.check("#category" if category == "asset" else f"#category-{category}")
        page.fill("#text", text)
        page.click("button[value=continue]")

    answer(2, "asset", "Working Well programme with the ICB")
    assert "/enquiry/dream" in page.url
    # a missing answer: the error summary, linked to the field, and the page title says so
    page.check("#prompt-0")
    page.check("#category-opportunity")
    page.click("button[value=continue]")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert summary.locator("a").inner_text() == "Enter your answer"
    assert page.title().startswith("Error: Dream: what could be")
    _shot(page, "enquiry_error")
    summary.locator("a").click()
    assert page.evaluate("document.activeElement.id") == "text"
    page.fill("#text", "Every large employer a good-work employer")
    page.click("button[value=continue]")
    assert "/enquiry/design" in page.url
    answer(2, "lever", "Social value clauses in procurement")
    answer(3, "partner", "NHS Greater Manchester ICB")  # deliver stage, focus question
    assert "/enquiry/check" in page.url
    assert page.locator("h1").inner_text() == "Check your answers"
    assert page.locator(".govuk-summary-list__row").count() == 4
    _shot(page, "enquiry_check")
    page.click("text=Continue to the lever map")
    assert page.locator("h1").inner_text() == "Lever map and draft action plan"
    lever_rows = page.locator("table").first.locator("tbody tr")
    health = lever_rows.filter(has_text="Health, wellbeing and public service reform")
    assert "Social value clauses in procurement" in health.inner_text()
    assert "mayor-ics-role" in health.inner_text()
    assert "Act on: Social value clauses in procurement" in page.content()
    _shot(page, "enquiry_result")
    page.click("text=Add 1 draft action to the action plan")
    assert page.url.endswith(f"/framework/{GM}/actions")
    assert "Act on: Social value clauses in procurement" in page.locator("table").first.inner_text()
    _shot(page, "actions")
    page.close()


PAGES = [
    ("/framework", "register"),
    ("/framework?tier=established_mayoral&competence=health", "register_filtered"),
    ("/framework/library", "library"),
    (f"/framework/{GM}", "authority"),
    ("/framework/E47000014", "authority_new"),
    (f"/framework/{GM}/enquiry", "enquiry"),
    (f"/framework/{GM}/enquiry/discover?competence=health", "enquiry_discover"),
    (f"/framework/{GM}/enquiry/check", "enquiry_check_page"),
    (f"/framework/{GM}/enquiry/result", "enquiry_result_page"),
    (f"/framework/{GM}/actions", "actions_page"),
    (f"/framework/{GM}/surveys", "surveys"),
    (f"/framework/{GM}/surveys/{{sid}}", "survey"),
]


@pytest.mark.parametrize(("url", "name"), PAGES, ids=[p[1] for p in PAGES])
def test_framework_page_passes_axe(
    server: str, browser: Any, fw_app: Any, url: str, name: str
) -> None:
    page = _signed_in(browser, server)
    problems = watch_console(page)
    visit(page, server + url.format(sid=fw_app.state.survey_id))
    bad = axe_violations(page)
    _shot(page, name)
    page.close()
    assert not bad, bad
    assert not problems, problems


def test_public_register_without_javascript(server: str, browser: Any) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(server + "/framework")
    page.select_option("#tier", "established_mayoral")
    page.click("text=Filter")
    assert "tier=established_mayoral" in page.url
    assert (
        page.locator("table").first.locator("tbody tr").count() == 7
    )  # 5 with a sourced tier, North East, GLA
    ctx.close()
