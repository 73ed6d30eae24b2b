"""Importing, checking and reporting the ledger held in the app database.

* :func:`import_ledger` validates a whole file, reconciles it with what is already
  loaded, and stores it in one transaction, or rejects it whole listing every problem;
* :func:`check_ledger` re-checks everything loaded (flows never exceed allocations,
  every flow has an allocation, each stored row still matches its key);
* :func:`ledger_summary` gives spend per head by deprivation decile, Core20, provider
  type or programme, and the concentration index of spend per head against need.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthgap.appdb import audit
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.ledger.models import LedgerAllocation, LedgerFlow, LedgerImport
from healthgap.ledger.schema import (
    KINDS,
    Discrepancy,
    LedgerRejected,
    file_sha256,
    pounds,
    read_ledger_file,
    validate_rows,
)
from healthgap.safe_csv import csv_text
from healthgap.stats.inequality.concentration import ConcentrationIndex, concentration_index

KEY = ["commissioner_code", "programme", "period"]
FLOW_KEY_FIELDS = (
    "commissioner_code",
    "provider_code",
    "provider_type",
    "programme",
    "area_code",
    "period",
    "amount_pence",
    "refund",
    "source_ref",
)
LEVELS: tuple[str, ...] = ("lsoa", "lad", "utla", "icb")
BY_OPTIONS: tuple[str, ...] = ("decile", "core20", "provider-type", "programme")
By = Literal["decile", "core20", "provider-type", "programme"]
LICENCE = "Open Government Licence v3.0"
POPULATION_SOURCE = (
    "MHCLG English Indices of Deprivation 2019, File 6 (LSOA populations mid-2015, ONS); "
    "area IMD scores and deciles from healthgap.geography"
)
#: The allocation year of the NHS need index that weights populations.
NEED_YEAR = "2025/26"
NEED_SOURCE = (
    f"need-weighted population = population x NHS England's published need index "
    f"({NEED_YEAR} final weighted population per registered patient; practices counted in "
    "the district of their address; an LSOA takes its district's index, an ICB its own)"
)


@dataclass(frozen=True)
class ImportResult:
    """What an import did: ``import_id`` (None when the same file was already loaded)."""

    file: str
    kind: str
    sha256: str
    rows_added: int
    rows_skipped: int
    import_id: int | None
    already_imported: bool = False

    def summary(self) -> str:
        if self.already_imported:
            return f"{self.file} was already imported (same contents); nothing added."
        return (
            f"Imported {self.file} ({self.kind}): {self.rows_added} rows added, "
            f"{self.rows_skipped} already in the ledger (import #{self.import_id})."
        )


def flow_key(row: dict[str, Any] | pd.Series) -> str:
    """SHA-256 of a flow's natural content: the same payment gives the same key."""
    text = "\x1f".join(str(row[f]) for f in FLOW_KEY_FIELDS)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- areas


def area_levels(store: Store | str | None) -> pd.DataFrame:
    """Every area code the ledger accepts with its level (``lsoa``, ``lad``, ``utla``,
    ``icb``): LSOAs 2011 and 2021, LADs 2024, UTLAs 2023 and ICBs 2024 (and 2022) from
    the store's ONS lookups. A code at two levels (unitary authorities) counts as LAD."""
    from healthgap.geography import lad_lookup, lsoa_lookup
    from healthgap.geography.hierarchy import using

    with using(store) as s:
        l21 = lsoa_lookup(s, lsoa_vintage=2021)
        l11 = lsoa_lookup(s, lsoa_vintage=2011)
        lads = lad_lookup(s)
    parts = [
        pd.DataFrame(
            {"area_code": pd.concat([l21["lsoa_code"], l11["lsoa_code"]]), "level": "lsoa"}
        ),
        pd.DataFrame({"area_code": lads["lad_code"], "level": "lad"}),
        pd.DataFrame({"area_code": lads["utla_code"].dropna(), "level": "utla"}),
        pd.DataFrame(
            {"area_code": pd.concat([l21["icb_code"], l11["icb_code"]]).dropna(), "level": "icb"}
        ),
    ]
    out = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(out.drop_duplicates("area_code", keep="first")).reset_index(drop=True)


# --------------------------------------------------------------------------- import


def _loaded_allocations(session: Session) -> pd.DataFrame:
    rows = session.execute(
        select(
            LedgerAllocation.commissioner_code,
            LedgerAllocation.programme,
            LedgerAllocation.period,
            LedgerAllocation.amount_pence,
        )
    ).all()
    return pd.DataFrame(rows, columns=[*KEY, "amount_pence"]).astype({"amount_pence": "int64"})


