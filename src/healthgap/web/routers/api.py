"""The JSON API under /api/v1: the same numbers as the pages, plus /targets CRUD.

Lists are paginated (``limit``/``offset`` with ``links``); add ``?format=csv`` for CSV.
Errors have one shape: ``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthgap.account.authority_targets import TargetBook, TargetFieldErrors
from healthgap.appdb import audit
from healthgap.appdb.db import release
from healthgap.appdb.models import Target, target_fields
from healthgap.appdb.permissions import Actor
from healthgap.appdb.versions import etag
from healthgap.web import csrf, viewmodels
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    can_edit,
    current_user,
    if_match,
    require_user,
    requires,
)
from healthgap.web.errors import WebError
from healthgap.web.responses import (
    Fmt,
    Format,
    Limit,
    Offset,
    area_profile,
    csv_response,
    json_value,
    page,
)

router = APIRouter(prefix="/api/v1", tags=["api"])
TargetId = Path(ge=1, le=2**31 - 1, description="The target's id.")


def _view(
    request: Request, view: viewmodels.View, name: str, fmt: Format, limit: int, offset: int
) -> Any:
    if fmt == "csv":
        return csv_response(view.table, name)
    summary = {k: json_value(v) for k, v in view.summary.items()}
    return page(
        request,
        view.table,
        limit,
        offset,
        {"title": view.title, "summary": summary, "notes": list(view.notes)},
    )


@router.get("/hle-gap", summary="Regional healthy life expectancy gap (males)")
def hle_gap(
    request: Request,
    st: StoreDep,
    period: str | None = None,
    format: Format = Fmt,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    view = st.compute(viewmodels.hle_gap, period=period)
    return _view(request, view, "hle-gap", format, limit, offset)


@router.get("/areas", summary="Areas with indicator values")
def areas(
    request: Request,
    st: StoreDep,
    area_type: str | None = None,
    format: Format = Fmt,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    df = st.compute(viewmodels.areas, area_type=area_type)
    if format == "csv":
        return csv_response(df, "areas")
    return page(request, df, limit, offset, {})


@router.get("/areas/{area_code}/profile", summary="An area's indicators vs England")
def profile(
    request: Request,
    st: StoreDep,
    area_code: str,
    breakdowns: bool = False,
    format: Format = Fmt,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    view = area_profile(st, area_code, breakdowns)
    return _view(request, view, f"profile-{area_code}", format, limit, offset)


@router.get("/areas/{area_code}/local", summary="An area's local values beside published ones")
def local_values(
    request: Request,
    st: StoreDep,
    area_code: str,
    format: Format = Fmt,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    view = st.compute_local(viewmodels.local_values, area_code)
    return _view(request, view, f"local-{area_code}", format, limit, offset)


@router.get(
    "/inequality",
    summary="Indicator by deprivation decile of districts and upper-tier areas, with SII",
)
def inequality(
    request: Request,
    st: StoreDep,
    indicator: str = "hle_birth",
    sex: str | None = None,
    period: str | None = None,
    format: Format = Fmt,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    view = st.compute(viewmodels.inequality, indicator=indicator, sex=sex, period=period)
    return _view(request, view, "inequality", format, limit, offset)


@router.get("/sources", summary="Published datasets in the store and their licences")
def sources(
    request: Request,
    st: StoreDep,
    format: Format = Fmt,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    view = st.compute(viewmodels.sources)
    return _view(request, view, "sources", format, limit, offset)


@router.get("/local-datasets", summary="Local datasets (uploads): owner, uploader, checksum")
def local_datasets(
    request: Request,
    st: StoreDep,
    format: Format = Fmt,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    view = st.compute_local(viewmodels.local_sources)
    return _view(request, view, "local-datasets", format, limit, offset)


@router.get("/session", summary="Who is signed in, and the CSRF token for writes")
def session_info(
    request: Request,
    session: DbDep,
) -> dict[str, Any]:
    user = current_user(request, session)
    return {
        "user": None
        if user is None
        else {"email": user.email, "role": user.role, "authority_code": user.authority_code},
        "csrf_token": csrf.token(request),
    }


class TargetIn(BaseModel):
    """A target to create or replace (checked against the store: see
    :mod:`healthgap.account.authority_targets`)."""

    authority_code: str = Field(min_length=1, max_length=16)
    indicator_id: str = Field(min_length=1, max_length=100)
    sex: str | None = Field(None, max_length=16)
    age: str | None = Field(None, max_length=64)
    baseline_period: str = Field(min_length=1, max_length=32)
    baseline_value: float | None = Field(
        None, allow_inf_nan=False, description="Optional: the store's value for the period."
    )
    target_year: int = Field(ge=2000, le=2100)
    target_value: float = Field(allow_inf_nan=False)
    polarity: Literal["higher_is_better", "lower_is_better"] | None = None
    note: str = Field("", max_length=2000)
    published: bool = True


TARGET_COLUMNS = [*TargetIn.model_fields, "retired_at", "id", "version", "example"]


def _visible(query: Any, request: Request, session: Session) -> Any:
    user = current_user(request, session)
    if user is None:
        return query.where(Target.published.is_(True))
    return query


@router.get("/targets", summary="Targets (anonymous visitors see published ones)")
def list_targets(
    request: Request,
    session: DbDep,
    authority_code: str | None = None,
    include_retired: bool = Query(False, description="Also list retired targets."),
    format: Format = Fmt,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    q = _visible(select(*Target.__table__.columns), request, session).order_by(Target.id)
    if authority_code:
        q = q.where(Target.authority_code == authority_code)
    if not include_retired:
        q = q.where(Target.retired_at.is_(None))

    def frame(query: Any) -> pd.DataFrame:
        return pd.DataFrame(
            [target_fields(t) for t in session.execute(query)], columns=TARGET_COLUMNS
        )

    if format == "csv":
        return csv_response(frame(q), "targets")
    total = session.scalar(select(func.count()).select_from(q.order_by(None).subquery()))
    return page(request, frame(q.limit(limit).offset(offset)), limit, offset, {}, total=total)


@router.get(
    "/targets/status",
    summary="Each current target's status (on track, off track, met, not met, too early)",
)
def targets_status_api(
    request: Request,
    session: DbDep,
    st: StoreDep,
    authority_code: str | None = None,
    format: Format = Fmt,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    anonymous = current_user(request, session) is None
    release(session)
    book = TargetBook(request.app.state.engine)
    df = book.status(st, authority_code or None, published_only=anonymous)
    if format == "csv":
        return csv_response(df, "targets-status")
    return page(request, df, limit, offset, {})


def _get(session: Session, request: Request, target_id: int) -> Target:
    t = session.get(Target, target_id)
    if t is None or (current_user(request, session) is None and not t.published):
        raise WebError(
            404,
            "not_found",
            f"target must exist; got no target with id {target_id}. List them at /api/v1/targets.",
        )
    return t


@router.get("/targets/{target_id}", summary="One target (its ETag is the version to update)")
def get_target(
    request: Request,
    response: Response,
    session: DbDep,
    target_id: Annotated[int, TargetId],
) -> Any:
    out = _get(session, request, target_id).to_dict()
    response.headers["ETag"] = etag(out["version"])
    return out


def _authorise(request: Request, session: Session, authority_code: str, token: str | None) -> Any:
    user = require_user(request, session)
    csrf.check(request, token)
    if not can_edit(user, authority_code):
        raise WebError(
            403,
            "forbidden",
            f"targets of authority {authority_code} must be edited by an administrator or "
            f"that authority's editor; got {user.role} {user.email}"
            + (f" of {user.authority_code}" if user.authority_code else "")
            + ". Ask an administrator for access.",
        )
    who = Actor.of(user)
    release(session)  # the write goes through its own transaction
    return who


CsrfHeader = Header(None, alias="X-CSRF-Token")


def _field_errors(exc: TargetFieldErrors) -> WebError:
    """400 with one detail per wrong field (``location`` names it, as FastAPI's do)."""
    details = [{"location": ["body", f], "message": m} for f, m in exc.errors]
    return WebError(400, "invalid_input", str(exc), details)


@router.post(
    "/targets",
    status_code=201,
    summary="Create a target (editor of the authority)",
    dependencies=[requires("target")],
)
def create_target(
    request: Request,
    response: Response,
    session: DbDep,
    st: StoreDep,
    body: TargetIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    who = _authorise(request, session, body.authority_code, x_csrf_token)
    try:
        out = TargetBook(request.app.state.engine).add(who, st, **body.model_dump())
    except TargetFieldErrors as exc:
        raise _field_errors(exc) from exc
    response.headers["ETag"] = etag(out["version"])
    return out


@router.put(
    "/targets/{target_id}",
    summary="Replace a target (editor of the authority; If-Match: the ETag read)",
    dependencies=[requires("target")],
)
def update_target(
    request: Request,
    response: Response,
    session: DbDep,
    st: StoreDep,
    target_id: Annotated[int, TargetId],
    body: TargetIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    t = _get(session, request, target_id)
    authority = t.authority_code
    who = _authorise(request, session, authority, x_csrf_token)
    if body.authority_code != authority:
        _authorise(request, session, body.authority_code, x_csrf_token)
    read = if_match(request, f"target {target_id}")
    try:
        out = TargetBook(request.app.state.engine).edit(
            who, target_id, read, st, **body.model_dump()
        )
    except TargetFieldErrors as exc:
        raise _field_errors(exc) from exc
    response.headers["ETag"] = etag(out["version"])
    return out


@router.delete(
    "/targets/{target_id}",
    status_code=204,
    summary="Delete a target (If-Match: the ETag read)",
    dependencies=[requires("target")],
)
def delete_target(
    request: Request,
    session: DbDep,
    target_id: Annotated[int, TargetId],
    x_csrf_token: str | None = CsrfHeader,
) -> Response:
    t = _get(session, request, target_id)
    who = _authorise(request, session, t.authority_code, x_csrf_token)
    read = if_match(request, f"target {target_id}")
    TargetBook(request.app.state.engine).delete(who, target_id, read)
    return Response(status_code=204)


@router.get("/audit", summary="The audit log (administrators)")
def audit_log(
    request: Request,
    session: DbDep,
    format: Format = Fmt,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = require_user(request, session)
    if user.role != "admin":
        raise WebError(
            403,
            "forbidden",
            f"the audit log must be read by an administrator; got {user.role}. "
            "Ask an administrator.",
        )
    if format == "csv":
        return Response(
            audit.export_csv(session),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    total = session.scalar(select(func.count()).select_from(audit.AuditEntry)) or 0
    body = page(request, pd.DataFrame(), limit, offset, {})
    body["data"] = audit.entries(session, limit, offset)
    body["meta"]["total"] = total
    body["links"]["next"] = (
        str(request.url.include_query_params(limit=limit, offset=offset + limit))
        if offset + limit < total
        else None
    )
    return body
