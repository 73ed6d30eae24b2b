"""healthgap.stats — the statistics core: pure numpy/scipy, no I/O.

Arrays and data frames in, :class:`~healthgap.stats.results.StatResult` objects out.
Nothing in this package imports from the rest of healthgap except ``healthgap.errors``.
"""

from healthgap.stats.decompose import decompose_gap
from healthgap.stats.dsr import dsr
from healthgap.stats.funnel import funnel_limits, funnel_significance
from healthgap.stats.hle import healthy_life_expectancy
from healthgap.stats.inequality.gap import gap
from healthgap.stats.inequality.sii import sii
from healthgap.stats.inequality.summary_measures import inequality_measures
from healthgap.stats.isr import isr, smr
from healthgap.stats.life_table import life_expectancy
from healthgap.stats.mean import mean
from healthgap.stats.proportion import proportion
from healthgap.stats.quantiles import quantiles
from healthgap.stats.rates import crude_rate
from healthgap.stats.results import StatResult
from healthgap.stats.spc import spc
from healthgap.stats.standard_populations import StandardPopulation, standard_population
from healthgap.stats.welfare import ATKINSON_AVERSION_ENGLAND, KOLM_AVERSION_ENGLAND, atkinson, kolm

__all__ = [
    "ATKINSON_AVERSION_ENGLAND",
    "KOLM_AVERSION_ENGLAND",
    "StandardPopulation",
    "StatResult",
    "atkinson",
    "crude_rate",
    "decompose_gap",
    "dsr",
    "funnel_limits",
    "funnel_significance",
    "gap",
    "healthy_life_expectancy",
    "inequality_measures",
    "isr",
    "kolm",
    "life_expectancy",
    "mean",
    "proportion",
    "quantiles",
    "sii",
    "smr",
    "spc",
    "standard_population",
]
