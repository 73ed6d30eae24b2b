"""healthgap.stats — the statistics core: pure numpy/scipy, no I/O.

Arrays and data frames in, :class:`~healthgap.stats.results.StatResult` objects out.
Nothing in this package imports from the rest of healthgap except ``healthgap.errors``.
"""

from healthgap.stats.funnel import funnel_limits, funnel_significance
from healthgap.stats.mean import mean
from healthgap.stats.proportion import proportion
from healthgap.stats.quantiles import quantiles
from healthgap.stats.rates import crude_rate
from healthgap.stats.results import StatResult

__all__ = [
    "StatResult",
    "crude_rate",
    "funnel_limits",
    "funnel_significance",
    "mean",
    "proportion",
    "quantiles",
]
