"""Published indicator values of councils and other areas, read from the store.

The reads the annual report's sections (and any other face) need before a domain
function can work on them: one indicator's headline rows (no breakdowns) for a list of
areas, the council value of each district (a unitary's upper-tier row where ONS or OHID
publish only that), the periods of healthy life expectancy, and the latest values of the
first indicator the councils have. District codes of 2025 (Barnsley and Sheffield) are
read as their 2024 codes, so the rows meet the lookups and the hex layouts.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from healthgap.data.store import Store
from healthgap.geography.authorities import lad25_to_lad24
from healthgap.geography.hexes import current_area_codes
from healthgap.geography.hierarchy import ENGLAND_CODE

#: Healthy life expectancy at birth (ONS), the mission's measure.
HLE = "hle_birth"

#: The columns :func:`indicator_rows` returns.
COLUMNS = (
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
)


def indicator_rows(
    store: Store,
    ids: Sequence[str],
    codes: Sequence[str] | None = None,
    *,
    area_types: Sequence[str] | None = None,
    sexes: Sequence[str] | None = None,
    latest_start: int | None = None,
) -> pd.DataFrame:
    """The headline rows (no category breakdowns) of indicators ``ids``, for ``codes``.

    ``codes`` (all areas when ``None``) may be 2024 district codes: the 2025 codes of the
    same districts are read too and returned as the 2024 codes. ``sex`` is ``"Persons"``
    where the publisher gave none. ``area_types``, ``sexes`` and ``latest_start`` (the
    last first year of a period to keep) narrow the rows. Columns: :data:`COLUMNS`.
    """
    table = store.table("indicators")
    cond = table.indicator_id.isin(list(ids)) & table.category_type.isnull()
    if codes is not None:
        renamed = lad25_to_lad24(store)
        wanted = [*codes, *(old for old, new in renamed.items() if new in set(codes))]
        cond = cond & table.area_code.isin(wanted)
    if area_types is not None:
        cond = cond & table.area_type.isin(list(area_types))
    if latest_start is not None:
        cond = cond & (table.period_start <= latest_start)
    out = store.to_pandas(table.filter(cond).select(*COLUMNS))
    out["area_code"] = current_area_codes(out["area_code"], store)
    out["sex"] = out["sex"].fillna("Persons").astype(str)
    for c in ("value", "lower_95_0", "upper_95_0"):
        out[c] = out[c].astype(float)
    if sexes is not None:
        out = out[out["sex"].isin(list(sexes))]
    return out.reset_index(drop=True)


def council_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Council values from :func:`indicator_rows`: rows typed ``lad``, and for unitary
    councils (whose district is also their upper tier) the rows typed ``utla`` where the
    publisher gave only those (OHID publishes some indicators for unitaries at upper-tier
    level only)."""
    rows = rows[rows["area_type"].isin(["lad", "utla"])]
    rows = rows.assign(_o=(rows["area_type"] != "lad").astype(int)).sort_values("_o")
    keys = ["indicator_id", "area_code", "sex", "period"]
    return rows.drop_duplicates(keys).drop(columns="_o")


def council_values(
    store: Store, ids: Sequence[str], lad_codes: Sequence[str], *, hle_latest_start: int | None
) -> pd.DataFrame:
    """The council values (:func:`council_rows`) of indicators ``ids`` for ``lad_codes``;
    healthy life expectancy only in periods starting no later than ``hle_latest_start``
    (the report's period), other indicators in every period."""
    rows = council_rows(indicator_rows(store, ids, lad_codes))
    if hle_latest_start is not None:
        rows = rows[(rows["indicator_id"] != HLE) | (rows["period_start"] <= hle_latest_start)]
    return rows


def hle_periods(store: Store) -> list[str]:
    """The periods of England's healthy life expectancy in the store, oldest first."""
    t = store.indicators(HLE, area_code=ENGLAND_CODE)
    got = store.to_pandas(t.select("period", "period_end").distinct())
    return got.sort_values(["period_end", "period"])["period"].astype(str).tolist()


def latest_council_values(
    store: Store, lad_codes: Sequence[str], indicators: Sequence[tuple[str, str, str]]
) -> tuple[str, pd.DataFrame] | None:
    """The first of ``indicators`` (id, sex, label) with a council value for any of
    ``lad_codes``: its label and its rows in its latest period (``area_code``,
    ``period``, ``value``, limits, ...); ``None`` when none has a value."""
    rows = council_rows(indicator_rows(store, [i for i, _, _ in indicators], lad_codes))
    for ind_id, sex, label in indicators:
        r = rows[(rows["indicator_id"] == ind_id) & (rows["sex"] == sex)].dropna(subset=["value"])
        if r.empty:
            continue
        return label, r[r["period_end"] == r["period_end"].max()]
    return None
