"""The imports page: editors and administrators upload an indicator file into the store.

The file is checked whole by the same importer as ``healthgap import``
(:func:`healthgap.data.loading.import_indicator_file`): a file with any problem changes
nothing, and the page lists the problems (file, line, column, value and rule; the first
few of each rule with a count of the rest) in a GOV.UK error summary. A file that passes is
upserted in one transaction, the page shows what was added, updated and left unchanged,
and the import is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from healthgap.appdb import audit
from healthgap.appdb.models import User
from healthgap.data.importing import FORMATS, ImportReport, size_text
from healthgap.data.schema import IndicatorFileError
from healthgap.errors import InputError
from healthgap.web import csrf
from healthgap.web.deps import StoreHandle, db, require_user, requires, store
from healthgap.web.errors import WebError
from healthgap.web.render import render

# MAX_UPLOAD_BYTES: the largest file the page accepts (bigger: ``healthgap import`` on the
# server); safe_name is re-exported here for the callers that have used it from this module.
from healthgap.web.uploads import (
    MAX_UPLOAD_BYTES,
    declared_too_large,
    part_too_large,
    saved_upload,
    upload_fields,
)
from healthgap.web.uploads import safe_name as safe_name

router = APIRouter(include_in_schema=False)
DbDep = Annotated[Session, Depends(db)]
StoreDep = Annotated[StoreHandle, Depends(store)]

#: Problems listed in the error summary; the rest are counted.
MAX_SHOWN = 20
#: The kinds of file offered, as (value, label, hint).
KINDS: tuple[tuple[str, str, str], ...] = (
    ("fingertips", "Fingertips CSV", "A Fingertips \u201call data\u201d download."),
    ("csv", "CSV", "Columns named as in the healthgap indicator layout or as Fingertips."),
    ("excel", "Excel workbook (.xlsx)", "The first sheet is read."),
    ("parquet", "Parquet", ""),
)
assert {k for k, _, _ in KINDS} == set(FORMATS)


@dataclass(frozen=True)
class Problem:
    """One row of the problem list: where in the file, what was found, and the rule."""

    file: str
    where: str
    column: str
    found: str
    rule: str
    remedy: str

    @property
    def text(self) -> str:
        """The error summary line."""
        place = ", ".join(p for p in (self.file, self.where, self.column) if p)
        found = f"; got {self.found}" if self.found else ""
        return f"{place}: {self.rule}{found}"


def _importer(request: Request, session: Session) -> User:
    """The signed-in editor or administrator; 401 for anonymous visitors, 403 for others."""
    user = require_user(request, session)
    if user.role not in ("admin", "editor"):
        raise WebError(
            403,
            "forbidden",
            f"data must be imported by an administrator or an editor; got {user.role} "
            f"{user.email}. Ask an administrator for access.",
        )
    return user


def problems_of(exc: IndicatorFileError, file: str) -> tuple[list[Problem], int]:
    """The problems of a failed import as rows, and how many more there were than shown."""
    log = exc.problems
    rows: list[Problem] = []
    for group in log.groups.values():
        for pos, column, found in group.examples:
            rows.append(
                Problem(
                    file=file,
                    where="" if pos is None else f"{log.where} {pos}",
                    column="" if column is None else f"column {column!r}",
                    found=found or "",
                    rule=group.rule,
                    remedy=group.remedy,
                )
            )
    shown = rows[:MAX_SHOWN]
    return shown, log.total - len(shown)


def _page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    base: dict[str, Any] = {
        "kinds": KINDS,
        "kind": "fingertips",
        "errors": [],
        "problems": [],
        "more": 0,
        "result": None,
        "report": None,
        "max_size": size_text(MAX_UPLOAD_BYTES),
    }
    return render(request, "imports.html", {**base, **context}, status_code=status)


@router.get("/imports", response_class=HTMLResponse)
def imports_form(request: Request, session: DbDep) -> HTMLResponse:
    """The upload form (editors and administrators)."""
    _importer(request, session)
    return _page(request)


def _too_big(request: Request, kind: str) -> HTMLResponse:
    message = f"The selected file must be smaller than {size_text(MAX_UPLOAD_BYTES)}"
    return _page(request, 413, kind=kind, errors=[("file", message)])


@router.post("/imports", response_class=HTMLResponse, dependencies=[requires("dataset", "import")])
async def import_file(request: Request, session: DbDep, st: StoreDep) -> HTMLResponse:
    """Check an uploaded file and load it into the store, all or nothing."""
    if declared_too_large(request, MAX_UPLOAD_BYTES):
        # Refuse before reading the body; the form must still be signed in and carry CSRF,
        # but a body this size is never read to find out.
        await run_in_threadpool(_importer, request, session)
        return _too_big(request, "fingertips")
    form = await request.form(max_files=1, max_fields=4)
    try:
        token = form.get("csrf_token")
        csrf.check(request, token if isinstance(token, str) else None)
        user = await run_in_threadpool(_importer, request, session)
        kind, upload, errors = upload_fields(form, "format", FORMATS, "Select the kind of file")
        if upload is None or errors:
            return _page(request, 400, kind=kind or "fingertips", errors=errors)
        if part_too_large(upload, MAX_UPLOAD_BYTES):
            return _too_big(request, kind)
        return await run_in_threadpool(_load, request, session, st, user, upload, kind)
    finally:
        await form.close()


def _load(
    request: Request,
    session: Session,
    st: StoreHandle,
    user: User,
    upload: UploadFile,
    kind: str,
) -> HTMLResponse:
    from healthgap.data.loading import import_indicator_file, sha256_file

    with saved_upload(upload, MAX_UPLOAD_BYTES, "healthgap-upload-") as (path, size):
        name = path.name
        if size is None:
            return _too_big(request, kind)
        reports: list[ImportReport] = []
        try:
            result = st.write(
                lambda store_path: import_indicator_file(
                    path,
                    store_path,
                    format=kind,  # type: ignore[arg-type]
                    on_validated=reports.append,
                    title=f"Imported from {name} by {user.email}",
                    url=str(request.url),
                    max_examples=5,
                )
            )
        except IndicatorFileError as exc:
            problems, more = problems_of(exc, name)
            errors = [("file", p.text) for p in problems]
            return _page(request, 400, kind=kind, errors=errors, problems=problems, more=more)
        except InputError as exc:
            return _page(request, 400, kind=kind, errors=[("file", str(exc))])
        checksum = sha256_file(path)
    report = reports[0] if reports else None
    audit.record(
        session,
        user.email,
        "import",
        "indicators",
        checksum,
        user.authority_code,
        None,
        {
            "file": name,
            "format": kind,
            "source_id": result.source_id,
            "rows": result.rows,
            "added": result.added,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "sha256": checksum,
        },
    )
    session.commit()
    return _page(request, 200, kind=kind, result=result, report=report, file=name, size=size)
