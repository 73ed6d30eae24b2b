"""Checking a table before it is published: :func:`find_disclosive_cells` lists the cells
that break a :class:`~healthgap.data.disclosure.DisclosurePolicy` and
:func:`assert_not_disclosive` raises when there are any (the scan every face's tests run).

Moved out of :mod:`healthgap.data.disclosure`, which still exports both names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError
from healthgap.stats._frames import InputFrame, to_kind


def find_disclosive_cells(
    data: Any,
    policy: DisclosurePolicy | None = None,
    count_columns: str | Sequence[str] | None = None,
    margins: Mapping[str, Any] | None = None,
    group_by: str | Sequence[str] | None = None,
    total_column: str | None = None,
) -> Any:
    """List the cells of a table that break a disclosure policy (empty when it is safe).

    Use it on anything about to be published: a CSV export read back, a page's data, a
    report table. Missing cells and text such as ``'*'`` or ``'[c]'`` count as withheld.

    Issues reported, one row per cell:

    * ``"small count"``: a published count in the policy's small range;
    * ``"not rounded"``: a published count that is not a multiple of ``round_to``;
    * ``"recoverable from total"`` (with ``margins`` or ``total_column``): the only
      withheld cell of a line, which the total minus the published cells reveals;
    * ``"small sum of withheld cells"`` (with ``protect_sums``): withheld cells of a line
      whose published total minus the published cells is a small count (reported on the
      total).

    Parameters are those of :func:`apply_disclosure`; ``count_columns=None`` checks the
    columns with count-like names (:data:`COUNT_LIKE`, or ending in ``_count``).

    Returns
    -------
    Frame (same kind as ``data``) with ``row`` (1-based), the key columns, ``column``,
    ``value`` and ``issue``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"sex": ["Male", "Female", "Persons"], "count": [None, 40, 43]})
    >>> find_disclosive_cells(t, DisclosurePolicy(round_to=None), margins={"sex": "Persons"})
       row   sex column  value                   issue
    0    1  Male  count    NaN  recoverable from total
    """
    policy = _policy(policy)
    if count_columns is None:
        frame = InputFrame.of(data)
        count_columns = [
            str(c)
            for c in frame.df.columns
            if str(c).lower() in COUNT_LIKE or str(c).lower().endswith("_count")
        ]
        if not count_columns:
            raise InputError(
                "count_columns must be given when no column has a count-like name; got "
                f"columns {_first(frame.df.columns, 10)}. Pass e.g. count_columns=['deaths']."
            )
    table = _prepare(data, count_columns, margins, group_by, total_column, False, "table")
    k = table.values.shape[1]
    v = table.values.ravel()
    issues: list[tuple[np.ndarray, str]] = [(np.flatnonzero(policy.is_small(v)), "small count")]
    if policy.round_to is not None and policy.round_to > 1:
        off = ~np.isnan(v) & (np.mod(v, policy.round_to) != 0)
        issues.append((np.flatnonzero(off), "not rounded"))
    lines = table.lines
    if lines.n:
        w = np.isnan(v)[lines.cell]
        n_withheld = np.bincount(lines.line, weights=w, minlength=lines.n)
        lone = (n_withheld == 1)[lines.line] & w
        issues.append((np.unique(lines.cell[lone]), "recoverable from total"))
        if policy.protect_sums:
            vv = np.nan_to_num(v)[lines.cell]
            total_value = np.bincount(
                lines.line, weights=np.where(lines.total, vv, 0.0), minlength=lines.n
            )
            total_pub = np.bincount(lines.line, weights=lines.total & ~w, minlength=lines.n) > 0
            pub_children = np.bincount(
                lines.line, weights=np.where(~lines.total & ~w, vv, 0.0), minlength=lines.n
            )
            hidden = total_value - pub_children
            bad = (n_withheld >= 2) & total_pub & policy.is_small(np.round(hidden, 9))
            cells = np.unique(lines.cell[bad[lines.line] & lines.total])
            issues.append((cells, "small sum of withheld cells"))
    idx = np.concatenate([i for i, _ in issues]).astype(np.int64)
    what = np.concatenate([np.full(i.size, s, dtype=object) for i, s in issues])
    row = idx // k
    df = table.frame.df
    out = pd.DataFrame({"row": row + 1})
    for key in table.keys:
        out[key] = df[key].to_numpy()[row]
    out["column"] = np.array([table.counts[j] for j in idx % k], dtype=object)
    out["value"] = v[idx]
    out["issue"] = what
    out = out.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    return to_kind(out, table.frame.kind)


def assert_not_disclosive(
    data: Any,
    policy: DisclosurePolicy | None = None,
    count_columns: str | Sequence[str] | None = None,
    margins: Mapping[str, Any] | None = None,
    group_by: str | Sequence[str] | None = None,
    total_column: str | None = None,
    what: str = "table",
) -> None:
    """Raise :class:`DisclosureError` listing the first disclosive cells, if there are any.

    For tests of every face: ``assert_not_disclosive(exported, margins={"sex": "Persons"})``.
    """
    found = find_disclosive_cells(data, policy, count_columns, margins, group_by, total_column)
    found = found if isinstance(found, pd.DataFrame) else InputFrame.of(found).df
    if len(found):
        first = "; ".join(
            f"row {r.row}, column {r.column!r}: {r.issue}"
            for r in found.head(5).itertuples(index=False)
        )
        more = f"; and {len(found) - 5} more" if len(found) > 5 else ""
        raise DisclosureError(
            f"{what} must not disclose small numbers; got {len(found)} disclosive "
            f"{'cell' if len(found) == 1 else 'cells'} ({first}{more}). Apply "
            "apply_disclosure() with the same policy and margins before publishing."
        )


# Imported last so that either module may be imported first: healthgap.data.disclosure
# imports this one at its end, after everything named here is defined.
from healthgap.data.disclosure import (  # noqa: E402
    COUNT_LIKE,
    DisclosureError,
    DisclosurePolicy,
    _first,
    _policy,
    _prepare,
)
