"""Confidence-interval kernels as array functions (METHODS.md sections 1-4).

Every kernel takes numpy arrays (or scalars) and a single confidence level and works
element-wise, so one call covers all groups. Nothing here knows about data frames.

References
----------
Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Vol II. IARC. (Byar's method)
Ulm K (1990). A simple method to calculate the confidence interval of a standardized
mortality ratio. Am J Epidemiol 131:373-375. (exact Poisson limits via chi-squared)
Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
JASA 22:209-212; Newcombe RG, Altman DG (2000) in Statistics with Confidence, 2nd ed.
Dobson AJ, Kuulasmaa K, Eberle E, Scherer J (1991). Confidence intervals for weighted sums
of Poisson parameters. Stat Med 10:457-462.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

# scipy.special, not scipy.stats: the same quantile functions (scipy.stats.norm.isf is
# -ndtri, t.isf is -stdtrit, bit for bit), without the half second of CPU that importing
# scipy.stats adds to the start of every command and of the web service.
from scipy import special

#: Counts at or above this use Byar's approximation; below it the exact method.
BYAR_THRESHOLD = 10

EXACT = "Exact"
BYARS = "Byar's"


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile: 1.959964 at 0.95, 3.090232 at 0.998."""
    return float(-special.ndtri((1.0 - confidence) / 2.0))


