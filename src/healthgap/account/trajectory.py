"""Trajectories to a target and projections of a trend, with honest uncertainty.

A *trajectory* is the path a measure is expected to follow from its baseline to its target:
a straight line (the default) or a custom path through given points. A *projection* extends
the observed trend to a future time: a weighted least-squares line through the estimates
(weights 1/se^2), its scale inflated when the points scatter more than their standard errors
allow, and a t prediction interval.

Rolling multi-year periods (e.g. the 3-year HLE periods 2018-2020, 2019-2021, ...) share
years, so neighbouring estimates are strongly correlated and a line fitted through all of
them overstates the information. :func:`non_overlapping` keeps only periods that share no
year, counting back from the latest, and :func:`project_trend` is fitted on those.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import special  # t quantiles: stdtrit is scipy.stats.t.ppf, bit for bit

from healthgap.errors import InputError

#: Fewest non-overlapping points a trend is projected from (1 residual degree of freedom).
MIN_POINTS = 3


@dataclass(frozen=True)
class Trajectory:
    """The expected value of a measure at each time between baseline and target.

    ``points`` are (time, value) pairs in time order, the first the baseline and the last
    the target; the path is linear between consecutive points (a straight line when there
    are two). Before the baseline the trajectory is undefined (NaN); after the target it
    stays at the target value.
    """

    points: tuple[tuple[float, float], ...]

    @property
    def baseline_time(self) -> float:
        return self.points[0][0]

    @property
    def baseline_value(self) -> float:
        return self.points[0][1]

    @property
    def target_time(self) -> float:
        return self.points[-1][0]

    @property
    def target_value(self) -> float:
        return self.points[-1][1]

    @property
    def kind(self) -> str:
        return "linear" if len(self.points) == 2 else "custom"

    def expected(self, time: float | np.ndarray) -> np.ndarray:
        """The trajectory's value at ``time`` (NaN before the baseline)."""
        t = np.asarray(time, dtype=float)
        xs = np.array([p[0] for p in self.points])
        ys = np.array([p[1] for p in self.points])
        out = np.interp(t, xs, ys)
        return np.where(t < xs[0], np.nan, out)


def linear_trajectory(
    baseline_time: float, baseline_value: float, target_time: float, target_value: float
) -> Trajectory:
    """A straight line from (baseline_time, baseline_value) to (target_time, target_value).

    Examples
    --------
    >>> from healthgap.account.trajectory import linear_trajectory
    >>> path = linear_trajectory(2021, 6.0, 2035, 3.0)
    >>> float(path.expected(2028))
    4.5
    """
    return custom_trajectory({baseline_time: baseline_value, target_time: target_value})


def custom_trajectory(points: Mapping[float, float]) -> Trajectory:
    """A piecewise-linear path through ``{time: value}`` points (baseline first, target last).

    Raises
    ------
    InputError
        Fewer than two points, or a time or value that is not a finite number.
    """
    if len(points) < 2:
        raise InputError(
            f"a trajectory must have at least two points (baseline and target); got "
            f"{len(points)}. Give e.g. {{2021: 6.0, 2035: 3.0}}."
        )
    pairs: list[tuple[float, float]] = []
    for t, v in points.items():
        try:
            ft, fv = float(t), float(v)
        except (TypeError, ValueError):
            raise InputError(
                f"trajectory points must be numbers (time: value); got {t!r}: {v!r}. "
                "Give e.g. {2021: 6.0, 2028: 4.0, 2035: 3.0}."
            ) from None
        if not (np.isfinite(ft) and np.isfinite(fv)):
            raise InputError(
                f"trajectory points must be finite numbers; got {t!r}: {v!r}. "
                "Remove the empty or infinite point."
            )
        pairs.append((ft, fv))
    pairs.sort()
    times = [p[0] for p in pairs]
    if len(set(times)) != len(times):
        raise InputError(
            f"trajectory times must be distinct; got {times}. Give one value per time."
        )
    return Trajectory(tuple(pairs))


