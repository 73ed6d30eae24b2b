"""Per-group suppression: NaN, ``suppressed=True`` and a reason, with one combined warning.

One bad group never sinks the whole call: a statistic flags groups whose data cannot
support a reliable value, and :meth:`Suppression.warn` raises a single
:class:`~healthgap.errors.SuppressionWarning` summarising every reason.
"""

from __future__ import annotations

import warnings

import numpy as np

from healthgap.errors import SuppressionWarning
from healthgap.stats._frames import Groups


class Suppression:
    """Collects the first reason each group is suppressed for."""

    def __init__(self, groups: Groups) -> None:
        self.groups = groups
        self.reasons = np.full(groups.n, None, dtype=object)

    def flag(self, mask: np.ndarray, reason: str) -> None:
        """Suppress the groups where ``mask`` holds, unless already suppressed."""
        new = np.asarray(mask, dtype=bool) & (self.reasons == None)  # noqa: E711
        self.reasons[new] = reason

    @property
    def mask(self) -> np.ndarray:
        return self.reasons != None  # noqa: E711

    def apply(self, *arrays: np.ndarray) -> None:
        """Set suppressed groups to NaN in each array, in place."""
        m = self.mask
        for a in arrays:
            a[m] = np.nan

    def warn(
        self,
        statistic: str,
        stacklevel: int = 3,
        consequence: str = "Their value and limits are NaN; see the suppression_reason column.",
        unit: str = "group",
    ) -> None:
        """One warning naming how many groups were suppressed and why.

        ``consequence`` is the closing sentence telling the user what happened to those
        groups (row-level statistics such as quantiles say so in their own words).
        ``unit`` names what each entry is when it is not a whole group, e.g. ``"row"`` for
        life tables, whose entries are one group and age band each.
        """
        m = self.mask
        if not m.any():
            return
        parts = []
        for reason in dict.fromkeys(self.reasons[m]):
            idx = np.flatnonzero(self.reasons == reason)
            parts.append(
                f"{reason} ({idx.size} {unit if idx.size == 1 else unit + 's'}, "
                f"first: {self.groups.describe(int(idx[0]))})"
            )
        warnings.warn(
            f"{statistic}: {int(m.sum())} of {self.groups.n} {unit}s suppressed: "
            + "; ".join(parts)
            + ". "
            + consequence,
            SuppressionWarning,
            stacklevel=stacklevel,
        )
