"""The mission tracker: the gap in healthy life expectancy between England's regions.

The government's health mission is to halve the gap in healthy life expectancy (HLE)
between the richest and poorest regions of England. No target year was found in a
published government source when this was written, so ``target_year`` has **no default**:
you must choose it (and say where it comes from).

Definitions (``definition=``):

``"range"`` (default)
    The highest minus the lowest of the 9 English regions in each period and sex, picked
    by their point estimates (:func:`healthgap.gap`); limits from the two regions' 95%
    limits, standard errors combined in quadrature.
``"sii"``
    The slope index of inequality across the 9 regions ranked by deprivation
    (:func:`healthgap.sii`). Regions are ranked by their population-weighted mean IMD 2019
    score (mid-2015 LSOA populations from the IMD file, summed to 2024 regions); rank 1 is the
    most deprived. Each region is one "quantile" weighted by its population share, placed at
    the midpoint of its cumulative share, and HLE is regressed on that position by weighted
    least squares. The SII is the fitted difference in HLE between the least and the most
    deprived end of England's population: positive when less deprived regions live longer
    in good health. Regions are unequal in size (North East 2.6m, South East 8.9m), so
    they are weighted by population rather than counted equally: the SII then describes
    the population, like the official SII across deprivation deciles. Monte Carlo limits
    (seeded).

Series (``series=``): the store holds two ONS HLE series that must not be mixed:

``"hle_birth"`` (default)
    ONS *interim method* estimates from the local-areas dataset, 2011-2013 to 2022-2024,
    one decimal place: the series ONS now publishes and will extend.
``"hle_birth_dec2023"``
    The December 2023 release (pre-interim method, back-revised), 2011-2013 to 2020-2022,
    two decimal places. It ends at the default baseline, so it cannot show progress.

Without a target year (``target_year=None``, the default) the tracker shows what needs no
target: the gap by sex in every period with its interval and whether it is significantly
narrowing (:func:`healthgap.account.gap_pace.gap_trend`). A target year adds the halving
trajectory, the status and what it would take (:func:`healthgap.account.gap_pace.what_it_takes`).

Baseline (``baseline_period=``, default ``"2020-2022"``): the latest period published when
the mission was set (the missions were announced in July 2024; the 2020-2022 estimates
were published in December 2023). Target = half the baseline gap.

Time: each 3-year period is placed at its middle year (2020-2022 -> 2021); ``target_year``
is compared with those middle years, so target year 2035 means the period 2034-2036.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from healthgap.account.gap_pace import GapTrend, Pace, gap_trend, what_it_takes
from healthgap.account.status import Status, compare, mission_status
from healthgap.account.trajectory import (
    MIN_POINTS,
    Projection,
    Trajectory,
    linear_trajectory,
    non_overlapping,
    project_trend,
)
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.hierarchy import using
from healthgap.stats import intervals
from healthgap.stats.inequality.gap import gap as _gap
from healthgap.stats.inequality.sii import sii as _sii

SERIES: dict[str, str] = {
    "hle_birth": "ONS healthy life expectancy at birth, interim method (local areas dataset), "
    "2011-2013 to 2022-2024",
    "hle_birth_dec2023": "ONS healthy life expectancy at birth, December 2023 release "
    "(pre-interim method), 2011-2013 to 2020-2022",
}
DEFAULT_SERIES = "hle_birth"
DEFAULT_BASELINE = "2020-2022"
DEFINITIONS = ("range", "sii")
SEXES = ("Female", "Male")
REGION_TYPE = "region"
N_REGIONS = 9

REFERENCES = (
    "Office for National Statistics. Health state life expectancies in England, Northern "
    "Ireland and Wales (interim method, local areas; and the December 2023 release).",
    "Labour Party (2024) manifesto and HM Government missions: halve the gap in healthy life "
    "expectancy between the richest and poorest regions of England (no target year stated "
    "in the sources found).",
    "Low A, Low A (2004). Measuring the gap: quantifying and comparing local health "
    "inequalities. Journal of Public Health 26(4):388-395 (SII).",
    "Altman DG, Bland JM (2003). Interaction revisited: the difference between two "
    "estimates. BMJ 326:219.",
)


@dataclass(frozen=True)
class SexTrack:
    """The mission for one sex: baseline, target, trajectory, projection and status."""

    sex: str
    baseline_gap: float
    target_gap: float
    trajectory: Trajectory
    projection: Projection
    status: Status
    latest_period: str


@dataclass(frozen=True)
class MissionResult:
    """The mission tracker's figures and statuses.

    ``gaps`` has one row per sex and period: ``sex``, ``period``, ``period_start``,
    ``period_end``, ``time`` (middle year), ``gap``, ``lower``, ``upper`` (at
    ``confidence``), ``se``, ``highest``/``lowest`` (regions; range definition),
    ``trajectory`` (expected gap on the straight line, from the baseline), ``in_trend``
    (the non-overlapping periods the projection is fitted on).
    """

    definition: str
    series: str
    baseline_period: str
    target_year: int | None
    confidence: float
    gaps: pd.DataFrame
    tracks: Mapping[str, SexTrack]
    regions: pd.DataFrame
    notes: tuple[str, ...] = ()
    trends: Mapping[str, GapTrend] = field(default_factory=dict)
    paces: Mapping[str, Pace] = field(default_factory=dict)
    references: tuple[str, ...] = REFERENCES
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def trend_frame(self) -> pd.DataFrame:
        """One row per sex: the latest gap, its yearly change over non-overlapping periods
        with the change's interval, and whether it is significantly narrowing."""
        rows = []
        for sex, t in self.trends.items():
            g = self.gaps[self.gaps["sex"] == sex]
            last = g.iloc[-1]
            rows.append(
                {
                    "sex": sex,
                    "definition": self.definition,
                    "latest_period": str(last["period"]),
                    "latest_gap": float(last["gap"]),
                    "latest_lower": float(last["lower"]),
                    "latest_upper": float(last["upper"]),
                    "highest": str(last["highest"]),
                    "lowest": str(last["lowest"]),
                    "change_per_year": t.slope,
                    "change_lower": t.lower,
                    "change_upper": t.upper,
                    "trend_points": t.n_points,
                    "trend_from": t.first_period,
                    "trend_to": t.last_period,
                    "trend": t.verdict,
                    "trend_sentence": t.sentence,
                }
            )
        return pd.DataFrame(rows)

    def pace_frame(self) -> pd.DataFrame:
        """One row per sex (with a target year): the yearly gain the lowest region needs
        against the fastest gain any region achieved over a comparable span."""
        return pd.DataFrame([vars(p) for p in self.paces.values()])

    def summary_frame(self) -> pd.DataFrame:
        """One row per sex: baseline, target, latest, projection and status.

        Without a target year: the trend table (:meth:`trend_frame`)."""
        if self.target_year is None:
            return self.trend_frame()
        rows = []
        for sex, tr in self.tracks.items():
            latest = self.gaps[
                (self.gaps["sex"] == sex) & (self.gaps["period"] == tr.latest_period)
            ]
            p = tr.projection
            rows.append(
                {
                    "sex": sex,
                    "definition": self.definition,
                    "baseline_period": self.baseline_period,
                    "baseline_gap": tr.baseline_gap,
                    "target_gap": tr.target_gap,
                    "target_year": self.target_year,
                    "latest_period": tr.latest_period,
                    "latest_gap": float(latest["gap"].iloc[0]),
                    "latest_lower": float(latest["lower"].iloc[0]),
                    "latest_upper": float(latest["upper"].iloc[0]),
                    "trajectory_at_latest": float(latest["trajectory"].iloc[0]),
                    "vs_trajectory": compare(
                        float(latest["gap"].iloc[0]),
                        float(latest["lower"].iloc[0]),
                        float(latest["upper"].iloc[0]),
                        float(latest["trajectory"].iloc[0]),
                        "lower_is_better",
                        what="trajectory",
                    ),
                    "projected_gap": p.value,
                    "projected_lower": p.lower,
                    "projected_upper": p.upper,
                    "trend_points": p.n_points,
                    "status": tr.status.code,
                    "sentence": tr.status.sentence,
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain JSON-ready values (NaN becomes None)."""

        def clean(records: list[dict[Any, Any]]) -> list[dict[str, Any]]:
            return [
                {
                    str(k): (
                        None
                        if isinstance(v, float) and not math.isfinite(v)
                        else v.item()
                        if isinstance(v, np.generic)
                        else v
                    )
                    for k, v in r.items()
                }
                for r in records
            ]

        return {
            "definition": self.definition,
            "series": self.series,
            "series_description": SERIES[self.series],
            "baseline_period": self.baseline_period,
            "target_year": self.target_year,
            "confidence": self.confidence,
            "summary": clean(self.summary_frame().to_dict("records")),
            "gaps": clean(self.gaps.to_dict("records")),
            "regions": clean(self.regions.to_dict("records")),
            "trends": clean(self.trend_frame().to_dict("records")),
            "paces": clean(self.pace_frame().to_dict("records")),
            "notes": list(self.notes),
            "references": list(self.references),
        }


def _choice(value: Any, name: str, options: Sequence[str]) -> str:
    if value not in options:
        raise InputError(
            f"{name} must be one of {', '.join(repr(o) for o in options)}; got {value!r}.",
            field=name,
        )
    return str(value)


def region_deprivation(store: Store, population: Any = None) -> pd.DataFrame:
    """The 9 English regions ranked by population-weighted IMD 2019 score.

    Columns ``region_code``, ``region_name``, ``imd_score`` (population-weighted mean LSOA
    score), ``population`` (mid-2015 LSOA populations summed, unless ``population`` is given:
    a frame with ``region_code`` and ``population``), ``deprivation_rank`` (1 = most
    deprived).
    """
    from healthgap.geography.imd import imd_lsoas, to_footprint

    lsoas = imd_lsoas(store, imd=2019)
    lsoas["weighted_score"] = lsoas["imd_score"] * lsoas["population"]
    reg = to_footprint(lsoas, ["weighted_score", "population"], to="region", imd=2019, store=store)
    reg["imd_score"] = reg["weighted_score"] / reg["population"]
    reg = reg.drop(columns="weighted_score")
    if population is not None:
        pop = pd.DataFrame(population)
        if not {"region_code", "population"} <= set(pop.columns):
            raise InputError(
                "population must have columns region_code and population; got "
                f"{list(pop.columns)}. Give one row per English region (E12000001-9)."
            )
        by_code = pop.set_index("region_code")["population"]
        missing = sorted(set(reg["region_code"]) - set(by_code.index))
        if missing:
            raise InputError(
                f"population must cover all 9 English regions; got none for {missing[0]!r}"
                f" ({len(missing)} missing). Add a row per region."
            )
        reg["population"] = reg["region_code"].map(by_code).astype(float)
    order = np.argsort(-reg["imd_score"].to_numpy(), kind="stable")
    reg = reg.iloc[order].reset_index(drop=True)
    reg["deprivation_rank"] = np.arange(1, len(reg) + 1)
    return reg[["region_code", "region_name", "imd_score", "population", "deprivation_rank"]]


def _load(store: Store, series: str, sexes: Sequence[str]) -> pd.DataFrame:
    expr = store.indicators(series, area_type=REGION_TYPE, sex=list(sexes))
    cols = [
        "area_code",
        "area_name",
        "sex",
        "period",
        "period_start",
        "period_end",
        "value",
        "lower_95_0",
        "upper_95_0",
    ]
    df = store.to_pandas(expr.select(*cols))
    df = df[df["area_code"].str.startswith("E12")].reset_index(drop=True)
    if df.empty:
        raise InputError(
            f"the store must hold regional {series} rows for sex {list(sexes)}; got none. "
            "Build it with `healthgap init` (the ONS HLE datasets)."
        )
    counts = df.groupby(["sex", "period"]).size()
    short = counts[counts != N_REGIONS]
    if len(short):
        (sex, period), n = short.index[0], int(short.iloc[0])
        raise InputError(
            f"every period must have all {N_REGIONS} English regions; got {n} for {sex} "
            f"{period} in {series}. The store's HLE data are incomplete: rebuild the store."
        )
    return df


def _range_gaps(df: pd.DataFrame, confidence: float) -> pd.DataFrame:
    res = _gap(
        df,
        "value",
        by="area_name",
        group_by=["sex", "period"],
        lower="lower_95_0",
        upper="upper_95_0",
        confidence=confidence,
    ).to_pandas()
    tag = f"{confidence * 100:.1f}".replace(".", "_")
    out = pd.DataFrame(
        {
            "sex": res["sex"],
            "period": res["period"],
            "gap": res["difference"],
            "lower": res[f"difference_lower_{tag}"],
            "upper": res[f"difference_upper_{tag}"],
            "highest": res["first"],
            "lowest": res["second"],
        }
    )
    first = df.set_index(["sex", "period", "area_name"])
    s1 = pd.Series(
        intervals.se_from_limits(first["lower_95_0"], first["upper_95_0"], 0.95), first.index
    )
    se_hi = s1.reindex(list(zip(out["sex"], out["period"], out["highest"], strict=True)))
    se_lo = s1.reindex(list(zip(out["sex"], out["period"], out["lowest"], strict=True)))
    out["se"] = np.sqrt(se_hi.to_numpy() ** 2 + se_lo.to_numpy() ** 2)
    return out


def _sii_gaps(
    df: pd.DataFrame, regions: pd.DataFrame, confidence: float, seed: int, repetitions: int
) -> pd.DataFrame:
    ranked = df.merge(
        regions[["region_code", "population", "deprivation_rank"]],
        left_on="area_code",
        right_on="region_code",
        how="left",
    )
    levels = sorted({0.95, confidence})
    res = _sii(
        ranked,
        "value",
        "population",
        "deprivation_rank",
        group_by=["sex", "period"],
        lower="lower_95_0",
        upper="upper_95_0",
        confidence=levels,
        seed=seed,
        repetitions=repetitions,
        rii=False,
    ).to_pandas()
    tag = f"{confidence * 100:.1f}".replace(".", "_")
    return pd.DataFrame(
        {
            "sex": res["sex"],
            "period": res["period"],
            "gap": res["sii"],
            "lower": res[f"sii_lower_{tag}"],
            "upper": res[f"sii_upper_{tag}"],
            "highest": "",
            "lowest": "",
            "se": intervals.se_from_limits(res["sii_lower_95_0"], res["sii_upper_95_0"], 0.95),
        }
    )


def mission(
    store: Store | str | None = None,
    *,
    target_year: int | None = None,
    sex: str | Sequence[str] = SEXES,
    baseline_period: str = DEFAULT_BASELINE,
    definition: str = "range",
    series: str = DEFAULT_SERIES,
    confidence: float = 0.95,
    min_points: int = MIN_POINTS,
    population: Any = None,
    seed: int = 2024,
    repetitions: int = 100_000,
) -> MissionResult:
    """Track the mission to halve the regional gap in healthy life expectancy.

    For each sex and every period of ``series``: the gap (``definition``) with confidence
    limits, and its trend over non-overlapping periods with a test of whether it is
    narrowing (:func:`~healthgap.account.gap_pace.gap_trend`). With a ``target_year``:
    the baseline gap G0 in ``baseline_period``; the target G0/2 in ``target_year``;
    the straight-line trajectory from (baseline middle year, G0) to (target_year, G0/2);
    a projection of the trend to ``target_year`` with a prediction interval; a status
    (see :func:`healthgap.account.status.mission_status`); and what it would take
    (:func:`~healthgap.account.gap_pace.what_it_takes`, range definition only).

    Projection: the periods are rolling 3-year periods, so neighbours share two of their
    three years and their estimates are strongly correlated. The trend is fitted only on
    periods that share no year, counting back from the latest (e.g. 2022-2024, 2019-2021,
    2016-2018, 2013-2015), by weighted least squares with weights 1/se^2, variances inflated
    by the residual scatter, and a t prediction interval with n - 2 degrees of freedom
    (:func:`healthgap.account.trajectory.project_trend`). With fewer than ``min_points``
    such periods the status is "too early to say".

    Parameters
    ----------
    store:
        An open :class:`~healthgap.data.store.Store` or a path (default: the usual store).
    target_year:
        The year by which the gap should be halved, or None (default: no government source
        found states one; the gap and its trend are still given). Compared with period
        middle years.
    sex:
        ``"Female"``, ``"Male"`` or both (default).
    baseline_period:
        The period of the baseline gap, e.g. ``"2020-2022"`` (default: the latest data when
        the mission was announced).
    definition:
        ``"range"`` (highest minus lowest region) or ``"sii"`` (slope index of inequality
        across regions ranked by deprivation).
    series:
        ``"hle_birth"`` (interim method, to 2022-2024; default) or ``"hle_birth_dec2023"``.
    confidence:
        Level of the gap's limits and of the prediction interval (default 0.95).
    min_points:
        Fewest non-overlapping periods to project a trend from (default 3).
    population:
        Optional region populations for the SII weights (``region_code``, ``population``);
        default mid-2015 populations from the IMD 2019 file.
    seed, repetitions:
        Monte Carlo settings of the SII limits.

    Returns
    -------
    MissionResult

    Raises
    ------
    InputError
        Unknown options, a baseline period not in the series, a target year not after the
        baseline, or incomplete regional data in the store.

    References
    ----------
    ONS health state life expectancies; Low & Low (2004); Altman & Bland (2003).

    Examples
    --------
    >>> from healthgap.account.mission import mission
    >>> mission("healthgap.duckdb").trend_frame()[["sex", "latest_gap", "trend"]]  # doctest: +SKIP
    >>> result = mission("healthgap.duckdb", target_year=2035)  # doctest: +SKIP
    >>> result.summary_frame()[["sex", "baseline_gap", "target_gap", "status"]]  # doctest: +SKIP
    """
    definition = _choice(definition, "definition", DEFINITIONS)
    series = _choice(series, "series", tuple(SERIES))
    sexes = [sex] if isinstance(sex, str) else list(sex)
    for s in sexes:
        _choice(s, "sex", SEXES)
    if not sexes:
        raise InputError("sex must name at least one sex; got none. Use 'Female' or 'Male'.")
    if target_year is not None and (
        isinstance(target_year, bool) or not isinstance(target_year, int | np.integer)
    ):
        raise InputError(
            f"target_year must be a whole year; got {target_year!r}. Give e.g. 2035 and cite "
            "where the year comes from.",
            field="target_year",
        )
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be between 0 and 1; got {confidence!r}. Use 0.95.")

    with using(store) as st:
        df = _load(st, series, sexes)
        regions = region_deprivation(st, population)
    periods = df.drop_duplicates("period").set_index("period")[["period_start", "period_end"]]
    if baseline_period not in periods.index:
        raise InputError(
            f"baseline_period must be a period of {series}; got {baseline_period!r}. "
            f"Periods: {', '.join(sorted(periods.index))}.",
            field="baseline_period",
        )
    start_end = periods.loc[[baseline_period]].to_numpy(dtype=float)[0]
    base_time = float(start_end.sum()) / 2
    if target_year is not None and target_year <= base_time:
        raise InputError(
            f"target_year must be after the baseline period's middle year {base_time:g}; got "
            f"{target_year}. Give a future year, e.g. 2035.",
            field="target_year",
        )

    if definition == "range":
        gaps = _range_gaps(df, confidence)
    else:
        gaps = _sii_gaps(df, regions, confidence, seed, repetitions)
    gaps = gaps.merge(periods.reset_index(), on="period", how="left")
    gaps["time"] = (gaps["period_start"] + gaps["period_end"]) / 2
    gaps = gaps.sort_values(["sex", "period_start"], ignore_index=True)
    gaps["trajectory"] = np.nan
    gaps["in_trend"] = False

    tracks: dict[str, SexTrack] = {}
    trends: dict[str, GapTrend] = {}
    paces: dict[str, Pace] = {}
    for s in sexes:  # one or two sexes
        rows = gaps.index[gaps["sex"] == s]
        g = gaps.loc[rows]
        keep = non_overlapping(g["period_start"].to_numpy(), g["period_end"].to_numpy())
        gaps.loc[rows, "in_trend"] = keep
        trends[s] = gap_trend(gaps, s, confidence=confidence, min_points=min_points)
        if target_year is None:
            continue
        base = g[g["period"] == baseline_period]
        g0 = float(base["gap"].iloc[0])
        path = linear_trajectory(base_time, g0, float(target_year), g0 / 2)
        gaps.loc[rows, "trajectory"] = path.expected(g["time"].to_numpy())
        proj = project_trend(
            g["time"].to_numpy()[keep],
            g["gap"].to_numpy()[keep],
            g["se"].to_numpy()[keep],
            at=float(target_year),
            confidence=confidence,
            min_points=min_points,
        )
        last = g.iloc[-1]
        subject = (
            f"The {s.lower()} gap between the highest and lowest region"
            if definition == "range"
            else f"The {s.lower()} slope index of inequality across regions"
        )
        status = mission_status(
            latest_period=str(last["period"]),
            latest_time=float(last["time"]),
            latest_gap=float(last["gap"]),
            latest_lower=float(last["lower"]),
            latest_upper=float(last["upper"]),
            baseline_period=baseline_period,
            baseline_time=base_time,
            target=g0 / 2,
            target_time=float(target_year),
            projection=proj,
            confidence=confidence,
            subject=subject,
        )
        tracks[s] = SexTrack(s, g0, g0 / 2, path, proj, status, str(last["period"]))
        if definition == "range":
            paces[s] = what_it_takes(
                gaps,
                df,
                s,
                target_gap=g0 / 2,
                target_year=int(target_year),
                confidence=confidence,
            )

    notes = [
        f"Series: {SERIES[series]}. The two ONS series use different methods and are never mixed.",
        "Trend and projection from non-overlapping 3-year periods only (rolling periods share "
        "years, so their estimates are not independent).",
    ]
    if target_year is None:
        notes.append(
            "No target year is given: no government source found states one. Choose one "
            "(and say where it comes from) to see the halving trajectory and status."
        )
    else:
        notes.insert(
            1,
            f"Baseline {baseline_period}; target = half the baseline gap by {target_year} "
            "(period middle years).",
        )
    if definition == "range":
        notes.append(
            "Highest and lowest regions are picked by their point estimates, which biases "
            "the gap upwards a little and makes its limits slightly too narrow."
        )
    else:
        notes.append(
            "SII across the 9 regions ranked by population-weighted IMD 2019 score, "
            "weighted by population; Monte Carlo limits."
        )
    return MissionResult(
        definition=definition,
        series=series,
        baseline_period=baseline_period,
        target_year=None if target_year is None else int(target_year),
        confidence=confidence,
        gaps=gaps,
        tracks=tracks,
        regions=regions,
        notes=tuple(notes),
        trends=trends,
        paces=paces,
        parameters={"min_points": min_points, "seed": seed, "repetitions": repetitions},
    )
