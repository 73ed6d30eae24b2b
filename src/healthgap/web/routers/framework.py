"""The devolution framework workspace: register, self-assessment, action plans, library,
partners and surveys, as pages and as JSON under ``/api/v1/framework``.

Every page and endpoint calls :mod:`healthgap.framework` (the same functions as the CLI).
The workspace lives in the app database (Alembic revision ``0004_framework``) and every
change writes an audit-log entry. Who may do what:

* anonymous visitors read the public register (``/framework``, an authority's powers,
  members, partner ICBs and sources) and the case-study library;
* signed-in viewers also read enquiries, action plans, partners and surveys;
* an editor changes only their own authority's records; administrators change any
  authority's records and the register itself (every change kept as a version).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Form, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from healthgap.appdb.db import release
from healthgap.appdb.models import User
from healthgap.appdb.versions import StaleVersionError, etag, parse
from healthgap.errors import InputError
from healthgap.framework import actions as fw_actions
from healthgap.framework import enquiry as fw_enquiry
from healthgap.framework.actions import ActionPlan
from healthgap.framework.commitments import STATUSES as COMMITMENT_STATUSES
from healthgap.framework.commitments import Commitments
from healthgap.framework.enquiry import CATEGORIES, STAGES, Enquiry, prompts
from healthgap.framework.export import FORMATS, export
from healthgap.framework.library import Library
from healthgap.framework.partners import (
    PARTNER_TYPES,
    Partnerships,
    parse_questions,
    usable_questions,
)
from healthgap.framework.partners import suggested_partners as _suggested
from healthgap.framework.powers import (
    COMPETENCES,
    LEVERS,
    TIERS,
    Authority,
    PowersRepository,
    Register,
    register,
)
from healthgap.framework.storage import Actor, NotPermittedError, Workspace, check_permission
from healthgap.geography.names import indicator_names
from healthgap.web import csrf
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    StoreHandle,
    current_user,
    form_version,
    if_match,
    require_user,
    requires,
)
from healthgap.web.errors import WebError
from healthgap.web.render import render
from healthgap.web.workspace import workspace
from healthgap.web.workspace import workspace_stamp as _stamp

CsrfHeader = Header(None, alias="X-CSRF-Token")
Format = Literal["json", "csv"]

router = APIRouter()
API = "/api/v1/framework"

STAGE_LABELS = {
    "discover": "Discover: what already works",
    "dream": "Dream: what could be",
    "design": "Design: levers and partners",
    "deliver": "Deliver: actions and measures",
}
CATEGORY_LABELS = {
    "asset": "Asset (something that already works or exists)",
    "opportunity": "Opportunity",
    "lever": "Lever (a power, budget, decision or contract the authority can use)",
    "partner": "Partner (who needs to be involved)",
}
CATEGORY_HINT = "Select whether this is an asset, an opportunity, a lever or a partner"


# ---------------------------------------------------------------------------- helpers
def _register_for(st: Any, ws: Workspace, stamp: tuple[int, ...]) -> Register:
    return register(st, ws)


def the_register(request: Request, st: StoreHandle) -> Register:
    """The register, recomputed when an administrator records a power."""
    ws = workspace(request)
    stamp = tuple(v.version for v in ws.current("power"))
    reg: Register = st.compute(_register_for, ws, (len(stamp), sum(stamp)))
    return reg


def _authority(reg: Register, code: str) -> Authority:
    try:
        return reg.get(code)
    except InputError as exc:
        raise WebError(404, "not_found", str(exc)) from exc


def _actor(user: User) -> Actor:
    return Actor(user.email, user.role, user.authority_code)  # type: ignore[arg-type]


def _reader(request: Request, session: Session) -> User:
    """A signed-in user (viewers and up read the workspace); 401 otherwise."""
    return require_user(request, session)


def _writer(request: Request, session: Session, kind: str, code: str, token: str | None) -> Actor:
    """The signed-in actor allowed to change ``kind`` records of ``code`` (after CSRF)."""
    user = require_user(request, session)
    csrf.check(request, token)
    who = _permitted(user, kind, code)
    release(session)  # the write goes through its own transaction
    return who


def _permitted(user: User, kind: str, code: str) -> Actor:
    """``user`` as the actor allowed to change ``kind`` records of ``code``, else a 403."""
    who = _actor(user)
    try:
        check_permission(who, kind, code)
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc
    return who


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the domain; a permission refusal becomes a 403 (input errors stay 400)."""
    try:
        return fn(*args, **kwargs)
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    from healthgap.web.responses import records

    return records(df)


def _csv(df: pd.DataFrame, name: str) -> Response:
    from healthgap.web.responses import csv_response

    return csv_response(df, name)


def plain_bar_spec(rows: list[dict[str, Any]], x: str, y: str, title: str, y_title: str) -> str:
    """A Vega-Lite bar chart (no intervals: survey counts are not estimates)."""
    from healthgap.web.charts import column_spec

    return column_spec(rows, x, y, title, "Answer", y_title)


def _context(request: Request, session: Session, a: Authority) -> dict[str, Any]:
    user = current_user(request, session)
    return {
        "a": a,
        "user": user,
        "can_edit": user is not None
        and (user.role == "admin" or (user.role == "editor" and user.authority_code == a.code)),
    }


# ---------------------------------------------------------------------------- register
def register_view(
    reg: Register, tier: str | None = None, competence: str | None = None
) -> dict[str, Any]:
    """The register table and comparison matrix, filtered by tier and area of competence."""
    if tier and tier not in (*TIERS, "none"):
        raise InputError(
            f"tier must be one of {', '.join(TIERS)} or none; got {tier!r}. E.g. 'mayoral'."
        )
    if competence and competence not in COMPETENCES:
        raise InputError(
            f"competence must be one of {', '.join(COMPETENCES)}; got {competence!r}. "
            "E.g. 'health'."
        )
    chosen = [a for a in reg if not tier or (a.tier == tier if tier != "none" else a.tier is None)]
    table = reg.table()
    table = table[table["code"].isin([a.code for a in chosen])].reset_index(drop=True)
    matrix = reg.compare([a.code for a in chosen]) if chosen else pd.DataFrame()
    columns = [competence] if competence else [*COMPETENCES, "budgets"]
    return {"table": table, "matrix": matrix, "columns": columns, "chosen": chosen}


@router.get("/framework", response_class=HTMLResponse, include_in_schema=False)
def framework_page(request: Request, st: StoreDep, tier: str = "", competence: str = "") -> Any:
    reg = the_register(request, st)
    view = register_view(reg, tier or None, competence or None)
    rows = [
        {"code": a.code, "label": reg.label(a), "cells": view["matrix"].loc[reg.label(a)]}
        for a in view["chosen"]
    ]
    codes = [a.code for a in view["chosen"]]
    levers = reg.compare(codes, by="lever") if codes else pd.DataFrame()
    lever_rows = [
        {"code": a.code, "label": reg.label(a), "cells": levers.loc[reg.label(a)]}
        for a in view["chosen"]
    ]
    return render(
        request,
        "framework.html",
        {
            "reg": reg,
            "rows": rows,
            "lever_rows": lever_rows,
            "lever_labels": LEVERS,
            "former": reg.former,
            "table": view["table"].to_dict("records"),
            "columns": view["columns"],
            "labels": {**COMPETENCES, "budgets": "Budgets and settlements"},
            "tiers": TIERS,
            "tier": tier,
            "competence": competence,
            "competences": COMPETENCES,
        },
    )


