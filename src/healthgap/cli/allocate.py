"""``healthgap allocate FORMULA``, ``healthgap allocate compare A B`` and the examples.

``healthgap allocate FORMULA ...`` is short for ``healthgap allocate run FORMULA ...``.
``--example NAME`` runs a built-in example formula on the store's open data
(illustrations of published structures, not official allocations).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from healthgap.allocate import allocate, compare
from healthgap.allocate import examples as ex
from healthgap.cli import options as opt
from healthgap.cli._io import err_console, read_table, warnings_to_console, write_or_show
from healthgap.cli.main import app
from healthgap.cli.options import StoreOption
from healthgap.data.store import open_store
from healthgap.errors import InputError
from healthgap.safe_csv import to_csv


class _FormulaFirst(TyperGroup):
    """A group whose default command is ``run``: ``allocate F.toml`` = ``allocate run F.toml``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


allocate_app = typer.Typer(
    cls=_FormulaFirst,
    help="Share a control total between areas by a needs-based formula (TOML or YAML file).",
    no_args_is_help=True,
)
app.add_typer(allocate_app, name="allocate")

FormulaPath = Annotated[
    Path | None, typer.Argument(help="The formula: a TOML or YAML file (or use --example).")
]
InputsPath = Annotated[
    Path | None,
    typer.Option("--inputs", "-i", help="One row per area: CSV (any delimiter) or Parquet."),
]
ExampleName = Annotated[
    str | None,
    typer.Option(
        "--example",
        help="A built-in example on the store's open data (see `healthgap allocate examples`).",
    ),
]
HiShare = Annotated[
    float | None,
    typer.Option("--hi-share", help="What if: the example's need component's share, e.g. 0.15."),
]
Growth = Annotated[
    float | None, typer.Option("--growth", help="What if: yearly envelope growth, e.g. 0.04.")
]
Floor = Annotated[
    float | None, typer.Option("--floor", help="What if: minimum yearly growth, e.g. 0.02.")
]
Years = Annotated[int | None, typer.Option("--years", help="What if: years of pace of change.")]


def _example_or_file(example: str | None, formula: Path | None, inputs: Path | None) -> None:
    if example is not None and (formula is not None or inputs is not None):
        raise InputError(
            "--example must be used without a formula file or --inputs; got both. Use "
            "--example NAME alone, or FORMULA --inputs FILE."
        )
    if example is None and (formula is None or inputs is None):
        missing = "a formula file" if formula is None else "--inputs"
        raise InputError(
            f"allocate needs a formula file and --inputs, or --example NAME; got no "
            f"{missing}. See `healthgap allocate examples` for the built-in examples."
        )


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
            to_csv(table, out)
    except OSError as exc:
        raise InputError(f"--{what} must be a writable path; got {str(out)!r} ({exc}).") from None
    err_console.print(f"Wrote {len(table)} rows to {out}")


@allocate_app.command("run")
def run_command(
    formula: FormulaPath = None,
    inputs: InputsPath = None,
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
    example: ExampleName = None,
    store: StoreOption = None,
    hi_share: HiShare = None,
    growth: Growth = None,
    floor: Floor = None,
    years: Years = None,
) -> None:
    """Target shares, target allocations and the pace of change for each area, in pence."""
    _example_or_file(example, formula, inputs)
    if example is not None:
        # Check the example, the control total and the what-if before opening the store.
        ex.control_pence(control_total)
        ex.what_if_formula(example, hi_share=hi_share, growth=growth, floor=floor, years=years)
        with open_store(store) as st, warnings_to_console():
            result = ex.run_example(
                st,
                example,
                hi_share=hi_share,
                growth=growth,
                floor=floor,
                years=years,
                control_total=control_total,
            )
        for note in result.notes[:2]:
            err_console.print(note, markup=False)
    else:
        assert formula is not None and inputs is not None
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
    formula_a: Annotated[
        Path | None, typer.Argument(help="Formula A (the baseline), TOML or YAML.")
    ] = None,
    formula_b: Annotated[
        Path | None, typer.Argument(help="Formula B (the what-if), TOML or YAML.")
    ] = None,
    inputs: InputsPath = None,
    bands: BandsPath = None,
    control_total: ControlTotal = None,
    basis: Annotated[
        str, typer.Option(help="Compare 'allocation' (after pace of change) or 'target'.")
    ] = "allocation",
    out: opt.OutPath = None,
    example: ExampleName = None,
    store: StoreOption = None,
    hi_share: HiShare = None,
    growth: Growth = None,
    floor: Floor = None,
    years: Years = None,
) -> None:
    """Winners and losers if formula B replaced formula A (or a what-if on an example)."""
    if example is not None:
        if formula_a is not None or formula_b is not None or inputs is not None:
            raise InputError(
                "--example must be used without formula files or --inputs; got both. Use "
                "--example NAME with what-if options such as --hi-share 0.15."
            )
        if all(v is None for v in (hi_share, growth, floor, years)):
            raise InputError(
                "compare --example needs a what-if; got none. Add e.g. --hi-share 0.15, "
                "--growth 0.04, --floor 0.02 or --years 3."
            )
        ex.control_pence(control_total)
        ex.what_if_formula(example, hi_share=hi_share, growth=growth, floor=floor, years=years)
        with open_store(store) as st, warnings_to_console():
            result = ex.compare_example(
                st,
                example,
                hi_share=hi_share,
                growth=growth,
                floor=floor,
                years=years,
                basis=basis,
                control_total=control_total,
            )
        err_console.print(ex.example_spec(example).label, markup=False)
    else:
        if formula_a is None or formula_b is None or inputs is None:
            raise InputError(
                "compare needs two formula files and --inputs, or --example NAME with a "
                "what-if; got neither. E.g. healthgap allocate compare a.toml b.toml -i x.csv."
            )
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


