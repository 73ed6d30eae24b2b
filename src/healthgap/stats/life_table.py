"""Life expectancy: Chiang II abridged life table with Silcocks' final band (METHODS.md section 7).

The rows of a call are arranged once into a (groups x age bands) grid by
:func:`arrange`; :func:`chiang` then builds every group's life table at once with
cumulative products and reverse cumulative sums, so there is no Python loop over
groups. :mod:`healthgap.stats.hle` and :mod:`healthgap.stats.decompose` reuse both.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
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
    ON_INVALID,
    RowChecks,
    confidence_levels,
    no_reserved_names,
    one_of,
    whole_number,
)
from healthgap.stats.age_bands import AgeBand, are_band_starts, band_starts, parse_column
from healthgap.stats.results import StatResult

REFERENCES = (
    "Chiang CL (1984). The Life Table and its Applications. Malabar (FL): Robert E Krieger.",
    "Silcocks PBS, Jenner DA, Reza R (2001). Life expectancy as a summary of mortality in a "
    "population: statistical considerations and suitability for use by health authorities. "
    "Journal of Epidemiology and Community Health 55:38-43.",
    "Eayres D, Williams ES (2004). Evaluation of methodologies for small area life expectancy "
    "estimation. Journal of Epidemiology and Community Health 58:243-249.",
    "Public Health England / OHID. Life expectancy calculator and Fingertips technical "
    "guidance: life expectancy at birth and at older ages.",
)

#: Survivors at the start of the first band (l_1).
RADIX = 100_000.0
#: Rows whose 95% confidence interval is wider than this many years are suppressed.
MAX_CI_WIDTH = 20.0
#: Groups with a smaller total population are suppressed.
MIN_TOTAL_POPULATION = 5_000.0
#: Start of the open band when ages are given as band starts (ONS and OHID publish 90+).
OPEN_FROM = 90
#: Fraction of the band lived by those who die in it: infants (age 0 to 1) and others.
INFANT_FRACTION = 0.1
OTHER_FRACTION = 0.5

# Output column names.
AGE = "age"
AGE_BAND = "age_band"
DEATHS = "deaths"
LIFE_TABLE_COLUMNS = (
    "interval_width",
    "mortality_rate",
    "separation_factor",
    "death_probability",
    "survivors",
    "life_table_deaths",
    "person_years",
    "person_years_remaining",
    "standard_error",
)

# Suppression reasons (METHODS.md section 7), worded once.
BANDS_DIFFER = "age bands differ from the rest"
NO_OPEN_BAND = "no row for the open age band"
DEATHS_MISSING = "deaths are missing"
POPULATION_MISSING = "population is missing"
POPULATION_ZERO = "population is 0 in an age band"
DEATHS_EXCEED = "deaths exceed population in an age band"
SMALL_POPULATION = "total population is under 5,000"
NO_OPEN_DEATHS = "no deaths in the open age band"
NO_SURVIVORS = "no survivors reach this age"
CI_TOO_WIDE = "95% confidence interval is wider than 20 years"


@dataclass(frozen=True)
class Layout:
    """The age bands every group shares: contiguous, the last one open."""

    bands: tuple[AgeBand, ...]

    @property
    def k(self) -> int:
        return len(self.bands)

    @property
    def starts(self) -> np.ndarray:
        return np.array([b.start for b in self.bands], dtype=float)

    @property
    def widths(self) -> np.ndarray:
        """n_i of the closed bands (length k - 1)."""
        return np.diff(self.starts)

    @property
    def fractions(self) -> np.ndarray:
        """a_i: 0.1 for an infant band (age 0 only), else 0.5 (length k)."""
        a = np.full(self.k, OTHER_FRACTION)
        if self.bands[0] == AgeBand(0, 0):
            a[0] = INFANT_FRACTION
        return a

    @property
    def labels(self) -> np.ndarray:
        return np.array([b.label for b in self.bands], dtype=object)

    def describe(self) -> str:
        """``"0, 1-4, 5-9, ..., 85-89, 90+"``: the layout in a few words."""
        labels = [b.label for b in self.bands]
        if len(labels) <= 6:
            return ", ".join(labels)
        return ", ".join([*labels[:3], "...", *labels[-2:]])


def _check_layout(bands: Sequence[AgeBand], column: str) -> Layout:
    """Contiguous bands with one open band at the end, or an :class:`InputError`."""
    for a, b in itertools.pairwise(bands):
        if a.end is None or a.end >= b.start:
            raise InputError(
                f"age bands in column {column!r} must not overlap; got {a.label!r} and "
                f"{b.label!r}. Give each age once, e.g. '85-89' and '90+', or only '85+'."
            )
        if a.end + 1 < b.start:
            raise InputError(
                f"age bands in column {column!r} must cover every age without gaps; got no "
                f"band for ages {a.end + 1}-{b.start - 1} between {a.label!r} and {b.label!r}. "
                "Add the missing band or widen its neighbours."
            )
    last = bands[-1]
    if not last.is_open:
        raise InputError(
            f"age column {column!r} must end with an open band such as '90+'; got "
            f"{last.label!r} as the last band. Label the last band 'start+' (e.g. '90+'), "
            "or give band starts as plain numbers (0, 1, 5, ..., 90)."
        )
    return Layout(tuple(bands))


@dataclass(frozen=True)
class BandTable:
    """The rows of one call arranged as (groups x age bands).

    ``cell[i]`` is ``group * k + band`` for row ``i``, or -1 when the row belongs to a
    group whose bands differ from the common layout (``differs``), whose cells are
    left empty and which callers suppress.
    """

    frame: InputFrame
    groups: Groups
    layout: Layout
    cell: np.ndarray
    differs: np.ndarray
    rows_per_cell: np.ndarray
    #: Groups with no row for the declared open band (band starts only), else all False.
    missing_open: np.ndarray | None = None
    #: The declared open band when ages are band starts; ``None`` for text labels.
    open_from: int | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return (self.groups.n, self.layout.k)

    def matrix(self, values: np.ndarray) -> np.ndarray:
        """Sum row values into their (group, band) cells (NaN counts as 0)."""
        ok = self.cell >= 0
        g, k = self.shape
        return np.bincount(
            self.cell[ok], weights=np.nan_to_num(values[ok]), minlength=g * k
        ).reshape(g, k)

    def row_groups(self, extra: Sequence[tuple[str, Sequence[Any]]] = ()) -> Groups:
        """One output row per group and band; see :func:`band_rows`."""
        return band_rows(self.groups, self.layout, extra)


def band_rows(
    groups: Groups, layout: Layout, extra: Sequence[tuple[str, Sequence[Any]]] = ()
) -> Groups:
    """Output rows: one per group and band (and per value of ``extra`` columns, innermost).

    The rows are a :class:`Groups` of their own, so that :func:`assemble` and
    :class:`Suppression` work on them unchanged; ``describe`` names the group and the
    band, e.g. ``"area E1, age_band 90+"``.
    """
    g, k = groups.n, layout.k
    inner = int(np.prod([len(v) for _, v in extra])) if extra else 1
    keys = groups.keys.loc[np.repeat(np.arange(g), k * inner)].reset_index(drop=True)
    keys[AGE] = np.tile(np.repeat(layout.starts.astype(int), inner), g)
    keys[AGE_BAND] = np.tile(np.repeat(layout.labels, inner), g)
    names = [AGE_BAND]
    step = inner
    for name, values in extra:
        step //= len(values)
        keys[name] = np.tile(np.repeat(np.asarray(values, dtype=object), step), g * k)
        names.append(name)
    return Groups(
        codes=np.arange(len(keys), dtype=np.intp),
        keys=keys,
        columns=[*groups.columns, *names],
    )


def open_band_start(open_from: Any) -> int:
    """``open_from``: the start of the open band declared for ages given as band starts."""
    return whole_number(open_from, "open_from", 1, "90")


def arrange(
    frame: InputFrame,
    age: str,
    keys: Sequence[str],
    open_from: int = OPEN_FROM,
    on_invalid: str = "raise",
) -> BandTable:
    """Arrange rows into (groups x bands); the common layout is the most frequent one.

    When ages are plain band starts the open band is the declared one (``open_from``):
    the common layout is the most frequent among groups that have a row for it, and a
    group without that row is marked in ``missing_open``. When no group has it, that is
    an :class:`InputError` (``on_invalid="raise"``) or every group is marked
    (``"suppress"``). Text labels ("85+") declare their own open band.

    Structural problems with that layout (gaps, overlaps, no open last band) raise
    :class:`InputError`; a group with other bands is marked in ``differs``.
    """
    if len(frame) == 0:
        raise InputError(
            f"{frame.name} must have at least one row; got an empty table. "
            "Pass one row per group and age band."
        )
    # Parse each distinct label once; on failure parse the whole column so that the
    # error names the right row.
    codes, labels = pd.factorize(frame.df[age], use_na_sentinel=True)
    try:
        if (codes < 0).any():
            raise InputError("missing age")
        label_series = pd.Series(labels, dtype=object)
        starts_given = are_band_starts(parse_column(label_series, age))
        label_bands = band_starts(label_series, age, open_from=open_from)
    except InputError as err:
        if str(err) == "missing age" or "must hold age bands" in str(err):
            band_starts(frame.df[age], age, lambda r: frame.describe_row(r, keys), open_from)
        raise
    key = np.array([_band_key(b) for b in label_bands])
    _, first_label, label_band = np.unique(key, return_index=True, return_inverse=True)
    unique_bands = [label_bands[int(i)] for i in first_label]
    row_band = label_band[codes]
    open_band = AgeBand(open_from, None)
    if starts_given and open_band not in unique_bands:
        unique_bands.append(open_band)  # the highest start, so the order stays by start

    groups = Groups.of(frame, keys)
    u = len(unique_bands)
    counts = np.bincount(groups.codes * u + row_band, minlength=groups.n * u).reshape(groups.n, u)
    presence = counts > 0
    missing_open = np.zeros(groups.n, dtype=bool)
    candidates = presence
    if starts_given:
        missing_open = ~presence[:, u - 1]
        if missing_open.all():
            if on_invalid == "raise":
                highest = unique_bands[-2].start if u > 1 else open_from
                raise InputError(
                    f"age column {age!r} must have a row for the open age band "
                    f"{open_band.label} (open_from={open_from}), since its ages are band "
                    f"starts; got band starts up to {highest} in every group. Pass "
                    f"open_from={highest} if {highest}+ is your open band, label the bands "
                    f"('0', '1-4', ..., '{highest}+'), or add the {open_band.label} rows."
                )
            candidates = presence.copy()
            candidates[:, u - 1] = True
        else:
            candidates = presence[~missing_open]
    patterns, pattern_counts = np.unique(candidates, axis=0, return_counts=True)
    reference = patterns[int(np.argmax(pattern_counts))]
    layout = _check_layout([unique_bands[int(j)] for j in np.flatnonzero(reference)], age)
    differs = (presence != reference).any(axis=1)

    position = np.full(u, -1, dtype=np.intp)
    position[reference] = np.arange(layout.k)
    row_pos = position[row_band]
    ok = (row_pos >= 0) & ~differs[groups.codes]
    cell = np.where(ok, groups.codes * layout.k + row_pos, -1)
    rows_per_cell = np.where(differs[:, None], 0, counts[:, reference])
    return BandTable(
        frame,
        groups,
        layout,
        cell,
        differs,
        rows_per_cell,
        missing_open=missing_open,
        open_from=open_from if starts_given else None,
    )


def _band_key(b: AgeBand) -> int:
    return b.start * 10_000 + (0 if b.end is None else b.end + 1)


@dataclass(frozen=True)
class LifeTable:
    """Every group's life table as (groups x bands) arrays (METHODS.md section 7)."""

    n: np.ndarray
    m: np.ndarray
    a: np.ndarray
    q: np.ndarray
    l: np.ndarray  # noqa: E741
    d: np.ndarray
    L: np.ndarray
    T: np.ndarray
    e: np.ndarray
    se: np.ndarray


