"""The house rules every HTML page keeps, checked on every HTML response of the tests.

``check_page(html)`` asserts them: exactly one h1 that starts the title, a caption for every
table, a label for every form control, unique ids, no inline script or style (the CSP forbids
both) and ``<html lang="en">``.

``checking_every_page()`` (applied for the whole session by tests/conftest.py) wraps
``TestClient.request`` so that every ``text/html`` response any test receives goes through
``check_page``, whether or not the test calls it. Responses that are deliberately not full
pages are listed in ``NOT_PAGES`` with the reason; nothing else is exempt.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit


class PageChecker(HTMLParser):
    """Collects what the structure checks need: h1s, title, ids, tables and captions."""

    def __init__(self) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.title = ""
        self.ids: list[str] = []
        self.tables = 0
        self.captions = 0
        self.labels_for: set[str] = set()
        self.controls: list[str] = []
        self.inline_scripts = 0
        self.inline_styles = 0
        self._stack: list[str] = []
        self._script_type = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if "style" in a:
            self.inline_styles += 1
        if tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "label" and a.get("for"):
            self.labels_for.add(str(a["for"]))
        elif tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(str(a.get("id", "")))
        elif tag == "script":
            self._script_type = str(a.get("type") or "")
            if "src" not in a and self._script_type != "application/json":
                self.inline_scripts += 1
        elif tag == "style":
            self.inline_styles += 1
        self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if "h1" in self._stack:
            if not self.h1 or self._stack[-1] == "h1":
                pass
            self.h1.append(data)
        elif self._stack and self._stack[-1] == "title":
            self.title += data


def check_page(html: str) -> PageChecker:
    """Assert the house rules for a page; return what was found."""
    p = PageChecker()
    p.feed(html)
    h1_count = html.count("<h1")
    assert h1_count == 1, f"expected exactly one h1, found {h1_count}"
    h1 = re.sub(r"\s+", " ", "".join(p.h1)).strip()
    title = re.sub(r"\s+", " ", p.title).strip()
    assert h1, "the h1 is empty"
    assert title.removeprefix("Error: ").startswith(h1), (title, h1)
    dupes = {i for i in p.ids if p.ids.count(i) > 1}
    assert not dupes, f"duplicate ids: {sorted(dupes)}"
    assert p.tables == p.captions, f"{p.tables} tables but {p.captions} captions"
    unlabelled = [c for c in p.controls if c not in p.labels_for]
    assert not unlabelled, f"form controls without a label: {unlabelled}"
    assert p.inline_scripts == 0, "inline script (the CSP forbids it)"
    assert p.inline_styles == 0, "inline style (the CSP forbids it)"
    assert '<html lang="en"' in html
    return p


#: Responses that are HTML but deliberately not pages of the app, as (path pattern, reason).
#: A pattern is matched against the request path (``re.fullmatch``).
NOT_PAGES: tuple[tuple[str, str], ...] = (
    (
        r"/policy/\d+/export\.html",
        "a screening saved as a standalone HTML file (Content-Disposition: attachment) with its "
        "own print styles; opened from disk, not served as a page under the app's CSP",
    ),
    (
        r"(/api/v1)?/framework/[^/]+/export\.html",
        "a framework export saved as a standalone HTML file (attachment) with its own styles",
    ),
)


def exempt(path: str) -> str | None:
    """The reason ``path`` is not checked as a page, or None when it is."""
    for pattern, reason in NOT_PAGES:
        if re.fullmatch(pattern, path):
            return reason
    return None


def check_response(method: str, url: Any, response: Any) -> None:
    """``check_page`` on ``response`` when it is an HTML page (see the module doc)."""
    if method.upper() == "HEAD" or not response.content:
        return
    if not response.headers.get("content-type", "").startswith("text/html"):
        return
    path = urlsplit(str(url)).path
    if exempt(path) is not None:
        return
    try:
        check_page(response.text)
    except AssertionError as exc:
        raise AssertionError(
            f"{method.upper()} {path} answered {response.status_code} with an HTML page that "
            f"breaks the page rules (tests/web/page_checks.py): {exc}"
        ) from None


@contextmanager
def checking_every_page() -> Iterator[None]:
    """Within: every TestClient response that is an HTML page is checked."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette: httpx -> httpx2 notice
        from starlette.testclient import TestClient

    original = TestClient.request

    def request(self: Any, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        response = original(self, method, url, *args, **kwargs)
        check_response(method, url, response)
        return response

    TestClient.request = request  # type: ignore[method-assign]
    try:
        yield
    finally:
        TestClient.request = original  # type: ignore[method-assign]
