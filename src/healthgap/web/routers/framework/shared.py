"""Helpers every framework page and endpoint shares: the workspace and register,
who may read or write, the domain call that maps refusals to 403s, JSON/CSV bodies and
the record stamp that keys cached views."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from fastapi import Header, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from healthgap.appdb.db import release
from healthgap.appdb.models import User
from healthgap.errors import InputError
from healthgap.framework import actions as fw_actions
from healthgap.framework.powers import (
    Authority,
    Register,
    register,
)
from healthgap.framework.storage import Actor, NotPermittedError, Workspace, check_permission
from healthgap.web import csrf
from healthgap.web.deps import (
    StoreHandle,
    current_user,
    require_user,
)
from healthgap.web.errors import WebError
from healthgap.web.workspace import workspace
from healthgap.web.workspace import workspace_stamp as _stamp  # noqa: F401  (re-exported to the feature modules)

CsrfHeader = Header(None, alias="X-CSRF-Token")
Format = Literal["json", "csv"]

API = "/api/v1/framework"


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


def plain_bar_spec(
    rows: list[dict[str, Any]], x: str, y: str, title: str, y_title: str
) -> dict[str, Any]:
    """A Vega-Lite bar chart (no intervals: survey counts are not estimates)."""
    from healthgap.charts import bars

    return bars(
        rows,
        category_field=x,
        value_field=y,
        title=title,
        category_title="Answer",
        value_title=y_title,
    ).spec


def _context(request: Request, session: Session, a: Authority) -> dict[str, Any]:
    user = current_user(request, session)
    return {
        "a": a,
        "user": user,
        "can_edit": user is not None
        and (user.role == "admin" or (user.role == "editor" and user.authority_code == a.code)),
    }


def _lines(value: str) -> list[str]:
    return [x.strip() for x in value.replace("\n", ",").split(",") if x.strip()]


def _known_indicators(s: Any) -> frozenset[str]:
    return frozenset(fw_actions.known_indicators(s))