@router.get(API, tags=["framework"], summary="The powers register and comparison matrix")
def api_register(
    request: Request,
    st: StoreDep,
    tier: str | None = None,
    competence: str | None = None,
    format: Format = "json",
) -> Any:
    reg = the_register(request, st)
    view = register_view(reg, tier, competence)
    if format == "csv":
        return _csv(view["table"], "framework-register")
    matrix = view["matrix"].reset_index()
    return {
        "data": _records(view["table"]),
        "matrix": _records(matrix[["authority", "tier", *view["columns"]]]) if len(matrix) else [],
        "sources": reg.sources,
        "meta": {"total": len(view["table"]), "tier": tier, "competence": competence},
    }


# ---------------------------------------------------------------------------- library
def library_view(
    request: Request, st: StoreHandle, q: str, authority: str, like: bool = False
) -> dict[str, Any]:
    from healthgap.network.library import authorities_like, shared

    lib = Library(workspace(request))
    results = lib.search(q) if q.strip() else lib.cases()
    suggestions = None
    among: set[str] | None = None
    like_names: list[str] = []
    if authority:
        reg = the_register(request, st)
        code = _authority(reg, authority).code
        suggestions = st.compute(_suggest, lib, code, _stamp(workspace(request)))
        if like:
            near = st.run(lambda s: authorities_like(s, code))
            among = set(near["area_code"])
            like_names = [str(n) for n in near["area_name"]]
    return {
        "results": results,
        "suggestions": suggestions,
        "shared": shared(request.app.state.engine, q, among=among),
        "like_names": like_names,
    }


def _suggest(st: Any, lib: Library, code: str, stamp: int) -> pd.DataFrame:
    return lib.suggest(code, st)


@router.get("/framework/library", response_class=HTMLResponse, include_in_schema=False)
def library_page(
    request: Request,
    st: StoreDep,
    session: DbDep,
    q: str = "",
    authority: str = "",
    like: str = "",
) -> Any:
    from healthgap.network.library import shared

    reg = the_register(request, st)
    user = current_user(request, session)
    errors: list[tuple[str, str]] = []
    try:
        view = library_view(request, st, q, authority, like == "1")
    except InputError as exc:
        errors.append(("q", str(exc)))
        view = {
            "results": Library(workspace(request)).cases().iloc[0:0],
            "suggestions": None,
            "shared": shared(request.app.state.engine).iloc[0:0],
            "like_names": [],
        }
    return render(
        request,
        "framework_library.html",
        {
            "q": q,
            "authority": authority,
            "reg": reg,
            "can_add": _can_add_cases(user),
            "can_edit_case": lambda code: (
                user is not None
                and (
                    user.role == "admin" or (user.role == "editor" and code == user.authority_code)
                )
            ),
            "results": view["results"].to_dict("records"),
            "suggestions": None
            if view["suggestions"] is None
            else view["suggestions"].to_dict("records"),
            "errors": errors,
            "like": like == "1",
            "shared": view["shared"].to_dict("records"),
            "like_names": view["like_names"],
        },
        status_code=400 if errors else 200,
    )


@router.get(f"{API}/library", tags=["framework"], summary="Case studies: search, suggestions")
def api_library(
    request: Request,
    st: StoreDep,
    q: str = "",
    authority: str = "",
    format: Format = "json",
    like: bool = False,
) -> Any:
    view = library_view(request, st, q, authority, like)
    if format == "csv":
        return _csv(view["results"], "framework-library")
    return {
        "data": _records(view["results"]),
        "suggestions": None if view["suggestions"] is None else _records(view["suggestions"]),
        # case studies other deployments share (healthgap.network), with their origin
        "shared": _records(view["shared"]),
    }


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


@router.post(
    "/framework/{code}/partners", include_in_schema=False, dependencies=[requires("partner")]
)
def add_partner_form(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    name: str = Form(""),
    type: str = Form(""),
    role: str = Form(""),
    csrf_token: str = Form(""),
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "partner", a.code, csrf_token)
    errors = []
    if not name.strip():
        errors.append(("partner-name", "Enter the partner's name"))
    if type not in PARTNER_TYPES:
        errors.append(("partner-type", "Select the type of partner"))
    if not errors:
        _call(Partnerships(workspace(request), a.code).add_partner, who, name, type, role)
        return RedirectResponse(f"/framework/{a.code}#partners", status_code=303)
    view = authority_view(request, st, a.code, True)
    form = {"name": name, "type": type, "role": role}
    return _authority_render(request, session, view, a, errors, form, 400)


class PartnerIn(BaseModel):
    """A partner organisation of an authority."""

    name: str
    type: str
    role: str = ""


@router.post(
    f"{API}/{{code}}/partners",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("partner")],
)
def api_add_partner(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    body: PartnerIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "partner", a.code, x_csrf_token)
    pid = _call(
        Partnerships(workspace(request), a.code).add_partner, who, body.name, body.type, body.role
    )
    return {"id": pid}


def _lines(value: str) -> list[str]:
    return [x.strip() for x in value.replace("\n", ",").split(",") if x.strip()]


@router.post(
    "/framework/{code}/powers",
    include_in_schema=False,
    dependencies=[requires("power")],
)
def record_power_form(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    power_id: str = Form(""),
    text: str = Form(""),
    competences: Annotated[list[str] | None, Form()] = None,
    kind: str = Form("power"),
    status: str = Form("in force"),
    source: str = Form(""),
    as_of: str = Form(""),
    version: str = Form(""),
    csrf_token: str = Form(""),
) -> Any:
    reg = the_register(request, st)
    a = _authority(reg, code)
    who = _writer(request, session, "power", "", csrf_token)
    powers = PowersRepository(workspace(request))
    errors = []
    if not power_id.strip():
        errors.append(("power-id", "Enter a short id for the power, like gm-housing-fund"))
    if not text.strip():
        errors.append(("power-text", "Enter what the power, duty or budget is"))
    if not source.strip():
        errors.append(("power-source", "Enter the source: a title or URL"))
    if not as_of.strip():
        errors.append(("power-as-of", "Enter the date the source is as of, like 2026-02-19"))
    # a new id (or a published power corrected for the first time) is version 0; a
    # correction of one recorded here must carry the version read (the hidden field)
    read = parse(version, f"power {power_id.strip()}")
    current = powers.version(power_id.strip()) if power_id.strip() else 0
    status_code = 400
    if not errors and read is None and current:
        errors.append(
            (
                "power-id",
                f"Power {power_id.strip()} has been recorded already (now version {current}): "
                "check it in the table above, then save again to record a new version of it",
            )
        )
        status_code = 409
    if not errors:
        try:
            _call(
                powers.record,
                who,
                power_id.strip(),
                text=text,
                applies_to=[a.code],
                competences=competences or [],
                source=source,
                as_of=as_of,
                kind=kind,
                status=status,
                expected_version=0 if read is None else read,
            )
            return RedirectResponse(f"/framework/{a.code}#powers", status_code=303)
        except StaleVersionError as exc:
            errors.append(("power-id", str(exc)))
            status_code = 409
        except InputError as exc:
            errors.append(("power-id", str(exc)))
    view = authority_view(request, st, a.code, True)
    form = {"power_id": power_id, "text": text, "source": source, "as_of": as_of}
    if status_code == 409:  # the form now carries the version shown: saving again replaces it
        form["version"] = str(powers.version(power_id.strip()))
    else:
        form["version"] = version
    return _authority_render(request, session, view, a, errors, form, status_code)


class PowerIn(BaseModel):
    """A power, duty, role or budget to add to (or correct in) the register."""

    id: str
    text: str
    applies_to: list[str] | str
    competences: list[str] = Field(default_factory=list)
    source: str
    as_of: str
    kind: str = "power"
    status: str = "in force"
    verified: bool = True


