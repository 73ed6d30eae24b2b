"""Arriaga decomposition of a life-expectancy gap by age and cause (METHODS.md section 12).

Both populations' life tables are built by :func:`healthgap.stats.life_table.chiang`
for every stratum at once; the contributions are array arithmetic on (strata x bands).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError
from healthgap.stats import _schema as col
from healthgap.stats._frames import Groups, InputFrame, normalise_group_by
from healthgap.stats._suppress import Suppression
from healthgap.stats._table import assemble
from healthgap.stats._validate import (
    ON_INVALID,
    RowChecks,
    no_reserved_names,
    one_of,
)
from healthgap.stats.life_table import (
    AGE,
    AGE_BAND,
    OPEN_FROM,
    BandTable,
    arrange,
    band_rows,
    chiang,
    flag_group_data,
    open_band_start,
    row_suppression,
)
from healthgap.stats.results import StatResult

REFERENCES = (
    "Arriaga EE (1984). Measuring and explaining the change in life expectancies. "
    "Demography 21(1):83-96.",
    "Preston SH, Heuveline P, Guillot M (2001). Demography: Measuring and Modeling Population "
    "Processes. Oxford: Blackwell (section 3.9, decomposition by age and cause).",
    "Chiang CL (1984). The Life Table and its Applications (the life tables compared).",
    "OHID. Segment Tool: contributions of causes of death and age groups to the gap in life "
    "expectancy.",
)

SHARE = "share_of_gap"
GAP = "gap"
LE_1 = "life_expectancy_1"
LE_2 = "life_expectancy_2"
_POP = "__healthgap_population__"


@dataclass(frozen=True)
class _Rows(InputFrame):
    """The rows of the two populations, numbered as in the user's whole table."""

    original: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))

    def describe_row(self, row: int, context: Sequence[str] = ()) -> str:
        parts = [f"{c} {self.df.at[row, c]!s}" for c in context if c in self.df.columns]
        return f"row {int(self.original[row]) + 1}" + (f" ({', '.join(parts)})" if parts else "")


def _match(series: pd.Series, value: Any) -> np.ndarray:
    """Rows whose group equals ``value``; text such as "1" from the CLI also matches 1."""
    hit = (series == value).to_numpy(dtype=bool, na_value=False)
    if not hit.any():
        hit = (series.astype(str) == str(value)).to_numpy(dtype=bool)
    return hit


def _comparison_rows(frame: InputFrame, group: str, comparison: Any) -> tuple[np.ndarray, ...]:
    if isinstance(comparison, str | bytes) or not isinstance(comparison, Sequence):
        raise InputError(
            f"comparison must be a pair of values of column {group!r}; got {comparison!r}. "
            "Pass e.g. comparison=('most deprived', 'least deprived')."
        )
    if len(comparison) != 2:
        raise InputError(
            f"comparison must be a pair of values of column {group!r}; got {len(comparison)} "
            "values. Pass e.g. comparison=('most deprived', 'least deprived')."
        )
    series = frame.df[group]
    masks = []
    for value in comparison:
        hit = _match(series, value)
        if not hit.any():
            shown = ", ".join(map(str, pd.unique(series.dropna())[:8]))
            raise InputError(
                f"comparison must name values of column {group!r}; got {value!r}, which is "
                f"not in it (values include: {shown}). Check the spelling."
            )
        masks.append(hit)
    if (masks[0] & masks[1]).any():
        raise InputError(
            f"comparison must name two different values of column {group!r}; got "
            f"{comparison[0]!r} and {comparison[1]!r}."
        )
    return masks[0], masks[1]


def arriaga(
    l1: np.ndarray,
    big_l1: np.ndarray,
    t1: np.ndarray,
    l2: np.ndarray,
    big_l2: np.ndarray,
    t2: np.ndarray,
) -> np.ndarray:
    """Arriaga's contribution of each band to e2 - e1 (rows: strata; columns: bands).

    delta_x = (l1_x/l1_0)(L2_x/l2_x - L1_x/l1_x) + (T2_{x+n}/l1_0)(l1_x/l2_x - l1_{x+n}/l2_{x+n})
    for closed bands and (l1_x/l1_0)(T2_x/l2_x - T1_x/l1_x) for the open band; they sum
    to e2_0 - e1_0.
    """
    radix = l1[:, :1]
    delta = np.empty_like(l1)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta[:, :-1] = (l1[:, :-1] / radix) * (
            big_l2[:, :-1] / l2[:, :-1] - big_l1[:, :-1] / l1[:, :-1]
        ) + (t2[:, 1:] / radix) * (l1[:, :-1] / l2[:, :-1] - l1[:, 1:] / l2[:, 1:])
        delta[:, -1] = (l1[:, -1] / radix[:, 0]) * (t2[:, -1] / l2[:, -1] - t1[:, -1] / l1[:, -1])
    return delta


