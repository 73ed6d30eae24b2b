"""``healthgap calc dsr``, ``healthgap calc isr`` and ``healthgap calc smr``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from healthgap import stats  # each method loads when its command runs
from healthgap.cli import options as opt
from healthgap.cli._io import read_table, run_statistic
from healthgap.cli.calc import calc_app
from healthgap.errors import InputError
from healthgap.stats.standard_populations import AUTO, NAMED

Count = Annotated[str, typer.Option(help="Column of event counts.")]
Population = Annotated[str, typer.Option(help="Column of populations.")]
Age = Annotated[str, typer.Option(help="Column of age-band labels, e.g. 0-4, 5-9, ..., 90+.")]
RefCount = Annotated[
    str, typer.Option(help="Column of reference counts (in INPUT, or in --reference).")
]
RefPopulation = Annotated[
    str, typer.Option(help="Column of reference populations (in INPUT, or in --reference).")
]
Reference = Annotated[
    Path | None,
    typer.Option(
        help="CSV of the reference by age band (columns: the --age, --ref-count and "
        "--ref-population names), joined to INPUT by age-band label."
    ),
]
ObservedTotal = Annotated[
    bool,
    typer.Option(
        "--observed-total",
        help="The count column holds each group's all-age total, repeated on its rows.",
    ),
]


def _standard(value: str) -> Any:
    """A built-in name, or a CSV file of age band and weight."""
    if value == AUTO or value in NAMED:
        return value
    path = Path(value)
    if not path.exists():
        names = ", ".join([AUTO, *NAMED])
        raise InputError(
            f"--standard-population must be one of {names} or a CSV file of age band and "
            f"weight; got {value!r}, which is neither. Check the name or the path."
        )
    return read_table(path)


@calc_app.command("dsr")
def dsr_command(
    input: opt.InputPath,
    count: Count,
    population: Population,
    age: Age,
    group_by: opt.GroupBy = None,
    standard_population: Annotated[
        str,
        typer.Option(
            help="esp2013 (the ESP2013 form matching the age bands), esp2013_19, "
            "esp2013_20, esp2013_21, or a CSV file with columns age band and weight."
        ),
    ] = AUTO,
    event_frequency: Annotated[
        str | None,
        typer.Option(
            help="Column of events per person, for non-independent events (one row per "
            "group, age band and frequency)."
        ),
    ] = None,
    multiplier: opt.Multiplier = 100_000,
    confidence: opt.Confidence = None,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Directly standardised rate with Dobson limits (suppressed below a count of 10)."""
    run_statistic(
        stats.dsr,
        input,
        out,
        count=count,
        population=population,
        age=age,
        group_by=group_by,
        standard_population=_standard(standard_population),
        multiplier=multiplier,
        confidence=opt.levels(confidence),
        event_frequency=event_frequency,
        on_invalid=on_invalid,
    )


@calc_app.command("isr")
def isr_command(
    input: opt.InputPath,
    count: Count,
    population: Population,
    age: Age,
    ref_count: RefCount,
    ref_population: RefPopulation,
    group_by: opt.GroupBy = None,
    reference: Reference = None,
    observed_total: ObservedTotal = False,
    multiplier: opt.Multiplier = 100_000,
    confidence: opt.Confidence = None,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Indirectly standardised rate with exact (below 10) or Byar's limits."""
    run_statistic(
        stats.isr,
        input,
        out,
        count=count,
        population=population,
        age=age,
        ref_count=ref_count,
        ref_population=ref_population,
        group_by=group_by,
        multiplier=multiplier,
        confidence=opt.levels(confidence),
        reference=None if reference is None else read_table(reference),
        observed_total=observed_total,
        on_invalid=on_invalid,
    )


@calc_app.command("smr")
def smr_command(
    input: opt.InputPath,
    count: Count,
    population: Population,
    age: Age,
    ref_count: RefCount,
    ref_population: RefPopulation,
    group_by: opt.GroupBy = None,
    reference: Reference = None,
    observed_total: ObservedTotal = False,
    refvalue: Annotated[
        float, typer.Option(help="1 for a ratio, 100 for a percentage of expected.")
    ] = 1,
    confidence: opt.Confidence = None,
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """Standardised ratio observed/expected (e.g. SMR) with exact or Byar's limits."""
    run_statistic(
        stats.smr,
        input,
        out,
        count=count,
        population=population,
        age=age,
        ref_count=ref_count,
        ref_population=ref_population,
        group_by=group_by,
        refvalue=refvalue,
        confidence=opt.levels(confidence),
        reference=None if reference is None else read_table(reference),
        observed_total=observed_total,
        on_invalid=on_invalid,
    )