@router.post(
    f"{API}/powers",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("power")],
    # correcting a power already recorded is an update: it must name the version read
    responses={
        409: {"description": "Changed by someone else since read (stale If-Match)"},
        428: {"description": "If-Match missing for a power already recorded"},
    },
)
def api_record_power(
    request: Request,
    response: Response,
    session: DbDep,
    body: PowerIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    who = _writer(request, session, "power", "", x_csrf_token)
    powers = PowersRepository(workspace(request))
    # a new id adds a power; correcting one recorded here needs the version read
    read = 0 if not powers.version(body.id) else if_match(request, f"power {body.id}")
    version = _call(
        powers.record,
        who,
        body.id,
        text=body.text,
        applies_to=body.applies_to,
        competences=body.competences,
        source=body.source,
        as_of=body.as_of,
        kind=body.kind,
        status=body.status,
        verified=body.verified,
        expected_version=read,
    )
    response.headers["ETag"] = etag(version)
    return {"id": body.id, "version": version}


# ---------------------------------------------------------------------------- enquiry
def _stage_prompts(competence: str | None, stage: str) -> list[Any]:
    """The general prompts of ``stage``, then those of the chosen area of competence."""
    if competence:
        return prompts(stage, competence)
    return [p for p in prompts(stage) if p.competence is None]


def _check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise WebError(
            404,
            "not_found",
            f"stage must be one of {', '.join(STAGES)}; got {stage!r}. Start at discover.",
        )
    return stage


def _competence_or_none(competence: str) -> str | None:
    if not competence:
        return None
    if competence not in COMPETENCES:
        raise InputError(
            f"competence must be one of {', '.join(COMPETENCES)}; got {competence!r}. "
            "E.g. 'health'."
        )
    return competence


@router.get("/framework/{code}/enquiry", response_class=HTMLResponse, include_in_schema=False)
def enquiry_page(
    request: Request, st: StoreDep, session: DbDep, code: str, competence: str = ""
) -> Any:
    _reader(request, session)
    a = _authority(the_register(request, st), code)
    comp = _competence_or_none(competence)
    notes = Enquiry(workspace(request), a.code).notes()
    counts = notes.groupby("stage").size().to_dict() if len(notes) else {}
    return render(
        request,
        "framework_enquiry.html",
        {
            **_context(request, session, a),
            "stages": [(s, STAGE_LABELS[s], int(counts.get(s, 0))) for s in STAGES],
            "competences": COMPETENCES,
            "competence": comp or "",
            "purposes": {s: fw_enquiry._seed()["stages"][s]["purpose"] for s in STAGES},
        },
    )


def _stage_render(
    request: Request,
    session: Session,
    a: Authority,
    stage: str,
    competence: str,
    errors: list[tuple[str, str]],
    form: dict[str, str],
    status: int = 200,
) -> Any:
    notes = Enquiry(workspace(request), a.code).notes()
    here = notes[notes["stage"] == stage] if len(notes) else notes
    i = STAGES.index(stage)
    return render(
        request,
        "framework_enquiry_stage.html",
        {
            **_context(request, session, a),
            "stage": stage,
            "stage_label": STAGE_LABELS[stage],
            "step": i + 1,
            "next_stage": STAGES[i + 1] if i + 1 < len(STAGES) else None,
            "purpose": fw_enquiry._seed()["stages"][stage]["purpose"],
            "prompts": _stage_prompts(competence, stage),
            "competence": competence,
            "competence_label": COMPETENCES.get(competence, ""),
            "categories": CATEGORY_LABELS,
            "notes": here.to_dict("records"),
            "prompt_text": {p.id: p.text for p in prompts(stage)},
            "errors": errors,
            "form": form,
        },
        status_code=status,
    )


@router.get("/framework/{code}/enquiry/check", response_class=HTMLResponse, include_in_schema=False)
def enquiry_check_page(
    request: Request, st: StoreDep, session: DbDep, code: str, competence: str = ""
) -> Any:
    _reader(request, session)
    a = _authority(the_register(request, st), code)
    notes = Enquiry(workspace(request), a.code).notes()
    text = {p.id: p.text for p in prompts()}
    by_stage = [
        (s, STAGE_LABELS[s], notes[notes["stage"] == s].to_dict("records") if len(notes) else [])
        for s in STAGES
    ]
    return render(
        request,
        "framework_enquiry_check.html",
        {
            **_context(request, session, a),
            "by_stage": by_stage,
            "prompt_text": text,
            "categories": CATEGORY_LABELS,
            "competence": _competence_or_none(competence) or "",
            "total": len(notes),
        },
    )


@router.get(
    "/framework/{code}/enquiry/result", response_class=HTMLResponse, include_in_schema=False
)
def enquiry_result_page(request: Request, st: StoreDep, session: DbDep, code: str) -> Any:
    _reader(request, session)
    reg = the_register(request, st)
    a = _authority(reg, code)
    enq = Enquiry(workspace(request), a.code)
    levers = enq.lever_map(reg)
    used = {v.data.get("lever") for v in workspace(request).current("action", a.code)}
    drafts = [{**d, "in_plan": d["lever"] in used} for d in enq.draft_plan()]
    return render(
        request,
        "framework_enquiry_result.html",
        {
            **_context(request, session, a),
            "levers": levers.to_dict("records"),
            "drafts": drafts,
            "competences": COMPETENCES,
            "new_drafts": sum(not d["in_plan"] for d in drafts),
        },
    )


@router.post(
    "/framework/{code}/enquiry/result",
    include_in_schema=False,
    dependencies=[requires("action")],
)
def enquiry_to_plan(
    request: Request, st: StoreDep, session: DbDep, code: str, csrf_token: str = Form("")
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "action", a.code, csrf_token)
    add_drafts(workspace(request), who, a.code)
    return RedirectResponse(f"/framework/{a.code}/actions", status_code=303)


def add_drafts(ws: Workspace, who: Actor, code: str) -> list[str]:
    """Add each draft action of the enquiry whose lever is not yet in the plan."""
    plan = ActionPlan(ws, code)
    used = {v.data.get("lever") for v in ws.current("action", code)}
    added = []
    for d in Enquiry(ws, code).draft_plan():
        if d["lever"] in used:
            continue
        added.append(
            _call(
                plan.add,
                who,
                title=d["title"],
                lever=d["lever"],
                competence=d["competence"],
                partners=d["partners"],
                status="draft",
            )
        )
    return added


@router.get(
    "/framework/{code}/enquiry/notes/{note_id}",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def enquiry_note_page(
    request: Request, st: StoreDep, session: DbDep, code: str, note_id: str
) -> Any:
    _reader(request, session)
    a = _authority(the_register(request, st), code)
    note = _note(workspace(request), a.code, note_id)
    return _note_render(request, session, a, note_id, note, [], note)


def _note(ws: Workspace, code: str, note_id: str) -> dict[str, Any]:
    v = ws.get("enquiry", note_id)
    if v is None or v.deleted or v.authority_code != code:
        raise WebError(
            404,
            "not_found",
            f"note must be an enquiry note of {code}; got {note_id!r}. "
            f"See /framework/{code}/enquiry/check.",
        )
    return v.data


def _note_render(
    request: Request,
    session: Session,
    a: Authority,
    note_id: str,
    note: dict[str, Any],
    errors: list[tuple[str, str]],
    form: dict[str, Any],
    status_code: int | None = None,
) -> Any:
    current = workspace(request).get("enquiry", note_id)
    return render(
        request,
        "framework_enquiry_note.html",
        {
            **_context(request, session, a),
            "note_id": note_id,
            # the version this form is based on: as first read, kept through corrections
            "version": form.get("version") or (current.version if current else ""),
            "prompt": fw_enquiry.prompt(note["prompt"]),
            "categories": CATEGORY_LABELS,
            "errors": errors,
            "form": form,
        },
        status_code=status_code or (400 if errors else 200),
    )


@router.post(
    "/framework/{code}/enquiry/notes/{note_id}",
    include_in_schema=False,
    dependencies=[requires("enquiry")],
)
def enquiry_note_change(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    note_id: str,
    category: str = Form(""),
    text: str = Form(""),
    version: str = Form(""),
    csrf_token: str = Form(""),
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "enquiry", a.code, csrf_token)
    note = _note(workspace(request), a.code, note_id)
    read = form_version(version, f"note {note_id}")
    form = {"category": category, "text": text, "version": str(read)}
    errors = _note_errors(category, text)
    if errors:
        return _note_render(request, session, a, note_id, note, errors, form)
    try:
        Enquiry(workspace(request), a.code).answer(
            who, note["prompt"], category, text, note_id=note_id, expected_version=read
        )
    except StaleVersionError as exc:
        return _note_render(request, session, a, note_id, note, [("text", str(exc))], form, 409)
    return RedirectResponse(f"/framework/{a.code}/enquiry/check", status_code=303)


def _note_errors(category: str, text: str) -> list[tuple[str, str]]:
    errors = []
    if category not in CATEGORIES:
        errors.append(("category", CATEGORY_HINT))
    if not text.strip():
        errors.append(("text", "Enter your answer"))
    return errors


@router.get(
    "/framework/{code}/enquiry/{stage}", response_class=HTMLResponse, include_in_schema=False
)
def enquiry_stage_page(
    request: Request, st: StoreDep, session: DbDep, code: str, stage: str, competence: str = ""
) -> Any:
    _reader(request, session)
    a = _authority(the_register(request, st), code)
    comp = _competence_or_none(competence) or ""
    return _stage_render(request, session, a, _check_stage(stage), comp, [], {})


@router.post(
    "/framework/{code}/enquiry/{stage}",
    include_in_schema=False,
    dependencies=[requires("enquiry")],
)
def enquiry_stage_answer(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    stage: str,
    prompt: str = Form(""),
    category: str = Form(""),
    text: str = Form(""),
    competence: str = Form(""),
    action: str = Form("save"),
    csrf_token: str = Form(""),
) -> Any:
    a = _authority(the_register(request, st), code)
    _check_stage(stage)
    who = _writer(request, session, "enquiry", a.code, csrf_token)
    comp = _competence_or_none(competence) or ""
    valid = {p.id for p in _stage_prompts(comp, stage)}
    errors = []
    if prompt not in valid:
        errors.append(("prompt-0", "Select the question you are answering"))
    errors += _note_errors(category, text)
    if errors:
        form = {"prompt": prompt, "category": category, "text": text}
        return _stage_render(request, session, a, stage, comp, errors, form, 400)
    Enquiry(workspace(request), a.code).answer(who, prompt, category, text)
    i = STAGES.index(stage)
    query = f"?competence={comp}" if comp else ""
    if action == "continue":
        target = (
            f"/framework/{a.code}/enquiry/{STAGES[i + 1]}"
            if i + 1 < len(STAGES)
            else f"/framework/{a.code}/enquiry/check"
        )
        return RedirectResponse(target + query, status_code=303)
    return RedirectResponse(f"/framework/{a.code}/enquiry/{stage}{query}", status_code=303)


@router.get(f"{API}/{{code}}/enquiry", tags=["framework"], summary="Enquiry notes, lever map")
def api_enquiry(request: Request, st: StoreDep, session: DbDep, code: str) -> Any:
    _reader(request, session)
    reg = the_register(request, st)
    a = _authority(reg, code)
    enq = Enquiry(workspace(request), a.code)
    return {
        "notes": _records(enq.notes()),
        "lever_map": _records(enq.lever_map(reg)),
        "draft_plan": enq.draft_plan(),
    }


class NoteIn(BaseModel):
    """An enquiry answer: an asset, opportunity, lever or partner against a prompt."""

    prompt: str
    category: str
    text: str
    note_id: str | None = None


@router.post(
    f"{API}/{{code}}/enquiry/notes",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("enquiry")],
)
def api_enquiry_note(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    body: NoteIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "enquiry", a.code, x_csrf_token)
    if body.note_id is not None:
        _note(workspace(request), a.code, body.note_id)
    nid = Enquiry(workspace(request), a.code).answer(
        who, body.prompt, body.category, body.text, note_id=body.note_id
    )
    return {"id": nid}


# ---------------------------------------------------------------------------- actions
def _progress(st: Any, ws: Workspace, code: str, stamp: int) -> pd.DataFrame:
    return ActionPlan(ws, code).progress(st)


def actions_view(request: Request, st: StoreHandle, code: str) -> dict[str, Any]:
    a = _authority(the_register(request, st), code)
    ws = workspace(request)
    plan = ActionPlan(ws, a.code)
    table = plan.table()
    progress = st.compute(_progress, ws, a.code, _stamp(ws))
    return {"a": a, "table": table, "progress": progress}


def _actions_render(
    request: Request,
    session: Session,
    st: StoreHandle,
    code: str,
    errors: list[tuple[str, str]],
    form: dict[str, Any],
    status: int = 200,
) -> Any:
    view = actions_view(request, st, code)
    a = view["a"]
    return render(
        request,
        "framework_actions.html",
        {
            **_context(request, session, a),
            "actions": view["table"].to_dict("records"),
            "titles": dict(zip(view["table"]["id"], view["table"]["title"], strict=True)),
            "indicator_names": st.compute(indicator_names),
            "progress": view["progress"].to_dict("records"),
            "statuses": fw_actions.STATUSES,
            "competences": COMPETENCES,
            "errors": errors,
            "form": form,
        },
        status_code=status,
    )


@router.get("/framework/{code}/actions", response_class=HTMLResponse, include_in_schema=False)
def actions_page(request: Request, st: StoreDep, session: DbDep, code: str) -> Any:
    _reader(request, session)
    return _actions_render(request, session, st, code, [], {})


@router.post(
    "/framework/{code}/actions",
    include_in_schema=False,
    dependencies=[requires("action")],
)
def add_action_form(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    title: str = Form(""),
    competence: str = Form(""),
    owner: str = Form(""),
    partners: str = Form(""),
    indicators: str = Form(""),
    start: str = Form(""),
    due: str = Form(""),
    status: str = Form("planned"),
    csrf_token: str = Form(""),
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "action", a.code, csrf_token)
    form = {
        "title": title,
        "competence": competence,
        "owner": owner,
        "partners": partners,
        "indicators": indicators,
        "start": start,
        "due": due,
        "status": status,
    }
    errors = []
    if not title.strip():
        errors.append(("action-title", "Enter what will be done"))
    if not errors:
        known = st.compute(_known_indicators)
        try:
            fields = {
                "title": title.strip(),
                "competence": competence or None,
                "owner": owner.strip(),
                "partners": _lines(partners),
                "indicators": _lines(indicators),
                "start": start,
                "due": due,
                "status": status,
            }
            fw_actions.check_indicators(_lines(indicators), known)
            _call(ActionPlan(workspace(request), a.code).add, who, **fields)
            return RedirectResponse(f"/framework/{a.code}/actions", status_code=303)
        except InputError as exc:
            errors.append((_field_of(str(exc)), str(exc)))
    return _actions_render(request, session, st, a.code, errors, form, 400)


def _known_indicators(s: Any) -> frozenset[str]:
    return frozenset(fw_actions.known_indicators(s))


def _field_of(message: str) -> str:
    for key in ("indicators", "status", "due", "start", "competence"):
        if message.startswith(key):
            return f"action-{key}"
    return "action-title"


@router.post(
    "/framework/{code}/actions/{action_id}/status",
    include_in_schema=False,
    dependencies=[requires("action")],
)
def action_status_form(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    action_id: str,
    status: str = Form(""),
    version: str = Form(""),
    csrf_token: str = Form(""),
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "action", a.code, csrf_token)
    read = form_version(version, f"action {action_id}")
    try:
        _call(
            ActionPlan(workspace(request), a.code).update,
            who,
            action_id,
            status=status,
            expected_version=read,
        )
    except StaleVersionError as exc:
        return _actions_render(
            request, session, st, a.code, [(f"status-{action_id}", str(exc))], {}, 409
        )
    except InputError as exc:
        return _actions_render(
            request, session, st, a.code, [(f"status-{action_id}", str(exc))], {}, 400
        )
    return RedirectResponse(f"/framework/{a.code}/actions", status_code=303)


@router.get(f"{API}/{{code}}/actions", tags=["framework"], summary="Action plan and progress")
def api_actions(
    request: Request, st: StoreDep, session: DbDep, code: str, format: Format = "json"
) -> Any:
    _reader(request, session)
    view = actions_view(request, st, code)
    if format == "csv":
        csv_text = export(the_register(request, st), workspace(request), view["a"].code, "csv")
        return Response(
            csv_text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{view["a"].code}-actions.csv"'},
        )
    return {"data": _records(view["table"]), "progress": _records(view["progress"])}


class ActionIn(BaseModel):
    """An action (any of the action-plan fields)."""

    title: str | None = None
    lever: str | None = None
    competence: str | None = None
    indicators: list[str] | None = None
    targets: dict[str, Any] | None = None
    owner: str | None = None
    partners: list[str] | None = None
    start: str | None = None
    due: str | None = None
    status: str | None = None


@router.post(
    f"{API}/{{code}}/actions",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("action")],
)
def api_add_action(
    request: Request,
    response: Response,
    st: StoreDep,
    session: DbDep,
    code: str,
    body: ActionIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "action", a.code, x_csrf_token)
    fields = body.model_dump(exclude_none=True)
    fw_actions.check_indicators(fields.get("indicators") or [], st.compute(_known_indicators))
    aid = _call(ActionPlan(workspace(request), a.code).add, who, **fields)
    response.headers["ETag"] = etag(1)
    return {"id": aid, "version": 1}


