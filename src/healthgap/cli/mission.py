"""``healthgap mission`` (the regional HLE gap against the mission) and ``healthgap targets``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from healthgap.cli._io import out_console
from healthgap.cli.main import app
from healthgap.cli.options import StoreOption
from healthgap.formatting import number

targets_app = typer.Typer(
    help="Targets for any indicator and area: status against target, trajectory and England.",
    no_args_is_help=True,
)
app.add_typer(targets_app, name="targets")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _num(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    return number(v, dp=digits) if isinstance(v, float) else str(v)


@app.command("mission")
def mission_command(
    target_year: Annotated[
        int | None,
        typer.Option(
            "--target-year",
            help="Year by which the gap should be halved: adds the trajectory, the status and "
            "what it would take (no default: no government source found states one).",
            show_default=False,
        ),
    ] = None,
    sex: Annotated[
        list[str] | None,
        typer.Option("--sex", help="Female or Male; repeat for both (default: both)."),
    ] = None,
    baseline_period: Annotated[
        str, typer.Option("--baseline-period", help="Period of the baseline gap.")
    ] = "2020-2022",
    definition: Annotated[
        str,
        typer.Option(
            "--definition",
            help="range: highest minus lowest region; sii: slope index of inequality across "
            "regions ranked by deprivation.",
        ),
    ] = "range",
    series: Annotated[
        str,
        typer.Option(
            "--series",
            help="hle_birth (ONS interim method, to 2022-2024) or hle_birth_dec2023.",
        ),
    ] = "hle_birth",
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The healthy-life-expectancy gap between England's regions against the mission."""
    from healthgap.account.mission import mission

    result = mission(
        store,
        target_year=target_year,
        sex=sex or ("Female", "Male"),
        baseline_period=baseline_period,
        definition=definition,
        series=series,
    )
    if as_json:
        out_console.print_json(json.dumps(result.to_dict()))
        return
    pct = f"{result.confidence * 100:g}%"
    targeted = result.target_year is not None
    for s, trend in result.trends.items():
        g = result.gaps[result.gaps["sex"] == s]
        track = result.tracks.get(s)
        table = Table(
            title=f"{s}: healthy life expectancy gap between regions, years "
            f"({'highest minus lowest region' if result.definition == 'range' else 'SII'}; "
            f"{result.series})",
            caption=(
                f"baseline {result.baseline_period}: {track.baseline_gap:.2f} years; "
                f"target {track.target_gap:.2f} years by {result.target_year}"
                if track is not None
                else "no target year given (--target-year adds the halving trajectory)"
            ),
        )
        cols = ["Period", "Gap", f"{pct} lower", f"{pct} upper", "Highest", "Lowest"]
        if targeted:
            cols.append("Trajectory")
        cols.append("In trend")
        for c in cols:
            table.add_column(c, justify="right" if c[0].isdigit() or c == "Gap" else "left")
        for _, r in g.iterrows():
            row = [
                str(r["period"]),
                _num(r["gap"]),
                _num(r["lower"]),
                _num(r["upper"]),
                str(r["highest"]),
                str(r["lowest"]),
            ]
            if targeted:
                row.append(_num(r["trajectory"]))
            row.append("yes" if r["in_trend"] else "")
            table.add_row(*row)
        out_console.print(table)
        out_console.print(trend.sentence, markup=False)
        if track is not None:
            out_console.print(track.status.sentence, markup=False)
        if s in result.paces:
            out_console.print(result.paces[s].sentence, markup=False)
    for note in result.notes:
        out_console.print(f"Note: {note}", style="dim", markup=False)


@targets_app.command("status")
def targets_status_command(
    file: Annotated[Path, typer.Argument(help="Targets: a TOML ([[target]]) or YAML file.")],
    store: StoreOption = None,
    confidence: Annotated[
        float, typer.Option("--confidence", help="0.95 or 0.998 (the limit columns).")
    ] = 0.95,
    as_json: JsonOption = False,
) -> None:
    """Each target's latest value against its target, trajectory, England and SPC."""
    from healthgap.account.targets import load_targets, targets_status

    result = targets_status(load_targets(file), store, confidence=confidence)
    if as_json:
        out_console.print_json(json.dumps(result.to_dict()))
        return
    table = Table(title="Targets", caption=f"{confidence * 100:g}% confidence limits")
    cols = (
        "target",
        "latest_period",
        "value",
        "lower",
        "upper",
        "target_value",
        "target_year",
        "vs_target",
        "vs_trajectory",
        "vs_benchmark",
        "spc_variation",
        "spc_assurance",
    )
    for c in cols:
        table.add_column(c.replace("_", " "))
    for _, r in result.table.iterrows():
        table.add_row(*(_num(r[c]) for c in cols))
    out_console.print(table)
    for sentence in result.table["status"]:
        out_console.print(sentence, markup=False)
