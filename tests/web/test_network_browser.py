"""Two deployments share a case study through a feed, driven in real Chromium: an
administrator of B subscribes to A on /admin/network (checking the key's fingerprint),
and the case appears in B's library with its origin. Both pages pass axe-core and do not
scroll sideways at 390 px; screenshots for review when
HEALTHGAP_SHOTS asks for them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from healthgap.framework.library import Library
from healthgap.framework.storage import Workspace
from healthgap.network import publish, signing
from tests.web.browser import DESKTOP, PHONE, axe_violations, chromium, needs_chromium, serve, shot
from tests.web.conftest import PASSWORD, USERS
from tests.web.test_network import ADMIN, CASE, _app

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def pair(
    store_path: Path, template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("network-browser")
    a = _app(store_path, template_db, root / "a", "Deployment A")
    b = _app(store_path, template_db, root / "b", "Deployment B")
    ws = Workspace(engine=a.state.engine, create=False)
    Library(ws).add(ADMIN, {**CASE, "authority_code": "E47000001"})
    publish.set_sharing(
        a.state.engine, ADMIN, "E47000001", "case_study", "*", True, expected_version=0
    )
    with serve(a) as url_a, serve(b) as url_b, chromium() as browser:
        yield {"a": a, "b": b, "url_a": url_a, "url_b": url_b, "browser": browser}


def test_admin_subscribes_in_the_browser_and_sees_the_shared_case(pair: dict[str, Any]) -> None:
    url_b, browser = pair["url_b"], pair["browser"]
    ctx = browser.new_context(viewport=DESKTOP)
    page = ctx.new_page()
    page.goto(url_b + "/sign-in")
    page.fill("#email", USERS["admin"][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url_b + "/")
    page.goto(url_b + "/admin/network")
    page.fill("#address", pair["url_a"])
    page.get_by_role("button", name="Fetch the key").click()
    key = signing.load_key(pair["a"].state.settings.network_key)
    expected = signing.fingerprint(signing.public_bytes(key))
    assert page.locator("#fingerprint").inner_text() == expected
    page.get_by_role("button", name="Trust this key and subscribe").click()
    page.wait_for_url(url_b + "/admin/network?notice=subscribed")
    assert "Accepted" in page.content() and expected in page.content()
    assert axe_violations(page) == []
    shot(page, "network-admin-desktop")
    page.goto(url_b + "/framework/library?q=warm")
    row = page.locator('table:has(caption:has-text("shared case stud")) tbody tr').first
    assert CASE["title"] in row.inner_text() and pair["url_a"] in row.inner_text()
    assert axe_violations(page) == []
    shot(page, "network-library-desktop")
    for path, name in (("/framework/library?q=warm", "library"), ("/admin/network", "admin")):
        page.set_viewport_size(PHONE)
        page.goto(url_b + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways at 390 px ({width} px)"
        shot(page, f"network-{name}-390")
    ctx.close()
