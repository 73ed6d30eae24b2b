"""Target shares, target allocations and year-one allocations from a formula and its inputs.

The arithmetic, for areas a with population p_a (P = sum of p):

* index i from a column r with exponent e: v = r^e, normalised I = v / (sum p v / P),
  so its population-weighted national mean is 1; a derived index is the product of its
  inputs' normalised values raised to their exponents, normalised the same way;
* component c with share s_c: base W_ca (population, or weighted population from a cost
  curve: sum over bands of population x weight), need-weighted base B_ca = W_ca x product
  of its indices, need share x_ca = B_ca / sum_a B_ca;
* need share n_a = sum_c s_c x_ca (the shares s_c sum to 1, so the n_a do too);
* cost adjustment (optional, index k_a > 0): m_a = n_a k_a / sum(n k);
* resources adjustment (optional, resources R_a in pounds): grant_a = max(0, m_a G - R_a)
  with G chosen so that the grants add up to the control total E ("needs minus
  resources, floored at zero"); target share t_a = grant_a / E;
* target allocation = t_a x E in whole pence by largest remainder.

Current allocations C_a (optional) give the distance from target
(C_a - t_a C) / (t_a C), where C is their total (the target on the same total), and the
starting point of the pace of change (:mod:`healthgap.allocate.pace`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from healthgap.allocate.formula import CostCurve, Formula
from healthgap.allocate.pace import RULES as PACE_RULES
from healthgap.allocate.pace import pace_path
from healthgap.allocate.results import AllocationResult, Stage
from healthgap.allocate.rounding import MAX_PENCE, RULE, apportion, pounds
from healthgap.errors import InputError
from healthgap.stats._frames import InputFrame
from healthgap.stats._validate import numeric_column, require_finite, require_non_negative

REFERENCES = (
    "NHS England (2016). Technical Guide to Allocation Formulae and Pace of Change for "
    "2016-17 to 2020-21 revenue allocations to Clinical Commissioning Groups and "
    "commissioning areas.",
    "NHS England. Fair Shares: a guide to NHS allocations.",
    "DCLG (2017). Fair Funding Review: a review of relative needs and resources "
    "(consultation; needs minus council tax resources).",
    "Balinski ML, Young HP (2001). Fair Representation, 2nd ed. Brookings Institution "
    "Press (Hamilton's largest-remainder method).",
)


@dataclass(frozen=True)
class _Inputs:
    """The inputs a formula needs, checked, as arrays in area-code order."""

    areas: pd.Series
    population: np.ndarray
    columns: dict[str, np.ndarray]  # index columns, raw
    weighted: dict[str, np.ndarray]  # cost curve -> weighted population
    cost: np.ndarray | None
    resources: np.ndarray | None  # pence, float
    current: np.ndarray | None  # pence, int64
    kind: Any


def allocate(
    formula: Formula | str | Any,
    inputs: Any,
    bands: Any = None,
    control_total: Any = None,
    *,
    inputs_name: str = "inputs",
    bands_name: str = "bands",
) -> AllocationResult:
    """Target shares, target allocations and (with a pace) the path from current allocations.

    Formula (see :mod:`healthgap.allocate.engine` and ``docs/allocation.md``): each
    component's share of the control total is shared in proportion to its base
    (population or cost-curve weighted population) times its need indices (each
    normalised to a population-weighted national mean of 1); the result is multiplied by
    the area cost index and renormalised; resources (if any) are deducted as "needs minus
    resources, floored at zero", with needs scaled so the grants add up to the control
    total. Amounts are whole pence rounded by largest remainder (Hamilton), so they add up
    to the control total exactly; ties go to the lower area code.

    Parameters
    ----------
    formula:
        A :class:`~healthgap.allocate.Formula`, or the path of a TOML formula file.
    inputs:
        One row per area (pandas or polars DataFrame, or Arrow table) with the formula's
        area, population, index, cost, resources and current columns.
    bands:
        Long-format population by band (e.g. area, age, sex, population) for cost curves.
    control_total:
        The total to share, in pounds (to the penny); overrides the formula's.
    inputs_name, bands_name:
        How error messages name the two tables (e.g. their file names).

    Returns
    -------
    AllocationResult
        ``to_frame()``: one row per area in area-code order; ``path_frame()``: the pace of
        change by year; ``waterfall()``: each area from equal per-head share to final.

    Raises
    ------
    InputError
        For a missing column (naming the formula field and line and the inputs table),
        text in a numeric column, missing values, negative populations, indices or
        resources, a cost index of 0 or less, repeated area codes, cost-curve bands without
        a weight, and pace floors that need more than the envelope (or ceilings that allow
        less). Allocation never suppresses an area: every area must be funded, so every data
        problem is an error.

    References
    ----------
    NHS England (2016), Technical Guide to Allocation Formulae and Pace of Change; NHS
    England, Fair Shares: a guide to NHS allocations; DCLG (2017), Fair Funding Review
    (needs minus resources); Balinski & Young (2001), Fair Representation (Hamilton's
    method). See ``REFERENCES`` and ``docs/allocation.md``.

    Examples
    --------
    >>> import pandas as pd
    >>> from healthgap.allocate import Formula, allocate
    >>> f = Formula.from_dict({"control_total": 1000, "indices": {"need": {"column": "need"}},
    ...     "components": {"core": {"share": 1, "indices": ["need"]}}})
    >>> df = pd.DataFrame({"area": ["A", "B"], "population": [100, 300], "need": [2.0, 1.0]})
    >>> allocate(f, df).to_frame()[["area", "target_share", "target_pence"]]
      area  target_share  target_pence
    0    A           0.4         40000
    1    B           0.6         60000
    """
    if not isinstance(formula, Formula):
        formula = Formula.load(formula)
    if control_total is not None:
        formula = formula.with_control_total(control_total)
    if formula.control_total is None:
        raise InputError(
            f"control_total must be given, in the formula or when running it; got none in "
            f"{formula.source}. Add e.g. control_total = 1250000 (pounds) to the formula."
        )
    total = formula.control_total
    data = _read_inputs(formula, inputs, bands, inputs_name, bands_name)
    stages, indices, x, need, cost_index, grant_scale = _shares(formula, data, total)
    target_share = stages[-1].share
    target = apportion(target_share, total)
    notes = [f"amounts are whole pence; rounding rule: {RULE}"]

    pop = data.population
    whole = bool(np.all(pop == np.round(pop))) and pop.max() < 2**62
    table = pd.DataFrame(
        {formula.area: data.areas.to_numpy(), "population": pop.astype(np.int64) if whole else pop}
    )
    for name in formula.index_order:
        table[f"index_{name}"] = indices[name]
    for name, w in data.weighted.items():
        table[f"weighted_population_{name}"] = w
    for comp in formula.components:
        table[f"share_{comp.name}"] = x[comp.name]
    table["need_share"] = need
    if cost_index is not None:
        table["cost_index"] = cost_index
    if data.resources is not None:
        table["resources_pence"] = np.round(data.resources).astype(np.int64)
        notes.append(
            f"resources: needs were scaled to {pounds(round(grant_scale))} so that needs "
            "minus resources, floored at zero, add up to the control total"
        )
    table["target_share"] = target_share
    table["target_pence"] = target
    table["target_per_head"] = _per_head(target, pop)

    path = None
    final = target
    if data.current is not None:
        current = data.current
        total_current = int(current.sum())
        table["current_pence"] = current
        table["current_per_head"] = _per_head(current, pop)
        with np.errstate(divide="ignore", invalid="ignore"):
            on_same_total = target_share * total_current
            table["distance_from_target"] = np.where(
                on_same_total > 0, (current - on_same_total) / on_same_total, np.nan
            )
        if formula.pace is not None:
            path = pace_path(target_share, current, total, formula.pace, formula)
            final = path.allocations[0]
            notes += [f"pace of change: {r}" for r in PACE_RULES]
            if (path.rule == "extra").any():
                notes.append("pace of change: ceilings bound, so some areas grew beyond target")
    table["allocation_pence"] = final
    table["allocation_per_head"] = _per_head(final, pop)
    if data.current is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            table["growth"] = np.where(
                data.current > 0, final / np.where(data.current > 0, data.current, 1) - 1, np.nan
            )
        if path is not None:
            table["allocation_distance"] = _distance(final, target)
    if formula.pace is None:
        notes.append("no pace of change: allocations equal targets")
    return AllocationResult(
        formula=formula,
        table=table,
        stages=tuple(stages),
        path=path,
        control_total=total,
        notes=tuple(notes),
        references=REFERENCES,
        kind=data.kind,
    )


def _per_head(pence: np.ndarray, population: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(population > 0, pence / 100 / population, np.nan)


def _distance(amount: np.ndarray, target: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(target > 0, (amount - target) / np.where(target > 0, target, 1), np.nan)


# ---- the shares ------------------------------------------------------------------------


def _index_label(formula: Formula, name: str) -> str:
    return f"index {name!r} ({formula.where(f'indices.{name}')})"


def _normalise(values: np.ndarray, pop: np.ndarray, what: Callable[[], str]) -> np.ndarray:
    """``values`` divided by their population-weighted mean (``what`` names them in errors)."""
    mean = float(np.dot(pop, values)) / float(pop.sum())
    if not np.isfinite(mean) or mean <= 0:
        raise InputError(
            f"{what()} must be greater than 0 in at least one area with population; got a "
            f"population-weighted mean of {mean:g}. Check the column's values."
        )
    return values / mean


def _shares(
    formula: Formula, data: _Inputs, total: int
) -> tuple[
    list[Stage],
    dict[str, np.ndarray],
    dict[str, np.ndarray],
    np.ndarray,
    np.ndarray | None,
    float,
]:
    pop = data.population
    pop_share = pop / pop.sum()
    indices: dict[str, np.ndarray] = {}
    for name in formula.index_order:
        spec = formula.indices[name]
        if spec.column is not None:
            with np.errstate(divide="ignore"):
                raw = np.power(data.columns[spec.column], spec.exponent)
        else:
            raw = np.ones_like(pop)
            with np.errstate(divide="ignore", invalid="ignore"):
                for ref, e in spec.of.items():
                    raw = raw * np.power(indices[ref], e)
            bad = np.flatnonzero(~np.isfinite(raw))
            if bad.size:
                raise InputError(
                    f"{formula.where(f'indices.{name}.of')} must give a finite value in every "
                    f"area; got an infinite value in {bad.size} area(s) (first: "
                    f"{data.areas.iloc[bad[0]]}), from a 0 raised to a negative exponent. "
                    "Use a positive exponent or an index without zeros."
                )
        indices[name] = _normalise(raw, pop, partial(_index_label, formula, name))

    x: dict[str, np.ndarray] = {}
    stages = [Stage("equal_share", "equal share per head", pop_share)]
    mixed = pop_share.copy()
    for comp in formula.components:
        base = pop if comp.base is None else data.weighted[comp.base]
        if comp.base is not None:
            wsum = base.sum()
            if wsum <= 0:
                raise InputError(
                    f"the weighted population of cost curve {comp.base!r} "
                    f"({formula.where(f'components.{comp.name}.base')}) must be greater than "
                    f"0 in total; got {wsum:g}. Check the band populations and weights."
                )
            mixed = mixed + comp.share * (base / wsum - pop_share)
            stages.append(
                Stage(f"weighting_{comp.name}", f"{comp.name}: {comp.base} weighting", mixed)
            )
        weighted = base.astype(float)
        for name in comp.indices:
            weighted = weighted * indices[name]
        bsum = weighted.sum()
        if not bsum > 0:
            raise InputError(
                f"component {comp.name!r} ({formula.where(f'components.{comp.name}')}) must "
                f"have a need-weighted population greater than 0 in total; got {bsum:g}. "
                "Its indices are 0 wherever people live."
            )
        x[comp.name] = weighted / bsum
        start = pop_share if comp.base is None else base / base.sum()
        mixed = mixed + comp.share * (x[comp.name] - start)
        stages.append(Stage(f"need_{comp.name}", f"{comp.name}: need indices", mixed))
    need = np.zeros_like(pop)
    for comp in formula.components:
        need = need + comp.share * x[comp.name]
    stages[-1] = Stage(stages[-1].name, stages[-1].label, need)  # exact, free of drift

    share = need
    cost_index = None
    if data.cost is not None:
        cost_index = _normalise(
            data.cost, pop, lambda: f"cost index ({formula.where('cost_adjustment')})"
        )
        weighted = need * data.cost
        share = weighted / weighted.sum()
        stages.append(Stage("cost_adjustment", "area cost adjustment", share))
    scale = float(total)
    if data.resources is not None:
        share, scale = _needs_minus_resources(share, data.resources, total)
        stages.append(Stage("resources_adjustment", "resources adjustment", share))
    return stages, indices, x, need, cost_index, scale


def _needs_minus_resources(
    share: np.ndarray, resources: np.ndarray, total: int
) -> tuple[np.ndarray, float]:
    """grant = max(0, share x G - R) with G such that the grants add up to ``total``.

    sum(grant) is piecewise linear and increasing in G, with a kink at G = R_a / share_a
    where area a starts to receive money; the kinks are sorted and the segment holding
    ``total`` found by binary search, so G is exact (no iteration).
    """
    n = share.size
    kink = np.full(n, np.inf)
    pos = share > 0
    kink[pos] = resources[pos] / share[pos]
    order = np.argsort(kink, kind="stable")
    k_sorted, s_sorted, r_sorted = kink[order], share[order], resources[order]
    s_cum, r_cum = np.cumsum(s_sorted), np.cumsum(r_sorted)
    following = np.append(k_sorted[1:], np.inf)
    with np.errstate(invalid="ignore"):
        at_next = following * s_cum - r_cum  # sum of grants when the first k+1 receive
    k = int(np.argmax(at_next >= total))
    scale = (total + r_cum[k]) / s_cum[k]
    grant = np.maximum(0.0, share * scale - resources)
    return grant / grant.sum(), float(scale)


# ---- reading and checking the inputs -------------------------------------------------------


def _missing(frame: InputFrame, column: str, field: str, formula: Formula, name: str) -> None:
    if column in frame.df.columns:
        return
    available = ", ".join(map(str, list(frame.df.columns)[:12]))
    more = " ..." if len(frame.df.columns) > 12 else ""
    close = [c for c in frame.df.columns if str(c).lower() == column.lower()]
    hint = f" Did you mean {close[0]!r}?" if close else " Check the spelling or add the column."
    raise InputError(
        f"column {column!r}, named by {formula.where(field)}, must be in {name}; got columns "
        f"[{available}{more}].{hint}"
    )


def _numbers(
    frame: InputFrame, column: str, role: str, context: Sequence[str], name: str
) -> np.ndarray:
    values = numeric_column(frame, column, role, context)
    empty = np.flatnonzero(np.isnan(values))
    if empty.size:
        raise InputError(
            f"{role} column {column!r} must have a value in every row of {name}; got "
            f"{empty.size} empty {'cell' if empty.size == 1 else 'cells'} (first at "
            f"{frame.describe_row(int(empty[0]), context)}). Fill them in: allocation cannot "
            "leave an area out."
        )
    require_finite(frame, values, column, role, context)
    return values


def _read_inputs(
    formula: Formula, inputs: Any, bands: Any, inputs_name: str, bands_name: str
) -> _Inputs:
    frame = InputFrame.of(inputs, name=inputs_name)
    area = formula.area
    ctx = [area]
    _missing(frame, area, "area", formula, inputs_name)
    _missing(frame, formula.population, "population", formula, inputs_name)
    needed: list[tuple[str, str]] = []
    for name, spec in formula.indices.items():
        if spec.column is not None:
            needed.append((spec.column, f"indices.{name}.column"))
    if formula.cost_column:
        needed.append((formula.cost_column, "cost_adjustment.column"))
    if formula.resources_column:
        needed.append((formula.resources_column, "resources.column"))
    if formula.current:
        needed.append((formula.current, "current"))
    for column, field in needed:
        _missing(frame, column, field, formula, inputs_name)
    if len(frame) == 0:
        raise InputError(f"{inputs_name} must have one row per area; got no rows.")

    codes = frame.df[area]
    empty = np.flatnonzero(codes.isna().to_numpy() | (codes.astype(str).str.strip() == ""))
    if empty.size:
        raise InputError(
            f"area column {area!r} must have a code in every row of {inputs_name}; got "
            f"{empty.size} empty (first: row {int(empty[0]) + 1}). Fill in the area codes."
        )
    repeated = codes[codes.duplicated(keep=False)]
    if len(repeated):
        first = repeated.iloc[0]
        rows = [int(i) + 1 for i in np.flatnonzero((codes == first).to_numpy())]
        raise InputError(
            f"area column {area!r} must list each area once in {inputs_name}; got "
            f"{repeated.nunique()} repeated (first: {first!s} at rows "
            f"{', '.join(map(str, rows[:5]))}). Add the rows up to one per area first."
        )
    try:
        order = np.argsort(codes.to_numpy(), kind="stable")
    except TypeError:  # mixed types: order by text
        order = np.argsort(codes.astype(str).to_numpy(), kind="stable")
    frame = InputFrame(frame.df.iloc[order].reset_index(drop=True), frame.kind, frame.name)
    areas = frame.df[area].reset_index(drop=True)

    pop = _numbers(frame, formula.population, "population", ctx, inputs_name)
    require_non_negative(frame, pop, formula.population, "population", ctx)
    if not pop.sum() > 0:
        raise InputError(
            f"population column {formula.population!r} must add up to more than 0 in "
            f"{inputs_name}; got {pop.sum():g}. Check the column."
        )
    columns: dict[str, np.ndarray] = {}
    for name, spec in formula.indices.items():
        if spec.column is None:
            continue
        role = f"index {name!r}"
        if spec.column not in columns:
            values = _numbers(frame, spec.column, role, ctx, inputs_name)
            require_non_negative(frame, values, spec.column, role, ctx)
            columns[spec.column] = values
        zero = np.flatnonzero(columns[spec.column] == 0)
        if spec.exponent < 0 and zero.size:
            raise InputError(
                f"{role} column {spec.column!r} must be greater than 0 because its "
                f"exponent ({formula.where(f'indices.{name}.exponent')}) is negative; got "
                f"{zero.size} zero {'value' if zero.size == 1 else 'values'} (first at "
                f"{frame.describe_row(int(zero[0]), ctx)}). Use a positive exponent or "
                "replace the zeros."
            )

    cost = None
    if formula.cost_column:
        cost = _numbers(frame, formula.cost_column, "cost index", ctx, inputs_name)
        bad = np.flatnonzero(cost <= 0)
        if bad.size:
            raise InputError(
                f"cost index column {formula.cost_column!r} must be greater than 0; got "
                f"{bad.size} {'value' if bad.size == 1 else 'values'} of 0 or less (first: "
                f"{cost[bad[0]]:g} at {frame.describe_row(int(bad[0]), ctx)}). A cost index "
                "of 1 means average costs."
            )
    resources = None
    if formula.resources_column:
        r = _numbers(frame, formula.resources_column, "resources", ctx, inputs_name)
        require_non_negative(frame, r, formula.resources_column, "resources", ctx)
        resources = r * 100.0
    current = None
    if formula.current:
        c = _numbers(frame, formula.current, "current allocation", ctx, inputs_name)
        require_non_negative(frame, c, formula.current, "current allocation", ctx)
        pence = np.round(c * 100)
        # Pounds with pennies survive float storage to within a few units in the last place.
        slack = np.maximum(1e-6, 4 * np.spacing(np.abs(c * 100)))
        off = np.flatnonzero(np.abs(c * 100 - pence) > slack)
        if off.size:
            raise InputError(
                f"current allocation column {formula.current!r} must be in pounds with at most "
                f"2 decimal places; got {off.size} {'value' if off.size == 1 else 'values'} "
                f"with more (first: {c[off[0]]:.10g} at {frame.describe_row(int(off[0]), ctx)}). "
                "Round the amounts to the penny."
            )
        if pence.sum() >= MAX_PENCE:
            raise InputError(
                f"current allocation column {formula.current!r} must add up to less than "
                f"£{MAX_PENCE // 100:,}; got {pence.sum() / 100:,.2f}."
            )
        current = pence.astype(np.int64)
    weighted = _weighted_population(formula, areas, bands, bands_name, inputs_name)
    return _Inputs(areas, pop, columns, weighted, cost, resources, current, frame.kind)


def _weighted_population(
    formula: Formula, areas: pd.Series, bands: Any, bands_name: str, inputs_name: str
) -> dict[str, np.ndarray]:
    curves = [c.base for c in formula.components if c.base is not None]
    if not curves:
        return {}
    first = next(c for c in formula.components if c.base is not None)
    if bands is None:
        raise InputError(
            f"a table of population by band must be given because "
            f"{formula.where(f'components.{first.name}.base')} uses cost curve "
            f"{first.base!r}; got none. Pass bands=... (Python) or --bands FILE.csv."
        )
    frame = InputFrame.of(bands, name=bands_name)
    area = formula.bands_area or formula.area
    popcol = formula.bands_population or formula.population
    for column, field in ((area, "bands.area"), (popcol, "bands.population")):
        if formula.bands_area is None and field == "bands.area":
            field = "area"
        if formula.bands_population is None and field == "bands.population":
            field = "population"
        _missing(frame, column, field, formula, bands_name)
    ctx = [area]
    # Factorise once (fast on millions of rows), then match the few unique labels.
    row_code, uniques = pd.factorize(frame.df[area])
    if (row_code < 0).any():
        row = int(np.flatnonzero(row_code < 0)[0])
        raise InputError(
            f"area column {area!r} must have a code in every row of {bands_name}; got an "
            f"empty one (first at row {row + 1}). Fill in the area codes."
        )
    lookup = pd.Index(areas.astype(str).to_numpy())
    unique_pos = lookup.get_indexer(pd.Index(np.asarray(uniques).astype(str)))
    pos = unique_pos[row_code]
    unknown = np.flatnonzero(pos < 0)
    if unknown.size:
        raise InputError(
            f"every area in {bands_name} must be in {inputs_name}; got {unknown.size} "
            f"{'row' if unknown.size == 1 else 'rows'} for areas that are not (first: "
            f"{frame.df[area].iloc[int(unknown[0])]} at row {int(unknown[0]) + 1}). Use the "
            "same area codes."
        )
    covered = np.bincount(pos, minlength=len(areas)) > 0
    if not covered.all():
        lacking = np.flatnonzero(~covered)
        raise InputError(
            f"every area in {inputs_name} must have rows in {bands_name}; got {lacking.size} "
            f"{'area' if lacking.size == 1 else 'areas'} without (first: "
            f"{areas.iloc[int(lacking[0])]}). Add their population by band."
        )
    pop = _numbers(frame, popcol, "band population", ctx, bands_name)
    require_non_negative(frame, pop, popcol, "band population", ctx)
    out: dict[str, np.ndarray] = {}
    for name in dict.fromkeys(curves):
        curve = formula.cost_curves[name]
        for key in curve.keys:
            _missing(frame, key, f"cost_curves.{name}.weights", formula, bands_name)
        weight = _band_weights(frame, curve, bands_name, formula, ctx)
        out[name] = np.bincount(pos, weights=pop * weight, minlength=len(areas))
    return out


def _band_weights(
    frame: InputFrame, curve: CostCurve, bands_name: str, formula: Formula, ctx: list[str]
) -> np.ndarray:
    """The cost-curve weight of every row of the band table (vectorised lookup).

    Each band column is factorised; the (few) unique label combinations are looked up in
    the curve as text, so that ``age = 0`` in the file matches ``0`` read from a CSV.
    """
    combined = np.zeros(len(frame), dtype=np.int64)
    labels: list[np.ndarray] = []
    for key in curve.keys:
        codes, uniques = pd.factorize(frame.df[key])
        if (codes < 0).any():
            row = int(np.flatnonzero(codes < 0)[0])
            raise InputError(
                f"band column {key!r} must have a label in every row of {bands_name}; got an "
                f"empty one (first at {frame.describe_row(row, ctx)}). Fill in the bands."
            )
        combined = combined * len(uniques) + codes
        labels.append(np.asarray(uniques).astype(str))
    size = int(np.prod([lab.size for lab in labels]))
    present = np.flatnonzero(np.bincount(combined, minlength=size))
    table = np.full(size, np.nan)
    for code in present.tolist():  # one entry per distinct band, not per row
        parts, rest = [], code
        for lab in reversed(labels):
            rest, k = divmod(rest, lab.size)
            parts.append(str(lab[k]))
        table[code] = curve.weights.get(tuple(reversed(parts)), np.nan)
    weight = table[combined]
    lacking = np.flatnonzero(np.isnan(weight))
    if lacking.size:
        row = int(lacking[0])
        band = ", ".join(f"{k} {frame.df[k].iloc[row]}" for k in curve.keys)
        raise InputError(
            f"every band in {bands_name} must have a weight in "
            f"{formula.where(f'cost_curves.{curve.name}.weights')}; got {lacking.size} "
            f"{'row' if lacking.size == 1 else 'rows'} without (first: {band} at "
            f"{frame.describe_row(row, ctx)}). Add the band to the cost curve."
        )
    return weight