def _action(request: Request, code: str, action_id: str) -> Any:
    v = workspace(request).get("action", action_id)
    if v is None or v.deleted or v.authority_code != code:
        raise WebError(
            404,
            "not_found",
            f"action must be an action of {code}; got {action_id!r}. "
            f"List them at {API}/{code}/actions.",
        )
    return v


def _action_body(request: Request, v: Any, response: Response) -> dict[str, Any]:
    response.headers["ETag"] = etag(v.version)
    history = workspace(request).history("action", v.record_id)
    return {
        "id": v.record_id,
        **{f: v.data.get(f) for f in fw_actions.FIELDS},
        "version": v.version,
        "history": [
            {"version": h.version, "recorded_at": h.recorded_at.isoformat(), "actor": h.actor}
            for h in history
        ],
    }


@router.get(
    f"{API}/{{code}}/actions/{{action_id}}",
    tags=["framework"],
    summary="One action, its versions, and its ETag (the version to update)",
)
def api_action(
    request: Request, response: Response, st: StoreDep, session: DbDep, code: str, action_id: str
) -> Any:
    _reader(request, session)
    a = _authority(the_register(request, st), code)
    return _action_body(request, _action(request, a.code, action_id), response)


@router.patch(
    f"{API}/{{code}}/actions/{{action_id}}",
    tags=["framework"],
    summary="Change an action (If-Match: the ETag read; 409 when it changed since)",
    dependencies=[requires("action")],
)
def api_update_action(
    request: Request,
    response: Response,
    st: StoreDep,
    session: DbDep,
    code: str,
    action_id: str,
    body: ActionIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "action", a.code, x_csrf_token)
    read = if_match(request, f"action {action_id}")
    fields = body.model_dump(exclude_none=True)
    fw_actions.check_indicators(fields.get("indicators") or [], st.compute(_known_indicators))
    _call(
        ActionPlan(workspace(request), a.code).update,
        who,
        action_id,
        expected_version=read,
        **fields,
    )
    return _action_body(request, _action(request, a.code, action_id), response)


