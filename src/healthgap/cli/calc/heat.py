"""``healthgap calc inequality-measures``: the WHO HEAT summary measures."""

from __future__ import annotations

from typing import Annotated

import typer

from healthgap import stats  # the method loads when its command runs
from healthgap.cli import options as opt
from healthgap.cli._io import run_statistic
from healthgap.cli.calc import calc_app
from healthgap.stats.inequality.heat_defaults import DEFAULT_REPETITIONS, DEFAULT_SEED


@calc_app.command("inequality-measures")
def inequality_measures_command(
    input: opt.InputPath,
    value: Annotated[str, typer.Option(help="Column of subgroup estimates.")],
    population: Annotated[str, typer.Option(help="Column of subgroup populations.")],
    subgroup: Annotated[str, typer.Option(help="Column of subgroup labels.")],
    favourable: Annotated[
        bool,
        typer.Option(
            "--favourable/--adverse",
            help="Higher values are better (--favourable, e.g. coverage) or worse "
            "(--adverse, e.g. mortality). Required.",
        ),
    ],
    group_by: opt.GroupBy = None,
    order: Annotated[
        str | None,
        typer.Option(
            help="Column of subgroup ranks, 1 = most disadvantaged; makes the dimension "
            "ordered (e.g. deprivation quintiles)."
        ),
    ] = None,
    reference_subgroup: Annotated[
        str | None, typer.Option(help="Label of the reference subgroup (non-ordered only).")
    ] = None,
    se: Annotated[str | None, typer.Option(help="Column of standard errors.")] = None,
    lower: Annotated[
        str | None, typer.Option(help="Column of lower 95% limits (with --upper).")
    ] = None,
    upper: Annotated[
        str | None, typer.Option(help="Column of upper 95% limits (with --lower).")
    ] = None,
    setting_average: Annotated[
        str | None,
        typer.Option(help="Column of the reported setting average (one value per group)."),
    ] = None,
    proportion_scale: Annotated[
        float | None,
        typer.Option(
            help="For proportions: their scale (100 for percentages, 1 for fractions); SII "
            "and RII then come from a logistic model."
        ),
    ] = None,
    entropy_multiplier: Annotated[
        float, typer.Option(help="MLD and TI are multiplied by this.")
    ] = 1000,
    measure: Annotated[
        list[str] | None,
        typer.Option(
            "--measure", "-m", help="Measure code (D, R, PAR, SII, BGV, ...); repeat for several."
        ),
    ] = None,
    confidence: Annotated[
        list[float] | None,
        typer.Option(help="Confidence level in (0, 1); repeat for several. Default 0.95."),
    ] = None,
    repetitions: Annotated[
        int, typer.Option(help="Monte Carlo repetitions.")
    ] = DEFAULT_REPETITIONS,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (fixed by default, so limits repeat).")
    ] = DEFAULT_SEED,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """WHO HEAT summary measures of inequality between subgroups (D, R, SII, BGV, TI, ...)."""
    run_statistic(
        stats.inequality_measures,
        input,
        out,
        value=value,
        population=population,
        subgroup=subgroup,
        group_by=group_by,
        favourable=favourable,
        ordered=order is not None,
        order=order,
        reference_subgroup=reference_subgroup,
        se=se,
        lower=lower,
        upper=upper,
        setting_average=setting_average,
        proportion_scale=proportion_scale,
        entropy_multiplier=entropy_multiplier,
        measures=measure or None,
        confidence=tuple(confidence) if confidence else (0.95,),
        repetitions=repetitions,
        seed=seed,
        on_invalid=on_invalid,
    )
