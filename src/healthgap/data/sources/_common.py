"""Helpers every source parser uses: typed CSV reading and the canonical frames."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from healthgap.data.layout import INDICATOR_COLUMNS
from healthgap.errors import SchemaError

Kind = Literal["str", "int", "float", "bool"]

#: ONS "Geography type" labels -> healthgap's canonical area types.
ONS_AREA_TYPES: dict[str, str] = {
    "Country": "country",
    "Nation": "nation",
    "Region": "region",
    "Combined Authority or City Region": "combined_authority",
    "County or Unitary Authority": "utla",
    "Local Authority District": "lad",
}

#: Fingertips' polarity wording.
HIGH_IS_GOOD = "RAG - High is good"
LOW_IS_GOOD = "RAG - Low is good"


@dataclass(frozen=True)
class Parsed:
    """A parser's result: the canonical frame and how many records the file held.

    ``metadata`` is set by parsers of files that come with indicator metadata (one row
    per indicator in :data:`healthgap.data.layout.INDICATOR_METADATA_COLUMNS`); the
    store keeps it in its ``indicator_metadata`` table.
    """

    frame: pd.DataFrame
    records: int
    metadata: pd.DataFrame | None = None


def read_csv(path: Path, columns: Mapping[str, Kind]) -> pd.DataFrame:
    """Read ``path`` keeping only ``columns``, each converted to its kind.

    Raises :class:`~healthgap.errors.SchemaError` naming the file, the missing columns,
    or the first cell that is not of its column's kind.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(
            f"{path.name} must be a readable UTF-8 CSV file; got {exc}. "
            "Fetch the file again (healthgap data fetch)."
        ) from None
    missing = [c for c in columns if c not in header]
    if missing:
        shown = ", ".join(header[:10]) + (" ..." if len(header) > 10 else "")
        raise SchemaError(
            f"{path.name} must have the columns {missing}; got [{shown}]. "
            "The file is not the version in healthgap's catalogue: fetch it again."
        )
    dtype = {c: "str" for c, k in columns.items() if k in ("str", "bool")}
    frame = pd.read_csv(
        path,
        usecols=list(columns),
        dtype=dtype,
        keep_default_na=False,
        na_values={c: [""] for c in columns},
        encoding="utf-8-sig",
    )[list(columns)]
    for name, kind in columns.items():
        if kind in ("int", "float"):
            frame[name] = _numeric(frame[name], name, kind, path)
        elif kind == "bool":
            frame[name] = _boolean(frame[name], name, path)
    return frame


def _bad_cell(series: pd.Series, bad: np.ndarray, name: str, rule: str, path: Path) -> SchemaError:
    first = int(np.flatnonzero(bad)[0])
    return SchemaError(
        f"{path.name} column {name!r} must hold {rule}; got {int(bad.sum())} that do not "
        f"(first: {series.iloc[first]!r} on data row {first + 1}). "
        "The file is not the version in healthgap's catalogue: fetch it again."
    )


def _numeric(series: pd.Series, name: str, kind: Kind, path: Path) -> pd.Series:
    converted = pd.to_numeric(series, errors="coerce")
    bad = (converted.isna() & series.notna()).to_numpy()
    if bad.any():
        raise _bad_cell(series, bad, name, "numbers", path)
    if kind == "int":
        if (converted.dropna() % 1 != 0).any():
            frac = (converted.notna() & (converted % 1 != 0)).to_numpy()
            raise _bad_cell(series, frac, name, "whole numbers", path)
        return converted.astype("Int64")
    return converted.astype("float64")


def _boolean(series: pd.Series, name: str, path: Path) -> pd.Series:
    lowered = series.str.strip().str.lower()
    mapped = lowered.map({"true": True, "false": False})
    bad = (mapped.isna() & series.notna()).to_numpy()
    if bad.any():
        raise _bad_cell(series, bad, name, "true or false", path)
    return mapped.astype("boolean")