@router.post(
    f"{API}/{{code}}/enquiry/draft-actions",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("action")],
)
def api_draft_actions(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "action", a.code, x_csrf_token)
    return {"ids": add_drafts(workspace(request), who, a.code)}


# ---------------------------------------------------------------------------- surveys
def _surveys(ws: Workspace, code: str) -> list[dict[str, Any]]:
    return [{"id": v.record_id, **v.data} for v in ws.current("survey", code)]


@router.get("/framework/{code}/surveys", response_class=HTMLResponse, include_in_schema=False)
def surveys_page(request: Request, st: StoreDep, session: DbDep, code: str) -> Any:
    _reader(request, session)
    a = _authority(the_register(request, st), code)
    return _surveys_render(request, session, a, [], {})


def _surveys_render(
    request: Request,
    session: Session,
    a: Authority,
    errors: list[tuple[str, str]],
    form: dict[str, Any],
) -> Any:
    return render(
        request,
        "framework_surveys.html",
        {
            **_context(request, session, a),
            "surveys": _surveys(workspace(request), a.code),
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
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    title: str = Form(""),
    questions: str = Form(""),
    csrf_token: str = Form(""),
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "survey", a.code, csrf_token)
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
            sid = _call(Partnerships(workspace(request), a.code).add_survey, who, title, parsed)
            return RedirectResponse(f"/framework/{a.code}/surveys/{sid}", status_code=303)
        except InputError as exc:
            errors.append(("survey-questions", str(exc)))
    form = {"title": title, "questions": questions}
    return _surveys_render(request, session, a, errors, form)


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
        rows = summary[(summary["question"] == q["id"]) & (summary["answer"] != "All responses")]
        data = [
            {"answer": r["answer"], "percent": None if pd.isna(r["percent"]) else r["percent"]}
            for r in rows.to_dict("records")
        ]
        charts.append(
            {
                "q": q,
                "spec": plain_bar_spec(data, "answer", "percent", q["text"], "Per cent"),
                "rows": summary[summary["question"] == q["id"]].to_dict("records"),
            }
        )
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
async def survey_response_form(
    request: Request, st: StoreDep, session: DbDep, code: str, survey_id: str
) -> Any:
    form = await request.form()
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "response", a.code, str(form.get("csrf_token") or ""))
    survey = _survey(workspace(request), a.code, survey_id)
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
            _call(Partnerships(workspace(request), a.code).add_response, who, survey_id, answers)
            return RedirectResponse(f"/framework/{a.code}/surveys/{survey_id}", status_code=303)
        except InputError as exc:
            errors.append((first_field, str(exc)))
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    return _survey_render(request, session, a, survey_id, errors, values)


@router.get(f"{API}/{{code}}/surveys", tags=["framework"], summary="An authority's surveys")
def api_surveys(request: Request, st: StoreDep, session: DbDep, code: str) -> Any:
    _reader(request, session)
    a = _authority(the_register(request, st), code)
    return {"data": _surveys(workspace(request), a.code)}


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
def api_add_survey(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    body: SurveyIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "survey", a.code, x_csrf_token)
    sid = _call(
        Partnerships(workspace(request), a.code).add_survey, who, body.title, body.questions
    )
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
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "response", a.code, x_csrf_token)
    _survey(workspace(request), a.code, survey_id)
    rid = _call(Partnerships(workspace(request), a.code).add_response, who, survey_id, body.answers)
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


# ---------------------------------------------------------------------------- exports
MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}


@router.get("/framework/{code}/export.{fmt}", include_in_schema=False)
@router.get(f"{API}/{{code}}/export.{{fmt}}", tags=["framework"], summary="Export")
def export_file(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    fmt: str,
    progress: bool = Query(True),
) -> Response:
    _reader(request, session)
    if fmt not in FORMATS:
        raise WebError(
            404,
            "not_found",
            f"format must be one of {', '.join(FORMATS)}; got {fmt!r}. E.g. export.md.",
        )
    reg = the_register(request, st)
    a = _authority(reg, code)
    content = st.compute(
        _export, reg, workspace(request), a.code, fmt, progress, _stamp(workspace(request))
    )
    return Response(
        content,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{a.code}-framework.{fmt}"'},
    )


