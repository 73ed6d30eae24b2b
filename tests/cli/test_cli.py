"""The CLI: results on CSV files, plain errors with a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.cli_run import Completed, run_healthgap


def run_cli(*args: str) -> Completed:
    return run_healthgap(*args)  # in this process (tests/cli_run.py)


def test_calc_crude_rate_writes_csv(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("area;deaths;pop\nA;65;100000\nB;0;50000\n")  # semicolons are sniffed
    out = tmp_path / "out.csv"
    proc = run_cli(
        "calc",
        "crude-rate",
        str(src),
        "--count",
        "deaths",
        "--population",
        "pop",
        "-g",
        "area",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    assert table["value"].tolist() == [65.0, 0.0]
    assert "lower_99_8" in table.columns
    assert "Wrote 2 rows" in proc.stderr


def test_calc_prints_table_without_out(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("deaths,pop\n65,100000\n")
    proc = run_cli(
        "calc",
        "crude-rate",
        str(src),
        "--count",
        "deaths",
        "--population",
        "pop",
        "--confidence",
        "0.9",
    )
    assert proc.returncode == 0, proc.stderr
    assert "upper_90_0" in proc.stdout


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (
            "area,deaths,pop\nA,x,10\n",
            ["--count", "deaths", "--population", "pop"],
            "count column 'deaths' must hold numbers",
        ),
        (
            "area,deaths,pop\nA,1,10\n",
            ["--count", "died", "--population", "pop"],
            "count column 'died' must be in data",
        ),
        ("", ["--count", "deaths", "--population", "pop"], "must have a header row and data"),
        (
            "area,deaths,pop\nA,1,10\n",
            ["--count", "deaths", "--population", "pop", "--confidence", "1.5"],
            "confidence must be between 0 and 1",
        ),
    ],
)
def test_bad_input_exits_2_with_message_and_no_traceback(
    tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    src = tmp_path / "in.csv"
    src.write_text(content)
    proc = run_cli("calc", "crude-rate", str(src), *args)
    assert proc.returncode == 2
    assert message in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr


def test_missing_file_and_bad_encoding(tmp_path: Path) -> None:
    proc = run_cli(
        "calc", "crude-rate", str(tmp_path / "nope.csv"), "--count", "a", "--population", "b"
    )
    assert proc.returncode == 2
    assert "input file must exist" in proc.stderr
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("area,deaths,pop\nCaf\xe9,1,10\n".encode("latin-1"))
    proc = run_cli("calc", "crude-rate", str(bad), "--count", "deaths", "--population", "pop")
    assert proc.returncode == 2
    assert "must be UTF-8 text" in proc.stderr


def test_suppression_warning_is_one_plain_line(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("area,deaths,pop\nA,1,0\nB,2,10\n")
    proc = run_cli(
        "calc", "crude-rate", str(src), "--count", "deaths", "--population", "pop", "-g", "area"
    )
    assert proc.returncode == 0
    assert "Warning: crude_rate: 1 of 2 groups suppressed" in " ".join(proc.stderr.split())


def test_usage_error_exits_non_zero() -> None:
    proc = run_cli("calc", "crude-rate")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
