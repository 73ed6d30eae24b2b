"""``healthgap calc inequality-measures``: CSV in, one row per group and measure out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.cli_run import Completed, run_healthgap

QUINTILES = (
    "area,q,y,pop,se\n"
    "A,1,60,1000,1\nA,2,65,1000,1.2\nA,3,70,1000,1.1\nA,4,74,1000,1.3\nA,5,80,1000,1\n"
    "B,1,50,800,2\nB,2,52,900,2\nB,3,55,1000,2\nB,4,56,1100,2\nB,5,61,1200,2\n"
)


def run_cli(*args: str) -> Completed:
    return run_healthgap(*args)  # in this process (tests/cli_run.py)


def write(tmp_path: Path, text: str) -> Path:
    src = tmp_path / "in.csv"
    src.write_text(text)
    return src


def test_ordered_dimension_writes_csv(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    proc = run_cli(
        "calc", "inequality-measures", str(write(tmp_path, QUINTILES)),
        "--value", "y", "--population", "pop", "--subgroup", "q", "-g", "area",
        "--favourable", "--order", "q", "--se", "se", "--repetitions", "500", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    assert len(table) == 16  # 2 areas x 8 ordered measures
    a = table[table.area == "A"].set_index("measure")
    # Q5 - Q1 = 80 - 60; ACI = 0.2 (-0.8*60 - 0.4*65 + 0.4*74 + 0.8*80) = 3.92 (by hand).
    assert a.loc["D", "value"] == pytest.approx(20.0, rel=1e-10)
    assert a.loc["ACI", "value"] == pytest.approx(3.92, rel=1e-10)
    assert a.loc["PAR", "method"] == "Monte Carlo (500 draws)"
    assert "Wrote 16 rows" in proc.stderr


def test_non_ordered_with_reference_and_measure_subset(tmp_path: Path) -> None:
    text = "region,rate,pop\nNorth,12,2500\nMidlands,9.5,4100\nLondon,8,5200\nSouth,6.5,3300\n"
    proc = run_cli(
        "calc", "inequality-measures", str(write(tmp_path, text)),
        "--value", "rate", "--population", "pop", "--subgroup", "region", "--adverse",
        "--reference-subgroup", "London", "-m", "D", "-m", "MDRU",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()  # piped: plain CSV
    table = pd.read_csv(pd.io.common.StringIO("\n".join(lines)))
    assert table["measure"].tolist() == ["D", "MDRU"]
    assert table["value"].tolist() == pytest.approx([12 - 8, (4 + 1.5 + 0 + 1.5) / 4])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--favourable", "-m", "SII"], "measures must apply to a non-ordered dimension"),
        (["--favourable", "--order", "se"], "order column 'se' must hold a whole-number rank"),
        (["--favourable", "--se", "stderr"], "se column 'stderr' must be in data"),
        (["--adverse", "--repetitions", "10"], "repetitions must be a whole number of at least"),
        (["--favourable", "--reference-subgroup", "Q9"], "reference_subgroup must be one of"),
    ],
)
def test_bad_input_exits_2_with_the_message(tmp_path: Path, args: list[str], message: str) -> None:
    proc = run_cli(
        "calc", "inequality-measures", str(write(tmp_path, QUINTILES)),
        "--value", "y", "--population", "pop", "--subgroup", "q", "-g", "area", *args,
    )  # fmt: skip
    assert proc.returncode == 2
    assert message in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr


def test_direction_is_required(tmp_path: Path) -> None:
    proc = run_cli(
        "calc", "inequality-measures", str(write(tmp_path, QUINTILES)),
        "--value", "y", "--population", "pop", "--subgroup", "q",
    )  # fmt: skip
    assert proc.returncode == 2
    assert "--favourable" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_suppression_warning_is_one_line(tmp_path: Path) -> None:
    text = QUINTILES.replace("B,3,55,1000,2", "B,3,,1000,2")
    proc = run_cli(
        "calc", "inequality-measures", str(write(tmp_path, text)),
        "--value", "y", "--population", "pop", "--subgroup", "q", "-g", "area",
        "--favourable", "--order", "q", "-m", "D",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (
        "Warning: inequality_measures: 1 of 2 rows suppressed: estimate is missing for a "
        "subgroup (1 row, first: area B, measure D)" in " ".join(proc.stderr.split())
    )


def test_on_invalid_suppress_keeps_the_other_groups(tmp_path: Path) -> None:
    bad = QUINTILES.replace("B,3,55,1000,2", "B,3,55,-1000,2")
    args = ["calc", "inequality-measures", str(write(tmp_path, bad)), "--value", "y",
            "--population", "pop", "--subgroup", "q", "-g", "area", "--favourable",
            "--order", "q", "--se", "se", "-m", "D", "-m", "ACI"]  # fmt: skip
    proc = run_cli(*args)
    assert proc.returncode != 0
    assert "population column 'pop' must be 0 or more" in proc.stderr
    assert "Traceback" not in proc.stderr
    out = tmp_path / "out.csv"
    proc = run_cli(*args, "--on-invalid", "suppress", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    b = table[table.area == "B"]
    assert b["suppressed"].all() and b["value"].isna().all()
    assert set(b["suppression_reason"]) == {"population is negative (column 'pop')"}
    a = table[table.area == "A"].set_index("measure")
    assert a.loc["D", "value"] == pytest.approx(20.0, rel=1e-10)
    assert a.loc["ACI", "value"] == pytest.approx(3.92, rel=1e-10)
