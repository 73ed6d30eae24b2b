"""An authority's annual report as a PDF (/reports/<authority>.pdf), linked from its
scorecard.

The report is the one ``healthgap report`` writes (:func:`healthgap.report.pdf.write_report`
builds it from the store; the app database gives its summary the authority's commitments
and action plan, its Targets section and its decisions, questions and annual-cycle
sections, example records tagged EXAMPLE). Building it takes a while, so the PDF is kept
per authority until the workspace or the app database changes.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from healthgap.data.sql import checked_code
from healthgap.web.deps import StoreDep, StoreHandle

router = APIRouter()
_LOCK = threading.Lock()
#: How many PDFs are kept (per app).
KEEP = 8


def _pdf(request: Request, st: StoreHandle, code: str) -> bytes:
    from healthgap.account.authority_targets import TargetBook
    from healthgap.report.pdf import write_report
    from healthgap.web.pagecache import generation
    from healthgap.web.workspace import workspace, workspace_stamp

    ws = workspace(request)
    engine = request.app.state.engine
    # any write to the app database (targets, decisions, questions, the cycle) or the
    # workspace makes a new report
    key = (code, workspace_stamp(ws), generation(engine))
    cache: dict[tuple[str, int, int], bytes] | None = getattr(
        request.app.state, "report_pdfs", None
    )
    if cache is None:
        cache = request.app.state.report_pdfs = {}
    with _LOCK:  # one report at a time: a second request for it waits and reuses it
        if key in cache:
            return cache[key]
        with tempfile.TemporaryDirectory(prefix="healthgap-report-") as tmp:
            out = Path(tmp) / "report.pdf"
            st.run(
                lambda s: write_report(
                    s,
                    code,
                    out,
                    workspace=ws,
                    targets=TargetBook(engine),
                    accountability=engine,
                )
            )
            data = out.read_bytes()
        if len(cache) >= KEEP:
            cache.pop(next(iter(cache)))
        cache[key] = data
        return data


@router.get("/reports/{authority}.pdf", include_in_schema=False)
async def report_pdf(request: Request, st: StoreDep, authority: str) -> Any:
    """The annual report of ``authority`` (a strategic authority or ICB code) as a PDF."""
    code = checked_code(authority.strip(), "authority", "E47000001")
    data = await run_in_threadpool(_pdf, request, st, code)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="healthgap-report-{code}.pdf"'},
    )
