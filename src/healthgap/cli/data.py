"""``healthgap data fetch``, ``healthgap init`` and ``healthgap datasets``: the open data.

The heavy modules (DuckDB, Ibis, httpx) are imported inside the commands so that
``healthgap --help`` stays quick.
"""

from __future__ import annotations

import numbers
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from healthgap.cli._io import err_console, out_console
from healthgap.cli.main import app
from healthgap.cli.options import DataDirOption, MirrorOption, StoreOption, out_option
from healthgap.formatting import cell, number
from healthgap.safe_csv import csv_text, to_csv

if TYPE_CHECKING:
    from healthgap.data.fetch import FetchResult
    from healthgap.data.store import Loaded

data_app = typer.Typer(
    help="Get the open data the store is built from (publishers or a mirror).",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")

DatasetOption = Annotated[
    list[str] | None,
    typer.Option("--dataset", "-d", help="A catalogue id; repeat for several. Default: all."),
]


@data_app.command("fetch")
def fetch_command(
    mirror: MirrorOption = None,
    data_dir: DataDirOption = None,
    dataset: DatasetOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Fetch again even if the local copy is current.")
    ] = False,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for each download.", min=1.0)
    ] = 60.0,
) -> None:
    """Copy (--mirror) or download the catalogue's files, verified by SHA-256."""
    from healthgap.data import paths
    from healthgap.data.fetch import FetchError, fetch

    destination = paths.data_dir(data_dir)
    source = paths.mirror(mirror)
    where = f"mirror {source}" if source is not None else "the publishers"
    err_console.print(f"Fetching into {destination} from {where}")

    def report(r: FetchResult) -> None:
        style = {"unavailable": "yellow", "up to date": "dim"}.get(r.status, "green")
        err_console.print(f"  {r.status:<11} {r.dataset}", style=style, markup=False)

    results = fetch(
        dataset, data_dir=destination, mirror=source, force=force, timeout=timeout, on_result=report
    )
    missing = [r for r in results if r.status == "unavailable"]
    done = len(results) - len(missing)
    err_console.print(f"{done} of {len(results)} datasets are in {destination}.")
    if missing:
        ids = ", ".join(r.dataset for r in missing[:4]) + (" ..." if len(missing) > 4 else "")
        raise FetchError(
            f"every dataset must have a verifiable source; got {len(missing)} without one "
            f"({ids}): their mirror files are reshaped from the publishers' files, so no "
            "download address serves them. Fetch them from a mirror: "
            "healthgap data fetch --mirror DIR (or set HEALTHGAP_MIRROR)."
        )


@app.command("init")
def init_command(
    store: StoreOption = None,
    mirror: MirrorOption = None,
    data_dir: DataDirOption = None,
    dataset: DatasetOption = None,
) -> None:
    """Build the store from the open data (the data directory or a mirror), offline."""
    from healthgap.data import paths
    from healthgap.data.store import init_store, source_folder

    folder = source_folder(mirror, data_dir)
    location = paths.store_path(store, data_directory=data_dir)
    if location == paths.MEMORY:
        err_console.print("Building an in-memory store (it disappears when this command ends).")
    err_console.print(f"Building {location} from {folder}")
    start = time.perf_counter()
    total = 0

    def report(item: Loaded) -> None:
        nonlocal total
        total += item.rows
        err_console.print(
            f"  loaded {item.dataset.id:<30} {item.rows:>8,} rows  -> {item.dataset.table}",
            style="dim",
            markup=False,
        )

    count = 0

    def counted(item: Loaded) -> None:
        nonlocal count
        count += 1
        report(item)

    init_store(
        location,
        mirror=mirror,
        data_dir=data_dir,
        ids=dataset,
        on_loaded=counted,
        open_result=False,
    )
    err_console.print(
        f"Store ready: {count} datasets, {total:,} rows in {location} "
        f"({time.perf_counter() - start:.1f} s)."
    )


