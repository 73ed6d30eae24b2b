"""The framework workspace of a running app, shared by the routers that read it (the
framework pages and the report download). Routers import these from here, never from
another router.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from healthgap.framework.storage import Workspace


def workspace(request: Request) -> Workspace:
    """The framework workspace in the app's database (opened once per app)."""
    ws: Workspace | None = getattr(request.app.state, "framework_workspace", None)
    if ws is None:
        ws = Workspace(engine=request.app.state.engine, create=False)
        request.app.state.framework_workspace = ws
    return ws


def workspace_stamp(ws: Workspace) -> int:
    """A number that changes whenever any framework record changes."""
    from sqlalchemy import func, select

    from healthgap.framework.storage import Record

    with Session(ws.engine) as s:
        return int(s.scalar(select(func.count(Record.id))) or 0)