def decompose_gap(
    data: Any,
    deaths: str,
    population: str,
    age: str,
    group: str,
    comparison: Sequence[Any],
    cause: str | None = None,
    group_by: str | Sequence[str] | None = None,
    *,
    open_from: int = OPEN_FROM,
    on_invalid: str = "raise",
) -> StatResult:
    """Contributions of age bands (and causes) to the gap in life expectancy (Arriaga).

    For two populations (``comparison=(population 1, population 2)``, two values of the
    ``group`` column), Chiang II life tables are built as in
    :func:`~healthgap.life_expectancy` and the gap e2_0 - e1_0 at the first band start is
    split by band x of width n (Arriaga 1984; Preston, Heuveline & Guillot 2001):

    delta_x = (l1_x/l1_0)(L2_x/l2_x - L1_x/l1_x)
    + (T2_{x+n}/l1_0)(l1_x/l2_x - l1_{x+n}/l2_{x+n}),

    and for the open band delta_x = (l1_x/l1_0)(T2_x/l2_x - T1_x/l1_x). The contributions
    sum exactly to the gap. With a ``cause`` column (deaths by cause; all-cause deaths are
    their sum) each band's contribution is shared between causes in proportion to the
    difference in cause-specific death rates: delta_{x,c} = delta_x (m2_{x,c} -
    m1_{x,c}) / (m2_x - m1_x). Where the all-cause rates of a band are equal, its
    (zero) contribution is shared equally between causes.

    A positive contribution means the band (or cause) adds to e2 - e1: put the population
    with the lower life expectancy first to read contributions to a positive gap, e.g.
    ``comparison=("most deprived", "least deprived")``. The decomposition is directional:
    swapping the populations changes the contributions slightly (not their sum).

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table): rows for both populations by age band
        (and cause). Rows for other values of ``group`` are ignored.
    deaths, population:
        Column names. With ``cause``, deaths are by cause and ``population`` repeats the
        band's population on every cause row (it must be the same on each).
    age:
        Column of age bands, as for :func:`~healthgap.life_expectancy`; both populations
        must have the same bands.
    group:
        Column telling the two populations apart.
    comparison:
        The two values of ``group`` to compare: the gap is LE(second) - LE(first).
    cause:
        Optional column of causes of death.
    group_by:
        Optional strata (e.g. sex, or period) decomposed separately, all at once.
    open_from:
        Start of the open band when ``age`` holds band starts (default 90); see
        :func:`~healthgap.life_expectancy`.
    on_invalid:
        ``"raise"`` (default) or ``"suppress"``: text, negative or infinite deaths or
        populations raise, or suppress the stratum's rows with the reason.

    Returns
    -------
    StatResult
        One row per stratum and band (and cause): the strata columns, ``age``, ``age_band``,
        the cause column, ``value`` (contribution in years), ``share_of_gap`` (value / gap,
        a proportion), ``gap`` (years), ``life_expectancy_1`` and ``life_expectancy_2`` (at
        the first band start), ``suppressed`` and ``suppression_reason``. There are no
        confidence limits.

    Suppression
    -----------
    A stratum is suppressed (NaN with a reason naming the population, one combined
    ``SuppressionWarning``) when either population has no rows there, or when either life
    table fails a group rule of :func:`~healthgap.life_expectancy`: bands differing from
    the rest, missing deaths or population, a population of 0, deaths above population,
    total population under 5,000, or no deaths in the open band.

    Raises
    ------
    InputError
        Missing columns, a ``comparison`` that is not two different values of ``group``,
        invalid deaths, population or age labels, or (with ``cause``) a population that
        differs between the cause rows of one band.

    References
    ----------
    Arriaga (1984) Demography 21:83-96; Preston, Heuveline & Guillot (2001) section 3.9;
    OHID Segment Tool.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({
    ...     "quintile": ["Q1"] * 3 + ["Q5"] * 3,
    ...     "age": ["0-44", "45-74", "75+"] * 2,
    ...     "deaths": [120, 1_500, 4_000, 60, 700, 3_500],
    ...     "pop": [300_000, 150_000, 30_000, 300_000, 150_000, 35_000],
    ... })
    >>> out = healthgap.decompose_gap(
    ...     df, "deaths", "pop", "age", group="quintile", comparison=("Q1", "Q5"))
    >>> out.to_frame()[["age_band", "value", "share_of_gap", "gap"]].round(3)
      age_band  value  share_of_gap    gap
    0     0-44  0.526         0.095  5.534
    1    45-74  3.193         0.577  5.534
    2      75+  1.815         0.328  5.534
    """
    open_from = open_band_start(open_from)
    on_invalid = one_of(on_invalid, "on_invalid", ON_INVALID)
    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    columns = [deaths, population, age, group, *([cause] if cause is not None else []), *keys]
    roles = ["deaths", "population", "age", "group", *(["cause"] if cause else [])]
    frame.require(columns, roles + ["group_by"] * len(keys))
    if group in keys or (cause is not None and (cause in keys or cause == group)):
        raise InputError(
            f"group_by must not include the group or cause column; got group={group!r}, "
            f"cause={cause!r}, group_by={keys}. Use group_by only for strata such as sex."
        )
    reserved = [AGE, AGE_BAND, col.VALUE, SHARE, GAP, LE_1, LE_2, _POP]
    no_reserved_names([*keys, *([cause] if cause else [])], reserved)
    first, second = _comparison_rows(frame, group, comparison)
    labels = [f"{group} {comparison[0]}", f"{group} {comparison[1]}"]

    keep = np.flatnonzero(first | second)
    sub = frame.df.iloc[keep].reset_index(drop=True)
    sub[_POP] = np.where(first[keep], 0, 1)
    rows_frame = _Rows(df=sub, kind=frame.kind, name=frame.name, original=keep)
    table = arrange(rows_frame, age, [*keys, _POP], open_from, on_invalid)

    context = [*keys, group, age]
    checks = RowChecks(rows_frame, context, on_invalid)
    d_row = checks.numbers(deaths, "deaths")
    p_row = checks.numbers(population, "population")
    causes: list[Any] = []
    if cause is None:
        d_cells = table.matrix(d_row)
        p_cells = table.matrix(p_row)
        d_by_cause = d_cells[:, :, None]
    else:
        d_by_cause, p_cells, causes = _by_cause(
            rows_frame, table, cause, d_row, p_row, context, keys, labels
        )
        d_cells = d_by_cause.sum(axis=2)
    group_level = Suppression(table.groups)
    checks.flag(group_level)
    flag_group_data(table, group_level, d_cells, p_cells, np.isnan(d_row), np.isnan(p_row))
    lt = chiang(d_cells, p_cells, table.layout)

    # (stratum, population) groups -> strata
    gk = table.groups.keys
    if keys:
        stratum = gk.groupby(keys, sort=True, dropna=False, observed=True).ngroup().to_numpy()
    else:
        stratum = np.zeros(len(gk), dtype=np.intp)
    n_strata = int(stratum.max()) + 1
    which = gk[_POP].to_numpy(dtype=np.intp)
    index = np.full((n_strata, 2), -1, dtype=np.intp)
    index[stratum, which] = np.arange(len(gk))
    first_of = np.zeros(n_strata, dtype=np.intp)
    first_of[stratum[::-1]] = np.arange(len(gk))[::-1]
    strata = Groups(
        codes=np.arange(n_strata, dtype=np.intp),
        keys=gk.loc[first_of, keys].reset_index(drop=True),
        columns=list(keys),
    )
    strata_level = Suppression(strata)
    for j in (0, 1):
        strata_level.flag(index[:, j] < 0, f"{labels[j]} has no rows")
    for j in (0, 1):
        present = index[:, j] >= 0
        reasons = np.full(n_strata, None, dtype=object)
        reasons[present] = group_level.reasons[index[present, j]]
        for reason in dict.fromkeys(r for r in reasons if r is not None):
            strata_level.flag(reasons == reason, f"{labels[j]}: {reason}")

    safe = np.where(index < 0, 0, index)
    i1, i2 = safe[:, 0], safe[:, 1]
    delta = arriaga(lt.l[i1], lt.L[i1], lt.T[i1], lt.l[i2], lt.L[i2], lt.T[i2])
    with np.errstate(divide="ignore", invalid="ignore"):
        e1 = lt.e[i1, 0]
        e2 = lt.e[i2, 0]
        gap = e2 - e1
        if cause is None:
            contributions = delta[:, :, None]
        else:
            m_c1 = d_by_cause[i1] / p_cells[i1][:, :, None]
            m_c2 = d_by_cause[i2] / p_cells[i2][:, :, None]
            dm = (lt.m[i2] - lt.m[i1])[:, :, None]
            weights = np.where(dm != 0, (m_c2 - m_c1) / dm, 1.0 / len(causes))
            contributions = delta[:, :, None] * weights

    extra_cols: list[tuple[str, Sequence[Any]]] = [(cause, causes)] if cause is not None else []
    rows = band_rows(strata, table.layout, extra_cols)
    suppression = row_suppression(strata_level, rows)
    per_row = rows.n // n_strata
    value = contributions.ravel()
    gap_rows = np.repeat(gap, per_row)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(gap_rows != 0, value / gap_rows, np.nan)
    extra = {
        SHARE: share,
        GAP: gap_rows,
        LE_1: np.repeat(e1, per_row),
        LE_2: np.repeat(e2, per_row),
    }
    suppression.apply(*extra.values())
    out = assemble(rows, {}, value, {}, suppression, extra=extra)
    strata_level.warn("decompose_gap")
    by = "age band and cause" if cause is not None else "age band"
    return StatResult(
        table=out,
        statistic=f"Contributions to the life expectancy gap by {by} (years)",
        method="Arriaga (1984) on Chiang II abridged life tables; no confidence limits",
        confidence=(),
        references=REFERENCES,
        notes=(
            f"gap = life expectancy of {labels[1]} minus that of {labels[0]} at age "
            f"{table.layout.bands[0].start}",
            f"age bands: {table.layout.describe()}",
        ),
        kind=frame.kind,
        parameters={"group": group, "comparison": tuple(comparison), "cause": cause},
    )


