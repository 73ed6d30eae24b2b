"""Record-level counts: one Ibis expression, many engines, compared with plain pandas.

The pandas reference below is written independently of healthgap.data.records: age
bands from the band rule (5-year bands, 90+ open; or 0, 1-4, 5-9, ...), financial years
from the April-March rule, areas by mapping each LSOA through the lookup.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthgap.data.engines import (
    check_engine,
    connect,
    execute,
    read_parquet,
    spark_session,
)
from healthgap.data.records import (
    RecordColumns,
    age_band_table,
    aggregate_records,
    count_records,
)
from healthgap.errors import InputError
from healthgap.stats.standard_populations import standard_population

AREA_COLUMNS = {
    "lsoa": "lsoa_code",
    "lad": "lad_code",
    "utla": "utla_code",
    "region": "region_code",
    "icb": "icb_code",
    "strategic_authority": "strategic_authority_code",
}


def band_19(age: Any) -> str | None:
    if pd.isna(age) or age < 0:
        return None
    if age >= 90:
        return "90+"
    lo = int(age) // 5 * 5
    return f"{lo}-{lo + 4}"


def band_20(age: Any) -> str | None:
    if pd.isna(age) or age < 0:
        return None
    if age == 0:
        return "0"
    if age < 5:
        return "1-4"
    return band_19(age)


def period_label(date: Any, kind: str) -> str | None:
    if date is None or pd.isna(date):
        return None
    if kind == "calendar":
        return str(date.year)
    start = date.year if date.month >= 4 else date.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def reference(
    df: pd.DataFrame, lookup: pd.DataFrame, by: list[str], period: str, bands: str
) -> pd.DataFrame:
    keyed = lookup.set_index("lsoa_code")
    out = pd.DataFrame(index=df.index)
    for key in by:
        if key in AREA_COLUMNS:
            col = AREA_COLUMNS[key]
            out[col] = df["lsoa_code"].map(keyed[col]) if key != "lsoa" else df["lsoa_code"]
        elif key in ("imd_decile", "core20"):
            out[key] = df["lsoa_code"].map(keyed[key])
        elif key == "age_band":
            fn = band_19 if bands == "esp2013_19" else band_20
            out[key] = [fn(a) for a in df["age"]]
        elif key == "period":
            out[key] = [period_label(d, period) for d in df["date"]]
        else:
            out[key] = df[key]
    return normalise(
        out.assign(count=1)
        .groupby(list(out.columns), dropna=False)
        .size()
        .rename("count")
        .reset_index()
    )


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "NA"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    return str(value)


def normalise(table: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in table.columns if c != "count"]
    out = pd.DataFrame({c: [_text(v) for v in table[c].astype(object)] for c in keys})
    out["count"] = table["count"].to_numpy(dtype=np.int64)
    return out.sort_values(keys, ignore_index=True)


@pytest.fixture(scope="module")
def records(synthetic_file: Path) -> pd.DataFrame:
    """The synthetic records plus edge cases: unknown LSOA, missing and extreme ages and
    dates on the calendar and financial year boundaries."""
    syn = pd.read_parquet(synthetic_file)
    frame = pd.DataFrame(
        {
            "lsoa_code": syn["lsoa_code"].astype(str),
            "age": syn["age"].astype("Int64"),
            "sex": syn["sex"].astype(str),
            "date": syn["date"].astype(object),
            "cause": syn["cause"].astype(str),
        }
    )
    known = frame["lsoa_code"].iloc[0]
    edges = pd.DataFrame(
        {
            "lsoa_code": ["E01999999", known, known, known, known, known, known, known],
            "age": pd.array([40, None, 0, 150, -1, 4, 89, 90], dtype="Int64"),
            "sex": ["Male", "Female", "Male", "Female", "Male", "Female", "Male", "Female"],
            "date": [
                dt.date(2020, 3, 31),
                dt.date(2020, 4, 1),
                dt.date(2019, 12, 31),
                dt.date(2020, 1, 1),
                None,
                dt.date(2021, 3, 31),
                dt.date(2021, 4, 1),
                dt.date(2023, 12, 31),
            ],
            "cause": ["Other"] * 8,
        }
    )
    return pd.concat([frame, edges], ignore_index=True)


@pytest.fixture(scope="module")
def records_file(records: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("edges") / "records-synthetic.parquet"
    records.to_parquet(path, index=False)
    return path


CASES = [
    (["lad", "age_band", "sex", "period"], "calendar", "esp2013_19"),
    (["region", "imd_decile", "period"], "financial", "esp2013_19"),
    (["utla", "core20", "age_band"], "calendar", "esp2013_20"),
    (["icb", "strategic_authority", "cause", "sex"], "calendar", "esp2013_19"),
    (["lsoa", "age"], "financial", "esp2013_19"),
]


def _run(
    backend: Any, path: Path, lookup: pd.DataFrame, by: list[str], period: str, bands: str
) -> pd.DataFrame:
    table = read_parquet(backend, path)
    expr = aggregate_records(table, by=by, period=period, age_bands=bands, lookup=lookup)
    return normalise(execute(expr))


@pytest.mark.parametrize(("by", "period", "bands"), CASES)
def test_duckdb_matches_pandas_reference(
    records: pd.DataFrame,
    records_file: Path,
    lookup: pd.DataFrame,
    by: list[str],
    period: str,
    bands: str,
) -> None:
    got = _run(connect("duckdb"), records_file, lookup, by, period, bands)
    pd.testing.assert_frame_equal(got, reference(records, lookup, by, period, bands))
    assert got["count"].sum() == len(records)


@pytest.mark.spark
@pytest.mark.parametrize(("by", "period", "bands"), [CASES[0], CASES[2]])
def test_spark_matches_duckdb_and_pandas(
    spark: Any,
    records: pd.DataFrame,
    records_file: Path,
    lookup: pd.DataFrame,
    by: list[str],
    period: str,
    bands: str,
) -> None:
    got = _run(connect("spark", session=spark), records_file, lookup, by, period, bands)
    want = reference(records, lookup, by, period, bands)
    pd.testing.assert_frame_equal(got, want)
    duck = _run(connect("duckdb"), records_file, lookup, by, period, bands)
    pd.testing.assert_frame_equal(got, duck)


@pytest.mark.spark
def test_count_records_on_spark_with_a_lookup(
    spark: Any, synthetic_file: Path, lookup: pd.DataFrame
) -> None:
    got = count_records(
        synthetic_file, by=["region", "sex"], engine="spark", session=spark, lookup=lookup
    )
    duck = count_records(synthetic_file, by=["region", "sex"], lookup=lookup)
    pd.testing.assert_frame_equal(normalise(got), normalise(duck))
    assert int(got["count"].sum()) == 5000


def test_edge_rows_land_in_the_right_groups(records_file: Path, lookup: pd.DataFrame) -> None:
    got = execute(
        aggregate_records(
            read_parquet(connect(), records_file),
            by=["age_band", "period"],
            period="financial",
            lookup=lookup,
        )
    )
    edges = got.set_index(["age_band", "period"])["count"]
    # The synthetic rows have no missing ages, so the missing band holds exactly the
    # missing (None) and negative (-1) ages.
    missing = got[got["age_band"].isna()]
    assert int(missing["count"].sum()) == 2
    assert int(got[got["period"].isna()]["count"].sum()) == 1
    assert edges.index.get_level_values("age_band")[-1] is None or pd.isna(
        edges.index.get_level_values("age_band")[-1]
    )  # missing bands sort last


def test_age_bands_sort_in_age_order(records_file: Path) -> None:
    got = execute(
        aggregate_records(
            read_parquet(connect(), records_file), by=["age_band"], age_bands="esp2013_20"
        )
    )
    labels = [b for b in got["age_band"] if isinstance(b, str)]
    assert labels[:4] == ["0", "1-4", "5-9", "10-14"]
    assert labels[-1] == "90+"


def test_age_band_table_follows_the_standard_population() -> None:
    for name in ("esp2013_19", "esp2013_20"):
        table = age_band_table(name)
        assert list(dict.fromkeys(table["age_band"])) == list(standard_population(name).labels)
        assert table["age_key"].tolist() == list(range(91))


def test_renamed_columns(lookup: pd.DataFrame) -> None:
    con = connect()
    t = con.create_table(
        "x",
        pd.DataFrame(
            {
                "ageyrs": [1, 7],
                "lsoa11": ["E01000001", "E01000001"],
                "dod": pd.to_datetime(["2020-01-01", "2021-06-01"]),
                "gender": ["F", "M"],
            }
        ),
    )
    cols = RecordColumns(age="ageyrs", lsoa="lsoa11", date="dod", sex="gender")
    got = execute(
        aggregate_records(t, by=["lad", "age_band", "sex", "period"], columns=cols, lookup=lookup)
    )
    want_lad = lookup.set_index("lsoa_code").loc["E01000001", "lad_code"]
    assert got.to_dict("list") == {
        "lad_code": [want_lad, want_lad],
        "age_band": ["0-4", "5-9"],
        "sex": ["F", "M"],
        "period": ["2020", "2021"],
        "count": [1, 1],
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ages=st.lists(st.integers(-2, 120), min_size=1, max_size=40),
    seed=st.integers(0, 2**16),
)
def test_counts_add_up_and_ignore_row_order(ages: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = len(ages)
    df = pd.DataFrame(
        {
            "age": ages,
            "sex": rng.choice(["Female", "Male"], n),
            "date": pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), "D"),
        }
    )
    con = connect()
    a = execute(
        aggregate_records(
            con.create_table("a", df), by=["age_band", "sex", "period"], period="financial"
        )
    )
    b = execute(
        aggregate_records(
            con.create_table("b", df.sample(frac=1, random_state=seed)),
            by=["age_band", "sex", "period"],
            period="financial",
        )
    )
    pd.testing.assert_frame_equal(a, b)
    assert int(a["count"].sum()) == n
    want = reference(
        df.assign(lsoa_code="x"),
        pd.DataFrame({"lsoa_code": ["x"]}),
        ["age_band", "sex", "period"],
        "financial",
        "esp2013_19",
    )
    pd.testing.assert_frame_equal(normalise(a), want)


# --- errors -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> Any:
    return connect().create_table(
        "small",
        pd.DataFrame(
            {
                "age": [1],
                "sex": ["M"],
                "lsoa_code": ["E01000001"],
                "date": pd.to_datetime(["2020-01-01"]),
            }
        ),
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"by": ["lad", "ward"]}, r"by must list keys from .*got 'ward'"),
        ({"by": []}, r"by must list keys .*got none"),
        ({"by": ["sex", "sex"]}, r"by must name each key once"),
        ({"period": "fiscal"}, r"period must be 'calendar' or 'financial'; got 'fiscal'"),
        ({"lsoa_vintage": 2001}, r"lsoa_vintage must be 2011 or 2021; got 2001"),
        ({"age_bands": "esp2013_21"}, r"age_bands must be 'esp2013_19' .*got 'esp2013_21'"),
        ({"age_bands": {"5-9": 1, "10+": 2}}, r"age_bands must cover every age from 0"),
        ({"by": ["cause"]}, r"the records must have a cause column 'cause'; got columns"),
        ({"by": ["lad"], "lookup": {"a": 1}}, r"lookup must be a pandas data frame"),
        ({"by": ["core20"]}, r"lookup must be given to count by core20; got none\. Build it"),
        (
            {"by": ["icb"], "lookup": pd.DataFrame({"lsoa_code": ["x"]})},
            r"lookup must have the column 'icb_code'",
        ),
    ],
)
def test_errors(small: Any, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InputError, match=match):
        aggregate_records(small, **kwargs)


def test_engine_errors(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"engine must be one of 'duckdb' or 'spark'; got 'polars'"
    ):
        check_engine("polars")
    with pytest.raises(
        InputError, match=r"remote must be a Spark Connect address starting 'sc://'"
    ):
        spark_session(remote="http://x")
    with pytest.raises(InputError, match=r"the records file must exist; got .*no such file"):
        read_parquet(connect(), tmp_path / "absent.parquet")
    with pytest.raises(InputError, match=r"engine must be one of"):
        count_records(tmp_path / "absent.parquet", engine="pandas")  # type: ignore[arg-type]


IRREGULAR = {"0": 1.0, "1-4": 1.0, "5-14": 1.0, "15-24": 1.0, "25-44": 1.0, "45-64": 1.0,
             "65-74": 1.0, "75-84": 1.0, "85+": 1.0}  # fmt: skip


def band_irregular(age: Any) -> str | None:
    """Hand-written rule for IRREGULAR (independent of the expression's grid or join)."""
    if pd.isna(age) or age < 0:
        return None
    for lo, hi, label in [(0, 0, "0"), (1, 4, "1-4"), (5, 14, "5-14"), (15, 24, "15-24"),
                          (25, 44, "25-44"), (45, 64, "45-64"), (65, 74, "65-74"),
                          (75, 84, "75-84")]:  # fmt: skip
        if lo <= int(np.floor(age)) <= hi:
            return label
    return "85+"


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_irregular_bands_and_fractional_ages(engine: str, request: Any, tmp_path: Path) -> None:
    """Bands off any regular grid are looked up with a join; fractional ages are floored
    (4.9 years is in 0-4, 0.5 in 0) on every engine, negative and missing ages get none."""
    session = request.getfixturevalue("spark") if engine == "spark" else None
    ages = [0.5, 0.0, 1.0, 4.9, 5.0, 14.99, 15.0, 44.5, 64.0, 84.9, 85.0, 101.2, -0.5, None]
    df = pd.DataFrame({"age": pd.array(ages, dtype="Float64")})
    con = connect(engine, session=session)
    df.to_parquet(tmp_path / "fractional.parquet")
    pd.DataFrame({"age": [0, 4, 5, 85, 99]}).to_parquet(tmp_path / "whole.parquet")
    table = read_parquet(con, tmp_path / "fractional.parquet")
    ints = read_parquet(con, tmp_path / "whole.parquet")
    bands = standard_population(IRREGULAR)
    got = execute(aggregate_records(table, by=["age", "age_band"], age_bands=bands))
    want = df.assign(age_band=[band_irregular(a) for a in ages])
    want = want.groupby(["age", "age_band"], dropna=False).size().rename("count").reset_index()
    key = ["age", "age_band"]
    got = got.assign(age=got["age"].astype("float64")).sort_values(key, ignore_index=True)
    want = want.assign(age=want["age"].astype("float64")).sort_values(key, ignore_index=True)

    def labels(col: pd.Series) -> list[Any]:
        return [None if pd.isna(x) else x for x in col]

    assert labels(got["age_band"]) == labels(want["age_band"])
    assert got["count"].astype(int).tolist() == want["count"].astype(int).tolist()
    # the same layout on integer ages through the band table
    got_int = execute(aggregate_records(ints, by=["age_band"], age_bands=bands))
    assert got_int.to_dict("list") == {
        "age_band": ["0", "1-4", "5-14", "85+"],
        "count": [1, 1, 1, 2],
    }


def test_area_numbers_keep_every_key_combination(lookup: pd.DataFrame) -> None:
    """Counting on area numbers gives each LAD x decile x Core20 its own group, an
    unknown LSOA its own missing group, and the record's own LSOA code with by='lsoa'."""
    first = lookup.iloc[:3]
    df = pd.DataFrame(
        {"lsoa_code": [*first["lsoa_code"], first["lsoa_code"].iloc[0], "W01000001", None]}
    )
    con = connect()
    t = con.create_table("areas", df)
    got = execute(aggregate_records(t, by=["lsoa", "lad", "imd_decile", "core20"], lookup=lookup))
    keyed = lookup.set_index("lsoa_code")
    rows = {
        r.lsoa_code: (r.lad_code, r.imd_decile, r.core20, r.count)
        for r in got.itertuples(index=False)
    }
    code0 = first["lsoa_code"].iloc[0]
    assert rows[code0][3] == 2
    for code in first["lsoa_code"]:
        assert rows[code][:3] == (
            keyed.loc[code, "lad_code"],
            keyed.loc[code, "imd_decile"],
            keyed.loc[code, "core20"],
        )
    assert pd.isna(rows["W01000001"][0]) and rows["W01000001"][3] == 1
    assert int(got["count"].sum()) == len(df)


@pytest.mark.parametrize("layout", ["esp2013_19", "esp2013_20"])
@pytest.mark.parametrize("dtype", ["int16", "int64", "float64"])
def test_every_age_gets_the_band_of_the_band_table(layout: str, dtype: str) -> None:
    """DuckDB divides integers with its own ``divide``; the bands match the band table."""
    ages = np.arange(-3, 131)
    df = pd.DataFrame({"age": ages.astype(dtype)})
    if dtype == "float64":
        df["age"] = df["age"] + 0.7  # floored to the same whole years
    table = connect().create_table("ages", df)
    expr = aggregate_records(table, by=["age", "age_band"], age_bands=layout)
    assert "divide(" in str(ibis.to_sql(expr)).lower()
    got = execute(expr)
    band_of = age_band_table(layout).set_index("age_key")["age_band"]
    whole = np.floor(got["age"].astype(float)).astype(int)
    want = [None if a < 0 else band_of[min(a, int(band_of.index.max()))] for a in whole]
    assert [None if pd.isna(b) else b for b in got["age_band"]] == want
    assert got["count"].sum() == len(ages)