def _reverse_cumsum(x: np.ndarray) -> np.ndarray:
    return np.cumsum(x[:, ::-1], axis=1)[:, ::-1]


def chiang(deaths: np.ndarray, population: np.ndarray, layout: Layout) -> LifeTable:
    """Chiang II abridged life tables with Silcocks' open final band, all groups at once.

    Bands with impossible data (population 0, no deaths in the open band) give NaN or
    infinite entries; callers suppress those groups.
    """
    g, k = deaths.shape
    a = np.broadcast_to(layout.fractions, (g, k))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        m = deaths / population
        n = np.empty((g, k))
        n[:, :-1] = layout.widths
        n[:, -1] = 2.0 / m[:, -1]
        mn = m[:, :-1] * n[:, :-1]
        q = np.ones((g, k))
        capped = deaths[:, :-1] > population[:, :-1] / n[:, :-1] / a[:, :-1]
        q[:, :-1] = np.where(capped, 1.0, mn / (1.0 + mn * (1.0 - a[:, :-1])))
        start = np.empty((g, k))
        start[:, 0] = RADIX
        start[:, 1:] = 1.0 - q[:, :-1]
        l = np.cumprod(start, axis=1)  # noqa: E741
        l_next = np.zeros((g, k))
        l_next[:, :-1] = l[:, 1:]
        d = l - l_next
        L = np.empty((g, k))
        L[:, :-1] = n[:, :-1] * (l_next[:, :-1] + a[:, :-1] * d[:, :-1])
        L[:, -1] = l[:, -1] / m[:, -1]
        T = _reverse_cumsum(L)
        e = T / l

        var_q = np.where(deaths > 0, q**2 * (1.0 - q) / deaths, 0.0)
        e_next = np.where(l_next[:, :-1] > 0, e[:, 1:], 0.0)
        w = np.empty((g, k))
        w[:, :-1] = np.where(
            l[:, :-1] > 0,
            var_q[:, :-1] * l[:, :-1] ** 2 * ((1.0 - a[:, :-1]) * n[:, :-1] + e_next) ** 2,
            0.0,
        )
        var_open = 4.0 / (deaths[:, -1] * m[:, -1] ** 2)
        w[:, -1] = (l[:, -1] / 2.0) ** 2 * var_open
        se = np.sqrt(_reverse_cumsum(w)) / l
    return LifeTable(n=n, m=m, a=np.array(a), q=q, l=l, d=d, L=L, T=T, e=e, se=se)


