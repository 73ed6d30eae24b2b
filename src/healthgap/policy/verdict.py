"""The verdict on a change in inequality: "narrows", "widens" or "no clear effect".

The verdict respects the uncertainty: it is "narrows" only when the whole confidence
interval of the change in the gap lies below 0 and "widens" only when it lies wholly
above 0. An interval that touches or straddles 0 (including a policy with no effect at
all, whose interval is exactly [0, 0]) is "no clear effect".
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Verdict = Literal["narrows", "widens", "no clear effect"]
NARROWS: Verdict = "narrows"
WIDENS: Verdict = "widens"
NO_CLEAR_EFFECT: Verdict = "no clear effect"


def verdict(lower: float, upper: float) -> Verdict:
    """Verdict from the limits of the change in a gap (positive = the gap grows).

    >>> verdict(-0.8, -0.1), verdict(0.1, 0.3), verdict(-0.2, 0.3), verdict(0.0, 0.0)
    ('narrows', 'widens', 'no clear effect', 'no clear effect')
    """
    lo, hi = float(lower), float(upper)
    if np.isnan(lo) or np.isnan(hi):
        return NO_CLEAR_EFFECT
    if hi < 0:
        return NARROWS
    if lo > 0:
        return WIDENS
    return NO_CLEAR_EFFECT


def verdicts(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Vectorised :func:`verdict` over arrays of limits (object array of verdicts)."""
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    out = np.full(lo.shape, NO_CLEAR_EFFECT, dtype=object)
    out[hi < 0] = NARROWS
    out[lo > 0] = WIDENS
    return out
