"""A small schemathesis-style walk over the OpenAPI document: every GET endpoint with
generated parameters answers without a server error, in the one error shape when it fails.
(schemathesis itself is not installed this session.)"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ODD = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "-1", "0", "1e309", "NaN", "E06000001", "2022-2024", "%00", "'"]),
    st.integers(-(10**12), 10**12).map(str),
)


def _get_operations(client: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    doc = client.get("/openapi.json").json()
    ops = []
    for path, methods in doc["paths"].items():
        if "get" in methods:
            ops.append((path, methods["get"].get("parameters", [])))
    return ops


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_server_errors(client, data) -> None:
    for path, params in _get_operations(client):
        url = path
        query: dict[str, str] = {}
        for p in params:
            value = data.draw(ODD)
            if p["in"] == "path":
                url = url.replace("{" + p["name"] + "}", quote(value, safe="") or "x")
            elif data.draw(st.booleans()):
                query[p["name"]] = value
        r = client.get(url, params=query)
        assert r.status_code < 500, (url, query, r.text[:300])
        if r.status_code >= 400 and url.startswith("/api/"):
            assert set(r.json()["error"]) == {"code", "message", "details"}


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_writes_with_junk_bodies_are_client_errors(client, method: str) -> None:
    url = "/api/v1/targets" if method == "post" else "/api/v1/targets/1"
    for body in [None, "not json", {"authority_code": 5}, {"target_year": "soon"}]:
        kwargs: dict[str, Any] = {"content": body} if isinstance(body, str) else {"json": body}
        if method == "delete":
            kwargs = {}
        r = client.request(method.upper(), url, **kwargs)
        assert 400 <= r.status_code < 500, (method, body, r.status_code)
        assert set(r.json()["error"]) == {"code", "message", "details"}
