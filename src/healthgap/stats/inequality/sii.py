"""Slope and relative index of inequality with Monte Carlo limits (METHODS.md section 10).

Every area has the same Q quantiles (e.g. deprivation deciles), numbered 1 (most deprived)
to Q (least deprived). Within an area the quantiles are placed at the midpoints of their
population shares on [0, 1] and the values are regressed on those midpoints by weighted
least squares (Low & Low 2004). The fit is linear in the values, so each area's
coefficients are two weighted sums with weights computed once per area, for all areas at
once.

Monte Carlo limits
------------------
Like the official method, the limits come from R simulated sets of quantile values
(default 100,000). The standard-normal draws are one ``(R, Q)`` block
``z = numpy.random.defaultinputs.generator(seed).standard_normal((R, Q))`` shared by every area
(common random numbers). Whenever the fitted slope is linear in the draws, one area's
simulated slopes are ``beta1 + z @ (c1 * s)``, so all areas' draws are a single BLAS matrix
product, taken in chunks of areas; the order statistics come from ``ndarray.partition``.
Sharing the draws means:

* each area's limits have exactly the Monte Carlo distribution of an independent
  simulation of that area (its R draws are independent of each other);
* an area's limits do not depend on which other areas are in the call, their order or the
  chunk size: the same seed gives the same limits for the same area's data;
* the Monte Carlo errors of different areas are correlated (positively for similar
  areas), so the limits of many areas are not independent Monte Carlo experiments.

Order statistics: with the R simulated values sorted, x_(1) <= ... <= x_(R) (1-based), the
limits at confidence c (alpha = 1 - c) are x_(round(R alpha/2)) and
x_(round(R (1 - alpha/2))), with Python's ``round`` (halves to even).
"""

from __future__ import annotations

import ctypes
import functools
import math
import os
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
from scipy import special

from healthgap.errors import InputError, MethodWarning
from healthgap.stats import _schema as col
from healthgap.stats import intervals
from healthgap.stats._frames import Groups, InputFrame, normalise_group_by
from healthgap.stats._suppress import Suppression
from healthgap.stats._table import assemble
from healthgap.stats._validate import (
    RowChecks,
    confidence_levels,
    no_reserved_names,
    numeric_column,
    one_of,
    whole_number,
)
from healthgap.stats.inequality import _sii_inputs as inputs
from healthgap.stats.results import StatResult

ValueType = Literal["normal", "rate", "proportion"]
VALUE_TYPES: tuple[str, ...] = ("normal", "rate", "proportion")

SII = "sii"
RII = "rii"
DIRECTION = "direction"
INTERCEPT = "intercept"
#: Suffix of the reliability columns: mean absolute difference between runs.
MAD = "_mad"
#: Independent simulations behind the reliability statistic (as the official method).
RELIABILITY_RUNS = 10

#: 5 <= Q <= 100 quantiles per area (METHODS.md section 10).
MIN_QUANTILES = 5
MAX_QUANTILES = 100

#: z for the 95% limits that standard errors are derived from.
Z95 = intervals.z_value(0.95)

#: About this many float64 simulated values are held per buffer and chunk of areas (8 MB:
#: a chunk's buffers stay in cache between the matrix product and the partitions).
CHUNK_ELEMENTS = 1_000_000

#: Chunks run on up to this many threads (BLAS, partition and ufuncs release the GIL).
MAX_WORKERS = max(1, min(4, os.cpu_count() or 1))

REFERENCES = (
    "Low A, Low A (2004). Measuring the gap: quantifying and comparing local health "
    "inequalities. Journal of Public Health 26(4):388-395. doi:10.1093/pubmed/fdh175.",
    "Public Health England / OHID. Fingertips public health technical guidance: slope index "
    "of inequality (SII) and relative index of inequality (RII), with simulated confidence "
    "limits.",
    "Office for National Statistics. Health state life expectancies by national deprivation "
    "deciles, England: methodology (SII from population-weighted regression on decile "
    "rank midpoints).",
)


# --------------------------------------------------------------------------- kernels


