"""What every browser test shares: Debian's headless Chromium, a real uvicorn server for an
app, the axe-core check, console watching and screenshots (taken only on request: set
``HEALTHGAP_SHOTS=1`` for tests/web/screenshots/, or to a folder).

The ``server`` and ``browser`` fixtures are registered in tests/web/conftest.py (one of each
per test module). ``server`` serves the ``browser_app`` fixture, which is the session's
``shared_app`` unless a test module overrides ``browser_app`` (or ``shared_app``)."""

from __future__ import annotations

import functools
import os
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

#: axe-core over WCAG 2.2 AA and its best practices, answering only its serious and
#: critical violations, each as [rule, impact, help, first three targets]. Passes and
#: incomplete results are not collected (``resultTypes``), and the answer is filtered in
#: the page: sending axe's whole result (every node it passed) back to Python took most of
#: the check's time on a page of 4,000 elements (6.7 s against 1.5 s).
AXE_RUN = """async () => {
  const r = await axe.run(document, {
    runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
    resultTypes: ['violations']});
  return r.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => [v.id, v.impact, v.help, v.nodes.slice(0, 3).map(n => n.target)]);
}"""


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
        forget_contexts(server=f"http://127.0.0.1:{port}")


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
            forget_contexts(browser=b)
            b.close()


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[str]:
    """Run axe-core in ``page`` (injected via DevTools, so the page CSP stays on); return
    its serious and critical violations, one line each."""
    page.evaluate(_axe_source())
    return [
        f"{rule} ({impact}): {help_} -> {targets}"
        for rule, impact, help_, targets in page.evaluate(AXE_RUN)
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
    """Wait until every Vega-Lite chart on ``page`` is drawn; return how many there are.

    app.js draws the charts one after another once the page has loaded; a chart that is
    not drawn within 15 s fails the test."""
    charts = int(page.locator("[data-spec-id]").count())
    if charts:
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-spec-id]')]"
            ".every((el) => el.querySelector('svg'))",
            timeout=15_000,
        )
    return charts


def visit(page: Any, url: str) -> int:
    """Open ``url`` in ``page`` as a reader sees it: loaded, with its charts drawn; return
    how many charts it has. (Waiting for the load event and the charts, rather than for
    the network to be idle for half a second, which every page paid.)"""
    page.goto(url)
    return wait_for_charts(page)


#: Browser contexts shared by the page checks of a module, by (browser, server, visitor,
#: options): their pages share the HTTP and code caches (Vega's scripts are fetched and
#: compiled once, not once a page) and a visitor signs in once. :func:`serve` and
#: :func:`chromium` forget a server's or a browser's contexts when they stop, since another
#: app may later get the same port.
_CONTEXTS: dict[tuple[int, str, str | None, str], Any] = {}


def _shared_page(
    browser: Any, server: str, visitor: tuple[str, str] | None, options: dict[str, Any]
) -> Any:
    """A new page in the context shared by ``visitor`` (email, password; None: an
    anonymous reader). A context is made, and signed in through the form, on first use;
    it is shared only once the sign-in has worked."""
    key = (id(browser), server, visitor and visitor[0], repr(sorted(options.items())))
    if key in _CONTEXTS:
        return _CONTEXTS[key].new_page()
    ctx = browser.new_context(**{"viewport": DESKTOP, **options})
    page = ctx.new_page()
    if visitor is not None:
        page.goto(server + "/sign-in")
        page.fill("#email", visitor[0])
        page.fill("#password", visitor[1])
        page.click("button[type=submit]")
        page.wait_for_url(server + "/")
    _CONTEXTS[key] = ctx
    return page


def reading_page(browser: Any, server: str, **options: Any) -> Any:
    """A new page for an anonymous reader of ``server`` (1280 px wide unless ``options``
    say otherwise), in the context the module's other readers share; close it after."""
    return _shared_page(browser, server, None, options)


def signed_in(browser: Any, server: str, email: str, password: str, **options: Any) -> Any:
    """A new page signed in as ``email`` on ``server``, in the context that visitor's pages
    share (1280 px wide unless ``options`` say otherwise): the first page signs in through
    the form. Close the page after; a test that signs out or changes the visitor's session
    makes a context of its own."""
    return _shared_page(browser, server, (email, password), options)


def forget_contexts(*, server: str | None = None, browser: Any = None) -> None:
    """Forget the shared contexts of ``server`` or of ``browser``."""
    for key in [
        k for k in _CONTEXTS if k[1] == server or (browser is not None and k[0] == id(browser))
    ]:
        del _CONTEXTS[key]


def shots_dir() -> Path | None:
    """Where screenshots go: ``HEALTHGAP_SHOTS`` names a folder (``1``: tests/web/screenshots/);
    unset, none are taken (a full-page screenshot costs 1 to 2 s on a long page)."""
    wanted = os.environ.get("HEALTHGAP_SHOTS", "")
    if wanted in ("", "0"):
        return None
    return SHOTS if wanted == "1" else Path(wanted)


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot as <shots_dir>/<name>.png for review, when asked for."""
    folder = shots_dir()
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


#: The two widths screenshots are reviewed at.
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def shots_at_both_widths(page: Any, name: str) -> None:
    """Screenshots of ``page`` at 1280 and 390 px (<name>-desktop.png, <name>-390.png),
    when asked for; the page is left at 1280 px."""
    if shots_dir() is None:
        return
    for label, size in (("desktop", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        shot(page, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)
