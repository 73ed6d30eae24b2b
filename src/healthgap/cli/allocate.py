"""``healthgap allocate FORMULA`` and ``healthgap allocate compare A B``.

``healthgap allocate FORMULA ...`` is short for ``healthgap allocate run FORMULA ...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from healthgap.allocate import allocate, compare
from healthgap.cli import options as opt
from healthgap.cli._io import err_console, read_table, warnings_to_console, write_or_show
from healthgap.cli.main import app
from healthgap.errors import InputError


class _FormulaFirst(TyperGroup):
    """A group whose default command is ``run``: ``allocate F.toml`` = ``allocate run F.toml``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


allocate_app = typer.Typer(
    cls=_FormulaFirst,
    help="Share a control total between areas by a needs-based formula (TOML file).",
    no_args_is_help=True,
)
app.add_typer(allocate_app, name="allocate")

FormulaPath = Annotated[Path, typer.Argument(help="The formula: a TOML file.")]
InputsPath = Annotated[
    Path,
    typer.Option("--inputs", "-i", help="One row per area: CSV (any delimiter) or Parquet."),
]
BandsPath = Annotated[
    Path | None,
    typer.Option("--bands", help="Population by area and band (age, sex), for cost curves."),
]
ControlTotal = Annotated[
    str | None,
    typer.Option("--control-total", help="Total to share, in pounds; overrides the formula's."),
]


def _read(path: Path | None) -> Any:
    return None if path is None else read_table(path)


def _write(table: Any, out: Path, what: str) -> None:
    try:
        if out.suffix.lower() == ".parquet":
            table.to_parquet(out, index=False)
        else:
            table.to_csv(out, index=False)
    except OSError as exc:
        raise InputError(f"--{what} must be a writable path; got {str(out)!r} ({exc}).") from None
    err_console.print(f"Wrote {len(table)} rows to {out}")


@allocate_app.command("run")
def run_command(
    formula: FormulaPath,
    inputs: InputsPath,
    bands: BandsPath = None,
    control_total: ControlTotal = None,
    out: opt.OutPath = None,
    path: Annotated[
        Path | None,
        typer.Option("--path", help="Also write the pace of change, one row per area and year."),
    ] = None,
    waterfall: Annotated[
        Path | None,
        typer.Option("--waterfall", help="Also write each area's waterfall, step by step."),
    ] = None,
) -> None:
    """Target shares, target allocations and the pace of change for each area, in pence."""
    data = read_table(inputs)
    band_data = _read(bands)
    with warnings_to_console():
        result = allocate(
            formula,
            data,
            band_data,
            control_total,
            inputs_name=inputs.name,
            bands_name=bands.name if bands else "bands",
        )
    write_or_show(result.to_pandas(), out)
    if path is not None:
        frame = result.path_frame()
        if frame is None:
            err_console.print(
                "Note: the formula has no [pace] section; no path written.", markup=False
            )
        else:
            _write(frame, path, "path")
    if waterfall is not None:
        _write(result.waterfall(), waterfall, "waterfall")
    if out is not None:
        err_console.print(result.summary(), style="dim", markup=False)


@allocate_app.command("compare")
def compare_command(
    formula_a: Annotated[Path, typer.Argument(help="Formula A (the baseline), TOML.")],
    formula_b: Annotated[Path, typer.Argument(help="Formula B (the what-if), TOML.")],
    inputs: InputsPath,
    bands: BandsPath = None,
    control_total: ControlTotal = None,
    basis: Annotated[
        str, typer.Option(help="Compare 'allocation' (after pace of change) or 'target'.")
    ] = "allocation",
    out: opt.OutPath = None,
) -> None:
    """Winners and losers if formula B replaced formula A: amounts and per head."""
    data = read_table(inputs)
    band_data = _read(bands)
    with warnings_to_console():
        result = compare(
            str(formula_a),
            str(formula_b),
            data,
            band_data,
            basis=basis,
            control_total=control_total,
            inputs_name=inputs.name,
            bands_name=bands.name if bands else "bands",
        )
    write_or_show(result.to_pandas(), out)
    err_console.print(result.summary(), style="dim", markup=False)
