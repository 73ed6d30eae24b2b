"""Disclosure control for one published table, found from its column names
(:func:`protect_table`).

Moved out of :mod:`healthgap.data.disclosure`, which still exports it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def protect_table(
    frame: pd.DataFrame,
    policy: DisclosurePolicy | None = None,
    *,
    people_columns: Sequence[str] = (),
    derived_columns: Sequence[str] = (
        "value",
        "lower_95_0",
        "upper_95_0",
        "lower_99_8",
        "upper_99_8",
    ),
    shares: bool = False,
    value_is_count: bool = False,
    indicator_units: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Disclosure control for one published table, found from its column names.

    The boundary helper every face (CLI export, API, page, report) uses before a table
    leaves healthgap. Count columns are the numeric columns named in :data:`COUNT_LIKE`,
    ending in ``_count``, or listed in ``people_columns`` (e.g. ``population``). Small
    counts are withheld together with the values derived from them in the same row
    (``derived_columns``, and every column with "share" in its name when ``shares``);
    other counts are rounded (see :func:`apply_disclosure`). A table without counts
    comes back unchanged apart from a fresh index.

    **Values that are counts** are protected like counts: in the rows of an indicator
    whose unit is a count (:func:`is_count_unit`), ``value``, its interval limits and its
    comparators (columns ending ``_value``, e.g. ``england_value``) are count columns
    (1 to the threshold withheld, others rounded). Such rows are those with a count
    ``unit`` or ``value_type`` column, an ``indicator_id`` whose unit ``indicator_units``
    gives as a count, a ``value`` equal to its own non-missing ``count`` (the Fingertips
    layout of a count indicator), or every row when ``value_is_count``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"area": ["A", "B"], "count": [3, 120], "value": [1.5, 60.0]})
    >>> protect_table(t)[["area", "count", "value"]].to_dict("records")
    [{'area': 'A', 'count': nan, 'value': nan}, {'area': 'B', 'count': 120.0, 'value': 60.0}]
    >>> deaths = pd.DataFrame({"area": ["A", "B"], "value": [4.0, 123.0], "unit": "Count"})
    >>> protect_table(deaths)[["area", "value"]].to_dict("records")
    [{'area': 'A', 'value': nan}, {'area': 'B', 'value': 125.0}]
    """
    people = {str(c) for c in people_columns}
    table = frame.reset_index(drop=True)
    counted = _count_valued_rows(table, value_is_count, indicator_units)
    # the value, its limits, and comparators of the same indicator (``england_value``)
    limits = [
        str(c)
        for c in table.columns
        if str(c) == "value" or str(c).startswith(("lower_", "upper_")) or str(c).endswith("_value")
    ]
    as_counts: list[str] = []
    if counted.any():
        for c in limits:
            if pd.api.types.is_numeric_dtype(table[c]):
                name = f"__count_{c}"
                table[name] = table[c].where(counted)
                as_counts.append(name)
    counts = [
        str(c)
        for c in table.columns
        if (str(c) in COUNT_LIKE or str(c).endswith("_count") or str(c) in people)
        and pd.api.types.is_numeric_dtype(table[c])
    ] + as_counts
    if not counts or table.empty:
        return table
    wanted = set(derived_columns)
    derived = [
        str(c)
        for c in table.columns
        if str(c) not in counts
        and pd.api.types.is_numeric_dtype(table[c])
        and (str(c) in wanted or (shares and "share" in str(c).lower()))
    ]
    result = apply_disclosure(
        table, policy or DisclosurePolicy(), count_columns=counts, derived_columns=derived or None
    ).to_pandas()
    for name in as_counts:
        column = name.removeprefix("__count_")
        result[column] = result[name].where(counted, result[column])
        # a count-valued row whose value is withheld withholds its limits too
        result.loc[counted & result["__count_value"].isna(), column] = np.nan
    return result.drop(columns=as_counts)


def _count_valued_rows(
    table: pd.DataFrame, value_is_count: bool, indicator_units: Mapping[str, str] | None
) -> pd.Series:
    """Which rows of ``table`` hold a ``value`` that is a count (see :func:`protect_table`)."""
    if "value" not in table.columns or not pd.api.types.is_numeric_dtype(table["value"]):
        return pd.Series(False, index=table.index)
    rows = pd.Series(bool(value_is_count), index=table.index)
    for column in ("unit", "value_type", "units"):
        if column in table.columns:
            rows |= table[column].map(is_count_unit).astype(bool)
    if indicator_units and "indicator_id" in table.columns:
        units = table["indicator_id"].astype(str).map(dict(indicator_units))
        rows |= units.map(is_count_unit).astype(bool)
    if "count" in table.columns and pd.api.types.is_numeric_dtype(table["count"]):
        same = table["count"].notna() & table["value"].notna()
        rows |= same & np.isclose(table["value"].astype(float), table["count"].astype(float))
    return rows


# Imported last so that either module may be imported first: healthgap.data.disclosure
# imports this one at its end, after everything named here is defined.
from healthgap.data.disclosure import (  # noqa: E402
    COUNT_LIKE,
    DisclosurePolicy,
    apply_disclosure,
    is_count_unit,
)
