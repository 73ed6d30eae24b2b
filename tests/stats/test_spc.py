"""spc: XmR charts against Making Data Count worked examples and a scalar reference.

Sources of the expected values are listed in tests/reference/README.md ("spc").
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import healthgap
from healthgap.errors import InputError, MethodWarning, SuppressionWarning
from tests.conftest import RTOL

# Worked examples of the NHS England "XmR SPC chart testing" document, which checks
# charts against the Making Data Count Single Chart Tool v5.0 (run length 6 there).
PROCESS_LIMITS_15 = [20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18]
PROCESS_LIMITS_10 = PROCESS_LIMITS_15[:10]
SINGLE_POINT = [45, 29, 20, 22, 25, 20, 27, 24, 22, 23, 20, 26, 20, 15, 5]
SHIFT_ENDS = [31, 35, 34, 29, 29, 32, 26, 26, 32, 35, 30, 18, 31, 25, 27, 22, 18, 25, 25, 17]
SHIFT_MIDDLE = [31, 22, 19, 21, 18, 18, 22, 22, 29, 25, 23, 26, 31, 26, 28, 29, 32, 24, 31, 22]
TREND_NO_PAUSES = [11, 14, 18, 20, 22, 23, 18, 21, 17, 23, 26, 20, 16, 25, 23, 22, 19, 16, 15, 12]
TREND_PAUSES = [23, 30, 28, 25, 25, 20, 18, 24, 16, 13, 14, 18, 18, 24, 26, 29, 19, 20, 28, 16]
TWO_SIGMA = [42, 40, 39, 26, 39, 24, 22, 29, 32, 22, 20, 23, 25, 26, 22, 24, 27, 7, 19, 24]
TWO_SIGMA_1 = [*TWO_SIGMA, 7, 7, 32]
TWO_SIGMA_2 = [*TWO_SIGMA, 7, 2, 32]
TWO_SIGMA_3 = [*TWO_SIGMA[:3], 24, *TWO_SIGMA[4:19], 26, 7, 7, 32]
CONFLICT = [43, 41, 37, 36, 31, 23, 15, 13, 15, 18, 23, 27, 31, 36, 27, 19, 17, 27, 15, 22]
VARIATION = [16, 20, 22, 18, 21, 18, 26, 28, 24, 26, 19, 18, 25, 32, 43, 28, 22]
ASSURANCE = [16, 24, 22, 19, 19, 18, 24, 25, 18, 17, 16, 25, 15, 23, 19, 35, 32, 35, 31, 27]
ASSURANCE += [33, 28, 38, 35, 30, 28, 29, 27, 24, 23]


def chart(values: list[float], **kwargs: object) -> pd.DataFrame:
    df = pd.DataFrame({"month": range(1, len(values) + 1), "y": values})
    return healthgap.spc(df, "y", "month", **kwargs).to_frame()  # type: ignore[arg-type]


def points(mask: pd.Series) -> list[int]:
    """1-based positions where ``mask`` holds, as the worked examples number them."""
    return [int(i) + 1 for i in np.flatnonzero(mask.to_numpy())]


# --------------------------------------------------------------------------------------
# Scalar reference, written from the Making Data Count rules one point and one window at
# a time (sliding windows rather than healthgap's cumulative-sum run lengths).
# --------------------------------------------------------------------------------------


def xmr_reference(
    values: list[float],
    polarity: str = "neutral",
    run: int = 7,
    baseline: int | None = None,
    target: float | None = None,
) -> dict[str, list]:
    n = len(values)
    k = n if baseline is None else min(n, baseline)
    base = values[:k]
    # The mean is written as first value + mean deviation (the rounding healthgap uses)
    # so that exact ties with integer data compare identically on both sides.
    mean = base[0] + math.fsum(v - base[0] for v in base) / k
    mmr = math.fsum(abs(base[i] - base[i - 1]) for i in range(1, k)) / (k - 1)
    three = 2.66 * mmr
    two = three * 2 / 3
    upl, lpl = mean + three, mean - three
    rules = {name: [False] * n for name in ("outside_limits", "shift", "trend", "two_of_three")}
    high, low = [False] * n, [False] * n

    def mark(rule: str, idx: range | list[int], up: bool) -> None:
        for i in idx:
            rules[rule][i] = True
            (high if up else low)[i] = True

    for i, v in enumerate(values):
        if v > upl:
            mark("outside_limits", [i], True)
        if v < lpl:
            mark("outside_limits", [i], False)
    for i in range(n - run + 1):
        window = values[i : i + run]
        if all(v > mean for v in window):
            mark("shift", range(i, i + run), True)
        if all(v < mean for v in window):
            mark("shift", range(i, i + run), False)
        if all(window[j + 1] > window[j] for j in range(run - 1)):
            mark("trend", range(i, i + run), True)
        if all(window[j + 1] < window[j] for j in range(run - 1)):
            mark("trend", range(i, i + run), False)
    for i in range(n - 2):
        window = range(i, i + 3)
        near_high = [j for j in window if mean + two < values[j] <= upl]
        near_low = [j for j in window if lpl <= values[j] < mean - two]
        if all(values[j] > mean for j in window) and len(near_high) >= 2:
            mark("two_of_three", near_high, True)
        if all(values[j] < mean for j in window) and len(near_low) >= 2:
            mark("two_of_three", near_low, False)

    variation = []
    for i, v in enumerate(values):
        if polarity == "higher_is_better":
            icon = "improving high" if high[i] else "concerning low" if low[i] else ""
        elif polarity == "lower_is_better":
            icon = "improving low" if low[i] else "concerning high" if high[i] else ""
        elif high[i] and low[i]:
            icon = "neither high" if v > mean else "neither low"
        else:
            icon = "neither high" if high[i] else "neither low" if low[i] else ""
        variation.append(icon or "common cause")
    if target is None:
        assurance = "no target"
    elif lpl <= target <= upl:
        assurance = "hit and miss"
    elif (target < lpl) == (polarity == "higher_is_better"):
        assurance = "consistently met"
    else:
        assurance = "consistently missed"
    return {
        "mean": [mean] * n,
        "upper_process_limit": [upl] * n,
        "lower_process_limit": [lpl] * n,
        "upper_two_sigma": [mean + two] * n,
        "lower_two_sigma": [mean - two] * n,
        "moving_range": [math.nan] + [abs(values[i] - values[i - 1]) for i in range(1, n)],
        **rules,
        "special_cause": [a or b for a, b in zip(high, low, strict=True)],
        "variation": variation,
        "assurance": [assurance] * n,
    }


NUMERIC = (
    "mean",
    "upper_process_limit",
    "lower_process_limit",
    "upper_two_sigma",
    "lower_two_sigma",
    "moving_range",
)
LABELS = (
    "outside_limits",
    "shift",
    "trend",
    "two_of_three",
    "special_cause",
    "variation",
    "assurance",
)


def assert_matches_reference(out: pd.DataFrame, ref: dict[str, list]) -> None:
    for name in NUMERIC:
        np.testing.assert_allclose(out[name].to_numpy(float), ref[name], rtol=RTOL, err_msg=name)
    for name in LABELS:
        assert out[name].tolist() == ref[name], name


# --------------------------------------------------------------------------------------
# Published worked examples
# --------------------------------------------------------------------------------------


def test_process_limits_match_the_worked_example() -> None:
    # 15 points, 14 moving ranges of mean 5.43: mean 23.20, limits 8.76 and 37.64.
    out = chart(PROCESS_LIMITS_15)
    assert out.loc[0, "mean"] == pytest.approx(23.20, abs=0.005)
    assert out.loc[0, "upper_process_limit"] == pytest.approx(37.64, abs=0.005)
    assert out.loc[0, "lower_process_limit"] == pytest.approx(8.76, abs=0.005)
    mmr = 76 / 14  # the 14 moving ranges sum to 76
    assert out.loc[0, "upper_process_limit"] == pytest.approx(23.2 + 2.66 * mmr, rel=RTOL)
    assert out["moving_range"].tolist()[1:4] == [4.0, 4.0, 6.0]
    assert math.isnan(out.loc[0, "moving_range"])
    assert not out["note"].notna().any()


def test_ten_points_give_the_worked_mean_and_trial_limits() -> None:
    with pytest.warns(MethodWarning, match=r"spc: 1 of 1 group has limits based on fewer than 15"):
        out = chart(PROCESS_LIMITS_10)
    assert out.loc[0, "mean"] == pytest.approx(22.10, abs=0.005)
    assert (out["note"] == "trial limits: based on 10 points (15 recommended)").all()


def test_single_points_outside_the_limits_at_both_ends() -> None:
    out = chart(SINGLE_POINT, polarity="higher_is_better")
    assert points(out["outside_limits"]) == [1, 15]
    assert points(out["special_cause"]) == [1, 15]
    assert out["variation"].iloc[0] == "improving high"
    assert out["variation"].iloc[-1] == "concerning low"


@pytest.mark.parametrize(
    ("values", "run", "expected"),
    [
        (SHIFT_ENDS, 6, [1, 2, 3, 4, 5, 6, 14, 15, 16, 17, 18, 19, 20]),
        (SHIFT_ENDS, 7, [14, 15, 16, 17, 18, 19, 20]),  # the first run has only 6 points
        (SHIFT_MIDDLE, 6, [2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 16, 17]),
    ],
)
def test_shift_examples(values: list[int], run: int, expected: list[int]) -> None:
    out = chart(values, run_length=run, recommended_points=2)
    assert points(out["shift"]) == expected


def test_trend_examples_and_pauses_break_a_trend() -> None:
    out = chart(TREND_NO_PAUSES, run_length=6, recommended_points=2)
    assert points(out["trend"]) == [1, 2, 3, 4, 5, 6, 14, 15, 16, 17, 18, 19, 20]
    out = chart(TREND_NO_PAUSES, run_length=7, recommended_points=2)
    assert points(out["trend"]) == [14, 15, 16, 17, 18, 19, 20]
    out = chart(TREND_PAUSES, run_length=6, recommended_points=2)
    assert not out["trend"].any()  # 25, 25 and 18, 18 pause the runs


@pytest.mark.parametrize(
    ("values", "two_of_three", "outside"),
    [
        (TWO_SIGMA_1, [1, 2, 3, 5, 21, 22], []),
        # p22 = 2 is beyond the lower limit: it counts only as a single point, so p21 is alone.
        (TWO_SIGMA_2, [1, 2, 3, 5], [22]),
        # p4 = 24 and p20 = 26 lie across the mean: their windows no longer count.
        (TWO_SIGMA_3, [1, 2, 3], []),
    ],
)
def test_two_sigma_examples(values: list[int], two_of_three: list[int], outside: list[int]) -> None:
    out = chart(values, run_length=6)
    assert points(out["two_of_three"]) == two_of_three
    assert points(out["outside_limits"]) == outside


def test_conflicting_rules_show_improvement_high_is_good() -> None:
    # p1-p8 fall and p8-p14 rise (trends of 6+), p6-p11 sit below the mean: "only p5 to p7
    # are shown in orange"; p1-p4 (above the limit / two-sigma) and p8-p14 are blue.
    out = chart(CONFLICT, polarity="higher_is_better", run_length=6)
    assert points(out["variation"] == "concerning low") == [5, 6, 7]
    assert points(out["variation"] == "improving high") == [1, 2, 3, 4, *range(8, 15)]
    assert points(out["variation"] == "common cause") == list(range(15, 21))


def test_conflicting_rules_show_improvement_low_is_good() -> None:
    # "only p12 to p14 are shown in orange"
    out = chart(CONFLICT, polarity="lower_is_better", run_length=6)
    assert points(out["variation"] == "concerning high") == [12, 13, 14]
    assert points(out["variation"] == "improving low") == list(range(1, 12))


@pytest.mark.parametrize(
    ("last", "higher", "lower", "neutral"),
    [
        (45, "improving high", "concerning high", "neither high"),
        (25, "common cause", "common cause", "common cause"),
        (5, "concerning low", "improving low", "neither low"),
    ],
)
def test_variation_icon_of_the_latest_point(
    last: int, higher: str, lower: str, neutral: str
) -> None:
    values = [*VARIATION, last]
    for polarity, icon in (
        ("higher_is_better", higher),
        ("lower_is_better", lower),
        ("neutral", neutral),
    ):
        out = chart(values, polarity=polarity, run_length=6)
        assert out["variation"].iloc[-1] == icon


@pytest.mark.parametrize(
    ("target", "higher", "lower"),
    [
        (40, "consistently missed", "consistently met"),
        (30, "hit and miss", "hit and miss"),
        (10, "consistently met", "consistently missed"),
        (None, "no target", "no target"),
    ],
)
def test_assurance_examples(target: float | None, higher: str, lower: str) -> None:
    # Limits 13.33 to 37.00: 40 is above, 30 between, 10 below.
    for polarity, icon in (("higher_is_better", higher), ("lower_is_better", lower)):
        out = chart(ASSURANCE, polarity=polarity, target=target)
        assert set(out["assurance"]) == {icon}
    assert chart(ASSURANCE)["assurance"].iloc[0] == "no target"


def test_target_on_a_limit_is_hit_and_miss() -> None:
    upl = chart(ASSURANCE).loc[0, "upper_process_limit"]
    assert chart(ASSURANCE, polarity="higher_is_better", target=upl).loc[0, "assurance"] == (
        "hit and miss"
    )


# --------------------------------------------------------------------------------------
# Scalar reference and properties
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("polarity", ["higher_is_better", "lower_is_better", "neutral"])
@pytest.mark.parametrize(
    "values", [CONFLICT, TWO_SIGMA_1, TWO_SIGMA_2, SHIFT_MIDDLE, TREND_NO_PAUSES, ASSURANCE]
)
def test_worked_examples_agree_with_scalar_reference(values: list[int], polarity: str) -> None:
    target = None if polarity == "neutral" else 30.0
    for run in (6, 7):
        out = chart(values, polarity=polarity, run_length=run, target=target)
        assert_matches_reference(out, xmr_reference(values, polarity, run, target=target))


def test_baseline_fixes_the_limits_on_the_first_points() -> None:
    out = chart(ASSURANCE, polarity="higher_is_better", baseline=15, target=30)
    ref = xmr_reference(ASSURANCE, "higher_is_better", 7, baseline=15, target=30)
    assert_matches_reference(out, ref)
    first15 = ASSURANCE[:15]
    assert out.loc[0, "mean"] == pytest.approx(sum(first15) / 15, rel=RTOL)
    # After the baseline the process moved up: p16 onwards are above the fixed mean.
    assert out["variation"].iloc[15:28].eq("improving high").all()
    assert out["moving_range"].iloc[16] == abs(ASSURANCE[16] - ASSURANCE[15])
    # A baseline longer than the series uses every point.
    pd.testing.assert_frame_equal(chart(ASSURANCE, baseline=100), chart(ASSURANCE))


def random_charts(rng: np.random.Generator, n_groups: int, integer: bool) -> pd.DataFrame:
    sizes = rng.integers(2, 40, n_groups)
    frames = []
    for g, size in enumerate(sizes):
        level = rng.normal(50, 10)
        steps = rng.normal(0, 3, size)
        steps[rng.random(size) < 0.1] += 15  # occasional jumps to trigger the rules
        y = level + np.cumsum(steps) * rng.choice([0.0, 0.3])
        y = y + rng.normal(0, 4, size)
        if integer:
            y = np.round(y / 3)  # coarse integers: ties with the mean and flat steps
        frames.append(pd.DataFrame({"area": f"E{g:03d}", "t": np.arange(size), "y": y}))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("integer", [False, True])
def test_many_groups_agree_with_scalar_reference(rng: np.random.Generator, integer: bool) -> None:
    df = random_charts(rng, 150, integer)
    df["goal"] = df["area"].map({a: float(i % 60 + 20) for i, a in enumerate(df["area"].unique())})
    for polarity, run, baseline in (
        ("higher_is_better", 7, None),
        ("lower_is_better", 6, 12),
        ("neutral", 5, None),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MethodWarning)  # short groups: trial limits
            result = healthgap.spc(
                df.sample(frac=1, random_state=1),  # row order must not matter
                "y",
                "t",
                group_by="area",
                polarity=polarity,
                target=None if polarity == "neutral" else "goal",
                run_length=run,
                baseline=baseline,
            )
        out = result.to_frame()
        assert list(out["area"]) == list(df["area"])  # sorted by group, then period
        assert list(out["t"]) == list(df["t"])
        for area, rows in out.groupby("area", sort=False):
            values = df.loc[df["area"] == area, "y"].tolist()
            goal = None if polarity == "neutral" else float(rows["target"].iloc[0])
            ref = xmr_reference(values, polarity, run, baseline, goal)
            assert_matches_reference(rows.reset_index(drop=True), ref)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-5, 5), min_size=2, max_size=30),
    st.sampled_from(["higher_is_better", "lower_is_better", "neutral"]),
    st.integers(2, 8),
)
def test_hypothesis_small_integers_agree_with_reference(
    values: list[int], polarity: str, run: int
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodWarning)
        out = chart([float(v) for v in values], polarity=polarity, run_length=run)
    assert_matches_reference(out, xmr_reference([float(v) for v in values], polarity, run))


@settings(max_examples=40, deadline=None)
@given(
    st.floats(-1e6, 1e6, allow_nan=False).filter(lambda v: v != 0) | st.just(0.1),
    st.integers(2, 40),
)
def test_constant_series_has_no_special_cause(level: float, size: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodWarning)
        out = chart([level] * size, polarity="higher_is_better")
    assert not out["special_cause"].any()
    assert (out["mean"] == level).all()
    assert (out["upper_process_limit"] == level).all()
    assert set(out["variation"]) == {"common cause"}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=15, max_size=30), st.floats(1e4, 1e6))
def test_a_point_far_outside_is_flagged(values: list[float], jump: float) -> None:
    out = chart([*values, max(values) + jump], polarity="lower_is_better")
    assert out["outside_limits"].iloc[-1]
    assert out["variation"].iloc[-1] == "concerning high"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=15, max_size=40))
def test_reversing_polarity_swaps_improving_and_concerning(values: list[int]) -> None:
    higher = chart(values, polarity="higher_is_better", run_length=6)
    lower = chart(values, polarity="lower_is_better", run_length=6)
    neutral = chart(values, run_length=6)
    assert higher["special_cause"].equals(lower["special_cause"])
    swap = {
        "improving high": "concerning high",
        "concerning low": "improving low",
        "common cause": "common cause",
    }
    # A point marked in both directions (a trend across the mean) is improving either way.
    both = (higher["variation"] == "improving high") & (lower["variation"] == "improving low")
    expected = higher["variation"].map(swap)
    assert lower["variation"][~both].tolist() == expected[~both].tolist()
    assert (neutral["variation"] != "common cause").equals(higher["special_cause"])


def test_results_do_not_depend_on_other_groups(rng: np.random.Generator) -> None:
    df = random_charts(rng, 6, integer=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodWarning)
        together = healthgap.spc(df, "y", "t", group_by="area", polarity="neutral").to_frame()
        alone = healthgap.spc(df[df["area"] == "E003"], "y", "t", group_by="area").to_frame()
    part = together[together["area"] == "E003"].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, alone)


# --------------------------------------------------------------------------------------
# Frames, periods, suppression and warnings
# --------------------------------------------------------------------------------------


def test_columns_and_result_object() -> None:
    df = pd.DataFrame({"area": "A", "month": range(15), "y": PROCESS_LIMITS_15})
    result = healthgap.spc(df, "y", "month", group_by="area", polarity="higher_is_better")
    assert list(result.to_frame().columns) == [
        "area",
        "month",
        "phase",
        "value",
        "moving_range",
        "screened",
        "mean",
        "lower_process_limit",
        "upper_process_limit",
        "lower_two_sigma",
        "upper_two_sigma",
        "outside_limits",
        "shift",
        "trend",
        "two_of_three",
        "special_cause",
        "variation",
        "target",
        "assurance",
        "trajectory",
        "trajectory_assurance",
        "note",
        "suppressed",
        "suppression_reason",
    ]
    assert result.confidence == ()
    assert "2.66" in result.method
    assert result.parameters["polarity"] == "higher_is_better"
    assert any("Making data count" in r for r in result.references)
    assert "1 chart, 15 points" in result.summary()
    assert "confidence" not in result.summary()


def test_periods_are_sorted_within_groups_whatever_their_type() -> None:
    months = pd.date_range("2023-01-01", periods=15, freq="MS")
    df = pd.DataFrame({"when": months, "y": PROCESS_LIMITS_15}).iloc[::-1]
    out = healthgap.spc(df, "y", "when").to_frame()
    assert out["when"].is_monotonic_increasing
    assert out["value"].tolist() == PROCESS_LIMITS_15
    text = pd.DataFrame({"when": months.strftime("%Y-%m"), "y": SINGLE_POINT})
    out = healthgap.spc(text.sample(frac=1, random_state=3), "y", "when").to_frame()
    assert out["value"].tolist() == SINGLE_POINT


def test_polars_in_polars_out() -> None:
    df = pl.DataFrame({"month": list(range(15)), "y": PROCESS_LIMITS_15})
    out = healthgap.spc(df, "y", "month").to_frame()
    assert isinstance(out, pl.DataFrame)
    assert out["mean"][0] == pytest.approx(23.2, rel=RTOL)


def test_target_column_gives_each_group_its_own_assurance() -> None:
    df = pd.DataFrame(
        {
            "area": ["A"] * 30 + ["B"] * 30,
            "month": list(range(30)) * 2,
            "y": ASSURANCE * 2,
            "goal": [40.0] * 30 + [np.nan] * 29 + [10.0],  # empty cells are ignored
        }
    )
    out = healthgap.spc(df, "y", "month", "area", "higher_is_better", target="goal").to_frame()
    assert out.groupby("area")["assurance"].first().tolist() == [
        "consistently missed",
        "consistently met",
    ]
    assert out.groupby("area")["target"].first().tolist() == [40.0, 10.0]
    df["goal"] = np.nan
    out = healthgap.spc(df, "y", "month", "area", "higher_is_better", target="goal").to_frame()
    assert set(out["assurance"]) == {"no target"}


def test_short_and_incomplete_groups_are_suppressed() -> None:
    df = pd.DataFrame(
        {
            "area": ["A"] * 15 + ["B"] + ["C"] * 15,
            "month": [*list(range(15)), 0, *list(range(15))],
            "y": [*PROCESS_LIMITS_15, 3.0, *PROCESS_LIMITS_15[:7], np.nan, *SINGLE_POINT[8:]],
        }
    )
    with pytest.warns(
        SuppressionWarning,
        match=r"spc: 2 of 3 groups suppressed: fewer than 2 periods \(1 group, first: area B\); "
        r"value is missing \(1 group, first: area C\)\. Their mean, limits, flags and icons",
    ) as caught:
        out = healthgap.spc(df, "y", "month", group_by="area", polarity="higher_is_better")
    assert caught[0].filename == __file__
    table = out.to_frame()
    by = table.groupby("area")
    assert by["suppressed"].all().tolist() == [False, True, True]
    assert table.drop_duplicates("area")["suppression_reason"].tolist() == [
        None,
        "fewer than 2 periods",
        "value is missing",
    ]
    bad = table[table["suppressed"]]
    assert bad[["mean", "upper_process_limit", "moving_range"]].isna().all().all()
    assert not bad["special_cause"].any()
    assert bad["variation"].isna().all() and bad["assurance"].isna().all()
    assert table.loc[table["area"] == "B", "value"].tolist() == [3.0]  # values are kept
    good = table[table["area"] == "A"].reset_index(drop=True)
    assert_matches_reference(good, xmr_reference(PROCESS_LIMITS_15, "higher_is_better"))


def test_few_points_give_one_combined_method_warning() -> None:
    df = pd.DataFrame(
        {
            "area": ["A"] * 15 + ["B"] * 9 + ["C"] * 4,
            "month": list(range(15)) + list(range(9)) + list(range(4)),
            "y": PROCESS_LIMITS_15 + PROCESS_LIMITS_15[:9] + PROCESS_LIMITS_15[:4],
        }
    )
    with pytest.warns(MethodWarning) as caught:
        out = healthgap.spc(df, "y", "month", group_by="area").to_frame()
    assert len(caught) == 1
    assert caught[0].filename == __file__  # the warning points at the caller's line
    assert str(caught[0].message) == (
        "spc: 2 of 3 groups have limits based on fewer than 15 points (first: area B, 9 "
        "points). Treat them as trial limits: Making Data Count recommends 15 to 20 points; "
        "see the note column."
    )
    assert out.drop_duplicates("area")["note"].tolist() == [
        None,
        "trial limits: based on 9 points (15 recommended)",
        "trial limits: based on 4 points (15 recommended)",
    ]
    with pytest.warns(MethodWarning, match="fewer than 20 points"):
        healthgap.spc(df, "y", "month", group_by="area", baseline=12, recommended_points=20)


# --------------------------------------------------------------------------------------
# Structural errors
# --------------------------------------------------------------------------------------


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"area": ["A"] * 15 + ["B"] * 15, "month": list(range(15)) * 2, "y": SINGLE_POINT * 2}
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"polarity": "up"}, r"polarity must be one of 'higher_is_better', 'lower_is_better', "),
        ({"baseline": 1}, r"baseline must be a whole number of at least 2; got 1\. Use e\.g\."),
        ({"baseline": 2.5}, r"baseline must be a whole number of at least 2; got 2\.5"),
        ({"baseline": True}, r"baseline must be a whole number"),
        ({"run_length": 1}, r"run_length must be a whole number of at least 2; got 1"),
        ({"recommended_points": 0}, r"recommended_points must be a whole number"),
        (
            {"target": 90},
            r"target must come with polarity 'higher_is_better' or 'lower_is_better'; got "
            r"polarity 'neutral' and target=90\. Assurance compares",
        ),
        (
            {"target": [90], "polarity": "higher_is_better"},
            r"target must be a number or the name of a column; got \[90\]",
        ),
        (
            {"target": float("nan"), "polarity": "higher_is_better"},
            r"target must be a number or the name of a column; got nan",
        ),
        (
            {"target": "goal", "polarity": "higher_is_better"},
            r"target column 'goal' must be in data",
        ),
        ({"value": "z"}, r"value column 'z' must be in data; got columns \[area, month, y"),
        ({"period": "when"}, r"period column 'when' must be in data"),
        ({"group_by": "mean"}, r"group_by columns must not use the output column names"),
    ],
)
def test_argument_errors(kwargs: dict[str, object], message: str) -> None:
    df = frame()
    df["mean"] = 1
    args: dict[str, object] = {"value": "y", "period": "month", "group_by": "area"}
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        healthgap.spc(df, **args)  # type: ignore[arg-type]


def test_period_named_like_an_output_column_is_an_error() -> None:
    df = frame().rename(columns={"month": "trend"})
    with pytest.raises(
        InputError, match=r"period column must not use an output column name; got 'trend'"
    ):
        healthgap.spc(df, "y", "trend", group_by="area")


def test_target_that_differs_within_a_group_is_an_error() -> None:
    df = frame()
    df["goal"] = 30.0
    df.loc[20, "goal"] = 35.0
    with pytest.raises(
        InputError,
        match=r"target column 'goal' must hold one value per group; got different values "
        r"in area B \(30 and 35\)\. Give each group a single target\.",
    ):
        healthgap.spc(df, "y", "month", "area", "higher_is_better", target="goal")


def test_missing_period_is_named() -> None:
    df = frame().astype({"month": float})
    df.loc[17, "month"] = np.nan
    with pytest.raises(
        InputError,
        match=r"period column 'month' must not have empty cells; got 1 \(first at row 18 "
        r"\(area B\)\)\. Fill in or drop those rows\.",
    ):
        healthgap.spc(df, "y", "month", group_by="area")


def test_repeated_period_is_named() -> None:
    df = frame()
    df.loc[20, "month"] = 4
    with pytest.raises(
        InputError,
        match=r"period column 'month' must have one row per period in each group; got 1 "
        r"repeated period \(first: 4 twice in area B\)\. Sum or average the rows first",
    ):
        healthgap.spc(df, "y", "month", group_by="area")


def test_mixed_period_types_are_an_error() -> None:
    df = frame().astype({"month": object})
    df.loc[3, "month"] = "April"
    with pytest.raises(
        InputError,
        match=r"period column 'month' must hold one kind of value that sorts in time order "
        r"\(all numbers, all dates or all text\); got a mix of int, str\.",
    ):
        healthgap.spc(df, "y", "month", group_by="area")


def test_text_and_infinite_values_are_errors() -> None:
    df = frame().astype({"y": object})
    df.loc[2, "y"] = "12*"
    with pytest.raises(
        InputError,
        match=r"value column 'y' must hold numbers; got 1 row of text \(first: '12\*' at row 3 "
        r"\(area A\)\)",
    ):
        healthgap.spc(df, "y", "month", group_by="area")
    df = frame().astype({"y": float})
    df.loc[2, "y"] = np.inf
    with pytest.raises(InputError, match=r"value column 'y' must hold finite numbers"):
        healthgap.spc(df, "y", "month", group_by="area")
