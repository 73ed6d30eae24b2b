"""``healthgap calc crude-rate``."""

from __future__ import annotations

from typing import Annotated

import typer

from healthgap import stats  # each method loads when its command runs
from healthgap.cli import options as opt
from healthgap.cli._io import run_statistic
from healthgap.cli.calc import calc_app


@calc_app.command("crude-rate")
def crude_rate_command(
    input: opt.InputPath,
    count: Annotated[str, typer.Option(help="Column of event counts.")],
    population: Annotated[str, typer.Option(help="Column of populations.")],
    group_by: opt.GroupBy = None,
    multiplier: opt.Multiplier = 100_000,
    confidence: opt.Confidence = None,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Crude rate with exact (below 10) or Byar's limits."""
    run_statistic(
        stats.crude_rate,
        input,
        out,
        count=count,
        population=population,
        group_by=group_by,
        multiplier=multiplier,
        confidence=opt.levels(confidence),
        on_invalid=on_invalid,
    )
