"""Distributional simulation of a policy's effect on the health gap by deprivation.

Each option's expected effect by deprivation decile (directly on the indicator, or on a
determinant times a per-unit effect, each with a 95% range) is added to the baseline
value of every decile. The projected deciles are summarised by the same measures as the
baseline, and the change in each measure is reported with Monte Carlo limits:

* ``mean``: population-weighted mean (the *efficiency* axis of the equity-impact plane);
* ``sii`` and ``rii``: slope and relative index of inequality (weighted least squares on
  the decile rank midpoints, the coefficients of :func:`healthgap.stats.inequality.sii.
  fit_weights`, the kernel behind :func:`healthgap.sii`);
* ``core20_gap``: mean of the other 80% minus the mean of the Core20 (the most deprived
  fifth of quantiles: deciles 1-2);
* ``atkinson_ede``/``kolm_ede`` (:func:`healthgap.atkinson`, :func:`healthgap.kolm`) and
  their inequality gaps ``atkinson_gap`` = mean - EDE and ``kolm_gap`` = mean - EDE;
* ``regional_gap`` (when regions are given): highest minus lowest region
  (:func:`healthgap.gap`), each region's change being its decile-population-weighted
  mean of the decile changes.

Monte Carlo: R draws (rows) of every uncertain input, vectorised over draws. One standard
normal per draw drives all of an option's decile effects (a policy that works better
than expected does so in every decile: fully correlated across deciles), another its
per-unit effect; the same draws are used for every option (common random numbers), so
options are compared on the same scenarios. Baseline standard errors, when given, add
independent normal draws per decile, shared by the baseline and every option.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError
from healthgap.policy.spec import PolicyOption, Range
from healthgap.policy.verdict import NO_CLEAR_EFFECT, Verdict, verdicts
from healthgap.stats import _schema as col
from healthgap.stats import intervals
from healthgap.stats._frames import InputFrame
from healthgap.stats._validate import (
    confidence_levels,
    numeric_column,
    require_finite,
    require_non_negative,
    whole_number,
)
from healthgap.stats.inequality.gap import gap as _gap
from healthgap.stats.inequality.sii import fit_weights, limit_ranks, order_statistics
from healthgap.stats.welfare import (
    ATKINSON_AVERSION_ENGLAND,
    KOLM_AVERSION_ENGLAND,
    atkinson,
    kolm,
)

Z95 = intervals.z_value(0.95)

#: Measure name -> (label, is a gap whose change gets a verdict).
MEASURES: dict[str, tuple[str, bool]] = {
    "mean": ("Population-weighted mean", False),
    "sii": ("Slope index of inequality (SII)", True),
    "rii": ("Relative index of inequality (RII)", True),
    "core20_gap": ("Gap: rest of population minus Core20", True),
    "atkinson_ede": ("Atkinson equally distributed equivalent", False),
    "atkinson_gap": ("Mean minus Atkinson EDE", True),
    "kolm_ede": ("Kolm equally distributed equivalent", False),
    "kolm_gap": ("Mean minus Kolm EDE", True),
    "regional_gap": ("Regional gap: highest minus lowest region", True),
}

REFERENCES = (
    "Office for Health Improvement and Disparities (2021). Health Equity Assessment Tool "
    "(HEAT): executive summary and guidance.",
    "Cookson R, Mirelman AJ, Griffin S, et al. (2017). Using cost-effectiveness analysis to "
    "address health equity concerns. Value in Health 20(2):206-212 (health equity impact "
    "plane).",
    "Marmot M, Allen J, Goldblatt P, et al. (2010). Fair Society, Healthy Lives (the Marmot "
    "Review): proportionate universalism.",
    "Low A, Low A (2004). Measuring the gap. Journal of Public Health 26(4):388-395 (SII).",
    "Robson M, Asaria M, Cookson R, Tsuchiya A, Ali S (2017). Eliciting the level of health "
    "inequality aversion in England. Health Economics 26(10):1328-1334.",
)


@dataclass(frozen=True)
class Simulation:
    """Result of :func:`simulate`.

    Attributes
    ----------
    summary:
        One row per option and measure: ``option``, ``measure``, ``label``, ``baseline``,
        ``projected``, ``change``, ``change_lower_95_0``, ``change_upper_95_0`` (for the
        confidence level used), ``gap_change`` (the change oriented so that a positive
        value means the baseline gap grows; NaN for non-gap measures) with its limits
        ``gap_change_lower_*``/``gap_change_upper_*``, and ``verdict``.
    deciles:
        One row per option and quantile: ``option``, ``quantile``, ``population_share``,
        ``baseline``, ``change`` (central), its limits, ``projected``.
    plane:
        One row per option: ``efficiency`` (change in the mean) and ``equity`` (minus the
        change in the SII gap: positive = narrower), each with limits, ``equity_ede``
        (minus the change in the Atkinson gap) and ``verdict``.
    verdicts:
        Option name -> the verdict on its SII (narrows / widens / no clear effect).
    """

    summary: pd.DataFrame
    deciles: pd.DataFrame
    plane: pd.DataFrame
    verdicts: dict[str, Verdict]
    indicator: str
    confidence: float
    draws: int
    seed: int | None
    options: tuple[PolicyOption, ...]
    notes: tuple[str, ...] = ()
    references: tuple[str, ...] = REFERENCES
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The summary table (one row per option and measure)."""
        return self.summary.copy()

    def verdict(self, option: str) -> Verdict:
        """The SII verdict of one option."""
        try:
            return self.verdicts[option]
        except KeyError:
            raise InputError(
                f"option must be one of {', '.join(map(repr, self.verdicts))}; got {option!r}."
            ) from None

    def __str__(self) -> str:
        lo, hi = col.lower(self.confidence, "change_"), col.upper(self.confidence, "change_")
        lines = [f"Policy simulation: {self.indicator} ({self.draws} draws, seed {self.seed})"]
        for name, v in self.verdicts.items():
            row = self.summary[(self.summary.option == name) & (self.summary.measure == "sii")]
            r = row.iloc[0]
            lines.append(
                f"  {name}: SII change {r.change:+.3f} ({r[lo]:+.3f} to {r[hi]:+.3f}) -> {v}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.summary.to_html(index=False)


# ------------------------------------------------------------------------------ inputs


def _baseline(
    baseline: Any, value: str, quantile: str, population: str | None, se: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    frame = InputFrame.of(baseline, "baseline")
    cols = [value, quantile, *(c for c in (population, se) if c is not None)]
    roles = ["value", "quantile", *(["population"] if population else []), *(["se"] if se else [])]
    frame.require(cols, roles)
    q = numeric_column(frame, quantile, "quantile")
    n = len(frame)
    expected = np.arange(1, n + 1)
    if n < 5 or np.isnan(q).any() or not np.array_equal(np.sort(q), expected):
        shown = sorted(pd.unique(frame.df[quantile]).tolist())[:12]
        raise InputError(
            f"baseline quantile column {quantile!r} must hold each of 1 (most deprived) to Q "
            f"exactly once, with Q of 5 or more; got {shown}. Give one row per decile, "
            "numbered 1 to 10."
        )
    order = np.argsort(q)
    y = numeric_column(frame, value, "value", [quantile])
    require_finite(frame, y, value, "value", [quantile])
    missing = np.flatnonzero(np.isnan(y))
    if missing.size:
        raise InputError(
            f"baseline value column {value!r} must have a value for every quantile; got "
            f"{missing.size} missing (first: {frame.describe_row(int(missing[0]), [quantile])})."
            " Fill in the baseline before simulating."
        )
    if population is not None:
        p = numeric_column(frame, population, "population", [quantile])
        require_finite(frame, p, population, "population", [quantile])
        require_non_negative(frame, p, population, "population", [quantile])
        bad = np.flatnonzero(~(p > 0))
        if bad.size:
            raise InputError(
                f"baseline population column {population!r} must be greater than 0 for every "
                f"quantile; got {bad.size} not (first: "
                f"{frame.describe_row(int(bad[0]), [quantile])}). Use population=None for "
                "equal weights."
            )
    else:
        p = np.ones(n)
    if se is not None:
        s = numeric_column(frame, se, "se", [quantile])
        require_finite(frame, s, se, "se", [quantile])
        require_non_negative(frame, s, se, "se", [quantile])
        s = np.nan_to_num(s)
    else:
        s = np.zeros(n)
    return y[order], p[order], s[order]


def _regions(regions: Any, quantiles: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(names, baseline values (K,), decile population shares (K, Q)) from a long frame."""
    frame = InputFrame.of(regions, "regions")
    frame.require(["region", "value", "quantile", "population"])
    df = frame.df
    y = numeric_column(frame, "value", "value", ["region"])
    p = numeric_column(frame, "population", "population", ["region"])
    require_finite(frame, y, "value", "value", ["region"])
    require_non_negative(frame, p, "population", "population", ["region"])
    q = numeric_column(frame, "quantile", "quantile", ["region"])
    bad = np.flatnonzero(~np.isin(q, np.arange(1, quantiles + 1)))
    if bad.size:
        raise InputError(
            f"regions quantile column must hold 1 to {quantiles}; got "
            f"{df['quantile'].iloc[bad[0]]!r} at {frame.describe_row(int(bad[0]), ['region'])}."
            " Use the baseline's deciles."
        )
    names, codes = np.unique(df["region"].astype(str).to_numpy(), return_inverse=True)
    pop = np.zeros((len(names), quantiles))
    np.add.at(pop, (codes, q.astype(int) - 1), np.nan_to_num(p))
    value = np.full(len(names), np.nan)
    value[codes] = y
    spread = pd.Series(y).groupby(codes).nunique().to_numpy()
    if (spread > 1).any():
        first = names[int(np.flatnonzero(spread > 1)[0])]
        raise InputError(
            f"regions value must be the same on every row of a region (its baseline); got "
            f"different values for {first!r}. Repeat the region's value on each decile row."
        )
    total = pop.sum(axis=1, keepdims=True)
    if (total <= 0).any():
        first = names[int(np.flatnonzero(total[:, 0] <= 0)[0])]
        raise InputError(
            f"regions population must be greater than 0 in total for each region; got 0 for "
            f"{first!r}. Give the region's population in each decile."
        )
    if len(names) < 2:
        raise InputError(
            f"regions must name at least 2 regions; got {len(names)}. The regional gap "
            "compares the highest and the lowest region."
        )
    return [str(n) for n in names], value, pop / total


# ----------------------------------------------------------------------------- kernels


def split_normal(r: Range | tuple[np.ndarray, np.ndarray, np.ndarray], z: np.ndarray) -> Any:
    """Draws of a two-piece normal with mode ``central``, 2.5%/97.5% points low/high.

    ``z`` are standard normal draws; the result is central + z (central - low) / 1.96 for
    z < 0 and central + z (high - central) / 1.96 for z >= 0 (1.96 = 1.959964...).
    Broadcasts: ``z`` of shape (R, 1) with arrays of shape (Q,) gives (R, Q).
    """
    low, central, high = (r.low, r.central, r.high) if isinstance(r, Range) else r
    below = (np.asarray(central) - np.asarray(low)) / Z95
    above = (np.asarray(high) - np.asarray(central)) / Z95
    return central + z * np.where(z < 0, below, above)


def _core20_mask(quantiles: int) -> np.ndarray | None:
    if quantiles % 5:
        return None
    return np.arange(1, quantiles + 1) <= quantiles // 5


def _ede(y: np.ndarray, pop: np.ndarray, kind: str, aversion: float) -> np.ndarray:
    """Atkinson/Kolm EDE of every row of y (R, Q) at once, via healthgap.atkinson/kolm."""
    result = np.full(y.shape[0], np.nan)
    ok = (y > 0).all(axis=1) if kind == "atkinson" else np.ones(y.shape[0], dtype=bool)
    rows = np.flatnonzero(ok)  # Atkinson needs positive values: other draws stay NaN
    if rows.size == 0:
        return result
    q = y.shape[1]
    long = pd.DataFrame(
        {"draw": np.repeat(rows, q), "h": y[rows].ravel(), "w": np.tile(pop, rows.size)}
    )
    fn = atkinson if kind == "atkinson" else kolm
    out = fn(long, "h", "w", group_by="draw", aversion=aversion).table.sort_values("draw")
    result[out["draw"].to_numpy(dtype=int)] = out["value"].to_numpy(dtype=float)
    return result


def _regional_gap(values: np.ndarray, names: list[str], confidence: float) -> np.ndarray:
    """Highest minus lowest region for every row of values (R, K), via healthgap.gap."""
    r, k = values.shape
    long = pd.DataFrame(
        {
            "draw": np.repeat(np.arange(r), k),
            "region": np.tile(np.asarray(names, dtype=object), r),
            "v": values.ravel(),
            "s": 0.0,
        }
    )
    out = _gap(long, "v", by="region", group_by="draw", se="s", confidence=confidence).table
    return out.sort_values("draw")["difference"].to_numpy(dtype=float)


def _measures(
    y: np.ndarray,
    pop: np.ndarray,
    c0: np.ndarray,
    c1: np.ndarray,
    regions: tuple[list[str], np.ndarray, np.ndarray] | None,
    region_change: np.ndarray | None,
    use_ede: bool,
    aversions: tuple[float, float],
    confidence: float,
) -> dict[str, np.ndarray]:
    """Every measure for every row of y (R, Q): a dict of (R,) arrays."""
    a = pop / pop.sum()
    out: dict[str, np.ndarray] = {"mean": y @ a}
    beta0, beta1 = y @ c0, y @ c1
    out["sii"] = beta1
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rii"] = (beta0 + beta1) / beta0
    core = _core20_mask(len(pop))
    if core is not None:
        wc, wr = pop * core, pop * ~core
        out["core20_gap"] = y @ (wr / wr.sum()) - y @ (wc / wc.sum())
    if use_ede:
        at = _ede(y, pop, "atkinson", aversions[0])
        ko = _ede(y, pop, "kolm", aversions[1])
        out["atkinson_ede"], out["atkinson_gap"] = at, out["mean"] - at
        out["kolm_ede"], out["kolm_gap"] = ko, out["mean"] - ko
    if regions is not None:
        names, base, _ = regions
        change = region_change if region_change is not None else np.zeros((y.shape[0], 1))
        out["regional_gap"] = _regional_gap(base + change, names, confidence)
    return out


def _limits(draws: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Order-statistic limits of every row of draws (M, R), as healthgap.sii does."""
    lo_rank, hi_rank = limit_ranks(draws.shape[1], confidence)
    clean = np.where(np.isnan(draws), np.inf, draws)  # NaN rows give NaN below
    found = order_statistics(clean.copy(), [max(lo_rank, 1), hi_rank])
    nan_rows = np.isnan(draws).any(axis=1)
    found[nan_rows] = np.nan
    return found[:, 0], found[:, 1]


def _snap(change: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Changes within rounding error of 0 (|change| <= 1e-11 max(1, |measure|)) become 0.

    A uniform shift leaves the SII unchanged in exact arithmetic, but the floating-point
    sum of its coefficients is only ~1e-17 from 0; without this, rounding noise could
    turn "no clear effect" into "widens".
    """
    tol = 1e-11 * np.maximum(1.0, np.abs(scale))
    return np.where(np.abs(change) <= tol, 0.0, change) + 0.0


# ------------------------------------------------------------------------------ public


def simulate(
    baseline: Any,
    options: Sequence[PolicyOption],
    *,
    value: str = "value",
    quantile: str = "quantile",
    population: str | None = None,
    se: str | None = None,
    regions: Any = None,
    favourable: bool = True,
    indicator: str = "indicator",
    draws: int = 2000,
    seed: int | None = None,
    confidence: float = 0.95,
    atkinson_aversion: float = ATKINSON_AVERSION_ENGLAND,
    kolm_aversion: float = KOLM_AVERSION_ENGLAND,
) -> Simulation:
    """Project each deprivation decile under each policy option and measure the gap.

    For option k with decile effects E_kj (indicator units, or determinant units times a
    per-unit effect U_k) the projected value of quantile j is y_j + E_kj U_k. Each
    measure M (mean, SII, RII, Core20 gap, Atkinson/Kolm EDE and gaps, regional gap) is
    evaluated on the baseline and on the projection; the reported change is
    M(projected) - M(baseline) at the central values, and its limits are order statistics
    of the same difference over ``draws`` Monte Carlo draws (ranks round(R alpha/2) and
    round(R (1 - alpha/2)), as :func:`healthgap.sii`).

    The *verdict* on a gap measure uses its change oriented by the baseline gap's sign
    (``gap_change``, positive = the gap grows): "narrows" when the upper limit is below
    0, "widens" when the lower limit is above 0, otherwise "no clear effect". The
    option's headline verdict is the SII's.

    Parameters
    ----------
    baseline:
        pandas/polars frame with one row per quantile (1 = most deprived to Q, Q >= 5).
    options:
        :class:`~healthgap.policy.PolicyOption` objects (names must be distinct).
    value, quantile, population, se:
        Baseline column names. ``population=None`` weights quantiles equally; ``se``
        (optional) adds baseline sampling uncertainty.
    regions:
        Optional long frame with columns ``region``, ``value`` (the region's baseline,
        repeated), ``quantile`` and ``population`` (the region's population in that
        national decile), for the regional gap.
    favourable:
        True when higher values are better (life expectancy). Atkinson and Kolm EDEs
        are computed only for favourable indicators with positive values.
    draws, seed, confidence:
        Monte Carlo draws (100 or more), ``numpy.random.default_rng`` seed, one level.
    atkinson_aversion, kolm_aversion:
        Inequality aversions (defaults: English public, Robson et al. 2017).

    Returns
    -------
    Simulation

    Examples
    --------
    >>> import pandas as pd
    >>> from healthgap.policy import PolicyOption, simulate
    >>> base = pd.DataFrame({"quantile": range(1, 11),
    ...                      "value": [52., 57, 59, 62, 63, 64, 65, 67, 68, 70]})
    >>> opts = [PolicyOption("Uniform", {"all": 1.0}),
    ...         PolicyOption("Targeted", {1: [1.0, 2.0, 3.0]})]
    >>> sim = simulate(base, opts, seed=1, draws=1000)
    >>> sim.verdicts
    {'Uniform': 'no clear effect', 'Targeted': 'narrows'}
    """
    levels = confidence_levels(confidence)
    if len(levels) != 1:
        raise InputError(
            f"confidence must be one level for a simulation; got {levels}. Use e.g. 0.95."
        )
    level = levels[0]
    n_draws = whole_number(draws, "draws", 100, "2000")
    options = tuple(options)
    if not options or not all(isinstance(o, PolicyOption) for o in options):
        raise InputError(
            f"options must be a non-empty list of PolicyOption; got {options!r}. Build them "
            "with PolicyOption(name, effect) or load_spec(path).options."
        )
    names = [o.name for o in options]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"option names must be distinct; got {dup[0]!r} twice. Rename one.")
    y0, pop, s0 = _baseline(baseline, value, quantile, population, se)
    q = len(y0)
    reg = _regions(regions, q) if regions is not None else None
    use_ede = bool(favourable) and bool((y0 > 0).all())
    notes: list[str] = []
    if not use_ede:
        notes.append(
            "Atkinson and Kolm EDEs are not reported: they need a favourable indicator "
            "(higher is better) with positive values."
        )
    if _core20_mask(q) is None:
        notes.append(f"Core20 gap not reported: {q} quantiles do not split into fifths.")
    c0, c1 = (w[0] for w in fit_weights(pop[None, :]))

    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_draws, 2))
    zb = rng.standard_normal((n_draws, q)) if (s0 > 0).any() else np.zeros((n_draws, q))
    y_draws = y0 + zb * s0
    aversions = (float(atkinson_aversion), float(kolm_aversion))
    shares = reg[2] if reg is not None else None

    def measure(y: np.ndarray, delta: np.ndarray | None) -> dict[str, np.ndarray]:
        rc = None if shares is None or delta is None else delta @ shares.T
        return _measures(y, pop, c0, c1, reg, rc, use_ede, aversions, level)

    base_point = measure(y0[None, :], None)
    base_draws = measure(y_draws, None)
    measure_names = list(base_point)
    sign = {m: (1.0 if base_point[m][0] >= 0 else -1.0) for m in measure_names}
    if "rii" in sign:
        sign["rii"] = 1.0 if base_point["rii"][0] >= 1 else -1.0

    summary_rows: list[dict[str, Any]] = []
    decile_rows: list[pd.DataFrame] = []
    plane_rows: list[dict[str, Any]] = []
    headline: dict[str, Verdict] = {}
    lo_c, hi_c = col.lower(level, "change_"), col.upper(level, "change_")
    glo_c, ghi_c = col.lower(level, "gap_change_"), col.upper(level, "gap_change_")
    for opt in options:
        low, central, high = opt.effect_arrays(q)
        unit = opt.unit
        delta_point = central * unit.central
        effect = split_normal((low, central, high), z[:, :1])  # (R, Q), one z per draw
        delta = effect * split_normal(unit, z[:, 1:2])
        proj_point = measure((y0 + delta_point)[None, :], delta_point[None, :])
        proj_draws = measure(y_draws + delta, delta)
        change_draws = np.stack(
            [_snap(proj_draws[m] - base_draws[m], base_draws[m]) for m in measure_names]
        )
        lower, upper = _limits(change_draws, level)
        dlo, dhi = _limits(delta.T.copy(), level)
        for i, m in enumerate(measure_names):
            label, is_gap = MEASURES[m]
            change = float(_snap(proj_point[m] - base_point[m], base_point[m])[0])
            row: dict[str, Any] = {
                "option": opt.name,
                "measure": m,
                "label": label,
                "baseline": float(base_point[m][0]),
                "projected": float(proj_point[m][0]),
                "change": change,
                lo_c: float(lower[i]),
                hi_c: float(upper[i]),
            }
            if is_gap:
                g = sign[m]
                glo, ghi = sorted((g * lower[i], g * upper[i]))
                row.update({"gap_change": g * change, glo_c: glo, ghi_c: ghi})
                row["verdict"] = verdicts(np.array([glo]), np.array([ghi]))[0]
            else:
                row.update({"gap_change": np.nan, glo_c: np.nan, ghi_c: np.nan, "verdict": ""})
            summary_rows.append(row)
        decile_rows.append(
            pd.DataFrame(
                {
                    "option": opt.name,
                    "quantile": np.arange(1, q + 1),
                    "population_share": pop / pop.sum(),
                    "baseline": y0,
                    "change": delta_point,
                    lo_c: dlo,
                    hi_c: dhi,
                    "projected": y0 + delta_point,
                }
            )
        )
        rows = {r["measure"]: r for r in summary_rows if r["option"] == opt.name}
        sii_row, mean_row = rows["sii"], rows["mean"]
        headline[opt.name] = sii_row["verdict"] or NO_CLEAR_EFFECT
        plane: dict[str, Any] = {
            "option": opt.name,
            "efficiency": mean_row["change"],
            col.lower(level, "efficiency_"): mean_row[lo_c],
            col.upper(level, "efficiency_"): mean_row[hi_c],
            "equity": 0.0 - sii_row["gap_change"],
            col.lower(level, "equity_"): 0.0 - sii_row[ghi_c],
            col.upper(level, "equity_"): 0.0 - sii_row[glo_c],
            "equity_ede": (
                0.0 - rows["atkinson_gap"]["gap_change"] if "atkinson_gap" in rows else np.nan
            ),
            "verdict": headline[opt.name],
        }
        plane_rows.append(plane)

    summary = pd.DataFrame(summary_rows)
    for c in ("change", lo_c, hi_c, "gap_change", glo_c, ghi_c):
        summary[c] = summary[c].astype(float)
    # exact zeros stay exact; -0.0 prints as 0
    summary[["change", "gap_change"]] = summary[["change", "gap_change"]] + 0.0
    return Simulation(
        summary=summary,
        deciles=pd.concat(decile_rows, ignore_index=True),
        plane=pd.DataFrame(plane_rows),
        verdicts=headline,
        indicator=indicator,
        confidence=level,
        draws=n_draws,
        seed=seed,
        options=options,
        notes=tuple(notes),
        parameters={
            "atkinson_aversion": aversions[0],
            "kolm_aversion": aversions[1],
            "favourable": bool(favourable),
            "quantiles": q,
            "regions": None if reg is None else reg[0],
        },
    )


def effects_by_area(
    areas: Any,
    *,
    quantile: str = "quantile",
    population: str = "population",
    low: str = "low",
    central: str = "central",
    high: str = "high",
) -> dict[int, Range]:
    """Decile effects from effects stated by area: population-weighted means per decile.

    ``areas`` has one row per area with its national deprivation ``quantile``, its
    ``population`` and its effect range (``low``, ``central``, ``high`` columns). The
    effect on decile j is sum_a P_a E_a / sum_a P_a over the areas in decile j, for each
    of low, central and high (exact for the central value; for the limits it assumes the
    areas' uncertainties move together, as :func:`simulate` does). Deciles with no area
    get no entry (no effect).

    >>> import pandas as pd
    >>> a = pd.DataFrame({"quantile": [1, 1, 2], "population": [100, 300, 50],
    ...                   "low": [0, 0, 0], "central": [2.0, 4.0, 1.0], "high": [4, 8, 2]})
    >>> effects_by_area(a)[1]
    Range(low=0.0, central=3.5, high=7.0)
    """
    frame = InputFrame.of(areas, "areas")
    frame.require([quantile, population, low, central, high])
    q = numeric_column(frame, quantile, "quantile")
    if np.isnan(q).any() or (q < 1).any() or (q != np.round(q)).any():
        raise InputError(
            f"areas quantile column {quantile!r} must hold whole numbers from 1; got "
            f"{frame.df[quantile].tolist()[:6]}. Give each area's national decile."
        )
    p = numeric_column(frame, population, "population", [quantile])
    require_finite(frame, p, population, "population")
    require_non_negative(frame, p, population, "population")
    codes = q.astype(int)
    total = np.bincount(codes, weights=p)
    parts = []
    for c in (low, central, high):
        v = numeric_column(frame, c, c)
        require_finite(frame, v, c, c)
        with np.errstate(invalid="ignore", divide="ignore"):
            parts.append(np.bincount(codes, weights=p * v) / total)
    return {
        int(d): Range(float(parts[0][d]), float(parts[1][d]), float(parts[2][d]))
        for d in np.unique(codes)
        if total[d] > 0 and math.isfinite(parts[1][d])
    }
