"""``healthgap calc atkinson`` and ``healthgap calc kolm`` on a CSV."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest

from tests.cli.test_cli import run_cli


def write_input(tmp_path: Path) -> Path:
    src = tmp_path / "qale.csv"
    src.write_text("area,fifth,qale,pop\nA,1,1,50\nA,2,4,50\nB,1,60,50\nB,2,70,50\n")
    return src


def test_calc_atkinson_writes_ede_and_index(tmp_path: Path) -> None:
    out = tmp_path / "ede.csv"
    proc = run_cli(
        "calc",
        "atkinson",
        str(write_input(tmp_path)),
        "--value",
        "qale",
        "--population",
        "pop",
        "-g",
        "area",
        "--aversion",
        "2",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    # e = 2 gives the harmonic mean: 2 / (1/1 + 1/4) = 1.6 and 2 / (1/60 + 1/70).
    assert table["value"].tolist() == pytest.approx([1.6, 2 / (1 / 60 + 1 / 70)], rel=1e-12)
    assert table["atkinson_index"].iloc[0] == pytest.approx(1 - 1.6 / 2.5, rel=1e-12)
    assert "Atkinson equally distributed equivalent (e = 2)" in proc.stderr


def test_calc_kolm_uses_the_english_aversion_by_default(tmp_path: Path) -> None:
    proc = run_cli("calc", "kolm", str(write_input(tmp_path)), "--value", "qale", "-g", "area")
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(io.StringIO(proc.stdout))
    gap = math.log(math.cosh(5 * 0.15)) / 0.15  # halves at 60 and 70, a = 0.15
    assert table.loc[1, "kolm_index"] == pytest.approx(gap, rel=1e-12)
    assert table.loc[1, "value"] == pytest.approx(65 - gap, rel=1e-12)


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("atkinson", ["--aversion", "-1"], "aversion must be a number, 0 or more; got -1.0"),
        ("kolm", ["--population", "people"], "population column 'people' must be in data"),
    ],
)
def test_calc_welfare_errors_exit_2(
    tmp_path: Path, command: str, args: list[str], message: str
) -> None:
    proc = run_cli("calc", command, str(write_input(tmp_path)), "--value", "qale", *args)
    assert proc.returncode == 2
    assert message in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr


def test_calc_atkinson_rejects_zero_values(tmp_path: Path) -> None:
    src = tmp_path / "zero.csv"
    src.write_text("fifth,qale\n1,0\n2,70\n")
    proc = run_cli("calc", "atkinson", str(src), "--value", "qale")
    assert proc.returncode == 2
    assert "must be greater than 0 for the Atkinson index" in " ".join(proc.stderr.split())
