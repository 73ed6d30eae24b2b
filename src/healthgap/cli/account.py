"""``healthgap framework``, ``healthgap scorecard``, ``healthgap core20``, ``healthgap profile``.

Thin faces over :mod:`healthgap.account` (frameworks, scorecards, core20plus5, profiles):
parse, call, print (or write CSV with ``--out``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from healthgap.cli._io import (
    OnOption,
    err_console,
    membership_on,
    out_console,
    read_table,
    write_or_show,
)

# `healthgap framework` is the devolution-framework group (healthgap.cli.framework); the
# outcomes-framework file commands `validate` and `show` are added to that same group.
from healthgap.cli.framework import framework_app
from healthgap.cli.main import app
from healthgap.cli.options import OutOption, StoreOption
from healthgap.errors import InputError


def _open(store: str | None) -> Any:
    from healthgap.data.store import open_store

    return open_store(store)


@framework_app.command("validate")
def framework_validate(
    file: Annotated[Path, typer.Argument(help="The framework file (.toml, .yaml, .yml).")],
    store: StoreOption = None,
    check_store: Annotated[
        bool, typer.Option("--check-store", help="Also check the indicators exist in the store.")
    ] = False,
) -> None:
    """Check a framework file; every problem is listed with its line and field."""
    from healthgap.account.frameworks import check_against_store, load_framework

    fw = load_framework(file)
    if check_store:
        with _open(store) as s:
            problems = check_against_store(fw, s)
        if problems:
            raise InputError(
                f"framework {file.name} must match the data in the store; got "
                f"{len(problems)} problem(s):\n  " + "\n  ".join(problems)
            )
    out_console.print(
        f"OK: {fw.name} (version {fw.version}), {fw.authority}, {len(fw.indicators)} indicators."
    )


@framework_app.command("show")
def framework_show(
    file: Annotated[Path, typer.Argument(help="The framework file (.toml, .yaml, .yml).")],
    out: OutOption = None,
) -> None:
    """Print a framework's indicators, baselines and targets."""
    import pandas as pd

    from healthgap.account.frameworks import load_framework

    fw = load_framework(file)
    out_console.print(f"{fw.name} (version {fw.version}) for {fw.authority_name or fw.authority}")
    if fw.illustration:
        out_console.print("ILLUSTRATION: not an adopted framework.")
    write_or_show(pd.DataFrame([vars(i) for i in fw.indicators]), out)


@app.command("scorecard")
def scorecard_command(
    authority: Annotated[str, typer.Option("--authority", help="The authority's GSS code.")],
    framework: Annotated[
        Path | None,
        typer.Option(
            "--framework",
            help="A framework file. Default: the authority's bundled example framework if it "
            "has one, else its headline indicators (as on the web).",
        ),
    ] = None,
    area_type: Annotated[
        str | None,
        typer.Option(
            "--area-type",
            help="Area type of the headline indicators (without --framework). Default: the "
            "first the store holds the authority at that has them, as on the web.",
        ),
    ] = None,
    neighbours: Annotated[int, typer.Option("--neighbours", min=0)] = 5,
    compare: Annotated[
        bool, typer.Option("--compare", help="All authorities of the type, ranked.")
    ] = False,
    indicator: Annotated[
        list[str] | None,
        typer.Option(
            "--indicator",
            help="Add an indicator by id (ID or ID:Sex), repeatable: any the store holds for "
            "the authority, with its metadata, polarity and comparison with England.",
            show_default=False,
        ),
    ] = None,
    store: StoreOption = None,
    out: OutOption = None,
) -> None:
    """A framework scorecard for one authority, benchmarked against England and neighbours."""
    from healthgap.account.frameworks import add_indicators, load_framework
    from healthgap.account.scorecard_frameworks import headline_framework, scorecard_framework
    from healthgap.account.scorecards import compare_authorities, scorecard

    with _open(store) as s:
        if framework is not None:
            fw = load_framework(framework)
            if fw.authority != authority:
                raise InputError(
                    f"--authority must be the framework's authority; got {authority}, but "
                    f"{framework.name} is for {fw.authority}. Use --authority {fw.authority}."
                )
        else:
            fw = (
                scorecard_framework(s, authority, required=not indicator)
                if area_type is None
                else headline_framework(s, authority, area_type, required=not indicator)
            )
        if indicator:
            fw = add_indicators(fw, indicator, s)
        if compare:
            write_or_show(compare_authorities(fw, s), out)
            return
        card = scorecard(fw, s, neighbours=neighbours)
    if out is None:
        out_console.print(card.summary(), markup=False)
    else:
        write_or_show(card.to_frame(), out)


