"""Screening pages under /policy: the list, a new screening, answers, sign-off and export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from healthgap.appdb.db import release
from healthgap.appdb.models import User
from healthgap.appdb.permissions import Actor, Permission, allows
from healthgap.appdb.versions import StaleVersionError
from healthgap.errors import InputError
from healthgap.policy.questions import QUESTIONS, STAGES, check_answer, question
from healthgap.policy.report import FORMATS, export_screening
from healthgap.policy.screening import authority_code
from healthgap.web import csrf
from healthgap.web.deps import DbDep, can_edit, current_user, form_version, require_user, requires
from healthgap.web.errors import WebError
from healthgap.web.render import render
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

MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}


QUESTIONS_BY_STAGE = {s: [q for q in QUESTIONS if q.stage == s] for s in STAGES}


@router.get("/policy", response_class=HTMLResponse, include_in_schema=False)
def policy_list(request: Request, session: DbDep) -> Any:
    user = current_user(request, session)
    return render(
        request,
        "policy.html",
        {
            "rows": listing(request, session),
            "can_create": user is not None and user.role in ("admin", "editor"),
            "user": user,
        },
    )


def _new_form(request: Request, user: User, **extra: Any) -> HTMLResponse:
    ctx = {
        "errors": [],
        "title": "",
        "authority": user.authority_code or "",
        "fixed_authority": user.role != "admin",
        **extra,
    }
    return render(request, "policy_new.html", ctx, status_code=400 if ctx["errors"] else 200)


def _starter(request: Request, session: Session) -> User:
    """The signed-in administrator or editor (401 anonymous, 403 others)."""
    user = require_user(request, session)
    if user.role not in ("admin", "editor") or (user.role == "editor" and not user.authority_code):
        raise WebError(
            403,
            "forbidden",
            f"screenings must be started by an administrator or an authority's editor; got "
            f"{user.role} {user.email}. Ask an administrator for access.",
        )
    return user


@router.get("/policy/new", response_class=HTMLResponse, include_in_schema=False)
def policy_new_form(request: Request, session: DbDep) -> Any:
    return _new_form(request, _starter(request, session))


def _create_sync(request: Request, form: Mapping[str, str]) -> Response:
    with request.app.state.sessions() as session:
        user = _starter(request, session)
        title = form.get("title", "").strip()
        raw_authority = (
            form.get("authority", "") if user.role == "admin" else user.authority_code or ""
        )
        errors: list[tuple[str, str]] = []
        code = ""
        try:
            code = authority_code(raw_authority)
        except InputError as exc:
            errors.append(("authority", str(exc)))
        if code:
            _authorise(request, session, code, form.get("csrf_token"))
        else:
            csrf.check(request, form.get("csrf_token"))
        if not title:
            errors.insert(0, ("title", "Enter the name of the policy or decision"))
        elif len(title) > 300:
            errors.insert(0, ("title", "The name must be 300 characters or fewer"))
        if errors:
            return _new_form(request, user, errors=errors, title=title, authority=raw_authority)
        sid = _repo(request).create(title, authority=code, by=user.email)
    return RedirectResponse(f"/policy/{sid}", status_code=303)


@router.post("/policy/new", include_in_schema=False, dependencies=[requires("screening")])
async def policy_create(request: Request) -> Response:
    form = await request.form()
    data = {k: str(v) for k, v in form.items()}
    return await run_in_threadpool(_create_sync, request, data)


def _detail(
    request: Request,
    session: Session,
    screening_id: int,
    errors: list[tuple[str, str]] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rec, view = _load(request, session, screening_id)
    user = current_user(request, session)
    editable = can_edit(user, rec.authority_code)
    can_sign = user is not None and allows(
        Actor.of(user), Permission("screening", "sign_off"), rec.authority_code
    )
    shown = dict(view.answers)
    shown.update(values or {})
    return render(
        request,
        "policy_screening.html",
        {
            "r": view,
            "published_only": view is not rec,
            "editable": editable,
            "can_sign": can_sign,
            "stages": STAGES,
            "by_stage": QUESTIONS_BY_STAGE,
            "values": shown,
            "errors": errors or [],
            "error_for": dict(errors or []),
            "exports": FORMATS,
        },
        status_code=status_code,
    )


@router.get("/policy/{screening_id:int}", response_class=HTMLResponse, include_in_schema=False)
def policy_detail(request: Request, session: DbDep, screening_id: int) -> Any:
    return _detail(request, session, screening_id)


def _answers_sync(request: Request, screening_id: int, form: dict[str, list[str]]) -> Response:
    with request.app.state.sessions() as session:
        rec = _for_write(request, session, screening_id)
        token = (form.get("csrf_token") or [""])[0]
        user = _authorise(request, session, rec.authority_code, token)
        stage = (form.get("stage") or [""])[0]
        if stage not in STAGES:
            raise WebError(
                400,
                "invalid_input",
                f"stage must be one of {', '.join(STAGES)}; got {stage!r}. Use the forms on "
                f"/policy/{screening_id}.",
            )
        changes: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        values: dict[str, Any] = {}
        for q in QUESTIONS_BY_STAGE[stage]:
            given = [v for v in form.get(q.id, []) if v.strip()]
            if not given:
                continue
            raw: str | list[str] = given if q.kind == "multi" else given[0]
            values[q.id] = raw
            try:
                value = check_answer(q, raw)
            except InputError as exc:
                errors.append((f"q-{q.id}", str(exc)))
                continue
            if value != rec.answers.get(q.id):
                changes[q.id] = value
        if not errors and not changes:
            first = QUESTIONS_BY_STAGE[stage][0].id
            errors.append(
                (f"q-{first}", f"Change at least one answer in the {stage} stage before saving")
            )
        read = form_version((form.get("version") or [""])[0], f"screening {screening_id}")
        if errors:
            return _detail(request, session, screening_id, errors, values, status_code=400)
        release(session)
        try:
            _repo(request).answer_all(screening_id, changes, by=user.email, expected_version=read)
        except StaleVersionError as exc:
            # someone answered since this form was read: nothing stored; the form comes
            # back with the answers typed and the current version, to check and resave
            first = f"q-{next(iter(changes))}"
            return _detail(request, session, screening_id, [(first, str(exc))], values, 409)
    return RedirectResponse(f"/policy/{screening_id}#stage-{stage}", status_code=303)


@router.post(
    "/policy/{screening_id:int}/answers",
    include_in_schema=False,
    dependencies=[requires("screening")],
)
async def policy_answers(request: Request, screening_id: int) -> Response:
    form = await request.form()
    data: dict[str, list[str]] = {}
    for k, v in form.multi_items():
        data.setdefault(k, []).append(str(v))
    return await run_in_threadpool(_answers_sync, request, screening_id, data)


def _sign_off_sync(request: Request, screening_id: int, form: Mapping[str, str]) -> Response:
    with request.app.state.sessions() as session:
        rec = _for_write(request, session, screening_id)
        user = _signer(request, session, rec, form.get("csrf_token"))
        role = form.get("signoff_role", "").strip()
        statement = form.get("signoff_statement", "").strip()
        errors: list[tuple[str, str]] = []
        if not role:
            errors.append(
                ("signoff_role", "Enter your role, for example Director of Public Health")
            )
        elif rec.missing:
            errors.append(
                (
                    f"q-{rec.missing[0]}",
                    f"Answer every required question before sign-off: {len(rec.missing)} "
                    f"unanswered, first {question(rec.missing[0]).text!r}",
                )
            )
        if errors:
            return _detail(
                request,
                session,
                screening_id,
                errors,
                {"signoff_role": role, "signoff_statement": statement},
                status_code=400,
            )
        release(session)
        _signed(request, screening_id, user, role, statement, form.get("fingerprint"))
    return RedirectResponse(f"/policy/{screening_id}#sign-off", status_code=303)


@router.post(
    "/policy/{screening_id:int}/sign-off",
    include_in_schema=False,
    dependencies=[requires("screening", "sign_off")],
)
async def policy_sign_off(request: Request, screening_id: int) -> Response:
    form = await request.form()
    data = {k: str(v) for k, v in form.items()}
    return await run_in_threadpool(_sign_off_sync, request, screening_id, data)


@router.get("/policy/{screening_id:int}/export.{fmt}", include_in_schema=False)
def policy_export(request: Request, session: DbDep, screening_id: int, fmt: str) -> Response:
    _, view = _load(request, session, screening_id)
    if fmt not in FORMATS:
        raise WebError(
            404,
            "not_found",
            f"export format must be one of {', '.join(FORMATS)}; got {fmt!r}. "
            f"Use /policy/{screening_id}/export.md.",
        )
    name = f"screening-{view.id}.{fmt}"
    return Response(
        export_screening(view, fmt),
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
