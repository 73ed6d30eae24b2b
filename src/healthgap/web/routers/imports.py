"""The imports page: editors and administrators upload an indicator file as a local dataset.

Uploads never touch the published data (see :mod:`healthgap.data.local`). Each upload
becomes one local dataset owned by the uploader's authority (an administrator's upload
is for all areas, or for the authority they name); an editor may upload rows only for
areas inside their authority's footprint
(:func:`healthgap.account.upload_scope.footprint_codes`), and a file with any other
area is refused whole, naming the rows.

The file is checked whole by the same importer as ``healthgap import`` and staged
outside any store lock; a file with any problem changes nothing, and the page lists the
problems (file, line, column, value and rule; the first few of each rule with a count of
the rest) in a GOV.UK error summary. A file that passes is written with its
``local_datasets`` row and its audit entry in one transaction; the audit entry then
reaches the audit log (:mod:`healthgap.web.outbox`). The owner's editors and
administrators can withdraw a local dataset (``POST /imports/{id}/withdraw``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from healthgap.appdb.models import User
from healthgap.data.importing import FORMATS, size_text
from healthgap.data.local import (
    LocalDataset,
    NotOwnerError,
    Uploader,
    commit_local_dataset,
    prepare_apart,
    withdraw_local_dataset,
)
from healthgap.data.problems import IndicatorFileError
from healthgap.errors import InputError
from healthgap.web import csrf, viewmodels
from healthgap.web.deps import DbDep, StoreDep, StoreHandle, require_user, requires
from healthgap.web.errors import WebError, web_error
from healthgap.web.outbox import deliver_soon
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


def _mine(st: StoreHandle, user: User) -> list[dict[str, Any]]:
    """The active local datasets this user may withdraw (all of them for administrators)."""
    table = st.compute_local(viewmodels.local_sources).table
    table = table[table["status"] == "active"]
    if user.role != "admin":
        table = table[table["owner_authority"] == user.authority_code]
    return list(table.to_dict("records"))


def _page(
    request: Request, user: User, st: StoreHandle, status: int = 200, **context: Any
) -> HTMLResponse:
    base: dict[str, Any] = {
        "kinds": KINDS,
        "kind": "fingertips",
        "errors": [],
        "problems": [],
        "more": 0,
        "result": None,
        "report": None,
        "withdrawn": None,
        "max_size": size_text(MAX_UPLOAD_BYTES),
        "user": user,
        "authority": "",
    }
    try:
        base["mine"] = _mine(st, user)
    except InputError:  # no store yet
        base["mine"] = []
    return render(request, "imports.html", {**base, **context}, status_code=status)


@router.get("/imports", response_class=HTMLResponse)
def imports_form(request: Request, session: DbDep, st: StoreDep) -> HTMLResponse:
    """The upload form and the user's local datasets (editors and administrators)."""
    user = _importer(request, session)
    return _page(request, user, st)


def _too_big(request: Request, user: User, st: StoreHandle, kind: str) -> HTMLResponse:
    message = f"The selected file must be smaller than {size_text(MAX_UPLOAD_BYTES)}"
    return _page(request, user, st, 413, kind=kind, errors=[("file", message)])


