"""``healthgap calc proportion | mean | quantiles | funnel``."""

from __future__ import annotations

from typing import Annotated

import typer

from healthgap import stats  # each method loads when its command runs
from healthgap.cli import options as opt
from healthgap.cli._io import run_statistic
from healthgap.cli.calc import calc_app

Numerator = Annotated[
    str, typer.Option(help="Column of numerators (people with the characteristic, or events).")
]
Denominator = Annotated[
    str, typer.Option(help="Column of denominators (people measured, population or expected).")
]


@calc_app.command("proportion")
def proportion_command(
    input: opt.InputPath,
    numerator: Numerator,
    denominator: Denominator,
    group_by: opt.GroupBy = None,
    multiplier: Annotated[
        float, typer.Option(help="Scale: 1 for a proportion, 100 for a percentage.")
    ] = 1,
    confidence: opt.Confidence = None,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Proportion with Wilson score limits."""
    run_statistic(
        stats.proportion,
        input,
        out,
        numerator=numerator,
        denominator=denominator,
        group_by=group_by,
        multiplier=multiplier,
        confidence=opt.levels(confidence),
        on_invalid=on_invalid,
    )


@calc_app.command("mean")
def mean_command(
    input: opt.InputPath,
    value: Annotated[str, typer.Option(help="Column of values to average.")],
    group_by: opt.GroupBy = None,
    confidence: opt.Confidence = None,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Mean with Student t limits (missing values are left out)."""
    run_statistic(
        stats.mean,
        input,
        out,
        value=value,
        group_by=group_by,
        confidence=opt.levels(confidence),
        on_invalid=on_invalid,
    )


@calc_app.command("quantiles")
def quantiles_command(
    input: opt.InputPath,
    value: Annotated[str, typer.Option(help="Column to rank, e.g. an IMD score.")],
    group_by: opt.GroupBy = None,
    nquantiles: Annotated[
        int, typer.Option(help="Number of quantiles: 10 for deciles, 5 for quintiles.")
    ] = 10,
    first_quantile: Annotated[
        str,
        typer.Option(help="Which values go in quantile 1: 'highest' or 'lowest'."),
    ] = "highest",
    invert: Annotated[
        str | None,
        typer.Option(
            help="Column of true/false per row (same within a group): true puts the highest "
            "values in quantile 1. Overrides --first-quantile."
        ),
    ] = None,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Add a quantile column (1..nquantiles) to every row, within each group."""
    run_statistic(
        stats.quantiles,
        input,
        out,
        value=value,
        group_by=group_by,
        nquantiles=nquantiles,
        first_quantile=first_quantile,
        invert=invert,
        on_invalid=on_invalid,
    )


@calc_app.command("funnel")
def funnel_command(
    input: opt.InputPath,
    numerator: Numerator,
    statistic: Annotated[str, typer.Option(help="'proportion', 'rate' or 'ratio'.")],
    denominator: Annotated[
        str | None,
        typer.Option(help="Column of denominators (population, people measured or expected)."),
    ] = None,
    group_by: opt.GroupBy = None,
    multiplier: Annotated[
        float | None,
        typer.Option(help="Scale; default 1 (proportion, ratio) or 100000 (rate)."),
    ] = None,
    target: Annotated[
        float | None,
        typer.Option(help="Centre line on the output scale; default the overall average."),
    ] = None,
    confidence: opt.Confidence = None,
    limits: Annotated[
        bool,
        typer.Option(
            "--limits",
            help="Write the control limits for drawing instead of the points "
            "(--group-by does not change them).",
        ),
    ] = False,
    points: Annotated[
        int, typer.Option(help="With --limits: number of denominators to compute.")
    ] = 100,
    rate: Annotated[
        str | None, typer.Option(help="With --rate-type dsr: column of the points' DSRs.")
    ] = None,
    rate_type: Annotated[
        str, typer.Option(help="Rates: 'crude' or 'dsr' (fewer than 10 events labelled).")
    ] = "crude",
    ratio_type: Annotated[
        str, typer.Option(help="Ratios: 'isr' (O/E) or 'count' (O/E - 1).")
    ] = "isr",
    years_of_data: Annotated[
        float, typer.Option(help="Rates: years the events cover (denominator is annual).")
    ] = 1,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Funnel plot: each point's significance against the target, or the control limits."""
    if limits:
        run_statistic(
            stats.funnel_limits,
            input,
            out,
            numerator=numerator,
            denominator=denominator,
            statistic=statistic,
            multiplier=multiplier,
            target=target,
            confidence=opt.levels(confidence),
            points=points,
            rate=rate,
            rate_type=rate_type,
            ratio_type=ratio_type,
            years_of_data=years_of_data,
            on_invalid=on_invalid,
        )
        return
    run_statistic(
        stats.funnel_significance,
        input,
        out,
        numerator=numerator,
        denominator=denominator,
        statistic=statistic,
        group_by=group_by,
        multiplier=multiplier,
        target=target,
        confidence=opt.levels(confidence),
        rate=rate,
        rate_type=rate_type,
        ratio_type=ratio_type,
        years_of_data=years_of_data,
        on_invalid=on_invalid,
    )