def area_types(labels: pd.Series, path: Path) -> pd.Series:
    """Map ONS geography labels to canonical area types; unknown labels are errors."""
    mapped = labels.map(ONS_AREA_TYPES)
    bad = (mapped.isna() & labels.notna()).to_numpy()
    if bad.any():
        raise _bad_cell(labels, bad, "geography", f"one of {sorted(ONS_AREA_TYPES)}", path)
    return mapped


def area_type_from_code(codes: pd.Series, path: Path) -> pd.Series:
    """Area type from the GSS code's entity prefix, for files without a type column."""
    prefix = codes.str[:3]
    known = {"E92": "nation", "W92": "nation", "N92": "nation", "S92": "nation"}
    known.update({"E12": "region", "K02": "country"})
    mapped = prefix.map(known)
    bad = mapped.isna().to_numpy()
    if bad.any():
        raise _bad_cell(codes, bad, "area_code", "nation, region or UK codes", path)
    return mapped


def indicator_frame(n: int, **columns: Any) -> pd.DataFrame:
    """A frame in the ``indicators`` layout; columns not given are missing (NULL)."""
    unknown = sorted(set(columns) - set(INDICATOR_COLUMNS))
    if unknown:  # a programming error in a parser, not a user error
        raise KeyError(f"not indicator columns: {unknown}")
    return typed_frame(
        pd.DataFrame(
            {name: _column(columns.get(name), n, sql) for name, sql in INDICATOR_COLUMNS.items()}
        ),
        INDICATOR_COLUMNS,
    )


_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype


def _column(value: Any, n: int, sql: str) -> Any:
    """A column of length ``n``: a series or array as given, a scalar (or None) repeated."""
    if isinstance(value, pd.Series):
        return value.reset_index(drop=True)
    if isinstance(value, np.ndarray | list | tuple):
        return value
    if sql == "VARCHAR":
        # pa.repeat builds the column in C: a Python list of n strings is slow for big files
        arr = pa.nulls(n, pa.large_string()) if value is None else pa.repeat(str(value), n)
        return pd.Series(pd.array(arr, dtype=_STR))
    if sql in ("INTEGER", "BIGINT"):
        return pd.Series(
            pd.arrays.IntegerArray(
                np.full(n, 0 if value is None else int(value), dtype=np.int64),
                np.full(n, value is None),
            )
        )
    return pd.Series(np.full(n, np.nan if value is None else float(value)))


def typed_frame(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """Order ``frame`` as ``columns`` (name -> SQL type) and give each column its dtype.

    Text becomes pandas' string dtype, whole numbers nullable ``Int64``, the rest
    ``float64``; missing values stay missing (NULL in the store).
    """
    out: dict[str, Any] = {}
    n = len(frame)
    for name, sql in columns.items():
        series = frame[name] if name in frame else _column(None, n, sql)
        if sql == "VARCHAR":
            out[name] = series if series.dtype == _STR else series.astype(_STR)
        elif sql in ("INTEGER", "BIGINT"):
            out[name] = series.astype("Int64") if series.dtype != "Int64" else series
        elif sql == "BOOLEAN":
            out[name] = series.astype("boolean")
        else:
            numeric = pd.api.types.is_numeric_dtype(series)
            out[name] = (series if numeric else pd.to_numeric(series)).astype("float64")
    return pd.DataFrame(out).reset_index(drop=True)


def require_unique(frame: pd.DataFrame, key: Sequence[str], path: Path) -> None:
    """Every ``key`` must identify one row; a repeated key is a schema error."""
    dup = frame.duplicated(list(key), keep=False).to_numpy()
    if dup.any():
        first = frame.loc[dup, list(key)].iloc[0].to_dict()
        raise SchemaError(
            f"{path.name} must have one row per {', '.join(key)}; got {int(dup.sum())} rows "
            f"that repeat a key (first: {first}). "
            "The file is not the version in healthgap's catalogue: fetch it again."
        )