def read_mortality(
    table: BandTable,
    deaths: str,
    population: str,
    age: str,
    keys: Sequence[str],
    suppression: Suppression,
    prefix: str = "",
    on_invalid: str = "raise",
) -> tuple[np.ndarray, np.ndarray]:
    """Deaths and population as (groups x bands), flagging group-level problems.

    Text, negative or infinite values raise :class:`InputError` (or, with
    ``on_invalid="suppress"``, suppress their group); missing values, a zero population,
    deaths above population, a total population under 5,000 and no deaths in the open
    band suppress the group (METHODS.md section 7).
    """
    frame = table.frame
    checks = RowChecks(frame, [*keys, age], on_invalid)
    d_row = checks.numbers(deaths, "deaths")
    p_row = checks.numbers(population, "population")
    checks.flag(suppression, prefix=prefix)
    d = table.matrix(d_row)
    p = table.matrix(p_row)
    flag_group_data(table, suppression, d, p, np.isnan(d_row), np.isnan(p_row), prefix)
    return d, p


def flag_layout(table: BandTable, suppression: Suppression, prefix: str = "") -> None:
    """Flag groups without the declared open band, then groups whose bands differ."""
    if table.missing_open is not None and table.open_from is not None:
        open_label = AgeBand(table.open_from, None).label
        suppression.flag(
            table.missing_open,
            f"{prefix}{NO_OPEN_BAND} {open_label} (open_from={table.open_from})",
        )
    expected = f" (expected {table.layout.describe()})"
    suppression.flag(table.differs, prefix + BANDS_DIFFER + expected)


