"""Action plans: adding actions, status changes, progress and drafts from the enquiry."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from healthgap.appdb.versions import etag
from healthgap.errors import InputError
from healthgap.framework import actions as fw_actions
from healthgap.framework.actions import ActionPlan
from healthgap.framework.export import export
from healthgap.framework.powers import (
    COMPETENCES,
)
from healthgap.framework.storage import Workspace
from healthgap.geography.names import indicator_names
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    StoreHandle,
    form_version,
    if_match,
    requires,
)
from healthgap.web.errors import WebError
from healthgap.web.forms import attempt, field_errors, prefixed
from healthgap.web.render import render
from healthgap.web.routers.framework.enquiry import add_drafts
from healthgap.web.routers.framework.shared import (
    API,
    CsrfHeader,
    Format,
    On,
    OnAuthority,
    _authority,
    _call,
    _context,
    _known_indicators,
    _lines,
    _reader,
    _records,
    _stamp,
    the_register,
    workspace,
)

router = APIRouter()


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
    on: On,
    errors: list[tuple[str, str]],
    form: dict[str, Any],
    status: int = 200,
) -> Any:
    view = actions_view(on.request, on.st, on.code)
    a = view["a"]
    return render(
        on.request,
        "framework_actions.html",
        {
            **_context(on.request, on.session, a),
            "actions": view["table"].to_dict("records"),
            "titles": dict(zip(view["table"]["id"], view["table"]["title"], strict=True)),
            "indicator_names": on.st.compute(indicator_names),
            "progress": view["progress"].to_dict("records"),
            "statuses": fw_actions.STATUSES,
            "competences": COMPETENCES,
            "errors": errors,
            "form": form,
        },
        status_code=status,
    )


@router.get("/framework/{code}/actions", response_class=HTMLResponse, include_in_schema=False)
def actions_page(on: OnAuthority) -> Any:
    _reader(on.request, on.session)
    return _actions_render(on, [], {})


@router.post(
    "/framework/{code}/actions",
    include_in_schema=False,
    dependencies=[requires("action")],
)
def add_action_form(
    on: OnAuthority,
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
    a, who = on.writing("action", csrf_token)
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
        known = on.st.compute(_known_indicators)
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
            _call(ActionPlan(on.ws, a.code).add, who, **fields)
            return RedirectResponse(f"/framework/{a.code}/actions", status_code=303)
        except InputError as exc:
            errors.extend(field_errors(exc, ACTION_FIELDS, default="action-title"))
    return _actions_render(on, errors, form, 400)


#: The action form's inputs, by the domain field they hold.
ACTION_FIELDS = prefixed("action-", ("title", "indicators", "status", "due", "start", "competence"))


@router.post(
    "/framework/{code}/actions/{action_id}/status",
    include_in_schema=False,
    dependencies=[requires("action")],
)
def action_status_form(
    on: OnAuthority,
    action_id: str,
    status: str = Form(""),
    version: str = Form(""),
    csrf_token: str = Form(""),
) -> Any:
    a, who = on.writing("action", csrf_token)
    read = form_version(version, f"action {action_id}")
    update = ActionPlan(on.ws, a.code).update
    field = f"status-{action_id}"
    _, errors, refused = attempt(
        update, who, action_id, status=status, expected_version=read, ids={}, default=field
    )
    if errors:  # a stale version (409) or a status the action cannot take (400)
        return _actions_render(on, errors, {}, refused)
    return RedirectResponse(f"/framework/{a.code}/actions", status_code=303)


@router.get(f"{API}/{{code}}/actions", tags=["framework"], summary="Action plan and progress")
def api_actions(on: OnAuthority, format: Format = "json") -> Any:
    _reader(on.request, on.session)
    view = actions_view(on.request, on.st, on.code)
    if format == "csv":
        csv_text = export(the_register(on.request, on.st), on.ws, view["a"].code, "csv")
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
    on: OnAuthority,
    response: Response,
    body: ActionIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    a, who = on.writing("action", x_csrf_token)
    fields = body.model_dump(exclude_none=True)
    fw_actions.check_indicators(fields.get("indicators") or [], on.st.compute(_known_indicators))
    aid = _call(ActionPlan(on.ws, a.code).add, who, **fields)
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
    # `code` and `action_id` stay in this order in the signature: the OpenAPI lists them so.
    on = On(request, st, session, code)
    a = on.reading()
    return _action_body(on.request, _action(on.request, a.code, action_id), response)


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
    on = On(request, st, session, code)
    a, who = on.writing("action", x_csrf_token)
    read = if_match(on.request, f"action {action_id}")
    fields = body.model_dump(exclude_none=True)
    fw_actions.check_indicators(fields.get("indicators") or [], on.st.compute(_known_indicators))
    _call(ActionPlan(on.ws, a.code).update, who, action_id, expected_version=read, **fields)
    return _action_body(on.request, _action(on.request, a.code, action_id), response)


@router.post(
    f"{API}/{{code}}/enquiry/draft-actions",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("action")],
)
def api_draft_actions(on: OnAuthority, x_csrf_token: str | None = CsrfHeader) -> Any:
    a, who = on.writing("action", x_csrf_token)
    return {"ids": add_drafts(on.ws, who, a.code)}