def non_overlapping(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Mask of periods sharing no year, counting back from the latest.

    The latest period is kept; then, going back in time, each period whose last year is
    before the first year of the period last kept. For 3-year periods 2011-2013 ...
    2022-2024 this keeps 2022-2024, 2019-2021, 2016-2018 and 2013-2015.

    Examples
    --------
    >>> import numpy as np
    >>> from healthgap.account.trajectory import non_overlapping
    >>> s = np.arange(2011, 2023)
    >>> s[non_overlapping(s, s + 2)].tolist()
    [2013, 2016, 2019, 2022]
    """
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    keep = np.zeros(start.shape, dtype=bool)
    order = np.argsort(-end, kind="stable")
    boundary = np.inf
    for i in order:  # one series of at most a few dozen periods, not a loop over groups
        if end[i] < boundary:
            keep[i] = True
            boundary = start[i]
    return keep


@dataclass(frozen=True)
class Projection:
    """A trend projected to ``time``: value and prediction interval, or why not.

    ``value``/``lower``/``upper`` are NaN when the trend could not be fitted; ``reason``
    then says why. ``overdispersion`` is the factor phi >= 1 the variances were inflated
    by; ``df`` the residual degrees of freedom of the t quantile.
    """

    time: float
    value: float
    lower: float
    upper: float
    confidence: float
    slope: float
    slope_se: float
    n_points: int
    df: int
    overdispersion: float
    times: tuple[float, ...]
    reason: str = ""

    @property
    def available(self) -> bool:
        return bool(np.isfinite(self.value))


def project_trend(
    time: np.ndarray,
    value: np.ndarray,
    se: np.ndarray,
    at: float,
    confidence: float = 0.95,
    min_points: int = MIN_POINTS,
) -> Projection:
    """Weighted linear trend through (time, value) projected to ``at``, with a prediction interval.

    With weights w_i = 1/se_i^2 the line y = a + b t is fitted by weighted least squares.
    The variances are scaled by phi = max(1, X^2/(n-2)), X^2 = sum w_i r_i^2 (the residual
    scatter beyond the sampling errors: year-to-year change the line does not explain).
    The prediction interval for a future published estimate at ``at`` is

        yhat -/+ t_(n-2, 1-alpha/2) sqrt(phi (x0' (X'WX)^-1 x0 + s2))

    where s2 is the mean of the se_i^2 (the sampling variance of one future estimate).
    Pass only independent points (see :func:`non_overlapping`): the interval assumes
    the residuals are independent.

    Parameters
    ----------
    time, value, se:
        The points: time (e.g. the mid-year of each period), estimate, standard error > 0.
    at:
        The time to project to.
    confidence:
        Level of the prediction interval, in (0, 1).
    min_points:
        Fewest points to fit (at least 3, so that the scatter can be estimated).

    Returns
    -------
    Projection
        With NaN values and a ``reason`` when there are fewer than ``min_points`` points.

    Examples
    --------
    >>> import numpy as np
    >>> from healthgap.account.trajectory import project_trend
    >>> p = project_trend(np.array([2014., 2017, 2020, 2023]), np.array([6.0, 6.2, 6.5, 6.6]),
    ...                   np.array([0.4, 0.4, 0.4, 0.4]), at=2035)
    >>> round(p.value, 2), p.n_points, p.df
    (7.48, 4, 2)
    """
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be between 0 and 1; got {confidence!r}. Use e.g. 0.95.")
    if min_points < MIN_POINTS:
        raise InputError(
            f"min_points must be at least {MIN_POINTS}; got {min_points!r}. A line through two "
            "points leaves no scatter to judge its uncertainty by."
        )
    t = np.asarray(time, dtype=float)
    y = np.asarray(value, dtype=float)
    s = np.asarray(se, dtype=float)
    ok = np.isfinite(t) & np.isfinite(y) & np.isfinite(s) & (s > 0)
    t, y, s = t[ok], y[ok], s[ok]
    n = int(t.size)
    if n < min_points:
        nan = float("nan")
        return Projection(
            float(at),
            nan,
            nan,
            nan,
            confidence,
            nan,
            nan,
            n,
            max(n - 2, 0),
            nan,
            tuple(t.tolist()),
            reason=(
                f"only {n} independent period{'s' if n != 1 else ''} to fit a trend; at least "
                f"{min_points} are needed to project it with a measure of uncertainty"
            ),
        )
    w = 1.0 / s**2
    x = np.column_stack([np.ones(n), t - t.mean()])
    xtwx = x.T @ (x * w[:, None])
    inv = np.linalg.inv(xtwx)
    beta = inv @ (x.T @ (w * y))
    resid = y - x @ beta
    df = n - 2
    chi2 = float(np.sum(w * resid**2))
    phi = max(1.0, chi2 / df)
    x0 = np.array([1.0, float(at) - t.mean()])
    var = phi * (float(x0 @ inv @ x0) + float(np.mean(s**2)))
    q = float(special.stdtrit(df, 0.5 + confidence / 2))
    centre = float(x0 @ beta)
    half = q * math.sqrt(var)
    return Projection(
        time=float(at),
        value=centre,
        lower=centre - half,
        upper=centre + half,
        confidence=confidence,
        slope=float(beta[1]),
        slope_se=float(np.sqrt(phi * inv[1, 1])),
        n_points=n,
        df=df,
        overdispersion=phi,
        times=tuple(t.tolist()),
    )
