"""healthgap: find, measure, fund and close health inequalities.

The public API analysts use in notebooks. Every statistic returns a
:class:`~healthgap.stats.results.StatResult`; call ``.to_frame()`` for the table.
"""

from healthgap.errors import (
    HealthgapError,
    InputError,
    MethodWarning,
    SchemaError,
    SuppressionWarning,
)
from healthgap.stats import (
    ATKINSON_AVERSION_ENGLAND,
    KOLM_AVERSION_ENGLAND,
    StandardPopulation,
    StatResult,
    atkinson,
    crude_rate,
    decompose_gap,
    dsr,
    funnel_limits,
    funnel_significance,
    gap,
    healthy_life_expectancy,
    inequality_measures,
    isr,
    kolm,
    life_expectancy,
    mean,
    proportion,
    quantiles,
    sii,
    smr,
    spc,
    standard_population,
)

__version__ = "0.1.0"

__all__ = [
    "ATKINSON_AVERSION_ENGLAND",
    "KOLM_AVERSION_ENGLAND",
    "HealthgapError",
    "InputError",
    "MethodWarning",
    "SchemaError",
    "StandardPopulation",
    "StatResult",
    "SuppressionWarning",
    "__version__",
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