@router.post("/imports", response_class=HTMLResponse, dependencies=[requires("dataset", "import")])
async def import_file(request: Request, session: DbDep, st: StoreDep) -> HTMLResponse:
    """Check an uploaded file and load it into the store, all or nothing."""
    if declared_too_large(request, MAX_UPLOAD_BYTES):
        # Refuse before reading the body; the form must still be signed in and carry CSRF,
        # but a body this size is never read to find out.
        user = await run_in_threadpool(_importer, request, session)
        return _too_big(request, user, st, "fingertips")
    form = await request.form(max_files=1, max_fields=5)
    try:
        token = form.get("csrf_token")
        csrf.check(request, token if isinstance(token, str) else None)
        user = await run_in_threadpool(_importer, request, session)
        kind, upload, errors = upload_fields(form, "format", FORMATS, "Select the kind of file")
        authority = form.get("authority") if user.role == "admin" else None
        authority = authority.strip().upper() if isinstance(authority, str) else ""
        if authority and not re.fullmatch(r"[EWSN]\d{8}", authority):
            errors.append(
                (
                    "authority",
                    "Enter the authority as its 9-character ONS code, like E08000025, "
                    "or leave it empty to upload for all areas",
                )
            )
        if upload is None or errors:
            return _page(
                request,
                user,
                st,
                400,
                kind=kind or "fingertips",
                errors=errors,
                authority=authority,
            )
        if part_too_large(upload, MAX_UPLOAD_BYTES):
            return _too_big(request, user, st, kind)
        return await run_in_threadpool(_load, request, st, user, upload, kind, authority or None)
    finally:
        await form.close()


def _uploader(st: StoreHandle, user: User, authority: str | None) -> Uploader:
    """Who uploads and for which areas: an editor for their authority's footprint, an
    administrator for all areas or for the authority they name."""
    from healthgap.account.upload_scope import footprint_codes

    if user.role == "admin":
        return Uploader(user.email, authority, None, is_admin=True)
    code = user.authority_code or ""
    return Uploader(user.email, code, st.compute(footprint_codes, code))


def _load(
    request: Request,
    st: StoreHandle,
    user: User,
    upload: UploadFile,
    kind: str,
    authority: str | None,
) -> HTMLResponse:
    with saved_upload(upload, MAX_UPLOAD_BYTES, "healthgap-upload-") as (path, size):
        name = path.name
        if size is None:
            return _too_big(request, user, st, kind)
        uploader = _uploader(st, user, authority)
        try:
            # Checked and staged with no lock held (a large file in a worker process):
            # readers and other writers go on.
            prepared = prepare_apart(
                path,
                uploader,
                path.parent,
                format=kind,
                name=name,
                max_examples=5,
            )
            dataset: LocalDataset = st.write(
                lambda con: commit_local_dataset(
                    con, prepared, uploader, title=f"Uploaded from {name} by {user.email}"
                )
            )
        except IndicatorFileError as exc:
            problems, more = problems_of(exc, name)
            errors = [("file", p.text) for p in problems]
            return _page(
                request, user, st, 400, kind=kind, errors=errors, problems=problems, more=more
            )
        except InputError as exc:
            return _page(request, user, st, 400, kind=kind, errors=[("file", str(exc))])
    deliver_soon(st, request.app.state.sessions)
    report = prepared.report
    return _page(
        request, user, st, 200, kind=kind, result=dataset, report=report, file=name, size=size
    )


@router.post(
    "/imports/{dataset_id}/withdraw",
    response_class=HTMLResponse,
    dependencies=[requires("dataset", "withdraw")],
)
async def withdraw(request: Request, dataset_id: str, session: DbDep, st: StoreDep) -> HTMLResponse:
    """Withdraw a local dataset (its owner authority's editors, or an administrator)."""
    form = await request.form(max_files=0, max_fields=2)
    token = form.get("csrf_token")
    csrf.check(request, token if isinstance(token, str) else None)
    user = await run_in_threadpool(_importer, request, session)
    if not re.fullmatch(r"local-\d{1,12}", dataset_id):
        raise WebError(
            404,
            "not_found",
            f"dataset must be a local dataset id like local-00001; got {dataset_id[:40]!r}.",
        )
    actor = Uploader(user.email, user.authority_code, None, is_admin=user.role == "admin")
    try:
        _, after = await run_in_threadpool(
            st.write, lambda con: withdraw_local_dataset(con, dataset_id, actor)
        )
    except NotOwnerError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc
    except InputError as exc:  # NotFoundError -> 404, ConflictError -> 409
        raise web_error(exc) from exc
    await run_in_threadpool(deliver_soon, st, request.app.state.sessions)
    return _page(request, user, st, 200, withdrawn=after)
