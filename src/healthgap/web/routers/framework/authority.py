"""One authority in the register: its page and JSON."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from healthgap.errors import InputError
from healthgap.framework.commitments import Commitments
from healthgap.framework.library import Library
from healthgap.framework.partners import (
    PARTNER_TYPES,
    Partnerships,
)
from healthgap.framework.partners import suggested_partners as _suggested
from healthgap.framework.powers import (
    COMPETENCES,
    Authority,
    Register,
)
from healthgap.framework.storage import Workspace
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    StoreHandle,
    current_user,
)
from healthgap.web.render import render
from healthgap.web.routers.framework.shared import (
    API,
    _authority,
    _context,
    _records,
    _stamp,
    the_register,
    workspace,
)

router = APIRouter()


# ---------------------------------------------------------------------------- authority
def authority_view(request: Request, st: StoreHandle, code: str, signed_in: bool) -> Any:
    reg = the_register(request, st)
    a = _authority(reg, code)
    ws = workspace(request)
    out: dict[str, Any] = {"reg": reg, "a": a}
    out["power_history"] = {p.id: ws.history("power", p.id) for p in a.powers}
    out["also_tried"], out["also_tried_note"] = also_tried(st, ws, a.code)
    if signed_in:
        out["partners"] = Partnerships(ws, a.code).partners()
        out["suggested"] = _suggested(a)
        joint = Commitments(ws, a)
        out["commitments"] = joint.table()
    return out


def _suggest_for(st: Any, ws: Workspace, code: str, stamp: int) -> pd.DataFrame:
    return Library(ws).suggest(code, st)


def also_tried(st: StoreHandle, ws: Workspace, code: str) -> tuple[pd.DataFrame | None, str]:
    """ "Authorities like yours also tried" for one authority: the suggestions (``None``
    when the library is empty or the authority has no member councils in the store) and
    a sentence saying why there are none."""
    if not len(Library(ws).cases()):
        return None, "The library holds no case studies yet."
    try:
        return st.compute(_suggest_for, ws, code, _stamp(ws)), ""
    except InputError:
        return None, (
            "Suggestions need the authority's member councils, which no source in the "
            "open-data mirror lists yet."
        )


def _source(reg: Register, key: str | None) -> dict[str, str] | None:
    return None if key is None else reg.sources.get(key, {"title": key, "publisher": "", "url": ""})


@router.get("/framework/{code}", response_class=HTMLResponse, include_in_schema=False)
def authority_page(request: Request, st: StoreDep, session: DbDep, code: str) -> Any:
    user = current_user(request, session)
    view = authority_view(request, st, code, user is not None)
    a = view["a"]
    return _authority_render(request, session, view, a, [], {})


def _authority_render(
    request: Request,
    session: Session,
    view: dict[str, Any],
    a: Authority,
    errors: list[tuple[str, str]],
    form: dict[str, Any],
    status: int = 200,
) -> Any:
    reg = view["reg"]
    ctx = _context(request, session, a)
    return render(
        request,
        "framework_authority.html",
        {
            **ctx,
            "reg": reg,
            "source": lambda k: _source(reg, k),
            "members": a.members.to_dict("records"),
            "icbs": a.icbs.to_dict("records"),
            "power_history": view["power_history"],
            "partners": None if "partners" not in view else view["partners"].to_dict("records"),
            "suggested": None if "suggested" not in view else view["suggested"].to_dict("records"),
            "commitments": None
            if "commitments" not in view
            else view["commitments"].to_dict("records"),
            "also_tried": None
            if view["also_tried"] is None
            else view["also_tried"].to_dict("records"),
            "also_tried_note": view["also_tried_note"],
            "partner_types": PARTNER_TYPES,
            "competences": COMPETENCES,
            "errors": errors,
            "form": form,
            "is_admin": ctx["user"] is not None and ctx["user"].role == "admin",
        },
        status_code=status,
    )


@router.get(f"{API}/{{code}}", tags=["framework"], summary="One authority in the register")
def api_authority(request: Request, st: StoreDep, session: DbDep, code: str) -> Any:
    user = current_user(request, session)
    view = authority_view(request, st, code, user is not None)
    a: Authority = view["a"]
    body: dict[str, Any] = {
        "data": a.to_dict(),
        "sources": {
            k: view["reg"].sources[k]
            for k in {a.tier_source, a.name_source, *(p.source for p in a.powers)}
            if k in view["reg"].sources
        },
    }
    body["also_tried"] = None if view["also_tried"] is None else _records(view["also_tried"])
    if user is not None:
        body["partners"] = _records(view["partners"])
        body["suggested_partners"] = _records(view["suggested"])
        body["commitments"] = _records(view["commitments"])
    for p in body["data"]["powers"]:  # the version to send back as If-Match when correcting
        history = view["power_history"].get(p["id"]) or []
        p["version"] = history[-1].version if history else 0
    body["data"]["members"] = _records(a.members)
    body["data"]["partner_icbs"] = _records(a.icbs)
    return body
