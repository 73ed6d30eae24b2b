"""``healthgap report``: the annual health-duty report of a strategic authority (PDF/HTML)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from healthgap.cli._io import OnOption, err_console, membership_on
from healthgap.cli.main import app
from healthgap.cli.options import StoreOption, db_option, out_option
from healthgap.geography.footprints import Place
from healthgap.geography.places import PREFIX


@app.command("report")
def report_command(
    authority: Annotated[
        str,
        typer.Option(
            "--authority",
            help="Footprint code: a strategic authority of May 2025 (E47...), the GLA "
            "(E61000001; E12000007 accepted), an ICB (E54...), a sub-ICB (E38...), or "
            "place:NAME for a place saved with `healthgap places save`.",
        ),
    ],
    out: Annotated[Path, out_option("The report file: .pdf or .html.")],
    store: StoreOption = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="Healthy life expectancy period, e.g. 2022-2024 (default: the latest).",
            show_default=False,
        ),
    ] = None,
    framework: Annotated[
        Path | None,
        typer.Option(
            "--framework",
            help="The authority's outcomes framework (.toml/.yaml). Default: a bundled "
            "example for the authority, else the default indicator set.",
            show_default=False,
        ),
    ] = None,
    target_year: Annotated[
        int | None,
        typer.Option(
            "--target-year",
            help="Year by which the regional HLE gap should be halved (no default: without "
            "it the mission status is not assessed).",
            show_default=False,
        ),
    ] = None,
    on: OnOption = None,
    indicator: Annotated[
        list[str] | None,
        typer.Option(
            "--indicator",
            help="Add an indicator to the scorecard by id (ID or ID:Sex), repeatable: any the "
            "store holds for the authority (healthgap profile --area CODE lists them).",
            show_default=False,
        ),
    ] = None,
    framework_db: Annotated[
        str | None,
        typer.Option(
            "--framework-db",
            help="The app database (URL or SQLite file; or a standalone framework file) whose "
            "framework workspace's joint commitments and action plan the summary lists. "
            "Default: none (the summary says none are recorded for the report).",
            show_default=False,
        ),
    ] = None,
    db: Annotated[
        str | None,
        db_option(
            "--targets-db",
            "--decisions-db",
            help="The app database (SQLAlchemy URL): the places of place:NAME, and the "
            "published targets (a Targets section), decisions register, questions and "
            "annual cycle (sections 'Decisions and regard', 'Questions and answers', 'What "
            "we committed to last year', each only when it has records) the report adds. "
            "Default: $HEALTHGAP_DB, else the default app database when it exists "
            "(--app-db, --targets-db and --decisions-db are older spellings).",
        ),
    ] = None,
) -> None:
    """The annual health-duty report of a strategic authority or ICB, from the open data."""
    from healthgap.data.store import open_store
    from healthgap.report.pdf import check_out, write_report

    when = membership_on(on)
    path = check_out(out)
    start = time.perf_counter()
    chosen: str | Place = authority
    if authority.startswith(PREFIX):
        from healthgap.cli.places import place_session
        from healthgap.geography.places import as_place

        with place_session(db) as session:
            chosen = as_place(session, authority)
    workspace = None
    if framework_db is not None:
        from healthgap.cli.framework import _ws

        workspace = _ws(framework_db)
    engine = _app_engine(db)
    book = None
    if engine is not None:
        from healthgap.account.authority_targets import TargetBook

        book = TargetBook(engine)
    with open_store(store) as st:
        ctx = write_report(
            st,
            chosen,
            path,
            period=period,
            framework=framework,
            target_year=target_year,
            on=when,
            workspace=workspace,
            indicators=indicator or (),
            targets=book,
            accountability=engine,
        )
    if engine is not None:
        engine.dispose()
    err_console.print(
        f"Wrote {path} ({ctx.authority_name}, {ctx.period}) in "
        f"{time.perf_counter() - start:.1f} s. Tables are disclosure-controlled "
        f"({ctx.disclosure}).",
        markup=False,
    )


def _app_engine(url: str | None) -> Any:
    """The app database of targets, decisions and the cycle: ``--db``, else
    :func:`healthgap.appdb.db.existing_db_url` (None: no such sections)."""
    from healthgap.appdb.db import db_url, existing_db_url, init_db

    chosen = db_url(url) if url else existing_db_url()
    return None if chosen is None else init_db(chosen)
