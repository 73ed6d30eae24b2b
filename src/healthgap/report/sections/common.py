"""Helpers the report sections share: indicator ids and number wording.

The store reads the sections need are domain functions
(:mod:`healthgap.account.council_values`, :mod:`healthgap.account.council_inequality`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from healthgap.account.council_values import HLE as HLE_ID
from healthgap.account.neighbours import deprivation_ranks
from healthgap.data.store import Store
from healthgap.report.authority import Authority

HLE = HLE_ID


LE = "le_birth"


SEXES = ("Female", "Male")


def _years(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f} years"


def _ci(lo: float, hi: float, digits: int = 1) -> str:
    return f"95% CI {lo:.{digits}f} to {hi:.{digits}f}"


def _each(frame: pd.DataFrame) -> list[Any]:
    """The rows of ``frame`` as named tuples (typed loosely: cells are of any type)."""
    return list(frame.itertuples(index=False))


def _member_ranks(store: Store, auth: Authority) -> pd.DataFrame:
    return deprivation_ranks(store, auth.members)
