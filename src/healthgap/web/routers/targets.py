"""Targets on the web: the list with each target's status (/targets), the form to record
one (/targets/new), to change one (/targets/<id>/edit) and to retire one
(/targets/<id>/retire), and the targets section of the scorecard and profile pages.

Every number and status comes from :class:`healthgap.account.authority_targets.TargetBook`
(the API and the CLI call it too). Forms follow the GOV.UK pattern: an error summary whose
links go to the fields, each field with its own message; a hidden ``version`` field (a
stale one gets 409 with nothing changed); CSRF; the ``target`` permission.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from healthgap.account.authority_targets import FIELDS, TargetFieldErrors
from healthgap.account.target_status import status_counts
from healthgap.appdb.db import release
from healthgap.appdb.permissions import Actor, NotPermittedError, Permission, check
from healthgap.appdb.versions import StaleVersionError
from healthgap.errors import InputError
from healthgap.web import csrf
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    current_user,
    form_version,
    require_user,
    requires,
)
from healthgap.web.errors import WebError
from healthgap.web.forms import field_id
from healthgap.web.render import render
from healthgap.web.target_views import NOTICE, book, may_change, target_rows

router = APIRouter()

#: Targets shown on one page of /targets (the CSV holds them all).
PAGE_SIZE = 100

#: The id of each form field (the error summary links to these).
FIELD_IDS = {f: "target-" + f.replace("_", "-") for f in FIELDS}
#: The fields a form sends (the baseline value is the store's, never typed).
FORM_FIELDS = [f for f in FIELDS if f != "baseline_value"]
#: How long a note may be on a form before the domain sees it (the request size limit
#: holds the rest back).
TEXT_MAX = 2000


def _writer(request: Request, session: Session, authority: str, token: str) -> Actor:
    """The signed-in actor allowed to change ``authority``'s targets (after CSRF)."""
    user = require_user(request, session)
    csrf.check(request, token)
    who = Actor.of(user)
    try:
        check(who, Permission("target"), authority, label="target")
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc
    release(session)  # the write goes through its own transaction
    return who


