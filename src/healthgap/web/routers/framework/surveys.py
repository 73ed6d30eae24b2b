"""Partner surveys: creating them, recording responses and their summary."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from healthgap.errors import InputError
from healthgap.framework.partners import (
    ALL as ALL_RESPONSES,
)
from healthgap.framework.partners import (
    Partnerships,
    parse_questions,
    usable_questions,
)
from healthgap.framework.powers import (
    Authority,
)
from healthgap.framework.storage import Workspace
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    requires,
)
from healthgap.web.errors import WebError
from healthgap.web.render import render
from healthgap.web.responses import records
from healthgap.web.routers.framework.shared import (
    API,
    CsrfHeader,
    Format,
    On,
    OnAuthority,
    _authority,
    _call,
    _context,
    _csv,
    _reader,
    _records,
    survey_chart,
    the_register,
    workspace,
)

router = APIRouter()


# ---------------------------------------------------------------------------- surveys
def _surveys(ws: Workspace, code: str) -> list[dict[str, Any]]:
    return [{"id": v.record_id, **v.data} for v in ws.current("survey", code)]


@router.get("/framework/{code}/surveys", response_class=HTMLResponse, include_in_schema=False)
def surveys_page(on: OnAuthority) -> Any:
    return _surveys_render(on, on.reading(), [], {})


def _surveys_render(
    on: On,
    a: Authority,
    errors: list[tuple[str, str]],
    form: dict[str, Any],
) -> Any:
    return render(
        on.request,
        "framework_surveys.html",
        {
            **_context(on.request, on.session, a),
            "surveys": _surveys(on.ws, a.code),
            "errors": errors,
            "form": form,
        },
        status_code=400 if errors else 200,
    )


@router.post(
    "/framework/{code}/surveys",
    include_in_schema=False,
    dependencies=[requires("survey")],
)
def add_survey_form(
    on: OnAuthority,
    title: str = Form(""),
    questions: str = Form(""),
    csrf_token: str = Form(""),
) -> Any:
    a, who = on.writing("survey", csrf_token)
    errors = []
    if not title.strip():
        errors.append(("survey-title", "Enter the survey's title"))
    parsed: list[dict[str, Any]] = []
    try:
        parsed = parse_questions(questions)
    except InputError as exc:
        errors.append(("survey-questions", str(exc)))
    if not errors:
        try:
            sid = _call(Partnerships(on.ws, a.code).add_survey, who, title, parsed)
            return RedirectResponse(f"/framework/{a.code}/surveys/{sid}", status_code=303)
        except InputError as exc:
            errors.append(("survey-questions", str(exc)))
    form = {"title": title, "questions": questions}
    return _surveys_render(on, a, errors, form)


def _survey(ws: Workspace, code: str, survey_id: str) -> dict[str, Any]:
    v = ws.get("survey", survey_id)
    if v is None or v.deleted or v.authority_code != code:
        raise WebError(
            404,
            "not_found",
            f"survey must be a survey of {code}; got {survey_id!r}. See /framework/{code}/surveys.",
        )
    return {"id": survey_id, **v.data, "questions": usable_questions(v.data)}


def survey_view(ws: Workspace, code: str, survey_id: str) -> dict[str, Any]:
    survey = _survey(ws, code, survey_id)
    partners = Partnerships(ws, code)
    summary = partners.survey_summary(survey_id)
    return {"survey": survey, "summary": summary, "note": partners.survey_note(survey_id)}


def _survey_render(
    request: Request,
    session: Session,
    a: Authority,
    survey_id: str,
    errors: list[tuple[str, str]],
    form: dict[str, Any],
) -> Any:
    view = survey_view(workspace(request), a.code, survey_id)
    summary = view["summary"]
    charts = []
    for q in view["survey"]["questions"]:
        if q["kind"] == "text":
            continue
        mine = summary[summary["question"] == q["id"]]
        answers = mine[mine["answer"] != ALL_RESPONSES]
        total = mine[mine["answer"] == ALL_RESPONSES]["count"]
        count = None if total.empty or pd.isna(total.iloc[0]) else int(total.iloc[0])
        caption = f"{q['id']}: {q['text']} ({'-' if count is None else f'{count:,}'} responses)"
        charts.append({"q": q, "chart": survey_chart(records(answers), q["text"], caption)})
    return render(
        request,
        "framework_survey.html",
        {
            **_context(request, session, a),
            "survey": view["survey"],
            "note": view["note"],
            "charts": charts,
            "csv": f"{API}/{a.code}/surveys/{survey_id}/summary?format=csv",
            "errors": errors,
            "form": form,
        },
        status_code=400 if errors else 200,
    )


@router.get(
    "/framework/{code}/surveys/{survey_id}", response_class=HTMLResponse, include_in_schema=False
)
def survey_page(request: Request, st: StoreDep, session: DbDep, code: str, survey_id: str) -> Any:
    _reader(request, session)
    a = _authority(the_register(request, st), code)
    return _survey_render(request, session, a, survey_id, [], {})


@router.post(
    "/framework/{code}/surveys/{survey_id}/responses",
    include_in_schema=False,
    dependencies=[requires("response")],
)
async def survey_response_form(on: OnAuthority, survey_id: str) -> Any:
    form = await on.request.form()
    a, who = on.writing("response", str(form.get("csrf_token") or ""))
    survey = _survey(on.ws, a.code, survey_id)
    answers: dict[str, Any] = {}
    for q in survey["questions"]:
        value = str(form.get(q["id"]) or "").strip()
        if not value:
            continue
        answers[q["id"]] = int(value) if q["kind"] == "scale" and value.isdigit() else value
    first = survey["questions"][0]
    first_field = first["id"] if first["kind"] == "text" else f"{first['id']}-0"
    errors: list[tuple[str, str]] = []
    if not answers:
        errors.append((first_field, "Answer at least one question"))
    else:
        try:
            _call(Partnerships(on.ws, a.code).add_response, who, survey_id, answers)
            return RedirectResponse(f"/framework/{a.code}/surveys/{survey_id}", status_code=303)
        except InputError as exc:
            errors.append((first_field, str(exc)))
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    return _survey_render(on.request, on.session, a, survey_id, errors, values)


@router.get(f"{API}/{{code}}/surveys", tags=["framework"], summary="An authority's surveys")
def api_surveys(on: OnAuthority) -> Any:
    a = on.reading()
    return {"data": _surveys(on.ws, a.code)}


class SurveyIn(BaseModel):
    """A survey: a title and questions ``{"id", "text", "kind", "options"}``."""

    title: str
    questions: list[dict[str, Any]]


@router.post(
    f"{API}/{{code}}/surveys",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("survey")],
)
def api_add_survey(on: OnAuthority, body: SurveyIn, x_csrf_token: str | None = CsrfHeader) -> Any:
    a, who = on.writing("survey", x_csrf_token)
    sid = _call(Partnerships(on.ws, a.code).add_survey, who, body.title, body.questions)
    return {"id": sid}


class ResponseIn(BaseModel):
    """One response: answers by question id."""

    answers: dict[str, Any]


@router.post(
    f"{API}/{{code}}/surveys/{{survey_id}}/responses",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("response")],
)
def api_add_response(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    survey_id: str,
    body: ResponseIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    on = On(request, st, session, code)  # `code` before `survey_id`, as the OpenAPI lists
    a, who = on.writing("response", x_csrf_token)
    _survey(on.ws, a.code, survey_id)
    rid = _call(Partnerships(on.ws, a.code).add_response, who, survey_id, body.answers)
    return {"id": rid}


@router.get(
    f"{API}/{{code}}/surveys/{{survey_id}}/summary",
    tags=["framework"],
    summary="Survey answer counts (disclosure-controlled)",
)
def api_survey_summary(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    survey_id: str,
    format: Format = "json",
) -> Any:
    _reader(request, session)
    a = _authority(the_register(request, st), code)
    view = survey_view(workspace(request), a.code, survey_id)
    if format == "csv":
        return _csv(view["summary"], f"{survey_id}-summary")
    return {"survey": view["survey"], "note": view["note"], "data": _records(view["summary"])}
