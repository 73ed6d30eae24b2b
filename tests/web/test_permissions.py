"""One permission model: every write route declares its permission, and an authorisation
matrix generated from the route table (every write route x every role) checks that the
declaration is enforced before anything is read or written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from healthgap.appdb.auth import add_user
from healthgap.appdb.models import AuditEntry
from healthgap.appdb.permissions import (
    RULES,
    Actor,
    NotPermittedError,
    Permission,
    allows,
    check,
    check_sign_off,
)
from healthgap.errors import InputError
from healthgap.web.deps import declared_permission, requires
from tests.web.conftest import PASSWORD, TestClient, sign_in

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
APPROVER = ("approver@example.org", "approver", "E08000025")


def routes(app: FastAPI) -> Iterator[APIRoute]:
    """Every API route of ``app``, including those of included routers."""
    stack: list[Any] = list(app.routes)
    while stack:
        r = stack.pop(0)
        inner = getattr(r, "original_router", None)
        if inner is not None:
            stack[:0] = list(inner.routes)
        elif isinstance(r, APIRoute):
            yield r


def write_routes(app: FastAPI) -> list[APIRoute]:
    return [r for r in routes(app) if r.methods & WRITE_METHODS]


def undeclared(app: FastAPI) -> list[str]:
    """The write routes of ``app`` that declare no permission."""
    return [
        f"{sorted(r.methods & WRITE_METHODS)[0]} {r.path}"
        for r in write_routes(app)
        if declared_permission(r) is None
    ]


def test_every_write_route_declares_a_permission(app: Any) -> None:
    found = write_routes(app)
    assert len(found) >= 38  # the walk reaches the included routers
    assert undeclared(app) == []


def test_the_route_walk_finds_an_undeclared_write_route() -> None:
    from fastapi import APIRouter

    probe = FastAPI()
    inner = APIRouter()

    @inner.post("/declared", dependencies=[requires("target")])
    def declared() -> None: ...

    @inner.delete("/forgotten")
    def forgotten() -> None: ...

    @inner.get("/read")
    def read() -> None: ...

    probe.include_router(inner)
    assert undeclared(probe) == ["DELETE /forgotten"]


def _url(path: str) -> str:
    path = re.sub(r"\{code\}", "E47000001", path)
    path = re.sub(r"\{[^}]*id(?::int)?\}", "1", path)
    return re.sub(r"\{[^}]+\}", "discover", path)


@pytest.fixture
def role_clients(app: Any, clients: Any) -> dict[str, TestClient]:
    with app.state.sessions() as s:
        add_user(s, APPROVER[0], PASSWORD, APPROVER[1], APPROVER[2])
    approver = TestClient(app)
    assert sign_in(approver, APPROVER[0]).status_code == 303
    made = {r: clients(r) for r in ("anonymous", "viewer", "editor", "admin")}
    made["approver"] = approver
    yield made
    approver.close()


def test_authorisation_matrix_from_the_route_table(
    app: Any, role_clients: dict[str, TestClient]
) -> None:
    """For every write route and every role that does not hold its permission for any
    authority: 401 (anonymous) or 403, with the rule in the message, and nothing
    written; never a 500 for any role."""
    checked = 0
    for route in write_routes(app):
        permission = declared_permission(route)
        if permission.public:  # sign-in and sign-out: tests/web/test_auth.py
            continue
        method = sorted(route.methods & WRITE_METHODS)[0]
        url = _url(route.path)
        for role, c in role_clients.items():
            who = None if role == "anonymous" else Actor("x@example.org", role, "E08000025")
            token = c.get("/api/v1/session").json()["csrf_token"]
            with app.state.sessions() as s:
                before = s.query(AuditEntry).count()
            r = c.request(
                method,
                url,
                data={"csrf_token": token} if not route.path.startswith("/api/") else None,
                json={} if route.path.startswith("/api/") else None,
                headers={"X-CSRF-Token": token},
                follow_redirects=False,
            )
            assert r.status_code != 500, (method, url, role, r.text[:300])
            if allows(who, permission):
                continue
            checked += 1
            assert r.status_code == (401 if who is None else 403), (method, url, role)
            with app.state.sessions() as s:
                assert s.query(AuditEntry).count() == before, (method, url, role)
    assert checked > 100


def test_the_rules() -> None:
    editor = Actor("e@example.org", "editor", "E08000025")
    approver = Actor("a@example.org", "approver", "E08000025")
    admin = Actor("root@example.org", "admin")
    viewer = Actor("v@example.org", "viewer")
    sign_off = Permission("screening", "sign_off")
    assert allows(approver, sign_off, "E08000025") and not allows(approver, sign_off, "E06000001")
    assert not allows(editor, sign_off, "E08000025") and allows(admin, sign_off, "E06000001")
    assert not allows(approver, Permission("target"), "E08000025")
    assert not allows(viewer, Permission("target"))
    assert allows(None, Permission("session", "sign_in"))
    assert not allows(editor, Permission("power"), "E08000025")
    assert not allows(editor, Permission("user", "manage"))
    with pytest.raises(NotPermittedError, match="screenings of authority E08000025 must be signed"):
        check(editor, sign_off, "E08000025")
    with pytest.raises(InputError, match="a permission must be one of"):
        Permission("target", "explode")
    assert set(RULES) >= {("screening", "sign_off"), ("user", "manage")}


def test_sign_off_by_an_author_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    approver = Actor("a@example.org", "approver", "E08000025")
    with pytest.raises(NotPermittedError, match="signed off by someone who did not write"):
        check_sign_off(approver, "E08000025", {"A@example.org", "e@example.org"})
    check_sign_off(approver, "E08000025", {"e@example.org"})
    monkeypatch.setenv("HEALTHGAP_SEPARATE_SIGN_OFF", "0")
    check_sign_off(approver, "E08000025", {"a@example.org"})
