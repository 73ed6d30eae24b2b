"""The accountability loop in headless Chromium, end to end as people would use it:

* an editor records a decision through the form, links its (signed-off) equity screening,
  and the coverage view updates;
* a member of the public asks a question from a target's page; the editor moderates it
  and answers it; the answer shows on the target's page;
* the editor records a step of the annual cycle.

axe-core runs on every page (no serious or critical violations); screenshots of the
register, a decision, the scrutiny page and the cycle page at 1280 px and 390 px go to
the HEALTHGAP_SHOTS folder (decisions_*.png). All records are SYNTHETIC test data."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from healthgap.appdb.auth import add_user
from healthgap.appdb.db import sessions
from healthgap.web.app import create_app
from healthgap.web.settings import Settings
from tests.decisions.conftest import make_screening
from tests.web.browser import DESKTOP, axe_violations, needs_chromium, shot, watch_console
from tests.web.conftest import PASSWORD, TestClient, csrf_headers, sign_in

pytestmark = needs_chromium
GM = "E47000001"
EDITOR = "gm.decisions@example.org"


@pytest.fixture(scope="module")
def loop_app(store_path: Path, template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    db = tmp_path_factory.mktemp("loopbrowser") / "app.db"
    shutil.copyfile(template_db, db)
    app = create_app(Settings(store=str(store_path), db_url=f"sqlite:///{db}"))
    with sessions(app.state.engine)() as s:
        add_user(s, EDITOR, PASSWORD, "editor", GM)
    return app


@pytest.fixture(scope="module")
def browser_app(loop_app: Any) -> Any:
    return loop_app


def _check(page: Any, problems: list[str]) -> None:
    bad = axe_violations(page)
    assert not bad, (page.url, bad)
    assert not problems, problems


def _both_widths(browser: Any, url: str, name: str) -> None:
    for width, suffix in ((1280, ""), (390, "_390")):
        ctx = browser.new_context(viewport={"width": width, "height": 900})
        page = ctx.new_page()
        page.goto(url)
        shot(page, f"decisions_{name}{suffix}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (name, width, overflow)  # no sideways scrolling of the page
        ctx.close()


def test_the_loop_in_a_browser(browser: Any, server: str, loop_app: Any) -> None:
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    problems = watch_console(page, ignore="400")
    page.goto(server + "/sign-in")
    page.fill("#email", EDITOR)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")

    # 1. record a decision (first with a mistake: the error summary links to the field)
    page.goto(server + "/decisions/new")
    _check(page, problems)
    page.fill("#title", "Synthetic: concessionary bus fares for care leavers")
    page.fill("#decision_maker", "The Mayor")
    page.fill("#directorate", "Transport")
    page.fill("#decided_on", "1 May 2026")
    page.check("#key_decision")
    page.fill("#budget", "1250000")
    page.fill("#documents", "Cabinet report | https://example.org/synthetic/report.pdf")
    page.click("main button[type=submit]")
    assert page.locator(".govuk-error-summary a[href='#decided_on']").count() == 1
    _check(page, problems)
    page.fill("#decided_on", "2026-05-01")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/decisions/\d+$"))
    decision_url = page.url
    assert "not screened" in page.inner_text("main")

    # 2. link its screening: the coverage view updates
    sid = make_screening(loop_app.state.engine)(
        GM, dt.date(2026, 4, 20), "less deprived areas gain more"
    )
    page.reload()
    page.select_option("#screening_id", str(sid))
    page.click("text=Link the screening")
    page.wait_for_url(decision_url + "#screenings")
    assert "screened before" in page.inner_text("main")
    page.click("text=Record recommendations")
    page.fill("#recommendation-1", "Include young carers")
    page.select_option("#response-1", "modified")
    page.click("main button[type=submit]")
    assert page.locator(".govuk-error-summary a[href='#reason-1']").count() == 1
    _check(page, problems)
    page.fill("#reason-1", "Included carers aged 16 to 24 within the budget.")
    page.click("main button[type=submit]")
    page.wait_for_url(decision_url + "#changes")
    _check(page, problems)
    page.goto(server + f"/decisions/coverage?authority={GM}")
    assert "100.0%" in page.inner_text("main")
    assert "concessionary bus fares" in page.inner_text("main")  # expected widening
    _check(page, problems)

    # 3. a public question from the target's page, moderated, answered, shown there
    with TestClient(loop_app) as c:
        assert sign_in(c, EDITOR).status_code == 303
        r = c.post(
            "/api/v1/targets",
            headers=csrf_headers(c),
            json={
                "authority_code": GM,
                "indicator_id": "hle_birth",
                "sex": "Male",
                "baseline_period": "2018-2020",
                "target_year": 2030,
                "target_value": 63.0,
            },
        )
        assert r.status_code == 201, r.text
        tid = r.json()["id"]
    public = browser.new_context(viewport=DESKTOP)
    anon = public.new_page()
    anon_problems = watch_console(anon, ignore="400")
    anon.goto(server + f"/targets/{tid}")
    _check(anon, anon_problems)
    anon.click("text=Ask a question about this target")
    assert anon.input_value("#subject_ref") == str(tid)
    _check(anon, anon_problems)
    anon.fill("#question", "Synthetic: is the target on track in the most deprived wards?")
    anon.click("main button[type=submit]")
    anon.wait_for_url(server + "/scrutiny/ask/sent")
    _check(anon, anon_problems)
    page.goto(server + "/scrutiny/moderation")
    _check(page, problems)
    page.fill("input[name=due_on]", "2099-06-30")
    page.click("main button[type=submit] >> nth=-1")
    page.wait_for_url(server + "/scrutiny/moderation")
    assert "No questions are waiting" in page.inner_text("main")
    page.goto(server + "/scrutiny")
    page.click("text=Question 1")
    _check(page, problems)
    page.fill("#answer", "Synthetic: yes in 7 of the 10 most deprived wards; see the plan.")
    page.click("text=Publish the answer")
    anon.goto(server + f"/targets/{tid}")
    text = anon.inner_text("main")
    assert "is the target on track" in text and "yes in 7 of the 10" in text
    _check(anon, anon_problems)

    # 4. a step of the annual cycle
    year = dt.date.today().year if dt.date.today().month >= 4 else dt.date.today().year - 1
    page.goto(server + f"/cycle/{GM}?year={year}")
    _check(page, problems)
    page.click("#targets_reviewed summary")
    page.select_option("#status-targets_reviewed", "done")
    page.fill("#done_on-targets_reviewed", f"{year}-06-20")
    page.click("#targets_reviewed button[type=submit]")
    assert page.locator(".govuk-error-summary a[href='#evidence-targets_reviewed']").count() == 1
    _check(page, problems)
    page.fill("#evidence-targets_reviewed", "Synthetic: cabinet minute 12")
    page.click("#targets_reviewed button[type=submit]")
    page.wait_for_url(re.compile(r".*#targets_reviewed$"))
    assert f"done {year}-06-20" in page.inner_text("main")
    ctx.close()
    public.close()

    # screenshots as the public sees the pages, at 1280 px and 390 px
    _both_widths(browser, server + f"/decisions?authority={GM}", "register")
    _both_widths(browser, decision_url, "decision")
    _both_widths(browser, server + f"/decisions/coverage?authority={GM}", "coverage")
    _both_widths(browser, server + "/scrutiny", "scrutiny")
    _both_widths(browser, server + f"/cycle/{GM}?year={year}", "cycle")