def _loaded_flow_totals(session: Session) -> pd.DataFrame:
    rows = session.execute(
        select(
            LedgerFlow.commissioner_code,
            LedgerFlow.programme,
            LedgerFlow.period,
            LedgerFlow.amount_pence,
        )
    ).all()
    df = pd.DataFrame(rows, columns=[*KEY, "amount_pence"]).astype({"amount_pence": "int64"})
    return pd.DataFrame(df.groupby(KEY, as_index=False)["amount_pence"].sum())


def _amount_problem(file: str, row: Any, amount_pence: Any, rule: str) -> Discrepancy:
    """A discrepancy in a row's ``amount``: the value shown in pounds, kept in pence."""
    pence = int(amount_pence)
    return Discrepancy(file, int(row), "amount", pounds(pence), rule, pence)


def _reconcile_allocations(
    session: Session, rows: pd.DataFrame, file: str
) -> tuple[pd.DataFrame, list[Discrepancy]]:
    problems: list[Discrepancy] = []
    dup = rows.duplicated(KEY, keep="first")
    for _, r in rows[dup].iterrows():
        first = rows.loc[(rows[KEY] == r[KEY]).all(axis=1), "row"].iloc[0]
        problems.append(
            Discrepancy(
                file,
                int(r["row"]),
                "programme",
                f"{r['commissioner_code']} / {r['programme']} / {r['period']}",
                f"each commissioner, programme and period must appear once (also row {first})",
                int(r["amount_pence"]),
            )
        )
    loaded = _loaded_allocations(session)
    merged = rows.merge(loaded, on=KEY, how="left", suffixes=("", "_loaded"))
    known = merged["amount_pence_loaded"].notna().to_numpy()
    conflict = known & (merged["amount_pence_loaded"].fillna(0) != merged["amount_pence"])
    for i in np.flatnonzero(conflict):
        r = merged.iloc[i]
        problems.append(
            _amount_problem(
                file,
                r["row"],
                r["amount_pence"],
                f"must match the allocation already loaded for {r['commissioner_code']} / "
                f"{r['programme']} / {r['period']} ({pounds(int(r['amount_pence_loaded']))})",
            )
        )
    # Allocations cut below what has already been spent would break the ledger too.
    spent = _loaded_flow_totals(session)
    over = rows.merge(spent, on=KEY, how="inner", suffixes=("", "_spent"))
    for _, r in over[over["amount_pence_spent"] > over["amount_pence"]].iterrows():
        problems.append(
            _amount_problem(
                file,
                r["row"],
                r["amount_pence"],
                f"must cover the flows already loaded ({pounds(int(r['amount_pence_spent']))})",
            )
        )
    new = rows[~known & ~dup.to_numpy()]
    return new, problems