def _export(
    s: Any, reg: Register, ws: Workspace, code: str, fmt: str, progress: bool, stamp: int
) -> str | bytes:
    return export(reg, ws, code, fmt, store=s if progress else None)


# ---------------------------------------------------------------------------- commitments
def commitments_view(request: Request, st: StoreHandle, code: str) -> dict[str, Any]:
    """An authority's joint commitments, their parties and who may be a party."""
    a = _authority(the_register(request, st), code)
    joint = Commitments(workspace(request), a)
    return {
        "a": a,
        "table": joint.table(),
        "parties": joint.parties(),
        "directory": joint.directory(),
        "actions": ActionPlan(workspace(request), a.code).table(),
    }


def _commitments_render(
    request: Request,
    session: Session,
    st: StoreHandle,
    code: str,
    errors: list[tuple[str, str]],
    form: dict[str, Any],
    status: int = 200,
    notice: dict[str, Any] | None = None,
) -> Any:
    view = commitments_view(request, st, code)
    a = view["a"]
    parties = view["parties"].to_dict("records")
    commitments = [
        {**c, "party_rows": [p for p in parties if p["commitment_id"] == c["id"]]}
        for c in view["table"].to_dict("records")
    ]
    return render(
        request,
        "framework_commitments.html",
        {
            **_context(request, session, a),
            "commitments": commitments,
            # the one-time "Commitment updated" banner, for a commitment still listed
            "updated": next(
                (c for c in commitments if notice and c["id"] == notice.get("id")), None
            ),
            "directory": view["directory"].to_dict("records"),
            "plan": view["actions"].to_dict("records"),
            "statuses": COMMITMENT_STATUSES,
            "errors": errors,
            "form": form,
        },
        status_code=status,
    )


@router.get("/framework/{code}/commitments", response_class=HTMLResponse, include_in_schema=False)
def commitments_page(request: Request, st: StoreDep, session: DbDep, code: str) -> Any:
    _reader(request, session)
    notice = request.state.session.pop(NOTICE, None)  # shown once, then gone
    return _commitments_render(request, session, st, code, [], {}, notice=notice)


_COMMITMENT_FIELDS = {
    "a commitment must have a title": "commitment-title",
    "status": "commitment-status",
    "agreed": "commitment-agreed",
    "an agreed commitment": "commitment-agreed",
    "due": "commitment-due",
    "actions": "commitment-actions",
    "indicators": "commitment-indicators",
}


def _commitment_field(message: str) -> str:
    for prefix, field in _COMMITMENT_FIELDS.items():
        if message.startswith(prefix):
            return field
    return "party-0-commits"  # the partners fieldset: its first control


def _commitment_error(message: str, rows: list[dict[str, Any]]) -> tuple[str, str]:
    """The form field a domain message is about (a party's own field when it names one)."""
    field = _commitment_field(message)
    if field == "party-0-commits":
        for i, p in enumerate(rows):
            if repr(p["id"]) in message or f" of {p['id']} " in message:
                kind = "signed" if "signed" in message else "commits"
                field = f"party-{i}-{kind}"
                break
    return field, message


def _party_rows(joint: Commitments, commitment: dict[str, Any] | None = None) -> list[Any]:
    """Who the form lists as a possible party (``party-<i>-...`` in this order): the
    directory, then any party of ``commitment`` no longer in it (so that saving the form
    never drops a party without saying so: the domain names it instead)."""
    rows = joint.directory().to_dict("records")
    known = {p["id"] for p in rows}
    for p in (commitment or {}).get("partners") or []:
        if p["partner"] not in known:
            rows.append({"id": p["partner"], "name": p["partner"], "type": "", "source": "stored"})
    return rows


def _commitment_form_input(raw: Any) -> dict[str, Any]:
    """The submitted form as kept for redisplay (``actions`` as a list)."""
    form: dict[str, Any] = {k: str(v) for k, v in raw.items() if k not in ("csrf_token", "actions")}
    form["actions"] = [str(v) for v in raw.getlist("actions")]
    return form


