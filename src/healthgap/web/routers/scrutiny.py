"""Scrutiny on the record on the web: ``/scrutiny`` (every published question, its answer
or its due date, overdue items first), the public question form (throttled per client,
CSRF token, a honeypot field, moderated before it is published), the moderation queue,
committee questions and answers for the authority's editors, a page per question and per
target, and the API under ``/api/v1/questions``.

Nothing personal is shown: the public are never asked who they are, and who recorded,
moderated or answered a question is not published.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from healthgap.appdb.models import Target
from healthgap.appdb.versions import etag
from healthgap.decisions import scrutiny
from healthgap.errors import InputError
from healthgap.safe_csv import csv_text
from healthgap.web import csrf
from healthgap.web.deps import DbDep, current_user, if_match, requires
from healthgap.web.errors import WebError
from healthgap.web.render import render
from healthgap.web.routers._loop import (
    actor,
    call,
    form_errors,
    may,
    not_found,
    version_field,
    viewer,
)

router = APIRouter()
Format = Literal["json", "csv"]
QuestionId = Path(ge=1, le=2**31 - 1, description="The question's id.")
TargetId = Path(ge=1, le=2**31 - 1, description="The target's id.")
CsrfHeader = Header(None, alias="X-CSRF-Token")
AuthorityQ = Query("", max_length=16, description="An authority code, e.g. E47000001.")
ASK_FIELDS = ("authority_code", "subject_kind", "subject_ref", "question")
COMMITTEE_FIELDS = ("asked_by", "subject_kind", "subject_ref", "question", "asked_on", "due_on")
#: The honeypot: a field people never see or fill; a form that fills it is dropped.
HONEYPOT = "website"
THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many questions from this client; try again later"}
}


def _engine(request: Request) -> Any:
    return request.app.state.engine


def client_key(request: Request) -> str:
    """A salted hash of the client's address (the address itself is never stored)."""
    host = request.client.host if request.client else "unknown"
    secret = request.app.state.settings.secret_key
    return hashlib.sha256(f"{secret}|{host}".encode()).hexdigest()[:32]


def _authority(value: str) -> str | None:
    if not value.strip():
        return None
    try:
        return scrutiny.f.authority(value)
    except InputError as exc:
        raise WebError(400, "invalid_input", str(exc)) from None


def _question(request: Request, question_id: int, session: Session) -> Any:
    """A question visible to this request: published, or the user may moderate it."""
    try:
        q = scrutiny.get(_engine(request), question_id)
    except InputError:
        raise not_found("question", question_id, "/scrutiny") from None
    if q.status in (scrutiny.OPEN, scrutiny.ANSWERED):
        return q
    if may(current_user(request, session), "question", "moderate", q.authority_code):
        return q
    raise not_found("question", question_id, "/scrutiny")


def _throttled(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except scrutiny.TooManyQuestions as exc:
        raise WebError(429, "too_many_requests", str(exc)) from None


# ------------------------------------------------------------------------------ pages
@router.get("/scrutiny", response_class=HTMLResponse, include_in_schema=False)
def scrutiny_page(
    request: Request,
    session: DbDep,
    authority: str = AuthorityQ,
    subject_kind: str = Query("", max_length=20),
    subject_ref: str = Query("", max_length=100),
) -> Any:
    code = _authority(authority)
    user = viewer(request, session)
    subject = (subject_kind, subject_ref) if subject_kind and subject_ref else None
    questions = scrutiny.public(_engine(request), code, subject=subject)
    suffix = f"?authority={code}" if code else ""
    return render(
        request,
        "scrutiny.html",
        {
            "questions": [q for q in questions if not q["overdue"]],
            "overdue": [q for q in questions if q["overdue"]],
            "authority": code or "",
            "subject": subject,
            "staff": may(user, "question", "moderate", None),
            "csv": "/api/v1/questions?format=csv" + (f"&authority={code}" if code else ""),
            "json": "/api/v1/questions" + suffix,
        },
    )


def _ask_context(values: Mapping[str, str], errors: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "values": {k: values.get(k, "") for k in ASK_FIELDS},
        "errors": errors,
        "subjects": scrutiny.SUBJECTS,
        "limit": scrutiny.QUESTION_CHARS,
        "honeypot": HONEYPOT,
    }


@router.get("/scrutiny/ask", response_class=HTMLResponse, include_in_schema=False)
def ask_form(
    request: Request,
    authority: str = AuthorityQ,
    subject_kind: str = Query("", max_length=20),
    subject_ref: str = Query("", max_length=100),
) -> Any:
    values = {"authority_code": authority, "subject_kind": subject_kind, "subject_ref": subject_ref}
    return render(request, "scrutiny_ask.html", _ask_context(values, []))


def _ask_sync(request: Request, form: Mapping[str, str]) -> Any:
    csrf.check(request, form.get("csrf_token"))
    if form.get(HONEYPOT, "").strip():
        # a robot filled the field people cannot see: answer as if accepted, keep nothing
        return RedirectResponse("/scrutiny/ask/sent", status_code=303)
    fields = {k: form.get(k, "") for k in ASK_FIELDS}
    try:
        _, errors, status = form_errors(
            scrutiny.ask_public,
            _engine(request),
            fields["authority_code"],
            fields,
            client_key=client_key(request),
            fallback="question",
        )
    except scrutiny.TooManyQuestions as exc:
        errors, status = [("question", str(exc))], 429
    if errors:
        field = "authority_code" if errors[0][0] == "authority_code" else errors[0][0]
        ctx = _ask_context(fields, [(field, errors[0][1])])
        return render(request, "scrutiny_ask.html", ctx, status_code=status)
    return RedirectResponse("/scrutiny/ask/sent", status_code=303)


@router.post("/scrutiny/ask", include_in_schema=False, dependencies=[requires("question", "ask")])
async def ask_submit(request: Request) -> Any:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_ask_sync, request, form)


