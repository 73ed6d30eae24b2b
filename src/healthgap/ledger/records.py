"""The ledger as stored: its keys, what the app database already holds, and area levels.

Shared by :mod:`healthgap.ledger.importing` (reconciling a file with what is loaded),
:mod:`healthgap.ledger.checks` and :mod:`healthgap.ledger.summaries`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthgap.data.store import Store
from healthgap.ledger.models import LedgerAllocation, LedgerFlow, LedgerImport

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


def flow_key(row: dict[str, Any] | pd.Series) -> str:
    """SHA-256 of a flow's natural content: the same payment gives the same key."""
    text = "\x1f".join(str(row[f]) for f in FLOW_KEY_FIELDS)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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


def _loaded_amounts(session: Session, table: type[LedgerAllocation | LedgerFlow]) -> pd.DataFrame:
    """Every stored row's key and amount (pence) of allocations or flows."""
    rows = session.execute(
        select(table.commissioner_code, table.programme, table.period, table.amount_pence)
    ).all()
    return pd.DataFrame(rows, columns=[*KEY, "amount_pence"]).astype({"amount_pence": "int64"})


def _loaded_allocations(session: Session) -> pd.DataFrame:
    return _loaded_amounts(session, LedgerAllocation)


def _loaded_flow_totals(session: Session) -> pd.DataFrame:
    df = _loaded_amounts(session, LedgerFlow)
    return pd.DataFrame(df.groupby(KEY, as_index=False)["amount_pence"].sum())


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
