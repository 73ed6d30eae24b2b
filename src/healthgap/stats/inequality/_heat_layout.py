"""Laying out HEAT input rows as a grid: groups by subgroups, with order and reference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError
from healthgap.stats._frames import Groups, InputFrame
from healthgap.stats.inequality import _heat_kernels as k
from healthgap.stats.inequality._summary_rows import Rows


def _one_per_group(
    frame: InputFrame, groups: Groups, values: np.ndarray, column: str, keys: list[str]
) -> np.ndarray:
    """The one non-empty value of a per-group column (NaN where all are empty)."""
    series = pd.Series(values).groupby(groups.codes)
    lo = series.min().reindex(range(groups.n)).to_numpy(dtype=float)
    hi = series.max().reindex(range(groups.n)).to_numpy(dtype=float)
    bad = np.flatnonzero(lo != hi)  # NaN compares unequal only when one side is NaN
    bad = bad[~(np.isnan(lo[bad]) & np.isnan(hi[bad]))]
    if bad.size:
        g = int(bad[0])
        raise InputError(
            f"setting_average column {column!r} must hold one value per group; got "
            f"{lo[g]:g} and {hi[g]:g} in {groups.describe(g)}. Give each group's reported "
            "average on every row (or leave it empty to use the population-weighted mean)."
        )
    return lo


@dataclass(frozen=True)
class Grid:
    y: np.ndarray  # (G, J) estimates, NaN in padding
    s: np.ndarray  # (G, J) standard errors (NaN where missing or not given)
    pop: np.ndarray  # (G, J) populations (NaN where missing, 0 in padding)
    labels: np.ndarray  # (G, J) subgroup labels as str ("" in padding)
    mask: np.ndarray  # (G, J)
    n: np.ndarray  # (G,) subgroups per group


def _layout(
    frame: InputFrame,
    groups: Groups,
    rows: Rows,
    subgroup: str,
    keys: list[str],
    is_ordered: bool,
    order_column: str | None,
) -> Grid:
    labels = frame.df[subgroup].astype(str).to_numpy(dtype=object).astype(str)
    codes = groups.codes
    _no_repeats(frame, groups, codes, labels, subgroup, keys, "subgroup")
    if is_ordered:
        assert rows.rank is not None
        perm = np.lexsort((rows.rank, codes))
        _no_repeats(frame, groups, codes, rows.rank, order_column, keys, "order")
    else:
        perm = np.lexsort((labels, codes))
    n = np.bincount(codes, minlength=groups.n)
    start = np.concatenate(([0], np.cumsum(n)[:-1]))
    c = codes[perm]
    pos = np.arange(len(perm)) - start[c]
    width = int(n.max()) if n.size else 0
    shape = (groups.n, width)
    y = np.full(shape, np.nan)
    s = np.full(shape, np.nan)
    pop = np.zeros(shape)
    lab = np.full(shape, "", dtype=object)
    mask = np.zeros(shape, dtype=bool)
    y[c, pos] = rows.y[perm]
    if rows.se is not None:
        s[c, pos] = rows.se[perm]
    pop[c, pos] = rows.pop[perm]
    lab[c, pos] = labels[perm]
    mask[c, pos] = True
    return Grid(y=y, s=s, pop=pop, labels=lab, mask=mask, n=n)


def _no_repeats(
    frame: InputFrame,
    groups: Groups,
    codes: np.ndarray,
    values: np.ndarray,
    column: str | None,
    keys: list[str],
    role: str,
) -> None:
    perm = np.lexsort((values, codes))
    same = (codes[perm][1:] == codes[perm][:-1]) & (values[perm][1:] == values[perm][:-1])
    if not same.any():
        return
    i = int(np.flatnonzero(same)[0])
    first, second = int(perm[i]), int(perm[i + 1])
    where = groups.describe(int(codes[first]))
    if role == "subgroup":
        raise InputError(
            f"subgroup column {column!r} must name each subgroup once per group; got "
            f"{str(values[first])!r} twice in {where} (rows {min(first, second) + 1} and "
            f"{max(first, second) + 1}). Aggregate those rows first, or add the column that "
            "tells them apart to group_by."
        )
    raise InputError(
        f"order column {column!r} must give each subgroup its own rank within a group; got rank "
        f"{values[first]:g} twice in {where} (rows {min(first, second) + 1} and "
        f"{max(first, second) + 1}). Rank the subgroups 1, 2, 3, ... without repeats."
    )


def _reference_positions(grid: Grid, reference: Any, subgroup: str) -> np.ndarray:
    """Position of the reference subgroup in each group (-1 where absent or not given)."""
    if reference is None:
        return np.full(grid.n.shape, -1)
    hit = grid.mask & (grid.labels == str(reference))
    if not hit.any():
        present = sorted(set(grid.labels[grid.mask].tolist()))
        listed = ", ".join(repr(p) for p in present[:8]) + (" ..." if len(present) > 8 else "")
        raise InputError(
            f"reference_subgroup must be one of the subgroups in column {subgroup!r}; got "
            f"{reference!r}. Subgroups are: {listed}."
        )
    return np.where(hit.any(axis=1), np.argmax(hit, axis=1), -1)


def _build_layout(
    grid: Grid,
    mu_given: np.ndarray,
    favourable: bool,
    is_ordered: bool,
    ref_pos: np.ndarray,
    entropy_multiplier: float,
    scale: float | None,
) -> k.Layout:
    pop = np.nan_to_num(grid.pop)
    total = pop.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(total > 0, pop / total, 0.0)
    ridit = np.where(grid.mask, np.cumsum(w, axis=1) - w / 2.0, 0.0)
    last = np.maximum(grid.n - 1, 0)
    y_hi = np.where(grid.mask, grid.y, -np.inf)
    y_lo = np.where(grid.mask, grid.y, np.inf)
    if is_ordered:
        adv, dis = last, np.zeros_like(last)
        a, b = (adv, dis) if favourable else (dis, adv)
        ref = adv
    elif (ref_pos < 0).all():
        a, b = (
            np.argmax(np.nan_to_num(y_hi, nan=-np.inf), axis=1),
            np.argmin(np.nan_to_num(y_lo, nan=np.inf), axis=1),
        )
        ref = np.full(grid.n.shape, -1)
    else:
        rows = np.arange(grid.n.size)
        others_hi, others_lo = y_hi.copy(), y_lo.copy()
        others_hi[rows, np.maximum(ref_pos, 0)] = -np.inf
        others_lo[rows, np.maximum(ref_pos, 0)] = np.inf
        worst = (
            np.argmin(np.nan_to_num(others_lo, nan=np.inf), axis=1)
            if favourable
            else np.argmax(np.nan_to_num(others_hi, nan=-np.inf), axis=1)
        )
        a, b = (ref_pos, worst) if favourable else (worst, ref_pos)
        ref = ref_pos
    return k.Layout(
        w=w,
        mask=grid.mask,
        n=grid.n,
        ridit=ridit,
        mu_given=mu_given,
        a=np.asarray(a),
        b=np.asarray(b),
        ref=np.asarray(ref),
        favourable=favourable,
        entropy_multiplier=entropy_multiplier,
        proportion_scale=scale,
    )
