"""The ledger in the web service: where health-inequalities money goes, and its checks.

Pages: ``/ledger`` (public: spend per head by IMD decile, Core20 against the rest, by
provider type and by programme, with the concentration index of spend per head against
need; filters for period, commissioner and programme), ``/ledger/check`` (public: flows
against allocations for every commissioner, programme and year) and ``/ledger/import``
(editors and administrators: upload a flows or allocations file, all or nothing). JSON and
CSV under ``/api/v1/ledger/...`` come from the same functions
(:func:`healthgap.ledger.ledger_summary` and :func:`healthgap.ledger.check_ledger`);
``POST /api/v1/ledger/imports`` imports a file through :func:`import_upload`, the one path
the upload page uses too, and ``GET /api/v1/ledger/imports`` lists past imports.

Population counts go through disclosure control exactly as ``ledger_summary`` applies it;
amounts of money are not counts of people and are shown as loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from healthgap.appdb.models import User
from healthgap.charts import Chart, TableOptions, bars
from healthgap.data.importing import size_text
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.ledger.checks import CheckResult, check_ledger
from healthgap.ledger.importing import ImportResult, import_ledger
from healthgap.ledger.models import LedgerAllocation, LedgerFlow, LedgerImport
from healthgap.ledger.records import area_levels, commissioner_names, ledger_imports
from healthgap.ledger.schema import (
    KINDS,
    PROVIDER_TYPE_NAMES,
    Discrepancy,
    LedgerRejected,
    pounds,
    read_ledger_file,
)
from healthgap.ledger.summaries import BY_OPTIONS, LedgerSummary, ledger_summary
from healthgap.ledger.synthetic import SYNTHETIC_LABEL
from healthgap.stats.inequality.concentration import ConcentrationIndex
from healthgap.web import csrf
from healthgap.web.deps import DbDep, StoreDep, StoreHandle, require_user, requires
from healthgap.web.errors import WebError
from healthgap.web.limits import BodyTooLarge
from healthgap.web.render import render
from healthgap.web.responses import Fmt, Format, Limit, Offset, csv_response, page, records
from healthgap.web.uploads import (
    MAX_UPLOAD_BYTES,
    declared_too_large,
    part_too_large,
    saved_upload,
    upload_fields,
)

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/ledger", tags=["api"])

#: Problems listed in the error summary; all of them are in the table below it.
MAX_SHOWN = 20
#: The kinds of ledger file offered, as (value, label, hint).
FILE_KINDS: tuple[tuple[str, str, str], ...] = (
    ("flows", "Flows", "Payments from a commissioner to providers, by programme and area."),
    ("allocations", "Allocations", "The budget each commissioner received, by programme."),
)
assert tuple(k for k, _, _ in FILE_KINDS) == KINDS
#: Headings of the four breakdowns.
BY_TITLES: dict[str, str] = {
    "decile": "Spend per head by deprivation decile",
    "core20": "Core20 against the rest",
    "provider-type": "Spend by provider type",
    "programme": "Spend by programme",
}
_LABEL_OF: dict[str, str] = {
    "decile": "imd_decile",
    "core20": "core20",
    "provider-type": "provider_type",
    "programme": "programme",
}


# --------------------------------------------------------------------------- domain


def ledger_version(session: Session) -> tuple[Any, ...]:
    """What identifies the loaded ledger's contents: the app database it is in, counts,
    sums and the latest import.

    Summaries are memoised with the store's published answers
    (:mod:`healthgap.data.published`, shared by every app in the process on that store)
    under this key, so a new import, a change to the rows' counts or sums, or another
    app database gives fresh figures.
    """
    flows = session.execute(
        select(
            func.count(LedgerFlow.id), func.max(LedgerFlow.id), func.sum(LedgerFlow.amount_pence)
        )
    ).one()
    allocs = session.execute(
        select(func.count(LedgerAllocation.id), func.sum(LedgerAllocation.amount_pence))
    ).one()
    latest = session.scalar(select(func.max(LedgerImport.id)))
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    return (database, *tuple(flows), *tuple(allocs), latest)


def ledger_filters(session: Session) -> dict[str, list[str]]:
    """The periods, commissioners and programmes the loaded flows name (for the filters)."""
    out: dict[str, list[str]] = {}
    for name, column in (
        ("period", LedgerFlow.period),
        ("commissioner", LedgerFlow.commissioner_code),
        ("programme", LedgerFlow.programme),
    ):
        out[name] = sorted(session.scalars(select(column).distinct()))
    return out


def _check_filters(
    options: dict[str, list[str]], chosen: dict[str, str | None]
) -> dict[str, str | None]:
    """Empty filters mean "all"; any other value must be one the ledger holds."""
    clean: dict[str, str | None] = {}
    for name, value in chosen.items():
        text = (value or "").strip()
        if not text:
            clean[name] = None
            continue
        if name == "commissioner":
            text = text.upper()
        if text not in options[name]:
            shown = ", ".join(options[name][:10]) or "none"
            raise InputError(
                f"{name} must be one the ledger holds ({shown}); got {text!r}. "
                f"Choose one from the list or leave it as 'All'."
            )
        clean[name] = text
    return clean


def summary_for(
    handle: StoreHandle, session: Session, by: str, filters: dict[str, str | None]
) -> LedgerSummary:
    """:func:`ledger_summary` for the page and API, memoised per ledger contents."""

    def ledger_view(st: Store, by: str, version: tuple[Any, ...], **flt: Any) -> LedgerSummary:
        return ledger_summary(session, st, by=by, **flt)

    version = ledger_version(session)
    if by == "core20":
        level = handle.compute(ledger_view, "decile", version, **filters).metadata["area_level"]
        if level != "lsoa":
            raise InputError(
                f"the core20 breakdown must use flows to LSOAs (Core20 is the most deprived "
                f"20% of LSOAs in England); got flows to {level.upper()} areas. Use the decile "
                f"breakdown for {level.upper()} areas."
            )
    return handle.compute(ledger_view, by, version, **filters)


def reading(ci: ConcentrationIndex | None) -> str:
    """The concentration index of spend per head against need, in plain English.

    >>> from healthgap.stats.inequality.concentration import ConcentrationIndex
    >>> print(reading(ConcentrationIndex(-0.12, 0.02, -0.159, -0.081, 0.95, 12, 50.0)))
    More is spent per head where need is higher: the concentration index is -0.120 (95% \
confidence interval -0.159 to -0.081, 12 areas), below zero with the whole interval \
below zero.
    """
    if ci is None:
        return (
            "The concentration index needs spend in at least two areas with a population; "
            "these flows do not have that."
        )
    figures = (
        f"the concentration index is {ci.value:.3f} ({ci.confidence:.0%} confidence interval "
        f"{ci.lower:.3f} to {ci.upper:.3f}, {ci.n} areas)"
    )
    if ci.upper < 0:
        return (
            f"More is spent per head where need is higher: {figures}, below zero with the "
            "whole interval below zero."
        )
    if ci.lower > 0:
        return (
            f"More is spent per head where need is lower: {figures}, above zero with the "
            "whole interval above zero."
        )
    return (
        f"Spend per head shows no clear leaning towards areas of higher or lower need: "
        f"{figures}, and the interval includes zero."
    )


def _chart(rows: list[dict[str, Any]], title: str, x_title: str, per_head: bool) -> Chart:
    """Spend per head by group, with the group's population, spend, spend per
    need-weighted head and share of spend in the table (groups whose spend per head is
    withheld are in the table, not drawn)."""
    extra = [("areas", "Areas")] if per_head else []
    extra += [
        ("population", "Population"),
        ("spend_pounds", "Spend (£)"),
        ("spend_per_need_weighted_head", "Spend per need-weighted head (£)"),
        ("spend_share_percent", "Share of spend (%)"),
    ]
    return bars(
        rows,
        category_field="label",
        value_field="spend_per_head",
        title=title,
        category_title=x_title,
        value_title="Spend per head (£)",
        kind="ordinal",
        table_options=TableOptions(
            extra=tuple(extra),
            order=(
                "label",
                *(("areas",) if per_head else ()),
                "population",
                "spend_pounds",
                "spend_per_head",
                "spend_per_need_weighted_head",
                "spend_share_percent",
            ),
            digits={
                "areas": 0,
                "population": 0,
                "spend_pounds": 2,
                "spend_per_head": 2,
                "spend_per_need_weighted_head": 2,
                "spend_share_percent": 1,
            },
        ),
    )


def _section(by: str, summary: LedgerSummary, query: str) -> dict[str, Any]:
    table = summary.table
    label = _LABEL_OF[by]
    rows = records(table)
    for r in rows:
        raw = str(r[label])
        r["label"] = PROVIDER_TYPE_NAMES.get(raw) or raw.replace("_", " ").capitalize()
        share = r.get("spend_share")
        r["spend_share_percent"] = None if share is None else 100 * share
    per_head = by in ("decile", "core20")
    x_title = {"decile": "IMD decile (1 = most deprived)", "core20": "Areas"}.get(
        by, "Provider type" if by == "provider-type" else "Programme"
    )
    return {
        "by": by,
        "title": BY_TITLES[by],
        "label": x_title,
        "rows": rows,
        "per_head": per_head,
        "chart": _chart(rows, BY_TITLES[by], x_title, per_head),
        "csv": f"/api/v1/ledger/summary/{by}?{query}format=csv",
    }


def _csv_name(name: str, summary: LedgerSummary) -> str:
    """A file name that says so when the ledger holds synthetic flows."""
    return f"{name}-synthetic" if summary.metadata.get("synthetic") else name


def _labelled(table: pd.DataFrame, summary: LedgerSummary) -> pd.DataFrame:
    """The table with a ``label`` column on every row when the ledger holds synthetic flows,
    and ``includes_example`` when it sums example records (the example workspace)."""
    if summary.metadata.get("example"):
        table = table.assign(includes_example=True)
    if not summary.metadata.get("synthetic"):
        return table
    return table.assign(label=SYNTHETIC_LABEL)


def _query(filters: dict[str, str | None]) -> str:
    from urllib.parse import urlencode

    given = {k: v for k, v in filters.items() if v}
    return urlencode(given) + "&" if given else ""


# --------------------------------------------------------------------------- pages


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(
    request: Request,
    session: DbDep,
    st: StoreDep,
    period: str | None = None,
    commissioner: str | None = None,
    programme: str | None = None,
) -> HTMLResponse:
    """Published spending: spend per head by deprivation, provider type and programme."""
    options = ledger_filters(session)
    chosen = {"period": period, "commissioner": commissioner, "programme": programme}
    context: dict[str, Any] = {
        "options": options,
        "chosen": {k: (v or "").strip() for k, v in chosen.items()},
        "errors": [],
        "notice": None,
        "sections": [],
        "notes": [],
        "summary": None,
        "reading": None,
        "empty": not options["period"],
        "commissioner_names": commissioner_names(session),
    }
    if context["empty"]:
        return render(request, "ledger.html", context)
    try:
        filters = _check_filters(options, chosen)
        main = summary_for(st, session, "decile", filters)
    except InputError as exc:
        if any((v or "").strip() for v in chosen.values()):
            context["errors"] = [str(exc)]
            return render(request, "ledger.html", context, status_code=400)
        context["notice"] = str(exc)
        return render(request, "ledger.html", context)
    query = _query(filters)
    sections = [_section("decile", main, query)]
    for by in BY_OPTIONS[1:]:
        try:
            sections.append(_section(by, summary_for(st, session, by, filters), query))
        except InputError as exc:
            context["notes"].append(f"{BY_TITLES[by]}: {exc}")
    c = main.concentration
    context.update(
        sections=sections,
        summary=main,
        metadata=main.metadata,
        ci=c,
        reading=reading(c),
        total=sum(float(r["spend_pounds"]) for r in sections[0]["rows"]),
        unattached=float(main.metadata["unattached_spend_pounds"]),
        areas_csv=f"/api/v1/ledger/areas?{query}format=csv",
        synthetic=main.metadata.get("synthetic"),
        example=main.metadata.get("example"),
    )
    return render(request, "ledger.html", context)


@router.get("/ledger/check", response_class=HTMLResponse)
def ledger_check_page(request: Request, session: DbDep) -> HTMLResponse:
    """Flows against allocations for every commissioner, programme and year."""
    result = check_ledger(session)
    synthetic = session.scalar(
        select(LedgerFlow.id).where(LedgerFlow.source_ref.contains(SYNTHETIC_LABEL)).limit(1)
    )
    return render(
        request,
        "ledger_check.html",
        {
            "rows": records(_check_table(result)),
            "problems": result.problems,
            "ok": result.ok,
            "synthetic": synthetic is not None,
            "label": SYNTHETIC_LABEL,
        },
    )


def _check_table(result: CheckResult) -> pd.DataFrame:
    t = result.table.copy()
    t["allocated_pounds"] = t["allocated_pence"].astype("Float64") / 100
    t["flows_pounds"] = t["flows_pence"] / 100
    t["remaining_pounds"] = t["remaining_pence"].astype("Float64") / 100
    t = t.astype({"allocated_pence": "object", "remaining_pence": "object"})
    return t.where(t.notna(), None)


# --------------------------------------------------------------------------- import


def _importer(request: Request, session: Session) -> User:
    """The signed-in editor (of an authority) or administrator; 401 or 403 for others."""
    user = require_user(request, session)
    if user.role == "admin" or (user.role == "editor" and user.authority_code):
        return user
    raise WebError(
        403,
        "forbidden",
        f"ledger files must be imported by an administrator or an editor of an authority; "
        f"got {user.role} {user.email}. Ask an administrator for access.",
    )


def own_rows_only(text: pd.DataFrame, first: int, file: str, authority: str) -> list[Discrepancy]:
    """Rows whose commissioner is not ``authority`` (an editor imports only their own)."""
    if "commissioner_code" not in text.columns:
        return []
    codes = text["commissioner_code"].astype(str).str.strip().str.upper()
    bad = codes != authority.upper()
    return [
        Discrepancy(
            file,
            int(i) + first,
            "commissioner_code",
            str(text["commissioner_code"].iat[int(i)]),
            f"must be your own authority's code {authority} (editors import only their own "
            "authority's rows; ask an administrator to import the others)",
        )
        for i in bad.to_numpy().nonzero()[0]
    ]


def _import_page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    base: dict[str, Any] = {
        "kinds": FILE_KINDS,
        "kind": "flows",
        "errors": [],
        "problems": [],
        "more": 0,
        "result": None,
        "max_size": size_text(MAX_UPLOAD_BYTES),
    }
    return render(request, "ledger_import.html", {**base, **context}, status_code=status)


@router.get("/ledger/import", response_class=HTMLResponse)
def ledger_import_form(request: Request, session: DbDep) -> HTMLResponse:
    """The upload form (editors and administrators)."""
    user = _importer(request, session)
    return _import_page(request, user=user)


@router.post(
    "/ledger/import", response_class=HTMLResponse, dependencies=[requires("ledger", "import")]
)
async def ledger_import(request: Request, session: DbDep, st: StoreDep) -> HTMLResponse:
    """Check an uploaded ledger file and store it, all or nothing; audit the import."""
    if declared_too_large(request, MAX_UPLOAD_BYTES):
        user = await run_in_threadpool(_importer, request, session)
        return _too_big(request, user, "flows")
    form = await request.form(max_files=1, max_fields=4)
    try:
        token = form.get("csrf_token")
        csrf.check(request, token if isinstance(token, str) else None)
        user = await run_in_threadpool(_importer, request, session)
        kind, upload, errors = upload_fields(form, "kind", KINDS, "Select the kind of ledger file")
        if upload is None or errors:
            return _import_page(request, 400, user=user, kind=kind or "flows", errors=errors)
        if part_too_large(upload, MAX_UPLOAD_BYTES):
            return _too_big(request, user, kind)
        return await run_in_threadpool(_load, request, session, st, user, upload, kind)
    finally:
        await form.close()


def _too_big(request: Request, user: User, kind: str) -> HTMLResponse:
    message = f"The selected file must be smaller than {size_text(MAX_UPLOAD_BYTES)}"
    return _import_page(request, 413, user=user, kind=kind, errors=[("file", message)])


def _rejected(
    request: Request, user: User, kind: str, problems: list[Discrepancy], status: int
) -> HTMLResponse:
    errors = [("file", d.describe()) for d in problems[:MAX_SHOWN]]
    return _import_page(
        request,
        status,
        user=user,
        kind=kind,
        errors=errors,
        problems=[{**d.to_dict(), "amount": _amount(d.amount_pence)} for d in problems],
        more=max(0, len(problems) - MAX_SHOWN),
    )


def _amount(pence: int | None) -> str:
    return "" if pence is None else pounds(pence)


class ImportRefused(Exception):
    """An uploaded ledger file that was not imported (nothing was stored), and why.

    ``status`` is 400 (the file breaks the ledger's rules or cannot be read), 403 (an
    editor's file names another authority's commissioner) or 413 (the file is larger than
    :data:`~healthgap.web.uploads.MAX_UPLOAD_BYTES`); ``problems`` lists every
    discrepancy found (empty when the file was refused as a whole).
    """

    def __init__(self, status: int, message: str, problems: tuple[Discrepancy, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems


@dataclass(frozen=True)
class Uploaded:
    """An uploaded ledger file that :func:`import_upload` imported (or found already loaded)."""

    result: ImportResult
    file: str
    size: int


#: The API's answer to a file over the size limit (the page words it as a form error).
TOO_BIG = (
    f"the file must be smaller than {size_text(MAX_UPLOAD_BYTES)}; got a larger one. Split it "
    "(for example one file per financial year) and import each part."
)


def import_upload(
    session: Session, st: StoreHandle, user: User, upload: UploadFile, kind: str
) -> Uploaded:
    """Import an uploaded flows or allocations file for ``user``, all or nothing.

    The one path behind the upload page and ``POST /api/v1/ledger/imports``: the file is
    copied under its safe name with the size limit, an editor's rows must all be their own
    authority's (:func:`own_rows_only`), then :func:`healthgap.ledger.import_ledger`
    checks and stores it and writes the audit log. The same file again adds nothing
    (``result.already_imported``).

    Raises
    ------
    ImportRefused
        With status 413, 403 (foreign rows, each listed) or 400 (every discrepancy
        listed, or the file cannot be read); the ledger is unchanged.
    """
    with saved_upload(upload, MAX_UPLOAD_BYTES, "healthgap-ledger-") as (path, size):
        name = path.name
        if size is None:
            raise ImportRefused(413, TOO_BIG)
        try:
            if user.role != "admin":
                text, first = read_ledger_file(path)
                foreign = own_rows_only(text, first, name, str(user.authority_code))
                if foreign:
                    raise ImportRefused(403, str(LedgerRejected(name, foreign)), tuple(foreign))
            areas = st.compute(area_levels) if kind == "flows" else None
            try:
                result = import_ledger(session, path, kind, areas=areas, user=user.email)
            except IntegrityError:
                # Another request stored the same file or rows between this import's checks
                # and its commit (import_ledger rolled back): run it again, so the rows now
                # loaded are skipped or the file is reported as already imported.
                result = import_ledger(session, path, kind, areas=areas, user=user.email)
        except LedgerRejected as exc:
            raise ImportRefused(400, str(exc), exc.discrepancies) from None
        except InputError as exc:
            raise ImportRefused(400, str(exc)) from None
    return Uploaded(result, name, size)


def _load(
    request: Request,
    session: Session,
    st: StoreHandle,
    user: User,
    upload: UploadFile,
    kind: str,
) -> HTMLResponse:
    try:
        done = import_upload(session, st, user, upload, kind)
    except ImportRefused as exc:
        if exc.status == 413:
            return _too_big(request, user, kind)
        if exc.problems:
            return _rejected(request, user, kind, list(exc.problems), exc.status)
        return _import_page(request, 400, user=user, kind=kind, errors=[("file", exc.message)])
    return _import_page(
        request, 200, user=user, kind=kind, result=done.result, file=done.file, size=done.size
    )


# --------------------------------------------------------------------------- JSON and CSV


def _by(by: str) -> str:
    if by not in BY_OPTIONS:
        raise WebError(
            404,
            "not_found",
            f"the breakdown must be one of {', '.join(BY_OPTIONS)}; got {by!r}. "
            "Use e.g. /api/v1/ledger/summary/decile.",
        )
    return by


def _format(fmt: str) -> str:
    if fmt not in ("json", "csv"):
        raise InputError(
            f"format must be json or csv; got {fmt!r}. Use ?format=csv or leave it out."
        )
    return fmt


def _api_summary(
    session: Session,
    st: StoreHandle,
    by: str,
    period: str | None,
    commissioner: str | None,
    programme: str | None,
) -> LedgerSummary:
    options = ledger_filters(session)
    chosen = {"period": period, "commissioner": commissioner, "programme": programme}
    return summary_for(st, session, by, _check_filters(options, chosen))


def _meta(summary: LedgerSummary) -> dict[str, Any]:
    c = summary.concentration
    return {
        "metadata": summary.metadata,
        "concentration_index": None if c is None else c.to_dict(),
        "reading": reading(c),
    }


@api.get("/summary/{by}")
def ledger_summary_api(
    session: DbDep,
    st: StoreDep,
    by: str,
    period: str | None = None,
    commissioner: str | None = None,
    programme: str | None = None,
    format: str = "json",
) -> Any:
    """Spend, population (disclosure-controlled) and spend per head by ``decile``,
    ``core20``, ``provider-type`` or ``programme``, with the concentration index of spend
    per head against need."""
    fmt = _format(format)
    summary = _api_summary(session, st, _by(by), period, commissioner, programme)
    if fmt == "csv":
        return csv_response(_labelled(summary.table, summary), _csv_name(f"ledger-{by}", summary))
    return {**_meta(summary), "by": by, "data": records(summary.table)}


@api.get("/areas")
def ledger_areas_api(
    session: DbDep,
    st: StoreDep,
    period: str | None = None,
    commissioner: str | None = None,
    programme: str | None = None,
    format: str = "json",
) -> Any:
    """Spend per head of each area the flows name, with its need and decile (the units of
    the concentration index)."""
    fmt = _format(format)
    summary = _api_summary(session, st, "decile", period, commissioner, programme)
    if fmt == "csv":
        return csv_response(_labelled(summary.areas, summary), _csv_name("ledger-areas", summary))
    return {**_meta(summary), "data": records(summary.areas)}


@api.get("/check")
def ledger_check_api(session: DbDep, format: str = "json") -> Any:
    """Allocated, spent and remaining for every commissioner, programme and year, with
    every problem found (flows over or without an allocation, rows changed outside)."""
    fmt = _format(format)
    result = check_ledger(session)
    table = _check_table(result)
    if fmt == "csv":
        return csv_response(table, "ledger-check")
    return {"ok": result.ok, "problems": list(result.problems), "data": records(table)}


# --------------------------------------------------------------------------- imports (API)

CsrfHeader = Header(None, alias="X-CSRF-Token")

#: The request body of ``POST /api/v1/ledger/imports`` (the form is read by hand, after
#: the sign-in, CSRF and size checks, so it is described here for the OpenAPI document).
UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["kind", "file"],
                "properties": {
                    "kind": {
                        "type": "string",
                        "enum": list(KINDS),
                        "description": "What the file holds: flows or allocations.",
                    },
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": (
                            "The ledger file: .csv (UTF-8), .xlsx or .parquet, at most "
                            f"{size_text(MAX_UPLOAD_BYTES)}; see docs/ledger.md for its columns."
                        ),
                    },
                },
            }
        }
    },
}


class LedgerImportOut(BaseModel):
    """What an import through the API did (``POST /api/v1/ledger/imports``)."""

    import_id: int | None = Field(description="The new import's id; null when already imported.")
    previous_import_id: int | None = Field(
        description="When already imported: the import that loaded this file; else null."
    )
    kind: str = Field(description="flows or allocations.")
    file: str = Field(description="The file's name as stored (without folders).")
    sha256: str = Field(description="SHA-256 of the file's bytes (what makes it the same file).")
    size_bytes: int = Field(description="The file's size in bytes.")
    rows_added: int = Field(description="Rows stored by this import.")
    rows_skipped: int = Field(description="Rows of the file already in the ledger (not stored).")
    total_pence: int = Field(description="The sum of the rows stored, in whole pence.")
    total: str = Field(description="The same sum in pounds, e.g. '£1,234.50'.")
    commissioners: list[str] = Field(description="Commissioner codes of the rows stored.")
    already_imported: bool = Field(description="The same file was imported before: no change.")
    imported_by: str = Field(description="The signed-in user who sent the file (audited).")
    message: str = Field(description="What happened, in words.")


def _import_body(session: Session, user: User, done: Uploaded) -> dict[str, Any]:
    r = done.result
    total, codes, previous = 0, [], None
    if r.import_id is not None:
        row = ledger_imports(session, import_id=r.import_id).iloc[0]
        total = int(row["total_pence"])
        codes = [c for c in str(row["commissioners"]).split(",") if c]
    else:
        previous = session.scalar(
            select(func.min(LedgerImport.id)).where(
                LedgerImport.sha256 == r.sha256, LedgerImport.kind == r.kind
            )
        )
    out = LedgerImportOut(
        import_id=r.import_id,
        previous_import_id=previous,
        kind=r.kind,
        file=done.file,
        sha256=r.sha256,
        size_bytes=done.size,
        rows_added=r.rows_added,
        rows_skipped=r.rows_skipped,
        total_pence=total,
        total=pounds(total),
        commissioners=codes,
        already_imported=r.already_imported,
        imported_by=user.email,
        message=r.summary(),
    )
    return out.model_dump(mode="json")


def _refused(exc: ImportRefused) -> WebError:
    """The API's error for a refused file: every discrepancy in ``details``."""
    if exc.status == 413:
        return WebError(413, "too_large", exc.message)
    details = [
        {k: v.item() if hasattr(v, "item") else v for k, v in d.to_dict().items()}
        for d in exc.problems
    ] or None
    code = "forbidden" if exc.status == 403 else "invalid_input"
    return WebError(exc.status, code, exc.message, details)


