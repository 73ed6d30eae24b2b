"""The tidy indicator layout: one row per indicator, area, sex, age, category and period.

The layout follows the CSV files that OHID Fingertips publishes (the "all data" CSV of its
API and the ``fingertips_data()`` output of fingertipsR), with snake_case names::

    indicator_id, indicator_name, area_code, area_name, area_type, sex, age,
    category_type, category, period, period_start, period_end, value,
    lower_95_0, upper_95_0, lower_99_8, upper_99_8, count, denominator, polarity,
    value_note

:func:`indicator_schema` is the pandera schema with the rules every table in this layout
obeys; :func:`validate_indicator_frame` checks a frame already in memory, and
:mod:`healthgap.data.importing` reads files. Both report every problem at once as a
:class:`~healthgap.data.problems.IndicatorFileError` (a :class:`~healthgap.errors.SchemaError`)
whose message lists each problem with its row, column, value and rule, grouped by rule
(:mod:`healthgap.data.problems`).

Periods are kept as published text (``period``) and also as calendar years
(``period_start``/``period_end``, both inclusive) parsed by
:func:`healthgap.data.periods.parse_period`, which reads the Fingertips forms ("2020",
"2018 - 20", "2018/19", "2016/17 - 18/19", "2020 Q1", "2020/21 Q4", "Aug 2014") and ISO
8601 intervals ("2018-01-01/P3Y").
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthgap.data.layout import INDICATOR_KEY
from healthgap.data.periods import PERIOD_EXAMPLES, parse_periods
from healthgap.data.problems import IndicatorFileError, ProblemLog
from healthgap.errors import InputError

# ----------------------------------------------------------------------------- columns

TEXT_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "indicator_name",
    "area_code",
    "area_name",
    "area_type",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
)
YEAR_COLUMNS: tuple[str, ...] = ("period_start", "period_end")
LIMIT_COLUMNS: tuple[str, ...] = ("lower_95_0", "upper_95_0", "lower_99_8", "upper_99_8")
NUMBER_COLUMNS: tuple[str, ...] = ("value", *LIMIT_COLUMNS, "count", "denominator")
NOTE_COLUMNS: tuple[str, ...] = ("polarity", "value_note")

#: Every column of the tidy layout, in order.
TIDY_COLUMNS: tuple[str, ...] = (*TEXT_COLUMNS, *YEAR_COLUMNS, *NUMBER_COLUMNS, *NOTE_COLUMNS)

#: Columns a file must have (under any of their accepted names).
REQUIRED_COLUMNS: tuple[str, ...] = ("indicator_id", "area_code", "period", "value")

#: Columns that may not be empty in any row.
NON_EMPTY_COLUMNS: tuple[str, ...] = ("indicator_id", "area_code", "period")

#: One row per combination of these columns: the store's key
#: (:data:`healthgap.data.layout.INDICATOR_KEY`, defined there once), which includes
#: ``area_type`` because a unitary authority is listed both as a district and as an
#: upper-tier authority. A file that passes validation therefore loads without clashes.
KEY_COLUMNS: tuple[str, ...] = INDICATOR_KEY

#: Column names of the Fingertips "all data" CSV (API ``/api/all_data/csv/...``) and the
#: tidy column each one becomes. fingertipsR's ``fingertips_data()`` uses the same names
#: with the spaces removed ("IndicatorID", "LowerCI95.0limit"), which are accepted too.
FINGERTIPS_COLUMNS: Mapping[str, str] = {
    "Indicator ID": "indicator_id",
    "Indicator Name": "indicator_name",
    "Area Code": "area_code",
    "Area Name": "area_name",
    "Area Type": "area_type",
    "Sex": "sex",
    "Age": "age",
    "Category Type": "category_type",
    "Category": "category",
    "Time period": "period",
    "Value": "value",
    "Lower CI 95.0 limit": "lower_95_0",
    "Upper CI 95.0 limit": "upper_95_0",
    "Lower CI 99.8 limit": "lower_99_8",
    "Upper CI 99.8 limit": "upper_99_8",
    "Count": "count",
    "Denominator": "denominator",
    "Value note": "value_note",
    "Polarity": "polarity",
}

#: Fingertips columns that are comparisons or presentation, not data: read and dropped.
#: (The "Compared to <parent> value or percentiles" heading names the parent area type.)
FINGERTIPS_DROPPED: tuple[str, ...] = (
    "Parent Code",
    "Parent Name",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
    "Time period range",
)

#: Polarity names used by Fingertips (trailing spaces in its exports are stripped).
POLARITIES: tuple[str, ...] = (
    "RAG - High is good",
    "RAG - Low is good",
    "BOB - Blue orange blue",
    "Not applicable",
)

#: ONS Government Statistical Service codes: a nation letter (E, W, S, N; K for the UK,
#: Great Britain and England and Wales) and eight digits, e.g. E06000001.
GSS_PATTERN = r"^[EWSNK]\d{8}$"
_GSS = re.compile(GSS_PATTERN)

#: Area types whose codes are not GSS codes (NHS ODS codes for GP practices, PCNs and
#: trusts), matched as words in ``area_type`` ignoring case, e.g. "GPs", "NHS trusts".
NON_GSS_AREA_TYPES: tuple[str, ...] = (
    "gp",
    "gps",
    "practice",
    "practices",
    "pcn",
    "pcns",
    "primary care network",
    "primary care networks",
    "trust",
    "trusts",
    "provider",
    "providers",
    "hospital",
    "hospitals",
)

#: Text that means "no value" in a numeric column (empty, R's NA, pandas' NaN).
MISSING_MARKERS: frozenset[str] = frozenset({"", "NA", "NaN", "nan", "NULL", "null"})


def _alias_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


_ALIASES: dict[str, str] = {_alias_key(c): c for c in TIDY_COLUMNS}
_ALIASES.update({_alias_key(k): v for k, v in FINGERTIPS_COLUMNS.items()})
_ALIASES["gender"] = "sex"
_DROPPED = {_alias_key(c) for c in FINGERTIPS_DROPPED}


def tidy_name(column: str) -> str | None:
    """The tidy column a file column maps to, or ``None`` when it is not part of the layout.

    Matching ignores case, spaces and punctuation, so ``"Area Code"``, ``"AreaCode"`` and
    ``"area_code"`` all give ``"area_code"``.

    >>> tidy_name("Lower CI 95.0 limit"), tidy_name("LowerCI95.0limit"), tidy_name("Notes")
    ('lower_95_0', 'lower_95_0', None)
    """
    return _ALIASES.get(_alias_key(column))


def is_fingertips_extra(column: str) -> bool:
    """True for Fingertips comparison columns that the tidy layout drops on purpose."""
    key = _alias_key(column)
    return key in _DROPPED or (key.startswith("comparedto") and key.endswith("percentiles"))


def fingertips_name(column: str) -> str:
    """The Fingertips CSV heading of a tidy column (the tidy name where there is none)."""
    for k, v in FINGERTIPS_COLUMNS.items():
        if v == column:
            return k
    return column


# ----------------------------------------------------------------------------- area codes


def _non_gss_type_pattern(extra: Iterable[str] = ()) -> re.Pattern[str]:
    words = sorted({*NON_GSS_AREA_TYPES, *(w.lower() for w in extra)}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


def gss_required(area_type: pd.Series, extra: Iterable[str] = ()) -> np.ndarray:
    """True where ``area_type`` does not name an area type with non-GSS codes."""
    exempt = area_type.astype("str").str.contains(_non_gss_type_pattern(extra), na=False)
    return ~exempt.to_numpy(dtype=bool)


def is_gss_code(codes: pd.Series) -> np.ndarray:
    """True where the code is an ONS GSS code (missing codes count as False)."""
    return codes.astype("str").str.fullmatch(GSS_PATTERN, na=False).to_numpy(dtype=bool)


# ----------------------------------------------------------------------------- rules

#: Rule texts and remedies, keyed by the pandera check name (or a reader rule name).
RULES: dict[str, tuple[str, str]] = {
    "number": (
        "{column} must be a number",
        "Remove notes such as '*', 'x' or '[c]' and thousands separators; leave missing "
        "values empty and explain them in the value note.",
    ),
    "finite": (
        "{column} must be a finite number",
        "Replace 'inf' with the real value or leave it empty.",
    ),
    "year": (
        "{column} must be a whole year such as 2018",
        "Give the calendar year, or leave it empty to take it from the period.",
    ),
    "period": (
        "{period} must be a Fingertips or ISO 8601 period such as " + PERIOD_EXAMPLES,
        "Correct the period label.",
    ),
    "not_empty": ("{column} must not be empty", "Fill in the {column} of every row."),
    "non_negative": ("{column} must be 0 or more", "Check the source data for sign errors."),
    "gss": (
        "{area_code} must be an ONS GSS code (E, W, S, N or K and 8 digits, e.g. E06000001)",
        "Correct the code; for GP practices, PCNs or NHS trusts say so in {area_type}.",
    ),
    "known_area": (
        "{area_code} must be a known area code",
        "Check the code against the ONS code history; it may be retired or mistyped.",
    ),
    "polarity": (
        "{polarity} must be one of " + ", ".join(repr(p) for p in POLARITIES),
        "Use the Fingertips polarity name or leave it empty.",
    ),
    "period_order": (
        "{period_start} must not be after {period_end}",
        "Swap the years or correct the period.",
    ),
    "unique_key": (
        "each indicator, area, sex, age, category and period must appear once",
        "Remove the repeated rows or tell them apart (e.g. by sex, age or category).",
    ),
}
for _lo, _hi in (("lower_95_0", "upper_95_0"), ("lower_99_8", "upper_99_8")):
    RULES[f"{_lo}<=value"] = (
        f"{{{_lo}}} must be at most {{value}}",
        "Check that the limits are not swapped or taken from another row.",
    )
    RULES[f"value<={_hi}"] = (
        f"{{{_hi}}} must be at least {{value}}",
        "Check that the limits are not swapped or taken from another row.",
    )
    RULES[f"{_lo}<={_hi}"] = (
        f"{{{_lo}}} must be at most {{{_hi}}}",
        "Check that the limits are not swapped.",
    )


class _Names(dict[str, str]):
    def __init__(self, column: str, shown: Callable[[str], str]) -> None:
        super().__init__(column=column)
        self.shown = shown

    def __missing__(self, key: str) -> str:
        return self.shown(key)


def rule_text(key: str, column: str, shown: Callable[[str], str] = str) -> tuple[str, str]:
    """Rule and remedy for ``key``, naming columns as the source names them."""
    rule, remedy = RULES[key]
    names = _Names(column, shown)
    return rule.format_map(names), remedy.format_map(names)


# ----------------------------------------------------------------------------- schema


@contextlib.contextmanager
def _quiet_pyspark() -> Iterator[None]:
    """Silence PySpark's "does not yet fully support pandas >= 3" warning, only.

    pandera tries to import ``pyspark.pandas`` when PySpark is installed (healthgap's
    Spark engine), on import and again when it first registers its pandas backend;
    PySpark then warns about pandas-on-Spark, which healthgap does not use.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="PySpark does not yet fully support", category=FutureWarning
        )
        yield


