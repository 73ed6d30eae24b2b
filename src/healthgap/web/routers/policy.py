"""Policy equity impact in the web service: screenings (/policy) and the simulation
(/policy/simulate), with the same numbers as JSON under /api/v1/policy.

Who may do what: administrators create, answer and sign off any authority's screenings;
an editor only their own authority's. Signed-in users see their own authority's
screenings as they stand (administrators: every authority's); everybody else, including
anonymous visitors, sees only signed-off screenings, as they stood at their last
sign-off. Every write carries the session's CSRF token and writes an audit-log entry.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from healthgap.appdb.db import release
from healthgap.appdb.models import User
from healthgap.appdb.permissions import Actor, NotPermittedError, Permission, allows, check
from healthgap.appdb.versions import StaleVersionError, etag
from healthgap.charts import equity_plane
from healthgap.errors import InputError
from healthgap.policy.questions import QUESTIONS, STAGES, check_answer, question
from healthgap.policy.report import FORMATS, export_screening, screening_json
from healthgap.policy.screening import Screening, ScreeningRepository, authority_code
from healthgap.policy.simulate import Simulation, simulate
from healthgap.policy.spec import (
    PolicyOption,
    Range,
    baseline_from_store,
    regions_from_store,
)
from healthgap.web import csrf
from healthgap.web.cache import ResultCache
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    StoreHandle,
    can_edit,
    current_user,
    form_version,
    if_match,
    require_user,
    requires,
)
from healthgap.web.errors import WebError
from healthgap.web.render import render
from healthgap.web.responses import csv_response, records

router = APIRouter()

MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}
QUESTIONS_BY_STAGE = {s: [q for q in QUESTIONS if q.stage == s] for s in STAGES}

# ------------------------------------------------------------------ screenings: access


def _repo(request: Request) -> ScreeningRepository:
    return ScreeningRepository(request.app.state.engine)


def sees_working(user: User | None, rec: Screening) -> bool:
    """Whether ``user`` sees the record as it stands (not only its signed-off version)."""
    if user is None:
        return False
    return user.role == "admin" or user.authority_code == rec.authority_code


def visible(user: User | None, rec: Screening) -> Screening | None:
    """The version of ``rec`` that ``user`` may read, or ``None``; anonymous readers see
    no staff emails (:meth:`Screening.without_people`)."""
    view = rec if sees_working(user, rec) else rec.published()
    if user is None and view is not None:
        return view.without_people()
    return view


def _not_found(screening_id: Any) -> WebError:
    return WebError(
        404,
        "not_found",
        f"screening must be a record you can see; got no such record with id {screening_id}. "
        "See the list at /policy.",
    )


def _load(request: Request, session: Session, screening_id: int) -> tuple[Screening, Screening]:
    """(the record, the version the user sees), or a 404."""
    found = _repo(request).records(ids=[screening_id])
    if not found:
        raise _not_found(screening_id)
    view = visible(current_user(request, session), found[0])
    if view is None:
        raise _not_found(screening_id)
    return found[0], view


def _for_write(request: Request, session: Session, screening_id: int) -> Screening:
    """The record a write targets: sign-in first (401), then existence (404); the
    caller then checks the authority (403)."""
    require_user(request, session)
    found = _repo(request).records(ids=[screening_id])
    if not found:
        raise _not_found(screening_id)
    return found[0]


def _authorise(request: Request, session: Session, authority: str, token: str | None) -> User:
    """The signed-in user allowed to change ``authority``'s screenings, after the CSRF check."""
    user = require_user(request, session)
    csrf.check(request, token)
    if not can_edit(user, authority):
        raise WebError(
            403,
            "forbidden",
            f"screenings of authority {authority} must be changed by an administrator or "
            f"that authority's editor; got {user.role} {user.email}"
            + (f" of {user.authority_code}" if user.authority_code else "")
            + ". Ask an administrator for access.",
        )
    return user


def _summary(rec: Screening) -> dict[str, Any]:
    last = rec.signoffs[-1] if rec.signoffs else None
    return {
        "id": rec.id,
        "authority_code": rec.authority_code,
        "title": rec.title,
        "status": rec.status,
        "fingerprint": rec.fingerprint,
        "created_at": rec.created_at.isoformat(timespec="seconds"),
        "last_change": rec.history[-1].at.isoformat(timespec="seconds") if rec.history else "",
        "signed_off_at": last.at.isoformat(timespec="seconds") if last else None,
        "example": rec.example,
    }