async def _api_form(request: Request) -> FormData:
    try:
        return await request.form(max_files=1, max_fields=4)
    except BodyTooLarge:
        raise  # the body limit (web.limits) answers 413 itself
    except StarletteHTTPException as exc:  # the multipart parser's complaint
        raise WebError(
            400,
            "invalid_input",
            f"the request body must be a multipart form with the fields kind and file; got "
            f"{str(exc.detail).rstrip('.')}. Send it as in docs/ledger.md: "
            "curl -F kind=flows -F file=@flows.csv ...",
        ) from None


def _api_fields(form: FormData) -> tuple[str, UploadFile]:
    """``kind`` and ``file`` of the API's form, or a 422 listing each bad field."""
    kind = form.get("kind")
    upload = form.get("file")
    problems: list[dict[str, Any]] = []
    if not isinstance(kind, str) or kind not in KINDS:
        got = "none" if kind is None else ("a file" if not isinstance(kind, str) else repr(kind))
        problems.append(
            {
                "location": ["body", "kind"],
                "message": f"kind must be one of {', '.join(KINDS)}; got {got}. "
                "Send -F kind=flows or -F kind=allocations.",
            }
        )
    if not isinstance(upload, UploadFile) or not upload.filename:
        got = "none" if upload is None else "a plain text field, not a file"
        problems.append(
            {
                "location": ["body", "file"],
                "message": f"file must be an uploaded file part with a file name; got {got}. "
                "Send -F file=@flows.csv (the @ attaches the file).",
            }
        )
    if problems or not isinstance(upload, UploadFile) or not isinstance(kind, str):
        raise WebError(422, "invalid_request", problems[0]["message"], problems)
    return kind, upload


