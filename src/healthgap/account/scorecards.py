"""Scorecards: an outcomes framework's indicators for one authority, and across all.

Benchmarking against England follows OHID Fingertips' "compared with benchmark" rule:
an area is significantly *higher* than England when the lower limit of its confidence
interval is above England's value, *lower* when its upper limit is below it, and
*similar* otherwise; the indicator's polarity turns higher/lower into better/worse.
England's value is treated as fixed (its interval is not used). Comparisons are made
at 95% and 99.8%.

The open data publish 95% limits only. Where 99.8% limits are missing they are derived
from the 95% limits, side by side, by scaling each half-width by
z(0.999) / z(0.975) = 3.0902 / 1.9600 (exact for a normal sampling distribution on the
scale the limits are symmetric in; an approximation otherwise, stated in the notes).

Change since baseline uses standard errors recovered from the 95% limits,
se = (upper - lower) / (2 * 1.959964), and z = (latest - baseline) / sqrt(se1^2 + se2^2),
significant when |z| > 1.959964. Overlapping rolling periods share years, so this
test is conservative-to-anticonservative depending on the overlap; it is reported as a
guide, not a formal test.

Target status: *met* when the whole 95% interval is on the good side of the target,
*not met* when the whole interval is on the bad side, *cannot tell* otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from healthgap.account.frameworks import Framework
from healthgap.account.neighbours import nearest_neighbours
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.stats import intervals
from healthgap.stats.benchmark import (
    Polarity,
    compare_with_benchmark,
    polarity_signs,
)

Z95 = intervals.z_value(0.95)
Z998 = intervals.z_value(0.998)
ENGLAND = "E92000001"
HIGH_IS_GOOD = "RAG - High is good"
LOW_IS_GOOD = "RAG - Low is good"


# ------------------------------------------------------------------ kernels


def widen_limits(
    value: Any, lower: Any, upper: Any, *, to: float = 0.998, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Limits at confidence ``to`` from limits at ``level``, scaling each half-width.

    lower_to = value - (value - lower) * z_to / z_level (and the same above), with
    z_c = Phi^-1((1 + c) / 2).
    """
    v = np.asarray(value, dtype=float)
    ratio = intervals.z_value(to) / intervals.z_value(level)
    lo = v - (v - np.asarray(lower, dtype=float)) * ratio
    hi = v + (np.asarray(upper, dtype=float) - v) * ratio
    return lo, hi


#: Fingertips' comparison of intervals with a benchmark value by polarity; the one
#: implementation is :func:`healthgap.stats.benchmark.compare_with_benchmark`.
compare_to_benchmark = compare_with_benchmark


def target_status(lower: Any, upper: Any, target: Any, polarity: Any) -> np.ndarray:
    """``"met"``, ``"not met"``, ``"cannot tell"`` or ``"no target"`` per row.

    With high-is-good polarity the target is met when the lower limit is at or above
    it, not met when the upper limit is below it (mirrored for low-is-good). Without a
    polarity the status is ``"no polarity"``.
    """
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    tgt = np.broadcast_to(np.asarray(target, dtype=float), lo.shape)
    signs = np.broadcast_to(polarity_signs(polarity), lo.shape)
    out = np.full(lo.shape, "cannot tell", dtype=object)
    high = signs > 0
    low = signs < 0
    out[high & (lo >= tgt)] = "met"
    out[high & (hi < tgt)] = "not met"
    out[low & (hi <= tgt)] = "met"
    out[low & (lo > tgt)] = "not met"
    out[~(high | low)] = "no polarity"
    out[np.isnan(lo) | np.isnan(hi)] = "not compared"
    out[np.isnan(tgt)] = "no target"
    return out


def period_end_year(label: str | None) -> int | None:
    """The last calendar year a period label covers: ``"2028-2030"`` -> 2030,
    ``"2029/30"`` -> 2030, ``"2030"`` -> 2030 (None when there is no label)."""
    if not label:
        return None
    import re

    years = re.findall(r"\d{4}", str(label))
    if not years:
        return None
    if "/" in str(label) and len(years) == 1:
        return int(years[0]) + 1
    return int(years[-1])


def _before_due(
    mine: pd.DataFrame, keys: list[str], ind: Any, target: float, polarity: Any, due: int
) -> str:
    """A framework target whose period is not published yet: on / off track by its
    trajectory, or too early to say (:func:`healthgap.account.target_status.due_status`),
    never met / not met on data from before its period."""
    from datetime import date

    from healthgap.account.target_status import TOO_EARLY, due_status

    direction = {HIGH_IS_GOOD: "higher_is_better", LOW_IS_GOOD: "lower_is_better"}
    if polarity not in direction:
        return "no polarity"
    series = mine.sort_values([*keys, "period_end", "period_start"]).drop_duplicates("period")
    periods = series["period"].astype(str).tolist()
    baseline = ind.baseline_period if ind.baseline_period in periods else None
    if baseline is None:
        return TOO_EARLY
    return due_status(
        periods=periods,
        ends=series["period_end"].to_numpy(float),
        values=series["value"].to_numpy(float),
        lowers=series["lower_95_0"].to_numpy(float),
        uppers=series["upper_95_0"].to_numpy(float),
        baseline_period=baseline,
        target_value=float(target),
        target_year=due,
        polarity=direction[polarity],
        as_of_year=date.today().year,
    ).status


