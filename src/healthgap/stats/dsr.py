"""Directly standardised rates with Dobson limits (METHODS.md sections 4 and 6)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
)
from healthgap.stats.results import StatResult
from healthgap.stats.standard_populations import (
    AUTO,
    StandardPopulation,
    band_reasons,
    join_bands,
)

#: Below this total count a DSR is not published (OHID Fingertips).
MIN_COUNT = 10

REFERENCES = (
    "Dobson AJ, Kuulasmaa K, Eberle E, Scherer J (1991). Confidence intervals for weighted "
    "sums of Poisson parameters. Statistics in Medicine 10(3):457-462.",
    "Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Volume II. IARC "
    "(Byar's method).",
    "Public Health England (2018). Technical Guide: Confidence Intervals, Appendix 4 "
    "(Dobson's method; DSRs not calculated for counts below 10).",
    "Eurostat (2013). Revision of the European Standard Population: report of Eurostat's "
    "task force. KS-RA-13-028-EN-N.",
)


def dsr(
    data: Any,
    count: str,
    population: str,
    age: str,
    group_by: str | Sequence[str] | None = None,
    standard_population: Any = AUTO,
    multiplier: float = 100_000,
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
    *,
    event_frequency: str | None = None,
    on_invalid: str = "raise",
) -> StatResult:
    """Directly standardised rate per ``multiplier`` with Dobson confidence limits.

    For each group, with x_i the count, n_i the population and w_i the standard weight
    of age band i (joined by age-band label, never by position)::

        DSR   = sum(x_i w_i / n_i) / sum(w) * multiplier
        var   = sum(x_i (w_i / n_i)^2) / sum(w)^2
        lower = DSR + sqrt(var / O) (L(O) - O) * multiplier
        upper = DSR + sqrt(var / O) (U(O) - O) * multiplier

    where O = sum(x_i) is the total count and L, U are Byar's limits for O (Dobson et
    al. 1991). sum(w) is over every band of the standard, which is fixed.

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table): one row per group and age band
        (several rows for the same group and band are added together, e.g. males and
        females for persons).
    count, population:
        Column names. A missing count is 0; counts and populations must be 0 or more.
    age:
        Column of age-band labels. Spellings such as ``"0-4"``, ``"00-04"``,
        ``"0 to 4"``, ``"0-4 yrs"``, ``"<1"``, ``"Under 1"``, ``"90+"``, ``"90 and
        over"`` are recognised.
    group_by:
        Column name(s) defining the groups; ``None`` treats all rows as one group.
    standard_population:
        ``"esp2013"`` (default: the ESP2013 form whose bands match the data's labels:
        19 bands 0-4..90+, 20 bands 0, 1-4..90+, or 21 bands 0, 1-4..90-94, 95+),
        ``"esp2013_19"``, ``"esp2013_20"``, ``"esp2013_21"``, a mapping of label to
        weight, a pandas Series, a two-column frame, or a
        :class:`~healthgap.stats.standard_populations.StandardPopulation` such as
        ``ESP2013_19.restrict(0, 74)`` for an under-75 rate.
    multiplier:
        Scale of the rate, e.g. 100,000 for "per 100,000".
    confidence:
        One level or several, as proportions (0.95) or percentages (95); default (0.95, 0.998).
    event_frequency:
        For non-independent events (people can have several events): a column f, with
        one row per group, band and f whose count is the number of persons with f
        events, and the band's population repeated on each of its f rows. Events are
        sum(f x); the variance becomes sum_f f^2 var_f (METHODS.md section 4).

    on_invalid:
        ``"raise"`` (default): text, negative or infinite counts or populations raise
        :class:`~healthgap.errors.InputError`. ``"suppress"``: their group is suppressed
        with the reason and the other groups are computed (docs/methods/options.md).

    Returns
    -------
    StatResult
        ``to_frame()`` has the group columns, ``count`` (total events O),
        ``population`` (sum of the band populations), ``value``, ``lower_95_0``,
        ``upper_95_0``, ``lower_99_8``, ``upper_99_8``, ``suppressed`` and
        ``suppression_reason``.

    Suppression
    -----------
    A group is suppressed (NaN with a reason, one combined ``SuppressionWarning``) when

    * it lacks rows for bands of the standard that other groups have:
      ``"missing age bands: 85-89, 90+"`` (bands with weight 0 are not required);
    * a band's population is empty: ``"population is missing in age bands: ..."``;
    * a band has population 0 but a count above 0:
      ``"population is 0 but count > 0 in age bands: ..."`` (population 0 with count 0
      contributes nothing and is fine);
    * its total count is below 10: ``"total count < 10"``.

    A band of the standard with no rows in any group is an ``InputError`` (for an
    age-restricted rate, restrict the standard instead), as is a label that matches no
    band of the standard.

    References
    ----------
    Dobson et al. (1991); Breslow & Day (1987); PHE (2018) Technical Guide: Confidence
    Intervals; Eurostat (2013) ESP. See ``REFERENCES``.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"age": ["0-29", "30-59", "60+"], "deaths": [45, 240, 4240],
    ...                    "pop": [100_000, 100_000, 100_000]})
    >>> std = {"0-29": 7498, "30-59": 3219, "60+": 742}
    >>> out = healthgap.dsr(df, "deaths", "pop", "age", standard_population=std,
    ...                     multiplier=1000).to_frame()
    >>> out[["count", "value", "lower_95_0", "upper_95_0"]].round(4)
        count   value  lower_95_0  upper_95_0
    0  4525.0  3.7142      3.5686       3.863
    """
    levels = confidence_levels(confidence)
    m = positive_number(multiplier, "multiplier", "100_000")
    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    if event_frequency is not None and not isinstance(event_frequency, str):
        raise InputError(
            f"event_frequency must be a column name or None; got {event_frequency!r}. "
            "Pass e.g. event_frequency='admissions_per_person'."
        )
    extra = [event_frequency] if event_frequency is not None else []
    frame.require(
        [count, population, age, *keys, *extra],
        ["count", "population", "age"]
        + ["group_by"] * len(keys)
        + ["event_frequency"] * len(extra),
    )
    no_reserved_names(keys, [col.COUNT, col.POPULATION, col.VALUE])
    not_in_group_by(keys, {"age": age, "event_frequency": event_frequency})
    context = [*keys, age]
    checks = RowChecks(frame, context, on_invalid)
    x_row = checks.numbers(count, "count")
    n_row = checks.numbers(population, "population")
    f_row = None
    if event_frequency is not None:
        f_row = frequencies(frame, event_frequency, context)

    std, b_row = join_bands(frame, age, context, standard_population)
    groups = Groups.of(frame, keys)
    g_n, k_n = groups.n, len(std)
    w = std.weight_array
    cell = groups.codes * k_n + b_row
    present = np.bincount(cell, minlength=g_n * k_n).reshape(g_n, k_n) > 0
    require_bands_somewhere(present, std, w > 0, age)
    if f_row is None:
        n_cell = np.bincount(cell, weights=np.nan_to_num(n_row), minlength=g_n * k_n)
        n_missing = np.bincount(cell, weights=np.isnan(n_row), minlength=g_n * k_n) > 0
    else:
        n_cell, n_missing = repeated_populations(
            frame, cell, f_row, n_row, g_n * k_n, groups, std, population, str(event_frequency)
        )

    x0 = np.nan_to_num(x_row)
    events = x0 if f_row is None else x0 * f_row
    x_cell = np.bincount(cell, weights=events, minlength=g_n * k_n)
    n_row_cell = n_cell[cell]
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = np.where(n_row_cell > 0, w[b_row] / n_row_cell, 0.0)
    fsq = events if f_row is None else events * f_row
    o = groups.sum(events)
    total_w = float(w.sum())
    value = np.bincount(groups.codes, weights=events * coef, minlength=g_n) / total_w * m
    variance = np.bincount(groups.codes, weights=fsq * coef * coef, minlength=g_n) * (
        (m / total_w) ** 2
    )
    pop = n_cell.reshape(g_n, k_n).sum(axis=1)

    suppression = Suppression(groups)
    checks.flag(suppression)
    labels = std.labels
    for mask, reason in band_reasons(~present & (w > 0), labels, "missing age bands: "):
        suppression.flag(mask, reason)
    for mask, reason in band_reasons(
        n_missing.reshape(g_n, k_n), labels, "population is missing in age bands: "
    ):
        suppression.flag(mask, reason)
    zero_pop = ((n_cell == 0) & (x_cell > 0) & ~n_missing).reshape(g_n, k_n)
    for mask, reason in band_reasons(
        zero_pop, labels, "population is 0 but count > 0 in age bands: "
    ):
        suppression.flag(mask, reason)
    suppression.flag(o < MIN_COUNT, f"total count < {MIN_COUNT}")

    limits = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for c in levels:
            limits[c] = intervals.dobson_limits(value, variance, o, c)
    table = assemble(groups, {col.COUNT: o, col.POPULATION: pop}, value, limits, suppression)
    suppression.warn("dsr")
    method = "Dobson" + (", adjusted for non-independent events" if f_row is not None else "")
    return StatResult(
        table=table,
        statistic=f"Directly standardised rate per {m:,.0f}",
        method=method,
        confidence=levels,
        references=REFERENCES,
        multiplier=m,
        standard_population=std.name,
        notes=(f"standard population {std.name}: {len(std)} bands, total weight {total_w:,.0f}",),
        kind=frame.kind,
        parameters={
            "standard_population": std.to_dict(),
            "event_frequency": event_frequency,
        },
    )


def not_in_group_by(keys: Sequence[str], columns: dict[str, str | None]) -> None:
    """The age (or event-frequency) column is combined within groups, never a group."""
    for role, name in columns.items():
        if name is not None and name in keys:
            raise InputError(
                f"group_by must not include the {role} column {name!r}; got group_by="
                f"{list(keys)}. The {role} bands are combined within each group; group by "
                "the other columns only."
            )


def require_bands_somewhere(
    present: np.ndarray, std: StandardPopulation, needed: np.ndarray, age: str
) -> None:
    """A band of the standard with no rows in any group is structural, not per group."""
    absent = np.flatnonzero(~present.any(axis=0) & needed)
    if absent.size:
        names = ", ".join(std.labels[k] for k in absent)
        raise InputError(
            f"age column {age!r} must have rows for every age band of {std.name}; got no "
            f"rows in any group for {names}. For an age-restricted rate pass a restricted "
            "standard, e.g. standard_population=ESP2013_19.restrict(0, 74) (from "
            "healthgap.stats.standard_populations); otherwise add those bands with their "
            "populations and a count of 0."
        )


def frequencies(frame: InputFrame, column: str, context: Sequence[str]) -> np.ndarray:
    """The event-frequency column: whole numbers 0 or more, none missing."""
    f = numeric_column(frame, column, "event_frequency", context)
    require_finite(frame, f, column, "event_frequency", context)
    bad = np.flatnonzero(np.isnan(f) | (f < 0) | (f != np.round(f)))
    if bad.size:
        first = int(bad[0])
        shown = "an empty value" if np.isnan(f[first]) else f"{f[first]:g}"
        raise InputError(
            f"event_frequency column {column!r} must hold whole numbers of events per person "
            f"(0, 1, 2, ...); got {shown} at {frame.describe_row(first, context)} "
            f"({bad.size} {'row' if bad.size == 1 else 'rows'} in all). Give each row the "
            "number of events its persons had."
        )
    return f


def repeated_populations(
    frame: InputFrame,
    cell: np.ndarray,
    f_row: np.ndarray,
    n_row: np.ndarray,
    size: int,
    groups: Groups,
    std: StandardPopulation,
    population: str,
    event_frequency: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Band populations when each band has one row per event frequency.

    Each (group, band, frequency) must have one row, and the band's population must be
    the same on each of its rows (an empty population marks the band as missing).
    """
    k_n = len(std)
    key = pd.Series(cell * (int(f_row.max()) + 1) + f_row.astype(np.int64))
    dup = np.flatnonzero(key.duplicated().to_numpy())
    if dup.size:
        first = int(dup[0])
        g, k = divmod(int(cell[first]), k_n)
        raise InputError(
            f"event_frequency rows must be one per group, age band and frequency; got "
            f"{dup.size} repeated {'row' if dup.size == 1 else 'rows'} (first: "
            f"{groups.describe(g)}, age {std.labels[k]}, {event_frequency} {f_row[first]:g} "
            f"at {frame.describe_row(first)}). Add the column that tells them apart to "
            "group_by, or add their counts together first."
        )
    lo = np.full(size, np.inf)
    hi = np.full(size, -np.inf)
    np.fmin.at(lo, cell, n_row)
    np.fmax.at(hi, cell, n_row)
    bad = np.flatnonzero(np.isfinite(lo) & (hi > lo))
    if bad.size:
        g, k = divmod(int(bad[0]), k_n)
        raise InputError(
            f"population column {population!r} must repeat the same band population on "
            f"every event-frequency row; got {lo[bad[0]]:g} and {hi[bad[0]]:g} for "
            f"{groups.describe(g)}, age {std.labels[k]} ({bad.size} "
            f"{'band' if bad.size == 1 else 'bands'} in all). Put the band's whole population "
            "on each of its rows."
        )
    missing = np.bincount(cell, weights=np.isnan(n_row), minlength=size) > 0
    return np.where(np.isfinite(lo), lo, 0.0), missing