def _reconcile_flows(
    session: Session, rows: pd.DataFrame, file: str, areas: pd.DataFrame
) -> tuple[pd.DataFrame, list[Discrepancy]]:
    problems: list[Discrepancy] = []
    flows = rows[rows["row_type"] == "flow"].copy()
    totals = rows[rows["row_type"] == "total"]
    # Unknown area codes.
    unknown = ~flows["area_code"].isin(areas["area_code"])
    for _, r in flows[unknown].iterrows():
        problems.append(
            Discrepancy(
                file,
                int(r["row"]),
                "area_code",
                r["area_code"],
                "must be an English LSOA, LAD, UTLA or ICB code known to the store",
                int(r["amount_pence"]),
            )
        )
    # Natural keys: repeats inside the file, and rows already loaded.
    flows["flow_key"] = [
        flow_key({str(k): v for k, v in r.items()})
        for r in flows[list(FLOW_KEY_FIELDS)].to_dict("records")
    ]
    dup = flows.duplicated("flow_key", keep="first")
    for _, r in flows[dup].iterrows():
        first = flows.loc[flows["flow_key"] == r["flow_key"], "row"].iloc[0]
        problems.append(
            Discrepancy(
                file,
                int(r["row"]),
                "source_ref",
                r["source_ref"],
                f"must not repeat row {first} exactly (give each payment its own source_ref)",
                int(r["amount_pence"]),
            )
        )
    keys = flows["flow_key"].tolist()
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing |= set(
            session.scalars(
                select(LedgerFlow.flow_key).where(
                    LedgerFlow.flow_key.in_(keys[start : start + 500])
                )
            )
        )
    new = flows[~dup & ~flows["flow_key"].isin(existing)]
    # Declared totals add up to the file's own flow rows.
    file_sums = flows[~dup].groupby(KEY, as_index=False)["amount_pence"].sum()
    check = totals.merge(file_sums, on=KEY, how="left", suffixes=("", "_rows"))
    check["amount_pence_rows"] = check["amount_pence_rows"].fillna(0).astype("int64")
    for _, r in check[check["amount_pence"] != check["amount_pence_rows"]].iterrows():
        problems.append(
            _amount_problem(
                file,
                r["row"],
                r["amount_pence"],
                f"the declared total for {r['commissioner_code']} / {r['programme']} / "
                f"{r['period']} must equal its flow rows ({pounds(int(r['amount_pence_rows']))}, "
                f"difference {pounds(int(r['amount_pence'] - r['amount_pence_rows']))})",
            )
        )
    # Flows never exceed allocations (loaded flows plus this file's new ones).
    spend = pd.concat([_loaded_flow_totals(session), new[[*KEY, "amount_pence"]]])
    spend = pd.DataFrame(spend.groupby(KEY, as_index=False)["amount_pence"].sum())
    alloc = _loaded_allocations(session)
    both = spend.merge(alloc, on=KEY, how="left", suffixes=("", "_allocated"))
    touched = new.groupby(KEY, as_index=False)["row"].agg(list)
    both = both.merge(touched, on=KEY, how="inner")
    for _, r in both.iterrows():
        rows_text = ", ".join(str(x) for x in r["row"][:10]) + (
            " ..." if len(r["row"]) > 10 else ""
        )
        label = f"{r['commissioner_code']} / {r['programme']} / {r['period']}"
        if pd.isna(r["amount_pence_allocated"]):
            problems.append(
                Discrepancy(
                    file,
                    int(r["row"][0]),
                    "commissioner_code",
                    label,
                    f"flows must have an allocation loaded for their commissioner, programme "
                    f"and period (rows {rows_text}; import the allocations first)",
                    int(r["amount_pence"]),
                )
            )
        elif r["amount_pence"] > r["amount_pence_allocated"]:
            excess = int(r["amount_pence"] - r["amount_pence_allocated"])
            problems.append(
                _amount_problem(
                    file,
                    r["row"][0],
                    r["amount_pence"],
                    f"flows from {label} must not exceed its allocation of "
                    f"{pounds(int(r['amount_pence_allocated']))} (over by {pounds(excess)}; "
                    f"rows {rows_text})",
                )
            )
    return new, problems


