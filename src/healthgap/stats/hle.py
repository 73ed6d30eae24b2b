"""Healthy life expectancy by the Sullivan method (METHODS.md section 8).

The life table comes from :func:`healthgap.stats.life_table.chiang` (deaths and
population) or from the user's own life table (survivors l and person-years L); the
prevalence of not being in good health discounts the person-years lived in each band.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from healthgap.errors import InputError
from healthgap.stats import _schema as col
from healthgap.stats import intervals
from healthgap.stats._frames import InputFrame, normalise_group_by
from healthgap.stats._suppress import Suppression
from healthgap.stats._table import assemble
from healthgap.stats._validate import (
    DEFAULT_CONFIDENCE,
    ON_INVALID,
    RowChecks,
    confidence_levels,
    no_reserved_names,
    one_of,
)
from healthgap.stats.life_table import (
    AGE,
    AGE_BAND,
    CI_TOO_WIDE,
    MAX_CI_WIDTH,
    NO_SURVIVORS,
    OPEN_FROM,
    BandTable,
    _reverse_cumsum,
    arrange,
    chiang,
    flag_layout,
    open_band_start,
    read_mortality,
    row_suppression,
)
from healthgap.stats.results import StatResult

REFERENCES = (
    "Sullivan DF (1971). A single index of mortality and morbidity. HSMHA Health Reports "
    "86(4):347-354.",
    "Jagger C, Van Oyen H, Robine JM (2014). Health Expectancy Calculation by the Sullivan "
    "Method: A Practical Guide, 4th edition. Newcastle University Institute for Ageing "
    "(EHLEIS).",
    "Hauet E (1997). Practical Guide on Health Expectancy Calculation: 'Sullivan Method'. "
    "Euro-REVES Sub-Committee on Research Design and Calculation Methods.",
    "Chiang CL (1984). The Life Table and its Applications (life table, when built from deaths "
    "and population).",
)

LIFE_EXPECTANCY = "life_expectancy"
LE_CI_TOO_WIDE = "life expectancy " + CI_TOO_WIDE
PROPORTION_MISSING = "health proportion is missing"
SAMPLE_SIZE_MISSING = "survey sample size is 0 or missing"
SE_MISSING = "proportion standard error is missing"
SURVIVORS_MISSING = "survivors are missing"
PERSON_YEARS_MISSING = "person-years are missing"


def _exactly_one(name_a: str, a: str | None, name_b: str, b: str | None, example: str) -> None:
    if (a is None) == (b is None):
        got = "both" if a is not None else "neither"
        raise InputError(
            f"healthy_life_expectancy must be given exactly one of {name_a} and {name_b}; "
            f"got {got}. Pass e.g. {example}."
        )


def _proportion_column(checks: RowChecks, column: str, role: str) -> np.ndarray:
    frame, context = checks.frame, checks.context
    values = checks.numbers(column, role, non_negative=False)
    out_of_range = (values < 0) | (values > 1)
    bad = np.flatnonzero(out_of_range)
    if bad.size:
        first = int(bad[0])
        hint = (
            " They look like percentages: divide them by 100." if np.nanmax(values) <= 100 else ""
        )
        checks.rule(
            out_of_range,
            f"{role} is outside 0 to 1 (column {column!r})",
            InputError(
                f"{role} column {column!r} must hold proportions between 0 and 1; got "
                f"{bad.size} {'value' if bad.size == 1 else 'values'} outside that range "
                f"(first: {values[first]:g} at {frame.describe_row(first, context)}).{hint}"
            ),
        )
        values[out_of_range] = np.nan
    return values


def _one_row_per_cell(table: BandTable, keys: Sequence[str], age: str) -> None:
    """Proportions cannot be added up across rows, so each group and band needs one row."""
    many = np.argwhere(table.rows_per_cell > 1)
    if many.size:
        g, b = (int(v) for v in many[0])
        raise InputError(
            f"data must have one row per group and age band for healthy life expectancy; "
            f"got {int(table.rows_per_cell[g, b])} rows for {table.groups.describe(g)}, "
            f"age band {table.layout.bands[b].label}. Proportions cannot be added up: "
            "combine the rows first, or add the column that tells them apart to group_by."
        )


def healthy_life_expectancy(
    data: Any,
    deaths: str | None,
    population: str | None,
    age: str,
    *,
    unhealthy_proportion: str | None = None,
    healthy_proportion: str | None = None,
    sample_size: str | None = None,
    proportion_se: str | None = None,
    survivors: str | None = None,
    person_years: str | None = None,
    group_by: str | Sequence[str] | None = None,
    confidence: float | Iterable[float] = DEFAULT_CONFIDENCE,
    open_from: int = OPEN_FROM,
    on_invalid: str = "raise",
) -> StatResult:
    """Healthy (or disability-free) life expectancy by the Sullivan method.

    With a life table (survivors l_i, person-years L_i) and the proportion pi_i of band i
    *not* in good health (METHODS.md section 8):

    HLE_x = sum_{i>=x} L_i (1 - pi_i) / l_x.

    Disability-free life expectancy (DFLE) is the same calculation with the proportion
    with a disability (or activity limitation) as pi_i; pass that column as
    ``unhealthy_proportion``.

    Intervals: Var(HLE_x) = sum_{i>=x} L_i^2 Var(pi_i) / l_x^2 with
    Var(pi_i) = pi_i (1 - pi_i) / N_i (``sample_size``) or the square of ``proportion_se``
    (e.g. from a survey with a complex design); limits HLE -/+ z SE. **Only the sampling
    variance of the prevalence is included; the variance of the mortality rates is
    ignored** (as in Jagger et al.'s guide), so the limits are somewhat too narrow for
    small populations.

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table) with exactly one row per group and age
        band.
    deaths, population:
        Columns from which a Chiang II life table is built exactly as in
        :func:`~healthgap.life_expectancy`. Pass ``None`` for both when giving your own life
        table through ``survivors`` and ``person_years``.
    age:
        Column of age bands, as for :func:`~healthgap.life_expectancy`.
    unhealthy_proportion, healthy_proportion:
        Exactly one: the column with the proportion (0 to 1) of each band *not* in good
        health (or with a disability), or the proportion *in* good health.
    sample_size, proportion_se:
        Exactly one: the survey sample size behind each proportion, or the standard error
        of each proportion (0 for a band whose proportion has no sampling error).
    survivors, person_years:
        Your own life table instead of deaths and population: l_x at the start of each band
        and L_x lived in it, on any radix.
    group_by:
        Column name(s) defining the groups; ``None`` for one group.
    confidence:
        One level or several, each in (0, 1) or as percentages (95, 99.8); default
        (0.95, 0.998).
    open_from:
        Start of the open band when ``age`` holds band starts (default 90); see
        :func:`~healthgap.life_expectancy`.
    on_invalid:
        ``"raise"`` (default) or ``"suppress"``: text, negative or infinite values, and
        proportions outside 0 to 1, raise :class:`~healthgap.errors.InputError` or
        suppress their group with the reason, computing the others.

    Returns
    -------
    StatResult
        One row per group and band: the group columns, ``age`` (band start), ``age_band``,
        ``value`` (healthy life expectancy at ``age`` in years), the limit columns,
        ``life_expectancy`` (from the same life table), ``suppressed`` and
        ``suppression_reason``.

    Suppression
    -----------
    Built from deaths and population, every rule of :func:`~healthgap.life_expectancy`
    applies (a row whose life expectancy is suppressed is suppressed here too). Also: a
    group with a missing proportion, a sample size of 0 or missing (or a missing standard
    error), or missing survivors or person-years; a row whose age nobody survives to; and a
    row whose 95% interval is wider than 20 years.

    Raises
    ------
    InputError
        Missing columns; both or neither of each pair of alternatives; proportions outside
        0 to 1 (with a hint when they look like percentages); negative sample sizes,
        standard errors, survivors or person-years; more than one row for a group and band.

    References
    ----------
    Sullivan (1971); Jagger, Van Oyen & Robine (2014), Health Expectancy Calculation by the
    Sullivan Method: A Practical Guide, 4th edition; Hauet (1997), Euro-REVES Practical
    Guide.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({
    ...     "age": ["0-14", "15-44", "45-64", "65-84", "85+"],
    ...     "deaths": [20, 150, 900, 4_000, 3_000],
    ...     "pop": [90_000, 180_000, 130_000, 80_000, 12_000],
    ...     "not_good": [0.03, 0.08, 0.20, 0.35, 0.55],
    ...     "n": [2_000, 5_000, 4_000, 3_000, 500],
    ... })
    >>> out = healthgap.healthy_life_expectancy(
    ...     df, "deaths", "pop", "age", unhealthy_proportion="not_good", sample_size="n",
    ...     confidence=0.95)
    >>> out.to_frame()[["age", "value", "lower_95_0", "upper_95_0", "life_expectancy"]].round(2)
       age  value  lower_95_0  upper_95_0  life_expectancy
    0    0  64.08       63.69       64.47            75.10
    1   15  49.72       49.35       50.10            60.32
    2   45  23.03       22.72       23.34            31.47
    3   65   9.27        9.03        9.50            14.67
    4   85   1.80        1.63        1.97             4.00
    """
    levels = confidence_levels(confidence)
    open_from = open_band_start(open_from)
    on_invalid = one_of(on_invalid, "on_invalid", ON_INVALID)
    _exactly_one(
        "unhealthy_proportion",
        unhealthy_proportion,
        "healthy_proportion",
        healthy_proportion,
        "unhealthy_proportion='not_good_health'",
    )
    _exactly_one(
        "sample_size", sample_size, "proportion_se", proportion_se, "sample_size='respondents'"
    )
    from_mortality = deaths is not None or population is not None
    if from_mortality and (
        deaths is None or population is None or survivors is not None or person_years is not None
    ):
        raise InputError(
            "healthy_life_expectancy must be given either deaths and population, or "
            f"survivors and person_years; got deaths={deaths!r}, population={population!r}, "
            f"survivors={survivors!r}, person_years={person_years!r}. Pass one pair and None "
            "for the other."
        )
    if not from_mortality and (survivors is None or person_years is None):
        raise InputError(
            "healthy_life_expectancy must be given either deaths and population, or "
            f"survivors and person_years; got survivors={survivors!r}, "
            f"person_years={person_years!r}. Pass both columns of your life table."
        )
    proportion = unhealthy_proportion if unhealthy_proportion is not None else healthy_proportion
    p_role = "unhealthy_proportion" if unhealthy_proportion is not None else "healthy_proportion"
    v_col = sample_size if sample_size is not None else proportion_se
    v_role = "sample_size" if sample_size is not None else "proportion_se"
    assert proportion is not None and v_col is not None

    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    if from_mortality:
        assert deaths is not None and population is not None
        lt_cols, lt_roles = [deaths, population], ["deaths", "population"]
    else:
        assert survivors is not None and person_years is not None
        lt_cols, lt_roles = [survivors, person_years], ["survivors", "person_years"]
    frame.require(
        [*lt_cols, age, proportion, v_col, *keys],
        [*lt_roles, "age", p_role, v_role] + ["group_by"] * len(keys),
    )
    no_reserved_names(keys, [AGE, AGE_BAND, col.VALUE, LIFE_EXPECTANCY])
    context = [*keys, age]

    table = arrange(frame, age, keys, open_from, on_invalid)
    _one_row_per_cell(table, keys, age)
    group_level = Suppression(table.groups)
    checks = RowChecks(frame, context, on_invalid)
    pi_row = _proportion_column(checks, proportion, p_role)
    v_row = checks.numbers(v_col, v_role)
    if not from_mortality:
        assert survivors is not None and person_years is not None
        l_row = checks.numbers(survivors, "survivors")
        big_l_row = checks.numbers(person_years, "person_years")
    checks.flag(group_level)
    if from_mortality:
        assert deaths is not None and population is not None
        d, p = read_mortality(
            table, deaths, population, age, keys, group_level, on_invalid=on_invalid
        )
        lt = chiang(d, p, table.layout)
        l_x, big_l = lt.l, lt.L
        se_le = lt.se.ravel()
    else:
        flag_layout(table, group_level)
        group_level.flag(table.groups.any(np.isnan(l_row)), SURVIVORS_MISSING)
        group_level.flag(table.groups.any(np.isnan(big_l_row)), PERSON_YEARS_MISSING)
        l_x, big_l = table.matrix(l_row), table.matrix(big_l_row)
        se_le = None

    group_level.flag(table.groups.any(np.isnan(pi_row)), PROPORTION_MISSING)
    pi = table.matrix(pi_row)
    if unhealthy_proportion is None:
        pi = 1.0 - pi
    v = table.matrix(v_row)
    if sample_size is not None:
        group_level.flag(table.groups.any(np.isnan(v_row) | (v_row <= 0)), SAMPLE_SIZE_MISSING)
        with np.errstate(divide="ignore", invalid="ignore"):
            var_pi = pi * (1.0 - pi) / v
    else:
        group_level.flag(table.groups.any(np.isnan(v_row)), SE_MISSING)
        var_pi = v**2

    rows = table.row_groups()
    suppression = row_suppression(group_level, rows)
    z95 = intervals.z_value(0.95)
    suppression.flag(~(l_x.ravel() > 0), NO_SURVIVORS)
    if se_le is not None:
        suppression.flag(~(2.0 * z95 * se_le <= MAX_CI_WIDTH), LE_CI_TOO_WIDE)
    le_hidden = suppression.mask.copy()  # rows whose life expectancy is not shown
    with np.errstate(divide="ignore", invalid="ignore"):
        life_exp = (_reverse_cumsum(big_l) / l_x).ravel()
        hle = (_reverse_cumsum(big_l * (1.0 - pi)) / l_x).ravel()
        se = (np.sqrt(_reverse_cumsum(big_l**2 * var_pi)) / l_x).ravel()
    suppression.flag(~(2.0 * z95 * se <= MAX_CI_WIDTH), CI_TOO_WIDE)

    limits = {}
    with np.errstate(invalid="ignore"):  # suppressed groups may hold inf - inf
        for c in levels:
            z = intervals.z_value(c)
            limits[c] = (hle - z * se, hle + z * se)
    life_exp[le_hidden] = np.nan
    out = assemble(rows, {}, hle, limits, suppression, extra={LIFE_EXPECTANCY: life_exp})
    suppression.warn("healthy_life_expectancy", unit="row")
    source = (
        "Chiang II life table from deaths and population"
        if from_mortality
        else "life table given (survivors and person-years)"
    )
    return StatResult(
        table=out,
        statistic="Healthy life expectancy (years), Sullivan method",
        method="Sullivan; limits from the prevalence sampling variance only",
        confidence=levels,
        references=REFERENCES,
        notes=(
            source,
            f"age bands: {table.layout.describe()}",
            "mortality variance is not included in the limits",
        ),
        kind=frame.kind,
        parameters={
            "proportion": p_role,
            "variance_from": v_role,
            "age_bands": tuple(b.label for b in table.layout.bands),
            "open_from": table.open_from,
            "on_invalid": on_invalid,
        },
    )
