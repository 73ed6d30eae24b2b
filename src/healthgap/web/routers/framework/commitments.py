"""Joint commitments between partners: adding, changing and their history."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from healthgap.appdb.versions import StaleVersionError, etag
from healthgap.errors import InputError
from healthgap.framework import actions as fw_actions
from healthgap.framework.actions import ActionPlan
from healthgap.framework.commitments import STATUSES as COMMITMENT_STATUSES
from healthgap.framework.commitments import Commitments
from healthgap.framework.powers import (
    Authority,
)
from healthgap.framework.storage import Workspace
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    StoreHandle,
    form_version,
    if_match,
    requires,
)
from healthgap.web.errors import WebError
from healthgap.web.forms import field_errors, prefixed
from healthgap.web.render import render
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
    _known_indicators,
    _lines,
    _permitted,
    _reader,
    _records,
    the_register,
    workspace,
)

router = APIRouter()


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


#: The commitment form's inputs, by the domain field they hold.
COMMITMENT_FIELDS = prefixed(
    "commitment-", ("title", "status", "agreed", "due", "actions", "indicators")
)


def _commitment_error(exc: InputError, rows: list[dict[str, Any]]) -> tuple[str, str]:
    """The form field a domain error is about: a party's own field for
    ``partners.<id>.commits_to`` / ``partners.<id>.signed``, else the partners fieldset's
    first control."""
    ids = dict(COMMITMENT_FIELDS)
    for i, p in enumerate(rows):
        ids[f"partners.{p['id']}.commits_to"] = f"party-{i}-commits"
        ids[f"partners.{p['id']}.signed"] = f"party-{i}-signed"
    return field_errors(exc, ids, default="party-0-commits")[0]


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
async def add_commitment_form(on: OnAuthority) -> Any:
    raw = await on.request.form()
    a, who = on.writing("commitment", str(raw.get("csrf_token") or ""))
    form = _commitment_form_input(raw)
    rows = _party_rows(Commitments(on.ws, a))
    fields, errors = _commitment_from_form(form, rows)
    if not errors:
        try:
            fw_actions.check_indicators(fields["indicators"], on.st.compute(_known_indicators))
            _call(Commitments(on.ws, a).add, who, **fields)
            return RedirectResponse(f"/framework/{a.code}/commitments", status_code=303)
        except InputError as exc:
            errors.append(_commitment_error(exc, rows))
    return _commitments_render(on.request, on.session, on.st, a.code, errors, form, 400)


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
def edit_commitment_page(on: OnAuthority, commitment_id: str) -> Any:
    user = _reader(on.request, on.session)
    a = on.authority()
    _permitted(user, "commitment", a.code)
    joint = Commitments(on.ws, a)
    c = _known_commitment(joint, commitment_id)
    form = _commitment_as_form(c, _party_rows(joint, c))
    return _commitment_edit_render(on.request, on.session, a, joint, c, [], form)


@router.post(
    "/framework/{code}/commitments/{commitment_id}/edit",
    include_in_schema=False,
    dependencies=[requires("commitment")],
)
async def edit_commitment_form(on: OnAuthority, commitment_id: str) -> Any:
    request, session = on.request, on.session
    raw = await request.form()
    a, who = on.writing("commitment", str(raw.get("csrf_token") or ""))
    joint = Commitments(on.ws, a)
    c = _known_commitment(joint, commitment_id)
    read = form_version(str(raw.get("version") or ""), f"commitment {commitment_id}")
    form = {**_commitment_form_input(raw), "version": str(read)}
    rows = _party_rows(joint, c)
    fields, errors = _commitment_from_form(form, rows)
    if not errors:
        try:
            fw_actions.check_indicators(fields["indicators"], on.st.compute(_known_indicators))
            version = _call(joint.update, who, c["id"], expected_version=read, **fields)
            request.state.session[NOTICE] = {"id": c["id"], "version": version}
            return RedirectResponse(f"/framework/{a.code}/commitments", status_code=303)
        except StaleVersionError as exc:
            return _commitment_edit_render(
                request, session, a, joint, c, [("commitment-title", str(exc))], form, 409
            )
        except InputError as exc:
            errors.append(_commitment_error(exc, rows))
    return _commitment_edit_render(request, session, a, joint, c, errors, form)


@router.get(
    f"{API}/{{code}}/commitments", tags=["framework"], summary="Joint commitments and parties"
)
def api_commitments(on: OnAuthority, format: Format = "json") -> Any:
    _reader(on.request, on.session)
    view = commitments_view(on.request, on.st, on.code)
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
    on: OnAuthority, body: CommitmentIn, x_csrf_token: str | None = CsrfHeader
) -> Any:
    a, who = on.writing("commitment", x_csrf_token)
    fields = body.model_dump(exclude_none=True)
    fields.setdefault("partners", [])
    fw_actions.check_indicators(fields.get("indicators") or [], on.st.compute(_known_indicators))
    cid = _call(Commitments(on.ws, a).add, who, **fields)
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
    on = On(request, st, session, code)  # `code` before `commitment_id`, as the OpenAPI lists
    a, who = on.writing("commitment", x_csrf_token)
    read = if_match(request, f"commitment {commitment_id}")
    fields = body.model_dump(exclude_none=True)
    fw_actions.check_indicators(fields.get("indicators") or [], st.compute(_known_indicators))
    joint = Commitments(on.ws, a)
    version = _call(joint.update, who, commitment_id, expected_version=read, **fields)
    response.headers["ETag"] = etag(version)
    return {"id": commitment_id, "version": version}
