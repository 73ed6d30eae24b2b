"""``healthgap allocate``: CSV in, CSV out, plain errors with exit status 2."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.allocate.test_engine import WORKED
from tests.cli_run import Completed, run_healthgap

INPUTS = (
    "area,population,age_need,smr_u75,current\n"
    "A,1000,1.3,160,12000\nB,2000,1.1,120,21000\nC,3000,0.9,80,27000\nD,4000,0.95,90,36000\n"
)


def run_cli(*args: str, cwd: Path) -> Completed:
    return run_healthgap(*args, cwd=cwd)  # in this process (tests/cli_run.py)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "f.toml").write_text(WORKED)
    fifteen = WORKED.replace("share = 0.9", "share = 0.85").replace(
        "share = 0.1\n", "share = 0.15\n"
    )
    (tmp_path / "g.toml").write_text(fifteen.replace("Worked example", "HI 15%"))
    (tmp_path / "in.csv").write_text(INPUTS)
    return tmp_path


def test_allocate_writes_the_table_path_and_waterfall(files: Path) -> None:
    proc = run_cli(
        "allocate",
        "f.toml",
        "--inputs",
        "in.csv",
        "--out",
        "out.csv",
        "--path",
        "path.csv",
        "--waterfall",
        "w.csv",
        cwd=files,
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(files / "out.csv")
    assert table["allocation_pence"].tolist() == [1_299_507, 2_197_562, 2_754_000, 3_748_931]
    path = pd.read_csv(files / "path.csv")
    assert path.groupby("year")["allocation_pence"].sum().tolist() == [10_000_000, 10_300_000]
    w = pd.read_csv(files / "w.csv")
    assert w["final"].tolist() == table["allocation_pence"].tolist()
    assert "Wrote 4 rows to out.csv" in proc.stderr
    assert "Allocation: Worked example" in proc.stderr


def test_run_is_the_default_command_and_prints_csv_when_piped(files: Path) -> None:
    explicit = run_cli("allocate", "run", "f.toml", "-i", "in.csv", cwd=files)
    short = run_cli("allocate", "f.toml", "-i", "in.csv", "--control-total", "200000", cwd=files)
    assert explicit.returncode == 0 and short.returncode == 0, short.stderr
    assert explicit.stdout.startswith("area,population,index_age_need")
    table = pd.read_csv(io.StringIO(short.stdout))
    assert int(table["target_pence"].sum()) == 20_000_000


def test_compare(files: Path) -> None:
    proc = run_cli(
        "allocate", "compare", "f.toml", "g.toml", "-i", "in.csv", "--basis", "target", cwd=files
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(io.StringIO(proc.stdout))
    assert table["change_pence"].tolist() == [15_000, 10_000, -10_000, -15_000]
    assert "2 areas gain, 2 lose" in proc.stderr


def test_no_path_without_pace(files: Path) -> None:
    (files / "np.toml").write_text(WORKED.split("[pace]")[0])
    proc = run_cli(
        "allocate", "np.toml", "-i", "in.csv", "--path", "p.csv", "-o", "o.csv", cwd=files
    )
    assert proc.returncode == 0, proc.stderr
    assert "no [pace] section; no path written" in proc.stderr
    assert not (files / "p.csv").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["allocate", "missing.toml", "-i", "in.csv"], "formula file must exist"),
        (["allocate", "f.toml", "-i", "nope.csv"], "input file must exist; got 'nope.csv'"),
        (
            ["allocate", "bad.toml", "-i", "in.csv"],
            "fields under [components.hi] must be one of share, base, indices, description; "
            "got 'shares' at components.hi.shares (line 16 of bad.toml). Did you mean 'share'?",
        ),
        (
            ["allocate", "f.toml", "-i", "short.csv"],
            "column 'smr_u75', named by indices.smr.column (line 9 of f.toml), must be in "
            "short.csv",
        ),
        (
            ["allocate", "f.toml", "-i", "in.csv", "--control-total", "lots"],
            "control_total must be an amount in pounds; got 'lots'",
        ),
        (
            ["allocate", "compare", "f.toml", "g.toml", "-i", "in.csv", "--basis", "x"],
            "basis must be one of 'allocation', 'target'; got 'x'",
        ),
    ],
)
def test_errors_exit_2_with_the_message(files: Path, args: list[str], message: str) -> None:
    (files / "bad.toml").write_text(WORKED.replace("share = 0.1\n", "shares = 0.1\n"))
    (files / "short.csv").write_text("area,population,age_need,current\nA,1,1,1\n")
    proc = run_cli(*args, cwd=files)
    assert proc.returncode == 2
    assert message in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr


# ---- built-in examples -------------------------------------------------------------------


def test_allocate_examples_lists_and_runs(tmp_path: Path, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    from tests.data.open_data._mirror import session_store

    store = str(session_store(tmp_path_factory))
    listing = run_cli("allocate", "examples", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert "icb_capitation" in listing.stdout and "NOT an official" in listing.stderr
    proc = run_cli(
        "allocate",
        "run",
        "--example",
        "health_duty_fund",
        "--store",
        store,
        "--out",
        "sa.csv",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(tmp_path / "sa.csv")
    # the 15 authorities of the May 2025 lookup and the GLA
    assert len(table) == 16 and table["target_pence"].sum() == 10_000_000_000
    assert "NOT an official allocation" in " ".join(proc.stderr.split())
    what_if = run_cli(
        "allocate",
        "compare",
        "--example",
        "icb_capitation",
        "--hi-share",
        "0.15",
        "--basis",
        "target",
        "--store",
        store,
        cwd=tmp_path,
    )
    assert what_if.returncode == 0, what_if.stderr
    frame = pd.read_csv(io.StringIO(what_if.stdout))
    assert len(frame) == 42 and frame["change_pence"].sum() == 0


def test_published_need_examples_and_need_views(tmp_path: Path, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    from tests.data.open_data._mirror import session_store

    store = str(session_store(tmp_path_factory))
    listing = run_cli("allocate", "examples", cwd=tmp_path)
    for year in ("2023_24", "2024_25", "2025_26"):
        assert f"icb_core_{year}" in listing.stdout
        assert f"icb_primary_care_{year}" in listing.stdout
    proc = run_cli(
        "allocate", "run", "--example", "icb_core_2023_24", "--store", store,
        "--out", "core.csv", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(tmp_path / "core.csv")
    assert len(table) == 42 and "target_pence" not in table
    assert table["target_share"].sum() == pytest.approx(1, rel=1e-12)
    assert (table["difference"].abs() < 1e-15).all()
    assert "No control total given" in " ".join(proc.stderr.split())
    money = run_cli(
        "allocate", "run", "--example", "icb_core_2023_24", "--store", store,
        "--control-total", "150000000000", "--out", "money.csv", cwd=tmp_path,
    )  # fmt: skip
    assert money.returncode == 0, money.stderr
    assert pd.read_csv(tmp_path / "money.csv")["target_pence"].sum() == 15_000_000_000_000
    views = run_cli(
        "allocate", "need", "--view", "footprint", "--footprint", "icb", "--year", "2025/26",
        "--store", store, cwd=tmp_path,
    )  # fmt: skip
    assert views.returncode == 0, views.stderr
    frame = pd.read_csv(io.StringIO(views.stdout))
    assert len(frame) == 42 and "Method:" in views.stderr
    (tmp_path / "places.csv").write_text(
        "place,lad_code\nFylde coast,E06000009\nFylde coast,E07000119\nFylde coast,E07000128\n"
    )
    mine = run_cli(
        "allocate", "need", "--view", "footprint", "--places", "places.csv", "--year", "2025/26",
        "--store", store, cwd=tmp_path,
    )  # fmt: skip
    assert mine.returncode == 0, mine.stderr
    place = pd.read_csv(io.StringIO(mine.stdout))
    assert list(place["name"]) == ["Fylde coast"] and place["practices"].item() > 0
    (tmp_path / "bad.csv").write_text("place,lad_code\nX,\n")
    bad = run_cli(
        "allocate", "need", "--view", "footprint", "--places", "bad.csv", "--store", store,
        cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "bad.csv must have a place and a lad_code on every row" in " ".join(bad.stderr.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--example", "nope"], r"example must be one of icb_capitation"),
        (["run", "f.toml", "--example", "icb_capitation"], r"--example must be used without"),
        (["run", "f.toml"], r"allocate needs a formula file and --inputs, or --example NAME"),
        (["compare", "--example", "icb_capitation"], r"compare --example needs a what-if"),
        (["compare", "f.toml"], r"compare needs two formula files and --inputs"),
        (
            ["run", "--example", "icb_core_2025_26", "--control-total", "0"],
            r"control_total must be a positive amount in pounds; got '0'",
        ),
        (
            ["run", "--example", "icb_core_2025_26", "--control-total", "-1"],
            r"control_total must be a positive amount in pounds; got '-1'",
        ),
        (["need", "--view", "money"], r"--view must be one of icbs, footprint, components"),
        (["need", "--year", "2030/31"], r"year must be one of 2023/24, 2024/25, 2025/26"),
    ],
)
def test_example_errors(files: Path, args: list[str], message: str) -> None:
    proc = run_cli("allocate", *args, "--store", str(files / "none.duckdb"), cwd=files)
    assert proc.returncode != 0
    assert re.search(message, " ".join(proc.stderr.split())), proc.stderr
