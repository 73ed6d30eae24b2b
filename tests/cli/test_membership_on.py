"""``--on YYYY-MM-DD`` on the commands that take an authority: membership on that date, and
a clear error (no traceback) for a date that is not YYYY-MM-DD."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.cli_run import Completed, run_healthgap


def run_cli(*args: str) -> Completed:
    return run_healthgap(*args)  # in this process (tests/cli_run.py)


def test_core20_on_a_date_uses_that_dates_membership(store_path: Path, tmp_path: Path) -> None:
    # North of Tyne (E47000011) was replaced by North East (E47000014) in May 2024
    today = run_cli("core20", "--footprint", "E47000011", "--store", str(store_path))
    assert today.returncode != 0 and "E47000014" in today.stderr
    assert "Traceback" not in today.stderr
    out = tmp_path / "core20.csv"
    then = run_cli(
        "core20", "--footprint", "E47000011", "--on", "2024-01-15", "--store", str(store_path),
        "--out", str(out),
    )  # fmt: skip
    assert then.returncode == 0, then.stderr
    assert len(pd.read_csv(out)) > 0


def test_bad_date_is_a_clear_error(store_path: Path, tmp_path: Path) -> None:
    for args in (
        ("core20", "--footprint", "E47000001"),
        ("report", "--authority", "E47000001", "--out", str(tmp_path / "r.html")),
    ):
        proc = run_cli(*args, "--on", "last May", "--store", str(store_path))
        assert proc.returncode != 0
        assert "the membership date must be a date like 2024-06-30; got 'last May'" in proc.stderr
        assert "YYYY-MM-DD" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r.html").exists()