@allocate_app.command("examples")
def examples_command() -> None:
    """List the built-in example formulas: illustrations, and NHS England's published need."""
    rows = [
        {
            "example": spec.name,
            "kind": "published need" if spec.published else "illustration",
            "year": spec.year or "",
            "title": spec.title,
            "areas": spec.areas,
            "what_if_component": spec.need_component,
            "formula_file": spec.file,
        }
        for spec in ex.ALL_EXAMPLES.values()
    ]
    import pandas as pd

    write_or_show(pd.DataFrame(rows), None)
    err_console.print(f"Illustrations: {ex.ILLUSTRATION}", markup=False)
    err_console.print(f"Published need: {ex.PUBLISHED_NEED}", markup=False)


_NEED_VIEWS = ("icbs", "footprint", "components", "concentration", "change")


@allocate_app.command("need")
def need_command(
    view: Annotated[
        str,
        typer.Option(
            "--view",
            help="icbs (need share vs population, Core20, IMD; default), footprint (need "
            "index per head), components (each component alone), concentration, change.",
        ),
    ] = "icbs",
    year: Annotated[
        str | None,
        typer.Option("--year", help="Allocation year: 2023/24, 2024/25 or 2025/26 (default all)."),
    ] = None,
    footprint: Annotated[
        str,
        typer.Option(
            "--footprint",
            help="For --view footprint: icb, icb_place, lad, utla, strategic_authority, region.",
        ),
    ] = "strategic_authority",
    places: Annotated[
        Path | None,
        typer.Option(
            "--places",
            help="For --view footprint: your own places, a CSV with columns place and "
            "lad_code (LAD 2024 codes), one row per district of a place.",
        ),
    ] = None,
    out: opt.OutPath = None,
    store: StoreOption = None,
) -> None:
    """Does money follow need? NHS England's published need by ICB and footprint."""
    from healthgap.allocate import follows, need

    if view not in _NEED_VIEWS:
        raise InputError(f"--view must be one of {', '.join(_NEED_VIEWS)}; got {view!r}.")
    years = need.YEARS if year is None else (need.check_year(year),)
    if view == "footprint" and footprint not in need.LEVELS:
        raise InputError(f"--footprint must be one of {', '.join(need.LEVELS)}; got {footprint!r}.")
    if places is not None and view != "footprint":
        raise InputError(f"--places must be used with --view footprint; got --view {view}.")
    to: Any = footprint if places is None else _read_places(places)
    import pandas as pd

    with open_store(store) as st, warnings_to_console():
        if view == "footprint":
            table = pd.concat(
                [need.footprint_need(st, y, to).assign(year=y) for y in years],
                ignore_index=True,
            )
            method = need.METHOD
        elif view == "components":
            table = pd.concat(
                [need.component_table(st, y).assign(year=y) for y in years], ignore_index=True
            )
            method = need.METHOD
        else:
            result = follows.money_follows_need(st, tuple(years))
            table = {
                "icbs": result.icbs,
                "concentration": result.concentration,
                "change": result.change,
            }[view]
            method = result.method
    write_or_show(table, out)
    err_console.print(f"Method: {method}", markup=False)


def _read_places(path: Path) -> list[Any]:
    """Places from a CSV of ``place`` and ``lad_code`` rows (one per district of a place)."""
    from healthgap.geography.footprints import Place

    table = read_table(path)
    missing = [c for c in ("place", "lad_code") if c not in table.columns]
    if missing:
        raise InputError(
            f"{path.name} must have the columns place and lad_code; got "
            f"{', '.join(map(str, table.columns))}. One row per district of each place."
        )
    frame = table[["place", "lad_code"]].astype("string")
    empty = frame.isna().any(axis=1) | (frame.apply(lambda c: c.str.strip()) == "").any(axis=1)
    if empty.any():
        first = int(empty.to_numpy().nonzero()[0][0]) + 2
        raise InputError(
            f"{path.name} must have a place and a lad_code on every row; got "
            f"{int(empty.sum())} rows with an empty cell (first: line {first})."
        )
    return [
        Place(str(name), [str(c).strip() for c in rows["lad_code"]])
        for name, rows in frame.groupby("place", sort=False)
    ]
