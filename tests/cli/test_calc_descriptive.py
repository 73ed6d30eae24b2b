"""``healthgap calc proportion | mean | quantiles | funnel`` on CSV files.

Most tests call the Typer app in-process (fast); one runs the installed entry point to
check the exit code and the plain error line.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import healthgap
from healthgap.cli.main import app
from healthgap.errors import InputError
from tests.cli_run import run_healthgap
from tests.conftest import RTOL

runner = CliRunner()


def csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(text)
    return path


def run(*args: str) -> pd.DataFrame:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return pd.read_csv(Path(args[args.index("--out") + 1]))


def test_proportion_writes_the_same_table_as_python(tmp_path: Path) -> None:
    src = csv(tmp_path, "area,smokers,adults\nA,81,263\nB,15,148\nB,0,2\n")
    out = tmp_path / "out.csv"
    table = run(
        "calc", "proportion", str(src), "--numerator", "smokers", "--denominator", "adults",
        "-g", "area", "--multiplier", "100", "--out", str(out),
    )  # fmt: skip
    expected = healthgap.proportion(
        pd.read_csv(src), "smokers", "adults", group_by="area", multiplier=100
    ).to_frame()
    pd.testing.assert_frame_equal(
        table.drop(columns="suppression_reason"),
        expected.drop(columns="suppression_reason"),
        rtol=RTOL,
        check_column_type=False,
    )


def test_mean_with_a_missing_value(tmp_path: Path) -> None:
    src = csv(tmp_path, "area,score\nA,3\nA,5\nA,\nA,4\nB,10\nB,12\n")
    out = tmp_path / "out.csv"
    table = run("calc", "mean", str(src), "--value", "score", "-g", "area", "--out", str(out))
    assert table["count"].tolist() == [3, 2]
    assert table["value"].tolist() == pytest.approx([4.0, 11.0], rel=RTOL)
    assert list(table.columns[:4]) == ["area", "count", "value", "sd"]


def test_quantiles_adds_a_column_to_the_rows(tmp_path: Path) -> None:
    src = csv(tmp_path, "lsoa,imd\nL1,5\nL2,40\nL3,12\nL4,\nL5,33\nL6,8\n")
    out = tmp_path / "out.csv"
    table = run(
        "calc", "quantiles", str(src), "--value", "imd", "--nquantiles", "5",
        "--first-quantile", "lowest", "--out", str(out),
    )  # fmt: skip
    assert table["lsoa"].tolist() == ["L1", "L2", "L3", "L4", "L5", "L6"]
    assert table["quantile"].astype("Int64").tolist() == [1, 5, 3, pd.NA, 4, 2]


def test_quantiles_per_row_invert_and_proportion_on_invalid(tmp_path: Path) -> None:
    src = csv(tmp_path, "g,bad,v\na,yes,1\na,yes,2\na,yes,3\nb,no,1\nb,no,2\nb,no,3\n")
    out = tmp_path / "out.csv"
    table = run(
        "calc", "quantiles", str(src), "--value", "v", "-g", "g", "--nquantiles", "3",
        "--invert", "bad", "--out", str(out),
    )  # fmt: skip
    assert table["quantile"].tolist() == [3, 2, 1, 1, 2, 3]
    src = csv(tmp_path, "area,x,n\nA,30,200\nB,-5,300\n")
    table = run(
        "calc", "proportion", str(src), "--numerator", "x", "--denominator", "n", "-g", "area",
        "--on-invalid", "suppress", "--out", str(out),
    )  # fmt: skip
    assert table["suppression_reason"].tolist()[1] == "numerator is negative (column 'x')"
    assert table["value"].tolist()[0] == pytest.approx(0.15, rel=RTOL)


def test_funnel_points_and_limits(tmp_path: Path) -> None:
    src = csv(tmp_path, "area,x,n\nA,30,200\nB,50,300\nC,80,400\nD,15,210\n")
    out = tmp_path / "points.csv"
    table = run(
        "calc", "funnel", str(src), "--numerator", "x", "--denominator", "n",
        "--statistic", "proportion", "-g", "area", "--out", str(out),
    )  # fmt: skip
    assert table["significance"].tolist() == [
        "not significant",
        "not significant",
        "high (95%)",
        "low (99.8%)",
    ]
    out = tmp_path / "limits.csv"
    limits = run(
        "calc", "funnel", str(src), "--numerator", "x", "--denominator", "n",
        "--statistic", "proportion", "--limits", "--points", "5", "--multiplier", "100",
        "--confidence", "0.95", "--out", str(out),
    )  # fmt: skip
    assert list(limits.columns) == ["denominator", "target", "lower_95_0", "upper_95_0"]
    assert len(limits) == 5
    assert limits["target"].iloc[0] == pytest.approx(17500 / 1110, rel=RTOL)


def test_funnel_dsr_points_count_ratio_and_years(tmp_path: Path) -> None:
    src = csv(tmp_path, "area,deaths,dsr\nJ,6,80\nK,140,95\nL,260,160\nM,90,110\n")
    out = tmp_path / "out.csv"
    table = run(
        "calc", "funnel", str(src), "--numerator", "deaths", "--statistic", "rate",
        "--rate", "dsr", "--rate-type", "dsr", "-g", "area", "--out", str(out),
    )  # fmt: skip
    assert table["significance"][0] == "not applicable: fewer than 10 events (DSR)"
    src = csv(tmp_path, "area,o,e\nP,65,50\nQ,4,9\n")
    table = run(
        "calc", "funnel", str(src), "--numerator", "o", "--denominator", "e", "--statistic",
        "ratio", "--ratio-type", "count", "--target", "0", "-g", "area", "--out", str(out),
    )  # fmt: skip
    assert table["value"].tolist() == pytest.approx([0.3, 4 / 9 - 1], rel=RTOL)


def test_funnel_ratio_with_a_target(tmp_path: Path) -> None:
    src = csv(tmp_path, "area,obs,exp\nA,65,50\nB,4,9\n")
    out = tmp_path / "out.csv"
    table = run(
        "calc", "funnel", str(src), "--numerator", "obs", "--denominator", "exp",
        "--statistic", "ratio", "--target", "100", "--multiplier", "100", "-g", "area",
        "--out", str(out),
    )  # fmt: skip
    assert table["value"].tolist() == pytest.approx([130.0, 400 / 9], rel=RTOL)
    assert table["target"].tolist() == [100.0, 100.0]
    assert table["significance"].tolist() == ["high (95%)", "not significant"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["proportion", "--numerator", "x", "--denominator", "n"],
            "numerator column 'x' must be at most the denominator column 'n'",
        ),
        (
            ["quantiles", "--value", "x", "--first-quantile", "top"],
            "first_quantile must be one of 'highest', 'lowest'; got 'top'",
        ),
        (
            ["funnel", "--numerator", "x", "--denominator", "n", "--statistic", "rates"],
            "statistic must be one of 'proportion', 'rate', 'ratio'; got 'rates'",
        ),
        (["mean", "--value", "score"], "value column 'score' must be in data"),
    ],
)
def test_errors_are_input_errors_with_the_library_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    src = csv(tmp_path, "area,x,n\nA,30,20\n")
    result = runner.invoke(app, ["calc", args[0], str(src), *args[1:]])
    assert isinstance(result.exception, InputError)
    assert message in str(result.exception)


def test_entry_point_exits_2_with_one_plain_line(tmp_path: Path) -> None:
    src = csv(tmp_path, "area,x,n\nA,30,200\n")
    proc = run_healthgap(
        "calc", "funnel", str(src), "--numerator", "x", "--denominator", "n",
        "--statistic", "rates",
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Error: statistic must be one of 'proportion', 'rate', 'ratio'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_suppression_warning_is_shown_as_a_line(tmp_path: Path) -> None:
    src = csv(tmp_path, "region,v\nX,1\nX,2\nY,3\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["calc", "quantiles", str(src), "--value", "v", "-g", "region",
              "--nquantiles", "2", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0
    assert "Warning: quantiles: 1 of 2 groups suppressed" in " ".join(result.output.split())