def _commitment_from_form(
    form: dict[str, Any], rows: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The domain fields of a commitment form and the problems found before the domain."""
    parties = []
    errors: list[tuple[str, str]] = []
    if not form.get("title", "").strip():
        errors.append(("commitment-title", "Enter what is agreed"))
    for i, p in enumerate(rows):
        commits = form.get(f"party-{i}-commits", "").strip()
        signed = form.get(f"party-{i}-signed", "").strip()
        if signed and not commits:
            errors.append(
                (f"party-{i}-commits", f"Enter what {p['name']} commits to, or clear its date")
            )
        if commits:
            parties.append({"partner": p["id"], "commits_to": commits, "signed": signed or None})
    if not parties and rows:
        errors.append(("party-0-commits", "Enter what at least one partner commits to"))
    if not rows:
        errors.append(("commitment-title", "Record a partner first: a commitment is joint"))
    fields: dict[str, Any] = {
        "title": form.get("title", ""),
        "summary": form.get("summary", ""),
        "authority_commits": form.get("authority_commits", ""),
        "partners": parties,
        "levers": _lines(form.get("levers", "")),
        "actions": form.get("actions") or [],
        "indicators": _lines(form.get("indicators", "")),
        "agreed": form.get("agreed", ""),
        "due": form.get("due", ""),
        "status": form.get("status", "proposed"),
    }
    return fields, errors


@router.post(
    "/framework/{code}/commitments",
    include_in_schema=False,
    dependencies=[requires("commitment")],
)
async def add_commitment_form(request: Request, st: StoreDep, session: DbDep, code: str) -> Any:
    raw = await request.form()
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "commitment", a.code, str(raw.get("csrf_token") or ""))
    form = _commitment_form_input(raw)
    rows = _party_rows(Commitments(workspace(request), a))
    fields, errors = _commitment_from_form(form, rows)
    if not errors:
        try:
            fw_actions.check_indicators(fields["indicators"], st.compute(_known_indicators))
            _call(Commitments(workspace(request), a).add, who, **fields)
            return RedirectResponse(f"/framework/{a.code}/commitments", status_code=303)
        except InputError as exc:
            errors.append(_commitment_error(str(exc), rows))
    return _commitments_render(request, session, st, a.code, errors, form, 400)


# ------------------------------------------------ commitments: change one
#: The key of the one-time "Commitment updated" notice in the signed session cookie.
NOTICE = "framework_notice"

_CHANGE_LABELS = {
    "title": "What is agreed",
    "summary": "More detail",
    "authority_commits": "What the authority commits to",
    "levers": "Levers",
    "actions": "Actions",
    "indicators": "Indicators",
    "agreed": "Date agreed",
    "due": "Due",
    "status": "Status",
}


def commitment_changes(
    before: dict[str, Any] | None, after: dict[str, Any], names: dict[str, str]
) -> list[str]:
    """What changed between two versions of a commitment, in words (``names``: partner
    id to name). Dates and the status are shown before and after; texts are named."""
    if before is None:
        return ["Recorded"]
    out = []
    for key, label in _CHANGE_LABELS.items():
        old, new = before.get(key), after.get(key)
        if (old or None) == (new or None):
            continue
        if key in ("agreed", "due", "status"):
            out.append(f"{label}: {old or 'blank'} to {new or 'blank'}")
        elif isinstance(new, list) or isinstance(old, list):
            out.append(f"{label}: {'; '.join(new or []) or 'none'}")
        else:
            out.append(f"{label} changed")
    old_parties = {p["partner"]: p for p in before.get("partners") or []}
    new_parties = {p["partner"]: p for p in after.get("partners") or []}
    for pid in [*new_parties, *(p for p in old_parties if p not in new_parties)]:
        name = names.get(pid, pid)
        old_p, new_p = old_parties.get(pid), new_parties.get(pid)
        if old_p is None:
            out.append(f"{name} added")
        elif new_p is None:
            out.append(f"{name} removed")
        else:
            if old_p["commits_to"] != new_p["commits_to"]:
                out.append(f"What {name} commits to changed")
            if old_p["signed"] != new_p["signed"]:
                out.append(
                    f"{name} signed {new_p['signed']}"
                    if old_p["signed"] is None
                    else f"{name} signed: {old_p['signed']} to {new_p['signed'] or 'blank'}"
                )
    return out or ["No change to the fields"]


def commitment_history(ws: Workspace, joint: Commitments, commitment_id: str) -> list[Any]:
    """:meth:`Commitments.history` (who, when, version, status) with what each version
    changed, newest first."""
    names = dict(zip(*(joint.directory()[c] for c in ("id", "name")), strict=True))
    data = {v.version: v.data for v in ws.history("commitment", commitment_id)}
    rows = joint.history(commitment_id).to_dict("records")
    for r in rows:
        r["changes"] = commitment_changes(data.get(r["version"] - 1), data[r["version"]], names)
        when = pd.Timestamp(r["recorded_at"])  # stored in UTC; naive from SQLite
        r["recorded_at"] = when.tz_convert("UTC") if when.tzinfo is not None else when
    return rows[::-1]


def _known_commitment(joint: Commitments, commitment_id: str) -> dict[str, Any]:
    try:
        return joint.get(commitment_id)
    except InputError as exc:
        raise WebError(404, "not_found", str(exc)) from exc


def _commitment_as_form(c: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A stored commitment as the form's fields (what pre-fills the edit page)."""
    form: dict[str, Any] = {
        **{k: c[k] or "" for k in ("title", "summary", "authority_commits", "agreed", "due")},
        "status": c["status"] or "proposed",
        "levers": ", ".join(c["levers"] or []),
        "indicators": ", ".join(c["indicators"] or []),
        "actions": list(c["actions"] or []),
    }
    index = {p["id"]: i for i, p in enumerate(rows)}
    for p in c["partners"] or []:
        i = index[p["partner"]]
        form[f"party-{i}-commits"] = p["commits_to"]
        form[f"party-{i}-signed"] = p["signed"] or ""
    return form


def _commitment_edit_render(
    request: Request,
    session: Session,
    a: Authority,
    joint: Commitments,
    commitment: dict[str, Any],
    errors: list[tuple[str, str]],
    form: dict[str, Any],
    status_code: int | None = None,
) -> Any:
    ws = workspace(request)
    return render(
        request,
        "framework_commitment_edit.html",
        {
            **_context(request, session, a),
            "c": commitment,
            # the version this form is based on: as first read, kept through corrections
            "version": form.get("version") or commitment["version"],
            "history": commitment_history(ws, joint, commitment["id"]),
            "directory": _party_rows(joint, commitment),
            "plan": ActionPlan(ws, a.code).table().to_dict("records"),
            "statuses": COMMITMENT_STATUSES,
            "errors": errors,
            "form": form,
        },
        status_code=status_code or (400 if errors else 200),
    )


@router.get(
    "/framework/{code}/commitments/{commitment_id}/edit",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def edit_commitment_page(
    request: Request, st: StoreDep, session: DbDep, code: str, commitment_id: str
) -> Any:
    user = _reader(request, session)
    a = _authority(the_register(request, st), code)
    _permitted(user, "commitment", a.code)
    joint = Commitments(workspace(request), a)
    c = _known_commitment(joint, commitment_id)
    form = _commitment_as_form(c, _party_rows(joint, c))
    return _commitment_edit_render(request, session, a, joint, c, [], form)


@router.post(
    "/framework/{code}/commitments/{commitment_id}/edit",
    include_in_schema=False,
    dependencies=[requires("commitment")],
)
async def edit_commitment_form(
    request: Request, st: StoreDep, session: DbDep, code: str, commitment_id: str
) -> Any:
    raw = await request.form()
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "commitment", a.code, str(raw.get("csrf_token") or ""))
    joint = Commitments(workspace(request), a)
    c = _known_commitment(joint, commitment_id)
    read = form_version(str(raw.get("version") or ""), f"commitment {commitment_id}")
    form = {**_commitment_form_input(raw), "version": str(read)}
    rows = _party_rows(joint, c)
    fields, errors = _commitment_from_form(form, rows)
    if not errors:
        try:
            fw_actions.check_indicators(fields["indicators"], st.compute(_known_indicators))
            version = _call(joint.update, who, c["id"], expected_version=read, **fields)
            request.state.session[NOTICE] = {"id": c["id"], "version": version}
            return RedirectResponse(f"/framework/{a.code}/commitments", status_code=303)
        except StaleVersionError as exc:
            return _commitment_edit_render(
                request, session, a, joint, c, [("commitment-title", str(exc))], form, 409
            )
        except InputError as exc:
            errors.append(_commitment_error(str(exc), rows))
    return _commitment_edit_render(request, session, a, joint, c, errors, form)


@router.get(
    f"{API}/{{code}}/commitments", tags=["framework"], summary="Joint commitments and parties"
)
def api_commitments(
    request: Request, st: StoreDep, session: DbDep, code: str, format: Format = "json"
) -> Any:
    _reader(request, session)
    view = commitments_view(request, st, code)
    if format == "csv":  # one row per commitment and party
        table = view["table"].drop(columns=["partners"])
        table = table.rename(columns={"parties": "partners_named", "signed": "partners_signed"})
        for col in ("levers", "actions", "indicators"):
            table[col] = table[col].map(lambda v: "; ".join(v or []))
        merged = view["parties"].merge(table, left_on="commitment_id", right_on="id")
        return _csv(merged.drop(columns=["id"]), f"{view['a'].code}-commitments")
    parties = _records(view["parties"])
    return {
        "data": [
            {**c, "partners": [p for p in parties if p["commitment_id"] == c["id"]]}
            for c in _records(view["table"].drop(columns=["partners"]))
        ],
        "meta": {"total": len(view["table"]), "authority": view["a"].code},
    }


class PartyIn(BaseModel):
    """A partner's part in a commitment."""

    partner: str
    commits_to: str
    signed: str | None = None


class CommitmentIn(BaseModel):
    """A joint commitment (any of its fields; ``title`` and ``partners`` to add one)."""

    title: str | None = None
    summary: str | None = None
    authority_commits: str | None = None
    partners: list[PartyIn] | None = None
    levers: list[str] | None = None
    actions: list[str] | None = None
    indicators: list[str] | None = None
    agreed: str | None = None
    due: str | None = None
    status: str | None = None


@router.post(
    f"{API}/{{code}}/commitments",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("commitment")],
)
def api_add_commitment(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    body: CommitmentIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "commitment", a.code, x_csrf_token)
    fields = body.model_dump(exclude_none=True)
    fields.setdefault("partners", [])
    fw_actions.check_indicators(fields.get("indicators") or [], st.compute(_known_indicators))
    cid = _call(Commitments(workspace(request), a).add, who, **fields)
    return {"id": cid}


