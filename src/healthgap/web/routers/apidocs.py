"""``/docs``: the API reference, offline.

The page lists every operation of the OpenAPI document (``/openapi.json``) in a table
rendered on the server, so it reads without JavaScript; with JavaScript, Swagger UI
(``swagger-ui-dist``, pinned in ``package-lock.json`` and served from ``node_modules``
like GOV.UK Frontend) draws the interactive reference over it. Nothing is fetched from
a CDN and Swagger UI's online validator is switched off.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from healthgap.web.render import render

router = APIRouter(include_in_schema=False)

#: The HTTP methods an OpenAPI path item can hold, in the order they are listed.
METHODS = ("get", "post", "put", "patch", "delete")


def operations(doc: dict[str, Any]) -> list[dict[str, str]]:
    """One row per operation of the OpenAPI document ``doc``: method, path, summary, tag.

    Examples
    --------
    >>> rows = operations({"paths": {"/api/v1/x": {"post": {"summary": "Add"}, "get": {}}}})
    >>> [(r["method"], r["path"], r["summary"]) for r in rows]
    [('GET', '/api/v1/x', ''), ('POST', '/api/v1/x', 'Add')]
    """
    rows = []
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": str(op.get("summary") or ""),
                    "tag": str((op.get("tags") or [""])[0]),
                }
            )
    return rows


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> Any:
    """The API reference page."""
    doc = request.app.openapi()
    swagger = request.app.state.settings.assets / "swagger-ui-dist" / "swagger-ui-bundle.js"
    return render(
        request,
        "api_docs.html",
        {
            "operations": operations(doc),
            "version": doc.get("info", {}).get("version", ""),
            "interactive": swagger.is_file(),
        },
    )
