"""The decisions register on the web: ``/decisions`` (the register), ``/decisions/coverage``
(key decisions screened before they were taken), a page per decision, forms for editors
(record, change, link a screening, record the responses to its recommendations), and the
JSON/CSV API under ``/api/v1/decisions``.

Every number comes from :mod:`healthgap.decisions.register`; every write declares the
``decision.change`` permission, carries the CSRF token and names the version it is based
on (a hidden ``version`` field; ``If-Match`` in the API: 409 when stale, 428 without it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from healthgap.appdb.versions import etag
from healthgap.decisions import register, scrutiny
from healthgap.decisions.register import RESPONSES
from healthgap.errors import InputError
from healthgap.safe_csv import csv_text
from healthgap.web.deps import DbDep, if_match, requires
from healthgap.web.errors import WebError
from healthgap.web.render import render
from healthgap.web.routers._loop import actor, call, form_errors, may, not_found, viewer

router = APIRouter()
Format = Literal["json", "csv"]
DecisionId = Path(ge=1, le=2**31 - 1, description="The decision's id.")
ScreeningId = Path(ge=1, le=2**31 - 1, description="The screening's id.")
CsrfHeader = Header(None, alias="X-CSRF-Token")
AuthorityQ = Query("", max_length=16, description="An authority code, e.g. E47000001.")
FORM_FIELDS = (
    "title",
    "decision_maker",
    "directorate",
    "decided_on",
    "forward_plan_ref",
    "key_decision",
    "budget",
    "summary",
    "documents",
    "targets",
    "actions",
)
#: Empty recommendation rows offered by the responses form.
EXTRA_ROWS = 3


def _engine(request: Request) -> Any:
    return request.app.state.engine


def _decision(request: Request, decision_id: int) -> Any:
    try:
        return register.get(_engine(request), decision_id)
    except InputError:
        raise not_found("decision", decision_id, "/decisions") from None


def _authority(value: str) -> str | None:
    if not value.strip():
        return None
    try:
        return register.f.authority(value)
    except InputError as exc:
        raise WebError(400, "invalid_input", str(exc)) from None


# ------------------------------------------------------------------------------ pages
@router.get("/decisions", response_class=HTMLResponse, include_in_schema=False)
def decisions_page(request: Request, session: DbDep, authority: str = AuthorityQ) -> Any:
    code = _authority(authority)
    user = viewer(request, session)
    views = register.views(_engine(request), code)
    cov = register.coverage_of(views)
    return render(
        request,
        "decisions.html",
        {
            "views": views,
            "authority": code or "",
            "coverage": cov,
            "can_create": may(user, "decision", "change", None),
            "csv": "/api/v1/decisions?format=csv" + (f"&authority={code}" if code else ""),
        },
    )


@router.get("/decisions/coverage", response_class=HTMLResponse, include_in_schema=False)
def coverage_page(request: Request, authority: str = AuthorityQ) -> Any:
    code = _authority(authority)
    cov = register.coverage(_engine(request), code)
    suffix = f"&authority={code}" if code else ""
    return render(
        request,
        "decisions_coverage.html",
        {
            "rows": cov.table.to_dict(orient="records"),
            "widening": cov.widening,
            "upcoming": cov.upcoming,
            "method": cov.method,
            "authority": code or "",
            "csv": "/api/v1/decisions/coverage?format=csv" + suffix,
        },
    )


def _form_context(d: Any | None, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(FORM_FIELDS, "")
    if d is not None:
        rec = register.to_dict(d)
        values.update(
            {k: rec[k] for k in FORM_FIELDS if k not in ("documents", "targets", "actions")}
        )
        values["key_decision"] = "yes" if d.key_decision else "no"
        values["budget"] = "" if d.budget is None else f"{d.budget:.2f}".removesuffix(".00")
        values["documents"] = "\n".join(f"{x['title']} | {x['url']}" for x in rec["documents"])
        values["targets"] = ", ".join(str(t) for t in rec["targets"])
        values["actions"] = ", ".join(rec["actions"])
    values["authority_code"] = extra.get("authority", "")
    return {"errors": [], "decision": d, "values": values, **extra}


def _render_form(request: Request, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
    return render(request, "decision_form.html", ctx, status_code=status)


@router.get("/decisions/new", response_class=HTMLResponse, include_in_schema=False)
def decision_new(request: Request, session: DbDep) -> Any:
    user = viewer(request, session)
    if not may(user, "decision", "change", None):
        raise WebError(
            403 if user else 401,
            "forbidden" if user else "unauthenticated",
            "decisions must be recorded by an administrator or an editor; "
            "sign in with such an account.",
        )
    assert user is not None
    return _render_form(request, _form_context(None, authority=user.authority_code or ""))


def _create_sync(request: Request, form: Mapping[str, str]) -> Any:
    with request.app.state.sessions() as session:
        who = actor(request, session, form.get("csrf_token"))
    code = form.get("authority_code", "") or who.authority_code or ""
    fields = {k: form.get(k, "") for k in FORM_FIELDS}
    out, errors, status = form_errors(register.add, _engine(request), who, code, fields)
    if errors:
        ctx = _form_context(None, authority=code, errors=errors)
        ctx["values"].update(fields)
        return _render_form(request, ctx, status)
    return RedirectResponse(f"/decisions/{out['id']}", status_code=303)


@router.post("/decisions/new", include_in_schema=False, dependencies=[requires("decision")])
async def decision_create(request: Request) -> Any:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_create_sync, request, form)


@router.get("/decisions/{decision_id:int}", response_class=HTMLResponse, include_in_schema=False)
def decision_page(request: Request, session: DbDep, decision_id: int) -> Any:
    d = _decision(request, decision_id)
    user = viewer(request, session)
    v = register.view(_engine(request), d)
    can = may(user, "decision", "change", d.authority_code)
    choices = []
    if can:
        from healthgap.policy.screening import ScreeningRepository

        repo = ScreeningRepository(_engine(request))
        choices = [(i, t) for i, t in repo.ids(d.authority_code) if i not in d.screenings]
    questions = scrutiny.public(_engine(request), d.authority_code, subject=("decision", str(d.id)))
    return render(
        request,
        "decision.html",
        {"v": v, "d": d, "can_change": can, "choices": choices, "questions": questions},
    )


@router.get(
    "/decisions/{decision_id:int}/edit", response_class=HTMLResponse, include_in_schema=False
)
def decision_edit(request: Request, session: DbDep, decision_id: int) -> Any:
    d = _decision(request, decision_id)
    if not may(viewer(request, session), "decision", "change", d.authority_code):
        raise WebError(
            403,
            "forbidden",
            f"decisions must be changed by an administrator or an editor of {d.authority_code}.",
        )
    return _render_form(request, _form_context(d, authority=d.authority_code))


def _update_sync(request: Request, decision_id: int, form: Mapping[str, str]) -> Any:
    d = _decision(request, decision_id)
    with request.app.state.sessions() as session:
        who = actor(request, session, form.get("csrf_token"))
    fields = {k: form.get(k, "") for k in FORM_FIELDS}
    from healthgap.web.routers._loop import version_field

    def save() -> Any:
        return register.update(
            _engine(request), who, decision_id, version_field(form.get("version")), fields
        )

    out, errors, status = form_errors(save)
    if errors:
        fresh = _decision(request, decision_id) if status == 409 else d
        ctx = _form_context(fresh, authority=d.authority_code, errors=errors)
        ctx["values"].update(fields)
        return _render_form(request, ctx, status)
    return RedirectResponse(f"/decisions/{out['id']}", status_code=303)


@router.post(
    "/decisions/{decision_id:int}/edit",
    include_in_schema=False,
    dependencies=[requires("decision")],
)
async def decision_update(request: Request, decision_id: int) -> Any:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_update_sync, request, decision_id, form)


def _link_sync(request: Request, decision_id: int, form: Mapping[str, str]) -> Any:
    from healthgap.web.routers._loop import version_field

    with request.app.state.sessions() as session:
        who = actor(request, session, form.get("csrf_token"))

    def link() -> Any:
        return register.link_screening(
            _engine(request),
            who,
            decision_id,
            version_field(form.get("version")),
            form.get("screening_id", ""),
        )

    _, errors, status = form_errors(link, fallback="screening_id")
    if errors:
        d = _decision(request, decision_id)
        return render(
            request,
            "error.html",
            {
                "error": WebError(status, "invalid_input", errors[0][1]),
                "back": f"/decisions/{d.id}",
            },
            status_code=status,
        )
    return RedirectResponse(f"/decisions/{decision_id}#screenings", status_code=303)


@router.post(
    "/decisions/{decision_id:int}/screenings",
    include_in_schema=False,
    dependencies=[requires("decision")],
)
async def decision_link(request: Request, decision_id: int) -> Any:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_link_sync, request, decision_id, form)


def _regard_rows(d: Any, screening_id: int, extra: int = EXTRA_ROWS) -> list[dict[str, str]]:
    rows = [
        {"recommendation": r["recommendation"], "response": r["response"], "reason": r["reason"]}
        for r in d.recommendations or []
        if r.get("screening_id") == screening_id
    ]
    return rows + [{"recommendation": "", "response": "pending", "reason": ""}] * extra


@router.get(
    "/decisions/{decision_id:int}/screenings/{screening_id:int}",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def regard_form(request: Request, session: DbDep, decision_id: int, screening_id: int) -> Any:
    d = _decision(request, decision_id)
    if screening_id not in (d.screenings or []):
        raise not_found(
            f"screening {screening_id} linked to decision {decision_id}",
            "none",
            f"/decisions/{decision_id}",
        )
    if not may(viewer(request, session), "decision", "change", d.authority_code):
        raise WebError(
            403,
            "forbidden",
            "the responses to a screening must be recorded by "
            f"an administrator or an editor of {d.authority_code}.",
        )
    return render(
        request,
        "decision_regard.html",
        {
            "d": d,
            "screening_id": screening_id,
            "rows": _regard_rows(d, screening_id),
            "responses": RESPONSES,
            "errors": [],
        },
    )


def _regard_sync(
    request: Request, decision_id: int, screening_id: int, form: Mapping[str, str]
) -> Any:
    from healthgap.web.routers._loop import version_field

    with request.app.state.sessions() as session:
        who = actor(request, session, form.get("csrf_token"))
    n = 0
    items = []
    while f"recommendation-{n + 1}" in form and n < register.LIMITS["recommendations"] + 5:
        n += 1
        item = {k: form.get(f"{k}-{n}", "") for k in ("recommendation", "response", "reason")}
        if item["recommendation"].strip() or item["reason"].strip():
            items.append(item)

    def save() -> Any:
        return register.record_regard(
            _engine(request),
            who,
            decision_id,
            version_field(form.get("version")),
            screening_id,
            items,
        )

    _, errors, status = form_errors(save, fallback="recommendation-1")
    if errors:
        d = _decision(request, decision_id)
        rows = [
            {
                "recommendation": i["recommendation"],
                "response": i["response"] or "pending",
                "reason": i["reason"],
            }
            for i in items
        ]
        rows += [{"recommendation": "", "response": "pending", "reason": ""}] * EXTRA_ROWS
        field = errors[0][0]
        return render(
            request,
            "decision_regard.html",
            {
                "d": d,
                "screening_id": screening_id,
                "rows": rows,
                "responses": RESPONSES,
                "errors": [(field, errors[0][1])],
            },
            status_code=status,
        )
    return RedirectResponse(f"/decisions/{decision_id}#changes", status_code=303)


@router.post(
    "/decisions/{decision_id:int}/screenings/{screening_id:int}",
    include_in_schema=False,
    dependencies=[requires("decision")],
)
async def regard_save(request: Request, decision_id: int, screening_id: int) -> Any:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_regard_sync, request, decision_id, screening_id, form)


# ------------------------------------------------------------------------------- API
class DocumentIn(BaseModel):
    title: str = Field("", max_length=300)
    url: str = Field(min_length=1, max_length=500)


class DecisionIn(BaseModel):
    """A decision to record or replace."""

    authority_code: str = Field(min_length=2, max_length=16)
    title: str = Field(min_length=1, max_length=300)
    decision_maker: str = Field(min_length=1, max_length=200)
    directorate: str = Field(min_length=1, max_length=200)
    decided_on: str = Field(min_length=10, max_length=10, description="YYYY-MM-DD")
    forward_plan_ref: str = Field("", max_length=100)
    key_decision: bool = False
    budget: float | None = Field(None, ge=0, le=register.MAX_BUDGET, allow_inf_nan=False)
    summary: str = Field("", max_length=5000)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=20)
    targets: list[int] = Field(default_factory=list, max_length=50)
    actions: list[str] = Field(default_factory=list, max_length=50)


class RecommendationIn(BaseModel):
    recommendation: str = Field(min_length=1, max_length=2000)
    response: Literal["accepted", "modified", "rejected", "pending"] = "pending"
    reason: str = Field("", max_length=2000)


class RegardIn(BaseModel):
    """The screening's recommendations and the decision maker's responses (replaced)."""

    recommendations: list[RecommendationIn] = Field(max_length=30)


def _json(request: Request, d: Any, response: Response) -> dict[str, Any]:
    v = register.view(_engine(request), d)
    response.headers["ETag"] = etag(d.version)
    return {
        **v.record,
        "screening_status": v.status,
        "predicted_effect": v.predicted,
        "responses": v.responses,
        "screening_notes": [
            {
                "id": s.id,
                "title": s.title,
                "status": s.status,
                "predicted": s.predicted,
                "signed_off_on": s.signed_off_on.isoformat() if s.signed_off_on else None,
            }
            for s in v.screenings
        ],
    }


def _csv(frame: Any, name: str) -> Response:
    return Response(
        csv_text(frame),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/api/v1/decisions", summary="The decisions register (open data)", tags=["api"])
def api_decisions(request: Request, authority: str = AuthorityQ, format: Format = "json") -> Any:
    code = _authority(authority)
    table = register.export_table(register.views(_engine(request), code))
    if format == "csv":
        return _csv(table, "decisions")
    from healthgap.web.responses import records

    return {"authority": code, "columns": register.COLUMNS, "data": records(table)}


@router.get(
    "/api/v1/decisions/coverage",
    summary="Key decisions screened before they were taken, by directorate and year",
    tags=["api"],
)
def api_coverage(request: Request, authority: str = AuthorityQ, format: Format = "json") -> Any:
    code = _authority(authority)
    cov = register.coverage(_engine(request), code)
    if format == "csv":
        return _csv(cov.table, "decision-coverage")
    from healthgap.web.responses import records

    return {
        "authority": code,
        "method": cov.method,
        "data": records(cov.table),
        "widening": [
            {
                "id": v.record["id"],
                "title": v.record["title"],
                "decided_on": v.record["decided_on"],
                "authority_code": v.record["authority_code"],
            }
            for v in cov.widening
        ],
        "upcoming": cov.upcoming,
    }


@router.get(
    "/api/v1/decisions/{decision_id}",
    summary="One decision (its ETag is its version)",
    tags=["api"],
    responses={404: {"description": "No such decision"}},
)
def api_decision(
    request: Request, response: Response, decision_id: Annotated[int, DecisionId]
) -> Any:
    return _json(request, _decision(request, decision_id), response)


@router.post(
    "/api/v1/decisions",
    status_code=201,
    tags=["api"],
    summary="Record a decision (an administrator or the authority's editor)",
    dependencies=[requires("decision")],
)
def api_create(
    request: Request,
    response: Response,
    session: DbDep,
    body: DecisionIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    who = actor(request, session, x_csrf_token)
    fields = body.model_dump()
    out = call(register.add, _engine(request), who, body.authority_code, fields)
    return _json(request, _decision(request, out["id"]), response)


@router.put(
    "/api/v1/decisions/{decision_id}",
    tags=["api"],
    summary="Replace a decision's fields (If-Match: the ETag read)",
    dependencies=[requires("decision")],
)
def api_update(
    request: Request,
    response: Response,
    session: DbDep,
    decision_id: Annotated[int, DecisionId],
    body: DecisionIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    d = _decision(request, decision_id)
    who = actor(request, session, x_csrf_token)
    if body.authority_code.strip().upper() != d.authority_code:
        raise WebError(
            400,
            "invalid_input",
            f"authority_code must stay {d.authority_code}; "
            f"got {body.authority_code!r}. Record a new decision instead.",
        )
    read = if_match(request, f"decision {decision_id}")
    call(register.update, _engine(request), who, decision_id, read, body.model_dump())
    return _json(request, _decision(request, decision_id), response)


@router.put(
    "/api/v1/decisions/{decision_id}/screenings/{screening_id}",
    tags=["api"],
    summary="Link an equity screening of the same authority (If-Match: the ETag read)",
    dependencies=[requires("decision")],
)
def api_link(
    request: Request,
    response: Response,
    session: DbDep,
    decision_id: Annotated[int, DecisionId],
    screening_id: Annotated[int, ScreeningId],
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    _decision(request, decision_id)
    who = actor(request, session, x_csrf_token)
    read = if_match(request, f"decision {decision_id}")
    call(register.link_screening, _engine(request), who, decision_id, read, screening_id)
    return _json(request, _decision(request, decision_id), response)


@router.put(
    "/api/v1/decisions/{decision_id}/screenings/{screening_id}/recommendations",
    tags=["api"],
    summary="Replace a linked screening's recommendations and the responses (If-Match)",
    dependencies=[requires("decision")],
)
def api_regard(
    request: Request,
    response: Response,
    session: DbDep,
    decision_id: Annotated[int, DecisionId],
    screening_id: Annotated[int, ScreeningId],
    body: RegardIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    _decision(request, decision_id)
    who = actor(request, session, x_csrf_token)
    read = if_match(request, f"decision {decision_id}")
    items = [r.model_dump() for r in body.recommendations]
    call(register.record_regard, _engine(request), who, decision_id, read, screening_id, items)
    return _json(request, _decision(request, decision_id), response)