@router.patch(
    f"{API}/{{code}}/commitments/{{commitment_id}}",
    tags=["framework"],
    summary="Change a commitment (If-Match: its version as read; 409 when it changed since)",
    dependencies=[requires("commitment")],
)
def api_update_commitment(
    request: Request,
    response: Response,
    st: StoreDep,
    session: DbDep,
    code: str,
    commitment_id: str,
    body: CommitmentIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    a = _authority(the_register(request, st), code)
    who = _writer(request, session, "commitment", a.code, x_csrf_token)
    read = if_match(request, f"commitment {commitment_id}")
    fields = body.model_dump(exclude_none=True)
    fw_actions.check_indicators(fields.get("indicators") or [], st.compute(_known_indicators))
    version = _call(
        Commitments(workspace(request), a).update,
        who,
        commitment_id,
        expected_version=read,
        **fields,
    )
    response.headers["ETag"] = etag(version)
    return {"id": commitment_id, "version": version}


# ---------------------------------------------------------------------------- case studies
def _can_add_cases(user: User | None) -> bool:
    return user is not None and user.role in ("admin", "editor")


_CASE_LABELS = {
    "title": "Enter the case study's title",
    "summary": "Enter what was done",
    "source_title": "Enter the title of the published source",
    "source_url": "Enter the web address of the published source",
    "published": "Enter the date the source was published",
}


def _case_field(message: str) -> str:
    for prefix, field in (
        ("id must", "case-id"),
        ("source_url", "case-source_url"),
        ("published", "case-published"),
        ("competence", "case-competences"),
    ):
        if message.startswith(prefix):
            return field
    return "case-title"


def _case_from_form(form: dict[str, Any], competences: list[str]) -> dict[str, Any]:
    return {
        "id": form.get("id", "").strip(),
        "title": form.get("title", ""),
        "authority_code": form.get("authority_code", "") or None,
        "summary": form.get("summary", ""),
        "outcome": form.get("outcome", ""),
        "levers": _lines(form.get("levers", "")),
        "competences": competences,
        "population_groups": _lines(form.get("population_groups", "")),
        "outcomes": _lines(form.get("outcomes", "")),
        "source_title": form.get("source_title", ""),
        "source_url": form.get("source_url", ""),
        "published": form.get("published", ""),
    }


def _slug(title: str) -> str:
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in title).split()
    return "-".join(words)[:60].strip("-")


def _case_render(
    request: Request,
    session: Session,
    st: StoreHandle,
    case_id: str | None,
    errors: list[tuple[str, str]],
    form: dict[str, Any],
    status: int = 200,
) -> Any:
    user = current_user(request, session)
    return render(
        request,
        "framework_case.html",
        {
            "reg": the_register(request, st),
            "case_id": case_id,
            "heading": "Edit a case study" if case_id else "Add a case study",
            "user": user,
            "competences": COMPETENCES,
            "errors": errors,
            "form": form,
        },
        status_code=status,
    )


def _case_writer(request: Request, session: Session, authority_code: str, token: str) -> Actor:
    return _writer(request, session, "case_study", authority_code, token)


@router.get("/framework/library/cases", response_class=HTMLResponse, include_in_schema=False)
def new_case_page(request: Request, st: StoreDep, session: DbDep) -> Any:
    user = _reader(request, session)
    if not _can_add_cases(user):
        raise WebError(
            403,
            "forbidden",
            f"{user.email} must be an editor or administrator to add case studies; got role "
            f"{user.role!r}. Ask an administrator for editor access.",
        )
    form = {"authority_code": user.authority_code or ""} if user.role == "editor" else {}
    return _case_render(request, session, st, None, [], form)


@router.get(
    "/framework/library/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False
)
def edit_case_page(request: Request, st: StoreDep, session: DbDep, case_id: str) -> Any:
    user = _reader(request, session)
    case = _known_case(request, case_id)
    _permitted(user, "case_study", case["authority_code"] or "")
    form = {
        **{k: v or "" for k, v in case.items()},
        **{k: ", ".join(case[k] or []) for k in ("levers", "population_groups", "outcomes")},
        "competences": case["competences"] or [],
        "version": _case_version(request, case_id),
    }
    return _case_render(request, session, st, case_id, [], form)


def _case_version(request: Request, case_id: str) -> int:
    v = workspace(request).get("case_study", case_id)
    return v.version if v is not None else 0


def _known_case(request: Request, case_id: str) -> dict[str, Any]:
    try:
        return Library(workspace(request)).get(case_id)
    except InputError as exc:
        raise WebError(404, "not_found", str(exc)) from exc


async def _case_form(
    request: Request, st: StoreHandle, session: Session, case_id: str | None
) -> Any:
    raw = await request.form()
    form: dict[str, Any] = {k: str(v) for k, v in raw.items() if k not in ("csrf_token",)}
    form["competences"] = [str(v) for v in raw.getlist("competences")]
    read = 0  # a new case study must not exist yet
    if case_id is not None:
        form["id"] = case_id
        owner = _known_case(request, case_id)["authority_code"] or ""
        _case_writer(request, session, owner, str(raw.get("csrf_token") or ""))
        read = form_version(form.get("version"), f"case study {case_id}")
    reg = the_register(request, st)
    code = form.get("authority_code", "")
    if code and code not in {a.code for a in reg}:
        raise WebError(
            400,
            "invalid_input",
            f"authority_code must be a strategic authority's code; got {code!r}. "
            "Choose one from the list.",
        )
    who = _case_writer(request, session, code, str(raw.get("csrf_token") or ""))
    errors = [
        (f"case-{k}", label) for k, label in _CASE_LABELS.items() if not form.get(k, "").strip()
    ]
    if case_id is None and not form.get("id", "").strip():
        form["id"] = _slug(form.get("title", ""))
    lib = Library(workspace(request))
    if case_id is None and form.get("id") and lib.ws.get("case_study", form["id"]) is not None:
        errors.append(
            ("case-id", f"A case study with id {form['id']} already exists: choose another id")
        )
    if not errors:
        try:
            case = _case_from_form(form, form["competences"])
            cid = _call(lib.add, who, case, expected_version=read)
            return RedirectResponse(f"/framework/library#case-{cid}", status_code=303)
        except StaleVersionError as exc:
            stale = "case-id" if case_id is None else "case-title"
            return _case_render(request, session, st, case_id, [(stale, str(exc))], form, 409)
        except InputError as exc:
            errors.append((_case_field(str(exc)), str(exc)))
    return _case_render(request, session, st, case_id, errors, form, 400)


@router.post(
    "/framework/library/cases",
    include_in_schema=False,
    dependencies=[requires("case_study")],
)
async def add_case_form(request: Request, st: StoreDep, session: DbDep) -> Any:
    return await _case_form(request, st, session, None)


@router.post(
    "/framework/library/cases/{case_id}",
    include_in_schema=False,
    dependencies=[requires("case_study")],
)
async def edit_case_form(request: Request, st: StoreDep, session: DbDep, case_id: str) -> Any:
    return await _case_form(request, st, session, case_id)


class CaseIn(BaseModel):
    """A case study: a new id adds one, an existing id records a new version."""

    id: str
    title: str
    summary: str
    source_title: str
    source_url: str
    published: str
    authority_code: str | None = None
    outcome: str | None = None
    levers: list[str] = Field(default_factory=list)
    competences: list[str] = Field(default_factory=list)
    population_groups: list[str] = Field(default_factory=list)
    outcomes: list[str] = Field(default_factory=list)


@router.post(
    f"{API}/library",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("case_study")],
)
def api_add_case(
    request: Request,
    response: Response,
    st: StoreDep,
    session: DbDep,
    body: CaseIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    reg = the_register(request, st)
    code = body.authority_code or ""
    if code:
        code = _authority(reg, code).code
    existing = Library(workspace(request)).ws.get("case_study", body.id)
    if existing is not None and not existing.deleted:
        _writer(request, session, "case_study", existing.authority_code, x_csrf_token)
    who = _writer(request, session, "case_study", code, x_csrf_token)
    # a new id adds a case study; revising an existing one needs the version read
    read = 0 if existing is None else if_match(request, f"case study {body.id}")
    cid = _call(
        Library(workspace(request)).add,
        who,
        body.model_dump() | {"authority_code": code},
        expected_version=read,
    )
    version = _case_version(request, cid)
    response.headers["ETag"] = etag(version)
    return {"id": cid, "version": version}
