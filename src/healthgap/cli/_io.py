"""Reading and writing the tables the CLI works on, with plain-language errors."""

from __future__ import annotations

import csv
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from healthgap.errors import InputError
from healthgap.formatting import cell, column_title
from healthgap.safe_csv import csv_text, to_csv
from healthgap.stats.results import StatResult

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (or Parquet) file; any failure becomes an :class:`InputError`."""
    if not path.exists():
        raise InputError(f"input file must exist; got {str(path)!r}. Check the path.")
    if path.is_dir():
        raise InputError(f"input must be a file; got the folder {str(path)!r}.")
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise InputError(f"{path.name} must have a header row and data; got an empty file.")
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, sep=None, engine="python", encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path.name} must be UTF-8 text; got bytes that are not (at byte {exc.start}). "
            "Save the file as 'CSV UTF-8' from your spreadsheet program."
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(
            f"{path.name} must have a header row and data; got an empty file."
        ) from None
    except (pd.errors.ParserError, csv.Error, ValueError, OSError) as exc:
        raise InputError(f"{path.name} must be a readable CSV file; got: {exc}") from None


def write_or_show(result: StatResult | pd.DataFrame, out: Path | None) -> None:
    """Write the table to ``out`` (CSV or Parquet), or print it when no file is given.

    ``result`` is a :class:`StatResult`, or a plain pandas frame for row-level outputs
    (e.g. the input rows with a ``quantile`` column), which have no summary to show.
    """
    table = result.to_pandas() if isinstance(result, StatResult) else result
    if out is None:
        if out_console.is_terminal:
            show(result)
        else:  # piped: plain CSV that the next program can read
            sys.stdout.write(csv_text(table))
        return
    try:
        if out.suffix.lower() == ".parquet":
            table.to_parquet(out, index=False)
        else:
            to_csv(table, out)
    except OSError as exc:
        raise InputError(f"--out must be a writable path; got {str(out)!r} ({exc}).") from None
    err_console.print(f"Wrote {len(table)} rows to {out}")
    if isinstance(result, StatResult):
        err_console.print(result.summary(), style="dim")


def show(result: StatResult | pd.DataFrame, max_rows: int = 50) -> None:
    """Print ``result`` as a table for a reader (:func:`healthgap.formatting.cell`): money
    held in pence as pounds, percentages with ``%``, counts and numbers with thousands
    separators and 4 significant figures; numeric columns right-aligned. Files written
    with ``--out`` and piped CSV keep the exact values."""
    if isinstance(result, StatResult):
        table = result.to_pandas()
        rich_table = Table(title=result.statistic, caption=f"method: {result.method}")
    else:
        table = result
        rich_table = Table()
    columns = [str(c) for c in table.columns]
    for c in columns:
        numeric = pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(
            table[c]
        )
        rich_table.add_column(column_title(c), justify="right" if numeric else "left")
    for row in table.head(max_rows).itertuples(index=False):
        rich_table.add_row(*(cell(c, v) for c, v in zip(columns, row, strict=True)))
    out_console.print(rich_table)
    if len(table) > max_rows:
        out_console.print(f"... {len(table) - max_rows} more rows; use --out FILE to save all.")


@contextmanager
def warnings_to_console() -> Iterator[None]:
    """Show warnings as one plain line each instead of Python's warning format."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        err_console.print(f"Warning: {w.message}", style="yellow")


def run_statistic(
    fn: Callable[..., StatResult | pd.DataFrame], input_path: Path, out: Path | None, **kwargs: Any
) -> None:
    """Read the input, call the statistic, write or show the result."""
    data = read_table(input_path)
    with warnings_to_console():
        result = fn(data, **kwargs)
    write_or_show(result, out)


#: ``--on YYYY-MM-DD``: the date strategic-authority membership is taken on.
OnOption = Annotated[
    str | None,
    typer.Option(
        "--on",
        help="Take strategic-authority membership on this date (YYYY-MM-DD), e.g. "
        "2024-05-01 for an authority's councils before a change. Default: today.",
        show_default=False,
    ),
]


def membership_on(on: str | None) -> Any:
    """``--on`` as a date (``None`` for today); a clear error for a bad date."""
    if on is None:
        return None
    from healthgap.geography.authorities import membership_date

    return membership_date(on)


@contextmanager
def app_engine(db: str | None) -> Iterator[Any]:
    """The app database's engine (``--db``, else the default app database:
    :func:`healthgap.cli.options.app_db_url`), disposed of afterwards."""
    from healthgap.appdb.db import init_db
    from healthgap.cli.options import app_db_url

    engine = init_db(app_db_url(db))
    try:
        yield engine
    finally:
        engine.dispose()