def _pandera() -> Any:
    """``pandera.pandas``, imported on first use."""
    with _quiet_pyspark():
        import pandera.pandas as pa

    return pa


def _not_after(a: str, b: str) -> Callable[[pd.DataFrame], pd.Series]:
    def check(df: pd.DataFrame) -> pd.Series:
        return ~(df[a] > df[b]).fillna(False).astype(bool)

    return check


def _area_codes_check(extra_non_gss: Iterable[str]) -> Callable[[pd.DataFrame], pd.Series]:
    def check(df: pd.DataFrame) -> pd.Series:
        codes = df["area_code"]
        needs = gss_required(df["area_type"], extra_non_gss) & codes.notna().to_numpy()
        return pd.Series(~needs | is_gss_code(codes), index=df.index)

    return check


def indicator_schema(unique: bool = True, non_gss_area_types: Iterable[str] = ()) -> Any:
    """The pandera schema of the tidy indicator layout.

    Rules: every column of :data:`TIDY_COLUMNS` present with its type (text, whole years,
    floats); ``indicator_id``, ``area_code`` and ``period`` never empty; ``count`` and
    ``denominator`` 0 or more; each lower limit <= value <= upper limit where present;
    ``period_start`` <= ``period_end``; area codes are ONS GSS codes unless ``area_type``
    names GP practices, PCNs, NHS trusts (or ``non_gss_area_types``); ``polarity`` a
    Fingertips polarity; and, with ``unique=True``, one row per :data:`KEY_COLUMNS`.

    >>> type(indicator_schema()).__name__
    'DataFrameSchema'
    """
    pa = _pandera()
    non_gss = tuple(non_gss_area_types)
    columns: dict[str, Any] = {}
    for c in TEXT_COLUMNS:
        columns[c] = pa.Column(str, nullable=c not in NON_EMPTY_COLUMNS)
    for c in YEAR_COLUMNS:
        columns[c] = pa.Column("Int64", nullable=True)
    for c in NUMBER_COLUMNS:
        checks = (
            [pa.Check.ge(0, name="non_negative", error="non_negative")]
            if c in ("count", "denominator")
            else []
        )
        columns[c] = pa.Column(float, checks, nullable=True)
    columns["polarity"] = pa.Column(
        str, pa.Check.isin(POLARITIES, name="polarity", error="polarity"), nullable=True
    )
    columns["value_note"] = pa.Column(str, nullable=True)
    checks = [pa.Check(_area_codes_check(non_gss), name="gss")]
    checks.append(pa.Check(_not_after("period_start", "period_end"), name="period_order"))
    for lo, hi in (("lower_95_0", "upper_95_0"), ("lower_99_8", "upper_99_8")):
        checks.append(pa.Check(_not_after(lo, "value"), name=f"{lo}<=value"))
        checks.append(pa.Check(_not_after("value", hi), name=f"value<={hi}"))
        checks.append(pa.Check(_not_after(lo, hi), name=f"{lo}<={hi}"))
    return pa.DataFrameSchema(
        columns,
        checks=checks,
        strict=False,
        ordered=False,
        unique=list(KEY_COLUMNS) if unique else None,
        report_duplicates="all",
        name="healthgap indicator layout",
    )


