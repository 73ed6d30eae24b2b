"""Pace of change: moving areas from current allocations towards target, year by year.

For each year t (1..N) with envelope E_t (year 1: the control total; later years: the
previous year's total x (1 + growth)):

1. target T_a = target share x E_t, rounded to the penny (largest remainder);
2. floor L_a = previous allocation P_a x (1 + floor), rounded *up* to the penny; ceiling
   U_a = P_a x (1 + ceiling), rounded *down* (never below L_a); no ceiling means no cap;
3. areas with L_a >= T_a are at or above target: they get exactly L_a (floor growth);
4. every other area closes the same fraction lambda of its gap T_a - L_a:
   A_a = min(L_a + lambda (T_a - L_a), U_a), with lambda in [0, 1] chosen so that the
   amounts add up to E_t (solved exactly: the sum is piecewise linear in lambda);
5. only if ceilings stop the envelope being spent with lambda = 1 does anything go beyond
   target: every area then gets the same extra growth mu (as a share of its previous
   allocation), A_a = min(max-from-step-4 + mu P_a, U_a);
6. the amounts are rounded to the penny by largest remainder within [L_a, upper], so
   floors, ceilings, and "no more than target" for areas closing a gap all hold exactly.

If the floors alone need more than E_t, or the ceilings allow less than E_t, no rule can
respect them both and :class:`~healthgap.errors.InputError` says so, naming the year and
both amounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthgap.allocate.formula import Formula, Pace
from healthgap.allocate.rounding import apportion, grow, grow_total, largest_remainder, pounds
from healthgap.errors import InputError

#: The pace-of-change rules in one sentence each, for result notes and docs.
RULES = (
    "floor: every area grows by at least the floor each year (rounded up to the penny)",
    "above target: an area whose floor allocation reaches its target gets exactly the floor",
    "pace: every other area closes the same fraction of its gap to target, so that the "
    "year's envelope is spent exactly",
    "ceiling: no area grows by more than the ceiling (rounded down to the penny); if "
    "ceilings stop the envelope being spent, every area below its ceiling gets the same "
    "extra growth",
)


@dataclass(frozen=True)
class PacePath:
    """Allocations, targets and pace parameters, one row per year (arrays are years x areas)."""

    envelopes: np.ndarray  # (years,) int64 pence
    targets: np.ndarray  # (years, n) int64 pence
    allocations: np.ndarray  # (years, n) int64 pence
    floors: np.ndarray  # (years, n) int64 pence
    ceilings: np.ndarray | None  # (years, n) int64 pence
    pace: np.ndarray  # (years,) lambda
    extra_growth: np.ndarray  # (years,) mu
    rule: np.ndarray  # (years, n) text: floor / pace / target / ceiling / extra
    quotas: np.ndarray  # (years, n) float pence before rounding to the penny


def envelopes(control_total: int, pace: Pace) -> np.ndarray:
    """Year 1 is the control total; year t is year t-1 x (1 + growth), to the penny."""
    out = [int(control_total)]
    for g in pace.growth:
        out.append(grow_total(out[-1], g))
    return np.asarray(out, dtype=np.int64)


def uniform_fill(
    start: np.ndarray, slope: np.ndarray, cap: np.ndarray, total: float
) -> tuple[np.ndarray, float] | None:
    """Solve sum(start + min(theta * slope, cap - start)) = total for theta >= 0, exactly.

    The sum is piecewise linear and non-decreasing in theta, with a kink where each area
    reaches its cap. The kinks are sorted once and the segment holding the total found by
    a binary search, so the solve is O(n log n) over all areas at once. Returns the amounts
    and theta, or ``None`` when even every area at its cap falls short of ``total``.
    """
    start = start.astype(float)
    room = cap.astype(float) - start
    need = float(total) - start.sum()
    if need <= 0:
        return start, 0.0
    active = (slope > 0) & (room > 0)
    if not active.any():
        return None
    bp = room[active] / slope[active]
    order = np.argsort(bp, kind="stable")
    bp, sl, rm = bp[order], slope[active][order], room[active][order]
    saturated = np.concatenate(([0.0], np.cumsum(rm)))  # room used when the first k are full
    tail = sl.sum() - np.concatenate(([0.0], np.cumsum(sl)))  # slope of the rest
    at_kink = saturated[:-1] + bp * tail[:-1]  # sum - start at each kink, non-decreasing
    if at_kink[-1] < need * (1 - 1e-15):
        return None
    k = min(int(np.searchsorted(at_kink, need, side="left")), bp.size - 1)
    theta = (need - saturated[k]) / tail[k]
    return start + np.minimum(theta * slope, room), float(theta)


def pace_path(
    target_share: np.ndarray,
    current: np.ndarray,
    control_total: int,
    pace: Pace,
    formula: Formula | None = None,
) -> PacePath:
    """Run the pace-of-change rules (module docstring) for every year; vectorised over areas.

    ``target_share`` sums to 1; ``current`` holds whole pence. ``formula`` is used only to
    point error messages at the right lines.
    """
    env = envelopes(control_total, pace)
    n, years = target_share.size, pace.years
    targets = np.zeros((years, n), dtype=np.int64)
    allocs = np.zeros((years, n), dtype=np.int64)
    floors = np.zeros((years, n), dtype=np.int64)
    ceilings = None if pace.ceiling is None else np.zeros((years, n), dtype=np.int64)
    lambdas = np.zeros(years)
    mus = np.zeros(years)
    rules = np.empty((years, n), dtype=object)
    exact = np.zeros((years, n))
    previous = np.asarray(current, dtype=np.int64)
    where = formula.where if formula is not None else (lambda p: p)
    for t in range(years):
        total = int(env[t])
        target = apportion(target_share, total)
        low = grow(previous, pace.floor, "up")
        if int(low.sum()) > total:
            raise InputError(
                f"the pace floor ({where('pace.floor')} = {pace.floor:g}) must fit in the "
                f"envelope; got floors adding up to {pounds(int(low.sum()))} in year {t + 1} "
                f"but an envelope of {pounds(total)}. Lower the floor, or raise the control "
                "total or growth."
            )
        high = None
        if pace.ceiling is not None:
            high = np.maximum(grow(previous, pace.ceiling, "down"), low)
            if int(high.sum()) < total:
                raise InputError(
                    f"the pace ceiling ({where('pace.ceiling')} = {pace.ceiling:g}) must let "
                    f"the envelope be spent; got ceilings adding up to "
                    f"{pounds(int(high.sum()))} in year {t + 1} but an envelope of "
                    f"{pounds(total)}. Raise the ceiling, or lower the control total or growth."
                )
        above = low >= target
        cap = np.where(above, low, target if high is None else np.minimum(high, target))
        slope = np.where(above, 0, target - low).astype(float)
        filled = uniform_fill(low, slope, cap, total)
        if filled is not None:
            quotas, lam = filled
            upper = cap
            mu = 0.0
        elif high is None:  # float round-off at lambda = 1: everyone reaches target
            quotas, lam, mu, upper = cap.astype(float), 1.0, 0.0, cap
        else:  # ceilings bind: everyone below target is at target or ceiling; spend the rest
            lam = 1.0
            second = uniform_fill(cap, previous.astype(float), high, total)
            if second is None:  # pragma: no cover - excluded by the ceiling check above
                raise InputError(f"the envelope in year {t + 1} cannot be spent.")
            quotas, mu = second
            upper = high
        amount = largest_remainder(quotas, total, lower=low, upper=upper)
        rule = np.where(above, "floor", "pace").astype(object)
        rule[~above & (amount >= target)] = "target"
        if high is not None:
            rule[~above & (amount >= high) & (amount < target)] = "ceiling"
            if mu > 0:
                rule[amount > np.maximum(cap, low)] = "extra"
        targets[t], allocs[t], floors[t] = target, amount, low
        if ceilings is not None and high is not None:
            ceilings[t] = high
        lambdas[t], mus[t], rules[t], exact[t] = lam, mu, rule, quotas
        previous = amount
    return PacePath(env, targets, allocs, floors, ceilings, lambdas, mus, rules, exact)
