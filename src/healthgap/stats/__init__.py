"""healthgap.stats — the statistics core: pure numpy/scipy, no I/O.

Arrays and data frames in, :class:`~healthgap.stats.results.StatResult` objects out.
Nothing in this package imports from the rest of healthgap except ``healthgap.errors``.
"""

from healthgap.stats.rates import crude_rate
from healthgap.stats.results import StatResult

__all__ = ["StatResult", "crude_rate"]

# Statistic modules re-exported below, one line each ("import name as name" marks a re-export).
