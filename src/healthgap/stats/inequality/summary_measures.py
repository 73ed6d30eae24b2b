"""WHO HEAT summary measures of health inequality (METHODS.md section 11).

One call computes every requested measure for every group (e.g. every area and year) from
disaggregated data: one row per subgroup with its estimate, population and standard error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError
from healthgap.stats import _schema as col
from healthgap.stats import intervals
from healthgap.stats._frames import Groups, InputFrame, normalise_group_by
from healthgap.stats._suppress import Suppression
from healthgap.stats._table import assemble
from healthgap.stats._validate import (
    RowChecks,
    confidence_levels,
    no_reserved_names,
    positive_number,
    whole_number,
)
from healthgap.stats.inequality import _heat_kernels as k
from healthgap.stats.inequality._summary_rows import Rows, read_rows
from healthgap.stats.results import StatResult

REFERENCES = (
    "Hosseinpoor AR, Nambiar D, Schlotheuber A, Reidpath D, Ross Z (2016). Health Equity "
    "Assessment Toolkit (HEAT): software for exploring and comparing health inequalities in "
    "countries. BMC Medical Research Methodology 16:141. doi:10.1186/s12874-016-0229-9.",
    "Schlotheuber A, Hosseinpoor AR (2022). Summary measures of health inequality: a review "
    "of existing measures and their application. International Journal of Environmental "
    "Research and Public Health 19(6):3697. doi:10.3390/ijerph19063697.",
    "World Health Organization (2024). Health inequality monitoring: harnessing data to "
    "advance health equity. Geneva: WHO (chapters 20-21).",
    "Ahn J, Harper S, Yu M, Feuer EJ, Liu B, Luta G (2018). Variance estimation and "
    "confidence intervals for 11 commonly used health disparity measures. JCO Clinical "
    "Cancer Informatics 2:1-19. doi:10.1200/CCI.18.00031.",
)

#: Default confidence level: HEAT reports 95% limits.
DEFAULT_CONFIDENCE: tuple[float, ...] = (0.95,)
#: Default Monte Carlo repetitions and seed (a fixed seed makes results reproducible).
DEFAULT_REPETITIONS = 10_000
DEFAULT_SEED = 20_160_057
#: Monte Carlo works on blocks of groups holding at most this many draws at once.
DRAWS_PER_BLOCK = 2_000_000

MEASURE = "measure"
MEASURE_NAME = "measure_name"
SETTING_AVERAGE = "setting_average"
SUBGROUPS = "subgroups"
APPLICABLE = "applicable"
NOTES = "notes"

NORMAL_EXACT = "Normal, exact variance"
NORMAL_DELTA = "Normal, delta-method variance"
NORMAL_QUADRATIC = "Normal, quadratic-form variance"
LOG_NORMAL = "Log-normal"


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    complex: bool
    kernel: Callable[[k.Sample], np.ndarray] | None
    variance: Callable[[np.ndarray, np.ndarray, k.Layout], np.ndarray] | None = None
    method: str | None = None  # analytic method name; None means Monte Carlo
    relative: bool = False  # divides by the setting average


MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        Measure("D", "Difference", False, k.difference, k.var_difference, NORMAL_EXACT),
        Measure("R", "Ratio", False, k.ratio, k.var_log_ratio, LOG_NORMAL),
        Measure("PAR", "Population attributable risk", False, k.par),
        Measure("PAF", "Population attributable fraction", False, k.paf, relative=True),
        Measure("SII", "Slope index of inequality", True, None),
        Measure("RII", "Relative index of inequality", True, None),
        Measure("ACI", "Absolute concentration index", True, k.aci, k.var_aci, NORMAL_EXACT),
        Measure("RCI", "Relative concentration index", True, k.rci, k.var_rci, NORMAL_DELTA, True),
        Measure("BGV", "Between-group variance", True, k.bgv, k.var_bgv, NORMAL_QUADRATIC),
        Measure("BGSD", "Between-group standard deviation", True, k.bgsd),
        Measure("COV", "Coefficient of variation", True, k.cov, relative=True),
        Measure("MDMU", "Mean difference from mean (unweighted)", True, k.mdmu),
        Measure("MDMW", "Mean difference from mean (weighted)", True, k.mdmw),
        Measure("MDBU", "Mean difference from best-performing subgroup (unweighted)", True, k.mdbu),
        Measure("MDBW", "Mean difference from best-performing subgroup (weighted)", True, k.mdbw),
        Measure("MDRU", "Mean difference from reference subgroup (unweighted)", True, k.mdru),
        Measure("MDRW", "Mean difference from reference subgroup (weighted)", True, k.mdrw),
        Measure("IDISU", "Index of disparity (unweighted)", True, k.idisu, relative=True),
        Measure("IDISW", "Index of disparity (weighted)", True, k.idisw, relative=True),
        Measure("MLD", "Mean log deviation", True, k.mld, k.var_mld, NORMAL_DELTA, True),
        Measure("TI", "Theil index", True, k.theil, k.var_theil, NORMAL_DELTA, True),
    )
}
ORDERED_MEASURES = ("D", "R", "PAR", "PAF", "SII", "RII", "ACI", "RCI")
NON_ORDERED_MEASURES = tuple(
    c for c in MEASURES if c not in ("SII", "RII", "ACI", "RCI")
)  # D, R, PAR, PAF, BGV, BGSD, COV, MD*, IDIS*, MLD, TI
REFERENCE_MEASURES = ("MDRU", "MDRW")


def inequality_measures(
    data: Any,
    value: str,
    population: str,
    subgroup: str,
    group_by: str | Sequence[str] | None = None,
    *,
    favourable: bool,
    ordered: bool = False,
    order: str | None = None,
    reference_subgroup: Any = None,
    se: str | None = None,
    lower: str | None = None,
    upper: str | None = None,
    setting_average: str | None = None,
    proportion_scale: float | None = None,
    entropy_multiplier: float = 1000,
    measures: str | Iterable[str] | None = None,
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
    repetitions: int = DEFAULT_REPETITIONS,
    seed: int | None = DEFAULT_SEED,
    on_invalid: str = "raise",
) -> StatResult:
    """WHO HEAT summary measures of inequality between the subgroups of each group.

    ``data`` has one row per subgroup (e.g. IMD quintile, ethnic group, region) within
    each group (e.g. area and year), with the subgroup's estimate ``value``, its
    ``population`` and, for confidence limits, a standard error ``se`` or 95% limits
    ``lower``/``upper`` (then se = (upper - lower) / (2 x 1.959964)).

    With population shares p_j (sum 1), setting average mu (the ``setting_average``
    column where given, else sum p_j y_j) and, for ordered dimensions, ridits
    X_j = sum_{k<j} p_k + p_j/2 from the most disadvantaged subgroup (order 1):

    * D = y_a - y_b and R = y_a / y_b, oriented so that a positive D (R > 1) means the
      comparison subgroup is worse off. Ordered: most advantaged vs most disadvantaged;
      non-ordered: highest vs lowest estimate; with ``reference_subgroup``: the reference
      vs the worst-performing other subgroup.
    * PAR = y_ref - mu, floored at 0 for favourable and capped at 0 for adverse
      indicators, with y_ref the most advantaged (ordered), the reference or else the
      best-performing subgroup; PAF = 100 PAR / mu.
    * SII, RII (ordered): population-weighted regression on X, read at X = 1 and X = 0.
      With ``proportion_scale`` (percentages: 100) a logistic model, SII = scale
      (pi(1) - pi(0)), RII = pi(1) / pi(0); otherwise SII is the weighted least-squares
      slope and RII = exp(b) from a log-linear (Poisson) model.
    * ACI = sum p_j (2 X_j - 1) y_j; RCI = 100 ACI / mu.
    * BGV = sum p_j (y_j - mu)^2; BGSD = sqrt(BGV); COV = 100 BGSD / mu.
    * MDMU = (1/J) sum |y_j - mu|, MDMW = sum p_j |y_j - mu|; MDBU/MDBW the same from
      the best-performing subgroup, MDRU/MDRW from the reference subgroup.
    * IDISU = 100 MDMU / mu; IDISW = 100 MDMW / mu.
    * MLD = sum p_j (-ln(y_j / mu)); TI = sum p_j (y_j/mu) ln(y_j/mu); both times
      ``entropy_multiplier`` (1000, as HEAT shows them). y_j = 0 adds 0 to TI (the limit
      of t ln t) and makes MLD undefined (suppressed).

    SII, RII, ACI and RCI are positive (RII above 1) when the indicator is higher in more
    advantaged subgroups, whatever the indicator's direction; the ``notes`` column says in
    words what the sign means for this indicator.

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table), one row per subgroup per group.
    value, population, subgroup:
        Columns of the subgroup estimate, its population (0 or more) and its label.
    group_by:
        Column(s) defining the groups (settings); ``None`` treats all rows as one group.
    favourable:
        True when higher values are better (e.g. screening coverage), False when lower
        values are better (e.g. mortality). Required: it orients D, R, PAR, PAF and MDB.
    ordered, order:
        ``ordered=True`` for a dimension with a natural order (deprivation, education),
        with ``order`` the column of ranks: 1 = most disadvantaged, higher = more
        advantaged (gaps allowed, no repeats within a group).
    reference_subgroup:
        Label of a reference subgroup for a non-ordered dimension (compared with
        ``str()``); used by D, R, PAR, PAF and required by MDRU/MDRW.
    se, lower, upper:
        Standard-error column, or columns of 95% limits of the subgroup estimates. Without
        them the measures have no confidence limits.
    setting_average:
        Column of the reported setting average (one value per group); empty cells fall
        back to the population-weighted mean.
    proportion_scale:
        For proportions, their scale (100 for percentages, 1 for fractions): SII and RII
        then come from a logistic model and estimates must lie in [0, scale].
    entropy_multiplier:
        MLD and TI are multiplied by this (default 1000).
    measures:
        Codes to compute (see above); default every measure that applies to the
        dimension, with MDRU/MDRW only when ``reference_subgroup`` is given.
    confidence:
        One level or several, each in (0, 1) or as a percentage (95); default 0.95.
    repetitions, seed:
        Monte Carlo draws (at least 100; default 10,000) and the seed of
        ``numpy.random.default_rng`` (fixed by default so results repeat; ``None`` for
        fresh randomness).
    on_invalid:
        ``"raise"`` (default) or ``"suppress"``: text or infinite values, negative
        populations or standard errors, upper limits below lower limits, estimates outside
        ``[0, proportion_scale]`` and ranks that are not whole numbers raise, or suppress
        their group's rows with the reason (docs/methods/options.md).

    Returns
    -------
    StatResult
        ``to_frame()`` has one row per group and measure: the group columns, ``measure``,
        ``measure_name``, ``value``, ``lower_95_0``, ``upper_95_0`` (one pair per level),
        ``method``, ``setting_average``, ``subgroups``, ``applicable``, ``suppressed``,
        ``suppression_reason`` and ``notes``.

    Confidence limits
    -----------------
    Analytic where a closed form exists: D normal with Var = se_a^2 + se_b^2; R
    log-normal with Var(ln R) = (se_a/y_a)^2 + (se_b/y_b)^2; ACI and linear SII normal
    with their exact variance (both linear in y); BGV normal with the exact variance of
    the quadratic form (Ahn et al. 2018); RCI, MLD and TI normal with delta-method
    variances. Every other measure (PAR, PAF, logistic SII, RII, BGSD, COV, MD*, IDIS*)
    uses Monte Carlo: ``repetitions`` draws y*_j ~ N(y_j, se_j^2) for all groups at once,
    the measure recomputed from each draw (best-performing subgroups chosen afresh,
    proportions clipped to [0, scale] and rates at 0 for the regression fits), limits at
    the order statistics round(R alpha/2) and round(R (1 - alpha/2)).

    Applicability and suppression
    -----------------------------
    Measures that do not apply to the dimension (e.g. BGV for an ordered one) are not
    computed; asking for one is an error. Complex measures (all but D, R, PAR, PAF) need 3
    or more subgroups: in smaller groups their row has ``applicable=False`` and NaN. A row
    is suppressed (NaN, a reason, one combined ``SuppressionWarning``) when a subgroup's
    estimate or population is missing, the population is 0, the group has one subgroup,
    the reference subgroup is absent from the group, a relative measure's setting average
    is 0 or negative, R's denominator is 0 or negative, any estimate is 0 or negative
    (MLD) or negative (TI, RII), or a regression has no finite fit. A missing standard
    error leaves the value and gives NaN limits, with a note.

    References
    ----------
    Hosseinpoor AR et al. (2016) BMC Med Res Methodol 16:141; Schlotheuber A, Hosseinpoor
    AR (2022) Int J Environ Res Public Health 19(6):3697; WHO (2024) Health inequality
    monitoring; Ahn J et al. (2018) JCO Clin Cancer Inform 2:1-19.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({
    ...     "quintile": [1, 2, 3, 4, 5],
    ...     "screened": [60.0, 65.0, 70.0, 74.0, 80.0],
    ...     "pop": [1000, 1000, 1000, 1000, 1000],
    ... })
    >>> out = healthgap.inequality_measures(
    ...     df, "screened", "pop", "quintile", favourable=True, ordered=True,
    ...     order="quintile", measures=["D", "R", "ACI", "PAR"],
    ... ).to_frame()
    >>> out[["measure", "value"]].round(4)
      measure    value
    0       D  20.0000
    1       R   1.3333
    2     PAR  10.2000
    3     ACI   3.9200
    """
    fav = _boolean(favourable, "favourable", "True (higher is better) or False")
    is_ordered = _boolean(ordered, "ordered", "True for a ranked dimension")
    levels = confidence_levels(confidence)
    reps = _repetitions(repetitions, levels)
    seed = _seed(seed)
    scale = (
        None
        if proportion_scale is None
        else positive_number(proportion_scale, "proportion_scale", "100")
    )
    e_mult = positive_number(entropy_multiplier, "entropy_multiplier", "1000")
    _check_dimension_arguments(is_ordered, order, reference_subgroup)
    codes = _measure_codes(measures, is_ordered, reference_subgroup)
    if se is not None and (lower is not None or upper is not None):
        raise InputError(
            f"se must not be given together with lower and upper; got se={se!r}, "
            f"lower={lower!r}, upper={upper!r}. Pass either standard errors or 95% limits."
        )
    if (lower is None) != (upper is None):
        raise InputError(
            f"lower and upper must be given together; got lower={lower!r}, upper={upper!r}. "
            "Pass both 95% limit columns, or se."
        )

    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    optional = {"order": order, "se": se, "lower": lower, "upper": upper}
    optional["setting_average"] = setting_average
    named = [(c, r) for r, c in optional.items() if c is not None]
    frame.require(
        [value, population, subgroup, *keys, *(c for c, _ in named)],
        ["value", "population", "subgroup"] + ["group_by"] * len(keys) + [r for _, r in named],
    )
    if len(frame) == 0:
        raise InputError(
            "data must have at least one row per subgroup; got an empty table. "
            "Check the filter that produced it."
        )
    if subgroup in keys:
        raise InputError(
            f"subgroup column must not also be a group_by column; got {subgroup!r} in both. "
            "group_by names the settings (e.g. area, year); subgroup the groups compared."
        )
    no_reserved_names(keys, _output_columns(levels))

    checks = RowChecks(frame, keys, on_invalid)
    rows = read_rows(checks, value, population, subgroup, order, se, lower, upper, scale)
    groups = Groups.of(frame, keys)
    if setting_average is not None:
        mu_rows = checks.numbers(setting_average, "setting_average", non_negative=False)
        mu_given = _one_per_group(frame, groups, mu_rows, setting_average, keys)
    else:
        mu_given = np.full(groups.n, np.nan)

    grid = _layout(frame, groups, rows, subgroup, keys, is_ordered, order)
    ref_pos = _reference_positions(grid, reference_subgroup, subgroup)
    lay = _build_layout(grid, mu_given, fav, is_ordered, ref_pos, e_mult, scale)
    computed = _compute(grid, lay, codes, levels, reps, seed, scale, has_se=rows.se is not None)
    notes = _direction_notes(grid, lay, codes, fav, is_ordered, ref_pos, e_mult, scale)
    return _result(
        frame, groups, keys, grid, lay, codes, levels, computed, notes, ref_pos,
        reference_subgroup, reps, seed, scale, e_mult, fav, is_ordered, rows.se is not None,
        checks.groups(groups.codes, groups.n),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------


def _boolean(value: Any, name: str, meaning: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise InputError(
            f"{name} must be {meaning}; got {value!r}. Pass {name}=True or {name}=False."
        )
    return bool(value)


def _repetitions(value: Any, levels: tuple[float, ...]) -> int:
    r = whole_number(value, "repetitions", 100, "10_000")
    for c in levels:
        lo, hi = k.limit_ranks(r, c)
        if lo < 1 or lo >= hi:
            need = r
            while (
                k.limit_ranks(need, c)[0] < 1
                or k.limit_ranks(need, c)[0] >= (k.limit_ranks(need, c)[1])
            ):
                need += 1
            raise InputError(
                f"repetitions must be at least {need} for {c:g} confidence limits (the lower "
                f"limit is draw number round(R alpha/2)); got {r}. Use e.g. repetitions=10_000."
            )
    return r


def _seed(value: Any) -> int | None:
    return None if value is None else whole_number(value, "seed", 0, "2024")


def _check_dimension_arguments(is_ordered: bool, order: str | None, reference: Any) -> None:
    if is_ordered and order is None:
        raise InputError(
            "order must name the column of subgroup ranks when ordered=True; got None. "
            "Pass e.g. order='imd_quintile' (1 = most disadvantaged)."
        )
    if not is_ordered and order is not None:
        raise InputError(
            f"ordered must be True when an order column is given; got ordered=False with "
            f"order={order!r}. Pass ordered=True, or drop order for a non-ordered dimension."
        )
    if is_ordered and reference is not None:
        raise InputError(
            f"reference_subgroup must be None for an ordered dimension; got {reference!r}. "
            "Ordered dimensions compare the most advantaged and most disadvantaged subgroups."
        )


def _measure_codes(measures: Any, is_ordered: bool, reference: Any) -> list[str]:
    allowed = ORDERED_MEASURES if is_ordered else NON_ORDERED_MEASURES
    kind = "an ordered" if is_ordered else "a non-ordered"
    if measures is None:
        wanted = [c for c in allowed if reference is not None or c not in REFERENCE_MEASURES]
    else:
        wanted = [measures] if isinstance(measures, str) else list(measures)
        if not wanted:
            raise InputError(
                "measures must name at least one measure; got an empty list. "
                "Leave measures=None for every measure that applies."
            )
        for code in wanted:
            if code not in MEASURES:
                raise InputError(
                    f"measures must be codes from {', '.join(MEASURES)}; got {code!r}. "
                    "Codes are upper case, e.g. measures=['D', 'R']."
                )
            if code not in allowed:
                raise InputError(
                    f"measures must apply to {kind} dimension; got {code!r}. For {kind} "
                    f"dimension use {', '.join(allowed)}."
                )
        if len(set(wanted)) != len(wanted):
            raise InputError(
                f"measures must not repeat a code; got {wanted}. List each measure once."
            )
        needs_ref = [c for c in wanted if c in REFERENCE_MEASURES]
        if needs_ref and reference is None:
            raise InputError(
                f"reference_subgroup must be given for {' and '.join(needs_ref)}; got None. "
                "Name the reference subgroup, e.g. reference_subgroup='White British'."
            )
    return [c for c in MEASURES if c in wanted]  # canonical order


def _output_columns(levels: Sequence[float]) -> list[str]:
    return [
        MEASURE,
        MEASURE_NAME,
        col.VALUE,
        *col.limit_columns(levels),
        col.METHOD,
        SETTING_AVERAGE,
        SUBGROUPS,
        APPLICABLE,
        col.SUPPRESSED,
        col.SUPPRESSION_REASON,
        NOTES,
    ]


# ---------------------------------------------------------------------------------------
# Reading the rows
# ---------------------------------------------------------------------------------------


def _one_per_group(
    frame: InputFrame, groups: Groups, values: np.ndarray, column: str, keys: list[str]
) -> np.ndarray:
    """The one non-empty value of a per-group column (NaN where all are empty)."""
    series = pd.Series(values).groupby(groups.codes)
    lo = series.min().reindex(range(groups.n)).to_numpy(dtype=float)
    hi = series.max().reindex(range(groups.n)).to_numpy(dtype=float)
    bad = np.flatnonzero(lo != hi)  # NaN compares unequal only when one side is NaN
    bad = bad[~(np.isnan(lo[bad]) & np.isnan(hi[bad]))]
    if bad.size:
        g = int(bad[0])
        raise InputError(
            f"setting_average column {column!r} must hold one value per group; got "
            f"{lo[g]:g} and {hi[g]:g} in {groups.describe(g)}. Give each group's reported "
            "average on every row (or leave it empty to use the population-weighted mean)."
        )
    return lo


# ---------------------------------------------------------------------------------------
# Padded (G, J) layout
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    y: np.ndarray  # (G, J) estimates, NaN in padding
    s: np.ndarray  # (G, J) standard errors (NaN where missing or not given)
    pop: np.ndarray  # (G, J) populations (NaN where missing, 0 in padding)
    labels: np.ndarray  # (G, J) subgroup labels as str ("" in padding)
    mask: np.ndarray  # (G, J)
    n: np.ndarray  # (G,) subgroups per group


def _layout(
    frame: InputFrame,
    groups: Groups,
    rows: Rows,
    subgroup: str,
    keys: list[str],
    is_ordered: bool,
    order_column: str | None,
) -> Grid:
    labels = frame.df[subgroup].astype(str).to_numpy(dtype=object).astype(str)
    codes = groups.codes
    _no_repeats(frame, groups, codes, labels, subgroup, keys, "subgroup")
    if is_ordered:
        assert rows.rank is not None
        perm = np.lexsort((rows.rank, codes))
        _no_repeats(frame, groups, codes, rows.rank, order_column, keys, "order")
    else:
        perm = np.lexsort((labels, codes))
    n = np.bincount(codes, minlength=groups.n)
    start = np.concatenate(([0], np.cumsum(n)[:-1]))
    c = codes[perm]
    pos = np.arange(len(perm)) - start[c]
    width = int(n.max()) if n.size else 0
    shape = (groups.n, width)
    y = np.full(shape, np.nan)
    s = np.full(shape, np.nan)
    pop = np.zeros(shape)
    lab = np.full(shape, "", dtype=object)
    mask = np.zeros(shape, dtype=bool)
    y[c, pos] = rows.y[perm]
    if rows.se is not None:
        s[c, pos] = rows.se[perm]
    pop[c, pos] = rows.pop[perm]
    lab[c, pos] = labels[perm]
    mask[c, pos] = True
    return Grid(y=y, s=s, pop=pop, labels=lab, mask=mask, n=n)


def _no_repeats(
    frame: InputFrame,
    groups: Groups,
    codes: np.ndarray,
    values: np.ndarray,
    column: str | None,
    keys: list[str],
    role: str,
) -> None:
    perm = np.lexsort((values, codes))
    same = (codes[perm][1:] == codes[perm][:-1]) & (values[perm][1:] == values[perm][:-1])
    if not same.any():
        return
    i = int(np.flatnonzero(same)[0])
    first, second = int(perm[i]), int(perm[i + 1])
    where = groups.describe(int(codes[first]))
    if role == "subgroup":
        raise InputError(
            f"subgroup column {column!r} must name each subgroup once per group; got "
            f"{str(values[first])!r} twice in {where} (rows {min(first, second) + 1} and "
            f"{max(first, second) + 1}). Aggregate those rows first, or add the column that "
            "tells them apart to group_by."
        )
    raise InputError(
        f"order column {column!r} must give each subgroup its own rank within a group; got rank "
        f"{values[first]:g} twice in {where} (rows {min(first, second) + 1} and "
        f"{max(first, second) + 1}). Rank the subgroups 1, 2, 3, ... without repeats."
    )


def _reference_positions(grid: Grid, reference: Any, subgroup: str) -> np.ndarray:
    """Position of the reference subgroup in each group (-1 where absent or not given)."""
    if reference is None:
        return np.full(grid.n.shape, -1)
    hit = grid.mask & (grid.labels == str(reference))
    if not hit.any():
        present = sorted(set(grid.labels[grid.mask].tolist()))
        listed = ", ".join(repr(p) for p in present[:8]) + (" ..." if len(present) > 8 else "")
        raise InputError(
            f"reference_subgroup must be one of the subgroups in column {subgroup!r}; got "
            f"{reference!r}. Subgroups are: {listed}."
        )
    return np.where(hit.any(axis=1), np.argmax(hit, axis=1), -1)


def _build_layout(
    grid: Grid,
    mu_given: np.ndarray,
    favourable: bool,
    is_ordered: bool,
    ref_pos: np.ndarray,
    entropy_multiplier: float,
    scale: float | None,
) -> k.Layout:
    pop = np.nan_to_num(grid.pop)
    total = pop.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(total > 0, pop / total, 0.0)
    ridit = np.where(grid.mask, np.cumsum(w, axis=1) - w / 2.0, 0.0)
    last = np.maximum(grid.n - 1, 0)
    y_hi = np.where(grid.mask, grid.y, -np.inf)
    y_lo = np.where(grid.mask, grid.y, np.inf)
    if is_ordered:
        adv, dis = last, np.zeros_like(last)
        a, b = (adv, dis) if favourable else (dis, adv)
        ref = adv
    elif (ref_pos < 0).all():
        a, b = (
            np.argmax(np.nan_to_num(y_hi, nan=-np.inf), axis=1),
            np.argmin(np.nan_to_num(y_lo, nan=np.inf), axis=1),
        )
        ref = np.full(grid.n.shape, -1)
    else:
        rows = np.arange(grid.n.size)
        others_hi, others_lo = y_hi.copy(), y_lo.copy()
        others_hi[rows, np.maximum(ref_pos, 0)] = -np.inf
        others_lo[rows, np.maximum(ref_pos, 0)] = np.inf
        worst = (
            np.argmin(np.nan_to_num(others_lo, nan=np.inf), axis=1)
            if favourable
            else np.argmax(np.nan_to_num(others_hi, nan=-np.inf), axis=1)
        )
        a, b = (ref_pos, worst) if favourable else (worst, ref_pos)
        ref = ref_pos
    return k.Layout(
        w=w,
        mask=grid.mask,
        n=grid.n,
        ridit=ridit,
        mu_given=mu_given,
        a=np.asarray(a),
        b=np.asarray(b),
        ref=np.asarray(ref),
        favourable=favourable,
        entropy_multiplier=entropy_multiplier,
        proportion_scale=scale,
    )


# ---------------------------------------------------------------------------------------
# Values and limits
# ---------------------------------------------------------------------------------------


@dataclass
class Computed:
    value: dict[str, np.ndarray]
    limits: dict[str, dict[float, tuple[np.ndarray, np.ndarray]]]
    method: dict[str, str]
    reason: dict[str, list[tuple[np.ndarray, str]]]
    note: dict[str, list[tuple[np.ndarray, str]]]


def _kernel(code: str, scale: float | None) -> Callable[[k.Sample], np.ndarray]:
    if code == "SII":
        return k.sii_logistic if scale is not None else k.sii_linear
    if code == "RII":
        return k.rii_logistic if scale is not None else k.rii_poisson
    kernel = MEASURES[code].kernel
    assert kernel is not None
    return kernel


def _analytic(code: str, scale: float | None) -> tuple[Any, str] | None:
    if code == "SII" and scale is None:
        return k.var_sii_linear, NORMAL_EXACT
    m = MEASURES[code]
    if m.variance is not None and m.method is not None:
        return m.variance, m.method
    return None


def _compute(
    grid: Grid,
    lay: k.Layout,
    codes: list[str],
    levels: tuple[float, ...],
    reps: int,
    seed: int | None,
    scale: float | None,
    has_se: bool,
) -> Computed:
    out = Computed(value={}, limits={}, method={}, reason={}, note={})
    y, s = grid.y, grid.s
    observed = k.Sample(y, lay)
    mu = observed.mu

    def any_y(cond: np.ndarray) -> np.ndarray:
        return np.any(grid.mask & cond, axis=1)

    se_ok = ~any_y(np.isnan(s))
    mc_codes = [c for c in codes if _analytic(c, scale) is None]
    for code in codes:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out.value[code] = _kernel(code, scale)(observed)
        reasons: list[tuple[np.ndarray, str]] = []
        notes: list[tuple[np.ndarray, str]] = []
        if MEASURES[code].relative:
            reasons.append((~(mu > 0), "setting average is 0 or negative"))
        if code == "R":
            yb = k.pick(y, lay.b)
            reasons.append((k.pick(y, lay.a) < 0, "R needs estimates of 0 or more"))
            reasons.append((~(yb > 0), "R is undefined: the denominator estimate is 0"))
        if code == "MLD":
            reasons.append((any_y(~(y > 0)), "MLD needs every subgroup estimate above 0"))
        if code == "TI":
            reasons.append((any_y(y < 0), "TI needs subgroup estimates of 0 or more"))
        if code == "RII" and scale is None:
            reasons.append((any_y(y < 0), "RII needs subgroup estimates of 0 or more"))
        if code in ("SII", "RII"):
            reasons.append((~np.isfinite(out.value[code]), "the regression has no finite fit"))
        out.reason[code] = reasons
        analytic = _analytic(code, scale)
        if analytic is not None:
            variance, method = analytic
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                var = variance(y, s, lay)
                out.limits[code] = {
                    c: _normal_limits(code, out.value[code], var, c) for c in levels
                }
            out.method[code] = method
            if code == "R":
                notes.append(
                    (se_ok & (k.pick(y, lay.a) == 0), "no limits: R is 0, limits need both > 0")
                )
            if code == "TI":
                notes.append((se_ok & any_y(y == 0), "no limits: an estimate is 0"))
        else:
            out.method[code] = f"Monte Carlo ({reps:,} draws)"
        if not has_se:
            notes.append((np.ones(grid.n.shape, dtype=bool), "no limits: no standard errors"))
        else:
            notes.append((~se_ok, "no limits: a standard error is missing"))
        out.note[code] = notes
    if mc_codes and has_se:
        mc = _monte_carlo(grid, lay, mc_codes, levels, reps, seed, scale)
        out.limits.update(mc)
        for code in mc_codes:
            lost = se_ok & np.isfinite(out.value[code]) & np.isnan(mc[code][levels[0]][0])
            out.note[code].append((lost, "no limits: some Monte Carlo draws gave no value"))
    for code in codes:
        if code not in out.limits:
            nan = np.full(grid.n.shape, np.nan)
            out.limits[code] = dict.fromkeys(levels, (nan, nan))
        for c in levels:
            lo, hi = out.limits[code][c]
            out.limits[code][c] = (np.where(se_ok, lo, np.nan), np.where(se_ok, hi, np.nan))
    return out


def _normal_limits(
    code: str, value: np.ndarray, var: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    z = intervals.z_value(confidence)
    half = z * np.sqrt(var)
    if code == "R":
        log_r = np.log(value)
        return np.exp(log_r - half), np.exp(log_r + half)
    return value - half, value + half


def _monte_carlo(
    grid: Grid,
    lay: k.Layout,
    codes: list[str],
    levels: tuple[float, ...],
    reps: int,
    seed: int | None,
    scale: float | None,
) -> dict[str, dict[float, tuple[np.ndarray, np.ndarray]]]:
    """Draw y*_j ~ N(y_j, s_j^2) for blocks of groups and all repetitions at once."""
    n_groups, width = grid.y.shape
    # Common random numbers: the j-th subgroup of every group uses the same standard
    # normal draws (drawn subgroup by subgroup), so a group's limits depend only on its
    # own data, the seed and R, not on the other groups or on how they are blocked.
    z = np.ascontiguousarray(np.random.default_rng(seed).standard_normal((width, reps)).T)
    block = max(1, DRAWS_PER_BLOCK // max(1, reps * max(width, 1)))
    out = {
        code: {c: (np.full(n_groups, np.nan), np.full(n_groups, np.nan)) for c in levels}
        for code in codes
    }
    kernels = {code: _kernel(code, scale) for code in codes}
    for start in range(0, n_groups, block):
        rows = slice(start, min(start + block, n_groups))
        sub = lay.take(rows)
        mean, sd = grid.y[rows], np.nan_to_num(grid.s[rows])
        draws = k.Sample(mean + sd * z[:, None, :], sub)
        for code in codes:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                stat = kernels[code](draws)
            for c in levels:
                lo, hi = k.order_statistic_limits(stat, c)
                out[code][c][0][rows] = lo
                out[code][c][1][rows] = hi
    return out


# ---------------------------------------------------------------------------------------
# Notes in words
# ---------------------------------------------------------------------------------------


def _direction_notes(
    grid: Grid,
    lay: k.Layout,
    codes: list[str],
    favourable: bool,
    is_ordered: bool,
    ref_pos: np.ndarray,
    e_mult: float,
    scale: float | None,
) -> dict[str, np.ndarray]:
    """One plain-language note per group and measure (vectorised string building)."""
    g = grid.n.size

    def label(idx: np.ndarray) -> pd.Series:
        return pd.Series(grid.labels[np.arange(g), np.maximum(idx, 0)], dtype=object)

    la, lb = label(lay.a), label(lay.b)
    worse = lb if favourable else la
    notes: dict[str, pd.Series] = {}
    notes["D"] = la + " minus " + lb + "; positive means " + worse + " is worse off"
    notes["R"] = la + " divided by " + lb + "; above 1 means " + worse + " is worse off"
    if is_ordered:
        kind = " (most advantaged)"
    elif (ref_pos >= 0).any():
        kind = " (reference subgroup)"
    else:
        kind = " (best-performing subgroup)"
    if is_ordered or (ref_pos >= 0).any():
        ref_text = "reference point " + label(lay.ref) + kind
    else:
        ref_text = pd.Series(["reference point: the best-performing subgroup"] * g, dtype=object)
    sign = "0 or more" if favourable else "0 or less"
    notes["PAR"] = ref_text + f"; {sign} by definition"
    notes["PAF"] = ref_text + "; per cent of the setting average"
    higher = "higher among the more advantaged"
    gap = (
        f"positive = {higher} (the disadvantaged worse off for this favourable indicator)"
        if favourable
        else f"negative = higher among the more disadvantaged (the disadvantaged worse off "
        f"for this adverse indicator); positive = {higher}"
    )
    model = "logistic" if scale is not None else "linear"
    rii_model = "logistic" if scale is not None else "log-linear (Poisson)"
    dis, adv = label(np.zeros(g, dtype=int)), label(np.maximum(grid.n - 1, 0))
    ranks = "ranks from " + dis + " (X = 0) to " + adv + " (X = 1); "
    notes["SII"] = ranks + f"{model} model; " + gap
    notes["RII"] = (
        ranks
        + f"{rii_model} model; "
        + gap.replace("positive", "above 1").replace("negative", "below 1")
    )
    notes["ACI"] = pd.Series([gap] * g, dtype=object)
    notes["RCI"] = pd.Series([gap + "; x 100"] * g, dtype=object)
    best_idx = np.argmax(np.where(grid.mask, grid.y if favourable else -grid.y, -np.inf), axis=1)
    notes["MDBU"] = "best-performing subgroup " + label(best_idx)
    notes["MDBW"] = notes["MDBU"]
    if (ref_pos >= 0).any():
        notes["MDRU"] = "reference subgroup " + label(ref_pos)
        notes["MDRW"] = notes["MDRU"]
    for code in ("COV", "IDISU", "IDISW"):
        notes[code] = pd.Series(["per cent of the setting average"] * g, dtype=object)
    for code in ("MLD", "TI"):
        notes[code] = pd.Series([f"x {e_mult:g}"] * g, dtype=object)
    return {
        c: notes[c].to_numpy(dtype=object) if c in notes else np.full(g, None, dtype=object)
        for c in codes
    }


# ---------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------


def _result(
    frame: InputFrame,
    groups: Groups,
    keys: list[str],
    grid: Grid,
    lay: k.Layout,
    codes: list[str],
    levels: tuple[float, ...],
    computed: Computed,
    direction: dict[str, np.ndarray],
    ref_pos: np.ndarray,
    reference: Any,
    reps: int,
    seed: int | None,
    scale: float | None,
    e_mult: float,
    favourable: bool,
    is_ordered: bool,
    has_se: bool,
    invalid: list[tuple[str, np.ndarray]],
) -> StatResult:
    g, m = groups.n, len(codes)
    row_keys = groups.keys.loc[np.repeat(np.arange(g), m)].reset_index(drop=True)
    row_keys[MEASURE] = np.tile(np.array(codes, dtype=object), g)
    rows = Groups(codes=np.arange(g * m), keys=row_keys, columns=[*keys, MEASURE])

    def stack(per_code: Callable[[str], np.ndarray], dtype: Any = float) -> np.ndarray:
        return np.stack([np.asarray(per_code(c), dtype=dtype) for c in codes], axis=1).ravel()

    applicable_gm = np.stack(
        [np.full(g, True) if not MEASURES[c].complex else grid.n >= 3 for c in codes], axis=1
    )
    applicable = applicable_gm.ravel()
    suppression = Suppression(rows)
    mask = grid.mask
    group_flags = [
        *((hit, reason) for reason, hit in invalid),  # on_invalid="suppress": first of all
        (np.any(mask & np.isnan(grid.y), axis=1), "estimate is missing for a subgroup"),
        (np.any(mask & np.isnan(grid.pop), axis=1), "population is missing for a subgroup"),
        (np.nansum(grid.pop, axis=1) <= 0, "population is 0"),
        (grid.n < 2, "fewer than 2 subgroups"),
    ]
    for flag, reason in group_flags:
        suppression.flag(np.repeat(flag, m) & applicable, reason)
    if reference is not None:
        missing_ref = np.repeat(ref_pos < 0, m)
        uses_ref = np.tile(np.isin(codes, ["D", "R", "PAR", "PAF", *REFERENCE_MEASURES]), g)
        suppression.flag(
            missing_ref & uses_ref & applicable,
            f"reference subgroup {str(reference)!r} is not in this group",
        )
    for j, code in enumerate(codes):
        for flag, reason in computed.reason[code]:
            full = np.zeros((g, m), dtype=bool)
            full[:, j] = flag
            suppression.flag(full.ravel() & applicable, reason)

    value = stack(lambda c: computed.value[c])
    limits = {
        lvl: (
            np.stack([computed.limits[c][lvl][0] for c in codes], axis=1).ravel(),
            np.stack([computed.limits[c][lvl][1] for c in codes], axis=1).ravel(),
        )
        for lvl in levels
    }
    value[~applicable] = np.nan
    for lo, hi in limits.values():
        lo[~applicable] = np.nan
        hi[~applicable] = np.nan
    method = stack(lambda c: np.full(g, computed.method[c], dtype=object), object)
    method[~applicable] = None

    notes = stack(lambda c: direction[c], object)
    for j, code in enumerate(codes):
        for flag, text in computed.note[code]:
            idx = np.flatnonzero(flag) * m + j
            notes[idx] = [text if n is None else f"{n}; {text}" for n in notes[idx]]
    na = np.flatnonzero(~applicable)
    notes[na] = [f"not applicable: needs 3 or more subgroups; this group has {n}" for n in
                 np.repeat(grid.n, m)[na]]  # fmt: skip
    with np.errstate(invalid="ignore"):
        mu = k.setting_average(grid.y, lay)
    table = assemble(
        rows,
        {MEASURE_NAME: np.tile(np.array([MEASURES[c].name for c in codes], dtype=object), g)},
        value,
        limits,
        suppression,
        method=method,
        extra={
            SETTING_AVERAGE: np.repeat(mu, m),
            SUBGROUPS: np.repeat(grid.n, m),
            APPLICABLE: applicable,
        },
    )
    table[NOTES] = pd.Series(notes, dtype=object)
    table = table[[*keys, *_output_columns(levels)]]
    suppression.warn("inequality_measures", unit="row")
    notes_result = []
    if not has_se:
        notes_result.append("no standard errors were given, so there are no confidence limits")
    return StatResult(
        table=table,
        statistic="WHO HEAT summary measures of health inequality",
        method="Analytic limits where a closed form exists, Monte Carlo otherwise "
        "(see the method column)",
        confidence=levels,
        references=REFERENCES,
        notes=tuple(notes_result),
        kind=frame.kind,
        parameters={
            "favourable": favourable,
            "ordered": is_ordered,
            "reference_subgroup": reference,
            "proportion_scale": scale,
            "entropy_multiplier": e_mult,
            "measures": tuple(codes),
            "repetitions": reps,
            "seed": seed,
        },
    )
