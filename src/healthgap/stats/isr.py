"""Indirect standardisation: ISR and SMR with Poisson limits (METHODS.md sections 1 and 5).

Both compare a group's observed count O with the count E expected if the reference
population's age-specific rates applied to the group's population:
E = sum_i (X_ref,i / N_ref,i) n_i. The ratio O/E is the standardised ratio (SMR); the
ratio times the reference crude rate is the indirectly standardised rate (ISR).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
    DEFAULT_CONFIDENCE,
    RowChecks,
    confidence_levels,
    no_reserved_names,
    numeric_column,
    positive_number,
    require_finite,
    require_non_negative,
)
from healthgap.stats.age_bands import parse_codes
from healthgap.stats.dsr import not_in_group_by, require_bands_somewhere
from healthgap.stats.results import StatResult
from healthgap.stats.standard_populations import (
    StandardPopulation,
    band_reasons,
    from_pairs,
    join_bands,
)

#: Output column: the expected count E.
EXPECTED = "expected"
#: Output column of :func:`isr`: the reference crude rate per ``multiplier``.
REFERENCE_RATE = "reference_rate"

REFERENCES = (
    "Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Volume II. IARC "
    "(indirect standardisation; Byar's method).",
    "Ulm K (1990). A simple method to calculate the confidence interval of a standardized "
    "mortality ratio. American Journal of Epidemiology 131(2):373-375 (exact method).",
    "Public Health England (2018). Technical Guide: Confidence Intervals (ISRs use exact "
    "limits for counts below 10 and Byar's from 10).",
)


@dataclass(frozen=True)
class _Indirect:
    """Per-group observed, expected and reference totals, and the suppression so far."""

    frame: InputFrame
    groups: Groups
    observed: np.ndarray
    expected: np.ndarray
    population: np.ndarray
    ref_count: np.ndarray
    ref_population: np.ndarray
    suppression: Suppression
    levels: tuple[float, ...]
    reference_given: bool

    def limits(self, scale: np.ndarray) -> dict[float, tuple[np.ndarray, np.ndarray]]:
        """Poisson limits for O (exact below 10, Byar's from 10) divided by E, scaled."""
        out = {}
        with np.errstate(divide="ignore", invalid="ignore"):
            per = scale / self.expected
            for c in self.levels:
                lo, hi, _ = intervals.poisson_limits(self.observed, c)
                out[c] = (lo * per, hi * per)
        return out


def isr(
    data: Any,
    count: str,
    population: str,
    age: str,
    ref_count: str,
    ref_population: str,
    group_by: str | Sequence[str] | None = None,
    multiplier: float = 100_000,
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
    *,
    reference: Any = None,
    observed_total: bool = False,
    on_invalid: str = "raise",
) -> StatResult:
    """Indirectly standardised rate per ``multiplier`` with Poisson confidence limits.

    For each group, with n_i its population and X_ref,i / N_ref,i the reference rate
    in age band i::

        E        = sum_i (X_ref,i / N_ref,i) n_i              (expected count)
        ref_rate = sum X_ref / sum N_ref * multiplier
        ISR      = O / E * ref_rate
        limits   = L(O) / E * ref_rate,  U(O) / E * ref_rate

    with L, U the exact Poisson limits for O < 10 and Byar's from 10 (the ``method``
    column says which).

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table): one row per group and age band.
    count, population:
        Column names of the group's observed counts and populations. A missing count
        is 0; counts and populations must be 0 or more.
    age:
        Column of age-band labels (``"0-4"``, ``"00-04"``, ``"90+"``, ``"<1"``, ...).
    ref_count, ref_population:
        Column names of the reference count and population for each row's age band
        (given on each row, as in Fingertips tools), or, with ``reference=``, the
        names of those columns in ``reference``.
    group_by:
        Column name(s) defining the groups; ``None`` treats all rows as one group.
    multiplier:
        Scale of the rate, e.g. 100,000 for "per 100,000".
    confidence:
        One level or several, as proportions (0.95) or percentages (95); default (0.95, 0.998).
    reference:
        Optional table of the reference by age band, joined to ``data`` by age-band
        label: a frame with columns ``age``, ``ref_count`` and ``ref_population`` (the
        names given above), or a mapping ``{label: (ref_count, ref_population)}``.
        The reference rate is then its total count over its total population.
    observed_total:
        ``True`` when ``count`` holds each group's all-age observed total rather than
        counts by age: the same value on every row of the group (or on one row, the
        others empty). Rows then only need the age-specific populations.

    on_invalid:
        ``"raise"`` (default): text, negative or infinite counts or populations (and, with
        ``observed_total``, totals that differ within a group) raise
        :class:`~healthgap.errors.InputError`. ``"suppress"``: their group is suppressed
        with the reason and the other groups are computed (docs/methods/options.md).
        Problems in the reference data always raise: every group shares it.

    Returns
    -------
    StatResult
        ``to_frame()`` has the group columns, ``count`` (observed O), ``expected`` (E),
        ``population``, ``reference_rate``, ``value``, the limit columns, ``method``,
        ``suppressed`` and ``suppression_reason``.

    Suppression
    -----------
    A group is suppressed (NaN with a reason, one combined ``SuppressionWarning``) when
    it lacks age bands that other groups (or ``reference``) have
    (``"missing age bands: ..."``), when a band's population is empty
    (``"population is missing in age bands: ..."``), when ``observed_total=True`` and
    no row gives the total (``"count is missing"``), or when E is 0
    (``"expected count is 0"``). Counts of 0 are valid (exact limits).

    Reference data must be complete: an empty, negative or (for the population) zero
    reference value is an ``InputError``.

    References
    ----------
    Breslow & Day (1987); Ulm (1990); PHE (2018) Technical Guide: Confidence Intervals.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"area": ["A", "A"], "age": ["0-64", "65+"], "deaths": [20, 40],
    ...                    "pop": [8000, 2000], "ref_deaths": [900, 5000],
    ...                    "ref_pop": [800_000, 200_000]})
    >>> out = healthgap.isr(df, "deaths", "pop", "age", "ref_deaths", "ref_pop",
    ...                     group_by="area").to_frame()
    >>> out[["area", "count", "expected", "reference_rate", "value"]].round(2)
      area  count  expected  reference_rate   value
    0    A   60.0      59.0           590.0  600.0
    """
    m = positive_number(multiplier, "multiplier", "100_000")
    core = _indirect(
        data, count, population, age, ref_count, ref_population, group_by, confidence,
        reference, observed_total, on_invalid,
    )  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        ref_rate = core.ref_count / core.ref_population * m
        value = core.observed / core.expected * ref_rate
    table = assemble(
        core.groups,
        {
            col.COUNT: core.observed,
            EXPECTED: core.expected,
            col.POPULATION: core.population,
            REFERENCE_RATE: ref_rate,
        },
        value,
        core.limits(ref_rate),
        core.suppression,
        method=intervals.poisson_method(core.observed),
    )
    core.suppression.warn("isr")
    return StatResult(
        table=table,
        statistic=f"Indirectly standardised rate per {m:,.0f}",
        method="Exact below 10, Byar's from 10",
        confidence=core.levels,
        references=REFERENCES,
        multiplier=m,
        kind=core.frame.kind,
        parameters={"observed_total": observed_total, "reference": core.reference_given},
    )


def smr(
    data: Any,
    count: str,
    population: str,
    age: str,
    ref_count: str,
    ref_population: str,
    group_by: str | Sequence[str] | None = None,
    refvalue: float = 1,
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
    *,
    reference: Any = None,
    observed_total: bool = False,
    on_invalid: str = "raise",
) -> StatResult:
    """Standardised ratio O/E (e.g. a standardised mortality ratio) with Poisson limits.

    E = sum_i (X_ref,i / N_ref,i) n_i as for :func:`isr`; value = O / E * refvalue and
    limits L(O) / E * refvalue, U(O) / E * refvalue, with L, U the exact Poisson limits
    for O < 10 and Byar's from 10 (the ``method`` column says which).

    Parameters
    ----------
    data, count, population, age, ref_count, ref_population, group_by, confidence,
    reference, observed_total:
        As for :func:`isr`.
    refvalue:
        1 for a ratio (1 = as expected) or 100 for a percentage (100 = as expected).

    on_invalid:
        ``"raise"`` (default): text, negative or infinite counts or populations (and, with
        ``observed_total``, totals that differ within a group) raise
        :class:`~healthgap.errors.InputError`. ``"suppress"``: their group is suppressed
        with the reason and the other groups are computed (docs/methods/options.md).
        Problems in the reference data always raise: every group shares it.

    Returns
    -------
    StatResult
        ``to_frame()`` has the group columns, ``count`` (observed O), ``expected`` (E),
        ``value``, the limit columns, ``method``, ``suppressed`` and
        ``suppression_reason``.

    Suppression
    -----------
    As for :func:`isr`: missing age bands, missing populations, a missing all-age
    total, or E = 0 suppress a group with a reason and one ``SuppressionWarning``.

    References
    ----------
    Breslow & Day (1987); Ulm (1990); PHE (2018) Technical Guide: Confidence Intervals.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"age": ["0-64", "65+"], "deaths": [20, 40], "pop": [8000, 2000]})
    >>> england = {"0-64": (900, 800_000), "65+": (5000, 200_000)}
    >>> out = healthgap.smr(df, "deaths", "pop", "age", "ref_deaths", "ref_pop",
    ...                     refvalue=100, reference=england).to_frame()
    >>> out[["count", "expected", "value", "lower_95_0", "upper_95_0"]].round(2)
       count  expected   value  lower_95_0  upper_95_0
    0   60.0      59.0  101.69        77.6       130.9
    """
    if isinstance(refvalue, bool) or refvalue not in (1, 100):
        raise InputError(
            f"refvalue must be 1 or 100; got {refvalue!r}. Use refvalue=1 for a ratio or "
            "refvalue=100 for a percentage of the expected count."
        )
    scale = float(refvalue)
    core = _indirect(
        data, count, population, age, ref_count, ref_population, group_by, confidence,
        reference, observed_total, on_invalid,
    )  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        value = core.observed / core.expected * scale
    table = assemble(
        core.groups,
        {col.COUNT: core.observed, EXPECTED: core.expected},
        value,
        core.limits(np.full(core.groups.n, scale)),
        core.suppression,
        method=intervals.poisson_method(core.observed),
    )
    core.suppression.warn("smr")
    return StatResult(
        table=table,
        statistic="Indirectly standardised ratio" + (" x 100" if scale == 100 else ""),
        method="Exact below 10, Byar's from 10",
        confidence=core.levels,
        references=REFERENCES,
        multiplier=scale,
        kind=core.frame.kind,
        parameters={
            "refvalue": refvalue,
            "observed_total": observed_total,
            "reference": core.reference_given,
        },
    )


def _indirect(
    data: Any,
    count: str,
    population: str,
    age: str,
    ref_count: str,
    ref_population: str,
    group_by: str | Sequence[str] | None,
    confidence: float | Iterable[float],
    reference: Any,
    observed_total: bool,
    on_invalid: str = "raise",
) -> _Indirect:
    levels = confidence_levels(confidence)
    if not isinstance(observed_total, bool):
        raise InputError(
            f"observed_total must be True or False; got {observed_total!r}. Pass "
            "observed_total=True when count holds each group's all-age total."
        )
    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    per_row = reference is None
    ref_cols = [ref_count, ref_population] if per_row else []
    frame.require(
        [count, population, age, *ref_cols, *keys],
        ["count", "population", "age"]
        + ["ref_count", "ref_population"] * per_row
        + ["group_by"] * len(keys),
    )
    no_reserved_names(keys, [col.COUNT, EXPECTED, col.POPULATION, col.VALUE, REFERENCE_RATE])
    not_in_group_by(keys, {"age": age})
    context = [*keys, age]
    checks = RowChecks(frame, context, on_invalid)
    x_row = checks.numbers(count, "count")
    n_row = checks.numbers(population, "population")

    groups = Groups.of(frame, keys)
    if per_row:
        std, b_row = _bands_in_data(frame, age, context)
        rx_row = _reference_values(frame, ref_count, "ref_count", context, positive=False)
        rn_row = _reference_values(frame, ref_population, "ref_population", context, True)
        rx = groups.sum(rx_row)
        rn = groups.sum(rn_row)
    else:
        for name in (ref_count, ref_population):
            if name in frame.df.columns:
                raise InputError(
                    f"ref columns must come from either data or reference, not both; got "
                    f"{name!r} in both. Drop it from data or leave out reference=."
                )
        std, rx_band, rn_band = _reference_table(reference, age, ref_count, ref_population)
        std, b_row = join_bands(frame, age, context, std, what="the reference")
        rx_row, rn_row = rx_band[b_row], rn_band[b_row]
        rx = np.full(groups.n, rx_band.sum())
        rn = np.full(groups.n, rn_band.sum())

    g_n, k_n = groups.n, len(std)
    cell = groups.codes * k_n + b_row
    present = np.bincount(cell, minlength=g_n * k_n).reshape(g_n, k_n) > 0
    require_bands_somewhere(present, std, np.ones(k_n, dtype=bool), age)
    n_missing = np.bincount(cell, weights=np.isnan(n_row), minlength=g_n * k_n) > 0
    n0 = np.nan_to_num(n_row)
    e = groups.sum(rx_row / rn_row * n0)
    pop = groups.sum(n0)

    suppression = Suppression(groups)
    checks.flag(suppression)
    for mask, reason in band_reasons(~present, std.labels, "missing age bands: "):
        suppression.flag(mask, reason)
    for mask, reason in band_reasons(
        n_missing.reshape(g_n, k_n), std.labels, "population is missing in age bands: "
    ):
        suppression.flag(mask, reason)
    if observed_total:
        o, differs = _group_total(frame, groups, x_row, count, checks.suppress)
        suppression.flag(differs, "count differs between the rows of the group (observed_total)")
        suppression.flag(np.isnan(o), "count is missing")
    else:
        o = groups.sum(x_row)
    suppression.flag(e <= 0, "expected count is 0")
    return _Indirect(
        frame=frame,
        groups=groups,
        observed=o,
        expected=e,
        population=pop,
        ref_count=rx,
        ref_population=rn,
        suppression=suppression,
        levels=levels,
        reference_given=not per_row,
    )


def _bands_in_data(
    frame: InputFrame, age: str, context: Sequence[str]
) -> tuple[StandardPopulation, np.ndarray]:
    """The distinct bands of the data (labels spelt differently but equal merge)."""
    codes, bands = parse_codes(frame.df[age], age, lambda r: frame.describe_row(r, context))
    distinct = sorted(set(bands))
    std = StandardPopulation(
        name="bands in data",
        bands=tuple(distinct),
        weights=tuple(1.0 for _ in distinct),
        source="the data",
    )
    return std, std.index_of(bands)[codes]


def _reference_values(
    frame: InputFrame, column: str, role: str, context: Sequence[str], positive: bool
) -> np.ndarray:
    values = numeric_column(frame, column, role, context)
    require_finite(frame, values, column, role, context)
    require_non_negative(frame, values, column, role, context)
    bad = np.flatnonzero(np.isnan(values) | ((values <= 0) if positive else False))
    if bad.size:
        first = int(bad[0])
        rule = "hold a number greater than 0 on every row" if positive else "not be empty"
        shown = "an empty value" if np.isnan(values[first]) else f"{values[first]:g}"
        raise InputError(
            f"{role} column {column!r} must {rule}; got {shown} at "
            f"{frame.describe_row(first, context)} ({bad.size} "
            f"{'row' if bad.size == 1 else 'rows'} in all). Reference data must be complete: "
            "fill in the reference for every age band."
        )
    return values


def _reference_table(
    reference: Any, age: str, ref_count: str, ref_population: str
) -> tuple[StandardPopulation, np.ndarray, np.ndarray]:
    """The ``reference=`` table as bands with reference counts and populations."""
    if isinstance(reference, Mapping):
        rows = []
        for label, pair in reference.items():
            if not isinstance(pair, Sequence | np.ndarray) or len(pair) != 2:
                raise InputError(
                    f"reference must map each age band to (ref_count, ref_population); got "
                    f"{pair!r} for {label!r}. Use e.g. {{'0-4': (12, 31000), ...}}."
                )
            rows.append((label, pair[0], pair[1]))
        ref_df = pd.DataFrame(rows, columns=[age, ref_count, ref_population])
    else:
        try:
            ref_frame = InputFrame.of(reference, name="reference")
        except InputError:
            raise InputError(
                f"reference must be a data frame or a mapping of age band -> (ref_count, "
                f"ref_population); got {type(reference).__name__}."
            ) from None
        ref_frame.require([age, ref_count, ref_population], ["age", "ref_count", "ref_population"])
        ref_df = ref_frame.df
    ref = InputFrame(df=ref_df.reset_index(drop=True), kind="pandas", name="reference")
    rx = _reference_values(ref, ref_count, "ref_count", [age], positive=False)
    rn = _reference_values(ref, ref_population, "ref_population", [age], positive=True)
    std = from_pairs(list(ref_df[age]), list(rn), what="reference")
    codes, bands = parse_codes(ref_df[age], age)
    order = std.index_of(bands)[codes]
    rx_band = np.zeros(len(std))
    rx_band[order] = rx
    return std, rx_band, std.weight_array


def _group_total(
    frame: InputFrame, groups: Groups, x_row: np.ndarray, count: str, suppress: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Each group's all-age total from a column repeating it (empty cells allowed).

    Totals that differ within a group raise, or (``suppress``) are returned marked.
    """
    lo = np.full(groups.n, np.inf)
    hi = np.full(groups.n, -np.inf)
    np.fmin.at(lo, groups.codes, x_row)
    np.fmax.at(hi, groups.codes, x_row)
    differs = np.isfinite(lo) & (hi > lo)
    bad = np.flatnonzero(differs)
    if bad.size and not suppress:
        g = int(bad[0])
        raise InputError(
            f"count column {count!r} must hold the same all-age total on every row of a group "
            f"when observed_total=True; got {lo[g]:g} and {hi[g]:g} for "
            f"{groups.describe(g)} ({bad.size} {'group' if bad.size == 1 else 'groups'} in "
            "all). Give the total on every row (or on one row, leaving the others empty), "
            "or use observed_total=False for counts by age band."
        )
    return np.where(np.isfinite(lo), lo, np.nan), differs