def listing(request: Request, session: Session) -> list[dict[str, Any]]:
    """Summaries of the screenings the user may see, newest first."""
    user = current_user(request, session)
    out = []
    for rec in reversed(_repo(request).records()):
        view = visible(user, rec)
        if view is not None:
            out.append({**_summary(view), "published_only": view is not rec})
    return out


# ------------------------------------------------------------------ screenings: pages


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


def _signer(request: Request, session: Session, rec: Screening, token: str | None) -> Actor:
    """The signed-in approver (or administrator) of the record's authority, after CSRF."""
    user = require_user(request, session)
    csrf.check(request, token)
    who = Actor.of(user)
    try:
        check(who, Permission("screening", "sign_off"), rec.authority_code)
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc
    return who


def _signed(
    request: Request,
    screening_id: int,
    who: Actor,
    role: str,
    statement: str,
    fingerprint: str | None,
) -> None:
    """Sign off through the domain: refusals of its rules become a 403.

    The sign-off must name the fingerprint of the answers the signer read (428 without
    it): what is approved is what was read, never answers written since (409).
    """
    if not fingerprint or not fingerprint.strip():
        raise WebError(
            428,
            "precondition_required",
            f"a sign-off of screening {screening_id} must name the fingerprint of the "
            "answers you read; got none. Send the `fingerprint` of your last read of "
            f"/api/v1/policy/screenings/{screening_id} (the form carries it). Nothing was "
            "signed.",
        )
    try:
        _repo(request).sign_off(
            screening_id,
            by=who.name,
            role=role,
            statement=statement,
            actor=who,
            expected_fingerprint=fingerprint.strip(),
        )
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc


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


# ------------------------------------------------------------------ screenings: JSON API

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


# ------------------------------------------------------------------ simulation

BASELINE_INDICATOR = "hle_birth_imd2015_decile"
REGIONS_INDICATOR = "hle_birth"
SEX, PERIOD = "Male", "2015-2017"
DECILES = 10
EVEN_NAME = "Same average gain, spread evenly"


@dataclass(frozen=True)
class SimulationForm:
    """The simulation form's fields as text (what the user typed), for re-display."""

    name: str = "Policy option"
    via: str = "indicator"
    effects: tuple[str, ...] = ("",) * DECILES
    spread: str = "50"
    determinant: str = ""
    per_unit_low: str = ""
    per_unit: str = ""
    per_unit_high: str = ""
    compare: bool = True
    draws: str = "2000"
    seed: str = "1"


@dataclass(frozen=True)
class SimulationRequest:
    """Parsed and checked simulation inputs."""

    options: tuple[PolicyOption, ...]
    draws: int
    seed: int


def _float(text: str, field: str, label: str, errors: list[tuple[str, str]]) -> float | None:
    t = text.strip()
    if not t:
        return None
    try:
        x = float(t)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        errors.append((field, f"{label} must be a number, like 0.5; got {t!r}"))
        return None
    return x


def _whole(text: str, field: str, label: str, lo: int, hi: int, errors: list[Any]) -> int:
    t = text.strip()
    if not t.isdigit() or not lo <= int(t) <= hi:
        errors.append((field, f"{label} must be a whole number from {lo:,} to {hi:,}; got {t!r}"))
        return lo
    return int(t)


#: The most draws a simulation may ask for (signed-in users, and the CLI has no limit).
MAX_DRAWS = 20_000
#: The most draws for visitors who are not signed in: a 20,000-draw simulation costs 1-2
#: CPU seconds, so anonymous requests are kept cheaper (and cached; see run_simulation).
ANON_MAX_DRAWS = 5_000
#: How many simulation results each app keeps (least recently used first out).
SIMULATION_CACHE_SIZE = 64


def max_draws(request: Request) -> int:
    """:data:`MAX_DRAWS` for a signed-in user, :data:`ANON_MAX_DRAWS` for anyone else."""
    session = getattr(request.state, "session", {}) or {}
    return MAX_DRAWS if session.get("uid") is not None else ANON_MAX_DRAWS