@api.post(
    "/imports",
    status_code=201,
    response_model=LedgerImportOut,
    summary="Import a ledger file (administrators; editors for their own authority)",
    responses={
        200: {"model": LedgerImportOut, "description": "Already imported: nothing changed"},
        413: {"description": "File too large"},
    },
    openapi_extra={"requestBody": UPLOAD_BODY},
    dependencies=[requires("ledger", "import")],
)
async def ledger_import_api(
    request: Request, session: DbDep, st: StoreDep, x_csrf_token: str | None = CsrfHeader
) -> Any:
    """Check an uploaded flows or allocations file and store it, all or nothing, exactly
    as the upload page and ``healthgap ledger import`` do.

    201 with what was stored; 200 (``already_imported``) when the same file was imported
    before; 400 listing every discrepancy in ``details`` (nothing stored); 403 when an
    editor's file names another authority's commissioner (those rows in ``details``);
    413 when the file is too large; 422 when ``kind`` or ``file`` is missing or wrong.
    """
    user = await run_in_threadpool(_importer, request, session)
    csrf.check(request, x_csrf_token)
    if declared_too_large(request, MAX_UPLOAD_BYTES):
        raise WebError(413, "too_large", TOO_BIG)
    form = await _api_form(request)
    try:
        kind, upload = _api_fields(form)
        if part_too_large(upload, MAX_UPLOAD_BYTES):
            raise WebError(413, "too_large", TOO_BIG)
        try:
            done = await run_in_threadpool(import_upload, session, st, user, upload, kind)
        except ImportRefused as exc:
            raise _refused(exc) from None
        body = await run_in_threadpool(_import_body, session, user, done)
    finally:
        await form.close()
    return JSONResponse(body, status_code=200 if done.result.already_imported else 201)


def _visible_imports(session: Session, user: User) -> pd.DataFrame:
    """Every import for an administrator; for an editor, the imports they ran and those
    that added only their own authority's rows."""
    table = ledger_imports(session)
    if user.role != "admin":
        own = table["commissioners"] == str(user.authority_code).upper()
        table = pd.DataFrame(table[own | (table["imported_by"] == user.email)])
    table = table.assign(imported_at=table["imported_at"].map(lambda t: t.isoformat()))
    return table.reset_index(drop=True)


@api.get(
    "/imports",
    summary="Past ledger imports (administrators; editors see their own)",
    responses={
        401: {"description": "Not signed in"},
        403: {"description": "Not an administrator or an editor of an authority"},
    },
)
def ledger_imports_api(
    request: Request,
    session: DbDep,
    format: Format = Fmt,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    """Every file imported, newest first: id, kind, file name, rows added and skipped, the
    sum stored (whole pence), its commissioners, who imported it and when (UTC)."""
    user = _importer(request, session)
    table = _visible_imports(session, user)
    if format == "csv":
        return csv_response(table, "ledger-imports")
    return page(request, table, limit, offset, {})
