"""The annual cycle on the web: ``/cycle`` (choose an authority), ``/cycle/{code}`` (one
page: the four steps of a cycle year with status and evidence, late steps marked, and last
year's look back), a form per step for the authority's editors, and the API under
``/api/v1/cycle``. Everything shown comes from :mod:`healthgap.decisions.cycle` and
:mod:`healthgap.decisions.review`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from healthgap.appdb.versions import etag
from healthgap.decisions import cycle, review
from healthgap.errors import InputError
from healthgap.web.deps import DbDep, if_match, requires
from healthgap.web.errors import WebError
from healthgap.web.render import render
from healthgap.web.routers._loop import actor, call, form_errors, may, version_field, viewer

router = APIRouter()
CsrfHeader = Header(None, alias="X-CSRF-Token")
CodePath = Path(min_length=2, max_length=16, description="The authority's code.")
YearPath = Path(ge=2000, le=2100, description="The cycle year (1 April to 31 March).")
StepName = Literal[
    "targets_reviewed", "action_plans_refreshed", "report_published", "scrutiny_held"
]
STEP_FIELDS = ("status", "due_on", "done_on", "evidence", "evidence_url")


def _engine(request: Request) -> Any:
    return request.app.state.engine


def _code(value: str) -> str:
    try:
        return cycle.f.authority(value)
    except InputError as exc:
        raise WebError(400, "invalid_input", str(exc)) from None


@router.get("/cycle", response_class=HTMLResponse, include_in_schema=False)
def cycle_index(request: Request, authority: str = Query("", max_length=16)) -> Any:
    if authority.strip():
        return RedirectResponse(f"/cycle/{_code(authority)}", status_code=303)
    return render(request, "cycle_index.html", {"year": cycle.current_year()})


def _page(
    request: Request,
    session: Session,
    code: str,
    year: int,
    errors: list[tuple[str, str]] | None = None,
    values: Mapping[str, str] | None = None,
    status: int = 200,
) -> Any:
    today = dt.date.today()
    steps = call(cycle.calendar, _engine(request), code, year)
    back = review.look_back(_engine(request), code, year - 1, today)
    return render(
        request,
        "cycle.html",
        {
            "code": code,
            "year": year,
            "steps": [s.to_dict(today) for s in steps],
            "statuses": cycle.STATUSES,
            "years": sorted(
                {*cycle.years(_engine(request), code), year, cycle.current_year()}, reverse=True
            ),
            "back": back,
            "back_rows": back.table.to_dict(orient="records"),
            "can_change": may(viewer(request, session), "cycle", "change", code),
            "errors": errors or [],
            "values": values or {},
        },
        status_code=status,
    )


@router.get("/cycle/{code}", response_class=HTMLResponse, include_in_schema=False)
def cycle_page(
    request: Request, session: DbDep, code: str, year: int = Query(0, ge=0, le=2100)
) -> Any:
    y = year or cycle.current_year()
    if y < 2000:
        raise WebError(400, "invalid_input", f"year must be 2000 to 2100; got {y}.")
    return _page(request, session, _code(code), y)


def _step_sync(request: Request, code: str, year: int, step: str, form: Mapping[str, str]) -> Any:
    with request.app.state.sessions() as session:
        who = actor(request, session, form.get("csrf_token"))
    fields = {k: form.get(k, "") for k in STEP_FIELDS}

    def save() -> Any:
        return cycle.set_step(
            _engine(request), who, code, year, step, version_field(form.get("version")), fields
        )

    _, errors, status = form_errors(save, fallback="status")
    if errors:
        errors = [(f"{errors[0][0]}-{step}", errors[0][1])]
        with request.app.state.sessions() as session:
            return _page(request, session, code, year, errors, {**fields, "step": step}, status)
    return RedirectResponse(f"/cycle/{code}?year={year}#{step}", status_code=303)


@router.post(
    "/cycle/{code}/{year}/{step}",
    include_in_schema=False,
    dependencies=[requires("cycle")],
)
async def cycle_step_submit(request: Request, code: str, year: int, step: str) -> Any:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_step_sync, request, _code(code), year, step, form)


# ------------------------------------------------------------------------------- API
class StepIn(BaseModel):
    status: Literal["not started", "in progress", "done", "missed"]
    due_on: str = Field("", max_length=10, description="YYYY-MM-DD; default: the step's")
    done_on: str = Field("", max_length=10)
    evidence: str = Field("", max_length=cycle.EVIDENCE_CHARS)
    evidence_url: str = Field("", max_length=500)


@router.get("/api/v1/cycle/{code}/{year}", summary="An authority's annual cycle", tags=["api"])
def api_cycle(
    request: Request, code: Annotated[str, CodePath], year: Annotated[int, YearPath]
) -> Any:
    today = dt.date.today()
    steps = cycle.calendar(_engine(request), _code(code), year)
    back = review.look_back(_engine(request), _code(code), year - 1, today)
    from healthgap.web.responses import records

    return {
        "authority_code": _code(code),
        "year": year,
        "steps": [s.to_dict(today) for s in steps],
        "last_year": {"summary": back.summary(), "data": records(back.table)},
    }


@router.put(
    "/api/v1/cycle/{code}/{year}/{step}",
    tags=["api"],
    summary='Record a step (If-Match: its ETag, "0" for a step not yet recorded)',
    dependencies=[requires("cycle")],
)
def api_step(
    request: Request,
    response: Response,
    session: DbDep,
    code: Annotated[str, CodePath],
    year: Annotated[int, YearPath],
    step: StepName,
    body: StepIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    who = actor(request, session, x_csrf_token)
    read = if_match(request, f"the {step} step of {year}")
    out = call(
        cycle.set_step, _engine(request), who, _code(code), year, step, read, body.model_dump()
    )
    response.headers["ETag"] = etag(out["version"])
    return out
