"""ONS mid-2020 population estimates by LSOA (2011) and single year of age, persons.

``population/ons_mye_mid2020_persons_single_year_lsoa11.csv`` (humaniverse/demographr
reshape of the ONS workbook, sheet "Mid-2020 Persons"): ``lsoa11_name, lsoa11_code,
total_population, 0, 1, ..., 89, 90+``; 34,753 LSOAs of England and Wales.

Stored as it comes, one row per LSOA with one whole-number column per age
(``age_0`` ... ``age_89``, ``age_90_plus``), in its own table
(``population_lsoa11_single_year``): 34,753 rows of 94 integers, rather than 3.2 million
rows in the long ``populations`` table. DuckDB stores the columns compressed, and summing
columns over any set of LSOAs (a footprint, a deprivation decile within it) is one scan
(:func:`healthgap.geography.age_structure.age_structure` returns the long form).

Checks: the header is exactly the layout above; codes are LSOA codes (E01 or W01), once
each; every age count is a whole number, 0 or more; the ages sum to ``total_population``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.sources._common import Parsed, require_unique
from healthgap.errors import SchemaError

YEAR = 2020
AGES: tuple[str, ...] = (*(str(a) for a in range(90)), "90+")
#: File column -> stored column.
AGE_COLUMNS: dict[str, str] = {a: ("age_90_plus" if a == "90+" else f"age_{a}") for a in AGES}
HEADER: tuple[str, ...] = ("lsoa11_name", "lsoa11_code", "total_population", *AGES)


def _fail(path: Path, rule: str, got: str) -> SchemaError:
    return SchemaError(
        f"{path.name} {rule}; got {got}. Fetch the catalogue's version of the file "
        "(healthgap data fetch)."
    )


def single_year_lsoa11(path: Path, source_id: str) -> Parsed:
    """Every LSOA's mid-2020 population by single year of age (0 to 89, 90+), wide."""
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns.tolist()
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise _fail(path, "must be a readable UTF-8 CSV file", str(exc)) from None
    if tuple(header) != HEADER:
        extra = [c for c in header if c not in HEADER]
        missing = [c for c in HEADER if c not in header]
        raise _fail(
            path,
            "must have the columns lsoa11_name, lsoa11_code, total_population, 0 ... 89, 90+ "
            "in that order",
            f"missing {missing[:5]}, unexpected {extra[:5]}",
        )
    numbers = ["total_population", *AGES]
    text = {"lsoa11_name": "str", "lsoa11_code": "str"}
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = {**dict.fromkeys(text, pa.string()), **dict.fromkeys(numbers, pa.float64())}
    try:  # fast path (Arrow's multi-threaded reader): every number parses
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
        raw = table.to_pandas()
    except (pa.ArrowInvalid, ValueError):  # find the cell that does not, for the message
        raw = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8-sig")
    records = len(raw)
    codes = raw["lsoa11_code"]
    ok = codes.str.fullmatch(r"[EW]01\d{6}").fillna(False).to_numpy()
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise _fail(
            path,
            "column 'lsoa11_code' must hold LSOA codes (E01 or W01 and six digits)",
            f"{codes.iloc[i]!r} on data row {i + 1}",
        )
    require_unique(raw, ["lsoa11_code"], path)
    numeric = raw[numbers]
    if not all(pd.api.types.is_float_dtype(t) for t in numeric.dtypes):
        numeric = numeric.apply(pd.to_numeric, errors="coerce")
    values = numeric.to_numpy(dtype="float64")
    bad = ~np.isfinite(values) | (values < 0) | (values % 1 != 0)
    if bad.any():
        i, j = (int(k[0]) for k in np.nonzero(bad))
        raise _fail(
            path,
            f"column {numbers[j]!r} must hold whole numbers of 0 or more",
            f"{raw[numbers[j]].iloc[i]!r} on data row {i + 1}",
        )
    ages = values[:, 1:].astype("int64")
    total = values[:, 0].astype("int64")
    off = ages.sum(axis=1) != total
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise _fail(
            path,
            "the ages 0 ... 90+ must sum to 'total_population'",
            f"{int(ages[i].sum())} against {int(total[i])} for {codes.iloc[i]} (data row {i + 1})",
        )
    frame = pd.DataFrame(
        {
            "lsoa11_code": codes.astype("str"),
            "lsoa11_name": raw["lsoa11_name"].astype("str"),
            "year": np.full(records, YEAR, dtype="int32"),
            "total_population": total.astype("int32"),
        }
    )
    age_frame = pd.DataFrame(ages.astype("int32"), columns=list(AGE_COLUMNS.values()))
    return Parsed(pd.concat([frame, age_frame], axis=1), records)
