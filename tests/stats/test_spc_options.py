"""spc options: screen_outliers, rebase (by phase column, by period, per group),
trajectory assurance, icon_priority and on_invalid.

References: the NHSRplotthedots vignette "Deviations from Excel defaults" (its example
series, limits worked by hand below), and charts of each phase computed on their own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from tests.conftest import RTOL

#: NHSRplotthedots, vignette "Deviations from Excel defaults": one outlying point (10).
VIGNETTE = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
LIMITS = ["mean", "lower_process_limit", "upper_process_limit"]


def chart(values: list[float], **kwargs: object) -> pd.DataFrame:
    df = pd.DataFrame({"day": pd.date_range("2021-03-22", periods=len(values)), "y": values})
    return healthgap.spc(df, "y", "day", **kwargs).to_frame()  # type: ignore[arg-type]


def test_screen_outliers_on_the_vignette_series() -> None:
    # 17 moving ranges: 1, 1, 1, 8, 9 and twelve 1s; mean 32/17. 3.267 x 32/17 = 6.15, so
    # 8 and 9 are screened out and the mean moving range becomes 15/15 = 1. Mean 35/18.
    mean = 35 / 18
    plain = chart(VIGNETTE)
    assert plain["upper_process_limit"][0] == pytest.approx(mean + 2.66 * 32 / 17, rel=RTOL)
    screened = chart(VIGNETTE, screen_outliers=True)
    assert screened["mean"][0] == pytest.approx(mean, rel=RTOL)
    assert screened["upper_process_limit"][0] == pytest.approx(mean + 2.66, rel=RTOL)
    assert screened["lower_process_limit"][0] == pytest.approx(mean - 2.66, rel=RTOL)
    assert screened["screened"].tolist() == [False] * 4 + [True, True] + [False] * 12
    assert not plain["screened"].any()
    assert (
        "3.267"
        in healthgap.spc(
            pd.DataFrame({"t": range(18), "y": VIGNETTE}), "y", "t", screen_outliers=True
        ).method
    )


def test_screening_a_flat_series_keeps_its_zero_ranges() -> None:
    out = chart([5.0] * 16, screen_outliers=True)
    assert (out["upper_process_limit"] == 5.0).all() and not out["screened"].any()


def phases_frame() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    y = np.r_[rng.normal(20, 2, 15), rng.normal(30, 2, 15)]
    months = pd.date_range("2022-01-01", periods=30, freq="MS")
    return pd.DataFrame({"month": months, "y": y, "phase": ["before"] * 15 + ["after"] * 15})


def test_rebase_by_period_equals_each_phase_charted_on_its_own() -> None:
    df = phases_frame()
    by_date = healthgap.spc(df, "y", "month", rebase=["2023-04-01"]).to_frame()
    by_column = healthgap.spc(df, "y", "month", rebase="phase").to_frame()
    pd.testing.assert_frame_equal(by_date, by_column)
    assert by_date["phase"].tolist() == [1] * 15 + [2] * 15
    for k, part in enumerate((df.iloc[:15], df.iloc[15:])):
        alone = healthgap.spc(part, "y", "month").to_frame()
        got = by_date[by_date["phase"] == k + 1].reset_index(drop=True)
        cols = [*LIMITS, "shift", "trend", "two_of_three", "outside_limits", "variation"]
        pd.testing.assert_frame_equal(got[cols], alone[cols])


def test_rebase_per_group_and_errors() -> None:
    df = pd.concat([phases_frame().assign(area="A"), phases_frame().assign(area="B")])
    out = healthgap.spc(df, "y", "month", group_by="area", rebase={"A": ["2023-04-01"]})
    t = out.to_frame()
    assert t.loc[t["area"] == "A", "phase"].max() == 2
    assert t.loc[t["area"] == "B", "phase"].max() == 1
    with pytest.raises(InputError, match=r"rebase periods must be periods of the chart; got "
                       r"'2031-01-01', which is not a 'month' of any group"):  # fmt: skip
        healthgap.spc(df, "y", "month", group_by="area", rebase=["2031-01-01"])
    with pytest.raises(InputError, match=r"rebase must name groups that are in the data"):
        healthgap.spc(df, "y", "month", group_by="area", rebase={"Z": ["2023-04-01"]})
    with pytest.raises(InputError, match=r"rebase must be a column name, a list of periods"):
        healthgap.spc(df, "y", "month", group_by="area", rebase=5)  # type: ignore[arg-type]


def test_a_one_point_phase_suppresses_the_chart() -> None:
    df = phases_frame()
    with pytest.warns(SuppressionWarning, match=r"a phase has fewer than 2 periods"):
        out = healthgap.spc(df, "y", "month", rebase=["2024-06-01"]).to_frame()
    assert out["suppressed"].all()


def test_assurance_uses_the_latest_phase_and_the_trajectory() -> None:
    df = phases_frame()
    df["plan"] = np.linspace(18, 45, 30)
    out = healthgap.spc(df, "y", "month", polarity="higher_is_better", target=15,
                        rebase="phase", trajectory="plan").to_frame()  # fmt: skip
    last = out.iloc[-1]
    assert last["lower_process_limit"] > 15  # latest phase is wholly above the target
    assert last["assurance"] == "consistently met"
    assert last["upper_process_limit"] < 45  # the trajectory's latest value is out of reach
    assert last["trajectory_assurance"] == "consistently missed"
    np.testing.assert_allclose(out["trajectory"], df["plan"], rtol=RTOL)
    plain = healthgap.spc(df, "y", "month", polarity="higher_is_better").to_frame()
    assert set(plain["trajectory_assurance"]) == {"no trajectory"}
    with pytest.raises(InputError, match=r"trajectory must come with polarity"):
        healthgap.spc(df, "y", "month", trajectory="plan")


def test_icon_priority() -> None:
    # Eight low points, then seven high points falling one by one: the last seven are a
    # shift above the mean (high) and a downward trend (low) at once.
    y = [0.0] * 8 + [20.0, 19.0, 18.0, 17.0, 16.0, 15.0, 14.0]
    kwargs = {"polarity": "higher_is_better", "recommended_points": 2}
    excel = chart(y, **kwargs)["variation"].tolist()
    concern = chart(y, icon_priority="concern", **kwargs)["variation"].tolist()
    assert excel[-7:] == ["improving high"] * 7  # the Excel tool: improvement wins
    assert concern[-7:] == ["concerning low"] * 7
    # A downward trend above the mean: by rule direction it is concerning; NHSRplotthedots
    # names special-cause points by their side of the mean instead.
    z = [10.0] * 8 + [30.0, 29.0, 28.0, 27.0, 26.0, 25.0, 24.0]
    nhsr = chart(z, icon_priority="side_of_mean", **kwargs)["variation"].tolist()
    assert nhsr[-7:] == ["improving high"] * 7
    with pytest.raises(InputError, match=r"icon_priority must be one of 'improvement', "):
        chart(y, icon_priority="excel")


def test_on_invalid_suppress_keeps_the_other_charts() -> None:
    df = pd.DataFrame({"area": ["A"] * 5 + ["B"] * 5, "t": list(range(5)) * 2,
                       "y": [1, 2, "n/a", 4, 5, 5, 6, 7, 8, 9]})  # fmt: skip
    with pytest.raises(InputError, match=r"value column 'y' must hold numbers"):
        healthgap.spc(df, "y", "t", group_by="area")
    with pytest.warns(SuppressionWarning, match=r"value is text, not a number"):
        out = healthgap.spc(df, "y", "t", group_by="area", on_invalid="suppress",
                            recommended_points=2).to_frame()  # fmt: skip
    assert out["suppressed"].tolist() == [True] * 5 + [False] * 5


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=4, max_size=30))
def test_screening_never_widens_the_limits(values: list[float]) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = chart(values)
        b = chart(values, screen_outliers=True)
    width_a = a["upper_process_limit"][0] - a["lower_process_limit"][0]
    width_b = b["upper_process_limit"][0] - b["lower_process_limit"][0]
    assert width_b <= width_a * (1 + 1e-12) + 1e-12
