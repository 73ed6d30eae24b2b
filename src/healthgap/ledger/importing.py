"""Importing a ledger file into the app database, all or nothing.

:func:`import_ledger` validates a whole file, reconciles it with what is already loaded
(flows never exceed allocations, every flow has an allocation, a stored row is never
silently changed), and stores it in one transaction, or rejects it whole listing every
problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthgap.appdb import audit
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.ledger.models import LedgerAllocation, LedgerFlow, LedgerImport
from healthgap.ledger.records import (
    FLOW_KEY_FIELDS,
    KEY,
    _loaded_allocations,
    _loaded_flow_totals,
    area_levels,
    flow_key,
)
from healthgap.ledger.schema import (
    KINDS,
    Discrepancy,
    LedgerRejected,
    file_sha256,
    pounds,
    read_ledger_file,
    validate_rows,
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
