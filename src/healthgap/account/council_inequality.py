"""Inequality by deprivation across the member councils of an authority (ecological).

The councils are ranked from the most to the least deprived (for example by
:func:`healthgap.account.neighbours.deprivation_ranks`); each stands at the midpoint of
its cumulative population share, ``sum(p_j, j < i) / P + p_i / (2 P)``, so 0 is the most
deprived end of the authority's population and 1 the least deprived. For each indicator
the slope and relative index of inequality (SII, RII) come from
:func:`healthgap.stats.inequality.sii.sii` (weighted least squares of council values on
those midpoints; Monte Carlo limits from each council's 95% limits) over the councils
with a published value in the latest period, recomputing the midpoints over just those
councils. The fitted line's ends are ``fit_most_deprived = ybar - SII xbar`` and
``fit_least_deprived = fit_most_deprived + SII`` (``xbar``, ``ybar`` population-weighted
means). Each council's value stands for everyone in it, so the SII understates the gap
between neighbourhoods.

:func:`member_council_sii` does it all from the store for a footprint's member councils
(ranking them with :func:`healthgap.account.neighbours.deprivation_ranks` and reading
their council values with :func:`healthgap.account.council_values.council_values`), so
the report and any other face call one function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthgap.account.council_values import council_values
from healthgap.account.neighbours import deprivation_ranks
from healthgap.data.store import Store
from healthgap.stats.inequality.sii import sii

#: One indicator for :func:`council_sii`: (id, sex, label, value type, scale). Scale
#: divides the published value before the SII (percentages -> proportions) and is the
#: SII's multiplier, so the SII is in the published units.
CouncilIndicator = tuple[str, str, str, str, float]


def cumulative_midpoints(population: np.ndarray) -> np.ndarray:
    """The midpoint of each group's cumulative population share, in the order given."""
    share = population / population.sum()
    return np.cumsum(share) - share / 2


@dataclass(frozen=True)
class CouncilSII:
    """The member-council SII of each indicator with enough councils.

    ``members``: the ranked councils with their ``midpoint`` over all members.
    ``results``: one row per indicator (``label``, ``period``, ``councils``, ``sii`` and
    ``rii`` with their 95% limits, ``fit_most_deprived``, ``fit_least_deprived``); empty
    when no indicator had enough councils. ``values``: for each row of ``results``, the
    councils used with their ``quantile`` (rank among them), ``midpoint`` and published
    value and limits. ``skipped``: why an indicator or a council was left out.
    """

    members: pd.DataFrame
    results: pd.DataFrame
    values: tuple[pd.DataFrame, ...]
    skipped: tuple[str, ...]


def council_sii(
    members: pd.DataFrame,
    rows: pd.DataFrame,
    indicators: Sequence[CouncilIndicator],
    *,
    min_councils: int,
    repetitions: int,
    seed: int,
) -> CouncilSII:
    """SII and RII across ``members`` (ranked, most deprived first, with ``lad_code``,
    ``lad_name`` and ``population``) for each of ``indicators``, from ``rows`` (council
    indicator rows with ``indicator_id``, ``sex``, ``area_code``, ``period``,
    ``period_end``, ``value``, ``lower_95_0`` and ``upper_95_0``), in the latest period of
    each. An indicator with fewer than ``min_councils`` councils is skipped."""
    members = members.copy()
    members["midpoint"] = cumulative_midpoints(members["population"].to_numpy(float))
    skipped: list[str] = []
    chosen: list[pd.DataFrame] = []
    for ind_id, sex, label, vtype, scale in indicators:
        r = rows[(rows["indicator_id"] == ind_id) & (rows["sex"] == sex)]
        r = r.dropna(subset=["value", "lower_95_0", "upper_95_0"])
        if r.empty:
            skipped.append(f"{label}: no council values in the open data")
            continue
        latest = r[r["period_end"] == r["period_end"].max()]
        latest = latest[latest["period"] == latest["period"].iloc[0]]
        have = members[members["lad_code"].isin(latest["area_code"])].copy()
        if len(have) < min_councils:
            skipped.append(
                f"{label}: only {len(have)} of {len(members)} councils have published values "
                f"(at least {min_councils} are needed for an SII)"
            )
            continue
        have["quantile"] = np.arange(1, len(have) + 1)
        have["midpoint"] = cumulative_midpoints(have["population"].to_numpy(float))
        joined = have.merge(latest, left_on="lad_code", right_on="area_code")
        joined["label"] = label
        joined["value_type"] = vtype
        joined["scale"] = scale
        missing = sorted(set(members["lad_name"]) - set(have["lad_name"]))
        if missing:
            skipped.append(
                f"{label}: {', '.join(missing)} left out (no published value for "
                f"{latest['period'].iloc[0]})"
            )
        chosen.append(joined)
    frames = []
    for part in chosen:
        vtype = str(part["value_type"].iloc[0])
        scale = float(part["scale"].iloc[0])
        data = part.assign(
            v=part["value"] / scale, lo=part["lower_95_0"] / scale, hi=part["upper_95_0"] / scale
        )
        res = sii(
            data,
            "v",
            "population",
            "quantile",
            group_by=["indicator_id", "sex", "period", "label"],
            lower="lo",
            upper="hi",
            value_type=vtype,  # type: ignore[arg-type]
            multiplier=scale,
            repetitions=repetitions,
            seed=seed,
            rii=True,
        ).to_frame()
        res["councils"] = len(part)
        wmean_x = float(np.average(part["midpoint"], weights=part["population"]))
        wmean_y = float(np.average(part["value"], weights=part["population"]))
        res["fit_most_deprived"] = wmean_y - res["sii"] * wmean_x
        res["fit_least_deprived"] = res["fit_most_deprived"] + res["sii"]
        frames.append(res)
    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return CouncilSII(members, results, tuple(chosen), tuple(skipped))


def member_council_sii(
    store: Store,
    members: pd.DataFrame,
    indicators: Sequence[CouncilIndicator],
    *,
    hle_latest_start: int | None = None,
    min_councils: int,
    repetitions: int,
    seed: int,
) -> CouncilSII:
    """:func:`council_sii` across the councils ``members`` (a frame with ``lad_code`` and
    ``lad_name``, e.g. a footprint's members), read from ``store``.

    The councils are ranked by deprivation (:func:`deprivation_ranks`: population-weighted
    IMD 2019 score, most deprived first); their values are the published council values
    (:func:`council_values`), healthy life expectancy only in periods starting no later
    than ``hle_latest_start``. ``CouncilSII.members`` holds the ranked councils.
    """
    ranked = deprivation_ranks(store, members)
    ids = sorted({i[0] for i in indicators})
    rows = council_values(store, ids, list(ranked["lad_code"]), hle_latest_start=hle_latest_start)
    return council_sii(
        ranked,
        rows,
        indicators,
        min_councils=min_councils,
        repetitions=repetitions,
        seed=seed,
    )