@router.get("/scrutiny/ask/sent", response_class=HTMLResponse, include_in_schema=False)
def ask_sent(request: Request) -> Any:
    return render(request, "scrutiny_sent.html", {})


@router.get("/scrutiny/moderation", response_class=HTMLResponse, include_in_schema=False)
def moderation_page(request: Request, session: DbDep) -> Any:
    user = viewer(request, session)
    if not may(user, "question", "moderate", None):
        raise WebError(
            403 if user else 401,
            "forbidden" if user else "unauthenticated",
            "questions must be moderated by an administrator or an editor; sign "
            "in with such an account.",
        )
    from healthgap.appdb.permissions import Actor

    assert user is not None
    queue = scrutiny.queue(_engine(request), Actor.of(user))
    return render(request, "scrutiny_moderation.html", {"queue": queue, "errors": []})


def _moderate_sync(request: Request, question_id: int, form: Mapping[str, str]) -> Any:
    with request.app.state.sessions() as session:
        who = actor(request, session, form.get("csrf_token"))
    fields = {k: form.get(k, "") for k in ("outcome", "note", "due_on")}

    def save() -> Any:
        return scrutiny.moderate(
            _engine(request), who, question_id, version_field(form.get("version")), fields
        )

    _, errors, status = form_errors(save, fallback="outcome")
    if errors:
        queue = scrutiny.queue(_engine(request), who)
        errors = [(f"{errors[0][0]}-{question_id}", errors[0][1])]
        return render(
            request,
            "scrutiny_moderation.html",
            {"queue": queue, "errors": errors},
            status_code=status,
        )
    return RedirectResponse("/scrutiny/moderation", status_code=303)


@router.post(
    "/scrutiny/questions/{question_id:int}/moderate",
    include_in_schema=False,
    dependencies=[requires("question", "moderate")],
)
async def moderate_submit(request: Request, question_id: int) -> Any:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_moderate_sync, request, question_id, form)


def _committee_context(
    values: Mapping[str, str], errors: list[tuple[str, str]], authority: str
) -> dict[str, Any]:
    return {
        "values": {k: values.get(k, "") for k in COMMITTEE_FIELDS},
        "authority": authority,
        "errors": errors,
        "committees": scrutiny.COMMITTEES,
        "subjects": scrutiny.SUBJECTS,
    }


@router.get("/scrutiny/committee", response_class=HTMLResponse, include_in_schema=False)
def committee_form(request: Request, session: DbDep) -> Any:
    user = viewer(request, session)
    if not may(user, "question", "change", None):
        raise WebError(
            403 if user else 401,
            "forbidden" if user else "unauthenticated",
            "committee questions must be recorded by an administrator or an "
            "editor; sign in with such an account.",
        )
    assert user is not None
    ctx = _committee_context({}, [], user.authority_code or "")
    return render(request, "scrutiny_committee.html", ctx)