def import_ledger(
    session: Session,
    path: str | Path,
    kind: str = "flows",
    *,
    store: Store | str | None = None,
    areas: pd.DataFrame | None = None,
    user: str = "cli",
    example: bool = False,
) -> ImportResult:
    """Import a flows or allocations file into the ledger, all or nothing.

    Imports running at the same time cannot store a row twice (``flow_key`` and the
    allocation key are unique in the database): when another import stored some of the
    same rows between this one's check and its write, the write fails as a whole and is
    reconciled again against what is now stored (up to three times).

    Parameters
    ----------
    session
        A session on the app database (see :func:`healthgap.appdb.db.init_db`).
    path
        CSV, Parquet or Excel (.xlsx) file; see ``docs/ledger.md`` for the columns.
    kind
        ``"flows"`` or ``"allocations"``.
    store, areas
        Where area codes are checked: the store (``area_levels(store)``), or an
        ``areas`` table with an ``area_code`` column. Only flows need them.
    user
        Recorded in the audit log.
    example
        Mark the import and its rows as part of the illustrative example workspace
        (:mod:`healthgap.examples`): tagged "Example" where shown, removable with it.

    Raises
    ------
    LedgerRejected
        Listing every problem (row, column, value, rule, amount); nothing is stored.
    """
    for attempt in range(3):
        try:
            return _import_once(
                session, path, kind, store=store, areas=areas, user=user, example=example
            )
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _import_once(
    session: Session,
    path: str | Path,
    kind: str,
    *,
    store: Store | str | None,
    areas: pd.DataFrame | None,
    user: str,
    example: bool = False,
) -> ImportResult:
    """One attempt of :func:`import_ledger` (rolled back whole on any failure)."""
    p = Path(path)
    if kind not in KINDS:
        raise InputError(f"--kind must be flows or allocations; got {kind!r}.")
    text, first = read_ledger_file(p)
    sha = file_sha256(p)
    done = session.scalar(
        select(LedgerImport).where(LedgerImport.sha256 == sha, LedgerImport.kind == kind)
    )
    if done is not None:
        return ImportResult(p.name, kind, sha, 0, 0, None, already_imported=True)
    rows, problems = validate_rows(text, kind, p.name, first)
    if any(d.row is None for d in problems):  # columns missing or unknown: stop here
        raise LedgerRejected(p.name, problems)
    # Reconcile even when some cells are invalid, so one rejection lists everything.
    if kind == "allocations":
        new, more = _reconcile_allocations(session, rows, p.name)
    else:
        if areas is None:
            areas = area_levels(store)
        new, more = _reconcile_flows(session, rows, p.name, areas)
    problems = problems + more
    if problems:
        problems.sort(key=lambda d: (d.row or 0, d.column or ""))
        raise LedgerRejected(p.name, problems)
    n_rows = int((rows["row_type"] == "flow").sum()) if kind == "flows" else len(rows)
    try:
        record = LedgerImport(
            kind=kind,
            filename=p.name,
            sha256=sha,
            rows_added=len(new),
            rows_skipped=n_rows - len(new),
            imported_by=user,
            imported_at=dt.datetime.now(dt.UTC),
            example=example,
        )
        session.add(record)
        session.flush()
        if kind == "allocations":
            objs: list[Any] = [
                LedgerAllocation(
                    commissioner_code=r["commissioner_code"],
                    commissioner_name=r["commissioner_name"],
                    commissioner_type=r["commissioner_type"],
                    period=r["period"],
                    programme=r["programme"],
                    amount_pence=int(r["amount_pence"]),
                    source_ref=r["source_ref"],
                    import_id=record.id,
                    example=example,
                )
                for r in new.to_dict("records")
            ]
        else:
            objs = [
                LedgerFlow(
                    flow_key=r["flow_key"],
                    commissioner_code=r["commissioner_code"],
                    provider_code=r["provider_code"],
                    provider_name=r["provider_name"],
                    provider_type=r["provider_type"],
                    programme=r["programme"],
                    area_code=r["area_code"],
                    period=r["period"],
                    amount_pence=int(r["amount_pence"]),
                    refund=bool(r["refund"]),
                    source_ref=r["source_ref"],
                    import_id=record.id,
                    example=example,
                )
                for r in new.to_dict("records")
            ]
        session.add_all(objs)
        commissioners = sorted(set(new["commissioner_code"])) if len(new) else []
        audit.record(
            session,
            user,
            "import",
            f"ledger_{kind}",
            record.id,
            commissioners[0] if len(commissioners) == 1 else None,
            None,
            {
                "file": p.name,
                "sha256": sha,
                "rows_added": len(new),
                "rows_skipped": n_rows - len(new),
                "commissioners": commissioners,
                "total_pence": int(new["amount_pence"].sum()) if len(new) else 0,
            },
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return ImportResult(p.name, kind, sha, len(new), n_rows - len(new), record.id)


#: Columns of :func:`ledger_imports`, in order.
IMPORT_COLUMNS: tuple[str, ...] = (
    "import_id",
    "kind",
    "file",
    "sha256",
    "rows_added",
    "rows_skipped",
    "total_pence",
    "commissioners",
    "imported_by",
    "imported_at",
)


def ledger_imports(session: Session, *, import_id: int | None = None) -> pd.DataFrame:
    """Every file imported into the ledger, newest first (or just ``import_id``).

    Columns: ``import_id``, ``kind``, ``file``, ``sha256``, ``rows_added``,
    ``rows_skipped``, ``total_pence`` (the sum in whole pence of the rows that import
    added: 0 when it added none), ``commissioners`` (the sorted commissioner codes of
    those rows, comma-separated) and who ran it when (``imported_by``, ``imported_at``
    in UTC). A file imported again with the same contents is not listed twice: the
    second import adds nothing and records nothing.
    """
    q = select(
        LedgerImport.id,
        LedgerImport.kind,
        LedgerImport.filename,
        LedgerImport.sha256,
        LedgerImport.rows_added,
        LedgerImport.rows_skipped,
        LedgerImport.imported_by,
        LedgerImport.imported_at,
    ).order_by(LedgerImport.id.desc())
    if import_id is not None:
        q = q.where(LedgerImport.id == import_id)
    names = ["import_id", "kind", "file", "sha256", "rows_added", "rows_skipped"]
    imports = pd.DataFrame(session.execute(q).all(), columns=[*names, "imported_by", "at"])
    parts = []
    for model in (LedgerFlow, LedgerAllocation):
        rq = select(model.import_id, model.commissioner_code, func.sum(model.amount_pence))
        if import_id is not None:
            rq = rq.where(model.import_id == import_id)
        rq = rq.group_by(model.import_id, model.commissioner_code)
        parts.append(pd.DataFrame(session.execute(rq).all(), columns=["import_id", "code", "p"]))
    added = pd.concat(parts, ignore_index=True).astype({"import_id": "int64", "p": "int64"})
    by_import = added.sort_values("code").groupby("import_id")
    totals = pd.DataFrame(
        {
            "total_pence": by_import["p"].sum(),
            "commissioners": by_import["code"].agg(lambda c: ",".join(c.unique())),
        }
    )
    out = imports.merge(totals, left_on="import_id", right_index=True, how="left")
    out["total_pence"] = out["total_pence"].fillna(0).astype("int64")
    out["commissioners"] = out["commissioners"].fillna("").astype(str)
    # SQLite hands back naive datetimes; every time stored is UTC (appdb.models.utcnow).
    out["imported_at"] = pd.to_datetime(out.pop("at"), utc=True)
    types = {"import_id": "int64", "rows_added": "int64", "rows_skipped": "int64"}
    return pd.DataFrame(out[list(IMPORT_COLUMNS)]).astype(types).reset_index(drop=True)


def commissioner_names(session: Session) -> dict[str, str]:
    """``{code: name}`` of every commissioner the ledger's allocations name."""
    rows = session.execute(
        select(LedgerAllocation.commissioner_code, LedgerAllocation.commissioner_name).distinct()
    ).all()
    return {str(c): str(n) for c, n in rows if n}


# --------------------------------------------------------------------------- check


@dataclass(frozen=True)
class CheckResult:
    """``table``: one row per commissioner/programme/period with allocation, flows,
    remaining and status, the commissioner's name and ``example`` (records of the
    illustrative example workspace); ``problems``: human-readable failures (empty when all pass)."""

    table: pd.DataFrame
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_ledger(session: Session) -> CheckResult:
    """Check everything loaded: flows within allocations, every flow allocated, and each
    stored flow still matching its key (no edits outside healthgap)."""
    alloc = _loaded_allocations(session)
    spent = _loaded_flow_totals(session)
    table = alloc.merge(spent, on=KEY, how="outer", suffixes=("_allocated", "_flows"))
    table = table.rename(
        columns={"amount_pence_allocated": "allocated_pence", "amount_pence_flows": "flows_pence"}
    )
    problems: list[str] = []
    missing = table["allocated_pence"].isna()
    table["flows_pence"] = table["flows_pence"].fillna(0).astype("int64")
    table["allocated_pence"] = table["allocated_pence"].astype("Int64")
    table["remaining_pence"] = table["allocated_pence"] - table["flows_pence"]
    over = ~missing & (table["remaining_pence"] < 0).fillna(False)
    table["status"] = np.where(missing, "no allocation", np.where(over, "over allocation", "ok"))
    for _, r in table[missing | over].iterrows():
        label = f"{r['commissioner_code']} / {r['programme']} / {r['period']}"
        if pd.isna(r["allocated_pence"]):
            problems.append(f"{label}: flows of {pounds(r['flows_pence'])} have no allocation.")
        else:
            problems.append(
                f"{label}: flows of {pounds(r['flows_pence'])} exceed the allocation of "
                f"{pounds(int(r['allocated_pence']))} by {pounds(-int(r['remaining_pence']))}."
            )
    for flow in session.scalars(select(LedgerFlow)):
        if flow_key({f: getattr(flow, f) for f in FLOW_KEY_FIELDS}) != flow.flow_key:
            problems.append(
                f"flow #{flow.id} ({flow.source_ref}) no longer matches its key: it was changed "
                "outside healthgap."
            )
    table = table.sort_values(KEY, ignore_index=True)
    # Names for people (the code stays beside them) and the example workspace's marker.
    names = commissioner_names(session)
    examples = set(
        session.scalars(select(LedgerAllocation.commissioner_code).where(LedgerAllocation.example))
    ) | set(session.scalars(select(LedgerFlow.commissioner_code).where(LedgerFlow.example)))
    table["commissioner_name"] = [names.get(c) or c for c in table["commissioner_code"]]
    table["example"] = table["commissioner_code"].isin(examples)
    return CheckResult(table, tuple(problems))


# --------------------------------------------------------------------------- report


def ledger_flows(
    session: Session,
    *,
    period: str | None = None,
    commissioner: str | Iterable[str] | None = None,
    programme: str | None = None,
) -> pd.DataFrame:
    """The loaded flows (optionally filtered) as a data frame, amounts in whole pence."""
    q = select(LedgerFlow)
    if period is not None:
        q = q.where(LedgerFlow.period == period)
    if programme is not None:
        q = q.where(LedgerFlow.programme == programme)
    if commissioner is not None:
        codes = [commissioner] if isinstance(commissioner, str) else list(commissioner)
        q = q.where(LedgerFlow.commissioner_code.in_(codes))
    cols = ["id", *FLOW_KEY_FIELDS, "provider_name", "import_id", "example"]
    rows = [{c: getattr(f, c) for c in cols} for f in session.scalars(q)]
    return pd.DataFrame(rows, columns=cols).astype({"amount_pence": "int64", "example": bool})


def _area_table(store: Store | str | None, level: str) -> pd.DataFrame:
    """area_code, population, need (IMD 2019 average score), imd_decile and core20."""
    from healthgap.geography import deprivation_deciles, imd_lsoas

    if level == "lsoa":
        lsoas = imd_lsoas(store, imd=2019)
        return pd.DataFrame(
            {
                "area_code": lsoas["lsoa_code"],
                "population": lsoas["population"],
                "need": lsoas["imd_score"],
                "imd_decile": lsoas["imd_decile"],
                "core20": lsoas["imd_decile"].isin((1, 2)),
            }
        )
    kwargs: dict[str, Any] = {"lad_vintage": 2024} if level == "lad" else {}
    d = deprivation_deciles(store, to=level, imd=2019, **kwargs)
    return pd.DataFrame(
        {
            "area_code": d[f"{level}_code"],
            "population": d["population"],
            "need": d["imd_average_score"],
            "imd_decile": d["imd_decile"],
            "core20": pd.NA,
        }
    )


def _need_index(store: Store | str | None, level: str) -> pd.DataFrame:
    """area_code and NHS England's need index per head (:data:`NEED_YEAR`) at ``level``."""
    from healthgap.allocate import need as nhs
    from healthgap.geography import lsoa_lookup
    from healthgap.geography.hierarchy import using

    with using(store) as s:
        if level in ("lad", "utla"):
            f = nhs.footprint_need(s, NEED_YEAR, level)
            return pd.DataFrame({"area_code": f["code"], "need_index": f["need_index"]})
        if level == "icb":
            icb = nhs.icb_need(s, NEED_YEAR).set_index("icb_code")["need_index"]
            parts = []
            for table, e54, ods in (
                ("lookup_sicbl22_icb22_names_en", "icb22_code", "icb22_code_h"),
                ("lookup_sicbl24_icb24_names_en", "icb24_code", "icb24_code_nhs"),
            ):
                names = s.to_pandas(s.table(table)).drop_duplicates(e54)
                parts.append(
                    pd.DataFrame({"area_code": names[e54], "need_index": names[ods].map(icb)})
                )
            return pd.concat(parts, ignore_index=True).drop_duplicates("area_code")
        lad = nhs.footprint_need(s, NEED_YEAR, "lad").set_index("code")["need_index"]
        lsoas = pd.concat(
            [lsoa_lookup(s, lsoa_vintage=v)[["lsoa_code", "lad_code"]] for v in (2011, 2021)]
        ).drop_duplicates("lsoa_code")
        return pd.DataFrame(
            {"area_code": lsoas["lsoa_code"], "need_index": lsoas["lad_code"].map(lad)}
        )


@dataclass(frozen=True)
class LedgerSummary:
    """The tables behind a ledger report.

    ``table``: the ``by`` breakdown (spend in pounds, population, spend per head, and
    per need-weighted head: ``need_weighted_population`` and
    ``spend_per_need_weighted_head``, :data:`NEED_SOURCE`);
    ``areas``: spend per head of each area with its need and decile; ``unattached``:
    flows whose area has no IMD 2019 population (e.g. LSOA 2021 codes new in 2021);
    ``concentration``: the concentration index of spend per head against need (areas
    ranked most deprived first; negative = spend concentrated where need is higher);
    ``metadata``: source, period, licence, disclosure note.
    """

    table: pd.DataFrame
    areas: pd.DataFrame
    unattached: pd.DataFrame
    concentration: ConcentrationIndex | None
    metadata: dict[str, Any]


def ledger_summary(
    session: Session,
    store: Store | str | None,
    *,
    by: str = "decile",
    period: str | None = None,
    commissioner: str | Iterable[str] | None = None,
    programme: str | None = None,
    need: pd.DataFrame | None = None,
    disclose: bool = True,
) -> LedgerSummary:
    """Spend per head by deprivation decile, Core20, provider type or programme, and the
    concentration index of spend per head against need.

    Areas are the ones the flows name (all at one level: LSOA, LAD, UTLA or ICB);
    populations are IMD 2019's mid-2015 figures summed to that level. ``need`` (columns
    ``area_code`` and ``need``, higher = more need) replaces the IMD score as the
    ranking for the concentration index. Population counts in the output go through
    :func:`healthgap.data.disclosure.apply_disclosure` unless ``disclose=False``.
    """
    if by not in BY_OPTIONS:
        raise InputError(f"--by must be one of {', '.join(BY_OPTIONS)}; got {by!r}.")
    flows = ledger_flows(session, period=period, commissioner=commissioner, programme=programme)
    if flows.empty:
        raise InputError(
            "the ledger must hold flows for the report; got none"
            + (f" for period {period}" if period else "")
            + ". Import flows with `healthgap ledger import FILE --kind flows`."
        )
    levels = area_levels(store)
    flows = flows.merge(levels, on="area_code", how="left")
    found = flows["level"].dropna().unique().tolist()
    if len(found) != 1:
        counts = flows["level"].fillna("unknown").value_counts().to_dict()
        raise InputError(
            f"flows in one report must all name areas at one level (LSOA, LAD, UTLA or ICB); "
            f"got {counts}. Report one commissioner or programme at a time with "
            "--commissioner/--programme."
        )
    level = found[0]
    if by == "core20" and level != "lsoa":
        raise InputError(
            f"--by core20 must use flows to LSOAs (Core20 is the most deprived 20% of LSOAs); "
            f"got flows to {level.upper()} areas. Use --by decile for {level.upper()} areas."
        )
    areas_all = _area_table(store, level)
    if need is not None:
        if not {"area_code", "need"} <= set(need.columns):
            raise InputError(
                f"need must have columns area_code and need; got {', '.join(need.columns)}."
            )
        areas_all = areas_all.drop(columns="need").merge(
            need[["area_code", "need"]], on="area_code", how="left"
        )
    spend = flows.groupby("area_code", as_index=False)["amount_pence"].sum()
    areas = spend.merge(areas_all, on="area_code", how="left")
    areas = areas.merge(_need_index(store, level), on="area_code", how="left")
    areas["need_weighted_population"] = areas["population"] * areas["need_index"]
    missing = areas["population"].isna() | areas["need"].isna() | (areas["population"] <= 0)
    unattached = areas[missing][["area_code", "amount_pence"]].reset_index(drop=True)
    areas = pd.DataFrame(areas[~missing]).reset_index(drop=True)
    areas["spend_pounds"] = areas["amount_pence"] / 100.0
    areas["spend_per_head"] = areas["spend_pounds"] / areas["population"]
    areas["spend_per_need_weighted_head"] = (
        areas["spend_pounds"] / areas["need_weighted_population"]
    )
    attached = flows[flows["area_code"].isin(areas["area_code"])]
    table = _breakdown(by, attached, areas)
    ci = None
    if len(areas) >= 2 and areas["spend_pounds"].sum() > 0:
        ci = concentration_index(
            areas["spend_per_head"].to_numpy(),
            rank=-areas["need"].to_numpy(dtype=float),
            weights=areas["population"].to_numpy(dtype=float),
        )
    metadata: dict[str, Any] = {
        "title": f"Spend per head by {by.replace('-', ' ')}",
        "source": "healthgap ledger (app database): imported flows"
        + "; population and deprivation: "
        + POPULATION_SOURCE,
        "period": period or ", ".join(sorted(flows["period"].unique())),
        "commissioner": ", ".join(sorted(flows["commissioner_code"].unique())),
        "programme": programme or "all",
        "area_level": level,
        "licence": LICENCE,
        "amounts": "pounds (stored as whole pence)",
        "generated": dt.date.today().isoformat(),
        "unattached_spend_pounds": float(unattached["amount_pence"].sum()) / 100.0,
        "need_weighting": NEED_SOURCE,
        "disclosure": "none applied",
    }
    from healthgap.ledger.synthetic import SYNTHETIC_LABEL

    if flows["source_ref"].str.contains(SYNTHETIC_LABEL, regex=False).any():
        metadata["synthetic"] = f"this ledger holds {SYNTHETIC_LABEL}"
    if "example" in flows and flows["example"].any():
        n = int(flows["example"].sum())
        metadata["example"] = (
            f"{n} of {len(flows)} flows are EXAMPLE records of the illustrative example "
            "workspace (commissioner "
            + ", ".join(sorted(flows.loc[flows["example"], "commissioner_code"].unique()))
            + "), not real spending"
        )
    if disclose:
        table, note = _disclose(table)
        areas_pub, note_a = _disclose(areas.drop(columns=["amount_pence"]))
        areas = areas_pub
        metadata["disclosure"] = note if note == note_a else f"{note}; {note_a}"
    else:
        areas = areas.drop(columns=["amount_pence"])
    return LedgerSummary(table, areas, unattached, ci, metadata)


def _breakdown(by: str, flows: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    if by in ("decile", "core20"):
        key = "imd_decile" if by == "decile" else "core20"
        g = areas.groupby(key, as_index=False).agg(
            areas=("area_code", "size"),
            population=("population", "sum"),
            need_weighted_population=("need_weighted_population", lambda x: x.sum(min_count=1)),
            spend_pence=("amount_pence", "sum"),
        )
        g["spend_pounds"] = g.pop("spend_pence") / 100.0
        if by == "core20":
            g["core20"] = np.where(g["core20"].astype(bool), "Core20", "Rest")
    else:
        key = "provider_type" if by == "provider-type" else "programme"
        total_pop = float(areas["population"].sum())
        g = flows.groupby(key, as_index=False).agg(spend_pence=("amount_pence", "sum"))
        g["spend_pounds"] = g.pop("spend_pence") / 100.0
        g["population"] = total_pop
        g["need_weighted_population"] = areas["need_weighted_population"].sum(min_count=1)
    g["spend_per_head"] = g["spend_pounds"] / g["population"]
    g["spend_per_need_weighted_head"] = g["spend_pounds"] / g["need_weighted_population"]
    g["spend_share"] = g["spend_pounds"] / g["spend_pounds"].sum()
    return g.reset_index(drop=True)


def _disclose(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Population counts through the NHS disclosure rule (1-7 withheld, others rounded to
    5); spend per head (derived from a population) is withheld with its count."""
    from healthgap.data.disclosure import apply_disclosure

    counts = table.copy()
    derived = [
        c
        for c in ("spend_per_head", "need_weighted_population", "spend_per_need_weighted_head")
        if c in counts.columns
    ]
    keys = [c for c in counts.columns if c not in ("population", *derived)]
    counts["population"] = counts["population"].round().astype("int64")
    result = apply_disclosure(
        counts,
        count_columns="population",
        derived_columns=derived,
        group_by=[k for k in keys if counts[k].is_unique][:1] or None,
    )
    out = result.to_pandas()
    return out, result.policy.describe()


def write_report(summary: LedgerSummary, out: Path) -> None:
    """Write the report as CSV (``#`` metadata lines, then the table), JSON (metadata,
    table, areas, concentration index) or HTML."""
    import json

    suffix = out.suffix.lower()
    if suffix == ".csv":
        head = "".join(f"# {k}: {v}\n" for k, v in summary.metadata.items())
        if summary.concentration is not None:
            c = summary.concentration
            head += (
                f"# concentration_index: {c.value:.6f} (se {c.se:.6f}, "
                f"95% CI {c.lower:.6f} to {c.upper:.6f}, {c.n} areas)\n"
            )
        out.write_text(head + csv_text(summary.table), encoding="utf-8")
    elif suffix == ".json":
        doc = {
            "metadata": summary.metadata,
            "table": json.loads(summary.table.to_json(orient="records")),
            "areas": json.loads(summary.areas.to_json(orient="records")),
            "unattached": json.loads(summary.unattached.to_json(orient="records")),
            "concentration_index": (
                summary.concentration.to_dict() if summary.concentration else None
            ),
        }
        out.write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    elif suffix in (".html", ".htm"):
        import html

        meta = "".join(
            f"<tr><th scope='row'>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in summary.metadata.items()
        )
        title = html.escape(summary.metadata["title"])
        body = summary.table.to_html(index=False, border=0, na_rep="[withheld]")
        end = body.index(">", body.index("<table")) + 1
        body = f"{body[:end]}<caption>{title}</caption>{body[end:]}"
        out.write_text(
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"</head><body><h1>{title}</h1><table><caption>About these figures</caption>"
            f"{meta}</table>{body}</body></html>",
            encoding="utf-8",
        )
    else:
        raise InputError(f"--out must end in .csv, .json or .html; got {out.name!r}.")
