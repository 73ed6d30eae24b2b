"""Helpers every framework page and endpoint shares: the workspace and register,
who may read or write (:class:`On`, the parameters every handler of one authority takes),
the domain call that maps refusals to 403s, JSON/CSV bodies and the record stamp that keys
cached views."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import Depends, Header, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from healthgap.appdb.db import release
from healthgap.appdb.models import User
from healthgap.charts import Chart, TableOptions, bars
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
    DbDep,
    StoreDep,
    StoreHandle,
    current_user,
    require_user,
)
from healthgap.web.errors import WebError
from healthgap.web.errors import call as _call  # noqa: F401  (re-exported to the feature modules)
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


class On:
    """What every handler of one authority's framework pages takes, as one dependency
    (``on: OnAuthority``): the request, the store, the app-database session and the
    authority ``code`` of the path, with the two openings every handler had written out.

    :meth:`reading`: a signed-in reader (401), then the authority (404).
    :meth:`writing`: the authority (404), then the actor allowed to change its ``kind``
    records (401, the CSRF check, 403), the session released for the write.
    """

    def __init__(self, request: Request, st: StoreDep, session: DbDep, code: str) -> None:
        self.request = request
        self.st = st
        self.session = session
        self.code = code

    @property
    def ws(self) -> Workspace:
        """The request's framework workspace."""
        return workspace(self.request)

    def authority(self) -> Authority:
        """The authority of the path (404 when the register has none)."""
        return _authority(the_register(self.request, self.st), self.code)

    def reading(self) -> Authority:
        """The authority, for a signed-in reader."""
        _reader(self.request, self.session)
        return self.authority()

    def writing(self, kind: str, token: str | None) -> tuple[Authority, Actor]:
        """The authority and the actor allowed to change its ``kind`` records."""
        a = self.authority()
        return a, _writer(self.request, self.session, kind, a.code, token)


#: The route parameter of a handler under ``/framework/{code}/...``.
OnAuthority = Annotated[On, Depends()]


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    from healthgap.web.responses import records

    return records(df)


def _csv(df: pd.DataFrame, name: str) -> Response:
    from healthgap.web.responses import csv_response

    return csv_response(df, name)


def survey_chart(rows: list[dict[str, Any]], title: str, caption: str) -> Chart:
    """A question's answers as bars of their per cent (no intervals: survey counts are not
    estimates), with the (disclosure-controlled) count of each in the table."""
    return bars(
        rows,
        category_field="answer",
        value_field="percent",
        title=title,
        category_title="Answer",
        value_title="Per cent",
        table_options=TableOptions(
            caption=caption,
            extra=(("count", "Responses"),),
            order=("answer", "count", "percent"),
            digits={"count": 0, "percent": 1},
        ),
    )


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