# ---------------------------------------------------------------------------- the list
@router.get("/targets", response_class=HTMLResponse, include_in_schema=False)
def targets_page(
    request: Request,
    session: DbDep,
    st: StoreDep,
    authority: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Any:
    """Authorities' targets with their status (anonymous visitors see the published ones),
    :data:`PAGE_SIZE` to a page; the status counts and the CSV cover them all."""
    user = current_user(request, session)
    b = book(request)
    code = (authority or "").strip().upper() or None
    everything = b.status(st, code, published_only=user is None)
    notice = request.state.session.pop(NOTICE, None)
    pages = max(1, -(-len(everything) // PAGE_SIZE))
    page = min(page, pages)
    table = everything.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    base = "/targets?" + (f"authority={code}&" if code else "")
    rows = target_rows(table)
    return render(
        request,
        "targets.html",
        {
            "rows": rows,
            "total": len(everything),
            "page": page,
            "pages": pages,
            "first_row": (page - 1) * PAGE_SIZE + 1,
            "previous": f"{base}page={page - 1}" if page > 1 else None,
            "next": f"{base}page={page + 1}" if page < pages else None,
            "authority": code,
            "counts": status_counts(everything["status"]),
            "can_add": user is not None and user.role in ("admin", "editor"),
            "may_change": {r["id"]: may_change(user, r["authority_code"]) for r in rows},
            "notice": notice,
        },
    )


# ---------------------------------------------------------------------------- the form
def _form_input(raw: Any) -> dict[str, Any]:
    form: dict[str, Any] = {f: str(raw.get(f) or "") for f in FORM_FIELDS if f != "published"}
    form["published"] = bool(raw.get("published"))
    return form


def _as_form(t: dict[str, Any]) -> dict[str, Any]:
    form: dict[str, Any] = {f: "" if t.get(f) is None else str(t[f]) for f in FORM_FIELDS}
    form["target_value"] = f"{t['target_value']:g}"
    form["published"] = bool(t.get("published"))
    return form


def _errors(exc: InputError) -> list[tuple[str, str]]:
    if isinstance(exc, TargetFieldErrors):
        return [(FIELD_IDS.get(f, FIELD_IDS["indicator_id"]), _sentence(m)) for f, m in exc.errors]
    return [(field_id(exc, FIELD_IDS, FIELD_IDS["indicator_id"]), _sentence(str(exc)))]


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def _form_page(
    request: Request,
    *,
    form: dict[str, Any],
    errors: list[tuple[str, str]],
    target: dict[str, Any] | None = None,
    version: Any = None,
    status_code: int | None = None,
) -> Any:
    return render(
        request,
        "target_form.html",
        {
            "form": form,
            "errors": errors,
            "t": target,
            "version": version,
            "ids": FIELD_IDS,
        },
        status_code=status_code or (400 if errors else 200),
    )


@router.get("/targets/new", response_class=HTMLResponse, include_in_schema=False)
def new_target_page(request: Request, session: DbDep, authority: str | None = None) -> Any:
    """The form to record a target (editors: their own authority, pre-filled)."""
    user = require_user(request, session)
    if user.role not in ("admin", "editor"):
        raise WebError(
            403,
            "forbidden",
            f"targets must be recorded by an administrator or an authority's editor; got "
            f"{user.role} {user.email}. Ask an administrator for access.",
        )
    code = (authority or user.authority_code or "").strip().upper()
    form = {"authority_code": code, "published": True}
    return _form_page(request, form=form, errors=[])


@router.post(
    "/targets/new",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[requires("target")],
)
async def new_target_form(request: Request, st: StoreDep, session: DbDep) -> Any:
    raw = await request.form()
    form = _form_input(raw)
    code = form["authority_code"].strip().upper()
    who = _writer(request, session, code, str(raw.get("csrf_token") or ""))
    try:
        out = book(request).add(who, st, **form)
    except InputError as exc:
        return _form_page(request, form=form, errors=_errors(exc))
    request.state.session[NOTICE] = {"id": out["id"], "what": "recorded"}
    return RedirectResponse(f"/scorecards/{out['authority_code']}#targets", status_code=303)


def _known(request: Request, target_id: int) -> dict[str, Any]:
    try:
        return book(request).get(target_id)
    except InputError as exc:
        raise WebError(404, "not_found", str(exc)) from exc


@router.get("/targets/{target_id}/edit", response_class=HTMLResponse, include_in_schema=False)
def edit_target_page(request: Request, session: DbDep, target_id: int) -> Any:
    """The form to change a target, pre-filled, carrying the version it was read at."""
    user = require_user(request, session)
    t = _known(request, target_id)
    if not may_change(user, t["authority_code"]):
        raise WebError(
            403,
            "forbidden",
            f"targets of authority {t['authority_code']} must be changed by an administrator "
            f"or that authority's editor; got {user.role} {user.email}.",
        )
    return _form_page(request, form=_as_form(t), errors=[], target=t, version=t["version"])


@router.post(
    "/targets/{target_id}/edit",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[requires("target")],
)
async def edit_target_form(request: Request, st: StoreDep, session: DbDep, target_id: int) -> Any:
    raw = await request.form()
    t = _known(request, target_id)
    who = _writer(request, session, t["authority_code"], str(raw.get("csrf_token") or ""))
    read = form_version(str(raw.get("version") or ""), f"target {target_id}")
    form = _form_input(raw)
    try:
        out = book(request).edit(who, target_id, read, st, **form)
    except StaleVersionError as exc:
        errors = [(FIELD_IDS["target_value"], _sentence(str(exc)))]
        current = _known(request, target_id)
        return _form_page(
            request, form=form, errors=errors, target=current, version=read, status_code=409
        )
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc
    except InputError as exc:
        return _form_page(request, form=form, errors=_errors(exc), target=t, version=read)
    request.state.session[NOTICE] = {"id": out["id"], "what": "changed"}
    return RedirectResponse(f"/scorecards/{out['authority_code']}#targets", status_code=303)


@router.get("/targets/{target_id}/retire", response_class=HTMLResponse, include_in_schema=False)
def retire_target_page(request: Request, session: DbDep, target_id: int) -> Any:
    """Ask before retiring a target."""
    user = require_user(request, session)
    t = _known(request, target_id)
    if not may_change(user, t["authority_code"]):
        raise WebError(
            403,
            "forbidden",
            f"targets of authority {t['authority_code']} must be retired by an administrator "
            f"or that authority's editor; got {user.role} {user.email}.",
        )
    return render(request, "target_retire.html", {"t": t, "errors": []})


@router.post(
    "/targets/{target_id}/retire",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[requires("target")],
)
async def retire_target_form(request: Request, session: DbDep, target_id: int) -> Any:
    raw = await request.form()
    t = _known(request, target_id)
    who = _writer(request, session, t["authority_code"], str(raw.get("csrf_token") or ""))
    read = form_version(str(raw.get("version") or ""), f"target {target_id}")
    try:
        book(request).retire(who, target_id, read)
    except StaleVersionError as exc:
        errors = [("retire-button", _sentence(str(exc)))]
        return render(
            request,
            "target_retire.html",
            {"t": _known(request, target_id), "errors": errors},
            status_code=409,
        )
    except InputError as exc:
        errors = [("retire-button", _sentence(str(exc)))]
        return render(request, "target_retire.html", {"t": t, "errors": errors}, status_code=400)
    request.state.session[NOTICE] = {"id": target_id, "what": "retired"}
    return RedirectResponse(f"/targets?authority={t['authority_code']}", status_code=303)
