"""WHO HEAT summary measures of health inequality (METHODS.md section 11).

One call computes every requested measure for every group (e.g. every area and year) from
disaggregated data: one row per subgroup with its estimate, population and standard error.

:func:`inequality_measures` is the entry point: it checks the arguments, lays the rows out
(:mod:`._heat_layout`), computes each measure of :mod:`._heat_measures` (by family; the
kernels are in :mod:`._heat_kernels`) with analytic or Monte Carlo limits, and builds the
result table with notes in words (:mod:`._heat_result`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from healthgap.errors import InputError
from healthgap.stats import intervals
from healthgap.stats._frames import Groups, InputFrame, normalise_group_by
from healthgap.stats._validate import (
    RowChecks,
    confidence_levels,
    no_reserved_names,
    positive_number,
    whole_number,
)
from healthgap.stats.inequality import _heat_kernels as k
from healthgap.stats.inequality._heat_layout import (
    Grid,
    _build_layout,
    _layout,
    _one_per_group,
    _reference_positions,
)
from healthgap.stats.inequality._heat_measures import (
    MEASURES,
    NON_ORDERED_MEASURES,
    NORMAL_EXACT,
    ORDERED_MEASURES,
    REFERENCE_MEASURES,
)
from healthgap.stats.inequality._heat_result import (
    Computed,
    _direction_notes,
    _output_columns,
    _result,
)
from healthgap.stats.inequality._summary_rows import read_rows
from healthgap.stats.inequality.heat_defaults import DEFAULT_REPETITIONS, DEFAULT_SEED
from healthgap.stats.results import StatResult

#: Default confidence level: HEAT reports 95% limits.
DEFAULT_CONFIDENCE: tuple[float, ...] = (0.95,)
#: Monte Carlo works on blocks of groups holding at most this many draws at once.
DRAWS_PER_BLOCK = 2_000_000


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


# ---------------------------------------------------------------------------------------
# Values and limits
# ---------------------------------------------------------------------------------------


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
