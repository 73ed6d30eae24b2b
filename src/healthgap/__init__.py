"""healthgap: find, measure, fund and close health inequalities.

The public API analysts use in notebooks. Every statistic returns a
:class:`~healthgap.stats.results.StatResult`; call ``.to_frame()`` for the table.

The statistics are imported on first use (``healthgap.dsr`` loads SciPy then), so that
commands and modules that do not need them start quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from healthgap.errors import (
    HealthgapError,
    InputError,
    MethodWarning,
    SchemaError,
    SuppressionWarning,
)

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    # healthgap.stats itself re-exports lazily, so importing it here loads no method
    stats = importlib.import_module("healthgap.stats")
    if name in stats.__all__:
        value = getattr(stats, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'healthgap' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Every name, the statistics imported on first use included (``dir()``, notebook
    completion, and the docs test that finds the public functions)."""
    stats = importlib.import_module("healthgap.stats")
    return sorted(set(globals()) | set(stats.__all__))


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
