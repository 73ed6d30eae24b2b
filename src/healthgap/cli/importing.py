"""``healthgap import``: load an indicator file (or a Fingertips indicator) into the store.

Validation errors are :class:`~healthgap.errors.HealthgapError` subclasses, printed by
:func:`healthgap.cli.main.run` without a traceback (exit 2). Heavy modules are imported
inside the command so that ``healthgap --help`` stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from healthgap.cli._io import err_console
from healthgap.cli.main import app
from healthgap.errors import InputError

if TYPE_CHECKING:
    from healthgap.data.importing import ImportReport


@app.command("import")
def import_command(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="The indicator file: a Fingertips 'all data' CSV, a tidy CSV, Parquet or "
            "Excel (.xlsx). Omit it with --fingertips.",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="fingertips, csv, parquet or excel. Default: from the file's suffix.",
            show_default=False,
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="The store file. Default: $HEALTHGAP_STORE, else healthgap.duckdb in the "
            "data directory.",
            show_default=False,
        ),
    ] = None,
    fingertips: Annotated[
        str | None,
        typer.Option(
            "--fingertips",
            help="Download this Fingertips indicator id from the Fingertips API instead of "
            "reading a file (needs --area-type).",
            show_default=False,
        ),
    ] = None,
    area_type: Annotated[
        str | None,
        typer.Option(
            "--area-type",
            help="Fingertips area type id for --fingertips (e.g. 502, upper-tier local "
            "authorities).",
            show_default=False,
        ),
    ] = None,
    parent_area_type: Annotated[
        str | None,
        typer.Option(
            "--parent-area-type",
            help="Fingertips parent area type id for --fingertips (default: the API's).",
            show_default=False,
        ),
    ] = None,
    source_id: Annotated[
        str | None,
        typer.Option(
            "--source-id",
            help="The source_id written on every row. Default: import:<file name> or "
            "fingertips:<indicator>:<area type>.",
            show_default=False,
        ),
    ] = None,
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", help="Rows validated and loaded at a time.", min=1)
    ] = 100_000,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds per Fingertips API request.", min=1.0)
    ] = 30.0,
) -> None:
    """Validate an indicator file and upsert it into the store's indicators, all or nothing.

    Rows are matched on indicator, area code, area type, sex, age, category and period:
    new keys are added, changed rows replaced, identical rows left alone, so importing
    the same file twice adds nothing. Any problem leaves the store as it was.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from healthgap.data.loading import import_indicator_file

    if (file is None) == (fingertips is None):
        raise InputError(
            "import must be given either a FILE or --fingertips INDICATOR_ID; got "
            + ("both" if file is not None else "neither")
            + ". Use `healthgap import data.csv` or "
            "`healthgap import --fingertips 93722 --area-type 502`."
        )
    if fingertips is None and (area_type is not None or parent_area_type is not None):
        raise InputError(
            "--area-type and --parent-area-type must come with --fingertips; got them with "
            "a FILE. Drop them, or use --fingertips INDICATOR_ID instead of the file."
        )
    if fingertips is not None and area_type is None:
        raise InputError(
            f"--fingertips must come with --area-type; got --fingertips {fingertips} alone. "
            "Add e.g. --area-type 502 (upper-tier local authorities)."
        )
    if format is not None and format not in ("fingertips", "csv", "parquet", "excel"):
        raise InputError(
            f"--format must be one of fingertips, csv, parquet, excel; got {format!r}. "
            "Leave it out to use the file's suffix."
        )

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("Checking the file", total=None)

        def validated(report: ImportReport) -> None:
            progress.update(task, description="Loading into the store", total=report.rows)
            if report.dropped_columns:
                progress.console.print(
                    "Fingertips comparison columns dropped: " + ", ".join(report.dropped_columns),
                    style="dim",
                    markup=False,
                )
            if report.unknown_columns:
                progress.console.print(
                    "Other columns ignored: " + ", ".join(report.unknown_columns),
                    style="dim",
                    markup=False,
                )

        def staged(rows: int) -> None:
            progress.advance(task, rows)

        callbacks: dict[str, Any] = {
            "on_validated": validated,
            "on_chunk": staged,
            "chunk_rows": chunk_rows,
        }
        if fingertips is not None:
            from healthgap.data.sources.fingertips_api import FingertipsClient, import_fingertips

            progress.update(task, description=f"Downloading Fingertips indicator {fingertips}")
            with FingertipsClient(timeout=timeout) as client:
                result = import_fingertips(
                    fingertips,
                    area_type or "",
                    store,
                    parent_area_type=parent_area_type,
                    source_id=source_id,
                    client=client,
                    **callbacks,
                )
        else:
            assert file is not None
            result = import_indicator_file(
                file,
                store,
                format=format,  # type: ignore[arg-type]
                source_id=source_id,
                **callbacks,
            )
    typer.echo(result.summary())
