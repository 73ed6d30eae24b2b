"""healthgap.stats — the statistics core: pure numpy/scipy, no I/O.

Arrays and data frames in, :class:`~healthgap.stats.results.StatResult` objects out.
Nothing in this package imports from the rest of healthgap except ``healthgap.errors``.

The names below are imported on first use: ``import healthgap.stats.intervals`` does not
load every method (and SciPy's optional parts) with it.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from healthgap.stats.welfare import (
        ATKINSON_AVERSION_ENGLAND,
        KOLM_AVERSION_ENGLAND,
        atkinson,
        kolm,
    )

#: Public name -> the module that defines it.
_MODULES: dict[str, str] = {
    "decompose_gap": "healthgap.stats.decompose",
    "dsr": "healthgap.stats.dsr",
    "funnel_limits": "healthgap.stats.funnel",
    "funnel_significance": "healthgap.stats.funnel",
    "healthy_life_expectancy": "healthgap.stats.hle",
    "gap": "healthgap.stats.inequality.gap",
    "sii": "healthgap.stats.inequality.sii",
    "inequality_measures": "healthgap.stats.inequality.summary_measures",
    "isr": "healthgap.stats.isr",
    "smr": "healthgap.stats.isr",
    "life_expectancy": "healthgap.stats.life_table",
    "mean": "healthgap.stats.mean",
    "proportion": "healthgap.stats.proportion",
    "quantiles": "healthgap.stats.quantiles",
    "crude_rate": "healthgap.stats.rates",
    "StatResult": "healthgap.stats.results",
    "spc": "healthgap.stats.spc",
    "StandardPopulation": "healthgap.stats.standard_populations",
    "standard_population": "healthgap.stats.standard_populations",
    "ATKINSON_AVERSION_ENGLAND": "healthgap.stats.welfare",
    "KOLM_AVERSION_ENGLAND": "healthgap.stats.welfare",
    "atkinson": "healthgap.stats.welfare",
    "kolm": "healthgap.stats.welfare",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'healthgap.stats' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Every name, the lazily imported ones included (``dir()``, notebook completion)."""
    return sorted(set(globals()) | set(_MODULES))


class _Package(types.ModuleType):
    """This package, whose public names are its functions even where a submodule has the
    same name (``dsr``, ``spc``, ``mean``, ...): importing ``healthgap.stats.dsr`` makes
    Python set the package's ``dsr`` to the module, which would hide the function that
    :func:`__getattr__` gives."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _MODULES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
