"""gap: hand calculations on the ONS regional HLE file, choices, suppression and errors.

Sources of reference values are listed in tests/reference/README.md ("gap").
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import healthgap
from healthgap.errors import InputError, MethodWarning, SuppressionWarning
from tests.conftest import RTOL
from tests.needs import need_file

Z975 = float(stats.norm.ppf(0.975))
Z999 = float(stats.norm.ppf(0.999))


def shared_data() -> Path:
    env = os.environ.get("HEALTHGAP_MIRROR")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


def regions() -> pd.DataFrame:
    path = need_file(shared_data() / "hle_le" / "ons_hle_birth_regions_2011_2022.csv")
    df = pd.read_csv(path)
    return df[df["area_code"].str.startswith("E12")].reset_index(drop=True)


def hand_gap(y1: float, l1: float, u1: float, y2: float, l2: float, u2: float, z: float):
    """Scalar formulas: SEs from 95% limits, difference in quadrature, ratio on logs."""
    s1, s2 = (u1 - l1) / (2 * Z975), (u2 - l2) / (2 * Z975)
    d = y1 - y2
    sd = math.sqrt(s1**2 + s2**2)
    t1 = (math.log(u1) - math.log(l1)) / (2 * Z975)
    t2 = (math.log(u2) - math.log(l2)) / (2 * Z975)
    st_ = math.sqrt(t1**2 + t2**2)
    r = y1 / y2
    return (d, d - z * sd, d + z * sd, r, r * math.exp(-z * st_), r * math.exp(z * st_))


def test_south_east_vs_north_east_males_2011_2013_by_hand() -> None:
    df = regions()
    part = df[(df["sex"] == "Male") & (df["period"] == "2011-2013")]
    out = healthgap.gap(
        part, "hle_years", by="area_name", lower="lower_95", upper="upper_95"
    ).to_frame()
    row = out.iloc[0]
    assert (row["first"], row["second"]) == ("South East", "North East")
    assert (row["first_value"], row["second_value"]) == (65.42, 59.33)
    # SE 65.42 (65.01-65.83), NE 59.33 (58.78-59.88), ONS 2011-2013 males.
    for z, suffix in ((Z975, "95_0"), (Z999, "99_8")):
        d, dl, du, r, rl, ru = hand_gap(65.42, 65.01, 65.83, 59.33, 58.78, 59.88, z)
        assert row["difference"] == pytest.approx(d, rel=RTOL)
        assert row[f"difference_lower_{suffix}"] == pytest.approx(dl, rel=RTOL)
        assert row[f"difference_upper_{suffix}"] == pytest.approx(du, rel=RTOL)
        assert row["ratio"] == pytest.approx(r, rel=RTOL)
        assert row[f"ratio_lower_{suffix}"] == pytest.approx(rl, rel=RTOL)
        assert row[f"ratio_upper_{suffix}"] == pytest.approx(ru, rel=RTOL)
    # Rounded, for the methods page: 6.09 years (5.40 to 6.78).
    assert (round(row["difference_lower_95_0"], 2), round(row["difference_upper_95_0"], 2)) == (
        5.40,
        6.78,
    )


def test_every_sex_and_period_against_pandas() -> None:
    df = regions()
    out = healthgap.gap(
        df,
        "hle_years",
        by="area_name",
        group_by=["sex", "period"],
        lower="lower_95",
        upper="upper_95",
        confidence=0.95,
    ).to_frame()
    assert len(out) == 20
    for _, row in out.iterrows():
        part = df[(df["sex"] == row["sex"]) & (df["period"] == row["period"])]
        hi = part.loc[part["hle_years"].idxmax()]
        lo = part.loc[part["hle_years"].idxmin()]
        assert (row["first"], row["second"]) == (hi["area_name"], lo["area_name"])
        expected = hand_gap(
            hi["hle_years"],
            hi["lower_95"],
            hi["upper_95"],
            lo["hle_years"],
            lo["lower_95"],
            lo["upper_95"],
            Z975,
        )
        got = [
            row[c]
            for c in (
                "difference",
                "difference_lower_95_0",
                "difference_upper_95_0",
                "ratio",
                "ratio_lower_95_0",
                "ratio_upper_95_0",
            )
        ]
        np.testing.assert_allclose(got, expected, rtol=RTOL)


def test_explicit_pair_and_its_reverse() -> None:
    df = regions()
    part = df[(df["sex"] == "Male") & (df["period"] == "2011-2013")]
    args = {"by": "area_name", "lower": "lower_95", "upper": "upper_95"}
    ranked = healthgap.gap(part, "hle_years", **args).to_frame()
    named = healthgap.gap(
        part, "hle_years", compare=("South East", "North East"), **args
    ).to_frame()
    reverse = healthgap.gap(
        part, "hle_years", compare=("North East", "South East"), **args
    ).to_frame()
    pd.testing.assert_frame_equal(ranked, named)
    assert reverse.loc[0, "difference"] == pytest.approx(-named.loc[0, "difference"], rel=RTOL)
    assert reverse.loc[0, "difference_lower_95_0"] == pytest.approx(
        -named.loc[0, "difference_upper_95_0"], rel=RTOL
    )
    assert reverse.loc[0, "ratio"] == pytest.approx(1 / named.loc[0, "ratio"], rel=RTOL)
    assert reverse.loc[0, "ratio_upper_99_8"] == pytest.approx(
        1 / named.loc[0, "ratio_lower_99_8"], rel=RTOL
    )
    mixed = healthgap.gap(part, "hle_years", compare=("London", "lowest"), **args).to_frame()
    assert (mixed.loc[0, "first"], mixed.loc[0, "second"]) == ("London", "North East")


def small() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sex": ["F", "F", "F", "M", "M", "M"],
            "area": ["A", "B", "C", "A", "B", "C"],
            "y": [60.0, 64.0, 62.0, 58.0, 55.0, 61.0],
            "lo": [59.0, 63.0, 61.0, 57.0, 54.0, 60.0],
            "hi": [61.0, 65.5, 63.0, 59.5, 56.0, 62.0],
        }
    )


def test_se_route_gives_the_same_difference_limits() -> None:
    df = small()
    df["se"] = (df["hi"] - df["lo"]) / (2 * Z975)
    a = healthgap.gap(df, "y", by="area", group_by="sex", lower="lo", upper="hi").to_frame()
    b = healthgap.gap(df, "y", by="area", group_by="sex", se="se").to_frame()
    for c in ("difference", "difference_lower_95_0", "difference_upper_99_8", "ratio"):
        np.testing.assert_allclose(a[c], b[c], rtol=RTOL)
    # With se the ratio's log-scale SE is se/y (delta method).
    t = float(np.hypot(df["se"][1] / 64.0, df["se"][0] / 60.0))
    assert b.loc[0, "ratio_lower_95_0"] == pytest.approx(64 / 60 * math.exp(-Z975 * t), rel=RTOL)


def test_columns_and_metadata() -> None:
    result = healthgap.gap(
        small(), "y", by="area", group_by="sex", lower="lo", upper="hi", confidence=0.9
    )
    assert list(result.to_frame().columns) == [
        "sex",
        "first",
        "first_value",
        "second",
        "second_value",
        "difference",
        "difference_lower_90_0",
        "difference_upper_90_0",
        "ratio",
        "ratio_lower_90_0",
        "ratio_upper_90_0",
        "suppressed",
        "suppression_reason",
    ]
    assert result.statistic == "Gap between the highest value and the lowest value"
    assert "first is the highest value and second the lowest value" in result.notes[0]
    assert "biased upwards" in result.summary()
    table = result.to_frame()
    assert table["first"].tolist() == ["B", "C"]
    assert table["second"].tolist() == ["A", "B"]


def test_ties_compare_two_different_rows() -> None:
    df = pd.DataFrame(
        {"area": ["X", "Y", "Z"], "y": [5.0, 5.0, 5.0], "lo": [4.0] * 3, "hi": [6.0] * 3}
    )
    out = healthgap.gap(df, "y", by="area", lower="lo", upper="hi").to_frame()
    assert (out.loc[0, "first"], out.loc[0, "second"]) == ("X", "Z")
    assert out.loc[0, "difference"] == 0.0
    assert out.loc[0, "ratio"] == 1.0


def test_numeric_labels_match_their_text_form() -> None:
    df = pd.DataFrame(
        {"decile": [1, 2, 10], "y": [70.0, 72.0, 80.0], "lo": [69.0, 71.0, 79.0], "hi": [71.0] * 3}
    )
    df["hi"] = df["y"] + 1
    out = healthgap.gap(df, "y", by="decile", lower="lo", upper="hi", compare=("10", "1"))
    table = out.to_frame()
    assert table.loc[0, "first"] == 10
    assert table.loc[0, "difference"] == pytest.approx(10.0, rel=RTOL)


def test_polars_in_polars_out() -> None:
    table = healthgap.gap(
        pl.from_pandas(small()), "y", by="area", group_by="sex", lower="lo", upper="hi"
    ).to_frame()
    assert isinstance(table, pl.DataFrame)
    assert table["difference"].to_list() == pytest.approx([4.0, 6.0], rel=RTOL)


def test_groups_that_cannot_be_compared_are_suppressed() -> None:
    df = small()
    df = pd.concat(
        [df, pd.DataFrame({"sex": ["U"], "area": ["A"], "y": [1.0], "lo": [0.5], "hi": [1.5]})]
    ).reset_index(drop=True)
    df.loc[4, "y"] = np.nan  # M, B: a missing value in a ranked group
    with pytest.warns(
        SuppressionWarning,
        match=r"gap: 2 of 3 groups suppressed: value is missing \(1 group, first: sex M\); "
        r"fewer than 2 rows to compare \(1 group, first: sex U\)",
    ):
        out = healthgap.gap(df, "y", by="area", group_by="sex", lower="lo", upper="hi")
    table = out.to_frame()
    assert table["suppressed"].tolist() == [False, True, True]
    assert pd.isna(table.loc[1, "first"])
    assert np.isnan(
        table.loc[1, ["difference", "ratio_upper_95_0", "first_value"]].astype(float)
    ).all()
    assert table.loc[0, "difference"] == pytest.approx(4.0, rel=RTOL)


def test_named_label_missing_from_a_group_and_missing_limits() -> None:
    df = small().drop(index=5).reset_index(drop=True)  # no M, C
    df.loc[0, "lo"] = np.nan  # F, A: its limits are missing
    with pytest.warns(SuppressionWarning) as record:
        out = healthgap.gap(
            df, "y", by="area", group_by="sex", lower="lo", upper="hi", compare=("C", "A")
        ).to_frame()
    assert len(record) == 1
    assert out["suppression_reason"].tolist() == [
        "confidence limits are missing",
        "C is not in this group",
    ]


def test_a_member_is_never_compared_with_itself() -> None:
    with pytest.warns(SuppressionWarning, match=r"first and second are the same member"):
        out = healthgap.gap(
            small(), "y", by="area", group_by="sex", lower="lo", upper="hi", compare=("A", "lowest")
        ).to_frame()
    assert out["suppressed"].tolist() == [True, False]  # F: A is the lowest; M: B is
    assert out.loc[1, "difference"] == pytest.approx(58.0 - 55.0, rel=RTOL)


def test_ratio_needs_positive_values() -> None:
    df = pd.DataFrame({"area": ["A", "B"], "y": [0.0, 3.0], "se": [0.1, 0.2]})
    with pytest.warns(
        MethodWarning, match=r"gap: the ratio is not defined for 1 of 1 groups \(first: all rows\)"
    ):
        out = healthgap.gap(df, "y", by="area", se="se").to_frame()
    assert out.loc[0, "difference"] == pytest.approx(3.0, rel=RTOL)
    assert np.isnan(out.loc[0, ["ratio", "ratio_lower_95_0"]].astype(float)).all()
    assert not out.loc[0, "suppressed"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"compare": "highest"}, r"compare must be a pair such as \('highest', 'lowest'\)"),
        ({"compare": ("a", "b", "c")}, r"compare must be a pair"),
        ({"compare": ("lowest", "lowest")}, r"compare must name two different things"),
        (
            {"compare": ("Atlantis", "lowest")},
            r"compare label 'Atlantis' must be a value of the area column or 'highest' or "
            r"'lowest'; got a label that is not in the data \(it has 'A', 'B', 'C'\)",
        ),
        ({"lower": "lo"}, r"se must not be combined with lower/upper"),
        ({"se": None}, r"se, or lower and upper, must be given; got neither"),
        ({"se": None, "upper": "hi"}, r"lower and upper must be given together; got only upper"),
        ({"value": "hle"}, r"value column 'hle' must be in data"),
        ({"by": "region"}, r"by column 'region' must be in data"),
        ({"group_by": ["sex", "area"]}, r"group_by must not include the by column 'area'"),
        ({"group_by": "ratio"}, r"group_by columns must not use the output column names"),
        ({"confidence": 1.5}, r"confidence must be between 0 and 1"),
    ],
)
def test_structural_errors(kwargs: dict[str, object], message: str) -> None:
    df = small()
    df["se"] = 0.5
    df["ratio"] = 1
    args: dict[str, object] = {"value": "y", "by": "area", "group_by": "sex", "se": "se"}
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        healthgap.gap(df, **args)  # type: ignore[arg-type]


def test_row_level_errors_name_the_row() -> None:
    df = small()
    df.loc[2, "area"] = "B"
    with pytest.raises(
        InputError, match=r"each area must appear once per group; got 2 rows for 'B' in sex F"
    ):
        healthgap.gap(df, "y", by="area", group_by="sex", lower="lo", upper="hi")
    df = small()
    df.loc[1, "lo"] = 70.0
    with pytest.raises(
        InputError,
        match=r"lower column 'lo' must not exceed upper column 'hi'; got 1 row where it does "
        r"\(first: 70 > 65\.5 at row 2 \(sex F\)\)",
    ):
        healthgap.gap(df, "y", by="area", group_by="sex", lower="lo", upper="hi")
    df = small()
    df.loc[3, "area"] = None
    with pytest.raises(InputError, match=r"by column 'area' must name every row; got 1 empty"):
        healthgap.gap(df, "y", by="area", group_by="sex", lower="lo", upper="hi")
    df = small()
    df["se"] = -1.0
    with pytest.raises(InputError, match=r"se column 'se' must be 0 or more"):
        healthgap.gap(df, "y", by="area", group_by="sex", se="se")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(1, 100), st.floats(0.01, 2)), min_size=2, max_size=15),
    st.integers(0, 10**6),
)
def test_properties(rows: list[tuple[float, float]], seed: int) -> None:
    df = pd.DataFrame(rows, columns=["y", "se"])
    df["area"] = [f"R{i:02d}" for i in range(len(df))]
    df["g"] = [i % 2 for i in range(len(df))]
    shuffled = df.sample(frac=1, random_state=seed % 1000)
    if df["g"].value_counts().min() < 2:
        df = df.assign(g=0)
        shuffled = shuffled.assign(g=0)
    a = healthgap.gap(df, "y", by="area", group_by="g", se="se").to_frame()
    b = healthgap.gap(shuffled, "y", by="area", group_by="g", se="se").to_frame()
    pd.testing.assert_frame_equal(a, b)
    assert (a["difference"] >= 0).all() and (a["ratio"] >= 1).all()
    assert (a["difference_lower_99_8"] <= a["difference_lower_95_0"]).all()
    assert (a["difference_lower_95_0"] <= a["difference"]).all()
    assert (a["ratio_lower_95_0"] <= a["ratio"]).all() and (
        a["ratio"] <= a["ratio_upper_95_0"]
    ).all()
