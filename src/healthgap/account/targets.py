"""Targets for any indicator and area: status against the target, its trajectory and England.

A :class:`Target` names an indicator, an area (any ``area_code`` in the store's
``indicators`` table: a region, combined authority, UTLA or LAD), a sex, a target value,
the year it should be reached and the polarity. Targets are declared in Python or in a
TOML/YAML file (:func:`load_targets`) and assessed by :func:`targets_status` against the
latest period of data:

* against the **target** and against the **trajectory** (straight line from the baseline
  to the target, or a custom path) using the estimate's confidence interval
  (:func:`healthgap.account.status.compare`): "better than target (significant)",
  "similar to target", "worse than target (significant)". Not a naive RAG rating;
* against **England** (or another benchmark area) in the same period, Fingertips style:
  the area's interval against England's value;
* by **SPC** (:func:`healthgap.spc`, Making Data Count rules): the icon of the latest
  point and the assurance of the target against the process limits.

Periods are placed at their middle year (2022-2024 -> 2023); the target ``year`` is
compared with those middle years.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthgap.account.status import check_polarity, compare
from healthgap.account.trajectory import Trajectory, custom_trajectory, linear_trajectory
from healthgap.config_files import config_format, parse_config
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.hierarchy import using
from healthgap.stats.spc import spc

ENGLAND = "E92000001"
LIMITS = {0.95: ("lower_95_0", "upper_95_0"), 0.998: ("lower_99_8", "upper_99_8")}
COLUMNS = [
    "indicator_id",
    "area_code",
    "area_name",
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
]
_FIELDS = (
    "name",
    "indicator",
    "area",
    "value",
    "year",
    "polarity",
    "sex",
    "age",
    "baseline_period",
    "trajectory",
    "benchmark",
)


@dataclass(frozen=True)
class Target:
    """One target: ``indicator`` in ``area`` (and ``sex``/``age``) to reach ``value`` by ``year``.

    Attributes
    ----------
    indicator, area:
        ``indicator_id`` and ``area_code`` as in the store's ``indicators`` table.
    value, year:
        The target value and the year (period middle year) it should be reached by.
    polarity:
        ``"higher_is_better"`` or ``"lower_is_better"`` (``"neutral"`` is accepted but
        gives "higher"/"lower" instead of "better"/"worse").
    sex, age:
        Filters (``None``: the indicator has a single sex/age).
    baseline_period:
        Start of the trajectory (default: the earliest period of data).
    trajectory:
        ``"linear"`` (straight line from the baseline value to the target) or custom
        ``{year: expected value}`` points (the target point is added if absent).
    benchmark:
        The comparator area, default England (``E92000001``).
    name:
        A label for tables (default ``"<indicator> <area>"``).
    """

    indicator: str
    area: str
    value: float
    year: int
    polarity: str
    sex: str | None = None
    age: str | None = None
    baseline_period: str | None = None
    trajectory: str | Mapping[int, float] = "linear"
    benchmark: str = ENGLAND
    name: str = ""

    def __post_init__(self) -> None:
        check_polarity(self.polarity)
        label = self.name or f"{self.indicator} {self.area}"
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise InputError(
                f"target value must be a number; got {self.value!r} for {label!r}. "
                "Write e.g. value = 65.0."
            )
        if not math.isfinite(float(self.value)):
            raise InputError(f"target value must be finite; got {self.value!r} for {label!r}.")
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise InputError(
                f"target year must be a whole year; got {self.year!r} for {label!r}. "
                "Write e.g. year = 2030."
            )
        if isinstance(self.trajectory, str) and self.trajectory != "linear":
            raise InputError(
                f"trajectory must be 'linear' or {{year: value}} points; got "
                f"{self.trajectory!r} for {label!r}."
            )

    @property
    def label(self) -> str:
        return self.name or f"{self.indicator} {self.area}"


def load_targets(path: str | Path) -> list[Target]:
    """Read targets from a TOML (``[[target]]`` tables) or YAML (``target:`` list) file.

    Each entry has the :class:`Target` fields: ``indicator``, ``area``, ``value``, ``year``,
    ``polarity`` and optionally ``name``, ``sex``, ``age``, ``baseline_period``,
    ``trajectory`` (``"linear"`` or a table of year = value), ``benchmark``.

    Examples
    --------
    A TOML file::

        [[target]]
        name = "Healthy life expectancy, North East women"
        indicator = "hle_birth"
        area = "E12000001"
        sex = "Female"
        value = 61.0
        year = 2030
        polarity = "higher_is_better"
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"targets file must exist; got {str(p)!r}. Check the path.")
    text = p.read_text(encoding="utf-8")
    fmt = config_format(p)
    if fmt is None:
        raise InputError(
            f"targets file must be .toml, .yaml or .yml; got {p.name!r}. Rename it or convert it."
        )
    config = parse_config(text, fmt, p.name)
    raw: Any = config.data
    entries = raw.get("target") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise InputError(
            f"{p.name} must list targets under 'target' ([[target]] tables in TOML, a "
            "'target:' list in YAML); got none."
        )
    out = []
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise config.error(
                f"target {i} in {p.name} must be a table of fields; got {entry!r}.",
                f"target[{i - 1}]",
            )
        unknown = sorted(set(entry) - set(_FIELDS))
        if unknown:
            raise config.error(
                f"target {i} in {p.name} must use only the fields {', '.join(_FIELDS)}; got "
                f"{unknown[0]!r}. Check the spelling.",
                f"target[{i - 1}].{unknown[0]}",
            )
        missing = [f for f in ("indicator", "area", "value", "year", "polarity") if f not in entry]
        if missing:
            raise config.error(
                f"target {i} in {p.name} must have {', '.join(missing)}; got fields "
                f"{', '.join(sorted(entry))}. Add e.g. {missing[0]} = ...",
                f"target[{i - 1}]",
            )
        kwargs = dict(entry)
        traj = kwargs.get("trajectory")
        if isinstance(traj, dict):
            try:
                kwargs["trajectory"] = {int(k): float(v) for k, v in traj.items()}
            except (TypeError, ValueError):
                raise config.error(
                    f"target {i} in {p.name}: trajectory points must be year = value numbers; "
                    f"got {traj!r}.",
                    f"target[{i - 1}].trajectory",
                ) from None
        for key in ("indicator", "area", "sex", "age", "baseline_period", "benchmark"):
            if key in kwargs and kwargs[key] is not None:
                kwargs[key] = str(kwargs[key])
        out.append(Target(**kwargs))
    return out


