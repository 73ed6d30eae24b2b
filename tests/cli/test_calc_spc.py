"""``healthgap calc spc``: the XmR chart on a CSV, errors as plain messages."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from tests.cli.test_cli import run_cli

# Making Data Count worked example: limits 13.33 to 37.00 (see tests/stats/test_spc.py).
VALUES = [16, 24, 22, 19, 19, 18, 24, 25, 18, 17, 16, 25, 15, 23, 19, 35, 32, 35, 31, 27]
VALUES += [33, 28, 38, 35, 30, 28, 29, 27, 24, 23]


def write_input(tmp_path: Path) -> Path:
    src = tmp_path / "in.csv"
    # 30 months, 2021-01 to 2023-06, written newest first.
    rows = [
        f"{area},{2021 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d},{v},{goal}"
        for area, goal in (("A", 40), ("B", 10))
        for m, v in zip(range(1, 31), VALUES, strict=True)
    ]
    src.write_text("area,month,waits,goal\n" + "\n".join(reversed(rows)) + "\n")
    return src


def test_calc_spc_writes_the_chart(tmp_path: Path) -> None:
    src = write_input(tmp_path)
    out = tmp_path / "chart.csv"
    proc = run_cli(
        "calc",
        "spc",
        str(src),
        "--value",
        "waits",
        "--period",
        "month",
        "-g",
        "area",
        "--polarity",
        "higher_is_better",
        "--target-column",
        "goal",
        "--run-length",
        "6",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert "Wrote 60 rows" in proc.stderr
    table = pd.read_csv(out)
    first = table[table["area"] == "A"]
    assert first["month"].tolist()[:2] == ["2021-01", "2021-02"]  # sorted within group
    assert first["value"].tolist() == VALUES
    assert first["mean"].iloc[0] == pytest.approx(sum(VALUES) / 30, rel=1e-12)
    assert table.groupby("area")["assurance"].first().tolist() == [
        "consistently missed",
        "consistently met",
    ]
    assert first["variation"].iloc[15] == "improving high"


def test_calc_spc_target_baseline_and_prints_without_out(tmp_path: Path) -> None:
    src = write_input(tmp_path)
    proc = run_cli(
        "calc",
        "spc",
        str(src),
        "--value",
        "waits",
        "--period",
        "month",
        "-g",
        "area",
        "--polarity",
        "lower_is_better",
        "--target",
        "30",
        "--baseline",
        "20",
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(io.StringIO(proc.stdout))
    assert set(table["assurance"]) == {"hit and miss"}
    assert table["mean"].iloc[0] == pytest.approx(sum(VALUES[:20]) / 20, rel=1e-12)


def test_calc_spc_warns_about_trial_limits_in_one_line(tmp_path: Path) -> None:
    src = tmp_path / "short.csv"
    src.write_text("t,y\n1,5\n2,6\n3,4\n4,7\n")
    proc = run_cli("calc", "spc", str(src), "--value", "y", "--period", "t")
    assert proc.returncode == 0, proc.stderr
    assert "Warning: spc: 1 of 1 group has limits based on fewer than 15 points" in " ".join(
        proc.stderr.split()
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--polarity", "up"], "polarity must be one of 'higher_is_better'"),
        (["--target", "30"], "target must come with polarity 'higher_is_better'"),
        (
            ["--polarity", "higher_is_better", "--target", "30", "--target-column", "goal"],
            "target must be given once; got --target 30 and --target-column 'goal'",
        ),
        (["--baseline", "1"], "baseline must be a whole number of at least 2; got 1"),
        (["--period", "week"], "period column 'week' must be in data"),
    ],
)
def test_calc_spc_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    src = write_input(tmp_path)
    base = ["calc", "spc", str(src), "--value", "waits", "--period", "month", "-g", "area"]
    if "--period" in args:
        base = ["calc", "spc", str(src), "--value", "waits", "-g", "area"]
    proc = run_cli(*base, *args)
    assert proc.returncode == 2
    assert message in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr


def test_calc_spc_rebase_screen_and_trajectory(tmp_path: Path) -> None:
    src = write_input(tmp_path)
    out = tmp_path / "chart.csv"
    proc = run_cli(
        "calc", "spc", str(src), "--value", "waits", "--period", "month", "-g", "area",
        "--polarity", "lower_is_better", "--rebase", "2022-04", "--screen-outliers",
        "--icon-priority", "side_of_mean", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    assert table.groupby("area")["phase"].max().tolist() == [2, 2]
    assert table.loc[table["month"] == "2022-04", "phase"].tolist() == [2, 2]
    proc = run_cli(
        "calc", "spc", str(src), "--value", "waits", "--period", "month",
        "--rebase", "2040-01", "-g", "area",
    )  # fmt: skip
    assert proc.returncode == 2
    assert "rebase periods must be periods of the chart" in " ".join(proc.stderr.split())
