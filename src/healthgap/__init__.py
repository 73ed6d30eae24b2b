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
    StatResult,
    crude_rate,
    funnel_limits,
    funnel_significance,
    mean,
    proportion,
    quantiles,
)

__version__ = "0.1.0"

__all__ = [
    "HealthgapError",
    "InputError",
    "MethodWarning",
    "SchemaError",
    "StatResult",
    "SuppressionWarning",
    "__version__",
    "crude_rate",
    "funnel_limits",
    "funnel_significance",
    "mean",
    "proportion",
    "quantiles",
]
