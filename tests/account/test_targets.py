"""Targets: declared in TOML/YAML or Python, judged with confidence limits, SPC icons."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from healthgap.account.targets import Target, load_targets, targets_status
from healthgap.data.store import Store
from healthgap.errors import InputError

LOCAL = "hle_le/ons_hle_birth_local_areas_2011_2024.csv"

TOML = """
[[target]]
name = "HLE North East women"
indicator = "hle_birth"
area = "E12000001"
sex = "Female"
value = 61.0
year = 2030
polarity = "higher_is_better"
baseline_period = "2020-2022"

[[target]]
name = "CVD Manchester"
indicator = "93722"
area = "E08000003"
value = 40.0
year = 2030
polarity = "lower_is_better"
trajectory = { 2001 = 100.0, 2023 = 50.0, 2030 = 40.0 }
"""

YAML = """
target:
  - indicator: hle_birth
    area: E12000001
    sex: Male
    value: 60.0
    year: 2030
    polarity: higher_is_better
"""


def series(
    values: list[float], half_width: float = 1.0, area: str = "A", start: int = 2010
) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame(
        {
            "indicator_id": "x",
            "area_code": area,
            "period": [str(start + i) for i in range(n)],
            "period_start": [start + i for i in range(n)],
            "period_end": [start + i for i in range(n)],
            "value": values,
            "lower_95_0": [v - half_width for v in values],
            "upper_95_0": [v + half_width for v in values],
        }
    )


def test_load_toml_and_yaml(tmp_path: Path) -> None:
    (tmp_path / "t.toml").write_text(TOML)
    (tmp_path / "t.yaml").write_text(YAML)
    toml = load_targets(tmp_path / "t.toml")
    assert [t.label for t in toml] == ["HLE North East women", "CVD Manchester"]
    assert toml[1].trajectory == {2001: 100.0, 2023: 50.0, 2030: 40.0}
    yml = load_targets(tmp_path / "t.yaml")
    assert yml[0].sex == "Male" and yml[0].label == "hle_birth E12000001"


def test_status_on_real_data_against_published_values(
    store: Store, mirror: Path, tmp_path: Path
) -> None:
    (tmp_path / "t.toml").write_text(TOML)
    res = targets_status(load_targets(tmp_path / "t.toml"), store).table.set_index("target")
    pub = pd.read_csv(mirror / LOCAL)
    ne = pub[(pub["area_code"] == "E12000001") & (pub["sex"] == "Female")].set_index("period")
    eng = pub[(pub["area_code"] == "E92000001") & (pub["sex"] == "Female")].set_index("period")
    row = res.loc["HLE North East women"]
    assert row["latest_period"] == "2022-2024"
    assert row["value"] == ne.loc["2022-2024", "hle_years"]
    assert (row["lower"], row["upper"]) == tuple(ne.loc["2022-2024", ["lower_95", "upper_95"]])
    assert row["benchmark_value"] == eng.loc["2022-2024", "hle_years"]
    # trajectory: straight line from the 2020-2022 value (middle year 2021) to 61 in 2030
    b = ne.loc["2020-2022", "hle_years"]
    assert row["trajectory_value"] == pytest.approx(b + (61.0 - b) * (2023 - 2021) / 9)
    assert row["upper"] < 61.0 and row["vs_target"] == "worse than target (significant)"
    assert row["upper"] < row["benchmark_value"]
    assert row["vs_benchmark"] == "worse than England (significant)"
    cvd = res.loc["CVD Manchester"]
    assert cvd["trajectory"] == "custom"
    assert cvd["trajectory_value"] == pytest.approx(50.0)  # the custom point at 2023
    assert "years remain to the target year 2030" in cvd["status"]


def test_comparisons_at_the_boundaries() -> None:
    data = pd.concat([series([50, 52, 54]), series([54, 54, 54], area="E92000001")])
    touching = Target("x", "A", 55.0, 2020, "higher_is_better")  # CI 53-55 touches 55
    above = Target("x", "A", 52.9, 2020, "higher_is_better")
    res = targets_status([touching, above], data=data).table
    assert res["vs_target"].tolist() == ["similar to target", "better than target (significant)"]
    assert res["vs_benchmark"].tolist() == ["similar to England"] * 2
    low = targets_status([Target("x", "A", 52.9, 2020, "lower_is_better")], data=data).table
    assert low["vs_target"].iloc[0] == "worse than target (significant)"


def test_missing_limits_and_benchmark_are_not_assessed() -> None:
    data = series([50, 52, 54]).drop(columns=["lower_95_0", "upper_95_0"])
    row = targets_status([Target("x", "A", 60.0, 2020, "higher_is_better")], data=data).table.iloc[
        0
    ]
    assert row["vs_target"] == "not assessed: no confidence limits"
    assert math.isnan(row["benchmark_value"])


def test_spc_icons_follow_making_data_count_rules() -> None:
    # 8 rising points: a trend (run of 7+), the latest point special cause, high side
    rising = series([10, 11, 12, 13, 14, 15, 16, 17], half_width=0.5)
    lower_better = targets_status(
        [Target("x", "A", 5.0, 2030, "lower_is_better")], data=rising
    ).table.iloc[0]
    assert lower_better["spc_variation"] == "concerning high"
    higher_better = targets_status(
        [Target("x", "A", 5.0, 2030, "higher_is_better")], data=rising
    ).table.iloc[0]
    assert higher_better["spc_variation"] == "improving high"
    assert "fewer than 15 points" in higher_better["note"]
    flat = series([10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11])
    row = targets_status([Target("x", "A", 30.0, 2030, "higher_is_better")], data=flat).table.iloc[
        0
    ]
    assert row["spc_variation"] == "common cause"
    assert row["spc_assurance"] == "consistently missed"  # 30 is above the upper limit
    assert row["note"] == ""


def test_single_period_has_no_spc() -> None:
    row = targets_status(
        [Target("x", "A", 5.0, 2030, "higher_is_better")], data=series([4.0])
    ).table.iloc[0]
    assert row["spc_variation"] == "" and row["note"] == "SPC needs at least 2 periods"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"polarity": "up"}, "polarity must be one of higher_is_better"),
        ({"value": "61"}, "target value must be a number; got '61'"),
        ({"value": math.inf}, "target value must be finite"),
        ({"year": 2030.5}, "target year must be a whole year; got 2030.5"),
        ({"trajectory": "curved"}, "trajectory must be 'linear' or"),
    ],
)
def test_target_errors(kwargs: dict, message: str) -> None:
    args = {
        "indicator": "x",
        "area": "A",
        "value": 5.0,
        "year": 2030,
        "polarity": "higher_is_better",
        **kwargs,
    }
    with pytest.raises(InputError, match=message):
        Target(**args)


def test_status_errors() -> None:
    data = series([1.0, 2.0])
    t = Target("x", "A", 5.0, 2030, "higher_is_better")
    with pytest.raises(InputError, match=r"confidence must be 0\.95 or 0\.998"):
        targets_status([t], data=data, confidence=0.9)
    with pytest.raises(InputError, match="targets must hold at least one Target"):
        targets_status([], data=data)
    with pytest.raises(InputError, match="data must have the indicators-table columns; got no"):
        targets_status([t], data=data.drop(columns="period_end"))
    with pytest.raises(InputError, match="must match data; got no rows for indicator 'x', area"):
        targets_status([Target("x", "B", 5.0, 2030, "higher_is_better")], data=data)
    with pytest.raises(InputError, match="baseline_period of 'x A' must be a period"):
        targets_status(
            [Target("x", "A", 5.0, 2030, "higher_is_better", baseline_period="1999")], data=data
        )
    with pytest.raises(InputError, match="must select one row per period"):
        targets_status([t], data=pd.concat([data, data]))


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("t.json", "{}", "targets file must be .toml, .yaml or .yml"),
        ("t.toml", "[[target]\n", "t.toml must be valid TOML"),
        ("t.yaml", "target: [a, b\n", "t.yaml must be valid YAML"),
        ("t.toml", "title = 'x'\n", "must list targets under 'target'"),
        ("t.toml", "target = [1]\n", "target 1 in t.toml must be a table of fields"),
        ("t.toml", "[[target]]\nindicator='x'\n", "target 1 in t.toml must have area, value"),
        ("t.toml", "[[target]]\nindicater='x'\n", "must use only the fields .*got 'indicater'"),
        (
            "t.toml",
            "[[target]]\nindicator='x'\narea='A'\nvalue=1\nyear=2030\n"
            "polarity='higher_is_better'\ntrajectory={2030='a'}\n",
            "trajectory points must be",
        ),
    ],
)
def test_load_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError, match=message):
        load_targets(tmp_path / name)
    with pytest.raises(InputError, match="targets file must exist"):
        load_targets(tmp_path / "absent.toml")


def test_cli_targets_status(store_path: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from healthgap.cli.main import app

    (tmp_path / "t.toml").write_text(TOML)
    res = CliRunner().invoke(
        app,
        ["targets", "status", str(tmp_path / "t.toml"), "--store", str(store_path)],
        env={"COLUMNS": "250"},
    )
    assert res.exit_code == 0, res.output
    assert "HLE North East women" in res.stdout
    assert "worse than England (significant)" in " ".join(res.stdout.split())  # wraps
    js = CliRunner().invoke(
        app, ["targets", "status", str(tmp_path / "t.toml"), "--json", "--store", str(store_path)]
    )
    assert js.exit_code == 0, js.output
    import json

    assert len(json.loads(js.stdout)["targets"]) == 2