@dataclass(frozen=True)
class TargetsResult:
    """The status of each target (``table``) and each target's SPC chart (``charts``)."""

    table: pd.DataFrame
    charts: Mapping[str, pd.DataFrame]
    confidence: float
    notes: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the status rows (NaN as None) and notes."""
        rows = [
            {
                str(k): (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in r.items()
            }
            for r in self.table.to_dict("records")
        ]
        return {"confidence": self.confidence, "targets": rows, "notes": list(self.notes)}


def _trajectory(t: Target, base_time: float, base_value: float) -> Trajectory:
    if isinstance(t.trajectory, str):
        return linear_trajectory(base_time, base_value, float(t.year), float(t.value))
    points = {float(k): float(v) for k, v in t.trajectory.items()}
    points.setdefault(float(t.year), float(t.value))
    return custom_trajectory(points)


def _rows(frame: pd.DataFrame, t: Target, area: str) -> pd.DataFrame:
    sel = (frame["indicator_id"] == t.indicator) & (frame["area_code"] == area)
    if t.sex is not None:
        sel &= frame["sex"] == t.sex
    if t.age is not None:
        sel &= frame["age"] == t.age
    rows = frame[sel].sort_values("period_start", kind="stable")
    dup = rows["period"].duplicated()
    if dup.any():
        raise InputError(
            f"target {t.label!r} must select one row per period; got several for "
            f"{rows['period'][dup].iloc[0]!r} (different sexes or ages). Set sex and age."
        )
    return rows.reset_index(drop=True)


def _spc(rows: pd.DataFrame, t: Target) -> tuple[pd.DataFrame | None, str, str, str]:
    """SPC chart of the area's series; warnings become a note instead of escaping."""
    if len(rows) < 2:
        return None, "", "", "SPC needs at least 2 periods"
    polarity = t.polarity if t.polarity != "neutral" else "neutral"
    target = float(t.value) if polarity != "neutral" else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chart = spc(
            rows[["period_start", "value"]],
            "value",
            "period_start",
            polarity=polarity,
            target=target,
        ).to_pandas()
    note = "; ".join(str(w.message) for w in caught)
    last = chart.iloc[-1]
    return chart, str(last["variation"]), str(last["assurance"]), note