# Which column a frame-wide check reports its failures in.
_WIDE_CHECK_COLUMN = {
    "gss": "area_code",
    "period_order": "period_start",
    **{f"{lo}<=value": lo for lo in ("lower_95_0", "lower_99_8")},
    **{f"value<={hi}": hi for hi in ("upper_95_0", "upper_99_8")},
    "lower_95_0<=upper_95_0": "lower_95_0",
    "lower_99_8<=upper_99_8": "lower_99_8",
}


def collect_schema_failures(
    tidy: pd.DataFrame,
    schema: Any,
    log: ProblemLog,
    file_name: Callable[[str], str] = str,
) -> None:
    """Validate ``tidy`` (indexed by source position) and add each failure to ``log``.

    ``file_name`` turns a tidy column name into the name the source uses, so that the
    message points at the column the user sees.
    """
    try:
        with _quiet_pyspark():
            schema.validate(tidy, lazy=True)
    except _pandera().errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for (check, column), sub in cases.groupby(["check", "column"], sort=False, dropna=False):
            key, col = _failure_key(str(check), column)
            if key in _WIDE_CHECK_COLUMN and col != _WIDE_CHECK_COLUMN[key]:
                continue  # a wide check lists every column of a failing row: keep one
            sub = sub.drop_duplicates("index").sort_values("index")
            shown = file_name(col) if col else None
            rule, remedy = rule_text(key, shown or "value", file_name)
            positions = [None if pd.isna(i) else int(i) for i in sub["index"]]
            values = list(sub["failure_case"]) if key != "unique_key" else None
            log.add(rule, remedy, positions, shown, values)