@app.command("datasets")
def datasets_command(
    store: StoreOption = None,
    data_dir: DataDirOption = None,
    catalogue: Annotated[
        bool,
        typer.Option("--catalogue", help="List the catalogue instead of what the store holds."),
    ] = False,
) -> None:
    """List the datasets loaded in the store, with source, period and licence."""
    if catalogue:
        from healthgap.data.catalogue import to_frame

        frame = to_frame()
        title = "healthgap catalogue"
        columns = ["id", "publisher", "title", "period", "licence", "rows", "file"]
    else:
        from healthgap.data.store import open_store

        with open_store(_store_path(store, data_dir)) as opened:
            frame = opened.datasets()
            title = f"Datasets in {opened.path}"
        columns = ["id", "publisher", "title", "period", "licence", "rows", "loaded_at"]
    table = Table(title=title, caption="Licences and attribution: docs/data.md.")
    for c in columns:
        table.add_column(c, no_wrap=c == "id", overflow="fold")
    for row in frame[columns].itertuples(index=False):
        table.add_row(*(_text(v) for v in row))
    # Piped output gets a wide table instead of one folded to 80 columns.
    console = out_console if out_console.is_terminal else Console(width=240, highlight=False)
    console.print(table)


def _store_path(store: str | None, data_dir: Path | None) -> str:
    from healthgap.data import paths

    return paths.store_path(store, data_directory=data_dir)


def _text(value: object) -> str:
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if isinstance(value, float):
        return number(value)
    return "" if value is None else str(value)


TextFilter = Annotated[
    list[str] | None, typer.Option(help="Keep these values; repeat for several.")
]


@app.command("query")
def query_command(
    indicator: Annotated[
        list[str] | None,
        typer.Option("--indicator", "-i", help="indicator_id; repeat for several."),
    ] = None,
    area_code: TextFilter = None,
    area_type: TextFilter = None,
    sex: TextFilter = None,
    period: TextFilter = None,
    source: TextFilter = None,
    store: StoreOption = None,
    data_dir: DataDirOption = None,
    out: Annotated[Path | None, out_option("Write the rows here (CSV or .parquet).")] = None,
    no_disclosure: Annotated[
        bool,
        typer.Option(
            "--no-disclosure",
            help="Write exact counts (for secure onward analysis only; never publish them).",
        ),
    ] = False,
) -> None:
    """Rows of the store's indicators table (Fingertips layout), filtered.

    Counts and denominators shown or written are protected by the default disclosure
    policy (1-7 withheld with the values derived from them, others rounded to 5) unless
    --no-disclosure is given.
    """
    from healthgap.data.disclosure import protect_table
    from healthgap.data.store import open_store
    from healthgap.errors import InputError

    with open_store(_store_path(store, data_dir)) as opened:
        expr = opened.indicators(
            indicator,
            area_code=area_code,
            area_type=area_type,
            sex=sex,
            period=period,
            source=source,
        )
        order = ["indicator_id", "area_type", "area_code", "sex", "period"]
        frame = opened.to_pandas(expr.order_by(order))
    if no_disclosure:
        err_console.print(
            "Exact counts (no disclosure control): do not publish them.", markup=False
        )
    else:
        frame = protect_table(frame)
    if out is None:
        if out_console.is_terminal:
            shown = frame.dropna(axis="columns", how="all")  # hide columns nobody filled
            table = Table(title=f"{len(frame)} indicator rows")
            for c in shown.columns:
                table.add_column(str(c))
            names = [str(c) for c in shown.columns]
            for row in shown.head(50).itertuples(index=False):
                table.add_row(*(cell(c, v) for c, v in zip(names, row, strict=True)))
            out_console.print(table)
        else:
            sys.stdout.write(csv_text(frame))
        return
    try:
        if out.suffix.lower() == ".parquet":
            frame.to_parquet(out, index=False)
        else:
            to_csv(frame, out)
    except OSError as exc:
        raise InputError(f"--out must be a writable path; got {str(out)!r} ({exc}).") from None
    err_console.print(f"Wrote {len(frame)} rows to {out}")
