"""Fixtures for the web tests: one store per session, a fresh app database per test,
signed-in clients for each role, and a checker every rendered page goes through."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable, Iterator
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
from tests.web.page_checks import PageChecker, check_page  # noqa: F401 (imported from here)

PASSWORD = "correct horse battery staple"
#: (email, role, authority): an administrator, editors of two authorities, a viewer.
USERS = {
    "admin": ("admin@example.org", "admin", None),
    "editor": ("editor@example.org", "editor", "E08000025"),
    "other_editor": ("other@example.org", "editor", "E06000001"),
    "viewer": ("viewer@example.org", "viewer", None),
}


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
