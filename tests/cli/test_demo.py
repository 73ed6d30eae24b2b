"""`healthgap demo` (what `make run` shows) prints real published figures from the store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from healthgap.appdb.db import init_db
from healthgap.examples import example_counts
from tests.cli_run import Completed, run_healthgap
from tests.data.open_data._mirror import session_store


def test_demo_shows_the_mission_gap_gradient_and_core20(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    store = session_store(tmp_path_factory)
    proc = subprocess.run(
        [sys.executable, "-m", "healthgap", "demo", "--store", str(store)],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "160", "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    out = " ".join(proc.stdout.split())
    # ONS HLE at birth 2022-2024 (interim method): South East highest and North East lowest,
    # males 63.0 and 57.0, females 64.3 and 56.9 (ons_hle_birth_local_areas_2011_2024.csv).
    assert "2022-2024" in out
    assert "│ Male │ South East │ 63.0 │ North East │ 57.0 │ 6.0 │" in out
    assert "│ Female │ South East │ 64.3 │ North East │ 56.9 │ 7.4 │" in out
    # ONS 2015-2017 male HLE by IMD decile: 51.7 (most deprived) to 70.4; published SII 19.1.
    assert "│ 1 │ 51.7 │" in out and "│ 10 │ 70.4 │" in out
    assert "19.1 years" in out
    # Knowsley has the largest Core20 population share under IMD 2019 (62.6%, from the IMD
    # 2019 LSOA deciles and population denominators), first in the table.
    core20 = out.split("Core20 population share")[1]
    assert core20.split("│")[1].strip() == "Knowsley"
    assert "│ Knowsley │ 62.6% │" in core20
    assert "Open Government Licence" in out


def _demo(*args: str, env: dict[str, str]) -> Completed:
    """``healthgap demo ARGS`` in this process (the empty PATH, where the process is the
    point, is the test above)."""
    return run_healthgap("demo", *args, env={"COLUMNS": "200", **env})


def test_demo_workspace_loads_once_and_removes(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """`demo --workspace` writes the example workspace into the app database ($HEALTHGAP_DB,
    as the web service); a second run changes nothing; `--remove-workspace` removes it."""
    store = session_store(tmp_path_factory)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    env = {"HEALTHGAP_DB": url}
    first = _demo("--workspace", "--store", str(store), env=env)
    assert first.returncode == 0, first.stderr
    out = " ".join(first.stdout.split())
    assert "Loaded the example workspace for Greater Manchester" in out
    assert "2 targets, 1 screening, 3 actions, 1 partner, 1 commitment, 2 case studies" in out
    assert "10 ledger flows" in out  # one per member district of Greater Manchester
    again = _demo("--workspace", "--store", str(store), env=env)
    assert again.returncode == 0, again.stderr
    engine = init_db(url)
    assert example_counts(engine).counts["actions"] == 3  # not six
    gone = _demo("--remove-workspace", env=env)
    assert gone.returncode == 0 and "Removed" in gone.stdout, gone.stderr
    assert "2 targets" in " ".join(gone.stdout.split())
    assert example_counts(engine).total == 0
    both = _demo("--workspace", "--remove-workspace", env=env)
    assert both.returncode == 2 and "not both" in both.stderr
    engine.dispose()
