"""``healthgap calc atkinson`` and ``healthgap calc kolm``: equally distributed equivalents."""

from __future__ import annotations

from typing import Annotated

import typer

from healthgap.cli import options as opt
from healthgap.cli._io import run_statistic
from healthgap.cli.calc import calc_app
from healthgap.stats.welfare import (
    ATKINSON_AVERSION_ENGLAND,
    KOLM_AVERSION_ENGLAND,
    atkinson,
    kolm,
)

Value = Annotated[str, typer.Option(help="Column of health values, one row per subgroup.")]
Population = Annotated[
    str | None, typer.Option(help="Column of subgroup populations (weights); default equal.")
]


@calc_app.command("atkinson")
def atkinson_command(
    input: opt.InputPath,
    value: Value,
    population: Population = None,
    group_by: opt.GroupBy = None,
    aversion: Annotated[
        float, typer.Option(help="Relative inequality aversion e (English public: 10.95).")
    ] = ATKINSON_AVERSION_ENGLAND,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Atkinson equally distributed equivalent and index (values must be above 0)."""
    run_statistic(
        atkinson,
        input,
        out,
        value=value,
        population=population,
        group_by=group_by,
        aversion=aversion,
        on_invalid=on_invalid,
    )


@calc_app.command("kolm")
def kolm_command(
    input: opt.InputPath,
    value: Value,
    population: Population = None,
    group_by: opt.GroupBy = None,
    aversion: Annotated[
        float, typer.Option(help="Absolute inequality aversion a per unit (English public: 0.15).")
    ] = KOLM_AVERSION_ENGLAND,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Kolm equally distributed equivalent and index."""
    run_statistic(
        kolm,
        input,
        out,
        value=value,
        population=population,
        group_by=group_by,
        aversion=aversion,
        on_invalid=on_invalid,
    )