def _committee_sync(request: Request, form: Mapping[str, str]) -> Any:
    with request.app.state.sessions() as session:
        who = actor(request, session, form.get("csrf_token"))
    code = form.get("authority_code", "") or who.authority_code or ""
    fields = {k: form.get(k, "") for k in COMMITTEE_FIELDS}
    out, errors, status = form_errors(
        scrutiny.record_committee, _engine(request), who, code, fields, fallback="question"
    )
    if errors:
        ctx = _committee_context(fields, errors, code)
        return render(request, "scrutiny_committee.html", ctx, status_code=status)
    return RedirectResponse(f"/scrutiny/questions/{out['id']}", status_code=303)


@router.post("/scrutiny/committee", include_in_schema=False, dependencies=[requires("question")])
async def committee_submit(request: Request) -> Any:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_committee_sync, request, form)


def _question_page(
    request: Request,
    session: Session,
    q: Any,
    errors: list[tuple[str, str]],
    answer: str = "",
    status: int = 200,
) -> Any:
    user = viewer(request, session)
    return render(
        request,
        "scrutiny_question.html",
        {
            "q": scrutiny.to_dict(q),
            "version": q.version,
            "can_answer": q.status == scrutiny.OPEN
            and may(user, "question", "answer", q.authority_code),
            "errors": errors,
            "answer": answer,
            "subject_href": _subject_href(q.subject_kind, q.subject_ref),
        },
        status_code=status,
    )


def _subject_href(kind: str, ref: str) -> str | None:
    return {
        "target": f"/targets/{ref}",
        "decision": f"/decisions/{ref}",
        "indicator": f"/scrutiny?subject_kind=indicator&subject_ref={ref}",
    }.get(kind)


@router.get(
    "/scrutiny/questions/{question_id:int}",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def question_page(request: Request, session: DbDep, question_id: int) -> Any:
    return _question_page(request, session, _question(request, question_id, session), [])


def _answer_sync(request: Request, question_id: int, form: Mapping[str, str]) -> Any:
    with request.app.state.sessions() as session:
        who = actor(request, session, form.get("csrf_token"))
    fields = {k: form.get(k, "") for k in ("answer", "answered_on")}

    def save() -> Any:
        return scrutiny.answer(
            _engine(request), who, question_id, version_field(form.get("version")), fields
        )

    _, errors, status = form_errors(save, fallback="answer")
    if errors:
        with request.app.state.sessions() as session:
            q = _question(request, question_id, session)
            return _question_page(request, session, q, errors, fields["answer"], status)
    return RedirectResponse(f"/scrutiny/questions/{question_id}", status_code=303)


@router.post(
    "/scrutiny/questions/{question_id:int}/answer",
    include_in_schema=False,
    dependencies=[requires("question", "answer")],
)
async def answer_submit(request: Request, question_id: int) -> Any:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_answer_sync, request, question_id, form)


@router.get("/targets/{target_id:int}", response_class=HTMLResponse, include_in_schema=False)
def target_page(request: Request, session: DbDep, target_id: int) -> Any:
    t = session.get(Target, target_id)
    if t is None or (current_user(request, session) is None and not t.published):
        raise not_found("target", target_id, "/targets")
    questions = scrutiny.public(
        _engine(request), t.authority_code, subject=("target", str(target_id))
    )
    return render(request, "target.html", {"t": t, "questions": questions})


# ------------------------------------------------------------------------------- API
class PublicQuestionIn(BaseModel):
    """A question from the public (nothing personal: no name, no email)."""

    authority_code: str = Field(min_length=2, max_length=16)
    subject_kind: Literal["target", "indicator", "decision", "annual report"]
    subject_ref: str = Field("", max_length=100)
    question: str = Field(min_length=1, max_length=scrutiny.QUESTION_CHARS)


class CommitteeQuestionIn(PublicQuestionIn):
    """A committee's question, put on the record by the authority's staff."""

    asked_by: Literal[
        "overview and scrutiny committee",
        "health and wellbeing board",
        "integrated care partnership",
    ]
    asked_on: str = Field("", max_length=10, description="YYYY-MM-DD; default today")
    due_on: str = Field("", max_length=10, description="YYYY-MM-DD; default 28 days on")


class ModerationIn(BaseModel):
    outcome: Literal["publish", "refuse"]
    note: str = Field("", max_length=scrutiny.QUESTION_CHARS)
    due_on: str = Field("", max_length=10)


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=scrutiny.ANSWER_CHARS)
    answered_on: str = Field("", max_length=10)


