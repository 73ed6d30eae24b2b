"""Typer options shared by the commands, so each is spelt one way with one meaning.

Every command module imports its ``--store``, ``--db``, ``--out``, ``--mirror`` and
``--data-dir`` from here:

* ``--store``: the analytical store (DuckDB file); default ``$HEALTHGAP_STORE``, else
  ``healthgap.duckdb`` in the data directory (:func:`healthgap.data.paths.store_path`).
* ``--db``: the **app database** (accounts, targets, decisions, places, the framework
  workspace...), a SQLAlchemy URL or an SQLite file path (read by one rule,
  :func:`healthgap.appdb.db.db_url`); default :func:`app_db_url` (``$HEALTHGAP_DB``, else
  ``healthgap-app.db`` in the data directory), the same one the web service uses.
  ``--app-db`` is the old spelling and still works.
* ``--out``: the file a command writes instead of printing.
* ``--mirror`` / ``--data-dir``: where open data is read from and kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="The store file. Default: $HEALTHGAP_STORE, else healthgap.duckdb in the data "
        "directory.",
        show_default=False,
    ),
]

#: The help every ``--db`` shares; commands that read it only for one thing say so after.
DB_HELP = (
    "The app database: a SQLAlchemy URL (sqlite:///FILE or postgresql+psycopg://...) or an "
    "SQLite file path. Default: $HEALTHGAP_DB, else healthgap-app.db in the data directory "
    "(the web service's)."
)


def db_option(*old_spellings: str, help: str = DB_HELP) -> Any:
    """The ``--db`` option (with ``--app-db`` and any older spellings a command had)."""
    return typer.Option("--db", "--app-db", *old_spellings, help=help, show_default=False)


DbOption = Annotated[str | None, db_option()]


def out_option(help: str = "Write the table to this file (CSV) instead of printing it.") -> Any:
    """The ``--out``/``-o`` option; ``help`` says what the command writes."""
    return typer.Option("--out", "-o", help=help, show_default=False)


OutOption = Annotated[Path | None, out_option()]
MirrorOption = Annotated[
    str | None,
    typer.Option(
        "--mirror",
        help="A local mirror folder (or http(s):// address) laid out like the catalogue. "
        "Default: $HEALTHGAP_MIRROR.",
        show_default=False,
    ),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="The local data directory. Default: $HEALTHGAP_DATA_DIR, else a per-user folder.",
        show_default=False,
    ),
]


def app_db_url(db: str | None) -> str:
    """The app database a command works on, as a URL: ``--db`` (a URL, or a file path
    read by :func:`healthgap.appdb.db.db_url`), else the one every face uses
    (:func:`healthgap.appdb.db.default_db_url`)."""
    from healthgap.appdb.db import db_url, default_db_url

    return db_url(db) if db else default_db_url()


InputPath = Annotated[Path, typer.Argument(help="Input table: CSV (any delimiter) or Parquet.")]
OutPath = Annotated[Path | None, out_option("Write the result here (CSV or .parquet).")]
GroupBy = Annotated[
    list[str] | None,
    typer.Option("--group-by", "-g", help="Column defining groups; repeat for several."),
]
Confidence = Annotated[
    list[float] | None,
    typer.Option(help="Confidence level: 0.95 or 95; repeat for several. Default 0.95 and 0.998."),
]
Multiplier = Annotated[float, typer.Option(help="Scale, e.g. 100000 for 'per 100,000'.")]
OnInvalid = Annotated[
    str,
    typer.Option(
        "--on-invalid",
        help="'raise' (default): stop on text, negative or infinite values. 'suppress': "
        "suppress the groups holding them, with the reason, and compute the rest.",
    ),
]
OpenFrom = Annotated[
    int,
    typer.Option(
        "--open-from",
        help="Start of the open age band when ages are band starts (default 90). "
        "Labels such as '85+' declare their own.",
    ),
]


def levels(confidence: list[float] | None) -> tuple[float, ...]:
    return tuple(confidence) if confidence else (0.95, 0.998)
