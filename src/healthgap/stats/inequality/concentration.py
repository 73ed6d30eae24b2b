"""The concentration index of a variable across ranked units, with its standard error.

For units i = 1..n (people, or areas weighted by population) ranked from the most
disadvantaged (rank first) to the least, with values y_i and population shares p_i::

    R_i = sum_{j before i} p_j + p_i / 2          (weighted fractional rank)
    mu  = sum_i p_i y_i
    C   = (2 / mu) sum_i p_i y_i R_i - 1 = 2 cov_p(y, R) / mu

C lies in [-1, 1]; it is negative when y is concentrated among the disadvantaged (ranked
first) and positive when it is concentrated among the advantaged. The point value is the
WHO HEAT relative concentration index on the same units divided by 100: it is computed
with the HEAT kernel (:func:`healthgap.stats.inequality._heat_kernels.aci`), which is
ACI = sum_i p_i (2 R_i - 1) y_i, so C = ACI / mu.

HEAT's variance is for subgroup estimates measured with sampling error; the standard
error here is Kakwani, Wagstaff & van Doorslaer's (1997) delta-method formula for a
sample of units (O'Donnell et al. 2008, ch. 8, eq. 8.7), with population shares as
weights::

    q_i = sum_{j <= i} p_j y_j / mu               (ordinate of the concentration curve)
    a_i = (y_i / mu)(2 R_i - 1 - C) + 2 - q_{i-1} - q_i
    Var(C) = (1 / n) (sum_i p_i a_i^2 - (1 + C)^2)

which is their formula exactly when every p_i = 1/n. Units tied on rank share the mean
fractional rank of their block; they are ordered by input position within it for q.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError, SuppressionWarning
from healthgap.stats import intervals
from healthgap.stats._validate import ON_INVALID, confidence_level, one_of
from healthgap.stats.inequality import _heat_kernels as k

REFERENCES = (
    "Kakwani N, Wagstaff A, van Doorslaer E (1997). Socioeconomic inequalities in health: "
    "measurement, computation, and statistical inference. Journal of Econometrics "
    "77(1):87-103. doi:10.1016/S0304-4076(96)01807-6.",
    "O'Donnell O, van Doorslaer E, Wagstaff A, Lindelow M (2008). Analyzing Health Equity "
    "Using Household Survey Data: A Guide to Techniques and Their Implementation. "
    "Washington DC: World Bank, chapter 8 (the concentration index).",
)
METHOD = "Concentration index (covariance formula); Kakwani et al. 1997 delta-method SE"


@dataclass(frozen=True)
class ConcentrationIndex:
    """A concentration index with its standard error and normal confidence limits.

    ``value`` is C; ``se`` its standard error; ``lower``/``upper`` the limits at
    ``confidence``; ``n`` the number of units; ``mean`` the weighted mean of y.
    ``suppressed``/``suppression_reason``: with ``on_invalid="suppress"``, whether the
    figures are NaN because of a problem in the data, and which.
    """

    value: float
    se: float
    lower: float
    upper: float
    confidence: float
    n: int
    mean: float
    method: str = METHOD
    references: tuple[str, ...] = REFERENCES
    suppressed: bool = False
    suppression_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready values."""
        return {
            "value": self.value,
            "se": self.se,
            "lower": self.lower,
            "upper": self.upper,
            "confidence": self.confidence,
            "n": self.n,
            "mean": self.mean,
            "method": self.method,
            "references": list(self.references),
            "suppressed": self.suppressed,
            "suppression_reason": self.suppression_reason,
        }


class _Problems:
    """Data problems: raised at once (``on_invalid="raise"``), or the first one kept."""

    def __init__(self, on_invalid: str) -> None:
        self.suppress = one_of(on_invalid, "on_invalid", ON_INVALID) == "suppress"
        self.reason: str | None = None

    def check(self, bad: bool, reason: str, error: Callable[[], InputError]) -> None:
        if not bad:
            return
        if not self.suppress:
            raise error()
        if self.reason is None:
            self.reason = reason


def _vector(values: Any, name: str, problems: _Problems | None = None) -> np.ndarray:
    problems = problems or _Problems("raise")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        error = InputError(f"{name} must hold numbers; got {values!r:.80}.")
        if not problems.suppress:
            raise error from None
        try:  # one entry of text among numbers: the entry becomes NaN, the call suppressed
            numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
            arr = numbers.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            raise error from None
        problems.check(True, f"{name} is text, not a number", lambda: error)
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional; got shape {arr.shape}.")
    bad = ~np.isfinite(arr)
    first = int(np.flatnonzero(bad)[0]) if bad.any() else 0
    problems.check(
        bool(bad.any()),
        f"{name} is missing or infinite at position {first + 1}",
        lambda: InputError(
            f"{name} must be finite numbers; got {float(arr[first])} at position {first + 1}. "
            "Drop or fill missing values first."
        ),
    )
    return arr


