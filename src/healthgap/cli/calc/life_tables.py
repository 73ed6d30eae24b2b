"""``healthgap calc life-expectancy``, ``healthy-life-expectancy`` and ``decompose-gap``."""

from __future__ import annotations

from typing import Annotated

import typer

from healthgap import stats  # each method loads when its command runs
from healthgap.cli import options as opt
from healthgap.cli._io import run_statistic
from healthgap.cli.calc import calc_app
from healthgap.errors import InputError

Deaths = Annotated[str, typer.Option(help="Column of deaths.")]
Population = Annotated[str, typer.Option(help="Column of populations.")]
Age = Annotated[
    str,
    typer.Option(help="Column of age bands ('0', '1-4', ..., '90+') or band starts (0, 1, 5)."),
]


@calc_app.command("life-expectancy")
def life_expectancy_command(
    input: opt.InputPath,
    deaths: Deaths,
    population: Population,
    age: Age,
    group_by: opt.GroupBy = None,
    confidence: opt.Confidence = None,
    life_table: Annotated[
        bool, typer.Option("--life-table", help="Also write the life-table columns (l, L, T...).")
    ] = False,
    open_from: opt.OpenFrom = 90,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Life expectancy at each band start: Chiang II life table, Silcocks final band."""
    run_statistic(
        stats.life_expectancy,
        input,
        out,
        deaths=deaths,
        population=population,
        age=age,
        group_by=group_by,
        confidence=opt.levels(confidence),
        life_table=life_table,
        open_from=open_from,
        on_invalid=on_invalid,
    )


@calc_app.command("healthy-life-expectancy")
def healthy_life_expectancy_command(
    input: opt.InputPath,
    age: Age,
    deaths: Annotated[str | None, typer.Option(help="Column of deaths.")] = None,
    population: Annotated[str | None, typer.Option(help="Column of populations.")] = None,
    unhealthy_proportion: Annotated[
        str | None,
        typer.Option(help="Column: proportion (0-1) NOT in good health (or with a disability)."),
    ] = None,
    healthy_proportion: Annotated[
        str | None, typer.Option(help="Column: proportion (0-1) in good health.")
    ] = None,
    sample_size: Annotated[
        str | None, typer.Option(help="Column: survey sample size behind each proportion.")
    ] = None,
    proportion_se: Annotated[
        str | None, typer.Option(help="Column: standard error of each proportion.")
    ] = None,
    survivors: Annotated[
        str | None, typer.Option(help="Column: your own life table's survivors l(x).")
    ] = None,
    person_years: Annotated[
        str | None, typer.Option(help="Column: your own life table's person-years L(x).")
    ] = None,
    group_by: opt.GroupBy = None,
    confidence: opt.Confidence = None,
    open_from: opt.OpenFrom = 90,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Healthy (or disability-free) life expectancy by the Sullivan method."""
    run_statistic(
        stats.healthy_life_expectancy,
        input,
        out,
        deaths=deaths,
        population=population,
        age=age,
        unhealthy_proportion=unhealthy_proportion,
        healthy_proportion=healthy_proportion,
        sample_size=sample_size,
        proportion_se=proportion_se,
        survivors=survivors,
        person_years=person_years,
        group_by=group_by,
        confidence=opt.levels(confidence),
        open_from=open_from,
        on_invalid=on_invalid,
    )


@calc_app.command("decompose-gap")
def decompose_gap_command(
    input: opt.InputPath,
    deaths: Deaths,
    population: Population,
    age: Age,
    group: Annotated[str, typer.Option(help="Column telling the two populations apart.")],
    comparison: Annotated[
        list[str],
        typer.Option(
            help="The two populations, first then second; give it twice. "
            "The gap is LE(second) - LE(first)."
        ),
    ],
    cause: Annotated[
        str | None, typer.Option(help="Column of causes of death (deaths by cause).")
    ] = None,
    group_by: opt.GroupBy = None,
    open_from: opt.OpenFrom = 90,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Arriaga decomposition of a life-expectancy gap by age band (and cause)."""
    if len(comparison) != 2:
        raise InputError(
            f"--comparison must be given twice (first, then second population); got "
            f"{len(comparison)} value{'s' if len(comparison) != 1 else ''}. "
            "Use e.g. --comparison Q1 --comparison Q5."
        )
    run_statistic(
        stats.decompose_gap,
        input,
        out,
        deaths=deaths,
        population=population,
        age=age,
        group=group,
        comparison=tuple(comparison),
        cause=cause,
        group_by=group_by,
        open_from=open_from,
        on_invalid=on_invalid,
    )