def byar_lower(count: ArrayLike, confidence: float) -> np.ndarray:
    """Byar's lower limit for a Poisson count O: O (1 - 1/(9O) - z/(3 sqrt O))^3.

    Defined for O > 0; O = 0 gives 0 (the exact lower limit).
    """
    o = np.asarray(count, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = o * (1.0 - 1.0 / (9.0 * o) - z / (3.0 * np.sqrt(o))) ** 3
    return np.where(o > 0, out, 0.0)


def byar_upper(count: ArrayLike, confidence: float) -> np.ndarray:
    """Byar's upper limit: (O+1) (1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3."""
    o1 = np.asarray(count, dtype=float) + 1.0
    z = z_value(confidence)
    return o1 * (1.0 - 1.0 / (9.0 * o1) + z / (3.0 * np.sqrt(o1))) ** 3


def exact_lower(count: ArrayLike, confidence: float) -> np.ndarray:
    """Exact Poisson lower limit chi2(alpha/2, 2O)/2, which is 0 for O = 0.

    Computed as the inverse regularised lower incomplete gamma function, the same
    quantity as the chi-squared quantile halved.
    """
    o = np.asarray(count, dtype=float)
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore", under="ignore"):
        out = special.gammaincinv(np.where(o > 0, o, 1.0), alpha / 2.0)
    # For vanishingly small (non-integer) counts the quantile underflows to NaN; it is 0.
    return np.where((o > 0) & ~np.isnan(out), out, 0.0)


def exact_upper(count: ArrayLike, confidence: float) -> np.ndarray:
    """Exact Poisson upper limit chi2(1 - alpha/2, 2O + 2)/2."""
    o = np.asarray(count, dtype=float)
    alpha = 1.0 - confidence
    return special.gammainccinv(o + 1.0, alpha / 2.0)


def poisson_limits(
    count: ArrayLike, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Limits for a Poisson count: exact below 10, Byar's from 10.

    Returns ``(lower, upper, is_exact)``; NaN counts give NaN limits.
    """
    o = np.asarray(count, dtype=float)
    exact = o < BYAR_THRESHOLD
    lower = np.full(o.shape, np.nan)
    upper = np.full(o.shape, np.nan)
    small = exact & ~np.isnan(o)
    large = ~exact & ~np.isnan(o)
    lower[small] = exact_lower(o[small], confidence)
    upper[small] = exact_upper(o[small], confidence)
    lower[large] = byar_lower(o[large], confidence)
    upper[large] = byar_upper(o[large], confidence)
    return lower, upper, exact


def poisson_method(count: ArrayLike) -> np.ndarray:
    """``"Exact"`` or ``"Byar's"`` per count, as used by :func:`poisson_limits`."""
    o = np.asarray(count, dtype=float)
    return np.where(o < BYAR_THRESHOLD, EXACT, BYARS).astype(object)


def wilson_limits(
    numerator: ArrayLike, denominator: ArrayLike, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits for a proportion x/n on the 0-1 scale.

    lower, upper = (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)).
    """
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    z = z_value(confidence)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        root = z * np.sqrt(np.maximum(z2 + 4.0 * x * (1.0 - x / n), 0.0))
        denom = 2.0 * (n + z2)
        lower = (2.0 * x + z2 - root) / denom
        upper = (2.0 * x + z2 + root) / denom
    # In exact arithmetic the limits lie in [0, 1], the lower limit is 0 at x = 0 and the
    # upper limit is 1 at x = n; set these exactly instead of keeping rounding residue
    # such as 1.0000000000000002 or 0.9999999999999998.
    lower = np.where(x <= 0, 0.0, np.clip(lower, 0.0, 1.0))
    upper = np.where(x >= n, 1.0, np.clip(upper, 0.0, 1.0))
    return lower, upper


def t_limits(
    mean: ArrayLike, sd: ArrayLike, k: ArrayLike, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Student t limits for a mean of k values: mean -/+ t(1 - alpha/2, k-1) sd/sqrt(k)."""
    m = np.asarray(mean, dtype=float)
    s = np.asarray(sd, dtype=float)
    kk = np.asarray(k, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -special.stdtrit(kk - 1.0, (1.0 - confidence) / 2.0)
        half = t * s / np.sqrt(kk)
    return m - half, m + half


def dobson_limits(
    value: ArrayLike,
    variance: ArrayLike,
    count: ArrayLike,
    confidence: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Dobson limits for a weighted sum of Poisson counts.

    ``value`` is the weighted sum (e.g. a DSR on its output scale), ``variance`` its
    variance on the same scale and ``count`` the total O. The limits are
    value + sqrt(variance/O) (L(O) - O) and value + sqrt(variance/O) (U(O) - O), with
    L and U Byar's limits for O (a DSR with O < 10 is suppressed before this is used).
    """
    v = np.asarray(value, dtype=float)
    var = np.asarray(variance, dtype=float)
    o = np.asarray(count, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(var / o)
    lower = v + scale * (byar_lower(o, confidence) - o)
    upper = v + scale * (byar_upper(o, confidence) - o)
    return lower, upper


def se_from_limits(lower: ArrayLike, upper: ArrayLike, confidence: float = 0.95) -> np.ndarray:
    """Standard error recovered from symmetric normal limits: (upper - lower) / (2 z).

    For published limits at ``confidence`` (e.g. ONS 95% limits of life expectancy).
    Exact when the limits were made as estimate -/+ z se; an approximation otherwise.

    Examples
    --------
    >>> from healthgap.stats.intervals import se_from_limits
    >>> float(se_from_limits(9.0, 11.0, 0.95).round(6))
    0.510213
    """
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    return (hi - lo) / (2.0 * z_value(confidence))


class Difference(NamedTuple):
    """A difference of two independent estimates: its value, standard error and limits."""

    value: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @property
    def z(self) -> np.ndarray:
        """The difference in standard errors, value / se (NaN or +/-inf where se is 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(self.value / self.se, dtype=float)


def difference_of_estimates(
    estimate: ArrayLike,
    estimate_se: ArrayLike,
    reference: ArrayLike,
    reference_se: ArrayLike,
    confidence: float = 0.95,
) -> Difference:
    """``estimate - reference`` for two independent estimates, with normal limits.

    se = sqrt(se_estimate^2 + se_reference^2) (computed as a hypotenuse, without
    overflow), limits (estimate - reference) -/+ z se with z the two-sided normal
    quantile at ``confidence``. Independence is assumed: for positively correlated
    estimates (e.g. an area and a total that contains it) the limits are conservative.

    Examples
    --------
    >>> from healthgap.stats.intervals import difference_of_estimates
    >>> d = difference_of_estimates(64.0, 0.3, 62.0, 0.4)
    >>> float(d.value), float(d.se), round(float(d.lower), 6), round(float(d.upper), 6)
    (2.0, 0.5, 1.020018, 2.979982)
    """
    value = np.asarray(estimate, dtype=float) - np.asarray(reference, dtype=float)
    se = np.hypot(np.asarray(estimate_se, dtype=float), np.asarray(reference_se, dtype=float))
    half = z_value(confidence) * se
    return Difference(value, se, value - half, value + half)