def targets_status(
    targets: Sequence[Target],
    store: Store | str | None = None,
    *,
    data: Any = None,
    confidence: float = 0.95,
) -> TargetsResult:
    """Assess each target on the latest period of its indicator.

    Parameters
    ----------
    targets:
        :class:`Target` objects (e.g. from :func:`load_targets`).
    store:
        The store to read the indicators from (ignored when ``data`` is given).
    data:
        Optional pandas frame in the store's ``indicators`` layout (``indicator_id``,
        ``area_code``, ``period``, ``period_start``, ``period_end``, ``value``, limits...),
        e.g. local data not in the store.
    confidence:
        0.95 (default) or 0.998: which limit columns are used.

    Returns
    -------
    TargetsResult
        ``table`` has one row per target: ``target``, ``indicator``, ``area_code``,
        ``area_name``, ``sex``, ``latest_period``, ``value``, ``lower``, ``upper``,
        ``target_value``, ``target_year``, ``polarity``, ``trajectory_value`` (expected now),
        ``vs_target``, ``vs_trajectory``, ``benchmark_value``, ``vs_benchmark``,
        ``spc_variation``, ``spc_assurance``, ``status`` (a sentence) and ``note``.

    Notes
    -----
    Comparisons treat the target, the trajectory value and England's value as fixed (as
    Fingertips does for England). SPC on rolling multi-year periods: neighbouring points
    share years, so runs and trends appear more often than in independent data; read the
    icons as descriptive. Fewer than 15 points give trial limits (said in ``note``).

    Examples
    --------
    >>> from healthgap.account.targets import Target, targets_status
    >>> t = Target("hle_birth", "E12000001", 61.0, 2030, "higher_is_better", sex="Female")
    >>> targets_status([t], "healthgap.duckdb").table  # doctest: +SKIP
    """
    if confidence not in LIMITS:
        raise InputError(
            f"confidence must be 0.95 or 0.998 (the store's limit columns); got {confidence!r}."
        )
    if not targets:
        raise InputError("targets must hold at least one Target; got none.")
    lo_col, hi_col = LIMITS[confidence]
    if data is not None:
        frame = pd.DataFrame(data).copy()
        missing = [
            c
            for c in ("indicator_id", "area_code", "period", "period_start", "period_end", "value")
            if c not in frame.columns
        ]
        if missing:
            raise InputError(
                f"data must have the indicators-table columns; got no {missing[0]!r}. Needed: "
                "indicator_id, area_code, period, period_start, period_end, value "
                f"(and {lo_col}, {hi_col})."
            )
        for c in COLUMNS:
            if c not in frame.columns:
                frame[c] = np.nan if c not in ("area_name", "sex", "age") else None
    else:
        with using(store) as st:
            expr = st.indicators(
                sorted({t.indicator for t in targets}),
                area_code=sorted({t.area for t in targets} | {t.benchmark for t in targets}),
            )
            frame = st.to_pandas(expr.select(*COLUMNS))

    out = []
    charts: dict[str, pd.DataFrame] = {}
    for t in targets:  # a handful of user-declared targets, each its own series
        rows = _rows(frame, t, t.area)
        if rows.empty:
            raise InputError(
                f"target {t.label!r} must match data; got no rows for indicator "
                f"{t.indicator!r}, area {t.area!r}"
                f"{f', sex {t.sex!r}' if t.sex else ''}. Check the codes in the store."
            )
        times = (rows["period_start"].to_numpy(float) + rows["period_end"].to_numpy(float)) / 2
        if t.baseline_period is None:
            b = 0
        else:
            hit = np.flatnonzero(rows["period"].to_numpy() == t.baseline_period)
            if hit.size == 0:
                raise InputError(
                    f"baseline_period of {t.label!r} must be a period of the data; got "
                    f"{t.baseline_period!r}. Periods: {', '.join(rows['period'])}."
                )
            b = int(hit[0])
        path = _trajectory(t, float(times[b]), float(rows["value"].iloc[b]))
        last = rows.iloc[-1]
        v = float(last["value"])
        lo = float(last[lo_col]) if pd.notna(last[lo_col]) else math.nan
        hi = float(last[hi_col]) if pd.notna(last[hi_col]) else math.nan
        expected = float(path.expected(times[-1]))
        bench = _rows(frame, t, t.benchmark)
        bench = bench[bench["period"] == last["period"]]
        bench_value = float(bench["value"].iloc[0]) if len(bench) else math.nan
        bench_name = "England" if t.benchmark == ENGLAND else t.benchmark
        vs_target = compare(v, lo, hi, float(t.value), t.polarity, "target")
        vs_path = compare(v, lo, hi, expected, t.polarity, "trajectory")
        vs_bench = compare(v, lo, hi, bench_value, t.polarity, bench_name)
        chart, variation, assurance, note = _spc(rows, t)
        if chart is not None:
            charts[t.label] = chart
        year_note = (
            " The target year has passed."
            if times[-1] >= t.year
            else f" {t.year - times[-1]:g} years remain to the target year {t.year}."
        )
        status = (
            f"{t.label}: {v:.4g} in {last['period']} is {vs_target} ({t.value:g} by "
            f"{t.year}), {vs_path} ({expected:.4g} expected now) and {vs_bench}."
            f"{year_note}"
        )
        out.append(
            {
                "target": t.label,
                "indicator": t.indicator,
                "area_code": t.area,
                "area_name": last["area_name"],
                "sex": t.sex,
                "latest_period": last["period"],
                "value": v,
                "lower": lo,
                "upper": hi,
                "target_value": float(t.value),
                "target_year": t.year,
                "polarity": t.polarity,
                "trajectory": path.kind,
                "trajectory_value": expected,
                "vs_target": vs_target,
                "vs_trajectory": vs_path,
                "benchmark_value": bench_value,
                "vs_benchmark": vs_bench,
                "spc_variation": variation,
                "spc_assurance": assurance,
                "status": status,
                "note": note,
            }
        )
    return TargetsResult(
        table=pd.DataFrame(out),
        charts=charts,
        confidence=confidence,
        notes=(
            "Comparisons use the estimate's confidence interval against a fixed target, "
            "trajectory value or benchmark value.",
            "SPC on rolling multi-year periods is descriptive: neighbouring points share years.",
        ),
    )
