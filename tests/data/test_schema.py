"""The tidy indicator layout: column names, periods, the pandera schema and frame checks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.data import schema as sc
from healthgap.data.periods import parse_period, parse_periods
from healthgap.data.problems import IndicatorFileError, ProblemLog
from healthgap.data.schema import (
    FINGERTIPS_COLUMNS,
    TIDY_COLUMNS,
    indicator_schema,
    tidy_name,
    validate_indicator_frame,
)
from healthgap.errors import InputError, SchemaError

#: pandera's error class, imported the way healthgap imports pandera (PySpark, installed for
#: the Spark engine, warns about pandas 3 when pandera looks for it).
SchemaErrors = sc._pandera().errors.SchemaErrors


def validate_with(schema: object, df: pd.DataFrame) -> None:
    with sc._quiet_pyspark():
        schema.validate(df, lazy=True)  # type: ignore[attr-defined]


#: The header of the Fingertips "all data" CSV, as written by the Fingertips site's own
#: exporter (ukhsa-collaboration/fingertips-open, CsvBuilderIndicatorDataHeaderWriter),
#: with the parent comparison heading for regions and the later "Time period range".
FINGERTIPS_HEADER = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name",
    "Area Type", "Sex", "Age", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit",
    "Count", "Denominator", "Value note", "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to Regions (statistical) value or percentiles", "Time period Sortable",
    "New data", "Compared to goal", "Time period range",
]  # fmt: skip

#: fingertipsR's fingertips_data() names (the Fingertips names with spaces removed).
FINGERTIPSR_NAMES = {
    "IndicatorID": "indicator_id",
    "AreaCode": "area_code",
    "Timeperiod": "period",
    "LowerCI95.0limit": "lower_95_0",
    "UpperCI99.8limit": "upper_99_8",
    "Valuenote": "value_note",
    "CategoryType": "category_type",
}


def tidy_row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "indicator_id": "93722",
        "area_code": "E06000001",
        "area_type": "Counties & UAs (from Apr 2023)",
        "sex": "Persons",
        "age": "<75 yrs",
        "period": "2001 - 03",
        "value": 86.8092,
        "lower_95_0": 74.83134,
        "upper_95_0": 100.15676,
    }
    row.update(overrides)
    return row


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows) or [tidy_row()])


# ----------------------------------------------------------------------------- names


def test_every_fingertips_column_is_mapped_or_dropped_on_purpose() -> None:
    for name in FINGERTIPS_HEADER:
        assert tidy_name(name) is not None or sc.is_fingertips_extra(name), name
    mapped = {tidy_name(n) for n in FINGERTIPS_HEADER} - {None}
    # every tidy column except the derived years and polarity comes from the bulk CSV
    assert mapped == set(TIDY_COLUMNS) - {"period_start", "period_end", "polarity"}


def test_fingertipsr_and_tidy_names_map_to_the_same_columns() -> None:
    for name, tidy in FINGERTIPSR_NAMES.items():
        assert tidy_name(name) == tidy
    for c in TIDY_COLUMNS:
        assert tidy_name(c) == c
        assert tidy_name(c.upper()) == c
    assert tidy_name("Notes") is None
    assert all(tidy_name(k) == v for k, v in FINGERTIPS_COLUMNS.items())


# ----------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("label", "years"),
    [
        ("2020", (2020, 2020)),
        ("2018 - 20", (2018, 2020)),
        ("2011 - 2016", (2011, 2016)),
        ("2001-2003", (2001, 2003)),
        ("1999 - 01", (1999, 2001)),  # the century rolls over
        ("2018/19", (2018, 2019)),
        ("1999/00", (1999, 2000)),
        ("2018/2019", (2018, 2019)),
        ("2016/17 - 18/19", (2016, 2019)),
        ("2020 Q1", (2020, 2020)),
        ("2020/21 Q1", (2020, 2020)),  # April-June 2020
        ("2020/21 Q4", (2021, 2021)),  # January-March 2021
        ("Aug 2014", (2014, 2014)),
        ("2014 August", (2014, 2014)),
        ("2018-01-01/P3Y", (2018, 2020)),
        ("2018-04-01/P1Y", (2018, 2019)),  # a financial year
        ("2018/P1Y", (2018, 2018)),
        ("2018-01-01T00:00:00/P3Y", (2018, 2020)),
        ("2018-10-01/P6M", (2018, 2019)),
        ("2018-12-25/P7D", (2018, 2018)),  # ends 31 December
        ("2018-12-26/P7D", (2018, 2019)),  # ends 1 January
        ("2018-01-01/2020-12-31", (2018, 2020)),
        ("2018-01-01/2021-01-01", (2018, 2020)),  # an ISO interval ends before its end
        ("  2018   -   20 ", (2018, 2020)),
    ],
)
def test_period_forms(label: str, years: tuple[int, int]) -> None:
    assert parse_period(label) == years


@pytest.mark.parametrize(
    "label",
    [
        "2018-03",  # ISO 8601 for March 2018, not 2018 to 2103
        "2018/20",  # a financial year spans two consecutive years
        "2018 - 17",  # not 2018 to 2117
        "2016/17 - 15/16",
        "2020 Q5",
        "Foo 2014",
        "2020-13-01/P1Y",
        "2020-01-01/P0Y",
        "2020-01-01/2019-01-01",
        "next year",
        "",
    ],
)
def test_unreadable_periods_are_none(label: str) -> None:
    assert parse_period(label) is None


def test_non_text_period_is_none() -> None:
    assert parse_period(2020) is None
    assert parse_period(None) is None


@given(st.integers(1900, 2090), st.integers(1, 9))
def test_pooled_years_property(start: int, n: int) -> None:
    end = start + n
    assert parse_period(f"{start} - {end % 100:02d}") == (start, end)
    assert parse_period(f"{start} - {end}") == (start, end)
    assert parse_period(f"{start}/{(start + 1) % 100:02d}") == (start, start + 1)


@given(st.integers(1900, 2090), st.integers(1, 12), st.integers(1, 40))
def test_iso_month_durations_end_the_day_before(year: int, month: int, months: int) -> None:
    # independent arithmetic: the first day after the interval, minus one day
    after_month = month - 1 + months
    after = dt.date(year + after_month // 12, after_month % 12 + 1, 1)
    last = after - dt.timedelta(days=1)
    assert parse_period(f"{year}-{month:02d}-01/P{months}M") == (year, last.year)


def test_parse_periods_vectorised_matches_scalar() -> None:
    labels = pd.Series(["2018 - 20", None, "bad", "2018 - 20", "2019/20"], dtype="str")
    lo, hi, ok = parse_periods(labels)
    np.testing.assert_array_equal(lo, [2018, np.nan, np.nan, 2018, 2019])
    np.testing.assert_array_equal(hi, [2020, np.nan, np.nan, 2020, 2020])
    assert ok.tolist() == [True, True, False, True, True]


# ----------------------------------------------------------------------------- the schema


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    log = ProblemLog()
    out = sc.normalise(df, np.arange(1, len(df) + 1), log)
    assert not log
    return out


def test_schema_accepts_a_valid_tidy_frame() -> None:
    validate_with(indicator_schema(), tidy(frame()))


@pytest.mark.parametrize(
    ("override", "check"),
    [
        ({"count": -1.0}, "non_negative"),
        ({"denominator": -5.0}, "non_negative"),
        ({"area_code": "E0600001"}, "gss"),
        ({"polarity": "High is good"}, "polarity"),
        ({"lower_95_0": 90.0}, "lower_95_0<=value"),
        ({"upper_95_0": 80.0}, "value<=upper_95_0"),
        ({"lower_99_8": 99.0, "upper_99_8": 98.0, "value": np.nan}, "lower_99_8<=upper_99_8"),
        ({"period_start": 2004, "period_end": 2003}, "period_order"),
    ],
)
def test_each_schema_rule_fails_its_own_check(override: dict[str, object], check: str) -> None:
    df = tidy(frame())
    for k, v in override.items():
        df[k] = pd.array([v], dtype=df[k].dtype)
    with pytest.raises(SchemaErrors) as info:
        validate_with(indicator_schema(), df)
    assert check in set(info.value.failure_cases["check"])


def test_schema_requires_columns_and_non_empty_keys() -> None:
    df = tidy(frame())
    with pytest.raises(SchemaErrors, match="area_code"):
        validate_with(indicator_schema(), df.drop(columns="area_code"))
    df["indicator_id"] = pd.Series([None], dtype="str", index=df.index)
    with pytest.raises(SchemaErrors, match="not_nullable"):
        validate_with(indicator_schema(), df)


def test_schema_unique_key_can_be_switched_off() -> None:
    df = tidy(frame(tidy_row(), tidy_row()))
    with pytest.raises(SchemaErrors, match="uniqueness"):
        validate_with(indicator_schema(), df)
    validate_with(indicator_schema(unique=False), df)


def test_non_gss_codes_pass_for_gp_practices_pcns_and_trusts() -> None:
    rows = [
        tidy_row(area_code="A81001", area_type="GPs"),
        tidy_row(area_code="U50934", area_type="PCNs (v. 03/24)"),
        tidy_row(area_code="RXR", area_type="NHS trusts"),
        tidy_row(area_code="K04000001", area_type="England and Wales"),
        tidy_row(area_code="W06000001", area_type=None),
    ]
    validate_with(indicator_schema(), tidy(frame(*rows)))
    odd = frame(tidy_row(area_code="X123", area_type="Hospices"))
    with pytest.raises(SchemaErrors):
        validate_with(indicator_schema(), tidy(odd))
    validate_with(indicator_schema(non_gss_area_types=["hospices"]), tidy(odd))


# ----------------------------------------------------------------------------- frames


def test_validate_frame_maps_fingertips_names_and_parses_periods() -> None:
    df = pd.DataFrame(
        {
            "Indicator ID": [93722, 93722],
            "Area Code": ["E06000001", "E06000002"],
            "Time period": ["2001 - 03", "2022 - 24"],
            "Value": [86.8092, 43.7568024802388],
            "Recent Trend": ["", ""],
            "Something else": [1, 2],
        }
    )
    out = validate_indicator_frame(df)
    assert list(out.columns) == list(TIDY_COLUMNS)
    assert out["indicator_id"].tolist() == ["93722", "93722"]
    assert out["period_start"].tolist() == [2001, 2022]
    assert out["period_end"].tolist() == [2003, 2024]
    assert out["value"].tolist() == [86.8092, 43.7568024802388]
    assert out["sex"].isna().all()
    assert str(out["period_start"].dtype) == "Int64"


def test_validate_frame_polars_in_polars_out() -> None:
    df = pl.DataFrame({"indicator_id": ["1"], "area_code": ["E06000001"],
                       "period": ["2018/19"], "value": [1.5]})  # fmt: skip
    out = validate_indicator_frame(df)
    assert isinstance(out, pl.DataFrame)
    assert out["period_end"].to_list() == [2019]


def test_given_years_override_parsed_ones() -> None:
    df = frame(tidy_row(period="Financial years to 2019", period_start=2016, period_end=2019))
    with pytest.raises(IndicatorFileError, match="period must be a Fingertips"):
        validate_indicator_frame(df)
    df = frame(tidy_row(period="2016/17 - 18/19", period_start=2016, period_end=2019))
    assert validate_indicator_frame(df)["period_end"].tolist() == [2019]


def test_text_cells_are_stripped_and_empty_means_missing() -> None:
    df = frame(tidy_row(sex="  Persons ", category=" ", polarity="RAG - Low is good   "))
    out = validate_indicator_frame(df)
    assert out.loc[0, "sex"] == "Persons"
    assert pd.isna(out.loc[0, "category"])
    assert out.loc[0, "polarity"] == "RAG - Low is good"


def test_missing_markers_are_missing_and_other_text_is_a_problem() -> None:
    df = frame(tidy_row(count="NA"), tidy_row(area_code="E06000002", count=""),
               tidy_row(area_code="E06000003", count="12"))  # fmt: skip
    assert validate_indicator_frame(df)["count"].tolist()[2] == 12.0
    df = frame(tidy_row(count="[c]"), tidy_row(area_code="E06000002", count="1 234"))
    with pytest.raises(
        IndicatorFileError,
        match=r"count must be a number \(2 rows\): row 1, column 'count', value '\[c\]'; "
        r"row 2, column 'count', value '1 234'",
    ):
        validate_indicator_frame(df)


def test_every_problem_is_reported_at_once_grouped_by_rule() -> None:
    df = frame(
        tidy_row(count=-1),
        tidy_row(area_code="E0600001"),
        tidy_row(area_code="E06000002", value="x"),
        tidy_row(area_code="E06000003", lower_95_0=95.0),
        tidy_row(),  # repeats row 1
        tidy_row(area_code="E06000004", period="soon"),
        tidy_row(area_code="E06000005", polarity="Up"),
        tidy_row(area_code=None),
        tidy_row(area_code="E06000006", value=float("inf")),
    )
    with pytest.raises(IndicatorFileError) as info:
        validate_indicator_frame(df, source="mine")
    msg = str(info.value)
    assert msg.startswith("mine must follow the healthgap indicator layout; got 9 problems")
    for fragment in [
        "count must be 0 or more (1 row): row 1, column 'count', value -1.",
        "area_code must be an ONS GSS code (E, W, S, N or K and 8 digits, e.g. E06000001) "
        "(1 row): row 2, column 'area_code', value 'E0600001'.",
        "value must be a number (1 row): row 3, column 'value', value 'x'.",
        "lower_95_0 must be at most value (1 row): row 4",
        "must appear once (1 row): row 5, same key as row 1.",
        "period must be a Fingertips or ISO 8601 period",
        "polarity must be one of 'RAG - High is good'",
        "area_code must not be empty (1 row): row 8",
        "value must be a finite number (1 row): row 9",
        "Fix these rows and try again.",
    ]:
        assert fragment in msg
    assert isinstance(info.value, SchemaError)
    assert info.value.problems.total == 9


def test_examples_are_capped_and_the_rest_counted() -> None:
    rows = [tidy_row(area_code=f"E0600000{i}", count=-i - 1) for i in range(7)]
    with pytest.raises(IndicatorFileError, match=r"\(7 rows\): row 1.*row 2.*; and 5 more\."):
        validate_indicator_frame(frame(*rows), max_examples=2)


def test_known_area_codes() -> None:
    df = frame(tidy_row(), tidy_row(area_code="E06000099"))
    with pytest.raises(IndicatorFileError, match=r"area_code must be a known area code \(1 row\)"
                       r": row 2, column 'area_code', value 'E06000099'"):  # fmt: skip
        validate_indicator_frame(df, known_area_codes={"E06000001"})
    assert len(validate_indicator_frame(df, known_area_codes={"E06000001", "E06000099"})) == 2


def test_missing_required_columns_are_named_with_suggestions() -> None:
    df = pd.DataFrame({"Indicator ID": [1], "Area": ["E06000001"], "Time period": ["2020"]})
    with pytest.raises(
        IndicatorFileError,
        match=r"the header must have the columns 'Area Code', 'Value'; got \['Indicator ID', "
        r"'Area', 'Time period'\]\. 'Area' looks like 'Area Code'\.",
    ):
        validate_indicator_frame(df)
    with pytest.raises(IndicatorFileError, match=r"must have the column 'value'; got"):
        validate_indicator_frame(pd.DataFrame({"indicator_id": [1], "area_code": ["E06000001"],
                                               "period": ["2020"]}))  # fmt: skip


def test_two_columns_for_one_tidy_column() -> None:
    df = frame().assign(**{"Area Code": ["E06000001"]})
    with pytest.raises(IndicatorFileError, match="'area_code' and 'Area Code' both give area_code"):
        validate_indicator_frame(df)


def test_not_a_frame_is_an_input_error() -> None:
    with pytest.raises(InputError, match="data must be a pandas or polars DataFrame"):
        validate_indicator_frame([1, 2])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["E06000001", "E06000002", "E0600", "W06000010", "bad"]),
            st.sampled_from(["2018 - 20", "2018/19", "never"]),
            st.one_of(st.none(), st.floats(-5, 100), st.sampled_from(["x", "", "12"])),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_frames_either_pass_or_raise_schema_errors(rows: list[tuple[object, ...]]) -> None:
    df = pd.DataFrame(
        {
            "indicator_id": ["1"] * len(rows),
            "area_code": [r[0] for r in rows],
            "period": [r[1] for r in rows],
            "value": [1.0] * len(rows),
            "count": [r[2] for r in rows],
        }
    )
    try:
        out = validate_indicator_frame(df)
    except IndicatorFileError as exc:
        assert exc.problems.total >= 1
        return
    # what passed obeys the rules, checked here without the library
    assert out["area_code"].str.fullmatch(r"[EWSNK]\d{8}").all()
    assert (out["count"].dropna() >= 0).all()
    assert not out.duplicated(["area_code", "period"]).any()