@app.command("core20")
def core20_command(
    footprint: Annotated[
        str | None,
        typer.Option(
            "--footprint",
            help="Strategic authority, ICB, sub-ICB, LAD, UTLA, region or England code, or "
            "place:NAME (a saved place; database $HEALTHGAP_DB).",
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template", help="Write a blank 5 template: adults or children_and_young_people."
        ),
    ] = None,
    clinical: Annotated[
        Path | None, typer.Option("--clinical", help="A filled 5 template (CSV) to summarise.")
    ] = None,
    population: Annotated[str, typer.Option("--population")] = "adults",
    plus: Annotated[
        list[str] | None, typer.Option("--plus", help="A PLUS group for the template; repeat.")
    ] = None,
    store: StoreOption = None,
    out: OutOption = None,
    on: OnOption = None,
) -> None:
    """Core20PLUS5: Core20 figures for a footprint, or the 5 templates and their summary."""
    from healthgap.account import core20plus5 as c5

    when = membership_on(on)
    chosen = [x is not None for x in (template, clinical)]
    if sum(chosen) > 1 or (footprint is None and not any(chosen)):
        raise InputError(
            "core20 must be given --footprint, --template or --clinical (one of the last "
            "two); got "
            f"{'both --template and --clinical' if sum(chosen) > 1 else 'none'}. "
            "Example: healthgap core20 --footprint E47000001."
        )
    if template is not None:
        table = c5.clinical_template(
            template,  # type: ignore[arg-type]
            area_codes=[footprint or "E00000000"],
            plus_groups=plus or (),
        )
        write_or_show(table, out)
        return
    if clinical is not None:
        summary = c5.clinical_summary(read_table(clinical), population)  # type: ignore[arg-type]
        safe = c5.publishable_clinical_summary(summary)
        err_console.print("Counts are disclosure-controlled (1-7 withheld, others rounded to 5).")
        write_or_show(safe, out)
        return
    assert footprint is not None
    where: Any = footprint
    if footprint.startswith("place:"):  # a saved place (healthgap places save)
        from healthgap.cli.places import place_session
        from healthgap.geography.places import as_place

        with place_session(None) as session:
            where = as_place(session, footprint)
    with _open(store) as s:
        result = c5.core20_indicators(where, store=s, on=when)
    if out is None:
        out_console.print(result.summary(), markup=False)
    else:
        write_or_show(result.indicators, out)


@app.command("profile")
def profile_command(
    area: Annotated[str, typer.Option("--area", help="The area's GSS code.")],
    area_type: Annotated[
        str | None, typer.Option("--area-type", help="lad, utla, combined_authority or region.")
    ] = None,
    breakdowns: Annotated[
        bool,
        typer.Option(
            "--breakdowns",
            help="Add the area's breakdown rows (ethnic group, deprivation within the "
            "area, ...) with category_type and category.",
        ),
    ] = False,
    wider: Annotated[
        bool,
        typer.Option(
            "--wider",
            help="Only the wider determinants (work, income, child poverty, housing, "
            "education), by theme, with the spread between member councils for a combined "
            "authority or region.",
        ),
    ] = False,
    store: StoreOption = None,
    out: OutOption = None,
) -> None:
    """A Fingertips-style area profile: every indicator against England, spine and trend.

    With --out the whole table is written (domain, metadata, 95% and 99.8% comparisons,
    spine, trend; category_type/category for breakdown rows), small numbers withheld.
    """
    from healthgap.account.profiles import profile

    if wider:
        _wider(area, area_type, store, out)
        return
    with _open(store) as s:
        result = profile(
            area, store=s, area_type=area_type, breakdowns=breakdowns, inequality=False
        )
    if out is None:
        out_console.print(result.summary(), markup=False)
    else:
        write_or_show(result.for_output(), out)


