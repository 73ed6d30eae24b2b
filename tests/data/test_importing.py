"""Reading indicator files: the valid sample, the malformed corpus, formats, size, fuzzing."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import healthgap.data.importing as imp
from healthgap.data.importing import (
    ImportReport,
    iter_indicator_file,
    read_indicator_file,
    size_text,
    validate_indicator_file,
)
from healthgap.data.problems import IndicatorFileError
from healthgap.data.schema import TIDY_COLUMNS
from healthgap.errors import InputError, SchemaError

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "fingertips_sample.csv"
CORPUS = HERE / "malformed"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))

#: OHID indicator 93722 (under-75 preventable CVD mortality, DSR per 100,000), as
#: republished by ONS (explore-local-statistics-data, see tests/reference/README.md).
PUBLISHED = {
    ("E92000001", "2001 - 03"): (60.76835, 60.31143, 61.22786),
    ("E06000001", "2001 - 03"): (86.8092, 74.83134, 100.15676),
    ("E06000002", "2022 - 24"): (43.7568024802388, 37.21154264120471, 51.117822317383),
}


# ----------------------------------------------------------------------------- valid files


def test_reads_the_fingertips_sample() -> None:
    df = read_indicator_file(SAMPLE)
    assert list(df.columns) == list(TIDY_COLUMNS)
    assert len(df) == 8
    for (code, period), (value, lo, hi) in PUBLISHED.items():
        row = df[(df["area_code"] == code) & (df["period"] == period)].iloc[0]
        assert (row["value"], row["lower_95_0"], row["upper_95_0"]) == (value, lo, hi)
    assert set(zip(df["period"], df["period_start"], df["period_end"], strict=True)) == {
        ("2001 - 03", 2001, 2003),
        ("2022 - 24", 2022, 2024),
    }
    assert df["indicator_id"].unique().tolist() == ["93722"]
    assert df["area_type"].iloc[0] == "England"
    assert df["category_type"].isna().all() and df["count"].isna().all()


def test_format_fingertips_and_csv_read_the_same() -> None:
    a = read_indicator_file(SAMPLE, "fingertips")
    b = read_indicator_file(SAMPLE, "csv")
    pd.testing.assert_frame_equal(a, b)


def test_tidy_names_parquet_and_excel_round_trip(tmp_path: Path) -> None:
    df = read_indicator_file(SAMPLE)
    df.to_csv(tmp_path / "tidy.csv", index=False)
    pd.testing.assert_frame_equal(read_indicator_file(tmp_path / "tidy.csv"), df)
    df.to_parquet(tmp_path / "tidy.parquet", index=False)
    pd.testing.assert_frame_equal(read_indicator_file(tmp_path / "tidy.parquet"), df)
    df.to_excel(tmp_path / "tidy.xlsx", index=False, sheet_name="data")
    pd.testing.assert_frame_equal(read_indicator_file(tmp_path / "tidy.xlsx", sheet="data"), df)
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    raw.to_parquet(tmp_path / "fingertips.pq", index=False)
    pd.testing.assert_frame_equal(read_indicator_file(tmp_path / "fingertips.pq"), df)


def test_encodings(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace("Middlesbrough", "Ynys Môn")
    for name, data in {
        "bom.csv": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "utf16.csv": text.encode("utf-16"),  # with its byte-order mark
        "crlf.csv": text.replace("\n", "\r\n").encode("utf-8"),
    }.items():
        (tmp_path / name).write_bytes(data)
        df = read_indicator_file(tmp_path / name)
        assert "Ynys Môn" in set(df["area_name"]), name
        assert df["area_code"].iloc[0] == "E92000001", name
    (tmp_path / "win.csv").write_bytes(text.encode("cp1252"))
    with pytest.raises(IndicatorFileError, match="must be UTF-8 text"):
        read_indicator_file(tmp_path / "win.csv")
    df = read_indicator_file(tmp_path / "win.csv", encoding="cp1252")
    assert "Ynys Môn" in set(df["area_name"])


def test_other_delimiter_when_asked(tmp_path: Path) -> None:
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    raw.to_csv(tmp_path / "semi.csv", sep=";", index=False)
    with pytest.raises(IndicatorFileError, match="separated by semicolons"):
        read_indicator_file(tmp_path / "semi.csv")
    pd.testing.assert_frame_equal(
        read_indicator_file(tmp_path / "semi.csv", delimiter=";"), read_indicator_file(SAMPLE)
    )


def test_blank_lines_and_quoted_line_breaks_keep_line_numbers(tmp_path: Path) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    # 0 header, 1 England 2001-03, 2 North East, 3 Hartlepool, ..., 6 North East 2022-24
    lines[3] = lines[3].replace(",Hartlepool,", ',"Hart\nle\npool",')
    bad = lines[6].replace("E12000001,North East region,Regions", "E1200001,North East region,R")
    lines.insert(2, "")  # a blank line after England
    # physical lines: 1 header, 2 England, 3 blank, 4 North East, 5-7 Hartlepool,
    # 8 Middlesbrough, 9 England 2022-24, 10 North East 2022-24
    path = tmp_path / "f.csv"
    path.write_text("\n".join([*lines[:7], bad, *lines[8:]]) + "\n", encoding="utf-8")
    with pytest.raises(IndicatorFileError, match=r"\(1 line\): line 10, column 'Area Code', "
                       r"value 'E1200001'"):  # fmt: skip
        read_indicator_file(path, chunk_rows=2)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    df = read_indicator_file(path, chunk_rows=2)
    assert len(df) == 8
    assert "Hart\nle\npool" in set(df["area_name"])


def test_gp_practice_codes_pass_when_area_type_says_so(tmp_path: Path) -> None:
    (tmp_path / "gp.csv").write_text(
        "Indicator ID,Area Code,Area Type,Time period,Value,Count,Denominator\n"
        "241,A81001,GPs,2022/23,72.5,290,400\n"
        "241,E38000001,Sub-ICB Locations,2022/23,70.1,7010,10000\n",
        encoding="utf-8",
    )
    df = read_indicator_file(tmp_path / "gp.csv")
    assert df["period_start"].tolist() == [2022, 2022]
    assert df["period_end"].tolist() == [2023, 2023]


# ----------------------------------------------------------------------------- the corpus


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_corpus(name: str) -> None:
    case = EXPECTED[name]
    error = {"IndicatorFileError": IndicatorFileError, "InputError": InputError}[case["error"]]
    with pytest.raises(error) as info:
        read_indicator_file(CORPUS / name, **case["kwargs"])
    assert type(info.value) is error
    for fragment in case["fragments"]:
        assert fragment in str(info.value)
    # the same problems stop validation and iteration before anything is yielded
    with pytest.raises(error, match=re.escape(case["fragments"][0])):
        validate_indicator_file(CORPUS / name, **case["kwargs"])
    with pytest.raises(error, match=re.escape(case["fragments"][0])):
        next(iter_indicator_file(CORPUS / name, **case["kwargs"]))


def test_corpus_covers_every_file() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.name not in ("expected.json", "make_corpus.py")}
    files -= {p for p in files if p.startswith("__")}
    assert files == set(EXPECTED)


def test_problem_message_shape() -> None:
    with pytest.raises(IndicatorFileError) as info:
        read_indicator_file(CORPUS / "limits_swapped.csv")
    msg = str(info.value)
    lines = msg.splitlines()
    assert lines[0] == (
        "limits_swapped.csv must follow the healthgap indicator layout; got 3 problems of 3 kinds:"
    )
    assert lines[1] == (
        "- Lower CI 95.0 limit must be at most Value (1 line): line 4, column "
        "'Lower CI 95.0 limit', value 100.15676. Check that the limits are not swapped or taken "
        "from another row."
    )
    assert lines[-1] == "Fix these in the file and read it again."
    assert isinstance(info.value, SchemaError)
    assert info.value.source == "limits_swapped.csv"
    assert info.value.problems.total == 3


# ----------------------------------------------------------------------------- size and chunks


def big_file(path: Path, n: int, duplicate_at: int | None = None) -> None:
    rows = ["indicator_id,area_code,period,value,count"]
    rows += [f"1,E{i:08d},2020,{i / 10},{i % 50}" for i in range(n)]
    if duplicate_at is not None:
        rows[duplicate_at + 1] = rows[1]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_duplicates_are_found_across_chunks(tmp_path: Path) -> None:
    big_file(tmp_path / "big.csv", 5000, duplicate_at=4321)
    with pytest.raises(IndicatorFileError, match=r"\(1 line\): line 4323, same key as line 2"):
        validate_indicator_file(tmp_path / "big.csv", chunk_rows=1000)


def test_validate_and_iterate_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big_file(tmp_path / "big.csv", 5000)
    report = validate_indicator_file(tmp_path / "big.csv", chunk_rows=1000)
    assert isinstance(report, ImportReport)
    assert (report.rows, report.format, report.encoding) == (5000, "csv", "utf-8-sig")
    assert report.columns == ("indicator_id", "area_code", "period", "value", "count")
    assert "5,000 rows" in report.summary()
    sizes = [len(c) for c in iter_indicator_file(tmp_path / "big.csv", chunk_rows=1000)]
    assert sizes == [1000] * 5
    whole = pd.concat(iter_indicator_file(tmp_path / "big.csv", chunk_rows=1500), ignore_index=True)
    pd.testing.assert_frame_equal(whole, read_indicator_file(tmp_path / "big.csv"))
    # nothing is kept in memory while validating: no chunk reaches the keep callback
    kept: list[int] = []
    real_scan = imp._Source.scan

    def spy(self, known, non_gss, keep):  # type: ignore[no-untyped-def]
        return real_scan(self, known, non_gss, keep if keep is None else kept.append)

    monkeypatch.setattr(imp._Source, "scan", spy)
    validate_indicator_file(tmp_path / "big.csv", chunk_rows=1000)
    assert kept == []


def test_too_big_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big_file(tmp_path / "big.csv", 2000)
    size = (tmp_path / "big.csv").stat().st_size

    def no_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("the rows were read")

    monkeypatch.setattr(imp.pd, "read_csv", no_read)
    with pytest.raises(
        IndicatorFileError,
        match=rf"the file must be at most 10 kB to be read into memory; got "
        rf"{re.escape(size_text(size))}\. Check it with validate_indicator_file\(\)",
    ):
        read_indicator_file(tmp_path / "big.csv", max_bytes=10_000)


def test_problems_stop_being_kept_but_are_still_counted(tmp_path: Path) -> None:
    big_file(tmp_path / "big.csv", 3000)
    text = (tmp_path / "big.csv").read_text().replace(",2020,", ",soon,")
    (tmp_path / "big.csv").write_text(text)
    with pytest.raises(IndicatorFileError, match=r"\(3000 lines\): line 2.*; and 2995 more\."):
        read_indicator_file(tmp_path / "big.csv", chunk_rows=700)


def test_size_text() -> None:
    assert [size_text(n) for n in (1, 12, 1_500, 730_000, 5_200_000_000)] == [
        "1 byte",
        "12 bytes",
        "1.5 kB",
        "730 kB",
        "5.2 GB",
    ]


# ----------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("path", "kwargs", "message"),
    [
        ("nowhere.csv", {},
         r"path must be an existing file; got '.*nowhere\.csv'\. Check the path\."),
        (".", {}, r"path must be a file; got the folder"),
        ("fingertips_sample.csv", {"format": "json"},
         r"format must be one of 'fingertips', 'csv', 'parquet', 'excel'; got 'json'\."),
        ("malformed/expected.json", {},
         r"the file name must end in one of .*; got 'expected\.json'\. Pass format="),
        ("fingertips_sample.csv", {"encoding": "utf-9"},
         r"encoding must be a Python codec name; got 'utf-9'"),
        ("fingertips_sample.csv", {"delimiter": ",,"},
         r"delimiter must be one character other than a quote or line break; got ',,'"),
        ("fingertips_sample.csv", {"delimiter": '"'}, r"delimiter must be one character"),
        ("fingertips_sample.csv", {"chunk_rows": 0},
         r"chunk_rows must be a whole number of 1 or more; got 0\."),
        ("fingertips_sample.csv", {"max_examples": True},
         r"max_examples must be a whole number of 1 or more; got True\."),
        ("fingertips_sample.csv", {"max_bytes": 0},
         r"max_bytes must be a whole number of bytes or None; got 0\."),
        ("fingertips_sample.csv", {"known_area_codes": "E06000001"},
         r"known_area_codes must be a collection of area codes; got 'E06000001'\."),
    ],
)  # fmt: skip
def test_argument_errors(path: str, kwargs: dict[str, object], message: str) -> None:
    target = HERE / path if path != "." else HERE
    with pytest.raises(InputError, match=message):
        read_indicator_file(target, **kwargs)  # type: ignore[arg-type]


def test_missing_excel_sheet(tmp_path: Path) -> None:
    read_indicator_file(SAMPLE).to_excel(tmp_path / "x.xlsx", index=False)
    with pytest.raises(IndicatorFileError, match=r"must be a readable Excel workbook \(\.xlsx\); "
                       r"got an error: Worksheet named 'nope' not found"):  # fmt: skip
        read_indicator_file(tmp_path / "x.xlsx", sheet="nope")


# ----------------------------------------------------------------------------- fuzzing

GOOD = SAMPLE.read_bytes()
TOKENS = [b",", b'"', b"\n", b"\r", b";", b"\t", b"\x00", b"-", b"\xef\xbb\xbf", b"\xff", b"x"]


@st.composite
def corrupted(draw: st.DrawFn) -> bytes:
    data = bytearray(GOOD)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 6))
        at = draw(st.integers(0, len(data)))
        if op == 0 and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == 1:
            del data[at : at + draw(st.integers(1, 60))]
        elif op == 2:
            data[at:at] = draw(st.binary(min_size=1, max_size=6))
        elif op == 3:
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == 4:
            data = data[:at]
        elif op == 5:
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[draw(st.integers(0, len(lines) - 1))])
            data = bytearray(b"\n".join(lines))
        else:
            lines = bytes(data).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted(), st.sampled_from([None, 3]))
def test_corrupted_files_give_only_input_errors(data: bytes, chunk_rows: int | None) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.csv"
        path.write_bytes(data)
        try:
            df = read_indicator_file(path, chunk_rows=chunk_rows or imp.DEFAULT_CHUNK_ROWS)
        except InputError as exc:  # SchemaError is an InputError
            assert str(exc)
            return
    # whatever was accepted obeys the layout
    assert list(df.columns) == list(TIDY_COLUMNS)
    assert df["area_code"].notna().all() and df["period_start"].notna().all()
    assert not df.duplicated(["indicator_id", "area_code", "sex", "age", "category_type",
                              "category", "period"]).any()  # fmt: skip
    assert (df["lower_95_0"].isna() | (df["lower_95_0"] <= df["value"])).all()
    assert np.isfinite(df["value"].dropna()).all()


# ----------------------------------------------------------------------------- .xlsx limits


def _rewrite(src: Path, dst: Path, change: dict[str, Any]) -> Path:
    """A copy of the workbook ``src`` with parts replaced or added (``change``)."""
    import zipfile

    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename in change:
                data = change.pop(item.filename)(data)
            new.writestr(item, data)
        for name, make in change.items():
            with new.open(name, "w") as part:
                make(part)
    return dst


def test_an_xlsx_zip_bomb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    import time

    good = tmp_path / "good.xlsx"
    read_indicator_file(SAMPLE).to_excel(good, index=False)

    def inflate(part: Any) -> None:  # 300 MB of zeros, deflated to about 300 kB
        block = b"0" * (1 << 20)
        for _ in range(300):
            part.write(block)

    bomb = _rewrite(good, tmp_path / "bomb.xlsx", {"xl/media/padding.xml": inflate})
    assert bomb.stat().st_size < 2_000_000
    start = time.perf_counter()
    with pytest.raises(
        IndicatorFileError,
        match=r"an Excel workbook must unpack to at most 250 MB; got 315 MB from a \d+(\.\d+)? kB "
        r"file\. Export the data as a CSV UTF-8 file",
    ):
        read_indicator_file(bomb)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (
            "A1:B2000000",
            r"an Excel sheet must have at most 1,048,576 rows; got 2,000,000 in sheet1",
        ),
        ("A1:ZZ10", r"an Excel sheet must have at most 256 columns; got 702 in sheet1"),
    ],
)
def test_xlsx_sheets_over_the_row_and_column_limits_are_refused(
    tmp_path: Path, ref: str, message: str
) -> None:
    good = tmp_path / "good.xlsx"
    read_indicator_file(SAMPLE).to_excel(good, index=False)

    def dimension(xml: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml)

    big = _rewrite(good, tmp_path / "big.xlsx", {"xl/worksheets/sheet1.xml": dimension})
    with pytest.raises(IndicatorFileError, match=message):
        read_indicator_file(big)
