"""The WHO HEAT summary measures healthgap computes, by family (METHODS.md section 11).

Each :class:`Measure` names its kernel in :mod:`._heat_kernels` and, where one is
known, its analytic variance and the interval method; measures without one get Monte
Carlo limits. :data:`MEASURES` lists them in output order, family by family.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from healthgap.stats.inequality import _heat_kernels as k

NORMAL_EXACT = "Normal, exact variance"
NORMAL_DELTA = "Normal, delta-method variance"
NORMAL_QUADRATIC = "Normal, quadratic-form variance"
LOG_NORMAL = "Log-normal"


@dataclass(frozen=True)
class Measure:
    """One summary measure: its code, name, kernel and (if known) analytic variance."""

    code: str
    name: str
    complex: bool
    kernel: Callable[[k.Sample], np.ndarray] | None
    variance: Callable[[np.ndarray, np.ndarray, k.Layout], np.ndarray] | None = None
    method: str | None = None  # analytic method name; None means Monte Carlo
    relative: bool = False  # divides by the setting average


#: Simple measures: two subgroups, or each subgroup against the whole population.
PAIRWISE: tuple[Measure, ...] = (
    Measure("D", "Difference", False, k.difference, k.var_difference, NORMAL_EXACT),
    Measure("R", "Ratio", False, k.ratio, k.var_log_ratio, LOG_NORMAL),
    Measure("PAR", "Population attributable risk", False, k.par),
    Measure("PAF", "Population attributable fraction", False, k.paf, relative=True),
)
#: Regression-based measures across ordered subgroups (fitted by :mod:`.sii`).
REGRESSION: tuple[Measure, ...] = (
    Measure("SII", "Slope index of inequality", True, None),
    Measure("RII", "Relative index of inequality", True, None),
)
#: Concentration indices across ordered subgroups.
CONCENTRATION: tuple[Measure, ...] = (
    Measure("ACI", "Absolute concentration index", True, k.aci, k.var_aci, NORMAL_EXACT),
    Measure("RCI", "Relative concentration index", True, k.rci, k.var_rci, NORMAL_DELTA, True),
)
#: Variance-based measures across non-ordered subgroups.
VARIANCE: tuple[Measure, ...] = (
    Measure("BGV", "Between-group variance", True, k.bgv, k.var_bgv, NORMAL_QUADRATIC),
    Measure("BGSD", "Between-group standard deviation", True, k.bgsd),
    Measure("COV", "Coefficient of variation", True, k.cov, relative=True),
)
#: Mean differences from the mean, the best-performing or a reference subgroup.
MEAN_DIFFERENCE: tuple[Measure, ...] = (
    Measure("MDMU", "Mean difference from mean (unweighted)", True, k.mdmu),
    Measure("MDMW", "Mean difference from mean (weighted)", True, k.mdmw),
    Measure("MDBU", "Mean difference from best-performing subgroup (unweighted)", True, k.mdbu),
    Measure("MDBW", "Mean difference from best-performing subgroup (weighted)", True, k.mdbw),
    Measure("MDRU", "Mean difference from reference subgroup (unweighted)", True, k.mdru),
    Measure("MDRW", "Mean difference from reference subgroup (weighted)", True, k.mdrw),
)
#: Indices of disparity (relative mean differences).
DISPARITY: tuple[Measure, ...] = (
    Measure("IDISU", "Index of disparity (unweighted)", True, k.idisu, relative=True),
    Measure("IDISW", "Index of disparity (weighted)", True, k.idisw, relative=True),
)
#: Disproportionality (entropy) measures: each subgroup's share of health against its
#: share of the population.
DISPROPORTIONALITY: tuple[Measure, ...] = (
    Measure("MLD", "Mean log deviation", True, k.mld, k.var_mld, NORMAL_DELTA, True),
    Measure("TI", "Theil index", True, k.theil, k.var_theil, NORMAL_DELTA, True),
)
#: Every measure by code, in output order.
MEASURES: dict[str, Measure] = {
    m.code: m
    for family in (
        PAIRWISE,
        REGRESSION,
        CONCENTRATION,
        VARIANCE,
        MEAN_DIFFERENCE,
        DISPARITY,
        DISPROPORTIONALITY,
    )
    for m in family
}
ORDERED_MEASURES = ("D", "R", "PAR", "PAF", "SII", "RII", "ACI", "RCI")
NON_ORDERED_MEASURES = tuple(
    c for c in MEASURES if c not in ("SII", "RII", "ACI", "RCI")
)  # D, R, PAR, PAF, BGV, BGSD, COV, MD*, IDIS*, MLD, TI
REFERENCE_MEASURES = ("MDRU", "MDRW")
