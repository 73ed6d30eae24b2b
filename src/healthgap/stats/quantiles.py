"""Quantile assignment: the Fingertips deprivation-category method (METHODS.md section 9)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from healthgap.errors import InputError
from healthgap.stats._frames import Groups, InputFrame, normalise_group_by, to_kind
from healthgap.stats._suppress import Suppression
from healthgap.stats._validate import RowChecks, one_of, whole_number

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
    highest_first: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Quantile of every row within its group, vectorised over all groups.

    Returns ``(quantile, n_valid)``: ``quantile`` is an int64 array with 0 where no
    quantile is assigned (missing value, or a group with fewer than ``nquantiles``
    non-missing values); ``n_valid`` is the number of non-missing values per group.
    The arithmetic is exact integer arithmetic (see :func:`quantiles`). ``highest_first``
    (one bool per row, constant within a group) overrides ``first_quantile`` row by row:
    ranking -value ascending is ranking value descending, ties and all.
    """
    present = ~np.isnan(value)
    n_valid = np.bincount(codes, weights=present.astype(float), minlength=n_groups).astype(np.int64)
    if highest_first is None:
        highest_first = np.full(value.shape, first_quantile == "highest")
    key = np.where(highest_first, -value, value)
    ranks = (
        pd.Series(key)
        .groupby(codes, sort=False)
        .rank(method="min", ascending=True)
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
    *,
    invert: str | None = None,
    on_invalid: str = "raise",
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
    invert:
        Per-row choice instead of ``first_quantile``: the name of a column of true/false
        values (booleans, 1/0, or the words true/false, yes/no), true putting the highest
        values in quantile 1. It must be the same on every row of a group, e.g. true for
        the groups of an indicator where high is bad and false where high is good
        (PHEindicatormethods' ``invert`` with ``inverttype="field"``). ``first_quantile``
        is then not used.
    on_invalid:
        ``"raise"`` (default): text or infinite values, and an ``invert`` column that is
        missing, unreadable or not constant within a group, raise
        :class:`~healthgap.errors.InputError`. ``"suppress"``: the rows of such a group get
        no quantile and the warning names the reason.

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
    checks = RowChecks(frame, keys, on_invalid)
    x = checks.numbers(value, "value", non_negative=False)
    groups = Groups.of(frame, keys)
    highest = None
    if invert is not None:
        highest = _invert_column(frame, checks, groups, invert, keys)
    q, n_valid = quantile_numbers(x, groups.codes, groups.n, nq, first, highest)  # type: ignore[arg-type]
    suppression = Suppression(groups)
    checks.flag(suppression)
    suppression.flag(n_valid < nq, f"fewer than {nq} non-missing values")
    q[suppression.mask[groups.codes]] = 0
    suppression.warn(
        "quantiles",
        consequence="Their rows have no quantile.",
    )
    return _with_quantile(data, frame, q)


_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _invert_column(
    frame: InputFrame, checks: RowChecks, groups: Groups, column: str, keys: list[str]
) -> np.ndarray:
    """The ``invert`` column as one bool per row, constant within each group."""
    if column not in frame.df.columns:
        frame.require([column], ["invert"])
    series = frame.df[column]
    if pd.api.types.is_bool_dtype(series):
        out = series.to_numpy(dtype=bool, na_value=False)
        unreadable = series.isna().to_numpy()
    else:
        text = series.astype(str).str.strip().str.lower().str.replace(r"\.0$", "", regex=True)
        is_true = text.isin(_TRUE).to_numpy()
        unreadable = ~(is_true | text.isin(_FALSE).to_numpy()) | series.isna().to_numpy()
        out = is_true
    bad = np.flatnonzero(unreadable)
    if bad.size:
        first = int(bad[0])
        checks.rule(
            unreadable,
            f"invert is not true or false (column {column!r})",
            InputError(
                f"invert column {column!r} must hold true or false on every row; got "
                f"{series.iloc[first]!r} at {frame.describe_row(first, keys)} ({bad.size} "
                f"{'row' if bad.size == 1 else 'rows'} in all). Use True/False, 1/0 or "
                "yes/no: true puts the highest values in quantile 1."
            ),
        )
    trues = np.bincount(groups.codes, weights=(out & ~unreadable).astype(float), minlength=groups.n)
    counted = np.bincount(groups.codes, weights=(~unreadable).astype(float), minlength=groups.n)
    mixed = (trues > 0) & (trues < counted)
    if mixed.any():
        g = int(np.flatnonzero(mixed)[0])
        checks.rule(
            mixed[groups.codes],
            f"invert differs between the rows of the group (column {column!r})",
            InputError(
                f"invert column {column!r} must be the same on every row of a group; got "
                f"both true and false in {groups.describe(g)} ({int(mixed.sum())} "
                f"{'group' if mixed.sum() == 1 else 'groups'} in all). Quantiles are "
                "assigned within a group in one direction: fix the column or group by it."
            ),
        )
    return out


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
