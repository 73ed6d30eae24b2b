"""Explain every number: a waterfall per area, and a what-if comparison of two formulas."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from healthgap.allocate.engine import allocate
from healthgap.allocate.formula import Formula
from healthgap.allocate.results import AllocationResult, Comparison
from healthgap.allocate.rounding import apportion
from healthgap.errors import InputError, NotFoundError
from healthgap.stats._frames import to_kind
from healthgap.stats._validate import one_of


def waterfall(result: AllocationResult, area: Any = None) -> Any:
    """Each area's allocation built up step by step, in whole pence.

    The steps are: ``equal_share`` (the control total shared per head of population);
    for each component, ``weighting_<name>`` (its cost-curve weighting, if it has one) and
    ``need_<name>`` (its need indices), each the change in the area's amount when that
    component's share of the total moves from per head to its need-weighted base;
    ``cost_adjustment``; ``resources_adjustment``; ``target``; ``pace_of_change`` (year one
    allocation minus target) and ``final``.

    Each intermediate position is a complete sharing-out of the control total rounded to
    the penny by largest remainder, and each step is the difference between consecutive
    positions, so for every area ``equal_share`` + the steps = ``final`` exactly, and each
    step column adds up to 0 over all areas.

    Parameters
    ----------
    result:
        An :class:`~healthgap.allocate.AllocationResult`.
    area:
        ``None`` for every area (one row each); or one area code for a long table with one
        row per step: ``step``, ``label``, ``change_pence``, ``running_pence`` and
        ``running_per_head`` (pounds).

    Examples
    --------
    >>> import pandas as pd
    >>> from healthgap.allocate import Formula, allocate
    >>> f = Formula.from_dict({"control_total": 1000, "indices": {"need": {"column": "need"}},
    ...     "components": {"core": {"share": 1, "indices": ["need"]}}})
    >>> df = pd.DataFrame({"area": ["A", "B"], "population": [100, 300], "need": [2.0, 1.0]})
    >>> allocate(f, df).waterfall()
      area  population  equal_share  need_core  target  final
    0    A         100        25000      15000   40000  40000
    1    B         300        75000     -15000   60000  60000
    """
    total = result.control_total
    positions = [apportion(stage.share, total) for stage in result.stages]
    table = result.table
    name = result.formula.area
    out = pd.DataFrame({name: table[name].to_numpy(), "population": table["population"]})
    out[result.stages[0].name] = positions[0]
    labels = {result.stages[0].name: result.stages[0].label}
    for k in range(1, len(result.stages)):
        stage = result.stages[k]
        out[stage.name] = positions[k] - positions[k - 1]
        labels[stage.name] = stage.label
    target = positions[-1]
    final = table["allocation_pence"].to_numpy()
    out["target"] = target
    labels["target"] = "target allocation"
    if result.path is not None:
        out["pace_of_change"] = final - target
        labels["pace_of_change"] = "pace of change (year one)"
    out["final"] = final
    labels["final"] = "final allocation"
    if area is None:
        return to_kind(out, result.kind)
    rows = np.flatnonzero((table[name] == area).to_numpy())
    if rows.size == 0:
        sample = ", ".join(map(str, table[name].head(3)))
        raise NotFoundError(
            f"area must be one of the allocated areas; got {area!r}. Areas look like {sample}.",
            field="area",
        )
    row = out.iloc[int(rows[0])]
    pop = float(table["population"].iloc[int(rows[0])])
    running, records = 0, []
    for step in out.columns[2:]:  # equal share, the steps, target, pace of change, final
        change = 0 if step in ("target", "final") else int(row[step])
        running += change
        records.append((step, labels[step], change, running))
    long = pd.DataFrame(records, columns=["step", "label", "change_pence", "running_pence"])
    long["running_per_head"] = long["running_pence"] / 100 / pop if pop > 0 else np.nan
    return to_kind(long, result.kind)


def compare(
    a: AllocationResult | Formula | str,
    b: AllocationResult | Formula | str,
    inputs: Any = None,
    bands: Any = None,
    *,
    basis: str = "allocation",
    control_total: Any = None,
    inputs_name: str = "inputs",
    bands_name: str = "bands",
) -> Comparison:
    """What if formula B were used instead of A? Winners and losers with amounts and per head.

    Parameters
    ----------
    a, b:
        Two :class:`~healthgap.allocate.AllocationResult` objects, or two formulas
        (:class:`~healthgap.allocate.Formula` or TOML paths) run on the same ``inputs``.
    inputs, bands, control_total, inputs_name, bands_name:
        Passed to :func:`~healthgap.allocate.allocate` when ``a``/``b`` are formulas.
    basis:
        ``"allocation"`` (year-one allocation, after any pace of change) or ``"target"``.

    Returns
    -------
    Comparison
        One row per area from the largest gain to the largest loss: ``a_pence``,
        ``b_pence``, ``change_pence`` = b - a, ``change_percent`` (of a),
        ``change_per_head`` (pounds) and ``outcome``.

    Examples
    --------
    >>> import pandas as pd
    >>> from healthgap.allocate import Formula, compare
    >>> spec = {"control_total": 1000, "indices": {"smr": {"column": "smr"}},
    ...         "components": {"core": {"share": 0.9}, "hi": {"share": 0.1, "indices": ["smr"]}}}
    >>> ten = Formula.from_dict(spec | {"name": "HI 10%"})
    >>> fifteen = ten.with_shares({"core": 0.85, "hi": 0.15}, name="HI 15%")
    >>> df = pd.DataFrame({"area": ["A", "B"], "population": [100, 100], "smr": [150, 50]})
    >>> compare(ten, fifteen, df).to_frame()[["area", "a_pence", "b_pence", "change_pence"]]
      area  a_pence  b_pence  change_pence
    0    A    52500    53750          1250
    1    B    47500    46250         -1250
    """
    basis = one_of(basis, "basis", ("allocation", "target"))
    results = []
    for side in (a, b):
        if isinstance(side, AllocationResult):
            results.append(side)
            continue
        if inputs is None:
            raise InputError(
                "inputs must be given when comparing formulas; got none. Pass the inputs "
                "table, or compare two allocation results."
            )
        results.append(
            allocate(
                side,
                inputs,
                bands,
                control_total,
                inputs_name=inputs_name,
                bands_name=bands_name,
            )
        )
    ra, rb = results
    name_a, name_b = ra.formula.area, rb.formula.area
    codes_a = ra.table[name_a].astype(str).to_numpy()
    codes_b = rb.table[name_b].astype(str).to_numpy()
    if codes_a.size != codes_b.size or not np.array_equal(codes_a, codes_b):
        only_a = sorted(set(codes_a) - set(codes_b))
        only_b = sorted(set(codes_b) - set(codes_a))
        first = (only_a or only_b or ["?"])[0]
        raise InputError(
            f"both allocations must cover the same areas; got {len(only_a)} only in "
            f"{ra.formula.name!r} and {len(only_b)} only in {rb.formula.name!r} (first: "
            f"{first}). Run both formulas on the same inputs."
        )
    column = "allocation_pence" if basis == "allocation" else "target_pence"
    amount_a = ra.table[column].to_numpy()
    amount_b = rb.table[column].to_numpy()
    change = amount_b - amount_a
    pop = ra.table["population"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = np.where(amount_a > 0, change / np.where(amount_a > 0, amount_a, 1) * 100, np.nan)
        per_head = np.where(pop > 0, change / 100 / np.where(pop > 0, pop, 1), np.nan)
    table = pd.DataFrame(
        {
            name_a: ra.table[name_a].to_numpy(),
            "population": ra.table["population"].to_numpy(),
            "a_pence": amount_a,
            "b_pence": amount_b,
            "change_pence": change,
            "change_percent": percent,
            "change_per_head": per_head,
            "outcome": np.where(change > 0, "gains", np.where(change < 0, "loses", "no change")),
        }
    )
    order = np.lexsort((np.arange(len(table)), -change))
    table = table.iloc[order].reset_index(drop=True)
    return Comparison(
        table=table,
        a_name=ra.formula.name,
        b_name=rb.formula.name,
        basis=basis,
        area=name_a,
        kind=ra.kind,
    )
