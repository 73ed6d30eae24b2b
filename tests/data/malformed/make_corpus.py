"""Write the malformed-file corpus and its manifest (run once; the files are committed).

    .venv/bin/python tests/data/malformed/make_corpus.py

Every file is a small variation of ``tests/data/fingertips_sample.csv`` (real published
values, see tests/reference/README.md) with one kind of fault. ``expected.json`` gives,
for each file, the message fragments ``read_indicator_file`` must produce, the exception
class and any keyword arguments to pass.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "fingertips_sample.csv"

#: The Fingertips "all data" CSV header (fingertips-open CsvBuilderIndicatorDataHeaderWriter,
#: with "Time period range" as in current exports).
HEADER = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name",
    "Area Type", "Sex", "Age", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit",
    "Count", "Denominator", "Value note", "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to Regions (statistical) value or percentiles", "Time period Sortable",
    "New data", "Compared to goal", "Time period range",
]  # fmt: skip

NAME = "Under 75 mortality rate from cardiovascular diseases considered preventable"
# (area code, area name, area type, parent code, parent name); values below are the
# published 2001-03 and 2022-24 DSRs per 100,000 with 95% limits (OHID via ONS).
UA = "Counties & UAs (from Apr 2023)"
AREAS = [
    ("E92000001", "England", "England", "", ""),
    ("E12000001", "North East region", "Regions (statistical)", "E92000001", "England"),
    ("E06000001", "Hartlepool", UA, "E12000001", "North East region"),
    ("E06000002", "Middlesbrough", UA, "E12000001", "North East region"),
]
VALUES = {
    ("E92000001", "2001 - 03"): ("60.76835", "60.31143", "61.22786"),
    ("E12000001", "2001 - 03"): ("74.32557", "72.18097", "76.51764"),
    ("E06000001", "2001 - 03"): ("86.8092", "74.83134", "100.15676"),
    ("E06000002", "2001 - 03"): ("80.86083", "71.05255", "91.64251"),
    ("E92000001", "2022 - 24"): ("30.230023454287895", "29.9500674608297", "30.511942099078002"),
    ("E12000001", "2022 - 24"): ("34.852498029085304", "33.5399031592233", "36.203167530502"),
    ("E06000001", "2022 - 24"): ("37.5932529790734", "30.6340919255265", "45.654030494318"),
    ("E06000002", "2022 - 24"): ("43.7568024802388", "37.21154264120471", "51.117822317383"),
}


def sample_rows() -> list[list[str]]:
    rows = []
    for period, sortable in (("2001 - 03", "20010000"), ("2022 - 24", "20220000")):
        for code, area, kind, parent, parent_name in AREAS:
            value, lo, hi = VALUES[(code, period)]
            row = dict.fromkeys(HEADER, "")
            row.update(
                {
                    "Indicator ID": "93722",
                    "Indicator Name": NAME,
                    "Parent Code": parent,
                    "Parent Name": parent_name,
                    "Area Code": code,
                    "Area Name": area,
                    "Area Type": kind,
                    "Sex": "Persons",
                    "Age": "<75 yrs",
                    "Time period": period,
                    "Value": value,
                    "Lower CI 95.0 limit": lo,
                    "Upper CI 95.0 limit": hi,
                    "Time period Sortable": sortable,
                    "Time period range": "3y",
                }
            )
            rows.append([row[h] for h in HEADER])
    return rows


def to_csv(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def col(name: str) -> int:
    return HEADER.index(name)


def with_cell(rows: list[list[str]], i: int, name: str, value: str) -> list[list[str]]:
    out = [list(r) for r in rows]
    out[i][col(name)] = value
    return out


def main() -> None:
    rows = sample_rows()
    good = to_csv(HEADER, rows)
    SAMPLE.write_text(good, encoding="utf-8")
    expected: dict[str, dict[str, object]] = {}

    def put(name: str, content: str | bytes, *fragments: str, error: str = "IndicatorFileError",
            **kwargs: object) -> None:  # fmt: skip
        path = HERE / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        expected[name] = {"fragments": list(fragments), "error": error, "kwargs": kwargs}

    put("empty.csv", b"", "got an empty file (0 bytes)")
    put("blank_only.csv", "\n\n   \n", "must start with a header row")
    put("header_only.csv", to_csv(HEADER, []), "got only a header")
    put("bom_header_only.csv", "\ufeff" + to_csv(HEADER, []), "got only a header")
    put("semicolons.csv", to_csv(HEADER, rows, ";"), "separated by semicolons", "line 1")
    put("tabs.txt", to_csv(HEADER, rows, "\t"), "separated by tabs", "delimiter='\\t'")
    drop = [h for h in HEADER if h not in ("Area Code", "Value")]
    put(
        "missing_columns.csv",
        to_csv(drop, [[r[col(h)] for h in drop] for r in rows]),
        "must have the columns 'Area Code', 'Value'",
    )
    misspelt = [h if h != "Area Code" else "Area Cde" for h in HEADER]
    put("misspelt_header.csv", to_csv(misspelt, rows), "'Area Cde' looks like 'Area Code'")
    put(
        "repeated_column.csv",
        to_csv([*HEADER, "Value"], [[*r, r[col("Value")]] for r in rows]),
        "'Value' 2 times",
    )
    text = with_cell(with_cell(rows, 1, "Value", "*"), 3, "Count", "1,234")
    put(
        "text_in_numbers.csv",
        to_csv(HEADER, text),
        "Value must be a number (1 line): line 3, column 'Value', value '*'",
        "Count must be a number (1 line): line 5, column 'Count', value '1,234'",
    )
    put(
        "negative_count.csv",
        to_csv(HEADER, with_cell(rows, 2, "Count", "-4")),
        "Count must be 0 or more (1 line): line 4, column 'Count', value -4",
    )
    put(
        "negative_denominator.csv",
        to_csv(HEADER, with_cell(rows, 0, "Denominator", "-100")),
        "Denominator must be 0 or more (1 line): line 2",
    )
    bad_codes = with_cell(with_cell(rows, 2, "Area Code", "E0600001"), 3, "Area Code", "e06000002")
    put(
        "malformed_area_codes.csv",
        to_csv(HEADER, bad_codes),
        "Area Code must be an ONS GSS code",
        "(2 lines): line 4, column 'Area Code', value 'E0600001'; line 5",
    )
    put(
        "empty_area_code.csv",
        to_csv(HEADER, with_cell(rows, 4, "Area Code", "")),
        "Area Code must not be empty (1 line): line 6",
    )
    put(
        "unknown_area_code.csv",
        to_csv(HEADER, with_cell(rows, 3, "Area Code", "E06000099")),
        "Area Code must be a known area code (1 line): line 5, column 'Area Code', "
        "value 'E06000099'",
        known_area_codes=["E92000001", "E12000001", "E06000001", "E06000002"],
    )
    put(
        "duplicate_key.csv",
        to_csv(HEADER, [*rows[:3], rows[1], *rows[3:]]),
        "must appear once (1 line): line 5, same key as line 3",
    )
    put(
        "bad_period.csv",
        to_csv(HEADER, with_cell(with_cell(rows, 0, "Time period", "2001-03"), 5, "Time period",
                                 "last year")),
        "Time period must be a Fingertips or ISO 8601 period",
        "line 2, column 'Time period', value '2001-03'; line 7",
    )  # fmt: skip
    swapped = with_cell(with_cell(rows, 2, "Lower CI 95.0 limit", "100.15676"), 2,
                        "Upper CI 95.0 limit", "74.83134")  # fmt: skip
    put(
        "limits_swapped.csv",
        to_csv(HEADER, swapped),
        "Lower CI 95.0 limit must be at most Value (1 line): line 4",
        "Upper CI 95.0 limit must be at least Value (1 line): line 4",
        "Lower CI 95.0 limit must be at most Upper CI 95.0 limit",
    )
    put(
        "infinite_value.csv",
        to_csv(HEADER, with_cell(rows, 6, "Value", "inf")),
        "Value must be a finite number (1 line): line 8",
    )
    put(
        "many_negative_counts.csv",
        to_csv(HEADER, [with_cell(rows, i, "Count", str(-i - 1))[i] for i in range(8)]),
        "Count must be 0 or more (8 lines): line 2",
        "line 4, column 'Count', value -3; and 5 more",
        max_examples=3,
    )
    cp = to_csv(HEADER, with_cell(rows, 3, "Area Name", "Ynys Môn")).encode("cp1252")
    put(
        "windows_1252.csv",
        cp,
        "must be UTF-8 text; got bytes that are not UTF-8 (as Windows-1252 they read",
        "Ynys Môn",
        "(1 line): line 5",
        "encoding='cp1252'",
    )
    raw = to_csv(HEADER, rows).encode("utf-8").replace(b"Middlesbrough", b"Middles\x81rough", 1)
    put("undecodable.csv", raw, "bytes that are not UTF-8 (1 line): line 5",
        "pass the file's encoding")  # fmt: skip
    put(
        "utf16_without_bom.csv",
        to_csv(HEADER, rows).encode("utf-16-le"),
        "got NUL bytes in the header",
    )
    extra_first = [[*rows[0], "surplus"], *rows[1:]]
    put("extra_field_first_row.csv", to_csv(HEADER, extra_first),
        "as many fields as the header (27) (1 line): line 2, 28 fields")  # fmt: skip
    extra_later = [*rows[:3], [*rows[3], "surplus"], *rows[4:]]
    put("extra_field_later_row.csv", to_csv(HEADER, extra_later),
        "as many fields as the header (27) (1 line): line 5, 28 fields")  # fmt: skip
    lines = to_csv(HEADER, rows).splitlines()
    at = max(i for i, line in enumerate(lines) if ",Hartlepool," in line)  # line 7
    lines[at] = lines[at].replace(",Hartlepool,", ',"Hartlepool,', 1)
    put("unclosed_quote.csv", "\n".join(lines) + "\n",
        "every quoted field must be closed with a quote (1 line): line 8")  # fmt: skip
    put(
        "truncated.csv",
        good[: good.rindex("Middlesbrough") + 5],
        "the last line must have as many fields as the header (27) (1 line): line 9",
        "looks cut short",
    )
    put("workbook_named_csv.csv", b"PK\x03\x04" + b"\x00" * 60,
        "got what looks like an Excel workbook (.xlsx)", "format='excel'")  # fmt: skip
    put(
        "text_named_xlsx.xlsx",
        good,
        "the file must be an Excel workbook (.xlsx); got what looks like a text file",
    )
    put("corrupt.parquet", b"PAR1" + b"\x00" * 40 + b"PAR1", "must be a readable Parquet file")
    put("old_excel.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 60, "must be a .xlsx workbook",
        error="InputError")  # fmt: skip

    import pandas as pd

    frame = pd.DataFrame(with_cell(rows, 2, "Count", "-4"), columns=HEADER)
    frame.to_excel(HERE / "negative_count.xlsx", index=False)
    expected["negative_count.xlsx"] = {
        "fragments": ["Count must be 0 or more (1 row): row 4, column 'Count', value -4"],
        "error": "IndicatorFileError",
        "kwargs": {},
    }
    frame.to_parquet(HERE / "negative_count.parquet", index=False)
    expected["negative_count.parquet"] = {
        "fragments": ["Count must be 0 or more (1 record): record 3, column 'Count', value -4"],
        "error": "IndicatorFileError",
        "kwargs": {},
    }

    tidy_header = ["indicator_id", "area_code", "period", "period_start", "period_end", "value",
                   "polarity"]  # fmt: skip
    put(
        "tidy_bad_polarity.csv",
        to_csv(tidy_header, [["93722", "E06000001", "2001 - 03", "", "", "86.8", "High is good"]]),
        "polarity must be one of 'RAG - High is good'",
        "line 2, column 'polarity', value 'High is good'",
    )
    put(
        "tidy_years.csv",
        to_csv(
            tidy_header,
            [
                ["93722", "E06000001", "2001 - 03", "2001.5", "", "86.8", ""],
                ["93722", "E06000002", "2001 - 03", "2004", "2003", "80.9", ""],
            ],
        ),
        "period_start must be a whole year such as 2018 (1 line): line 2",
        "period_start must not be after period_end (1 line): line 3",
    )
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
