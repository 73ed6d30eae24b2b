"""``healthgap calc dsr|isr|smr``: same numbers as the Python API, plain errors, exit codes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import healthgap
from healthgap.stats.standard_populations import ESP2013_19
from tests.cli_run import Completed, run_healthgap
from tests.conftest import RTOL


def run_cli(*args: str) -> Completed:
    return run_healthgap(*args)  # in this process (tests/cli_run.py)


def esp_input(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            "area": np.repeat(["A", "B"], 19),
            "age": list(ESP2013_19.labels) * 2,
            "deaths": rng.integers(1, 30, 38),
            "pop": rng.integers(500, 9000, 38),
            "ref_deaths": np.tile(rng.integers(100, 900, 19), 2),
            "ref_pop": np.tile(rng.integers(50_000, 90_000, 19), 2),
        }
    )
    df.loc[df["area"] == "B", "deaths"] = 0  # B is suppressed by the DSR (count < 10)
    path = tmp_path / "in.csv"
    df.to_csv(path, index=False)
    return path, df


def test_dsr_writes_the_same_numbers_as_python(tmp_path: Path) -> None:
    src, df = esp_input(tmp_path)
    std = tmp_path / "std.csv"
    ESP2013_19.to_frame().to_csv(std, index=False)
    out = tmp_path / "out.csv"
    proc = run_cli(
        "calc", "dsr", str(src), "--count", "deaths", "--population", "pop", "--age", "age",
        "-g", "area", "--standard-population", str(std), "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Warning: dsr: 1 of 2 groups suppressed: total count < 10" in " ".join(
        proc.stderr.split()
    )
    table = pd.read_csv(out)
    with pytest.warns(healthgap.SuppressionWarning):
        expected = healthgap.dsr(df, "deaths", "pop", "age", group_by="area").to_frame()
    np.testing.assert_allclose(table["value"], expected["value"], rtol=RTOL)
    np.testing.assert_allclose(table["upper_99_8"], expected["upper_99_8"], rtol=RTOL)
    assert table["suppression_reason"].tolist()[1] == "total count < 10"


def test_dsr_event_frequency_option(tmp_path: Path) -> None:
    rows = [("A", a, f, 4, 1000) for a in ESP2013_19.labels for f in (1, 2)]
    df = pd.DataFrame(rows, columns=["area", "age", "f", "persons", "pop"])
    src = tmp_path / "freq.csv"
    df.to_csv(src, index=False)
    proc = run_cli(
        "calc", "dsr", str(src), "--count", "persons", "--population", "pop", "--age", "age",
        "--event-frequency", "f", "--standard-population", "esp2013_19", "--confidence", "0.95",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    expected = healthgap.dsr(df, "persons", "pop", "age", event_frequency="f", confidence=0.95)
    value = expected.to_frame()["value"][0]
    assert value == pytest.approx(1200.0, rel=RTOL)  # 12 events per 1000 in every band
    assert f"{value:.6g}" in proc.stdout


def test_isr_and_smr_with_a_reference_file(tmp_path: Path) -> None:
    src, df = esp_input(tmp_path)
    ref = tmp_path / "ref.csv"
    df.iloc[:19][["age", "ref_deaths", "ref_pop"]].to_csv(ref, index=False)
    data = tmp_path / "data.csv"
    df.drop(columns=["ref_deaths", "ref_pop"]).to_csv(data, index=False)
    common = ["--count", "deaths", "--population", "pop", "--age", "age", "-g", "area",
              "--ref-count", "ref_deaths", "--ref-population", "ref_pop"]  # fmt: skip
    out_isr, out_smr = tmp_path / "isr.csv", tmp_path / "smr.csv"
    proc = run_cli("calc", "isr", str(src), *common, "--out", str(out_isr))
    assert proc.returncode == 0, proc.stderr
    proc = run_cli(
        "calc", "smr", str(data), *common, "--reference", str(ref), "--refvalue", "100",
        "--out", str(out_smr),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    isr = healthgap.isr(df, "deaths", "pop", "age", "ref_deaths", "ref_pop", group_by="area")
    smr = healthgap.smr(
        df, "deaths", "pop", "age", "ref_deaths", "ref_pop", group_by="area", refvalue=100
    )
    for path, result in ((out_isr, isr), (out_smr, smr)):
        table = pd.read_csv(path)
        expected = result.to_frame()
        for col in ("count", "expected", "value", "lower_95_0", "upper_99_8"):
            np.testing.assert_allclose(table[col], expected[col], rtol=RTOL)
        assert table["method"].tolist() == ["Byar's", "Exact"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["dsr", "--standard-population", "esp2011"],
            "--standard-population must be one of esp2013, esp2013_19, esp2013_20, esp2013_21 "
            "or a CSV file of age band and weight; got 'esp2011', which is neither.",
        ),
        (
            ["smr", "--ref-count", "ref_deaths", "--ref-population", "ref_pop", "--refvalue", "10"],
            "refvalue must be 1 or 100; got 10.0.",
        ),
        (
            ["isr", "--ref-count", "rd", "--ref-population", "ref_pop"],
            "ref_count column 'rd' must be in data",
        ),
    ],
)
def test_bad_input_exits_2_with_the_message(tmp_path: Path, args: list[str], message: str) -> None:
    src, _ = esp_input(tmp_path)
    command, *options = args
    proc = run_cli(
        "calc", command, str(src), "--count", "deaths", "--population", "pop", "--age", "age",
        *options,
    )  # fmt: skip
    assert proc.returncode == 2
    assert message in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr
