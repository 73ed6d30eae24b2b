"""The screenings as JSON under /api/v1/policy: questions, list, create, answer and sign off
(versioned with ETag and If-Match)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from healthgap.appdb.db import release
from healthgap.appdb.versions import etag
from healthgap.policy.questions import QUESTIONS
from healthgap.policy.report import screening_json
from healthgap.policy.screening import Screening, authority_code
from healthgap.web.deps import DbDep, if_match, requires
from healthgap.web.routers.policy.shared import (
    _authorise,
    _for_write,
    _load,
    _repo,
    _signed,
    _signer,
    listing,
)

router = APIRouter()

CsrfHeader = Header(None, alias="X-CSRF-Token")


class ScreeningIn(BaseModel):
    """A screening to start."""

    title: str = Field(min_length=1, max_length=300)
    authority_code: str = Field(min_length=1, max_length=16)


class AnswerIn(BaseModel):
    """An answer: text, one choice, or a list of choices for multiple-choice questions."""

    question_id: str = Field(min_length=1, max_length=60)
    value: str | list[str]


class SignOffIn(BaseModel):
    """A sign-off of the current answers."""

    role: str = Field(min_length=1, max_length=200)
    statement: str = Field("", max_length=4000)
    fingerprint: str | None = Field(
        None,
        max_length=64,
        description="The fingerprint of the answers read (required: 428 without it); if "
        "they changed since: 409.",
    )


def _record_json(rec: Screening) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(screening_json(rec))
    body["version"] = rec.version
    return body


def _versioned(rec: Screening, status_code: int = 200) -> JSONResponse:
    """The record as JSON with its version as the ``ETag`` (send it back as ``If-Match``)."""
    return JSONResponse(
        _record_json(rec), status_code=status_code, headers={"ETag": etag(rec.version)}
    )


@router.get("/api/v1/policy/questions", summary="The screening questions by stage")
def api_questions() -> Any:
    return {
        "data": [
            {
                "id": q.id,
                "stage": q.stage,
                "text": q.text,
                "kind": q.kind,
                "choices": list(q.choices),
                "required": q.required,
            }
            for q in QUESTIONS
        ]
    }


@router.get("/api/v1/policy/screenings", summary="Screenings you may see")
def api_list(request: Request, session: DbDep) -> Any:
    rows = listing(request, session)
    return {"data": rows, "meta": {"total": len(rows)}}


@router.post(
    "/api/v1/policy/screenings",
    status_code=201,
    summary="Start a screening",
    dependencies=[requires("screening")],
)
def api_create(
    request: Request,
    session: DbDep,
    body: ScreeningIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    code = authority_code(body.authority_code)
    user = _authorise(request, session, code, x_csrf_token)
    repo = _repo(request)
    sid = repo.create(body.title, authority=code, by=user.email)
    return _record_json(repo.get(sid))


@router.get("/api/v1/policy/screenings/{screening_id}", summary="One screening")
def api_get(request: Request, session: DbDep, screening_id: int) -> Any:
    _, view = _load(request, session, screening_id)
    return _versioned(view)


@router.post(
    "/api/v1/policy/screenings/{screening_id}/answers",
    status_code=201,
    summary="Answer a question (If-Match: the screening's ETag read; 409 when it changed since)",
    dependencies=[requires("screening")],
)
def api_answer(
    request: Request,
    session: DbDep,
    screening_id: int,
    body: AnswerIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    rec = _for_write(request, session, screening_id)
    user = _authorise(request, session, rec.authority_code, x_csrf_token)
    read = if_match(request, f"screening {screening_id}")
    release(session)
    repo = _repo(request)
    repo.answer(screening_id, body.question_id, body.value, by=user.email, expected_version=read)
    return _versioned(repo.get(screening_id), status_code=201)


@router.post(
    "/api/v1/policy/screenings/{screening_id}/sign-off",
    status_code=201,
    summary="Sign off the current answers",
    dependencies=[requires("screening", "sign_off")],
)
def api_sign_off(
    request: Request,
    session: DbDep,
    screening_id: int,
    body: SignOffIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    rec = _for_write(request, session, screening_id)
    who = _signer(request, session, rec, x_csrf_token)
    release(session)
    _signed(request, screening_id, who, body.role, body.statement, body.fingerprint)
    return _record_json(_repo(request).get(screening_id))
