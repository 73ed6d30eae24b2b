"""The FastAPI application: :func:`create_app` wires settings, middleware and routers.

Examples
--------
>>> from healthgap.web.app import create_app
>>> from healthgap.web.settings import Settings
>>> app = create_app(Settings(db_url="sqlite://"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from healthgap import __version__
from healthgap.appdb.db import init_db, sessions
from healthgap.errors import HealthgapError
from healthgap.package_data import package_dir
from healthgap.web.deps import StoreHandle
from healthgap.web.errors import WebError, web_error
from healthgap.web.limits import InputLimitMiddleware
from healthgap.web.outbox import deliver_at_start
from healthgap.web.pagecache import PageCacheMiddleware
from healthgap.web.render import render
from healthgap.web.security import SessionMiddleware
from healthgap.web.settings import Settings

STATIC = package_dir("healthgap.web", "static")

#: Vendor files served from node_modules: URL prefix -> folder inside node_modules.
VENDOR = {
    "/assets/govuk": "govuk-frontend/dist/govuk",
    "/assets/fonts": "govuk-frontend/dist/govuk/assets/fonts",
    "/assets/images": "govuk-frontend/dist/govuk/assets/images",
    "/assets/vega": "vega/build",
    "/assets/vega-lite": "vega-lite/build",
    "/assets/vega-embed": "vega-embed/build",
    "/assets/swagger-ui": "swagger-ui-dist",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, err: WebError) -> Response:
    if _is_api(request):
        return JSONResponse(err.body(), status_code=err.status)
    return render(request, "error.html", {"error": err}, status_code=err.status)


#: The JSON schema of the one error shape every API error uses (see :class:`WebError`).
ERROR_BODY: dict[str, Any] = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "A machine-readable error code."},
                "message": {"type": "string", "description": "What went wrong, and the remedy."},
                "details": {"description": "Per-field problems, or null."},
            },
        }
    },
}
_ERRORS_EVERYWHERE = {
    "400": "Invalid input",
    "404": "Not found",
    "422": "Invalid request",
    "500": "Server error",
}
_ERRORS_ON_WRITES = {"401": "Not signed in", "403": "Forbidden or missing CSRF token"}
#: Extra statuses of updates, which must name the version they are based on.
_ERRORS_ON_UPDATES = {
    "409": "Changed by someone else since read (stale If-Match)",
    "428": "If-Match missing",
}


def document_api(doc: dict[str, Any]) -> dict[str, Any]:
    """Complete an OpenAPI document in place so it describes what the API really answers.

    Every operation under ``/api/`` lists the error statuses the app-wide handlers can
    return (400, 404, 422, 500; and 401/403 on writes, or where a route declares them),
    each in the one error shape ``ErrorBody``; an operation with a ``format`` query
    parameter that offers ``csv`` also lists ``text/csv`` for its successful response.
    """
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ERROR_BODY
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, methods in doc.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, op in methods.items():
            responses = op.setdefault("responses", {})
            wanted = dict(_ERRORS_EVERYWHERE)
            if method != "get":
                wanted.update(_ERRORS_ON_WRITES)
            if method in ("put", "patch", "delete"):
                wanted.update(_ERRORS_ON_UPDATES)
            for status, description in wanted.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status[:1] in ("4", "5"):
                    response["content"] = {"application/json": {"schema": ref}}
            offers_csv = any(
                p.get("in") == "query"
                and p.get("name") == "format"
                and "csv" in str(p.get("schema", {}))
                for p in op.get("parameters", [])
            )
            ok = next((r for s, r in responses.items() if s.startswith("2")), None)
            if offers_csv and ok is not None:
                ok.setdefault("content", {})["text/csv"] = {"schema": {"type": "string"}}
    text = json.dumps(doc)
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{unused}" not in text:
            schemas.pop(unused, None)
    return doc


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web service for ``settings`` (default: :meth:`Settings.from_env`).

    Migrates the app database to the head revision; opens the store lazily.
    """
    settings = settings or Settings.from_env()
    handle = StoreHandle(settings.store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        handle.close()

    app = FastAPI(
        lifespan=lifespan,
        title="healthgap",
        version=__version__,
        description="Health inequality figures with their uncertainty, as pages and JSON.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    engine = init_db(settings.db_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions(engine)
    app.state.store = handle
    deliver_at_start(handle, app.state.sessions)
    # Innermost: answers anonymous reads again while the data they read are unchanged.
    if settings.page_cache:
        app.add_middleware(PageCacheMiddleware)
    # Added before the session middleware, so it runs inside it: it sees who is asking.
    app.add_middleware(InputLimitMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        secure=settings.secure_cookies,
        max_age=settings.session_max_age,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for prefix, sub in VENDOR.items():
        folder = settings.assets / sub
        if folder.is_dir():
            app.mount(prefix, StaticFiles(directory=folder), name=prefix.strip("/"))

    interpreter = settings.assets / "vega-interpreter" / "build" / "vega-interpreter.js"
    if interpreter.is_file():
        # The CSP-safe expression interpreter (no eval) imports vega-util by a bare name;
        # in the browser vega-util is the global `vega`, so the import is rewritten.
        source = re.sub(
            r"import \{([^}]*)\} from 'vega-util';",
            r"const {\1} = window.vega;",
            interpreter.read_text(encoding="utf-8"),
        )

        @app.get("/assets/vega-interpreter.js", include_in_schema=False)
        def _interpreter() -> Response:
            return Response(source, media_type="text/javascript")

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        return _error_response(request, exc)

    @app.exception_handler(HealthgapError)
    async def _hg_error(request: Request, exc: HealthgapError) -> Response:
        return _error_response(request, web_error(exc))

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> Response:
        # An UPDATE ... WHERE version = :read that matched no row (SQLAlchemy's
        # version_id_col): the record changed between our read and our write.
        message = (
            "the record was changed by someone else since you read it. Nothing was changed. "
            "Reload it, re-apply your change and save again."
        )
        return _error_response(request, WebError(409, "conflict", message))

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> Response:
        # A number too large for a database integer (an id or offset from a URL): a client
        # error for every router, not a server error.
        message = (
            "whole numbers in the request must fit the database (at most 2,147,483,647); "
            "got one that does not. Check the ids and numbers sent."
        )
        return _error_response(request, WebError(400, "invalid_input", message))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"location": list(e.get("loc", ())), "message": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        first = details[0] if details else {"location": [], "message": "invalid"}
        where = ".".join(str(p) for p in first["location"])
        message = f"{where} must be valid; got: {first['message']}. Check the request."
        return _error_response(request, WebError(422, "invalid_request", message, details))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        message = (
            f"The address must name a page or endpoint; got {request.url.path!r}. "
            "Check the address or start from the home page."
            if exc.status_code == 404
            else str(exc.detail)
        )
        err = WebError(exc.status_code, codes.get(exc.status_code, "http_error"), message)
        return _error_response(request, err)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        err = WebError(500, "server_error", "Something went wrong on our side. Try again later.")
        return _error_response(request, err)

    from healthgap.web.routers import ROUTERS

    for router in ROUTERS:
        app.include_router(router)

    plain_openapi = app.openapi

    def _openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_api(plain_openapi())
        return app.openapi_schema

    app.openapi = _openapi  # type: ignore[method-assign]
    return app