def fit_weights(population: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficient weights of the weighted least-squares fit, for every area at once.

    ``population`` is ``(G, Q)`` with columns in quantile order (most deprived first).
    With shares a_j = P_j / sum P and midpoints b_j = sum_{k<j} a_k + a_j / 2, the fit of
    sqrt(a) Y on sqrt(a) and b sqrt(a) (through the origin) has

        beta1 = sum_j c1_j Y_j,  c1_j = a_j (b_j - bbar) / sum_k a_k (b_k - bbar)^2,
        beta0 = sum_j c0_j Y_j,  c0_j = a_j - bbar c1_j,

    where bbar = sum a_j b_j: the centred form of (X'X)^-1 X' sqrt(a). Returns ``(c0, c1)``.
    """
    a = population / population.sum(axis=1, keepdims=True)
    b = np.cumsum(a, axis=1) - a / 2.0
    bbar = (a * b).sum(axis=1, keepdims=True)
    centred = b - bbar
    var = (a * centred * centred).sum(axis=1, keepdims=True)
    c1 = a * centred / var
    c0 = a - bbar * c1
    return c0, c1


def order_statistics(draws: np.ndarray, ranks: Sequence[int]) -> np.ndarray:
    """The ``ranks``-th smallest values (1-based) of every row of ``draws``, ``(G, len)``.

    ``draws`` (``(G, R)``) is partitioned in place. Ranks in the lower half are found by
    one partition of each row and then partitions of ever smaller leading slices; ranks in
    the upper half by one partition of the remaining trailing slice and then ever smaller
    trailing slices, so any number of confidence levels costs about two passes.
    """
    n = draws.shape[1]
    wanted = sorted({int(k) for k in ranks})
    if wanted and not 1 <= wanted[0] <= wanted[-1] <= n:
        raise ValueError(f"ranks must lie in 1..{n}; got {wanted}")
    found: dict[int, np.ndarray] = {}
    lower = [k for k in wanted if k <= n // 2]
    upper = [k for k in wanted if k > n // 2]
    end = n
    for k in reversed(lower):  # largest first: later partitions work on shorter slices
        draws[:, :end].partition(k - 1, axis=1)
        found[k] = draws[:, k - 1].copy()
        end = k - 1
    start = lower[-1] if lower else 0
    for k in upper:  # smallest first
        draws[:, start:].partition(k - 1 - start, axis=1)
        found[k] = draws[:, k - 1].copy()
        start = k
    out = np.empty((draws.shape[0], len(ranks)))
    for i, k in enumerate(ranks):
        out[:, i] = found[int(k)]
    return out


def limit_ranks(repetitions: int, confidence: float) -> tuple[int, int]:
    """1-based ranks of the lower and upper limit: round(R alpha/2), round(R (1 - alpha/2))."""
    alpha = 1.0 - confidence
    return round(repetitions * alpha / 2.0), round(repetitions * (1.0 - alpha / 2.0))


@functools.cache
def _openblas_thread_setter() -> Callable[[int], int] | None:
    """OpenBLAS's ``openblas_set_num_threads_local`` from the library numpy loaded.

    It sets the number of BLAS threads for the calling thread only and returns the
    previous number. ``None`` when numpy does not use a bundled OpenBLAS that has it.
    """
    folder = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(folder.glob("*openblas*")):
        try:
            lib = ctypes.CDLL(str(path))
            setter = lib.openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.restype = ctypes.c_int
        setter.argtypes = [ctypes.c_int]
        return cast(Callable[[int], int], setter)
    return None


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run BLAS single-threaded in this thread while simulating.

    The products here are skinny (Q + 1 inner terms, 100,000 columns): BLAS threads gain
    nothing on them and spin against the chunk threads, which already use every core.
    """
    setter = _openblas_thread_setter()
    if setter is None:
        yield
        return
    previous = setter(1)
    try:
        yield
    finally:
        setter(previous)


class _Scratch(threading.local):
    """Per-thread scratch arrays reused from chunk to chunk.

    Writing each chunk's simulated values into memory that is already mapped avoids the
    page faults of a fresh 32 MB array per chunk.
    """

    def get(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        arrays: dict[str, np.ndarray] = self.__dict__.setdefault("arrays", {})
        size = math.prod(shape)
        buf = arrays.get(name)
        if buf is None or buf.size < size:
            buf = arrays[name] = np.empty(size)
        return buf[:size].reshape(shape)


def _gemm(weights: np.ndarray, draws_t: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``weights @ draws_t`` into ``out``, always as a matrix-matrix product.

    A single row is padded to two so that BLAS takes the same (GEMM) path for every chunk
    size, which keeps each area's simulated values bit-for-bit the same however the areas
    are chunked.
    """
    if weights.shape[0] == 1:
        out[...] = (np.vstack([weights, np.zeros_like(weights)]) @ draws_t)[:1]
        return out
    return np.matmul(weights, draws_t, out=out)


def _in_chunks(
    n: int, per_chunk: int, work: Callable[[slice], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Run ``work`` on slices of ``n`` areas, on threads when there are several chunks.

    ``work`` returns arrays with one row per area of its slice, stitched together in area
    order. Each area's result depends only on its own inputs and the shared draws, so the
    chunking and the threads cannot change any value.
    """
    slices = [slice(i, min(n, i + per_chunk)) for i in range(0, n, per_chunk)]

    def run(sl: slice) -> dict[str, np.ndarray]:
        with _one_blas_thread():
            return work(sl)

    parts: list[dict[str, np.ndarray]]
    if len(slices) > 2 and MAX_WORKERS > 1:
        with ThreadPoolExecutor(max_workers=MAX_WORKERS) as pool:
            parts = list(pool.map(run, slices))
    else:
        parts = [run(s) for s in slices]
    if not parts:
        return {}
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def _simulate_linear(
    z: np.ndarray,
    c0: np.ndarray,
    c1: np.ndarray,
    s: np.ndarray,
    beta0: np.ndarray,
    beta1: np.ndarray,
    m: float,
    slope_ranks: Sequence[int],
    ratio_ranks: Sequence[int],
    ratio: bool,
) -> dict[str, np.ndarray]:
    """Order statistics of simulated slopes (and end-value ratios) when the fit is linear.

    The simulated slope of area g is S*_gr = beta1_g + sum_j c1_gj s_gj z_rj. With a column
    of ones appended to ``z`` and beta1 appended to the weights, the slopes of all areas in
    a chunk are one matrix product; ``"slope"`` holds their order statistics at
    ``slope_ranks``. With ``ratio``, the fitted most deprived end value
    B*_gr = beta0_g + sum_j c0_gj s_gj z_rj comes from a second product and ``"ratio"``
    holds the order statistics at ``ratio_ranks`` of (B* + S*)/B* (m > 0) or
    B*/(B* + S*) (m < 0), the simulated RII.
    """
    reps = z.shape[0]
    z_aug_t = np.ascontiguousarray(np.hstack([z, np.ones((reps, 1))]).T)  # (Q + 1, R)
    w_slope = np.hstack([c1 * s, beta1[:, None]])
    w_bottom = np.hstack([c0 * s, beta0[:, None]])
    scratch = _Scratch()
    empty = np.empty((0, len(slope_ranks)))

    def work(sl: slice) -> dict[str, np.ndarray]:
        shape = (sl.stop - sl.start, reps)
        slope = _gemm(w_slope[sl], z_aug_t, scratch.get("slope", shape))
        out = {"slope": empty}
        if ratio:
            bottom = _gemm(w_bottom[sl], z_aug_t, scratch.get("bottom", shape))
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                if m > 0:  # (B + S)/B = 1 + S/B; the shift by 1 is added after sorting
                    np.divide(slope, bottom, out=bottom)
                    shift = 1.0
                else:
                    top = np.add(bottom, slope, out=scratch.get("top", shape))
                    np.divide(bottom, top, out=bottom)
                    shift = 0.0
            out["ratio"] = order_statistics(bottom, ratio_ranks) + shift
        out["slope"] = order_statistics(slope, slope_ranks)
        return out

    found = _in_chunks(c1.shape[0], max(1, CHUNK_ELEMENTS // reps), work)
    if not found:
        found = {"slope": empty, "ratio": empty} if ratio else {"slope": empty}
    return found


def _simulate_nonlinear(
    value_type: str,
    z: np.ndarray,
    mu: np.ndarray,
    s: np.ndarray,
    c0: np.ndarray,
    c1: np.ndarray,
    m: float,
    ranks: Sequence[int],
    ratio: bool,
) -> dict[str, np.ndarray]:
    """Rates or proportions simulated on the log/logit scale, fitted on the original scale.

    Y*_gjr = f^-1(mu_gj + s_gj z_rj); (b0*, b1*) = (c0, c1) @ Y* per area (a batched
    matrix product). ``"sii"`` holds the order statistics of m b1*; with ``ratio``,
    ``"ratio"`` those of (b0* + b1*)/b0* (m > 0) or its inverse (m < 0).
    """
    reps, n_q = z.shape
    z_t = np.ascontiguousarray(z.T)  # (Q, R): each quantile's draws contiguous
    coef_w = np.stack([c0, c1], axis=1)  # (G, 2, Q)
    scratch = _Scratch()
    empty = np.empty((0, len(ranks)))

    def work(sl: slice) -> dict[str, np.ndarray]:
        g = sl.stop - sl.start
        draws = scratch.get("draws", (g, n_q, reps))
        np.multiply(s[sl][:, :, None], z_t[None, :, :], out=draws)
        draws += mu[sl][:, :, None]
        _inverse_inplace(value_type, draws)
        coef = np.matmul(coef_w[sl], draws, out=scratch.get("coef", (g, 2, reps)))
        b0 = coef[:, 0, :]
        b1 = coef[:, 1, :]
        out = {"sii": empty}
        if ratio:
            r = np.add(b0, b1, out=scratch.get("ratio", (g, reps)))
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                if m > 0:
                    np.divide(r, b0, out=r)
                else:
                    np.divide(b0, r, out=r)
            out["ratio"] = order_statistics(r, ranks)
        out["sii"] = order_statistics(np.multiply(b1, m, out=scratch.get("sii", (g, reps))), ranks)
        return out

    found = _in_chunks(c1.shape[0], max(1, CHUNK_ELEMENTS // (reps * n_q)), work)
    if not found:
        found = {"sii": empty, "ratio": empty} if ratio else {"sii": empty}
    return found


# --------------------------------------------------------------------------- working scales


def _forward(value_type: str, y: np.ndarray) -> np.ndarray:
    if value_type == "rate":
        return np.log(y)
    if value_type == "proportion":
        return special.logit(y)
    return y


def _inverse(value_type: str, x: np.ndarray) -> np.ndarray:
    if value_type == "rate":
        return np.exp(x)
    if value_type == "proportion":
        return special.expit(x)
    return x


def _inverse_inplace(value_type: str, x: np.ndarray) -> None:
    if value_type == "rate":
        np.exp(x, out=x)
    elif value_type == "proportion":
        special.expit(x, out=x)


# --------------------------------------------------------------------------- argument checks


def _repetitions(value: Any, levels: tuple[float, ...]) -> int:
    r = whole_number(value, "repetitions", 1, "100_000")
    for c in levels:
        lo, hi = limit_ranks(r, c)
        if lo < 1 or lo >= hi:
            need = max(1, math.floor(1.0 / (1.0 - c)) - 1)
            while limit_ranks(need, c)[0] < 1 or limit_ranks(need, c)[0] >= limit_ranks(need, c)[1]:
                need += 1
            raise InputError(
                f"repetitions must be at least {need} for {c:g} confidence limits (the lower "
                f"limit is draw number round(R alpha/2)); got {r}. Use the default 100_000, "
                "as the official method does."
            )
    return r


def _direction(multiplier: float, n_quantiles: int) -> tuple[str, str]:
    """The ``direction`` column text and the longer note for the StatResult."""
    m = multiplier
    scale = "" if abs(m) == 1 else f", times {abs(m):g}"
    if m > 0:
        column = (
            f"positive = higher at the least deprived end (quantile {n_quantiles}) than at "
            "the most deprived end (quantile 1)"
        )
        note = (
            f"Quantile 1 is the most deprived and quantile {n_quantiles} the least deprived. "
            "A positive SII means the fitted value is higher at the least deprived end: SII "
            f"= fitted value at the least deprived end minus at the most deprived end{scale}. "
            "RII = least deprived / most deprived fitted value (above 1 when the least "
            "deprived end is higher)."
        )
    else:
        column = (
            "positive = higher at the most deprived end (quantile 1) than at the least "
            f"deprived end (quantile {n_quantiles})"
        )
        note = (
            f"Quantile 1 is the most deprived and quantile {n_quantiles} the least deprived. "
            "The multiplier is negative, so a positive SII means the fitted value is higher at "
            "the most deprived end: SII = fitted value at the most deprived end minus at the "
            f"least deprived end{scale}. RII = most deprived / least deprived fitted value "
            "(above 1 when the most deprived end is higher)."
        )
    return column, note


# --------------------------------------------------------------------------- the statistic


def sii(
    data: Any,
    value: str | None,
    population: str,
    quantile: str,
    group_by: str | Sequence[str] | None = None,
    lower: str | None = None,
    upper: str | None = None,
    se: str | None = None,
    value_type: ValueType = "normal",
    transform: bool = False,
    multiplier: float = 1,
    repetitions: int = 100_000,
    confidence: float | Iterable[float] = (0.95,),
    seed: int | None = None,
    rii: bool = True,
    *,
    x: str | None = None,
    se_scale: str = "value",
    reliability: bool = False,
    on_invalid: str = "raise",
) -> StatResult:
    """Slope index of inequality (SII) and relative index of inequality (RII).

    For each area (``group_by``), its Q quantiles (e.g. deprivation deciles, 5 <= Q <= 100)
    are ranked from most deprived (quantile 1) to least deprived (quantile Q). With
    population shares a_j = P_j / sum P and rank midpoints b_j = sum_{k<j} a_k + a_j/2,
    the values are regressed on the midpoints by weighted least squares (sqrt(a) Y on
    sqrt(a) and b sqrt(a), through the origin), giving beta0 (the fitted value at the most
    deprived end, b = 0) and beta1 (the slope, the fitted change from b = 0 to b = 1).

    * untransformed: SII = beta1 m; RII = (beta0 + beta1) / beta0;
    * ``transform=True`` (rates on the log scale, proportions on the logit scale, with
      inverse f^-1): SII = (f^-1(beta0 + beta1) - f^-1(beta0)) m,
      RII = f^-1(beta0 + beta1) / f^-1(beta0).

    A negative multiplier m reverses the orientation: SII is measured from the least to the
    most deprived end and RII is inverted. Every result says in words which way a positive
    SII points (the ``direction`` column and ``StatResult.notes``).

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table), one row per area and quantile.
    value, population, quantile:
        Column names. ``quantile`` holds 1 (most deprived) to Q (least deprived); every
        area needs every quantile. Populations weight the quantiles (any positive scale).
    group_by:
        Column(s) defining the areas (and e.g. sex, period); ``None`` is one area.
    lower, upper, se:
        ``se`` (the standard error of each value), or ``lower`` and ``upper`` (its 95%
        confidence limits), or both, which must then agree to within rounding. Every
        source becomes a standard error on the working scale by one rule,
        s = (f(U) - f(L)) / (2 x 1.959964), f the identity, log or logit
        (``healthgap.stats.inequality._sii_inputs`` explains each case).
    value_type:
        ``"normal"`` (e.g. life expectancy), ``"rate"`` or ``"proportion"`` (0-1 scale):
        the simulation's working scale is the identity, the log or the logit.
    transform:
        Rates and proportions only: fit the regression on the working scale and
        back-transform (see above). With ``False`` the simulated values are
        back-transformed and the regression is fitted on the original scale.
    multiplier:
        Scales the SII, e.g. 100 for proportions as percentage points; negative reverses the
        orientation (see above). It does not scale the RII.
    repetitions:
        Monte Carlo repetitions R (default 100,000, as in the official method).
    confidence:
        One level or several, each in (0, 1) or as a percentage (95); default 0.95.
    seed:
        Seed for ``numpy.random.default_rng``; give one to make the limits reproducible.
    rii:
        Also report the RII and its limits (default ``True``).
    x:
        Proportions only: a column of counts, instead of ``value``; the value of each
        quantile is x / population. Without ``se`` or limits the standard errors come from
        the Wilson 95% limits of x / population.
    se_scale:
        ``"value"`` (default): ``se`` is on the value's own scale and is taken to the
        working scale through its symmetric 95% limits y -/+ 1.96 se (exact, not the delta
        method). ``"working"``: ``se`` is already on the log (rates) or logit (proportions)
        scale, as PHEindicatormethods' ``se`` is, and is used as it is. Passing a
        working-scale se as ``"value"`` gives intervals far too narrow; give the limits too
        and the mismatch is an error.
    reliability:
        Also run the simulation 9 more times with independent streams (spawned from the
        seed) at the same repetitions, and report for each limit column the mean absolute
        difference between its value and the other runs' (columns ending ``_mad``, e.g.
        ``sii_lower_95_0_mad``): how much the limits move between runs. Ten times slower.
    on_invalid:
        ``"raise"`` (default) or ``"suppress"``: text, negative or infinite values, values
        out of range, swapped limits and se disagreeing with the limits raise, or suppress
        their area with the reason.

    Returns
    -------
    StatResult
        ``to_frame()`` has the group columns, ``sii``, ``sii_lower_95_0``,
        ``sii_upper_95_0`` (a pair per level), ``rii`` and its limits (when ``rii``),
        ``intercept`` (the fitted value at the end the SII is measured from, in the SII's
        units, so ``intercept + sii`` is the fitted value at the other end), the ``_mad``
        columns (with ``reliability``), ``direction``, ``suppressed`` and
        ``suppression_reason``.

    Notes
    -----
    Interval method: Monte Carlo. Each quantile's value is drawn R times from
    Normal(mu_j, s_j) on the working scale (back-transformed when ``transform`` is off),
    each set is refitted (closed form), and the limits are the order statistics
    x_(round(R alpha/2)) and x_(round(R (1 - alpha/2))) (1-based). With ``transform``, a
    simulated slope S* gives f^-1(x + S*/2) - f^-1(x - S*/2), x = beta0 + beta1/2 (times m)
    and the ratio f^-1(x + S*/2) / f^-1(x - S*/2) for the RII. The standard-normal draws
    are shared by all areas (common random numbers): each area's limits are a correct
    simulation on their own and do not depend on the other areas in the call, but the
    Monte Carlo errors of different areas are correlated.

    Suppression: an area is suppressed (NaN, a reason, one ``SuppressionWarning``) when a
    quantile is absent, a value, population or standard error (limit) is missing, a
    population is 0, or (rates, proportions) a value or limit has no log or logit (0, or 1
    for proportions). Where a fitted end value is 0 or negative the RII is not defined: it
    is NaN and one ``MethodWarning`` says so.

    References
    ----------
    Low A, Low A (2004), Journal of Public Health 26(4):388-395; OHID Fingertips technical
    guidance on the SII; ONS, Health state life expectancies by national deprivation
    deciles, methodology.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"decile": range(1, 11), "pop": 1000,
    ...                    "le": [74.0, 75.2, 76.1, 77.0, 77.8, 78.5, 79.1, 79.8, 80.4, 81.2],
    ...                    "se": 0.3})
    >>> out = healthgap.sii(df, "le", "pop", "decile", se="se", seed=1, repetitions=10_000)
    >>> out.to_frame()[["sii", "sii_lower_95_0", "sii_upper_95_0"]].round(2)
        sii  sii_lower_95_0  sii_upper_95_0
    0  7.68            7.05            8.33
    """
    levels = confidence_levels(confidence)
    vt = one_of(value_type, "value_type", VALUE_TYPES)
    do_transform = inputs.flag(transform, "transform")
    want_rii = inputs.flag(rii, "rii")
    if do_transform and vt == "normal":
        raise InputError(
            "transform=True must be used with value_type 'rate' or 'proportion'; got "
            "value_type='normal'. Leave transform=False for values such as life expectancy."
        )
    m = inputs.multiplier_value(multiplier)
    reps = _repetitions(repetitions, levels)
    rng = inputs.generator(seed)
    se_on = one_of(se_scale, "se_scale", inputs.SE_SCALES)
    want_reliability = inputs.flag(reliability, "reliability")
    inputs.se_source(se, lower, upper, x)
    if (value is None) == (x is None):
        raise InputError(
            f"sii must be given exactly one of value and x; got "
            f"{'both' if value is not None else 'neither'}. Pass value='rate' (the indicator "
            "value), or x='count' with value=None for a proportion x / population."
        )

    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    named = {"value": value, "x": x, "population": population, "quantile": quantile,
             "se": se, "lower": lower, "upper": upper}  # fmt: skip
    given = {role: name for role, name in named.items() if name is not None}
    frame.require([*given.values(), *keys], [*given.keys(), *(["group_by"] * len(keys))])
    if quantile in keys:
        raise InputError(
            f"group_by must not include the quantile column {quantile!r}; got group_by="
            f"{keys}. Group by the areas only: each area's quantiles form one regression."
        )
    reserved = [SII, RII, DIRECTION, INTERCEPT, col.VALUE, col.SUPPRESSED,
                col.SUPPRESSION_REASON]  # fmt: skip
    for c in levels:
        reserved += [col.lower(c), col.upper(c)]
        reserved += [col.lower(c, "sii_"), col.upper(c, "sii_")]
        reserved += [col.lower(c, "rii_"), col.upper(c, "rii_")]
    no_reserved_names(keys, reserved)

    # Row-level columns and their structural checks (raise, or mark for suppression).
    checks = RowChecks(frame, keys, on_invalid)
    p_row = checks.numbers(population, "population")
    q_row = numeric_column(frame, quantile, "quantile", keys)
    n_q = inputs.quantile_numbers(frame, q_row, quantile, keys)
    x_row = None
    if value is not None:
        y_row = checks.numbers(value, "value", non_negative=False)
        inputs.check_range(checks, vt, y_row, value, "value")
    else:
        assert x is not None
        y_row, x_row = inputs.counts_as_value(checks, x, p_row, vt)
    s_row = lo_row = hi_row = None
    if se is not None:
        s_row = checks.numbers(se, "se")
    if lower is not None:
        assert upper is not None
        lo_row, hi_row = inputs.limit_columns(checks, vt, lower, upper)
    if s_row is not None and lo_row is not None and hi_row is not None:
        inputs.check_agreement(
            checks, vt, se_on, y_row, s_row, lo_row, hi_row, (str(se), str(lower), str(upper))
        )

    groups = Groups.of(frame, keys)
    g_n = groups.n
    cell = groups.codes * n_q + (q_row.astype(np.intp) - 1)
    counts = np.bincount(cell, minlength=g_n * n_q)
    dup = np.flatnonzero(counts > 1)
    if dup.size:
        g, j = divmod(int(dup[0]), n_q)
        rows = np.flatnonzero(cell == dup[0])
        raise InputError(
            f"each quantile must appear once per group; got {counts[dup[0]]} rows for "
            f"quantile {j + 1} in {groups.describe(g)} (rows "
            f"{', '.join(str(r + 1) for r in rows[:5])}). Remove duplicate rows, or add the "
            "column that tells them apart to group_by."
        )

    def dense(row_values: np.ndarray) -> np.ndarray:
        out = np.full(g_n * n_q, np.nan)
        out[cell] = row_values
        return out.reshape(g_n, n_q)

    y = dense(y_row)
    pop = dense(p_row)
    absent = (counts == 0).reshape(g_n, n_q)

    suppression = Suppression(groups)
    checks.flag(suppression)
    suppression.flag(absent.any(axis=1), "not every quantile present")
    suppression.flag(
        np.isnan(y).any(axis=1), "x is missing" if x is not None else "value is missing"
    )
    suppression.flag(np.isnan(pop).any(axis=1), "population is missing")
    suppression.flag((pop == 0).any(axis=1), "population is 0 in a quantile")
    if vt == "rate":
        suppression.flag((y == 0).any(axis=1), "value is 0, so its log is undefined")
    elif vt == "proportion":
        suppression.flag(
            ((y == 0) | (y == 1)).any(axis=1), "value is 0 or 1, so its logit is undefined"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        if s_row is not None:
            s_val = dense(s_row)
            suppression.flag(np.isnan(s_val).any(axis=1), "standard error is missing")
            if se_on == "value":
                where = "log" if vt == "rate" else "logit"
                suppression.flag(
                    np.asarray(inputs.value_limits_leave_scale(vt, y, s_val).any(axis=1)),
                    f"value -/+ 1.96 se leaves the {where} scale, so the {where}-scale SE is "
                    "undefined (give se on that scale with se_scale='working', or the limits)",
                )
            s_work = inputs.working_se(vt, se_on, y, s_val)
        else:
            if lo_row is not None and hi_row is not None:
                lo_d, hi_d = dense(lo_row), dense(hi_row)
                suppression.flag(
                    (np.isnan(lo_d) | np.isnan(hi_d)).any(axis=1), "confidence limits are missing"
                )
            else:
                assert x_row is not None
                lo_d, hi_d = inputs.wilson_se(dense(x_row), pop)
            if vt == "rate":
                suppression.flag(
                    (lo_d == 0).any(axis=1), "a lower limit is 0, so the log-scale SE is undefined"
                )
            elif vt == "proportion":
                suppression.flag(
                    ((lo_d == 0) | (hi_d == 1)).any(axis=1),
                    "a limit is 0 or 1, so the logit-scale SE is undefined",
                )
            s_work = inputs.se_from_limits(vt, lo_d, hi_d)

    ok = ~suppression.mask
    ok_idx = np.flatnonzero(ok)
    n_ok = ok_idx.size
    y_ok = y[ok_idx]
    s_ok = s_work[ok_idx]
    c0, c1 = fit_weights(pop[ok_idx])
    mu = _forward(vt, y_ok)  # the working scale (identity for "normal")
    linear = vt == "normal" or do_transform
    response = mu if do_transform else y_ok
    beta0 = (c0 * response).sum(axis=1)
    beta1 = (c1 * response).sum(axis=1)

    # Point estimates.
    if do_transform:
        x_half = beta0 + beta1 / 2.0

        def ends(slope: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """Fitted (least, most) deprived end values for slopes S: f^-1(x -/+ S/2)."""
            xh = x_half.reshape((-1,) + (1,) * (slope.ndim - 1))
            return _inverse(vt, xh + slope / 2.0), _inverse(vt, xh - slope / 2.0)

        def sii_of(slope: np.ndarray) -> np.ndarray:
            top, bottom = ends(slope)
            return (top - bottom) * m

        def rii_of(slope: np.ndarray) -> np.ndarray:
            top, bottom = ends(slope)
            return top / bottom if m > 0 else bottom / top

        sii_value = sii_of(beta1)
        rii_value = rii_of(beta1)
        rii_defined = np.ones(n_ok, dtype=bool)
    else:
        sii_value = beta1 * m
        top, bottom = beta0 + beta1, beta0
        rii_defined = (top > 0) & (bottom > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rii_value = top / bottom if m > 0 else bottom / top

    # The fitted value at the end the SII is measured from, in the SII's units.
    if do_transform:
        intercept_value = _inverse(vt, beta0 if m > 0 else beta0 + beta1) * abs(m)
    else:
        intercept_value = (beta0 if m > 0 else beta0 + beta1) * abs(m)

    # Monte Carlo limits.
    ranks = [limit_ranks(reps, c) for c in levels]
    flat_ranks = [k for pair in ranks for k in pair]
    # A decreasing map F sends the k-th smallest of F(S) to F of the (R + 1 - k)-th of S.
    mapped_ranks = flat_ranks if m > 0 else [reps + 1 - k for k in flat_ranks]
    width = len(flat_ranks)
    # Reliability runs use streams spawned before the main draws: the reported limits are
    # the same with or without them.
    extra_rngs = rng.spawn(RELIABILITY_RUNS - 1) if want_reliability else []

    def simulate(generator: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Order statistics (n_ok x width) of the simulated SII and RII."""
        z = generator.standard_normal((reps, n_q))
        if linear:
            sims = _simulate_linear(
                z, c0, c1, s_ok, beta0, beta1, m, mapped_ranks, flat_ranks,
                ratio=want_rii and not do_transform,
            )  # fmt: skip
            slope_os = sims["slope"]
            if do_transform:
                return sii_of(slope_os), rii_of(slope_os)
            return slope_os * m, sims.get("ratio", np.full((n_ok, width), np.nan))
        sims = _simulate_nonlinear(vt, z, mu, s_ok, c0, c1, m, flat_ranks, ratio=want_rii)
        return sims["sii"], sims.get("ratio", np.full((n_ok, width), np.nan))

    sii_os, rii_os = simulate(rng)
    sii_mad = np.zeros_like(sii_os)
    rii_mad = np.zeros_like(rii_os)
    for generator in extra_rngs:
        other_sii, other_rii = simulate(generator)
        sii_mad += np.abs(other_sii - sii_os) / len(extra_rngs)
        rii_mad += np.abs(other_rii - rii_os) / len(extra_rngs)

    # Back to one row per group (suppressed groups stay NaN).
    def full(values: np.ndarray) -> np.ndarray:
        out = np.full(g_n, np.nan)
        out[ok_idx] = values
        return out

    limits = {c: (full(sii_os[:, 2 * i]), full(sii_os[:, 2 * i + 1])) for i, c in enumerate(levels)}
    direction_text, direction_note = _direction(m, n_q)
    extra: dict[str, np.ndarray] = {}
    if want_rii:
        undefined = ~rii_defined
        rii_cols = [rii_value] + [rii_os[:, k] for k in range(width)]
        rii_cols = [np.where(undefined, np.nan, v) for v in rii_cols]
        extra[RII] = full(rii_cols[0])
        for i, c in enumerate(levels):
            extra[col.lower(c, "rii_")] = full(rii_cols[1 + 2 * i])
            extra[col.upper(c, "rii_")] = full(rii_cols[2 + 2 * i])
        for arr in extra.values():
            suppression.apply(arr)
    extra[INTERCEPT] = full(intercept_value)
    suppression.apply(extra[INTERCEPT])
    if want_reliability:
        for i, c in enumerate(levels):
            for k, name in ((2 * i, col.lower(c, "sii_")), (2 * i + 1, col.upper(c, "sii_"))):
                extra[name + MAD] = full(sii_mad[:, k])
            if want_rii:
                for k, name in ((2 * i, col.lower(c, "rii_")), (2 * i + 1, col.upper(c, "rii_"))):
                    extra[name + MAD] = full(np.where(rii_defined, rii_mad[:, k], np.nan))
        for name in [n for n in extra if n.endswith(MAD)]:
            suppression.apply(extra[name])
    extra[DIRECTION] = np.full(g_n, direction_text, dtype=object)

    table = assemble(groups, {}, full(sii_value), limits, suppression, extra=extra)
    renames = {col.VALUE: SII}
    for c in levels:
        renames[col.lower(c)] = col.lower(c, "sii_")
        renames[col.upper(c)] = col.upper(c, "sii_")
    table = table.rename(columns=renames)

    if want_rii and (~rii_defined).any():
        bad = ok_idx[~rii_defined]
        warnings.warn(
            f"sii: the RII is not defined for {bad.size} of {g_n} groups (first: "
            f"{groups.describe(int(bad[0]))}) because a fitted end value is 0 or negative; "
            "their rii and its limits are NaN. The SII is unaffected.",
            MethodWarning,
            stacklevel=2,
        )
    suppression.warn("sii")

    scale = {"normal": "", "rate": "log ", "proportion": "logit "}[vt]
    fit = f"fitted on the {scale}scale" if do_transform else "fitted on the original scale"
    statistic = "Slope index of inequality (SII)" + (
        " and relative index of inequality (RII)" if want_rii else ""
    )
    seed_text = f"seed {seed}" if seed is not None else "unseeded"
    method = (
        f"Weighted least squares on population rank midpoints ({fit}); Monte Carlo limits "
        f"from {reps:,} repetitions ({seed_text})"
    )
    notes = (
        direction_note,
        "Monte Carlo draws are shared by all areas (common random numbers): each area's limits "
        "are a correct simulation on their own and do not depend on the other areas, but the "
        "Monte Carlo errors of different areas are correlated.",
        f"Limits are the sorted simulated values number round(R alpha/2) and "
        f"round(R (1 - alpha/2)) (1-based), R = {reps:,}.",
        *inputs.described_sources(se, lower, x, se_on, vt),
    )
    return StatResult(
        table=table,
        statistic=statistic,
        method=method,
        confidence=levels,
        references=REFERENCES,
        multiplier=m,
        notes=notes,
        kind=frame.kind,
        parameters={
            "value_type": vt,
            "transform": do_transform,
            "repetitions": reps,
            "seed": seed,
            "quantiles": n_q,
            "rii": want_rii,
            "se_scale": se_on,
            "reliability_runs": RELIABILITY_RUNS if want_reliability else 1,
            "on_invalid": on_invalid,
        },
    )