def parse_simulation(
    form: SimulationForm, most_draws: int = MAX_DRAWS
) -> tuple[SimulationRequest | None, list[tuple[str, str]]]:
    """Check the form; return the request (or ``None``) and a list of (field, message).

    Decile effects are central values (blank = 0); the range of each is central x (1 -
    spread%) to central x (1 + spread%). Via a determinant, the per-unit effect is a
    range low <= central <= high (blank low/high = the central value).
    """
    errors: list[tuple[str, str]] = []
    name = form.name.strip() or "Policy option"
    if name == EVEN_NAME:
        errors.append(("name", f"Option name must differ from {EVEN_NAME!r}"))
    if form.via not in ("indicator", "determinant"):
        errors.append(("via", "Choose whether the effect is on the indicator or a determinant"))
    central = [
        _float(v, f"effect-{i + 1}", f"Effect on decile {i + 1}", errors)
        for i, v in enumerate(form.effects)
    ]
    spread = _float(form.spread, "spread", "Uncertainty", errors)
    if spread is not None and not 0 <= spread <= 100:
        errors.append(("spread", f"Uncertainty must be from 0 to 100 per cent; got {spread:g}"))
    per_unit = Range(1.0, 1.0, 1.0)
    if form.via == "determinant":
        c = _float(form.per_unit, "per_unit", "Effect per unit", errors)
        lo = _float(form.per_unit_low, "per_unit_low", "Lowest effect per unit", errors)
        hi = _float(form.per_unit_high, "per_unit_high", "Highest effect per unit", errors)
        if c is None and not any(f == "per_unit" for f, _ in errors):
            errors.append(
                ("per_unit", "Enter the effect on the indicator per unit of the determinant")
            )
        elif c is not None:
            lo = c if lo is None else lo
            hi = c if hi is None else hi
            if not lo <= c <= hi:
                errors.append(
                    (
                        "per_unit_low",
                        f"Effect per unit range must have lowest <= central <= highest; got "
                        f"{lo:g}, {c:g}, {hi:g}",
                    )
                )
            else:
                per_unit = Range(lo, c, hi)
    values = [0.0 if v is None else v for v in central]
    if not errors and not any(values):
        errors.append(("effect-1", "Enter the expected effect on at least one decile"))
    draws = _whole(form.draws, "draws", "Draws", 100, MAX_DRAWS, errors)
    if most_draws < draws <= MAX_DRAWS:
        errors.append(
            (
                "draws",
                f"Draws must be at most {most_draws:,} when you are not signed in; got "
                f"{draws:,}. Sign in for up to {MAX_DRAWS:,}, or run `healthgap policy "
                "simulate` on your own computer",
            )
        )
    seed = _whole(form.seed, "seed", "Seed", 0, 2**32 - 1, errors)
    if errors:
        return None, errors
    p = (spread or 0.0) / 100.0
    effect = {
        d + 1: Range(v - abs(v) * p, v, v + abs(v) * p) for d, v in enumerate(values) if v != 0
    }
    via: Literal["indicator", "determinant"] = (
        "determinant" if form.via == "determinant" else "indicator"
    )
    options = [
        PolicyOption(name, effect, via=via, per_unit=per_unit, determinant=form.determinant.strip())
    ]
    if form.compare:
        mean = sum(values) / DECILES  # deciles hold equal shares of the population
        options.append(
            PolicyOption(
                EVEN_NAME,
                {"all": Range(mean - abs(mean) * p, mean, mean + abs(mean) * p)},
                via=via,
                per_unit=per_unit,
                determinant=form.determinant.strip(),
            )
        )
    return SimulationRequest(tuple(options), draws, seed), []


def simulation_inputs(store_: Any) -> dict[str, Any]:
    """The real baseline (ONS male HLE by IMD 2015 decile, 2015-2017, with standard
    errors from its 95% limits) and the regions (ONS male HLE by region, with each
    region's population by national IMD 2019 decile), read from the store."""
    return {
        "baseline": baseline_from_store(store_, BASELINE_INDICATOR, sex=SEX, period=PERIOD),
        "regions": regions_from_store(store_, REGIONS_INDICATOR, sex=SEX, period=PERIOD),
    }


def cached_simulation(request: Request, st: StoreHandle, req: SimulationRequest) -> Simulation:
    """:func:`run_simulation`, cached per app by the parsed request (so the page, its two
    CSV downloads and the API share one computation, and a repeated request costs
    nothing; seeded, so a cached result is exactly what a new run would give)."""
    cache: ResultCache | None = getattr(request.app.state, "simulation_cache", None)
    if cache is None:
        cache = request.app.state.simulation_cache = ResultCache(SIMULATION_CACHE_SIZE)
    return cache.get_or_compute(repr(req), lambda: run_simulation(st, req))


