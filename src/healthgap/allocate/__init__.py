"""healthgap.allocate — needs-based allocation formulas, transparent to the penny.

A formula (a TOML file or a :class:`Formula`) says how a control total is shared between
areas: components of population times need indices, an area cost adjustment, an optional
resources adjustment and a pace of change from current allocations. :func:`allocate`
computes target shares, target allocations, distance from target and the path over
several years; :meth:`AllocationResult.waterfall` explains each area's amount step by
step; :func:`compare` lists the winners and losers of a what-if. Every amount is whole
pence and every set of amounts adds up to its total exactly (:func:`largest_remainder`).

See ``docs/allocation.md`` for the file format, the formulas and a worked example.
"""

from healthgap.allocate.engine import allocate
from healthgap.allocate.explain import compare, waterfall
from healthgap.allocate.formula import Component, CostCurve, Formula, Index, Pace
from healthgap.allocate.results import AllocationResult, Comparison
from healthgap.allocate.rounding import largest_remainder

__all__ = [
    "AllocationResult",
    "Comparison",
    "Component",
    "CostCurve",
    "Formula",
    "Index",
    "Pace",
    "allocate",
    "compare",
    "largest_remainder",
    "waterfall",
]