def flag_group_data(
    table: BandTable,
    suppression: Suppression,
    d: np.ndarray,
    p: np.ndarray,
    deaths_missing: np.ndarray,
    population_missing: np.ndarray,
    prefix: str = "",
) -> None:
    """Flag the group-level suppression rules of METHODS.md section 7, in order."""
    groups = table.groups
    flag_layout(table, suppression, prefix)
    suppression.flag(groups.any(deaths_missing), prefix + DEATHS_MISSING)
    suppression.flag(groups.any(population_missing), prefix + POPULATION_MISSING)
    suppression.flag(np.asarray((p <= 0).any(axis=1)), prefix + POPULATION_ZERO)
    suppression.flag(np.asarray((d > p).any(axis=1)), prefix + DEATHS_EXCEED)
    suppression.flag(p.sum(axis=1) < MIN_TOTAL_POPULATION, prefix + SMALL_POPULATION)
    open_label = table.layout.bands[-1].label
    suppression.flag(d[:, -1] <= 0, f"{prefix}{NO_OPEN_DEATHS} ({open_label})")


def row_suppression(group_level: Suppression, rows: Groups) -> Suppression:
    """A row-level :class:`Suppression` starting from each group's reason."""
    out = Suppression(rows)
    out.reasons[:] = np.repeat(group_level.reasons, rows.n // group_level.groups.n)
    return out


def life_expectancy(
    data: Any,
    deaths: str,
    population: str,
    age: str,
    group_by: str | Sequence[str] | None = None,
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
    life_table: bool = False,
    *,
    open_from: int = OPEN_FROM,
    on_invalid: str = "raise",
) -> StatResult:
    """Life expectancy at the start of every age band, with confidence limits.

    Builds a Chiang II abridged life table for each group with Silcocks' treatment of
    the open final band, all groups at once (METHODS.md section 7). With band starts
    x_i, deaths D_i, population P_i and M_i = D_i/P_i:

    - n_i = x_{i+1} - x_i, and n_k = 2/M_k for the open band;
    - a_i = 0.1 for an infant band (age 0 only), else 0.5;
    - q_i = M_i n_i / (1 + M_i n_i (1 - a_i)), or 1 when D_i > P_i/(n_i a_i); q_k = 1;
    - l_1 = 100,000, l_{i+1} = l_i (1 - q_i); d_i = l_i - l_{i+1};
    - L_i = n_i (l_{i+1} + a_i d_i), L_k = l_k/M_k; T_i = sum_{j>=i} L_j; e_i = T_i/l_i.

    Intervals: Chiang's variance with Silcocks' open band. Var(q_i) = q_i^2 (1-q_i)/D_i,
    Var_k = 4/(D_k M_k^2); W_i = Var(q_i) l_i^2 ((1-a_i) n_i + e_{i+1})^2,
    W_k = (l_k/2)^2 Var_k; SE(e_i) = sqrt(sum_{j>=i} W_j)/l_i; limits e_i -/+ z SE(e_i).

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table) with one row per group and age band.
        Several rows for the same group and band (e.g. males and females) are added up.
    deaths, population:
        Column names. Values must be 0 or more.
    age:
        Column of age bands: labels such as ``"0"``, ``"1-4"``, ``"5-9"``, ``"90+"`` (any
        layout of contiguous bands whose last band is open, e.g. 0, 1-4, ..., 85+ or 0-4,
        5-9, ..., 90+), or plain numbers giving band starts (0, 1, 5, ..., 90), whose open
        last band is the one starting at ``open_from``.
    group_by:
        Column name(s) defining the groups (e.g. area and sex); ``None`` for one group.
    confidence:
        One level or several, as proportions (0.95) or percentages (95); default (0.95, 0.998).
    life_table:
        Also return the life table: ``interval_width`` (n), ``mortality_rate`` (M),
        ``separation_factor`` (a), ``death_probability`` (q), ``survivors`` (l),
        ``life_table_deaths`` (d), ``person_years`` (L), ``person_years_remaining`` (T) and
        ``standard_error`` of the life expectancy.
    open_from:
        Start of the open last band when ``age`` holds band starts (default 90, the
        layout ONS and OHID publish). A group with no row starting there is suppressed
        ("no row for the open age band 90+ (open_from=90)") instead of letting its
        highest start become the open band; when no group has it the call raises. Text
        labels ("85+") declare their own open band and ignore ``open_from``.
    on_invalid:
        ``"raise"`` (default): text, negative or infinite deaths or populations raise
        :class:`~healthgap.errors.InputError`. ``"suppress"``: their group is suppressed
        with the reason (e.g. "deaths is negative (column 'deaths')") and the other
        groups are computed, as are groups of a call where no group has the open band.

    Returns
    -------
    StatResult
        One row per group and band: the group columns, ``age`` (band start), ``age_band``,
        ``deaths``, ``population``, ``value`` (life expectancy at ``age`` in years), the limit
        columns, the life-table columns when asked for, ``suppressed`` and
        ``suppression_reason``.

    Suppression
    -----------
    All rows of a group are suppressed (NaN with a reason, one combined
    ``SuppressionWarning``) when its ages are band starts without a row for the open band
    ``open_from``, its bands differ from those of the other groups (the
    common layout is the most frequent one), a deaths or population value is missing,
    a population is 0, deaths exceed the population in a band, the total population is
    under 5,000, or there are no deaths in the open band. A single row is suppressed when
    its 95% confidence interval is wider than 20 years (whatever levels are requested),
    or when no one survives to its age.

    Raises
    ------
    InputError
        Missing columns, text or negative values in deaths or population, unreadable age
        labels, or a common layout with gaps, overlaps or no open last band.

    References
    ----------
    Chiang (1984); Silcocks, Jenner & Reza (2001) JECH 55:38-43; Eayres & Williams (2004)
    JECH 58:243-249; PHE/OHID life expectancy calculator.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({
    ...     "age": ["0-14", "15-44", "45-64", "65-84", "85+"],
    ...     "deaths": [20, 150, 900, 4_000, 3_000],
    ...     "pop": [90_000, 180_000, 130_000, 80_000, 12_000],
    ... })
    >>> out = healthgap.life_expectancy(df, "deaths", "pop", "age", confidence=0.95)
    >>> out.to_frame()[["age", "value", "lower_95_0", "upper_95_0"]].round(2)
       age  value  lower_95_0  upper_95_0
    0    0  75.10       74.78       75.42
    1   15  60.32       60.02       60.63
    2   45  31.47       31.23       31.72
    3   65  14.67       14.49       14.84
    4   85   4.00        3.86        4.14
    """
    levels = confidence_levels(confidence)
    if not isinstance(life_table, bool):
        raise InputError(f"life_table must be True or False; got {life_table!r}.")
    open_from = open_band_start(open_from)
    on_invalid = one_of(on_invalid, "on_invalid", ON_INVALID)
    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    frame.require(
        [deaths, population, age, *keys],
        ["deaths", "population", "age"] + ["group_by"] * len(keys),
    )
    no_reserved_names(keys, [AGE, AGE_BAND, DEATHS, col.POPULATION, col.VALUE, *LIFE_TABLE_COLUMNS])
    table = arrange(frame, age, keys, open_from, on_invalid)
    group_level = Suppression(table.groups)
    d, p = read_mortality(table, deaths, population, age, keys, group_level, on_invalid=on_invalid)
    lt = chiang(d, p, table.layout)

    rows = table.row_groups()
    suppression = row_suppression(group_level, rows)
    e = lt.e.ravel()
    se = lt.se.ravel()
    suppression.flag(~(lt.l.ravel() > 0), NO_SURVIVORS)
    width95 = 2.0 * intervals.z_value(0.95) * se
    suppression.flag(~(width95 <= MAX_CI_WIDTH), CI_TOO_WIDE)

    limits = {}
    with np.errstate(invalid="ignore"):  # suppressed groups may hold inf - inf
        for c in levels:
            z = intervals.z_value(c)
            limits[c] = (e - z * se, e + z * se)
    extra: dict[str, np.ndarray] = {}
    if life_table:
        whole = np.repeat(group_level.mask, table.layout.k)
        for name, arr in zip(
            LIFE_TABLE_COLUMNS,
            (lt.n, lt.m, lt.a, lt.q, lt.l, lt.d, lt.L, lt.T, lt.se),
            strict=True,
        ):
            flat = np.array(arr, dtype=float).ravel()
            flat[whole] = np.nan
            extra[name] = flat
        extra["standard_error"][suppression.mask] = np.nan
    out = assemble(
        rows,
        {DEATHS: d.ravel(), col.POPULATION: p.ravel()},
        e,
        limits,
        suppression,
        extra=extra,
    )
    _blank_cells_of_differing_groups(out, table, [DEATHS, col.POPULATION])
    suppression.warn("life_expectancy", unit="row")
    return StatResult(
        table=out,
        statistic="Life expectancy (years)",
        method="Chiang II abridged life table, Silcocks final band",
        confidence=levels,
        references=REFERENCES,
        notes=(
            f"age bands: {table.layout.describe()}",
            "limits use Chiang's variance with Silcocks' variance for the open band",
        ),
        kind=frame.kind,
        parameters={
            "age_bands": tuple(b.label for b in table.layout.bands),
            "open_from": table.open_from,
            "on_invalid": on_invalid,
        },
    )


def _blank_cells_of_differing_groups(
    out: pd.DataFrame, table: BandTable, columns: Sequence[str]
) -> None:
    """Inputs of a group whose bands differ were not read into the grid: show them as NaN."""
    reps = len(out) // table.groups.n
    mask = np.repeat(table.differs, reps)
    if mask.any():
        for c in columns:
            out.loc[mask, c] = np.nan
