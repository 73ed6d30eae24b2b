"""Fixtures for the web tests: one store per session, a fresh app database per test,
signed-in clients for each role, and a checker every rendered page goes through."""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette: httpx -> httpx2 notice
    from fastapi.testclient import TestClient

from argon2 import PasswordHasher

from healthgap.appdb.auth import add_user, use_hasher
from healthgap.appdb.db import init_db, sessions
from healthgap.web.app import create_app
from healthgap.web.settings import Settings
from tests.web.browser import chromium, serve

PASSWORD = "correct horse battery staple"
#: (email, role, authority): an administrator, editors of two authorities, a viewer.
USERS = {
    "admin": ("admin@example.org", "admin", None),
    "editor": ("editor@example.org", "editor", "E08000025"),
    "other_editor": ("other@example.org", "editor", "E06000001"),
    "viewer": ("viewer@example.org", "viewer", None),
}


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


@pytest.fixture(scope="session")
def shared_app(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One app for the read-only page and API tests (its store cache is reused)."""
    db = tmp_path_factory.mktemp("webdb") / "app.db"
    return create_app(Settings(store=str(store_path), db_url=f"sqlite:///{db}"))


@pytest.fixture
def client(shared_app: Any) -> Iterator[TestClient]:
    with TestClient(shared_app) as c:
        yield c


@pytest.fixture(scope="session", autouse=True)
def cheap_hashing() -> Iterator[None]:
    """Argon2 with low cost in tests (the default takes ~1 s a hash on a busy machine)."""
    old = use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    use_hasher(old)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, cheap_hashing: None) -> Path:
    """A migrated database holding the four USERS, built once and copied per test."""
    path = tmp_path_factory.mktemp("template") / "app.db"
    engine = init_db(f"sqlite:///{path}")
    with sessions(engine)() as s:
        for email, role, authority in USERS.values():
            add_user(s, email, PASSWORD, role, authority)
    engine.dispose()
    return path


@pytest.fixture
def app(store_path: Path, template_db: Path, tmp_path: Path) -> Any:
    """A fresh app and database with the four USERS."""
    db = tmp_path / "app.db"
    shutil.copyfile(template_db, db)
    return create_app(Settings(store=str(store_path), db_url=f"sqlite:///{db}"))


def sign_in(c: TestClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the real form (with its CSRF token)."""
    token = c.get("/api/v1/session").json()["csrf_token"]
    return c.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


@pytest.fixture
def clients(app: Any) -> Callable[[str], TestClient]:
    """``clients(role)``: a TestClient signed in as that USERS role ("anonymous": none)."""
    made: list[TestClient] = []

    def make(role: str) -> TestClient:
        c = TestClient(app)
        made.append(c)
        if role != "anonymous":
            r = sign_in(c, USERS[role][0])
            assert r.status_code == 303, r.text
        return c

    yield make  # type: ignore[misc]
    for c in made:
        c.close()


def csrf_headers(c: TestClient) -> dict[str, str]:
    """The X-CSRF-Token header for API writes from ``c``'s session."""
    return {"X-CSRF-Token": c.get("/api/v1/session").json()["csrf_token"]}


@pytest.fixture(scope="module")
def browser_app(shared_app: Any) -> Any:
    """The app the browser tests' ``server`` runs; a test module may override it."""
    return shared_app


@pytest.fixture(scope="module")
def server(browser_app: Any) -> Iterator[str]:
    """``browser_app`` served by uvicorn on a free local port: its base URL."""
    with serve(browser_app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium (see tests/web/browser.py)."""
    with chromium() as b:
        yield b