def _wider(area: str, area_type: str | None, store: str | None, out: Path | None) -> None:
    from healthgap.account.compare_areas import members
    from healthgap.account.wider_determinants import wider_determinants

    with _open(store) as s:
        councils = list(members(area, s)[1]["area_code"]) if area.startswith(("E47", "E12")) else []
        result = wider_determinants(area, store=s, area_type=area_type, members=councils)
    if out is None:
        out_console.print(result.summary(), markup=False)
    else:
        write_or_show(result.for_output(), out)


@app.command("compare-areas")
def compare_areas_command(
    footprint: Annotated[
        str,
        typer.Option(
            "--footprint",
            help="A combined authority (E47), region (E12) or ICB (E54) code, or area "
            "codes separated by commas.",
        ),
    ],
    store: StoreOption = None,
    out: OutOption = None,
) -> None:
    """Every member council x every indicator, compared with England (Fingertips style)."""
    from healthgap.account.compare_areas import compare_areas

    target: str | list[str] = footprint if "," not in footprint else footprint.split(",")
    with _open(store) as s:
        result = compare_areas(target, store=s)
    if out is None:
        out_console.print(result.summary(), markup=False)
    else:
        write_or_show(result.for_output(), out)


@app.command("health-state")
def health_state_command(
    deciles: Annotated[
        bool,
        typer.Option(
            "--deciles", help="The gap to the least deprived IMD 2015 decile (ONS, males)."
        ),
    ] = False,
    sex: Annotated[str, typer.Option("--sex", help="Female or Male (regions).")] = "Female",
    period: Annotated[
        str | None, typer.Option("--period", help="Default: the latest with LE and HLE.")
    ] = None,
    first: Annotated[
        str | None, typer.Option("--first", help="A region name. Default: the lowest LE.")
    ] = None,
    second: Annotated[
        str | None, typer.Option("--second", help="A region name. Default: the highest LE.")
    ] = None,
    store: StoreOption = None,
    out: OutOption = None,
) -> None:
    """The life-expectancy gap split into healthy life expectancy and years in poorer
    health: between two regions (default), or by deprivation decile (--deciles)."""
    from healthgap.account.health_state import decile_split, region_split

    with _open(store) as s:
        got = decile_split(s) if deciles else region_split(s, sex, period, first, second)
    summary = got.summary
    if deciles:
        err_console.print(
            f"{got.title} ({summary['period']}): decile 1 is {summary['gap']:.1f} years "
            f"behind, {summary['from_hle']:.1f} in healthy life expectancy and "
            f"{summary['from_poorer_health']:.1f} in poorer health.",
            markup=False,
        )
    else:
        err_console.print(
            f"{got.title} ({summary['sex']}, {summary['period']}): {summary['le_gap']:.1f} "
            f"years (95% {summary['le_gap_lower_95_0']:.1f} to "
            f"{summary['le_gap_upper_95_0']:.1f}), of which {summary['from_hle']:.1f} in "
            f"healthy life expectancy and {summary['from_poorer_health']:.1f} in poorer health.",
            markup=False,
        )
    for note in got.notes:
        err_console.print(note, style="dim", markup=False)
    write_or_show(got.table, out)


@app.command("explore")
def explore_command(
    indicator: Annotated[
        str,
        typer.Option(
            "--indicator",
            help="hle_birth (healthy life expectancy), 93722 (preventable cardiovascular "
            "deaths under 75) or adult_obesity.",
        ),
    ] = "hle_birth",
    sex: Annotated[
        str | None, typer.Option("--sex", help="Default: the first the indicator has.")
    ] = None,
    period: Annotated[str | None, typer.Option("--period", help="Default: the latest.")] = None,
    store: StoreOption = None,
    out: OutOption = None,
) -> None:
    """The inequality explorer: an indicator by deprivation decile of the areas covering
    England, with the slope index of inequality (the numbers of /inequality)."""
    from healthgap.account.explorer import explore_chosen

    with _open(store) as s:
        got = explore_chosen(s, indicator, sex, period)
    summary = got.summary
    err_console.print(
        f"{summary['indicator_name']} by deprivation decile ({got.sex}, {got.period}): "
        f"slope index of inequality {summary['sii']:.2f} (95% {summary['sii_lower_95_0']:.2f} "
        f"to {summary['sii_upper_95_0']:.2f}), relative index {summary['rii']:.3f}; "
        f"{summary['direction']}.",
        markup=False,
    )
    for line in (*summary["warnings"], *got.notes):
        err_console.print(line, style="dim", markup=False)
    write_or_show(got.table, out)
