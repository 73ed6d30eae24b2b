"""The mission tracker on the real ONS data: figures reproduce the published values."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthgap.account.mission import mission, region_deprivation
from healthgap.account.status import MISSED, NOT_CLEAR, OFF_TRACK, ON_TRACK, TOO_EARLY
from healthgap.data.store import Store
from healthgap.errors import InputError

Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)
LOCAL = "hle_le/ons_hle_birth_local_areas_2011_2024.csv"
DEC2023 = "hle_le/ons_hle_birth_regions_2011_2022.csv"


def published(mirror: Path, file: str) -> pd.DataFrame:
    """The ONS file itself (not the store), English regions only."""
    df = pd.read_csv(mirror / file)
    return df[df["area_code"].str.startswith("E12")]


def expected_range(rows: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float, float, str]]:
    """Highest minus lowest region, scalar Python: limits from the 95% CIs in quadrature."""
    out = {}
    for (sex, period), g in rows.groupby(["sex", "period"]):
        recs = list(zip(g["hle_years"], g["lower_95"], g["upper_95"], g["area_name"], strict=True))
        hi = max(recs, key=lambda r: r[0])
        lo = min(recs, key=lambda r: r[0])
        se = math.sqrt(((hi[2] - hi[1]) / (2 * Z95)) ** 2 + ((lo[2] - lo[1]) / (2 * Z95)) ** 2)
        d = hi[0] - lo[0]
        out[(str(sex), str(period))] = (d, d - Z95 * se, d + Z95 * se, lo[3])
    return out


@pytest.fixture(scope="module")
def tracked(store: Store):
    return mission(store, target_year=2035)


def test_range_gap_reproduces_published_ons_values(tracked, mirror: Path) -> None:
    want = expected_range(published(mirror, LOCAL))
    gaps = tracked.gaps
    assert len(gaps) == len(want) == 24
    for _, r in gaps.iterrows():
        d, lo, hi, lowest = want[(r["sex"], r["period"])]
        assert r["gap"] == pytest.approx(d, rel=1e-10)
        assert r["lower"] == pytest.approx(lo, rel=1e-10)
        assert r["upper"] == pytest.approx(hi, rel=1e-10)
        assert r["lowest"] == lowest


def test_published_checkpoints() -> None:
    """SOURCES.md / ONS: males 2011-2013 North East 58.7, South East 65.4."""
    # checked through the store, so that parsing is covered too
    from tests.data.open_data._mirror import mirror_or_skip

    rows = published(mirror_or_skip(), LOCAL)
    m = rows[(rows["sex"] == "Male") & (rows["period"] == "2011-2013")].set_index("area_name")
    assert m.loc["North East", "hle_years"] == 58.7
    assert m.loc["South East", "hle_years"] == 65.4


def test_checkpoint_gap_in_tracker(tracked) -> None:
    g = tracked.gaps.set_index(["sex", "period"])
    assert g.loc[("Male", "2011-2013"), "gap"] == pytest.approx(65.4 - 58.7, rel=1e-10)
    assert g.loc[("Male", "2011-2013"), "highest"] == "South East"


def test_baseline_target_and_trajectory(tracked, mirror: Path) -> None:
    want = expected_range(published(mirror, LOCAL))
    for sex in ("Female", "Male"):
        g0 = want[(sex, "2020-2022")][0]
        track = tracked.tracks[sex]
        assert track.baseline_gap == pytest.approx(g0, rel=1e-10)
        assert track.target_gap == pytest.approx(g0 / 2, rel=1e-10)
        rows = tracked.gaps[tracked.gaps["sex"] == sex].set_index("period")
        # straight line from (2021, g0) to (2035, g0/2), period middle years
        for period, t in [("2021-2023", 2022.0), ("2022-2024", 2023.0)]:
            expect = g0 - (g0 / 2) * (t - 2021) / (2035 - 2021)
            assert rows.loc[period, "trajectory"] == pytest.approx(expect, rel=1e-10)
        assert math.isnan(rows.loc["2019-2021", "trajectory"])


def test_projection_uses_non_overlapping_periods(tracked, mirror: Path) -> None:
    want = expected_range(published(mirror, LOCAL))
    for sex, track in tracked.tracks.items():
        rows = tracked.gaps[tracked.gaps["sex"] == sex]
        used = rows.loc[rows["in_trend"], "period"].tolist()
        assert used == ["2013-2015", "2016-2018", "2019-2021", "2022-2024"]
        t = np.array([2014.0, 2017.0, 2020.0, 2023.0])
        y = np.array([want[(sex, p)][0] for p in used])
        se = np.array([(want[(sex, p)][2] - want[(sex, p)][1]) / (2 * Z95) for p in used])
        w = 1 / se**2
        tbar = np.sum(w * t) / w.sum()
        b = np.sum(w * (t - tbar) * (y - np.sum(w * y) / w.sum())) / np.sum(w * (t - tbar) ** 2)
        assert track.projection.slope == pytest.approx(b, rel=1e-8)
        assert track.projection.n_points == 4


def test_status_is_honest_about_wide_projections(tracked) -> None:
    summary = tracked.summary_frame()
    for _, r in summary.iterrows():
        target = r["target_gap"]
        if r["projected_upper"] <= target:
            assert r["status"] == ON_TRACK
        elif r["projected_lower"] > target:
            assert r["status"] == OFF_TRACK
        else:
            assert r["status"] == NOT_CLEAR
            assert "includes the target" in r["sentence"]


def test_series_ending_at_baseline_is_too_early(store: Store, mirror: Path) -> None:
    res = mission(store, target_year=2035, series="hle_birth_dec2023", sex="Female")
    want = expected_range(published(mirror, DEC2023))
    g = res.gaps.set_index("period")
    for period in g.index:
        assert g.loc[period, "gap"] == pytest.approx(want[("Female", period)][0], rel=1e-10)
    assert res.tracks["Female"].status.code == TOO_EARLY
    assert "no data after the baseline period 2020-2022" in res.tracks["Female"].status.reason


def test_too_few_periods_to_project(store: Store) -> None:
    res = mission(store, target_year=2035, sex="Male", baseline_period="2019-2021", min_points=5)
    track = res.tracks["Male"]
    assert track.status.code == TOO_EARLY
    assert "only 4 independent periods" in track.status.reason


def test_sii_definition_matches_scalar_weighted_regression(store: Store) -> None:
    res = mission(store, target_year=2035, definition="sii", sex="Female", repetitions=2000)
    regions = res.regions
    assert regions["deprivation_rank"].tolist() == list(range(1, 10))
    assert np.all(np.diff(regions["imd_score"].to_numpy()) <= 0)
    assert set(regions["region_name"].iloc[:2]) == {"North East", "North West"}
    assert regions["region_name"].iloc[-1] == "South East"
    hle = store.to_pandas(store.indicators("hle_birth", area_type="region", sex="Female"))
    for period in ("2011-2013", "2022-2024"):
        vals = hle[hle["period"] == period].set_index("area_code")["value"]
        # Low & Low (2004): cumulative population-share midpoints, weighted least squares
        a = regions["population"].to_numpy() / regions["population"].sum()
        mid = np.cumsum(a) - a / 2
        y = vals.reindex(regions["region_code"]).to_numpy()
        mbar, ybar = np.sum(a * mid), np.sum(a * y)
        slope = np.sum(a * (mid - mbar) * (y - ybar)) / np.sum(a * (mid - mbar) ** 2)
        row = res.gaps[res.gaps["period"] == period].iloc[0]
        assert row["gap"] == pytest.approx(slope, rel=1e-10)
        assert row["lower"] < row["gap"] < row["upper"]


def test_sii_with_own_populations_and_its_errors(store: Store) -> None:
    pops = region_deprivation(store)[["region_code"]].assign(population=1.0)
    res = mission(
        store, target_year=2035, definition="sii", sex="Male", repetitions=1000, population=pops
    )
    assert (res.regions["population"] == 1.0).all()
    with pytest.raises(InputError, match="population must cover all 9 English regions"):
        mission(store, target_year=2035, definition="sii", population=pops.iloc[:8])
    with pytest.raises(InputError, match="population must have columns region_code and"):
        mission(store, target_year=2035, definition="sii", population=pd.DataFrame({"x": [1]}))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"definition": "ratio"}, "definition must be one of 'range', 'sii'; got 'ratio'"),
        ({"series": "hle"}, "series must be one of 'hle_birth', 'hle_birth_dec2023'"),
        ({"sex": "Persons"}, "sex must be one of 'Female', 'Male'; got 'Persons'"),
        ({"sex": []}, "sex must name at least one sex"),
        ({"baseline_period": "2020-22"}, "baseline_period must be a period of hle_birth; got"),
        ({"target_year": 2021}, "target_year must be after the baseline period's middle year"),
        ({"target_year": "2035"}, "target_year must be a whole year; got '2035'"),
        ({"confidence": 95}, "confidence must be between 0 and 1; got 95"),
    ],
)
def test_errors(store: Store, kwargs: dict, message: str) -> None:
    args = {"target_year": 2035, **kwargs}
    with pytest.raises(InputError, match=message):
        mission(store, **args)


def test_to_dict_is_json(tracked) -> None:
    d = json.loads(json.dumps(tracked.to_dict()))
    assert d["baseline_period"] == "2020-2022" and d["target_year"] == 2035
    assert {r["sex"] for r in d["summary"]} == {"Female", "Male"}
    assert d["gaps"][0]["trajectory"] is None


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "healthgap", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def invoke(*args: str):
    from typer.testing import CliRunner

    from healthgap.cli.main import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_cli_mission_prints_table_and_sentence(store_path: Path) -> None:
    res = invoke("mission", "--target-year", "2035", "--sex", "Male", "--store", str(store_path))
    assert res.exit_code == 0, res.output
    assert "2022-2024" in res.stdout and "South East" in res.stdout
    assert "target is 3.50 years" in res.stdout.replace("\n", " ")
    js = invoke(
        "mission", "--target-year", "2035", "--sex", "Female", "--json", "--store", str(store_path)
    )
    assert js.exit_code == 0, js.output
    assert json.loads(js.stdout)["summary"][0]["sex"] == "Female"


def test_cli_mission_without_options_prints_the_gap_and_its_trend(store_path: Path) -> None:
    res = invoke("mission", "--store", str(store_path))
    assert res.exit_code == 0, res.output
    text = res.stdout.replace("\n", " ")
    assert "2011-2013" in text and "2022-2024" in text and "South East" in text
    assert "no target year given" in text and "Trajectory" not in text
    assert "gap shows no clear change" in text or "gap is narrowing" in text or "widening" in text
    js = json.loads(invoke("mission", "--json", "--store", str(store_path)).stdout)
    assert js["target_year"] is None and js["paces"] == []
    assert len(js["gaps"]) == 24 and {t["sex"] for t in js["trends"]} == {"Female", "Male"}


def test_cli_mission_errors_exit_2_with_the_message(store_path: Path) -> None:
    bad_year = invoke("mission", "--target-year", "soon", "--store", str(store_path))
    assert bad_year.exit_code == 2 and "--target-year" in bad_year.output
    bad = run_cli(
        "mission",
        "--target-year",
        "2035",
        "--baseline-period",
        "2030-2032",
        "--store",
        str(store_path),
    )
    assert bad.returncode == 2
    assert "baseline_period must be a period of hle_birth" in bad.stderr


def test_target_year_passed_uses_the_latest_gap_ci(store: Store, mirror: Path) -> None:
    want = expected_range(published(mirror, LOCAL))
    res = mission(store, target_year=2020, baseline_period="2013-2015", sex="Female")
    track = res.tracks["Female"]
    g0 = want[("Female", "2013-2015")][0]
    lo = want[("Female", "2022-2024")][1]
    assert track.target_gap == pytest.approx(g0 / 2, rel=1e-10)
    assert lo > g0 / 2  # published: the whole 2022-2024 interval is above half the gap
    assert track.status.code == MISSED
    assert track.status.sentence.startswith("Target missed")
