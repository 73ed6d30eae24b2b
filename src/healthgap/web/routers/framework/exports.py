"""Exporting an authority's framework workspace as Markdown, HTML, CSV, JSON or PDF."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from healthgap.framework.export import FORMATS, export
from healthgap.framework.powers import (
    Register,
)
from healthgap.framework.storage import Workspace
from healthgap.web.deps import (
    DbDep,
    StoreDep,
)
from healthgap.web.errors import WebError
from healthgap.web.routers.framework.shared import (
    API,
    _authority,
    _reader,
    _stamp,
    the_register,
    workspace,
)

router = APIRouter()


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
