"""Scorecard.change_significant: the 95% two-sided test of a change's z statistic.

Reference: the two-sided 95% normal quantile is 1.959964 (any statistics table), so
|z| = 1.95 is not significant and |z| = 1.97 is."""

from __future__ import annotations

import pandas as pd

from healthgap.account.frameworks import example_path, load_framework
from healthgap.account.scorecards import Scorecard


def test_change_significant_at_the_95_percent_quantile() -> None:
    fw = load_framework(example_path("greater_manchester"))
    z = [1.95, -1.95, 1.97, -1.97, float("nan"), 0.0]
    card = Scorecard(pd.DataFrame({"change_z": z}, index=[3, 4, 5, 6, 7, 8]), fw)
    got = card.change_significant()
    assert got.tolist() == ["no", "no", "yes", "yes", "", "no"]
    assert got.index.tolist() == [3, 4, 5, 6, 7, 8]
