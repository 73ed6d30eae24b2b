"""`healthgap synth records` and `healthgap records aggregate` end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from healthgap.data.disclosure import find_disclosive_cells
from healthgap.data.records import count_records
from tests.cli_run import Completed, run_healthgap


def run_cli(store: Any, *args: str) -> Completed:
    return run_healthgap(*args, env={"HEALTHGAP_STORE": store.path})  # tests/cli_run.py


@pytest.fixture(scope="module")
def cli_file(store: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "cli-synthetic.parquet"
    proc = run_cli(store, "synth", "records", "--rows", "3000", "--out", str(out), "--seed", "4")
    assert proc.returncode == 0, proc.stderr
    assert "3,000 SYNTHETIC records (not real data)" in proc.stdout
    return out


def test_aggregate_writes_disclosure_safe_counts(
    store: Any, cli_file: Path, tmp_path: Path, lookup: pd.DataFrame
) -> None:
    out = tmp_path / "counts.csv"
    proc = run_cli(
        store,
        "records",
        "aggregate",
        str(cli_file),
        "--by",
        "region,imd_decile",
        "--period",
        "financial",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    got = pd.read_csv(out)
    assert list(got.columns) == ["region_code", "imd_decile", "count"]
    assert find_disclosive_cells(got, count_columns="count").empty
    exact = count_records(cli_file, by=["region", "imd_decile"], lookup=lookup)
    assert len(got) == len(exact)
    kept = got["count"].notna().to_numpy()
    assert ((got["count"][kept] - exact["count"][kept]).abs() <= 2).all()


def test_aggregate_no_disclosure_gives_exact_counts(
    store: Any, cli_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "counts.parquet"
    proc = run_cli(
        store,
        "records",
        "aggregate",
        str(cli_file),
        "--by",
        "sex",
        "--by",
        "period",
        "--no-disclosure",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert "do not publish" in proc.stderr
    got = pd.read_parquet(out)
    records = pd.read_parquet(cli_file)
    want = records.groupby(
        [records["sex"].astype(str), pd.to_datetime(records["date"]).dt.year.astype(str)]
    ).size()
    assert got.set_index(["sex", "period"])["count"].to_dict() == {
        (s, p): int(v) for (s, p), v in want.items()
    }


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (
            ["records", "aggregate", "{file}", "--engine", "polars"],
            "engine must be one of 'duckdb' or 'spark'",
        ),
        (["records", "aggregate", "{file}", "--by", "ward"], "by must list keys"),
        (
            ["records", "aggregate", "{file}", "--lsoa-vintage", "2001"],
            "--lsoa-vintage must be 2011 or 2021",
        ),
        (["records", "aggregate", "missing.parquet"], "the records file must exist"),
        (
            ["synth", "records", "--rows", "5", "--out", "real.parquet"],
            "the output file name must contain 'synthetic'",
        ),
    ],
)
def test_cli_errors(store: Any, cli_file: Path, args: list[str], match: str) -> None:
    proc = run_cli(store, *[a.replace("{file}", str(cli_file)) for a in args])
    assert proc.returncode == 2
    assert match in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr
