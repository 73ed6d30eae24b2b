"""Saved places on the web (/places): the list for everyone; new and edit forms for
administrators and editors.

Every write goes through :mod:`healthgap.geography.places` (which checks the codes against
the store, the version and who may change the place, and writes the audit log); the
forms carry the session's CSRF token, and the edit form the version it was based on.
A place's Core20PLUS5 figures are at ``/core20plus5/place:NAME``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from healthgap.appdb.models import SavedPlace, User
from healthgap.errors import InputError
from healthgap.geography import places as gp
from healthgap.web import csrf
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    StoreHandle,
    current_user,
    require_user,
    requires,
)
from healthgap.web.errors import WebError
from healthgap.web.forms import field_errors
from healthgap.web.render import render

router = APIRouter()


def may_change(user: User | None, place: SavedPlace | None) -> bool:
    """Whether ``user`` may change ``place`` (``None``: may save a new place)."""
    if user is None or user.role not in ("admin", "editor"):
        return False
    if user.role == "admin" or place is None:
        return True
    return place.authority_code is not None and user.authority_code == place.authority_code


def _editor(request: Request, session: Session, place: SavedPlace | None = None) -> User:
    """The signed-in user who may make this change (401 anonymous, 403 others)."""
    user = require_user(request, session)
    if not may_change(user, place):
        raise WebError(
            403,
            "forbidden",
            "saved places must be changed by an administrator or an editor of their "
            f"authority; got {user.role} {user.email}. Ask an administrator.",
        )
    return user


def _place(session: Session, place_id: int) -> SavedPlace:
    place = session.get(SavedPlace, place_id)
    if place is None:
        raise WebError(
            404,
            "not_found",
            f"place must be the id of a saved place; got {place_id}. See /places for them.",
        )
    return place


#: The place form's inputs, by the domain field they hold (unknown codes: the areas).
PLACE_FIELDS = {"name": "name", "level": "level", "areas": "areas"}


def core20_url(name: str) -> str:
    return "/core20plus5/" + quote(f"{gp.PREFIX}{name}", safe=":")


@router.get("/places", response_class=HTMLResponse, include_in_schema=False)
def places_list(request: Request, session: DbDep) -> Any:
    user = current_user(request, session)
    rows = [
        {
            "id": p.id,
            "name": p.name,
            "level": p.level,
            "count": len(p.areas),
            "authority": p.authority_code or "",
            "version": p.version,
            "core20": core20_url(p.name),
        }
        for p in gp.list_places(session)
    ]
    return render(
        request, "places.html", {"rows": rows, "can_create": may_change(user, None), "user": user}
    )


def _form(request: Request, place: SavedPlace | None, **extra: Any) -> HTMLResponse:
    ctx: dict[str, Any] = {
        "errors": [],
        "place": place,
        "name": place.name if place else "",
        "level": place.level if place else "lsoa",
        "areas": "\n".join(place.areas) if place else "",
        "description": place.description if place else "",
        "version": place.version if place else 0,
        "max_areas": gp.MAX_AREAS,
        **extra,
    }
    status = ctx.pop("status", 400 if ctx["errors"] else 200)
    return render(request, "place_form.html", ctx, status_code=status)


@router.get("/places/new", response_class=HTMLResponse, include_in_schema=False)
def place_new_form(request: Request, session: DbDep) -> Any:
    _editor(request, session)
    return _form(request, None)


def _create_sync(request: Request, st: StoreHandle, form: Mapping[str, str]) -> Response:
    with request.app.state.sessions() as session:
        user = _editor(request, session)
        csrf.check(request, form.get("csrf_token"))
        fields = {k: form.get(k, "") for k in ("name", "level", "areas", "description")}
        try:
            place = st.run(
                lambda s: gp.save_place(
                    session,
                    user,
                    fields["name"],
                    fields["areas"],
                    s,
                    level=fields["level"] or "lsoa",
                    description=fields["description"],
                )
            )
        except InputError as exc:
            session.rollback()
            errors = field_errors(exc, PLACE_FIELDS, default="areas")
            return _form(request, None, errors=errors, **fields)
        return RedirectResponse(f"/places/{place.id}", status_code=303)


@router.post("/places/new", include_in_schema=False, dependencies=[requires("place")])
async def place_create(request: Request, st: StoreDep) -> Response:
    form = await request.form()
    data = {k: str(v) for k, v in form.items()}
    return await run_in_threadpool(_create_sync, request, st, data)


@router.get("/places/{place_id:int}", response_class=HTMLResponse, include_in_schema=False)
def place_detail(request: Request, session: DbDep, place_id: int) -> Any:
    place = _place(session, place_id)
    user = current_user(request, session)
    return render(
        request,
        "place.html",
        {
            "place": place,
            "codes": list(place.areas),
            "can_change": may_change(user, place),
            "core20": core20_url(place.name),
        },
    )


@router.get("/places/{place_id:int}/edit", response_class=HTMLResponse, include_in_schema=False)
def place_edit_form(request: Request, session: DbDep, place_id: int) -> Any:
    place = _place(session, place_id)
    _editor(request, session, place)
    return _form(request, place)


def _update_sync(
    request: Request, st: StoreHandle, place_id: int, form: Mapping[str, str]
) -> Response:
    with request.app.state.sessions() as session:
        place = _place(session, place_id)
        user = _editor(request, session, place)
        csrf.check(request, form.get("csrf_token"))
        areas, level = form.get("areas", ""), form.get("level", "") or place.level
        try:
            version = int(form.get("version", ""))
        except ValueError:
            return _form(
                request,
                place,
                areas=areas,
                level=level,
                errors=[("areas", "The form must carry the place's version; reload the page.")],
            )
        name = place.name
        try:
            st.run(
                lambda s: gp.update_place(
                    session, user, name, areas, s, version=version, level=level
                )
            )
        except gp.PlaceConflictError as exc:
            session.rollback()
            fresh = _place(session, place_id)
            return _form(
                request, fresh, areas=areas, level=level, errors=[("areas", str(exc))], status=409
            )
        except InputError as exc:
            session.rollback()
            return _form(
                request,
                _place(session, place_id),
                areas=areas,
                level=level,
                version=version,
                errors=field_errors(exc, PLACE_FIELDS, default="areas"),
            )
        return RedirectResponse(f"/places/{place_id}", status_code=303)


@router.post(
    "/places/{place_id:int}/edit", include_in_schema=False, dependencies=[requires("place")]
)
async def place_update(request: Request, st: StoreDep, place_id: int) -> Response:
    form = await request.form()
    data = {k: str(v) for k, v in form.items()}
    return await run_in_threadpool(_update_sync, request, st, place_id, data)