def run_simulation(st: StoreHandle, req: SimulationRequest) -> Simulation:
    """:func:`healthgap.policy.simulate` on the store's baseline for the request."""
    inputs = st.compute(simulation_inputs)
    baseline = inputs["baseline"]
    return simulate(
        baseline,
        req.options,
        se="se" if "se" in baseline else None,
        regions=inputs["regions"],
        indicator="male healthy life expectancy at birth (years)",
        draws=req.draws,
        seed=req.seed,
    )


def _form_from(params: Mapping[str, Any]) -> SimulationForm:
    return SimulationForm(
        name=str(params.get("name", "Policy option")),
        via=str(params.get("via", "indicator")),
        effects=tuple(str(params.get(f"effect_{d}", "")) for d in range(1, DECILES + 1)),
        spread=str(params.get("spread", "50")),
        determinant=str(params.get("determinant", "")),
        per_unit_low=str(params.get("per_unit_low", "")),
        per_unit=str(params.get("per_unit", "")),
        per_unit_high=str(params.get("per_unit_high", "")),
        compare=str(params.get("compare", "")) == "yes",
        draws=str(params.get("draws", "2000")),
        seed=str(params.get("seed", "1")),
    )


@router.get("/policy/simulate", response_class=HTMLResponse, include_in_schema=False)
def policy_simulate(request: Request, st: StoreDep) -> Any:
    params = request.query_params
    submitted = "run" in params
    form = _form_from(params) if submitted else SimulationForm()
    ctx: dict[str, Any] = {
        "f": form,
        "errors": [],
        "sim": None,
        "deciles": DECILES,
        "baseline_se": "se" in st.compute(simulation_inputs)["baseline"],
    }
    if not submitted:
        return render(request, "policy_simulate.html", ctx)
    req, errors = parse_simulation(form, max_draws(request))
    if req is None:
        ctx.update(errors=errors, error_for=dict(errors))
        return render(request, "policy_simulate.html", ctx, status_code=400)
    sim = cached_simulation(request, st, req)
    query = str(request.url.query)
    ctx.update(
        sim=sim,
        summary=sim.summary.to_dict("records"),
        plane=sim.plane.to_dict("records"),
        decile_rows=_decile_rows(sim),
        chart_spec=equity_plane(
            sim.plane,
            title="Equity-impact plane",
            x_title="Change in mean (years)",
            y_title="Equity: minus the change in SII (years; up = narrower gap)",
        ).spec,
        csv=f"/api/v1/policy/simulate?{query}&format=csv&table=plane",
        csv_summary=f"/api/v1/policy/simulate?{query}&format=csv&table=summary",
        error_for={},
    )
    return render(request, "policy_simulate.html", ctx)


def _decile_rows(sim: Simulation) -> list[dict[str, Any]]:
    d = sim.deciles
    return records(d[d.option == sim.options[0].name])


@router.get("/api/v1/policy/simulate", summary="Simulate a policy's effect on the HLE gap")
def api_simulate(
    request: Request,
    st: StoreDep,
    format: Literal["json", "csv"] = Query("json", description="json or csv."),
    table: Literal["summary", "plane", "deciles"] = Query(
        "summary", description="With format=csv: which table."
    ),
) -> Any:
    """The same parameters as the /policy/simulate form (name, via, effect_1..effect_10,
    spread, determinant, per_unit_low, per_unit, per_unit_high, compare=yes, draws,
    seed)."""
    req, errors = parse_simulation(_form_from(request.query_params), max_draws(request))
    if req is None:
        message = errors[0][1]
        raise WebError(
            400,
            "invalid_input",
            f"{message}.",
            [{"location": ["query", f], "message": m} for f, m in errors],
        )
    sim = cached_simulation(request, st, req)
    if format == "csv":
        frame = {"summary": sim.summary, "plane": sim.plane, "deciles": sim.deciles}[table]
        return csv_response(frame, f"policy-simulation-{table}")
    return {
        "indicator": sim.indicator,
        "draws": sim.draws,
        "seed": sim.seed,
        "confidence": sim.confidence,
        "verdicts": dict(sim.verdicts),
        "notes": list(sim.notes),
        "references": list(sim.references),
        "summary": records(sim.summary),
        "plane": records(sim.plane),
        "deciles": records(sim.deciles),
    }
