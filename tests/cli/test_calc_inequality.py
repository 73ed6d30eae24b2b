"""``healthgap calc sii`` and ``healthgap calc gap``: same numbers as Python, plain errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import healthgap
from tests.cli_run import Completed, run_healthgap


def run_cli(*args: str) -> Completed:
    return run_healthgap(*args)  # in this process (tests/cli_run.py)


def deciles(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {
            "area": np.repeat(["E1", "E2"], 10),
            "decile": np.tile(np.arange(1, 11), 2),
            "pop": rng.integers(1_000, 5_000, 20),
            "le": 74 + 0.8 * np.tile(np.arange(10), 2) + rng.normal(0, 0.3, 20),
        }
    )
    df["lcl"] = df["le"] - 0.6
    df["ucl"] = df["le"] + 0.6
    path = tmp_path / "le.csv"
    df.to_csv(path, index=False)
    return path, df


def test_calc_sii_matches_the_python_api(tmp_path: Path) -> None:
    src, df = deciles(tmp_path)
    out = tmp_path / "sii.csv"
    proc = run_cli(
        "calc",
        "sii",
        str(src),
        "--value",
        "le",
        "--population",
        "pop",
        "--quantile",
        "decile",
        "-g",
        "area",
        "--lower",
        "lcl",
        "--upper",
        "ucl",
        "--repetitions",
        "5000",
        "--seed",
        "42",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    expected = healthgap.sii(
        df,
        "le",
        "pop",
        "decile",
        group_by="area",
        lower="lcl",
        upper="ucl",
        repetitions=5000,
        seed=42,
    ).to_frame()
    pd.testing.assert_frame_equal(
        table.drop(columns="suppression_reason"),
        expected.drop(columns="suppression_reason"),
        rtol=1e-12,
    )
    stderr = " ".join(proc.stderr.split())
    assert "Wrote 2 rows" in stderr
    assert "A positive SII means the fitted value is higher at the least deprived end" in stderr


def test_calc_sii_negative_multiplier_and_options(tmp_path: Path) -> None:
    src, _ = deciles(tmp_path)
    proc = run_cli(
        "calc",
        "sii",
        str(src),
        "--value",
        "le",
        "--population",
        "pop",
        "--quantile",
        "decile",
        "-g",
        "area",
        "--lower",
        "lcl",
        "--upper",
        "ucl",
        "--repetitions",
        "2000",
        "--multiplier",
        "-1",
        "--no-rii",
        "--confidence",
        "0.9",
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert (
        lines[0] == "area,sii,sii_lower_90_0,sii_upper_90_0,intercept,direction,suppressed,"
        "suppression_reason"
    )
    assert "higher at the most deprived end (quantile 1)" in lines[1]
    assert float(lines[1].split(",")[1]) < 0


def test_calc_sii_errors_exit_2(tmp_path: Path) -> None:
    src, _ = deciles(tmp_path)
    base = ["calc", "sii", str(src), "--value", "le", "--population", "pop", "--quantile", "decile"]
    proc = run_cli(*base, "-g", "area", "--se", "lcl", "--value-type", "count")
    assert proc.returncode == 2
    assert "value_type must be one of 'normal', 'rate', 'proportion'; got 'count'" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_cli(*base, "-g", "area")
    assert proc.returncode == 2
    assert "se, or lower and upper, must be given; got neither" in " ".join(proc.stderr.split())


def test_calc_sii_counts_working_se_reliability_and_on_invalid(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    pop = rng.integers(2_000, 6_000, 20)
    df = pd.DataFrame(
        {
            "area": np.repeat(["E1", "E2"], 10),
            "decile": np.tile(np.arange(1, 11), 2),
            "pop": pop,
            "smokers": np.round(pop * np.linspace(0.3, 0.1, 20)),
        }
    )
    df["p"] = df["smokers"] / df["pop"]
    df["se_logit"] = 0.05
    df.loc[3, "se_logit"] = -1.0  # E1 is invalid
    src = tmp_path / "smoking.csv"
    df.to_csv(src, index=False)
    base = ["calc", "sii", str(src), "--population", "pop", "--quantile", "decile", "-g", "area",
            "--value-type", "proportion", "--repetitions", "1000", "--seed", "4"]  # fmt: skip
    out = tmp_path / "x.csv"
    proc = run_cli(*base, "--x", "smokers", "--reliability", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    got = pd.read_csv(out)
    expected = healthgap.sii(df, None, "pop", "decile", x="smokers", group_by="area",
                             value_type="proportion", repetitions=1000, seed=4,
                             reliability=True).to_pandas()  # fmt: skip
    np.testing.assert_allclose(got["sii_upper_95_0_mad"], expected["sii_upper_95_0_mad"])
    proc = run_cli(*base, "--value", "p", "--se", "se_logit", "--se-scale", "working",
                   "--on-invalid", "suppress", "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    got = pd.read_csv(out)
    assert list(got["suppressed"]) == [True, False]
    assert got["suppression_reason"][0] == "se is negative (column 'se_logit')"


def test_calc_sii_suppression_is_one_warning_line(tmp_path: Path) -> None:
    src, df = deciles(tmp_path)
    df.drop(index=3).to_csv(src, index=False)
    proc = run_cli(
        "calc", "sii", str(src), "--value", "le", "--population", "pop", "--quantile", "decile",
        "-g", "area", "--lower", "lcl", "--upper", "ucl", "--repetitions", "1000",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    stderr = " ".join(proc.stderr.split())
    assert "Warning: sii: 1 of 2 groups suppressed: not every quantile present" in stderr


def test_calc_gap_with_named_pair(tmp_path: Path) -> None:
    src = tmp_path / "regions.csv"
    src.write_text(
        "region,sex,hle,lower,upper\n"
        "North East,Male,59.33,58.78,59.88\n"
        "London,Male,63.67,63.28,64.06\n"
        "South East,Male,65.42,65.01,65.83\n"
    )
    out = tmp_path / "gap.csv"
    proc = run_cli(
        "calc", "gap", str(src), "--value", "hle", "--by", "region", "-g", "sex",
        "--lower", "lower", "--upper", "upper", "--compare", "South East", "North East",
        "--confidence", "0.95", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    assert table.loc[0, "first"] == "South East"
    assert table.loc[0, "difference"] == 65.42 - 59.33
    assert round(table.loc[0, "difference_lower_95_0"], 3) == 5.404
    proc = run_cli(
        "calc", "gap", str(src), "--value", "hle", "--by", "region",
        "--lower", "lower", "--upper", "upper", "--compare", "Atlantis", "lowest",
    )  # fmt: skip
    assert proc.returncode == 2
    assert "compare label 'Atlantis' must be a value of the region column" in proc.stderr