def _by_cause(
    frame: InputFrame,
    table: BandTable,
    cause: str,
    d_row: np.ndarray,
    p_row: np.ndarray,
    context: Sequence[str],
    keys: Sequence[str],
    labels: Sequence[str],
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Deaths as (groups x bands x causes) and the population of each band.

    The population must be the same on every cause row of a band (summed first over
    rows of the same cause, e.g. males and females).
    """
    codes, uniques = pd.factorize(frame.df[cause], sort=True, use_na_sentinel=True)
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise InputError(
            f"cause column {cause!r} must name a cause on every row; got an empty value at "
            f"{frame.describe_row(row, context)}. Fill it in or drop the row."
        )
    n_causes = len(uniques)
    g, k = table.shape
    ok = table.cell >= 0
    cc = table.cell[ok] * n_causes + codes[ok]
    size = g * k * n_causes

    def by_cell(w: np.ndarray) -> np.ndarray:
        return np.bincount(cc, weights=w, minlength=size).reshape(g, k, n_causes)

    d = by_cell(np.nan_to_num(d_row[ok]))
    p = by_cell(np.nan_to_num(p_row[ok]))
    present = by_cell(np.ones(int(ok.sum()))) > 0
    hi = np.where(present, p, -np.inf).max(axis=2)
    lo = np.where(present, p, np.inf).min(axis=2)
    any_row = present.any(axis=2)
    bad = any_row & (hi - lo > 1e-9 * np.maximum(np.abs(hi), 1.0))
    if bad.any():
        gi, bi = (int(v) for v in np.argwhere(bad)[0])
        causes_hi = uniques[int(np.argmax(np.where(present[gi, bi], p[gi, bi], -np.inf)))]
        causes_lo = uniques[int(np.argmin(np.where(present[gi, bi], p[gi, bi], np.inf)))]
        cell_keys = table.groups.keys.iloc[gi]
        where = ", ".join([*(f"{c} {cell_keys[c]}" for c in keys), labels[int(cell_keys[_POP])]])
        raise InputError(
            f"population must be the same on every cause row of an age band; got "
            f"{lo[gi, bi]:,.0f} ({causes_lo!s}) and {hi[gi, bi]:,.0f} ({causes_hi!s}) in "
            f"{where}, age band {table.layout.bands[bi].label}. Repeat the band's whole "
            "population on each cause row."
        )
    return d, np.where(any_row, hi, 0.0), list(uniques)