def _failure_key(check: str, column: Any) -> tuple[str, str]:
    col = "" if column is None or (isinstance(column, float) and np.isnan(column)) else str(column)
    if check in RULES:
        return check, col
    if check == "not_nullable":
        return "not_empty", col
    if check.startswith("field_uniqueness") or check.startswith("multiple_fields_uniqueness"):
        return "unique_key", "area_code"
    # dtype failures cannot happen after normalise(); anything else is a bug worth seeing
    raise AssertionError(f"unexpected pandera check {check!r} on column {col!r}")


def key_hashes(tidy: pd.DataFrame) -> np.ndarray:
    """Two independent 64-bit hashes of each row's :data:`KEY_COLUMNS`, shape ``(n, 2)``.

    128 bits make a false "duplicate" vanishingly unlikely (about 1e-24 for 25 million
    rows) while keeping 16 bytes per row, so a whole file's keys fit in memory.
    """
    keys = tidy[list(KEY_COLUMNS)]
    a = pd.util.hash_pandas_object(keys, index=False, hash_key="healthgap-key-01")
    b = pd.util.hash_pandas_object(keys, index=False, hash_key="healthgap-key-02")
    return np.column_stack([a.to_numpy(), b.to_numpy()])


def duplicate_positions(hashes: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose key repeats an earlier row: ``(later positions, first positions)``."""
    if len(positions) < 2:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    order = np.lexsort((positions, hashes[:, 1], hashes[:, 0]))
    h = hashes[order]
    pos = np.asarray(positions)[order]
    run_start = np.r_[True, np.any(h[1:] != h[:-1], axis=1)]
    first = pos[np.maximum.accumulate(np.where(run_start, np.arange(len(h)), 0))]
    later = ~run_start
    by_position = np.argsort(pos[later], kind="stable")
    return pos[later][by_position], first[later][by_position]


def report_duplicates(log: ProblemLog, later: np.ndarray, first: np.ndarray, column: str) -> None:
    """Add one problem per repeated key, pointing back at the row it repeats."""
    if len(later):
        rule, remedy = rule_text("unique_key", column)
        notes = [f"same key as {log.where} {f}" for f in first[: log.max_examples]]
        log.add(rule, remedy, later, None, notes=notes)


# ----------------------------------------------------------------------------- normalising


def _as_text(series: pd.Series, index: pd.Index) -> pd.Series:
    """Strip text; empty cells become missing. Whole floats print without '.0'."""
    if pd.api.types.is_float_dtype(series):
        out = series.map(lambda v: None if pd.isna(v) else f"{v:.15g}")
    elif pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        out = series.map(lambda v: None if pd.isna(v) else str(v))
    else:
        out = series
    out = pd.Series(out.to_numpy() if out.dtype == object else out.array, index=index)
    out = out.astype("str").str.strip()
    return out.mask(out == "")


def _cast_floats(text: pd.Series) -> np.ndarray | None:
    """Fast path: Arrow's string-to-float cast; ``None`` when some cell is not a number."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(text, type=pa.string(), from_pandas=True)
        return np.array(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


def _as_number(series: pd.Series, positions: np.ndarray, log: ProblemLog, shown: str) -> np.ndarray:
    """Floats; text that is not a number is a problem (and becomes NaN)."""
    if pd.api.types.is_bool_dtype(series):
        log.add(*rule_text("number", shown), positions, shown, series.to_numpy())
        return np.full(len(series), np.nan)
    if pd.api.types.is_numeric_dtype(series):
        values = np.array(series.to_numpy(dtype=float, na_value=np.nan), dtype=float)
    else:
        text = series.astype("str").str.strip()
        missing = text.isna() | text.isin(MISSING_MARKERS)
        text = text.mask(missing)
        fast = _cast_floats(text)
        if fast is not None:
            values = fast
        else:
            converted = pd.to_numeric(text, errors="coerce")
            values = np.array(converted.to_numpy(dtype=float, na_value=np.nan), dtype=float)
            bad = np.isnan(values) & ~missing.to_numpy(dtype=bool)
            if bad.any():
                shown_values = series.to_numpy()[bad]
                log.add(*rule_text("number", shown), positions[bad], shown, shown_values)
    inf = np.isinf(values)
    if inf.any():
        log.add(*rule_text("finite", shown), positions[inf], shown, values[inf])
        values[inf] = np.nan
    return values


def normalise(
    frame: pd.DataFrame,
    positions: np.ndarray,
    log: ProblemLog,
    file_name: Callable[[str], str] = str,
) -> pd.DataFrame:
    """Turn a frame with tidy column names into the tidy layout, logging type problems.

    Missing optional columns are added empty; text is stripped; numbers become floats
    (text in a numeric column is a problem); ``period_start``/``period_end`` come from
    the file where given, otherwise from :func:`parse_periods`. The result is indexed by
    ``positions`` (the source line or row of each row).
    """
    n = len(frame)
    index = pd.Index(positions, name="position")
    out: dict[str, Any] = {}
    for c in (*TEXT_COLUMNS, *NOTE_COLUMNS):
        out[c] = (
            _as_text(frame[c], index)
            if c in frame
            else pd.Series(np.full(n, None, dtype=object), index=index, dtype="str")
        )
    for c in NUMBER_COLUMNS:
        values = (
            _as_number(frame[c], positions, log, file_name(c)) if c in frame else np.full(n, np.nan)
        )
        out[c] = pd.Series(values, index=index)
    start, end, ok = parse_periods(out["period"])
    if not ok.all():
        shown = file_name("period")
        log.add(*rule_text("period", shown, file_name), positions[~ok], shown,
                out["period"].to_numpy()[~ok])  # fmt: skip
    for c, parsed in (("period_start", start), ("period_end", end)):
        if c in frame:
            shown = file_name(c)
            given = _as_number(frame[c], positions, log, shown)
            whole = np.isnan(given) | (given == np.round(given))
            if not whole.all():
                log.add(*rule_text("year", shown, file_name), positions[~whole], shown,
                        given[~whole])  # fmt: skip
                given[~whole] = np.nan
            parsed = np.where(np.isnan(given), parsed, given)
        out[c] = pd.Series(parsed, index=index, dtype=float).astype("Int64")
    return pd.DataFrame({c: out[c] for c in TIDY_COLUMNS}, index=index)


def rename_to_tidy(columns: Sequence[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """``(mapping file name -> tidy name, dropped Fingertips extras, unknown columns)``."""
    mapping: dict[str, str] = {}
    dropped: list[str] = []
    unknown: list[str] = []
    for c in columns:
        name = tidy_name(c)
        if name is not None:
            mapping[c] = name
        elif is_fingertips_extra(c):
            dropped.append(c)
        else:
            unknown.append(c)
    return mapping, dropped, unknown


# ----------------------------------------------------------------------------- frames


def validate_indicator_frame(
    data: Any,
    source: str = "data",
    known_area_codes: Collection[str] | None = None,
    non_gss_area_types: Iterable[str] = (),
    max_examples: int = 5,
) -> Any:
    """Check a frame against the indicator layout and return it in tidy form.

    Columns may use tidy names or Fingertips names (see :func:`tidy_name`); other
    columns are dropped. Every problem is collected before anything is raised.

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table).
    source:
        What to call the data in messages, e.g. a file name.
    known_area_codes:
        When given, every ``area_code`` must be one of these (e.g. the codes of the
        geography lookups); otherwise only the GSS pattern is checked.
    non_gss_area_types:
        Extra ``area_type`` words whose codes are not GSS codes.
    max_examples:
        How many examples to show for each rule.

    Returns
    -------
    The tidy frame (same kind as ``data``), columns :data:`TIDY_COLUMNS`.

    Raises
    ------
    IndicatorFileError
        (a :class:`~healthgap.errors.SchemaError`) listing every problem by row
        (1-based), column, value and rule.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"Indicator ID": [93722], "Area Code": ["E06000001"],
    ...                    "Time period": ["2001 - 03"], "Value": [86.8]})
    >>> validate_indicator_frame(df)[["indicator_id", "period_start", "period_end"]]
      indicator_id  period_start  period_end
    0        93722          2001        2003
    """
    from healthgap.stats._frames import InputFrame, to_kind

    frame = InputFrame.of(data, name=source)
    known_area_codes = known_codes(known_area_codes)
    log = ProblemLog(where="row", max_examples=max_examples)
    tidy = tidy_frame(frame.df, source, log, known_area_codes, non_gss_area_types)
    if log:
        raise IndicatorFileError(log.message(source, "Fix these rows and try again."), log, source)
    return to_kind(tidy.reset_index(drop=True), frame.kind)


def known_codes(codes: Any) -> frozenset[str] | None:
    """``known_area_codes`` as a set; a single string or a non-collection is an error."""
    if codes is None:
        return None
    if isinstance(codes, str | bytes) or not isinstance(codes, Iterable):
        raise InputError(
            f"known_area_codes must be a collection of area codes; got {codes!r}. "
            "Pass e.g. known_area_codes={'E06000001', 'E06000002'}."
        )
    return frozenset(str(c) for c in codes)


def check_columns(
    columns: Sequence[str], source: str, prefer_fingertips: bool = False
) -> dict[str, str]:
    """The tidy mapping of ``columns``; raise if a required column is missing or repeated."""
    log = ProblemLog(where="column")
    mapping, _, unknown = rename_to_tidy(columns)
    seen: dict[str, str] = {}
    for file_col, tidy_col in mapping.items():
        if tidy_col in seen:
            log.add(
                f"each column must appear once; {seen[tidy_col]!r} and {file_col!r} "
                f"both give {tidy_col}",
                "Remove one of them.",
            )
        seen[tidy_col] = file_col
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        fingertips = prefer_fingertips or any(" " in c or c[:1].isupper() for c in columns)
        names = [fingertips_name(c) if fingertips else c for c in missing]
        import difflib

        hints = []
        for m in names:
            close = difflib.get_close_matches(m, list(unknown), n=1, cutoff=0.6)
            if close:
                hints.append(f"{close[0]!r} looks like {m!r}")
        got = ", ".join(repr(c) for c in list(columns)[:8]) + (" ..." if len(columns) > 8 else "")
        log.add(
            f"the header must have the column{'s' if len(names) > 1 else ''} "
            + ", ".join(repr(m) for m in names)
            + f"; got [{got}]",
            ("; ".join(hints) + ". " if hints else "")
            + "Rename the columns (Fingertips or healthgap names both work).",
        )
    if log:
        raise IndicatorFileError(log.message(source), log, source)
    return mapping


def tidy_frame(
    df: pd.DataFrame,
    source: str,
    log: ProblemLog,
    known_area_codes: Collection[str] | None = None,
    non_gss_area_types: Iterable[str] = (),
    positions: np.ndarray | None = None,
    file_names: Mapping[str, str] | None = None,
    schema: Any = None,
    duplicates: bool = True,
) -> pd.DataFrame:
    """Rename, normalise and validate one frame (or chunk), adding problems to ``log``."""
    if file_names is None:
        mapping = check_columns([str(c) for c in df.columns], source)
        df = df.rename(columns={c: mapping[str(c)] for c in df.columns if str(c) in mapping})
        df = df[[c for c in df.columns if c in TIDY_COLUMNS]]
        file_names = {v: k for k, v in mapping.items()}
    if positions is None:
        positions = np.arange(1, len(df) + 1)
    names = dict(file_names)

    def shown(c: str) -> str:
        return names.get(c, c)

    tidy = normalise(df, positions, log, shown)
    if schema is None:
        schema = indicator_schema(unique=False, non_gss_area_types=non_gss_area_types)
    collect_schema_failures(tidy, schema, log, shown)
    if duplicates:
        later, first = duplicate_positions(key_hashes(tidy), positions)
        report_duplicates(log, later, first, shown("area_code"))
    if known_area_codes is not None:
        codes = tidy["area_code"]
        unknown = codes.notna().to_numpy() & ~codes.isin(known_area_codes).to_numpy()
        if unknown.any():
            log.add(
                *rule_text("known_area", shown("area_code"), shown),
                positions[unknown],
                shown("area_code"),
                codes.to_numpy()[unknown],
            )
    return tidy


__all__ = [
    "FINGERTIPS_COLUMNS",
    "GSS_PATTERN",
    "KEY_COLUMNS",
    "POLARITIES",
    "REQUIRED_COLUMNS",
    "TIDY_COLUMNS",
    "indicator_schema",
    "tidy_name",
    "validate_indicator_frame",
]
