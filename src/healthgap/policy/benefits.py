"""Who gets the growth: concentration of projected benefits across deprivation.

Given projected benefits by area (jobs, income, gross value added), the concentration
index says whether they go mainly to more or less deprived places, and the Core20 share
how much reaches the nationally most deprived 20% of areas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError
from healthgap.geography.core20 import CORE20_DECILES
from healthgap.stats._frames import InputFrame, normalise_group_by, to_kind
from healthgap.stats._validate import numeric_column, require_finite, require_non_negative
from healthgap.stats.inequality.summary_measures import inequality_measures

REFERENCES = (
    "Wagstaff A, Paci P, van Doorslaer E (1991). On the measurement of inequalities in "
    "health. Social Science & Medicine 33(5):545-557 (concentration index).",
    "O'Donnell O, van Doorslaer E, Wagstaff A, Lindelow M (2008). Analyzing Health Equity "
    "Using Household Survey Data, chapter 8. World Bank.",
    "NHS England. Core20PLUS5: the most deprived 20% of the national population by the "
    "Index of Multiple Deprivation.",
)


def benefit_distribution(
    data: Any,
    benefit: str,
    population: str,
    rank: str,
    *,
    core20: str | None = None,
    decile: str | None = None,
    group_by: str | Sequence[str] | None = None,
) -> Any:
    """Concentration index of benefits across deprivation and the share reaching Core20.

    Each row is an area with its projected ``benefit`` (jobs, pounds of income or GVA),
    its ``population`` and its deprivation ``rank`` (1 = most deprived; ties allowed,
    e.g. IMD deciles). With areas ordered from most to least deprived, population shares
    p_j, fractional-rank midpoints X_j = sum_{k<j} p_k + p_j / 2 (tied areas share one)
    and benefit per head y_j = B_j / P_j with mean mu = sum B / sum P:

    * concentration index C = sum_j p_j (2 X_j - 1) y_j / mu, from -1 (all to the most
      deprived) to +1 (all to the least deprived), 0 = in proportion to population. It
      is WHO HEAT's relative concentration index / 100, computed by
      :func:`healthgap.inequality_measures` (``RCI``) on the areas grouped by rank.
    * ``absolute_concentration_index`` = C mu (HEAT's ACI, benefit per head).
    * Like HEAT, both need 3 or more distinct ranks (and some benefit); otherwise NaN.
    * ``core20_share`` = benefit in Core20 areas / total benefit, beside
      ``core20_population_share``; ``core20_ratio`` = their ratio (above 1: Core20 areas
      get more than their population share).

    Parameters
    ----------
    data:
        pandas or polars frame, one row per area (and group).
    benefit, population, rank:
        Column names. Benefits 0 or more; populations greater than 0.
    core20:
        Column of True/False flags for Core20 areas (e.g. from
        :func:`healthgap.geography.core20.core20_lsoas`); or
    decile:
        Column of national IMD deciles (Core20 = deciles 1 and 2). Neither: no Core20
        columns.
    group_by:
        Column(s) for separate distributions, e.g. the option or the benefit type.

    Returns
    -------
    Frame (same kind as ``data``) with the group columns, ``areas``, ``total_benefit``,
    ``population``, ``benefit_per_head``, ``concentration_index``,
    ``absolute_concentration_index`` and (with ``core20``/``decile``) ``core20_share``,
    ``core20_population_share`` and ``core20_ratio``.

    Examples
    --------
    >>> import pandas as pd
    >>> areas = pd.DataFrame({"rank": [1, 2, 3, 4], "jobs": [400, 300, 200, 100],
    ...                       "pop": [1000] * 4, "decile": [1, 2, 5, 9]})
    >>> out = benefit_distribution(areas, "jobs", "pop", "rank", decile="decile")
    >>> out[["concentration_index", "core20_share", "core20_ratio"]].round(3)
       concentration_index  core20_share  core20_ratio
    0                -0.25           0.7           1.4
    """
    if core20 is not None and decile is not None:
        raise InputError(
            f"core20 and decile must not both be given; got core20={core20!r} and "
            f"decile={decile!r}. Pass the Core20 flag column or the IMD decile column."
        )
    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    flag_col = core20 if core20 is not None else decile
    columns = [benefit, population, rank, *keys, *([flag_col] if flag_col else [])]
    frame.require(columns)
    df = frame.df
    b = numeric_column(frame, benefit, "benefit", keys)
    p = numeric_column(frame, population, "population", keys)
    r = numeric_column(frame, rank, "rank", keys)
    for arr, name, role in (
        (b, benefit, "benefit"),
        (p, population, "population"),
        (r, rank, "rank"),
    ):
        require_finite(frame, arr, name, role, keys)
        missing = np.flatnonzero(np.isnan(arr))
        if missing.size:
            raise InputError(
                f"{role} column {name!r} must have a value on every row; got {missing.size} "
                f"missing (first: {frame.describe_row(int(missing[0]), keys)}). Fill or drop "
                "those areas."
            )
    require_non_negative(frame, b, benefit, "benefit", keys)
    bad = np.flatnonzero(p <= 0)
    if bad.size:
        raise InputError(
            f"population column {population!r} must be greater than 0; got {bad.size} rows "
            f"of 0 or less (first: {frame.describe_row(int(bad[0]), keys)}). Drop areas "
            "with no residents."
        )
    if core20 is not None:
        flags = df[core20]
        if not pd.api.types.is_bool_dtype(flags):
            raise InputError(
                f"core20 column {core20!r} must hold True/False; got {flags.dtype} values. "
                "Use decile='imd_decile' for IMD deciles."
            )
        in_core = flags.to_numpy(dtype=bool)
    elif decile is not None:
        d = numeric_column(frame, decile, "decile", keys)
        if np.isnan(d).any() or not np.isin(d, np.arange(1, 11)).all():
            first = int(np.flatnonzero(~np.isin(d, np.arange(1, 11)))[0])
            raise InputError(
                f"decile column {decile!r} must hold IMD deciles 1 to 10; got "
                f"{df[decile].iloc[first]!r} at {frame.describe_row(first, keys)}."
            )
        in_core = np.isin(d, CORE20_DECILES)
    else:
        in_core = None

    work = pd.DataFrame({"_rank": r, "_b": b, "_p": p})
    for k in keys:
        work[k] = df[k].to_numpy()
    if in_core is not None:
        work["_cb"] = np.where(in_core, b, 0.0)
        work["_cp"] = np.where(in_core, p, 0.0)
    work["_areas"] = 1
    grouped = work.groupby(keys, sort=True, dropna=False) if keys else None
    totals = (
        grouped[[c for c in work.columns if c.startswith("_") and c != "_rank"]].sum()
        if grouped is not None
        else work[[c for c in work.columns if c.startswith("_") and c != "_rank"]]
        .sum()
        .to_frame()
        .T
    ).reset_index(drop=not keys)
    # areas with the same rank share one fractional rank: sum them into one subgroup
    by_rank = work.groupby([*keys, "_rank"], sort=True, dropna=False)[["_b", "_p"]].sum()
    by_rank = by_rank.reset_index()
    by_rank["_y"] = by_rank["_b"] / by_rank["_p"]
    by_rank["_label"] = by_rank["_rank"].astype(str)
    with np.errstate(all="ignore"):
        ci = inequality_measures(
            by_rank,
            "_y",
            "_p",
            "_label",
            group_by=keys or None,
            favourable=True,
            ordered=True,
            order="_rank",
            measures=["ACI", "RCI"],
        ).table
    aci = ci[ci["measure"] == "ACI"].sort_values(keys) if keys else ci[ci["measure"] == "ACI"]
    rci = ci[ci["measure"] == "RCI"].sort_values(keys) if keys else ci[ci["measure"] == "RCI"]

    out = totals[keys].copy() if keys else pd.DataFrame(index=range(1))
    out["areas"] = totals["_areas"].to_numpy(dtype=int)
    out["total_benefit"] = totals["_b"].to_numpy(dtype=float)
    out["population"] = totals["_p"].to_numpy(dtype=float)
    out["benefit_per_head"] = out["total_benefit"] / out["population"]
    out["concentration_index"] = rci["value"].to_numpy(dtype=float) / 100.0
    out["absolute_concentration_index"] = aci["value"].to_numpy(dtype=float)
    if in_core is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["core20_share"] = totals["_cb"].to_numpy() / out["total_benefit"].to_numpy()
            out["core20_population_share"] = totals["_cp"].to_numpy() / out["population"].to_numpy()
            out["core20_ratio"] = out["core20_share"] / out["core20_population_share"]
    return to_kind(out.reset_index(drop=True), frame.kind)