def _csv(rows: list[dict[str, Any]], name: str) -> Response:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=[*scrutiny.COLUMNS, "overdue", "version"])
    frame = frame[scrutiny.COLUMNS]
    return Response(
        csv_text(frame),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/api/v1/questions", summary="Every published question and answer", tags=["api"])
def api_questions(
    request: Request,
    authority: str = AuthorityQ,
    subject_kind: str = Query("", max_length=20),
    subject_ref: str = Query("", max_length=100),
    format: Format = "json",
) -> Any:
    code = _authority(authority)
    subject = (subject_kind, subject_ref) if subject_kind else None
    rows = scrutiny.public(_engine(request), code, subject=subject)
    if format == "csv":
        return _csv(rows, "questions")
    return {"authority": code, "data": rows}


@router.get(
    "/api/v1/questions/overdue",
    summary="Published questions past their due date",
    tags=["api"],
)
def api_overdue(request: Request, format: Format = "json") -> Any:
    rows = scrutiny.overdue(_engine(request))
    if format == "csv":
        return _csv(rows, "overdue-questions")
    return {"data": rows}


@router.get(
    "/api/v1/questions/{question_id}",
    summary="One question (its ETag is its version)",
    tags=["api"],
    responses={404: {"description": "No such published question"}},
)
def api_question(
    request: Request,
    response: Response,
    session: DbDep,
    question_id: Annotated[int, QuestionId],
) -> Any:
    q = _question(request, question_id, session)
    response.headers["ETag"] = etag(q.version)
    return scrutiny.to_dict(q)


@router.post(
    "/api/v1/questions",
    status_code=202,
    tags=["api"],
    responses=THROTTLED,
    summary="Ask a question as a member of the public (published after moderation)",
    dependencies=[requires("question", "ask")],
)
def api_ask(request: Request, body: PublicQuestionIn, x_csrf_token: str | None = CsrfHeader) -> Any:
    csrf.check(request, x_csrf_token)
    out = _throttled(
        scrutiny.ask_public,
        _engine(request),
        body.authority_code,
        body.model_dump(),
        client_key=client_key(request),
    )
    return {"id": out["id"], "status": out["status"]}


@router.post(
    "/api/v1/questions/committee",
    status_code=201,
    tags=["api"],
    summary="Record a committee's question (the authority's editor)",
    dependencies=[requires("question")],
)
def api_committee(
    request: Request,
    response: Response,
    session: DbDep,
    body: CommitteeQuestionIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    who = actor(request, session, x_csrf_token)
    out = call(
        scrutiny.record_committee, _engine(request), who, body.authority_code, body.model_dump()
    )
    response.headers["ETag"] = etag(out["version"])
    return out


def _change_question(
    request: Request,
    response: Response,
    session: Session,
    question_id: int,
    x_csrf_token: str | None,
    change: Callable[..., dict[str, Any]],
    body: BaseModel,
) -> dict[str, Any]:
    """Moderate or answer a question through the API: it must exist (404), the version
    read comes in If-Match (428 without, 409 when stale), the new ETag goes out."""
    _question(request, question_id, session)
    who = actor(request, session, x_csrf_token)
    read = if_match(request, f"question {question_id}")
    out = call(change, _engine(request), who, question_id, read, body.model_dump())
    response.headers["ETag"] = etag(out["version"])
    return out


@router.put(
    "/api/v1/questions/{question_id}/moderation",
    tags=["api"],
    summary="Publish or refuse a public question (If-Match: the ETag read)",
    dependencies=[requires("question", "moderate")],
)
def api_moderate(
    request: Request,
    response: Response,
    session: DbDep,
    question_id: Annotated[int, QuestionId],
    body: ModerationIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    change = scrutiny.moderate
    return _change_question(request, response, session, question_id, x_csrf_token, change, body)


@router.put(
    "/api/v1/questions/{question_id}/answer",
    tags=["api"],
    summary="Answer an open question (If-Match: the ETag read)",
    dependencies=[requires("question", "answer")],
)
def api_answer(
    request: Request,
    response: Response,
    session: DbDep,
    question_id: Annotated[int, QuestionId],
    body: AnswerIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    change = scrutiny.answer
    return _change_question(request, response, session, question_id, x_csrf_token, change, body)
