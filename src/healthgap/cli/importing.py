"""``healthgap import``: upload an indicator file as a local dataset, or load a Fingertips
indicator into the published data.

A FILE becomes a *local dataset* (:mod:`healthgap.data.local`): never a change to the
published data, owned by ``--authority`` (whose footprint bounds its areas) or, without
it, an upload for all areas by the server's operator. Its audit entry is written to the
store's outbox in the same transaction, and to the app database's audit log at once with
``--db`` (or ``$HEALTHGAP_DB``), else when the web service next starts.

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
from healthgap.cli.options import StoreOption, db_option
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
    store: StoreOption = None,
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
    authority: Annotated[
        str | None,
        typer.Option(
            "--authority",
            help="The authority that owns the uploaded dataset (e.g. E08000025); every row "
            "must be for an area inside its footprint. Default: an upload for all areas.",
            show_default=False,
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Who uploads, as recorded in the audit log (an email). Default: cli:<login name>.",
            show_default=False,
        ),
    ] = None,
    db: Annotated[
        str | None,
        db_option(
            help="The app database (SQLAlchemy URL) whose audit log receives the upload's "
            "entry at once. Default: $HEALTHGAP_DB; without either, the web service delivers "
            "it at start-up."
        ),
    ] = None,
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", help="Rows validated and loaded at a time.", min=1)
    ] = 100_000,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds per Fingertips API request.", min=1.0)
    ] = 30.0,
    fingertips_profile: Annotated[
        str | None,
        typer.Option(
            "--fingertips-profile",
            help="Download every indicator of this Fingertips profile (e.g. 19) at the "
            "--area-type ids (comma-separated), resuming an interrupted fetch.",
            show_default=False,
        ),
    ] = None,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart",
            help="Start a profile or indicator-list fetch afresh, ignoring its checkpoint.",
        ),
    ] = False,
) -> None:
    """Upload an indicator FILE as a local dataset, or load a Fingertips indicator.

    A FILE is checked whole and becomes one local dataset (owner, uploader, time, file
    SHA-256, rows): it never changes the published data, and pages show its values
    beside them. With --authority every row must be for an area inside that authority.
    --fingertips loads a Fingertips indicator into the published data, replacing only
    an earlier release of the same indicator. Any problem leaves the store as it was.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    if fingertips_profile is not None or "," in (fingertips or "") + (area_type or ""):
        if file is not None or source_id is not None or authority is not None or by is not None:
            raise InputError(
                "--fingertips-profile and lists of --fingertips ids must come alone; got them "
                "with a FILE, --source-id, --authority or --by. Drop those (each indicator is "
                "loaded as fingertips:<indicator>:<area type>)."
            )
        _bulk(store, fingertips_profile, fingertips, area_type, parent_area_type, timeout, restart)
        return

    if (file is None) == (fingertips is None):
        raise InputError(
            "import must be given either a FILE or --fingertips INDICATOR_ID; got "
            + ("both" if file is not None else "neither")
            + ". Use `healthgap import data.csv` or "
            "`healthgap import --fingertips 93722 --area-type 502`."
        )
    if fingertips is not None and (authority is not None or by is not None):
        raise InputError(
            "--authority and --by must come with a FILE; got them with --fingertips "
            "(a Fingertips indicator is published data, owned by no authority). Drop them."
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
            if source_id is not None:
                raise InputError(
                    "--source-id must come with --fingertips; got it with a FILE (an "
                    "upload is named local-NNNNN). Drop --source-id."
                )
            typer.echo(_upload(file, store, format, authority, by, db, callbacks))
            return
    typer.echo(result.summary())


def _upload(
    file: Path,
    store: str | None,
    format: str | None,
    authority: str | None,
    by: str | None,
    db: str | None,
    callbacks: dict[str, Any],
) -> str:
    """Check FILE, stage it, write it as a local dataset; deliver its audit entry."""
    import getpass
    import tempfile

    from healthgap.data.local import Uploader, commit_local_dataset, prepare_local_file
    from healthgap.data.store import open_store

    email = by or f"cli:{getpass.getuser()}"
    if authority is not None:
        from healthgap.account.upload_scope import footprint_codes

        with open_store(store) as opened:
            footprint = footprint_codes(opened, authority.strip().upper())
        uploader = Uploader(email, authority.strip().upper(), footprint)
    else:
        open_store(store).close()  # a missing store is reported before the file is read
        uploader = Uploader(email, None, None, is_admin=True)
    with tempfile.TemporaryDirectory(prefix="healthgap-import-") as tmp:
        prepared = prepare_local_file(
            file,
            uploader,
            tmp,
            format=format,  # type: ignore[arg-type]
            **callbacks,
        )
        opened = open_store(store, read_only=False)
        try:
            dataset = commit_local_dataset(opened.backend.con, prepared, uploader)
            from healthgap.appdb.db import configured_db_url, db_url, init_db, sessions

            url = db_url(db) if db else configured_db_url()
            delivered = False
            if url:
                from healthgap.appdb.outbox import deliver_from

                deliver_from(opened.backend.con, sessions(init_db(url)))
                delivered = True
        finally:
            opened.close()
    owner = dataset.owner_authority or "all areas"
    audit = (
        "recorded in the audit log"
        if delivered
        else "its audit entry waits in the store until the web service starts"
    )
    return (
        f"{dataset.rows:,} rows from {dataset.file} into {opened.path} as local dataset "
        f"{dataset.id} (owner: {owner}; SHA-256 {dataset.checksum[:12]}...); {audit}"
    )


def _bulk(
    store: str | None,
    profile: str | None,
    indicators: str | None,
    area_type: str | None,
    parent_area_type: str | None,
    timeout: float,
    restart: bool,
) -> None:
    """A whole Fingertips profile or indicator list, with a Rich progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from healthgap.data.sources.fingertips_api import FingertipsClient
    from healthgap.data.sources.fingertips_bulk import fetch_fingertips

    if area_type is None:
        raise InputError(
            "a Fingertips profile or indicator list must come with --area-type; got none. "
            "Add e.g. --area-type 502 or --area-type 501,502."
        )
    ids = [i.strip() for i in (indicators or "").split(",") if i.strip()] or None
    types = [t.strip() for t in area_type.split(",") if t.strip()]
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err_console,
            transient=True,
        ) as progress,
        FingertipsClient(timeout=timeout) as client,
    ):
        task = progress.add_task("Asking Fingertips for the indicators", total=None)

        def advance(done: int, total: int, label: str) -> None:
            progress.update(task, completed=done, total=total, description=label)

        result = fetch_fingertips(
            store,
            profile=profile,
            indicators=ids,
            area_types=types,
            parent_area_type=parent_area_type,
            client=client,
            restart=restart,
            on_progress=advance,
        )
    typer.echo(result.summary())