def change_test(
    value: Any, lower: Any, upper: Any, base: Any, base_lower: Any, base_upper: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Difference latest - baseline and its z statistic from the 95% limits."""
    d = intervals.difference_of_estimates(
        value,
        intervals.se_from_limits(lower, upper, 0.95),
        base,
        intervals.se_from_limits(base_lower, base_upper, 0.95),
    )
    return d.value, d.z


# ------------------------------------------------------------------ data access


def _rows(
    store: Store, ids: list[str], area_type: str | None, codes: list[str] | None
) -> pd.DataFrame:
    table = store.table("indicators")
    cond = table.indicator_id.isin(ids)
    if area_type is not None:
        cond = cond & (table.area_type == area_type)
    if codes is not None:
        cond = cond & table.area_code.isin(codes)
    cols = [
        "indicator_id",
        "indicator_name",
        "area_code",
        "area_name",
        "area_type",
        "sex",
        "age",
        "period",
        "period_start",
        "period_end",
        "value",
        "lower_95_0",
        "upper_95_0",
        "lower_99_8",
        "upper_99_8",
        "polarity",
        "category_type",
    ]
    out = store.to_pandas(table.filter(cond).select(*cols))
    out = out[out["category_type"].isna()].drop(columns="category_type")
    out["sex"] = out["sex"].fillna("Persons")  # the Health Index gives no sex: all persons
    for c in ("value", "lower_95_0", "upper_95_0", "lower_99_8", "upper_99_8"):
        out[c] = out[c].astype(float)
    return out.reset_index(drop=True)


def fill_99_8(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill missing 99.8% limits from the 95% limits (:func:`widen_limits`)."""
    out = frame.copy()
    lo, hi = widen_limits(out["value"], out["lower_95_0"], out["upper_95_0"])
    out["derived_99_8"] = out["lower_99_8"].isna() & ~np.isnan(lo)
    out["lower_99_8"] = out["lower_99_8"].fillna(pd.Series(lo, index=out.index))
    out["upper_99_8"] = out["upper_99_8"].fillna(pd.Series(hi, index=out.index))
    return out


def _latest(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    ordered = frame.sort_values([*keys, "period_end", "period_start", "period"])
    return ordered.groupby(keys, sort=False).tail(1).reset_index(drop=True)


@dataclass(frozen=True)
class Scorecard:
    """A scorecard table with the framework it came from and notes on the methods."""

    table: pd.DataFrame
    framework: Framework
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the table."""
        return self.table.copy()

    def change_significant(self) -> pd.Series:
        """For each row, whether the change from the baseline is significant at 95%:
        ``"yes"`` where ``|change_z|`` exceeds the two-sided 95% normal quantile, ``"no"``
        where it does not, ``""`` where there is no change to test."""
        z = self.table["change_z"]
        return pd.Series(
            np.where(z.abs() > Z95, "yes", np.where(z.notna(), "no", "")), index=self.table.index
        )

    def summary(self) -> str:
        """A plain-text summary: one line per indicator."""
        lines = [f"{self.framework.name} (version {self.framework.version})"]
        if self.framework.illustration:
            lines.append("ILLUSTRATION: targets are invented for the example.")
        for row in self.table.itertuples(index=False):
            lines.append(
                f"- {row.label}: {row.value:.1f} ({row.period}); England {row.england_value:.1f}: "
                f"{row.compared_95} (95%), {row.compared_99_8} (99.8%); target: {row.target_status}"
            )
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<h3>{self.framework.name}</h3>" + self.table.to_html(index=False)


METHOD_NOTES: tuple[str, ...] = (
    "Compared with England: the area's confidence interval against England's value "
    "(Fingertips method); England's own interval is not used.",
    "99.8% limits not published by the source are derived from the 95% limits "
    "(half-widths scaled by 3.0902/1.9600).",
    "Change since baseline: z test with standard errors recovered from the 95% limits; "
    "rolling periods overlap, so treat it as a guide.",
    "Neighbours: nearest by standardised population-weighted IMD 2019 score and population.",
)


def scorecard(framework: Framework, store: Store, *, neighbours: int = 5) -> Scorecard:
    """The scorecard of one authority against its framework.

    One row per framework indicator: the latest period's value and 95%/99.8% limits,
    England's value and the comparison at both levels, the baseline and the change since
    it (with a z statistic), the target and its status, and the authority's rank among
    itself and its ``neighbours`` nearest similar authorities (1 = best; by value, using
    the indicator's polarity) with their mean.

    Indicators with no data for the authority keep their row with ``value`` missing and
    ``compared_95 = "no data"``.

    Examples
    --------
    >>> from healthgap.account.frameworks import example_path, load_framework  # doctest: +SKIP
    >>> fw = load_framework(example_path("greater_manchester"))  # doctest: +SKIP
    >>> card = scorecard(fw, store)  # doctest: +SKIP
    >>> print(card.summary())  # doctest: +SKIP
    """
    ids = sorted({i.id for i in framework.indicators})
    rows = fill_99_8(_rows(store, ids, None, None))
    keys = ["indicator_id", "sex"]
    meta = indicator_details(store, ids)
    meta_polarity = dict(zip(meta["indicator_id"], meta["meta_polarity"], strict=True))
    area = rows[
        (rows["area_code"] == framework.authority) & (rows["area_type"] == framework.area_type)
    ]
    england = rows[(rows["area_code"] == ENGLAND) & (rows["area_type"] == "nation")]
    peers = rows[rows["area_type"] == framework.area_type]

    neighbour_codes: list[str] = []
    if neighbours:
        with_data = set(peers["area_code"])
        try:
            near = nearest_neighbours(
                framework.authority,
                store=store,
                area_type=framework.area_type,
                k=neighbours,
                among=with_data,
            )
            neighbour_codes = list(near["area_code"])
        except InputError:
            neighbour_codes = []

    out: list[dict[str, Any]] = []
    for ind in framework.indicators:
        mine = area[(area["indicator_id"] == ind.id) & (area["sex"] == ind.sex)]
        rec: dict[str, Any] = {
            "indicator_id": ind.id,
            "label": ind.label,
            "sex": ind.sex,
            "polarity": ind.polarity,
            "period": None,
            "value": np.nan,
            "lower_95_0": np.nan,
            "upper_95_0": np.nan,
            "lower_99_8": np.nan,
            "upper_99_8": np.nan,
            "england_value": np.nan,
            "baseline_period": ind.baseline_period,
            "baseline": ind.baseline,
            "change": np.nan,
            "change_z": np.nan,
            "target": ind.target if ind.target is not None else np.nan,
            "target_period": ind.target_period,
            "neighbour_mean": np.nan,
            "neighbour_rank": np.nan,
            "neighbours": len(neighbour_codes),
        }
        if mine.empty:
            rec.update(compared_95="no data", compared_99_8="no data", target_status="no data")
            out.append(rec)
            continue
        latest = _latest(mine, keys).iloc[0]
        polarity = ind.polarity or _text(latest["polarity"]) or _text(meta_polarity.get(ind.id))
        rec.update(
            polarity=polarity,
            period=latest["period"],
            value=latest["value"],
            lower_95_0=latest["lower_95_0"],
            upper_95_0=latest["upper_95_0"],
            lower_99_8=latest["lower_99_8"],
            upper_99_8=latest["upper_99_8"],
        )
        eng = england[
            (england["indicator_id"] == ind.id)
            & (england["sex"] == ind.sex)
            & (england["period"] == latest["period"])
        ]
        rec["england_value"] = float(eng["value"].iloc[0]) if len(eng) else np.nan
        rec["compared_95"] = compare_to_benchmark(
            latest["lower_95_0"], latest["upper_95_0"], rec["england_value"], polarity
        ).item()
        rec["compared_99_8"] = compare_to_benchmark(
            latest["lower_99_8"], latest["upper_99_8"], rec["england_value"], polarity
        ).item()
        if ind.baseline_period is not None:
            base = mine[mine["period"] == ind.baseline_period]
            if len(base):
                b = base.iloc[0]
                if ind.baseline is None:
                    rec["baseline"] = float(b["value"])
                diff, z = change_test(
                    latest["value"],
                    latest["lower_95_0"],
                    latest["upper_95_0"],
                    b["value"],
                    b["lower_95_0"],
                    b["upper_95_0"],
                )
                rec["change"], rec["change_z"] = float(diff), float(z)
        rec["target_status"] = target_status(
            latest["lower_95_0"], latest["upper_95_0"], rec["target"], polarity
        ).item()
        due = period_end_year(ind.target_period)
        if due is not None and float(latest["period_end"]) < due and np.isfinite(rec["target"]):
            rec["target_status"] = _before_due(mine, keys, ind, rec["target"], polarity, due)
        if neighbour_codes:
            same = peers[
                (peers["indicator_id"] == ind.id)
                & (peers["sex"] == ind.sex)
                & (peers["period"] == latest["period"])
                & peers["area_code"].isin(neighbour_codes)
            ]
            if len(same):
                rec["neighbour_mean"] = float(same["value"].mean())
                values = np.append(same["value"].to_numpy(float), latest["value"])
                rec["neighbour_rank"] = float(_rank_best(values, polarity)[-1])
        out.append(rec)
    table = pd.DataFrame(out).merge(
        meta.drop(columns="meta_polarity"), on="indicator_id", how="left"
    )
    notes = list(METHOD_NOTES)
    if neighbour_codes:
        from healthgap.geography.names import area_label, area_names

        named = area_names(store)
        notes.append(
            "Neighbours used: "
            + ", ".join(f"{area_label(c, named)} ({c})" for c in neighbour_codes)
            + "."
        )
    return Scorecard(table=table, framework=framework, notes=tuple(notes))


def _text(value: Any) -> str | None:
    """``value`` if it is non-empty text, else None (NaN and None alike)."""
    return value if isinstance(value, str) and value.strip() else None


#: Metadata columns a scorecard row carries (from ``indicator_metadata``).
DETAIL_COLUMNS: tuple[str, ...] = (
    "indicator_name",
    "unit",
    "definition",
    "polarity_reason",
    "interval_method",
    "source",
    "source_url",
)


def indicator_details(store: Store, ids: list[str]) -> pd.DataFrame:
    """The metadata of ``ids`` for a scorecard: :data:`DETAIL_COLUMNS` and ``meta_polarity``
    (the reviewed polarity, used when neither the framework nor the data give one)."""
    from healthgap.data.indicator_metadata import metadata

    meta = metadata(store, ids).rename(
        columns={"name": "indicator_name", "polarity": "meta_polarity"}
    )
    known = meta[["indicator_id", *DETAIL_COLUMNS, "meta_polarity"]]
    missing = sorted(set(ids) - set(known["indicator_id"]))
    if missing:
        known = pd.concat([known, pd.DataFrame({"indicator_id": missing})], ignore_index=True)
    return known.drop_duplicates("indicator_id").reset_index(drop=True)


def _rank_best(values: np.ndarray, polarity: Any) -> np.ndarray:
    """Rank 1 = best (highest for high-is-good, lowest otherwise); ties share the best rank."""
    key = -values if Polarity.parse(polarity) is Polarity.HIGHER_IS_BETTER else values
    return pd.Series(key).rank(method="min").to_numpy()


def compare_authorities(framework: Framework, store: Store) -> pd.DataFrame:
    """Every area of the framework's ``area_type`` on each framework indicator.

    One row per indicator, sex and area for the latest period of that indicator: value,
    95% and 99.8% limits, England's value, the comparisons at both levels and the rank
    (1 = best by polarity; ``NaN`` without polarity). Vectorised over all areas.
    """
    ids = sorted({i.id for i in framework.indicators})
    rows = fill_99_8(_rows(store, ids, None, None))
    wanted = pd.DataFrame(
        [(i.id, i.sex, i.label, i.polarity) for i in framework.indicators],
        columns=["indicator_id", "sex", "label", "polarity_override"],
    )
    peers = rows[rows["area_type"] == framework.area_type].merge(wanted, on=["indicator_id", "sex"])
    if peers.empty:
        raise InputError(
            f"the framework's indicators must have values at area type "
            f"{framework.area_type!r}; got none. Check framework.area_type."
        )
    last = peers.groupby(["indicator_id", "sex"])["period_end"].transform("max")
    peers = peers[peers["period_end"] == last].copy()
    eng = rows[(rows["area_code"] == ENGLAND) & (rows["area_type"] == "nation")][
        ["indicator_id", "sex", "period", "value"]
    ].rename(columns={"value": "england_value"})
    peers = peers.merge(eng, on=["indicator_id", "sex", "period"], how="left")
    peers["polarity"] = peers["polarity_override"].fillna(peers["polarity"])
    peers["compared_95"] = compare_to_benchmark(
        peers["lower_95_0"], peers["upper_95_0"], peers["england_value"], peers["polarity"]
    )
    peers["compared_99_8"] = compare_to_benchmark(
        peers["lower_99_8"], peers["upper_99_8"], peers["england_value"], peers["polarity"]
    )
    peers["_key"] = peers["value"] * -polarity_signs(peers["polarity"])
    peers["rank"] = peers.groupby(["indicator_id", "sex"])["_key"].rank(method="min")
    cols = [
        "indicator_id",
        "label",
        "sex",
        "area_code",
        "area_name",
        "period",
        "value",
        "lower_95_0",
        "upper_95_0",
        "lower_99_8",
        "upper_99_8",
        "derived_99_8",
        "england_value",
        "compared_95",
        "compared_99_8",
        "rank",
        "polarity",
    ]
    return peers[cols].sort_values(["indicator_id", "sex", "rank", "area_code"], ignore_index=True)