def fractional_rank(rank: Any, weights: Any = None) -> np.ndarray:
    """Weighted fractional ranks R_i = P_(i-1) + p_i / 2 in input order (ties share the
    mean rank of their block).

    Examples
    --------
    >>> fractional_rank([3, 1, 2, 2]).tolist()
    [0.875, 0.125, 0.5, 0.5]
    """
    r = _vector(rank, "rank")
    w = np.ones_like(r) if weights is None else _vector(weights, "weights")
    p = w / w.sum()
    order = np.argsort(r, kind="stable")
    cum = np.cumsum(p[order])
    mid = cum - p[order] / 2.0
    # Ties: the block of equal ranks spans (start, end]; everyone gets its midpoint.
    sorted_r = r[order]
    _, first, counts = np.unique(sorted_r, return_index=True, return_counts=True)
    block_start = np.repeat(cum[first] - p[order][first], counts)
    block_end = np.repeat(cum[first + counts - 1], counts)
    mid = np.where(np.repeat(counts, counts) > 1, (block_start + block_end) / 2.0, mid)
    out = np.empty_like(mid)
    out[order] = mid
    return out


def concentration_index(
    values: Any,
    rank: Any,
    weights: Any = None,
    *,
    confidence: float = 0.95,
    on_invalid: str = "raise",
) -> ConcentrationIndex:
    """Concentration index of ``values`` across units ordered by ascending ``rank``.

    Parameters
    ----------
    values
        y_i for each unit (e.g. spend per head of each area); weighted mean above 0.
    rank
        Orders the units: the lowest rank is the most disadvantaged (e.g. minus an IMD
        score, or income). Ties share a fractional rank.
    weights
        Population of each unit (default: equal weights), all >= 0 with a positive sum.
    confidence
        Level of the normal limits C +/- z se, in (0, 1).
    on_invalid
        ``"raise"`` (default) or ``"suppress"``: text, missing or infinite entries, negative
        weights (or a total of 0), fewer than 2 units and a weighted mean of 0 or less
        raise, or give a result with NaN figures, ``suppressed=True`` and the reason (one
        ``SuppressionWarning``). Arrays of different lengths always raise.

    Returns
    -------
    ConcentrationIndex

    Examples
    --------
    Ranked by itself, the concentration index is the Gini coefficient: 0.25 for 1, 2, 3, 4.

    >>> ci = concentration_index([1, 2, 3, 4], rank=[1, 2, 3, 4])
    >>> round(ci.value, 12), round(ci.se, 12)
    (0.25, 0.075)
    """
    problems = _Problems(on_invalid)
    y = _vector(values, "values", problems)
    r = _vector(rank, "rank", problems)
    n = y.size
    problems.check(
        n < 2,
        f"fewer than 2 units ({n})",
        lambda: InputError(f"values must have at least 2 units; got {n}."),
    )
    if r.size != n:
        raise InputError(f"rank must have one entry per value; got {r.size} ranks for {n} values.")
    if weights is None:
        w = np.ones(n)
    else:
        w = _vector(weights, "weights", problems)
        if w.size != n:
            raise InputError(
                f"weights must have one entry per value; got {w.size} weights for {n} values."
            )
        negative = np.flatnonzero(w < 0)
        first = int(negative[0]) + 1 if negative.size else 0
        problems.check(
            bool(negative.size) or not np.nansum(w) > 0,
            f"weights are negative (position {first})" if first else "weights total 0",
            lambda: InputError(
                f"weights must be 0 or more with a total above 0; got "
                f"{'a negative weight at position ' + str(first) if first else 'a total of 0'}."
            ),
        )
    confidence = confidence_level(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):  # suppressed when not finite
        p = w / w.sum()
        mu = float(np.sum(p * y))
    problems.check(
        problems.reason is None and not mu > 0,
        "values have a weighted mean of 0 or less",
        lambda: InputError(
            f"values must have a weighted mean above 0; got {mu!r}. The concentration index "
            "is relative to the mean."
        ),
    )
    if problems.reason is not None:
        warnings.warn(
            f"concentration_index: suppressed: {problems.reason}. Its value and limits are "
            "NaN; see suppression_reason.",
            SuppressionWarning,
            stacklevel=2,
        )
        nan = float("nan")
        return ConcentrationIndex(
            value=nan, se=nan, lower=nan, upper=nan, confidence=float(confidence), n=n,
            mean=nan, suppressed=True, suppression_reason=problems.reason,
        )  # fmt: skip
    fr = fractional_rank(r, w)
    lay = k.Layout(
        w=p[None, :],
        mask=np.ones((1, n), dtype=bool),
        n=np.array([n]),
        ridit=fr[None, :],
        mu_given=np.array([np.nan]),
        a=np.zeros(1, dtype=int),
        b=np.zeros(1, dtype=int),
        ref=np.zeros(1, dtype=int),
        favourable=True,
        entropy_multiplier=1.0,
        proportion_scale=None,
    )
    c = float(k.aci(k.Sample(y[None, :], lay))[0]) / mu
    order = np.argsort(r, kind="stable")
    ys, ps, rs = y[order], p[order], fr[order]
    q = np.cumsum(ps * ys) / mu
    q_prev = np.concatenate(([0.0], q[:-1]))
    a = (ys / mu) * (2.0 * rs - 1.0 - c) + 2.0 - q_prev - q
    var = (float(np.sum(ps * a**2)) - (1.0 + c) ** 2) / n
    se = float(np.sqrt(max(var, 0.0)))
    z = intervals.z_value(confidence)
    return ConcentrationIndex(
        value=c,
        se=se,
        lower=c - z * se,
        upper=c + z * se,
        confidence=float(confidence),
        n=n,
        mean=mu,
    )
