"""Helpers the report sections share: indicator ids, number wording and store reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from healthgap.account.neighbours import deprivation_ranks
from healthgap.data.store import Store
from healthgap.geography.authorities import lad25_to_lad24
from healthgap.geography.hexes import current_area_codes
from healthgap.geography.hierarchy import ENGLAND_CODE
from healthgap.report.authority import Authority

HLE = "hle_birth"


LE = "le_birth"


SEXES = ("Female", "Male")


def _years(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f} years"


def _ci(lo: float, hi: float, digits: int = 1) -> str:
    return f"95% CI {lo:.{digits}f} to {hi:.{digits}f}"


def _each(frame: pd.DataFrame) -> list[Any]:
    """The rows of ``frame`` as named tuples (typed loosely: cells are of any type)."""
    return list(frame.itertuples(index=False))


def _rows(store: Store, ids: Sequence[str], codes: Sequence[str] | None = None) -> pd.DataFrame:
    table = store.table("indicators")
    cond = table.indicator_id.isin(list(ids)) & table.category_type.isnull()
    if codes is not None:  # with the 2025 codes of Barnsley and Sheffield
        renamed = lad25_to_lad24(store)
        wanted = [*codes, *(old for old, new in renamed.items() if new in set(codes))]
        cond = cond & table.area_code.isin(wanted)
    cols = [
        "indicator_id",
        "area_code",
        "area_name",
        "area_type",
        "sex",
        "period",
        "period_start",
        "period_end",
        "value",
        "lower_95_0",
        "upper_95_0",
        "polarity",
    ]
    out = store.to_pandas(table.filter(cond).select(*cols))
    out["area_code"] = current_area_codes(out["area_code"], store)  # 2025 LAD codes -> 2024
    out["sex"] = out["sex"].fillna("Persons").astype(str)
    for c in ("value", "lower_95_0", "upper_95_0"):
        out[c] = out[c].astype(float)
    return out


def _council_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Council values: rows typed ``lad``, and for unitary councils (whose district is also
    their upper tier) the rows typed ``utla`` where the publisher gave only those (OHID
    publishes some indicators for unitaries at upper-tier level only)."""
    rows = rows[rows["area_type"].isin(["lad", "utla"])]
    rows = rows.assign(_o=(rows["area_type"] != "lad").astype(int)).sort_values("_o")
    keys = ["indicator_id", "area_code", "sex", "period"]
    return rows.drop_duplicates(keys).drop(columns="_o")


def _hle_periods(store: Store) -> list[str]:
    t = store.indicators(HLE, area_code=ENGLAND_CODE)
    got = store.to_pandas(t.select("period", "period_end").distinct())
    return got.sort_values(["period_end", "period"])["period"].astype(str).tolist()


def _member_ranks(store: Store, auth: Authority) -> pd.DataFrame:
    return deprivation_ranks(store, auth.members)
