"""Data frames in, data frames out: one internal shape for pandas, polars and Arrow input.

Statistics work on a pandas frame internally and on numpy arrays in their hot paths.
:class:`InputFrame` remembers which kind of frame came in so the result goes back as the
same kind. :class:`Groups` turns the ``group_by`` columns into integer codes once, so
that every per-group sum is a single :func:`numpy.bincount` over all groups at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from healthgap.errors import InputError

FrameKind = Literal["pandas", "polars", "arrow"]


def _kind_of(data: Any) -> FrameKind:
    if isinstance(data, pd.DataFrame):
        return "pandas"
    module = type(data).__module__
    if module.startswith("polars"):
        return "polars"
    if module.startswith("pyarrow"):
        return "arrow"
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__dataframe__"):
        return "arrow"
    raise InputError(
        f"data must be a pandas or polars DataFrame (or an Arrow table); "
        f"got {type(data).__name__}. Load your CSV with pandas.read_csv or polars.read_csv first."
    )


def _to_pandas(data: Any, kind: FrameKind) -> pd.DataFrame:
    if kind == "pandas":
        return data
    if kind == "polars":
        import polars as pl

        if isinstance(data, pl.LazyFrame):
            data = data.collect()
        return data.to_pandas()
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data.to_pandas()
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data).to_pandas()
    return pd.api.interchange.from_dataframe(data)


def to_kind(frame: pd.DataFrame, kind: FrameKind) -> Any:
    """Convert a pandas result frame back to the kind of frame the user passed in."""
    if kind == "pandas":
        return frame
    if kind == "polars":
        import polars as pl

        return pl.from_pandas(frame)
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


def isin(values: pd.Series, allowed: Any) -> pd.Series:
    """``values.isin(allowed)``, fast when ``allowed`` is large.

    pandas 3 checks text held as Arrow strings against each allowed value one at a time in
    Python: 0.3 s for 35,000 LSOA codes, against 7 ms through the hash table pandas uses
    for Python objects. Same answer, same index.

    >>> isin(pd.Series(["E01000001", "E01000002", None]), {"E01000002"}).tolist()
    [False, True, False]
    """
    if isinstance(values.dtype, pd.StringDtype):
        return values.astype(object).isin(allowed)
    return values.isin(allowed)


def normalise_group_by(group_by: str | Sequence[str] | None) -> list[str]:
    """``None`` -> ``[]``, ``"area"`` -> ``["area"]``, lists are copied."""
    if group_by is None:
        return []
    if isinstance(group_by, str):
        return [group_by]
    cols = list(group_by)
    if not all(isinstance(c, str) for c in cols):
        raise InputError(
            f"group_by must be a column name or a list of column names; got {group_by!r}. "
            "Pass e.g. group_by=['area_code', 'sex']."
        )
    return cols


@dataclass(frozen=True)
class InputFrame:
    """The user's data as a pandas frame, plus the kind of frame to give back."""

    df: pd.DataFrame
    kind: FrameKind
    name: str = "data"

    @classmethod
    def of(cls, data: Any, name: str = "data") -> InputFrame:
        kind = _kind_of(data)
        df = _to_pandas(data, kind)
        return cls(df=df.reset_index(drop=True), kind=kind, name=name)

    def __len__(self) -> int:
        return len(self.df)

    def require(self, columns: Sequence[str], roles: Sequence[str] | None = None) -> None:
        """Raise :class:`InputError` naming every column that is missing."""
        missing = [c for c in columns if c not in self.df.columns]
        if not missing:
            return
        roles = roles or ["column"] * len(columns)
        role_of = dict(zip(columns, roles, strict=True))
        first = missing[0]
        available = ", ".join(map(str, list(self.df.columns)[:12]))
        more = " ..." if len(self.df.columns) > 12 else ""
        raise InputError(
            f"{role_of[first]} column {first!r} must be in {self.name}; got columns "
            f"[{available}{more}]. Check the spelling or pass the right name"
            + (f" (also missing: {', '.join(map(repr, missing[1:]))})" if len(missing) > 1 else "")
            + "."
        )

    def describe_row(self, row: int, context: Sequence[str] = ()) -> str:
        """``"row 5 (area E06000001, age 85-89)"`` — how an error message points at a row."""
        parts = [f"{c} {self.df.at[row, c]!s}" for c in context if c in self.df.columns]
        return f"row {row + 1}" + (f" ({', '.join(parts)})" if parts else "")


@dataclass(frozen=True)
class Groups:
    """Integer codes for the ``group_by`` columns, computed once per call.

    ``codes[i]`` is the group of row ``i``; ``keys`` has one row per group, sorted by
    the group columns so results do not depend on the order of the input rows.
    """

    codes: np.ndarray
    keys: pd.DataFrame
    columns: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, frame: InputFrame, group_by: Sequence[str]) -> Groups:
        cols = list(group_by)
        n = len(frame.df)
        if not cols:
            return cls(codes=np.zeros(n, dtype=np.intp), keys=pd.DataFrame(index=range(1)))
        grouped = frame.df.groupby(cols, sort=True, dropna=False, observed=True)
        codes = grouped.ngroup().to_numpy(dtype=np.intp)
        keys = grouped.size().reset_index()[cols]
        return cls(codes=codes, keys=keys, columns=cols)

    @property
    def n(self) -> int:
        return len(self.keys)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum a row-level array within each group (NaN counts as 0)."""
        return np.bincount(self.codes, weights=np.nan_to_num(values), minlength=self.n)

    def any(self, mask: np.ndarray) -> np.ndarray:
        """True for each group with at least one row where ``mask`` holds."""
        return np.bincount(self.codes, weights=mask.astype(float), minlength=self.n) > 0

    def size(self) -> np.ndarray:
        return np.bincount(self.codes, minlength=self.n)

    def describe(self, group: int) -> str:
        """``"area E06000001, sex Male"``; ``"all rows"`` when there is no grouping."""
        if not self.columns:
            return "all rows"
        row = self.keys.iloc[group]
        return ", ".join(f"{c} {row[c]}" for c in self.columns)
