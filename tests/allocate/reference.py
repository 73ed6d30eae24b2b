"""An independent, scalar restatement of the allocation rules in docs/allocation.md.

Written from the documented formulas, one area at a time, in exact rational arithmetic
(``fractions.Fraction``) wherever the inputs allow, and with different algorithms from the
engine's: the resources level G and the pace parameter are found by active-set iteration
instead of sorting kinks. Nothing here imports healthgap.allocate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

F = Fraction


def power(x: Fraction, e: float) -> Fraction:
    if float(e).is_integer():
        return F(x ** int(e))
    return F(float(x) ** e)


def normalise(values: Sequence[Fraction], pop: Sequence[Fraction]) -> list[Fraction]:
    mean = F(sum(p * v for p, v in zip(pop, values, strict=True))) / F(sum(pop))
    return [v / mean for v in values]


def target_shares(
    rows: Sequence[Mapping[Any, Any]],
    indices: Mapping[str, Mapping[str, Any]],
    components: Sequence[Mapping[str, Any]],
    total_pence: int,
    cost: str | None = None,
    resources: str | None = None,
    weighted: Mapping[str, Sequence[Fraction]] | None = None,
) -> list[Fraction]:
    """``indices``: name -> {"column": c, "exponent": e} or {"of": {name: e}} (in order);
    ``components``: [{"share": s, "indices": [...], "base": None or curve}]."""
    pop = [F(r["population"]) for r in rows]
    norm: dict[str, list[Fraction]] = {}
    for name, spec in indices.items():
        if "column" in spec:
            raw = [power(F(r[spec["column"]]), spec.get("exponent", 1.0)) for r in rows]
        else:
            raw = []
            for a in range(len(rows)):
                v: Fraction = F(1)
                for ref, e in spec["of"].items():
                    v *= power(norm[ref][a], e)
                raw.append(v)
        norm[name] = normalise(raw, pop)
    need = [F(0)] * len(rows)
    for comp in components:
        base = pop if comp.get("base") is None else list(weighted[comp["base"]])  # type: ignore[index]
        b = []
        for a in range(len(rows)):
            v = base[a]
            for name in comp.get("indices", []):
                v *= norm[name][a]
            b.append(v)
        sb = sum(b)
        for a in range(len(rows)):
            need[a] += F(comp["share"]) * b[a] / sb
    share = need
    if cost is not None:
        w = [need[a] * F(rows[a][cost]) for a in range(len(rows))]
        share = [v / sum(w) for v in w]
    if resources is not None:
        r = [F(row[resources]) * 100 for row in rows]
        active = [a for a in range(len(rows)) if share[a] > 0]
        while True:
            g = F(total_pence + sum(r[a] for a in active)) / F(sum(share[a] for a in active))
            keep = [a for a in active if share[a] * g - r[a] > 0]
            if keep == active:
                break
            active = keep
        grant = [max(F(0), share[a] * g - r[a]) for a in range(len(rows))]
        share = [v / F(sum(grant)) for v in grant]
    return share


def hamilton(
    quotas: Sequence[Fraction], total: int, upper: Sequence[int] | None = None
) -> list[int]:
    """Floor, then one unit each by largest remainder (6 d.p.), ties to the earlier area."""
    base = [math.floor(q) for q in quotas]
    rem = [round(q - math.floor(q), 6) for q in quotas]
    ranked = sorted(range(len(quotas)), key=lambda i: (-rem[i], i))
    left = total - sum(base)
    while left > 0:
        for i in ranked:
            if left and (upper is None or base[i] < upper[i]):
                base[i] += 1
                left -= 1
    return base


def pace_year(
    share: Sequence[Fraction],
    previous: Sequence[int],
    total: int,
    floor: float,
    ceiling: float | None,
) -> tuple[list[Fraction], Fraction, list[int]]:
    """One year of the documented pace-of-change rules (no stage-2 extra growth).

    Returns the exact amounts before rounding, the pace lambda and the targets.
    """
    n = len(share)
    target = hamilton([s * total for s in share], total)
    up = 1 + F(repr(floor))
    low = [math.ceil(p * up) for p in previous]
    high = None
    if ceiling is not None:
        cap_rate = 1 + F(repr(ceiling))
        high = [max(math.floor(p * cap_rate), lo) for p, lo in zip(previous, low, strict=True)]
    below = [a for a in range(n) if low[a] < target[a]]
    cap = {a: target[a] if high is None else min(high[a], target[a]) for a in below}
    free = list(below)
    fixed = sum(low[a] for a in range(n) if a not in cap)
    lam: Fraction = F(0)
    while free:
        capped = [a for a in below if a not in free]
        need = total - fixed - sum(cap[a] for a in capped) - sum(low[a] for a in free)
        lam = F(need, sum(target[a] - low[a] for a in free))
        over = [a for a in free if low[a] + lam * (target[a] - low[a]) > cap[a]]
        if not over:
            break
        free = [a for a in free if a not in over]
    amounts: list[Fraction] = []
    for a in range(n):
        if a not in cap:
            amounts.append(F(low[a]))
        elif a in free:
            amounts.append(low[a] + lam * (target[a] - low[a]))
        else:
            amounts.append(F(cap[a]))
    return amounts, lam, target
