"""What every browser test shares: Debian's headless Chromium, a real uvicorn server for an
app, the axe-core check, console watching and screenshots.

The ``server`` and ``browser`` fixtures are registered in tests/web/conftest.py (one of each
per test module). ``server`` serves the ``browser_app`` fixture, which is the session's
``shared_app`` unless a test module overrides ``browser_app`` (or ``shared_app``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from healthgap.web.settings import source_checkout

CHROMIUM = Path("/usr/bin/chromium")
REPO = source_checkout() or Path.cwd()
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).resolve().parent / "screenshots"

#: Mark (a module's ``pytestmark`` or a test) for tests that need Chromium and axe-core.
#: Skips where they are missing, fails when HEALTHGAP_REQUIRE names chromium (tests/needs.py).
needs_chromium = pytest.mark.needs("chromium")

#: The rule sets axe-core runs: WCAG 2.2 AA and its best practices.
AXE_RUN = (
    "async () => await axe.run(document, {runOnly: "
    "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']})"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free local port in a thread; yield its base URL."""
    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@contextmanager
def chromium() -> Iterator[Any]:
    """Launch Debian's Chromium headless through Playwright; yield the browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield b
        finally:
            b.close()


def axe_violations(page: Any) -> list[str]:
    """Run axe-core in ``page`` (injected via DevTools, so the page CSP stays on); return
    its serious and critical violations, one line each."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(AXE_RUN)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def watch_console(page: Any, ignore: str | None = None) -> list[str]:
    """Collect ``page``'s console errors and uncaught page errors into the returned list.

    vega-embed sets one style attribute, which the CSP (no 'unsafe-inline') blocks
    harmlessly: that message is left out. So is any console error containing ``ignore``
    (e.g. "400", the browser's note of a page answered 400 on purpose)."""
    problems: list[str] = []

    def on_console(m: Any) -> None:
        benign = "inline style" in m.text and "vega-embed" in str(m.location.get("url"))
        if m.type == "error" and not benign and not (ignore and ignore in m.text):
            problems.append(f"{m.text} at {m.location.get('url')}")

    page.on("console", on_console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def wait_for_charts(page: Any) -> int:
    """Wait until every Vega-Lite chart on ``page`` is drawn; return how many there are."""
    charts = int(page.locator("[data-spec-id]").count())
    if charts:
        page.wait_for_selector("[data-spec-id] svg", timeout=15_000)
    return charts


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot as tests/web/screenshots/<name>.png for review."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
