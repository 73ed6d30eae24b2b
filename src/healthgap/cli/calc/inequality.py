"""``healthgap calc sii`` and ``healthgap calc gap``."""

from __future__ import annotations

from typing import Annotated

import typer

from healthgap import stats  # each method loads when its command runs
from healthgap.cli import options as opt
from healthgap.cli._io import run_statistic
from healthgap.cli.calc import calc_app

Lower = Annotated[
    str | None, typer.Option(help="Column of lower 95% confidence limits (with --upper).")
]
Upper = Annotated[
    str | None, typer.Option(help="Column of upper 95% confidence limits (with --lower).")
]
Se = Annotated[
    str | None, typer.Option(help="Column of standard errors (instead of --lower/--upper).")
]


@calc_app.command("sii")
def sii_command(
    input: opt.InputPath,
    population: Annotated[str, typer.Option(help="Column of quantile populations (weights).")],
    quantile: Annotated[
        str, typer.Option(help="Column of quantile numbers: 1 = most deprived, Q = least.")
    ],
    value: Annotated[
        str | None, typer.Option(help="Column of values, one row per area and quantile.")
    ] = None,
    x: Annotated[
        str | None,
        typer.Option("--x", help="Proportions: column of counts instead of --value (x/pop)."),
    ] = None,
    group_by: opt.GroupBy = None,
    lower: Lower = None,
    upper: Upper = None,
    se: Se = None,
    value_type: Annotated[
        str, typer.Option(help="normal (e.g. life expectancy), rate or proportion (0-1).")
    ] = "normal",
    transform: Annotated[
        bool,
        typer.Option(
            "--transform/--no-transform",
            help="Rates/proportions: fit on the log/logit scale and back-transform.",
        ),
    ] = False,
    multiplier: Annotated[
        float,
        typer.Option(
            help="Scale of the SII (e.g. 100 for percentage points); negative measures from "
            "the least to the most deprived end (write --multiplier=-1)."
        ),
    ] = 1,
    repetitions: Annotated[int, typer.Option(help="Monte Carlo repetitions.")] = 100_000,
    confidence: Annotated[
        list[float] | None,
        typer.Option(help="Confidence level: 0.95 or 95; repeat for several. Default 0.95."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed, for repeatable limits.")] = None,
    rii: Annotated[
        bool, typer.Option("--rii/--no-rii", help="Also report the relative index (RII).")
    ] = True,
    se_scale: Annotated[
        str,
        typer.Option(
            help="'value': --se is in the value's units; 'working': on the log (rates) or "
            "logit (proportions) scale, as PHEindicatormethods' se."
        ),
    ] = "value",
    reliability: Annotated[
        bool,
        typer.Option(
            "--reliability", help="Also report how much the limits move across 10 seeded runs."
        ),
    ] = False,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Slope and relative index of inequality with Monte Carlo limits."""
    run_statistic(
        stats.sii,
        input,
        out,
        value=value,
        x=x,
        population=population,
        quantile=quantile,
        se_scale=se_scale,
        reliability=reliability,
        on_invalid=on_invalid,
        group_by=group_by,
        lower=lower,
        upper=upper,
        se=se,
        value_type=value_type,
        transform=transform,
        multiplier=multiplier,
        repetitions=repetitions,
        confidence=tuple(confidence) if confidence else (0.95,),
        seed=seed,
        rii=rii,
    )


@calc_app.command("gap")
def gap_command(
    input: opt.InputPath,
    value: Annotated[str, typer.Option(help="Column of values.")],
    by: Annotated[str, typer.Option(help="Column naming the members compared, e.g. regions.")],
    group_by: opt.GroupBy = None,
    lower: Lower = None,
    upper: Upper = None,
    se: Se = None,
    compare: Annotated[
        tuple[str, str],
        typer.Option(
            help="The two members compared: highest, lowest or labels of --by, e.g. "
            "--compare 'South East' 'North East'."
        ),
    ] = ("highest", "lowest"),
    confidence: opt.Confidence = None,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Difference and ratio between two members of a ranking (e.g. highest and lowest)."""
    run_statistic(
        stats.gap,
        input,
        out,
        value=value,
        by=by,
        group_by=group_by,
        lower=lower,
        upper=upper,
        se=se,
        compare=compare,
        confidence=opt.levels(confidence),
        on_invalid=on_invalid,
    )
