"""CLI: calc life-expectancy, healthy-life-expectancy and decompose-gap on CSV files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import healthgap
from tests.cli_run import Completed, run_healthgap
from tests.stats.test_life_table import LABELS_20, RATES_20


def run_cli(*args: str) -> Completed:
    return run_healthgap(*args)  # in this process (tests/cli_run.py)


@pytest.fixture
def table(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(11)
    rows = []
    for quintile, factor in ((1, 1.4), (5, 0.8)):
        for label, rate in zip(LABELS_20, RATES_20, strict=True):
            pop = float(rng.integers(20_000, 30_000))
            deaths = float(rng.poisson(rate * factor * pop) + (1 if label == "90+" else 0))
            rows.append(
                {
                    "quintile": quintile,
                    "age": label,
                    "deaths": deaths,
                    "pop": pop,
                    "not_good": round(min(0.05 + rate * 3, 0.8), 4),
                    "n": 300,
                }
            )
    df = pd.DataFrame(rows)
    path = tmp_path / "mortality.csv"
    df.to_csv(path, index=False)
    return path, df


def test_life_expectancy_with_life_table(tmp_path: Path, table: tuple[Path, pd.DataFrame]) -> None:
    path, df = table
    out = tmp_path / "le.csv"
    proc = run_cli(
        "calc", "life-expectancy", str(path), "--deaths", "deaths", "--population", "pop",
        "--age", "age", "-g", "quintile", "--life-table", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    got = pd.read_csv(out)
    expected = healthgap.life_expectancy(
        df, "deaths", "pop", "age", group_by="quintile", life_table=True
    ).to_pandas()
    np.testing.assert_allclose(got["value"], expected["value"], rtol=1e-12)
    assert {"survivors", "person_years", "upper_99_8"} <= set(got.columns)
    assert "Wrote 40 rows" in proc.stderr


def test_healthy_life_expectancy(tmp_path: Path, table: tuple[Path, pd.DataFrame]) -> None:
    path, df = table
    out = tmp_path / "hle.csv"
    proc = run_cli(
        "calc", "healthy-life-expectancy", str(path), "--deaths", "deaths", "--population",
        "pop", "--age", "age", "--unhealthy-proportion", "not_good", "--sample-size", "n",
        "-g", "quintile", "--confidence", "0.95", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    got = pd.read_csv(out)
    expected = healthgap.healthy_life_expectancy(
        df, "deaths", "pop", "age", unhealthy_proportion="not_good", sample_size="n",
        group_by="quintile", confidence=0.95,
    ).to_pandas()  # fmt: skip
    np.testing.assert_allclose(got["value"], expected["value"], rtol=1e-12)
    assert "upper_99_8" not in got.columns


def test_decompose_gap_by_age(tmp_path: Path, table: tuple[Path, pd.DataFrame]) -> None:
    path, _ = table
    out = tmp_path / "gap.csv"
    proc = run_cli(
        "calc", "decompose-gap", str(path), "--deaths", "deaths", "--population", "pop",
        "--age", "age", "--group", "quintile", "--comparison", "1", "--comparison", "5",
        "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    got = pd.read_csv(out)
    assert len(got) == 20
    assert got["value"].sum() == pytest.approx(got["gap"].iloc[0], rel=1e-10)
    assert got["gap"].iloc[0] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["life-expectancy", "--deaths", "died", "--population", "pop", "--age", "age"],
            "deaths column 'died' must be in data",
        ),
        (
            ["healthy-life-expectancy", "--deaths", "deaths", "--population", "pop", "--age",
             "age", "--unhealthy-proportion", "not_good", "-g", "quintile"],
            "exactly one of sample_size and proportion_se; got neither",
        ),
        (
            ["decompose-gap", "--deaths", "deaths", "--population", "pop", "--age", "age",
             "--group", "quintile", "--comparison", "1", "--comparison", "9"],
            "comparison must name values of column 'quintile'; got '9'",
        ),
    ],
)  # fmt: skip
def test_errors_exit_2_with_the_message(
    table: tuple[Path, pd.DataFrame], args: list[str], message: str
) -> None:
    path, _ = table
    proc = run_cli("calc", args[0], str(path), *args[1:])
    assert proc.returncode == 2
    assert message in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr


def test_life_expectancy_open_from_and_on_invalid(
    tmp_path: Path, table: tuple[Path, pd.DataFrame]
) -> None:
    _, df = table
    starts = dict(zip(LABELS_20, [0, 1, *range(5, 95, 5)], strict=True))
    df = df.assign(age=df["age"].map(starts))
    df = df[~((df["quintile"] == 1) & (df["age"] == 90))]  # quintile 1 stops at 85
    df.loc[(df["quintile"] == 5) & (df["age"] == 40), "deaths"] = -1
    path = tmp_path / "starts.csv"
    df.to_csv(path, index=False)
    args = ["calc", "life-expectancy", str(path), "--deaths", "deaths", "--population", "pop",
            "--age", "age", "-g", "quintile"]  # fmt: skip
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert "deaths column 'deaths' must be 0 or more" in " ".join(proc.stderr.split())
    out = tmp_path / "le.csv"
    proc = run_cli(*args, "--on-invalid", "suppress", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    got = pd.read_csv(out)
    reasons = got.groupby("quintile")["suppression_reason"].first()
    assert reasons[1] == "no row for the open age band 90+ (open_from=90)"
    assert reasons[5] == "deaths is negative (column 'deaths')"
    proc = run_cli(*args, "--open-from", "85")  # quintile 5 still has a 90 row
    assert proc.returncode == 2
    assert "must not start a band above the open band 85+ (open_from=85); got band starts 90" in (
        " ".join(proc.stderr.split())
    )
