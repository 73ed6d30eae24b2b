"""What :func:`~healthgap.stats.inequality.sii.sii` reads: values, quantiles and uncertainty.

Every source of uncertainty is turned into one standard error on the *working scale* of the
simulation (identity for ``"normal"`` values, log for rates, logit for proportions) by one
rule, the one the official method (PHEindicatormethods' ``phe_sii``) applies to 95%
confidence limits::

    s = (f(U) - f(L)) / (2 x 1.959964)

* **limits** ``lower``/``upper``: used as given;
* **se on the working scale** (``se_scale="working"``, the peer's ``se``): used as given. It
  is the same as passing its exact limits f^-1(f(y) -/+ z se), which the rule maps back to
  ``se`` without error;
* **se on the value's scale** (``se_scale="value"``): the symmetric 95% limits y -/+ z se
  that such a standard error stands for are put through the rule. This is exact where the
  delta method (se/y, se/(y(1 - y))) is only a first-order approximation; the two agree as
  se/y -> 0. Where y - z se leaves the scale (a rate at or below 0, a proportion outside
  (0, 1)) no log or logit exists and the group is suppressed, with a remedy;
* **counts** ``x`` (proportions, with ``population`` as the denominator) and no se or
  limits: Wilson 95% limits of x / population, the Fingertips interval for proportions.

Given both ``se`` and limits, they must agree to within the rounding of the printed digits
(each number may be off by half a unit in its last decimal place, plus 2% for limits made
with z = 1.96 or similar); otherwise it is an error naming the first row. A working-scale
``se`` passed as if it were on the value scale gives intervals about 1/y times too narrow
(four times, for a rate near 4): this check is what catches it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import special

from healthgap.errors import InputError
from healthgap.stats import intervals
from healthgap.stats._frames import InputFrame
from healthgap.stats._validate import RowChecks

#: z for the 95% limits standard errors are derived from.
Z95 = intervals.z_value(0.95)
#: Scales a standard error can be given on.
SE_SCALES: tuple[str, ...] = ("value", "working")
#: Slack on top of rounding when se and limits are both given (z = 1.96 vs 1.959964, etc.).
AGREEMENT_SLACK = 0.02


def forward(value_type: str, y: np.ndarray) -> np.ndarray:
    """The working scale: identity, log (rates) or logit (proportions)."""
    if value_type == "rate":
        return np.log(y)
    if value_type == "proportion":
        return special.logit(y)
    return y


def se_from_limits(value_type: str, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The one rule: s = (f(U) - f(L)) / (2 x 1.959964) on the working scale."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return intervals.se_from_limits(forward(value_type, lo), forward(value_type, hi), 0.95)


def working_se(value_type: str, scale: str, y: np.ndarray, se: np.ndarray) -> np.ndarray:
    """A standard error on ``scale`` as a working-scale standard error (see module notes)."""
    if scale == "working" or value_type == "normal":
        return np.array(se, dtype=float)
    return se_from_limits(value_type, y - Z95 * se, y + Z95 * se)


def value_limits_leave_scale(value_type: str, y: np.ndarray, se: np.ndarray) -> np.ndarray:
    """True where y -/+ z se has no log (rates) or logit (proportions)."""
    lo, hi = y - Z95 * se, y + Z95 * se
    with np.errstate(invalid="ignore"):
        if value_type == "rate":
            return np.asarray(lo <= 0)
        if value_type == "proportion":
            return np.asarray((lo <= 0) | (hi >= 1))
    return np.zeros(y.shape, dtype=bool)


def half_unit(values: np.ndarray) -> np.ndarray:
    """Half a unit in the last decimal place each value was rounded to (0 to 6 places).

    >>> half_unit(np.array([79.1, 1.64, 3.0, 0.1234567891])).tolist()
    [0.05, 0.005, 0.5, 5e-07]
    """
    out = np.full(values.shape, 0.5e-6)
    found = np.zeros(values.shape, dtype=bool)
    scale = np.maximum(np.abs(values), 1.0)
    for d in range(7):
        hit = ~found & (np.abs(np.round(values, d) - values) <= 1e-9 * scale)
        out[hit] = 0.5 * 10.0**-d
        found |= hit
    return out


def check_agreement(
    checks: RowChecks,
    value_type: str,
    scale: str,
    y: np.ndarray,
    se: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    columns: tuple[str, str, str],
) -> None:
    """Raise (or mark the rows) where se and the limits disagree by more than rounding."""
    se_col, lo_col, hi_col = columns
    h_se, h_lo, h_hi = half_unit(se), half_unit(lo), half_unit(hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        from_se_low = working_se(value_type, scale, y, np.maximum(se - h_se, 0.0))
        from_se_high = working_se(value_type, scale, y, se + h_se)
        lim_low = se_from_limits(value_type, lo + h_lo, np.maximum(hi - h_hi, lo + h_lo))
        lim_high = se_from_limits(value_type, lo - h_lo, hi + h_hi)
    lim_low = np.where(np.isnan(lim_low), 0.0, lim_low)
    lim_high = np.where(np.isnan(lim_high), np.inf, lim_high)
    bad = (from_se_high < lim_low * (1 - AGREEMENT_SLACK)) | (
        from_se_low > lim_high * (1 + AGREEMENT_SLACK)
    )
    bad &= ~(np.isnan(se) | np.isnan(lo) | np.isnan(hi) | np.isnan(y))
    rows = np.flatnonzero(bad)
    if not rows.size:
        return
    first = int(rows[0])
    mid = se_from_limits(value_type, lo[first : first + 1], hi[first : first + 1])[0]
    got = working_se(value_type, scale, y[first : first + 1], se[first : first + 1])[0]
    where = {"rate": "log", "proportion": "logit"}.get(value_type, "value")
    hint = (
        f" If {se_col!r} holds standard errors on the {where} scale (as PHEindicatormethods' "
        "se does), pass se_scale='working'."
        if scale == "value" and value_type != "normal"
        else (
            " If it holds standard errors of the values themselves, pass se_scale='value'."
            if value_type != "normal"
            else ""
        )
    )
    checks.rule(
        bad,
        f"se and the 95% limits disagree (columns {se_col!r}, {lo_col!r}, {hi_col!r})",
        InputError(
            f"se column {se_col!r} must agree with the 95% limits {lo_col!r}/{hi_col!r} to "
            f"within rounding; got {rows.size} {'row' if rows.size == 1 else 'rows'} where "
            f"they disagree (first: {checks.frame.describe_row(first, checks.context)}: on the "
            f"{where} scale the se gives {got:.4g} and the limits give {mid:.4g}).{hint} "
            "Otherwise pass only one of them."
        ),
    )


def wilson_se(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson 95% limits of x/n (the Fingertips interval for proportions)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lo, hi = intervals.wilson_limits(x, n, 0.95)
    return np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)


def multiplier_value(value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
        or float(value) == 0
    ):
        raise InputError(
            f"multiplier must be a non-zero number; got {value!r}. Use e.g. multiplier=1, "
            "or multiplier=-1 to measure from the least to the most deprived end."
        )
    return float(value)


def flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise InputError(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def generator(seed: Any) -> np.random.Generator:
    if isinstance(seed, bool):
        raise InputError(f"seed must be a whole number or None; got {seed!r}. Use e.g. seed=2024.")
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise InputError(
            f"seed must be a whole number or None; got {seed!r}. Use e.g. seed=2024."
        ) from None


def se_source(se: str | None, lower: str | None, upper: str | None, x: str | None) -> None:
    """Which of se, lower/upper (and counts x) the call uses; bad combinations raise."""
    if (lower is None) != (upper is None):
        given, name = ("lower", lower) if lower is not None else ("upper", upper)
        raise InputError(
            f"lower and upper must be given together; got only {given}={name!r}. Pass both "
            "95% limit columns, or se."
        )
    if se is None and lower is None and x is None:
        raise InputError(
            "se, or lower and upper, must be given; got neither. Pass se='se' (standard "
            "errors) or lower='lower_95' and upper='upper_95' (95% confidence limits), or "
            "x='count' for proportions."
        )


def quantile_numbers(frame: InputFrame, q: np.ndarray, column: str, keys: list[str]) -> int:
    """Check the quantile column holds 1..Q in every row; return Q (5 <= Q <= 100)."""
    missing = np.flatnonzero(np.isnan(q))
    if missing.size:
        raise InputError(
            f"quantile column {column!r} must have a value in every row; got {missing.size} "
            f"empty (first at {frame.describe_row(int(missing[0]), keys)}). Drop rows that "
            "have no quantile."
        )
    fractional = np.flatnonzero(q != np.round(q))
    if fractional.size:
        first = int(fractional[0])
        raise InputError(
            f"quantile column {column!r} must hold whole numbers; got {q[first]:g} at "
            f"{frame.describe_row(first, keys)}. Number the quantiles 1, 2, ..., Q."
        )
    labels = np.unique(q)
    n = labels.size
    if labels[0] != 1 or labels[-1] != n:
        shown = ", ".join(f"{v:g}" for v in labels[:12]) + (" ..." if n > 12 else "")
        raise InputError(
            f"quantile column {column!r} must number the quantiles 1, 2, ..., Q from most "
            f"deprived (1) to least deprived (Q); got the labels {shown}. Renumber them, "
            "e.g. 0-9 becomes 1-10; reverse them if your 1 is the least deprived."
        )
    if not 5 <= n <= 100:
        raise InputError(
            f"quantile column {column!r} must have between 5 and 100 quantiles; got {n}. "
            "Use quintiles, deciles or finer."
        )
    return int(n)


def limit_columns(
    checks: RowChecks, value_type: str, lower: str, upper: str
) -> tuple[np.ndarray, np.ndarray]:
    """The 95% limit columns: numbers, finite, lower <= upper, in range."""
    lo, hi = checks.limits(lower, upper)
    for arr, name, role in ((lo, lower, "lower"), (hi, upper, "upper")):
        check_range(checks, value_type, arr, name, role)
    return lo, hi


def check_range(
    checks: RowChecks, value_type: str, values: np.ndarray, column: str, role: str
) -> None:
    """Rates are 0 or more; proportions lie in [0, 1]."""
    if value_type == "rate":
        checks.non_negative(values, column, role)
    elif value_type == "proportion":
        outside = (values < 0) | (values > 1)
        bad = np.flatnonzero(outside)
        if bad.size:
            first = int(bad[0])
            checks.rule(
                outside,
                f"{role} is outside 0 to 1 (column {column!r})",
                InputError(
                    f"{role} column {column!r} must lie between 0 and 1 for proportions; got "
                    f"{bad.size} {'value' if bad.size == 1 else 'values'} outside (first: "
                    f"{values[first]:g} at {checks.frame.describe_row(first, checks.context)})."
                    " If they are percentages, divide by 100 and use multiplier=100."
                ),
            )
            values[outside] = np.nan


def counts_as_value(
    checks: RowChecks, x: str, population: np.ndarray, value_type: str
) -> tuple[np.ndarray, np.ndarray]:
    """Proportions from counts: value = x / population; returns (value, x)."""
    if value_type != "proportion":
        raise InputError(
            f"x (counts) must be used with value_type='proportion'; got value_type="
            f"{value_type!r}. Pass value_type='proportion', or give value= instead of x=."
        )
    counts = checks.numbers(x, "x")
    over = counts > population
    bad = np.flatnonzero(over)
    if bad.size:
        first = int(bad[0])
        checks.rule(
            over,
            f"x is above the population (column {x!r})",
            InputError(
                f"x column {x!r} must be at most the population; got {bad.size} "
                f"{'row' if bad.size == 1 else 'rows'} where it is larger (first: "
                f"{counts[first]:g} > {population[first]:g} at "
                f"{checks.frame.describe_row(first, checks.context)}). x counts people within "
                "each quantile's population."
            ),
        )
        counts[over] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        return counts / population, counts


def described_sources(
    se: str | None, lower: str | None, x: str | None, scale: str, value_type: str
) -> Sequence[str]:
    """Words for ``StatResult.notes``: where the standard errors came from."""
    where = {"rate": "log", "proportion": "logit"}.get(value_type, "value")
    if se is not None:
        how = (
            f"standard errors given on the {where} scale, used as they are"
            if scale == "working" or value_type == "normal"
            else f"standard errors given on the value's scale, taken to the {where} scale "
            "through their symmetric 95% limits (exact; not the delta method)"
        )
        return (how + (", checked against the 95% limits" if lower is not None else ""),)
    if lower is not None:
        return (f"standard errors from the 95% limits on the {where} scale",)
    assert x is not None
    return ("standard errors from Wilson 95% limits of the counts x on the logit scale",)
