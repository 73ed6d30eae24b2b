"""Schemathesis against the app's own OpenAPI document, in-process over ASGI.

Every operation under /api/v1 gets generated requests (valid and invalid parameters and
bodies) from an administrator's session with a good CSRF token, so the write endpoints run
their real code too. Each response must not be a server error, must use a documented status
code and content type, and its body must match the documented schema (the one error shape
for 4xx). The number of examples is bounded so the whole file runs in well under a minute.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from healthgap.web.app import create_app
from healthgap.web.settings import Settings
from tests.web.conftest import USERS, TestClient, sign_in

#: Generated requests per operation (half valid, half not): enough to find the classic
#: failures, few enough to keep the file under a minute on a busy machine.
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(scope="module")
def admin_app(store_path: Path, template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An app on the session store, with its own copy of the database of the four USERS."""
    db = tmp_path_factory.mktemp("schemathesis") / "app.db"
    shutil.copyfile(template_db, db)
    return create_app(Settings(store=str(store_path), db_url=f"sqlite:///{db}"))


@pytest.fixture(scope="module")
def admin_session(admin_app: Any) -> dict[str, Any]:
    """An administrator's session cookie and CSRF token."""
    with TestClient(admin_app) as c:
        assert sign_in(c, USERS["admin"][0]).status_code == 303
        token = c.get("/api/v1/session").json()["csrf_token"]
        return {"cookies": dict(c.cookies), "csrf": token}


@pytest.fixture(scope="module")
def api_schema(admin_app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", admin_app)


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the document, read from an app with an empty
    in-memory database (the list is needed when the tests are collected)."""
    doc = create_app(Settings(db_url="sqlite://")).openapi()
    return [(m.upper(), p) for p, methods in doc["paths"].items() for m in methods]


@pytest.mark.parametrize(("method", "path"), _operations())
def test_api_conforms_to_its_openapi_document(
    api_schema: Any, admin_session: dict[str, Any], method: str, path: str
) -> None:
    operation = api_schema[path][method]
    headers = {} if method == "GET" else {"X-CSRF-Token": admin_session["csrf"]}
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, headers=headers),
        operation.as_strategy(GenerationMode.NEGATIVE, headers=headers),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        # No time limit to speak of: this checks conformance, not speed (bench/ does speed).
        # Schemathesis's 10 s default failed the first, uncached /api/v1/mission and
        # /api/v1/framework requests when two test workers shared a busy machine.
        case.call_and_validate(cookies=admin_session["cookies"], checks=CHECKS, timeout=300)

    check()


def test_every_api_operation_is_covered(api_schema: Any) -> None:
    """The document lists the API operations this file exercises (a router that drops out of
    the schema would otherwise go untested without notice)."""
    ops = {
        (op.method.upper(), op.path)
        for op in (r.ok() for r in api_schema.get_all_operations())
        if op is not None
    }
    assert ("POST", "/api/v1/targets") in ops
    assert ("DELETE", "/api/v1/targets/{target_id}") in ops
    assert all(path.startswith("/api/") for _, path in ops), sorted(ops)


def test_error_responses_are_documented_in_the_one_shape(api_schema: Any) -> None:
    doc = api_schema.raw_schema
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            writes = ("401", "403") if method != "get" else ()
            for status in ("400", "404", "422", "500", *writes):
                ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorBody"), (method, path, status, ref)
    body = doc["components"]["schemas"]["ErrorBody"]
    assert body["required"] == ["error"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_anonymous_writes_with_junk_bodies_are_client_errors(client: Any, method: str) -> None:
    """The generated requests above come from an administrator; anonymous writes, with or
    without a sensible body, stop at a 4xx in the one error shape."""
    url = "/api/v1/targets" if method == "post" else "/api/v1/targets/1"
    for body in [None, "not json", {"authority_code": 5}, {"target_year": "soon"}]:
        kwargs: dict[str, Any] = {"content": body} if isinstance(body, str) else {"json": body}
        if method == "delete":
            kwargs = {}
        r = client.request(method.upper(), url, **kwargs)
        assert 400 <= r.status_code < 500, (method, body, r.status_code)
        assert set(r.json()["error"]) == {"code", "message", "details"}


def test_numbers_too_large_for_the_database_are_client_errors(client: Any) -> None:
    """Any router's id that overflows SQLite's int64 (or PostgreSQL's int4) gets a 400 in the
    one error shape, not a server error (found by schemathesis in a POST route)."""
    from fastapi import APIRouter, FastAPI

    from healthgap.appdb.models import Target

    app: FastAPI = client.app
    probe = APIRouter()

    @probe.get("/api/v1/_probe/{n}")
    def _probe(n: int) -> Any:
        with app.state.sessions() as s:
            return s.get(Target, n)

    app.include_router(probe)
    try:
        r = client.get(f"/api/v1/_probe/{2**63}")
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "invalid_input"
        assert r.json()["error"]["message"].startswith(
            "whole numbers in the request must fit the database"
        )
    finally:
        app.router.routes[:] = [
            rt for rt in app.router.routes if getattr(rt, "path", "") != "/api/v1/_probe/{n}"
        ]
