"""Assemble the one-row-per-group output table in the conventional column order."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from healthgap.stats import _schema as col
from healthgap.stats._frames import Groups
from healthgap.stats._suppress import Suppression

Limits = Mapping[float, tuple[np.ndarray, np.ndarray]]


def assemble(
    groups: Groups,
    inputs: Mapping[str, np.ndarray],
    value: np.ndarray,
    limits: Limits,
    suppression: Suppression,
    method: np.ndarray | None = None,
    extra: Mapping[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Group columns, inputs (e.g. count, population), value, limits, extras, method,
    suppressed, suppression_reason — with suppressed groups' value and limits NaN."""
    table = groups.keys.reset_index(drop=True).copy()
    for name, arr in inputs.items():
        table[name] = arr
    value = np.array(value, dtype=float)
    suppression.apply(value)
    table[col.VALUE] = value
    for c, (lo, hi) in limits.items():
        lo = np.array(lo, dtype=float)
        hi = np.array(hi, dtype=float)
        suppression.apply(lo, hi)
        table[col.lower(c)] = lo
        table[col.upper(c)] = hi
    for name, arr in (extra or {}).items():
        table[name] = arr
    if method is not None:
        m = np.array(method, dtype=object)
        m[suppression.mask] = None
        table[col.METHOD] = m
    table[col.SUPPRESSED] = suppression.mask
    table[col.SUPPRESSION_REASON] = pd.Series(suppression.reasons, dtype=object)
    return table
