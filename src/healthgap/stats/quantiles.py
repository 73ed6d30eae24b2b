"""Quantile assignment: the Fingertips deprivation-category method (METHODS.md section 9)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from healthgap.errors import InputError
from healthgap.stats._frames import Groups, InputFrame, normalise_group_by, to_kind
from healthgap.stats._suppress import Suppression
from healthgap.stats._validate import numeric_column, one_of, require_finite, whole_number

#: Output column added to the input rows.
QUANTILE = "quantile"

FirstQuantile = Literal["highest", "lowest"]
FIRST_QUANTILE_OPTIONS: tuple[str, ...] = ("highest", "lowest")

REFERENCES = (
    "OHID. Fingertips technical guidance: assigning areas to deprivation quantiles.",
    "Ministry of Housing, Communities and Local Government (2019). The English Indices of "
    "Deprivation 2019: technical report (deciles of rank, 1 = most deprived).",
)


def quantile_numbers(
    value: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    nquantiles: int,
    first_quantile: FirstQuantile = "highest",
) -> tuple[np.ndarray, np.ndarray]:
    """Quantile of every row within its group, vectorised over all groups.

    Returns ``(quantile, n_valid)``: ``quantile`` is an int64 array with 0 where no
    quantile is assigned (missing value, or a group with fewer than ``nquantiles``
    non-missing values); ``n_valid`` is the number of non-missing values per group.
    The arithmetic is exact integer arithmetic (see :func:`quantiles`).
    """
    present = ~np.isnan(value)
    n_valid = np.bincount(codes, weights=present.astype(float), minlength=n_groups).astype(np.int64)
    ranks = (
        pd.Series(value)
        .groupby(codes, sort=False)
        .rank(method="min", ascending=first_quantile == "lowest")
        .to_numpy(dtype=float, na_value=np.nan)
    )
    n_row = n_valid[codes]
    ok = present & (n_row >= nquantiles)
    rank = np.where(ok, ranks, 1.0).astype(np.int64)
    # quantile = (nq + 1) - ceil(((N + 1) - rank) * nq / N), with an exact integer ceiling.
    j = n_row + 1 - rank
    safe_n = np.maximum(n_row, 1)
    ceiling = -((-j * nquantiles) // safe_n)
    quantile = np.where(ok, nquantiles + 1 - ceiling, 0)
    return quantile.astype(np.int64), n_valid


def quantiles(
    data: Any,
    value: str,
    group_by: str | Sequence[str] | None = None,
    nquantiles: int = 10,
    first_quantile: FirstQuantile = "highest",
) -> Any:
    """Assign each row to a quantile (e.g. a deprivation decile) within its group.

    Within each group, with N the number of non-missing values and nq = ``nquantiles``
    (METHODS.md section 9)::

        rank     = rank of the value, ties sharing the lowest rank ("min"); rank 1 is the
                   highest value when first_quantile="highest", the lowest otherwise
        quantile = (nq + 1) - ceil(((N + 1) - rank) / (N / nq))

    so quantile 1 holds the highest (or lowest) values and every quantile holds N/nq
    values, give or take one (tied values always share a quantile, so ties can make
    quantiles unequal). The ceiling is computed in exact integer arithmetic, so no
    rounding can push a value into the neighbouring quantile.

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table), one row per area (or person).
    value:
        Column to rank, e.g. an IMD score.
    group_by:
        Column name(s): quantiles are assigned separately within each group
        (e.g. within each region); ``None`` ranks all rows together.
    nquantiles:
        Number of quantiles, a whole number of at least 2: 10 for deciles (default),
        5 for quintiles.
    first_quantile:
        Which values go in quantile 1: ``"highest"`` (default; for IMD scores, quantile 1
        is then the most deprived tenth) or ``"lowest"``. PHStatsMethods' ``ph_quantile``
        and PHEindicatormethods' ``phe_quantile`` call this ``invert``: ``invert=True``
        (their default) is ``first_quantile="highest"`` and ``invert=False`` is
        ``first_quantile="lowest"``.

    Returns
    -------
    DataFrame
        The input rows, in their input order and as the same kind of frame (pandas keeps
        its index), with a ``quantile`` column of whole numbers 1..nquantiles added
        (missing where no quantile is assigned).

    Raises
    ------
    InputError
        When a column is missing, ``value`` holds text or infinite values, ``data``
        already has a ``quantile`` column, or an option is invalid.

    Suppression
    -----------
    Rows whose value is missing get no quantile. A group with fewer non-missing values
    than ``nquantiles`` cannot be split and gets no quantiles at all; one combined
    ``SuppressionWarning`` names those groups.

    References
    ----------
    OHID Fingertips technical guidance (deprivation quantiles); MHCLG (2019), The English
    Indices of Deprivation 2019: technical report.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> imd = [5, 40, 12, 33, 8, 21, 27, 2, 16, 45]
    >>> df = pd.DataFrame({"lsoa": list("ABCDEFGHIJ"), "imd": imd})
    >>> healthgap.quantiles(df, "imd", nquantiles=5)["quantile"].tolist()
    [5, 1, 4, 2, 4, 3, 2, 5, 3, 1]
    """
    nq = whole_number(nquantiles, "nquantiles", 2, "5")
    first = one_of(first_quantile, "first_quantile", FIRST_QUANTILE_OPTIONS)
    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    frame.require([value, *keys], ["value"] + ["group_by"] * len(keys))
    if QUANTILE in frame.df.columns:
        raise InputError(
            f"data must not already have a column named {QUANTILE!r}; got one. "
            "Rename or drop it before assigning quantiles."
        )
    x = numeric_column(frame, value, "value", keys)
    require_finite(frame, x, value, "value", keys)

    groups = Groups.of(frame, keys)
    q, n_valid = quantile_numbers(x, groups.codes, groups.n, nq, first)  # type: ignore[arg-type]
    suppression = Suppression(groups)
    suppression.flag(n_valid < nq, f"fewer than {nq} non-missing values")
    suppression.warn(
        "quantiles",
        consequence="Their rows have no quantile.",
    )
    return _with_quantile(data, frame, q)


def _with_quantile(data: Any, frame: InputFrame, q: np.ndarray) -> Any:
    """The user's rows with a nullable integer ``quantile`` column, same kind of frame."""
    missing = q == 0
    if frame.kind == "pandas":
        out = data.copy()
        out[QUANTILE] = pd.arrays.IntegerArray(q, missing)
        return out
    import pyarrow as pa

    column = pa.array(q, type=pa.int64(), mask=missing)
    if frame.kind == "polars":
        import polars as pl

        if isinstance(data, pl.LazyFrame):
            data = data.collect()
        return data.with_columns(pl.Series(QUANTILE, column))
    if isinstance(data, pa.Table):
        return data.append_column(QUANTILE, column)
    df = frame.df.copy()
    df[QUANTILE] = pd.arrays.IntegerArray(q, missing)
    return to_kind(df, "arrow")
