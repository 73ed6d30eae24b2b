"""Loading validated indicator files into the store's ``indicators`` table.

:func:`import_indicator_file` reads a file with :func:`healthgap.data.importing.iter_indicator_file`
(which checks the whole file before yielding a row) and hands the tidy chunks to
:func:`load_indicators`, which writes them in one DuckDB transaction:

* **All or nothing.** Every chunk goes into a temporary staging table inside one
  transaction; the ``indicators`` table is changed only by the final upsert and the
  transaction is committed only when it has succeeded. A validation error, an exception
  or a killed process (``kill -9``) leaves the store exactly as it was: DuckDB replays
  only committed transactions from its write-ahead log.
* **A release replaces only its own dataset.** This is the loader of the *published*
  layer (e.g. a Fingertips indicator by ``healthgap import --fingertips``): a row whose
  key belongs to another dataset is refused, so one publisher's release never
  overwrites another's figures. Uploads go to the local layer instead
  (:mod:`healthgap.data.local`).
* **Upsert on the key.** Rows are matched on :data:`healthgap.data.layout.INDICATOR_KEY`
  (indicator, area code, area type, sex, age, category type, category, period; empty
  values match empty values). A row whose key is new is *added*; a row whose key exists
  with any other column different is *updated* (replaced); an identical row is
  *unchanged*. Re-importing a file therefore never creates duplicates.
* **Provenance.** Imported rows carry ``source_id`` (``import:<file name>`` unless given);
  the import is recorded in the ``datasets`` table (one row per ``source_id``, replaced
  on re-import) and new area codes are added to ``areas``.

The key is defined once, in :mod:`healthgap.data.layout`; file validation
(:data:`healthgap.data.schema.KEY_COLUMNS`) uses the same tuple, so any file that passes
validation loads without key clashes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from healthgap.data.importing import (
    DEFAULT_CHUNK_ROWS,
    Format,
    ImportReport,
    iter_indicator_file,
)
from healthgap.data.layout import (
    AREA_COLUMNS,
    DATASET_COLUMNS,
    INDICATOR_COLUMNS,
    INDICATOR_KEY,
    indicator_arrow,
)
from healthgap.data.sql import identifier
from healthgap.data.store import open_store
from healthgap.errors import InputError

__all__ = [
    "LoadResult",
    "import_indicator_file",
    "load_indicators",
    "table_checksum",
]

_STAGING = "_healthgap_import_staging"
_VALUE_COLUMNS: tuple[str, ...] = tuple(c for c in INDICATOR_COLUMNS if c not in INDICATOR_KEY)


@dataclass(frozen=True)
class LoadResult:
    """What one import did to the ``indicators`` table."""

    source_id: str
    rows: int
    added: int
    updated: int
    unchanged: int
    seconds: float
    store: str

    def summary(self) -> str:
        """One line: rows read and what happened to them."""
        return (
            f"{self.rows:,} rows from {self.source_id} into {self.store}: "
            f"{self.added:,} added, {self.updated:,} updated, {self.unchanged:,} unchanged "
            f"({self.seconds:.1f} s)"
        )


def _same(a: str, b: str, columns: Iterable[str]) -> str:
    """SQL: every column of ``a`` equals that of ``b`` (NULLs equal)."""
    return " AND ".join(
        f"{a}.{identifier(c)} IS NOT DISTINCT FROM {b}.{identifier(c)}" for c in columns
    )


def load_indicators(
    chunks: Iterable[pd.DataFrame],
    store: str | os.PathLike[str] | None = None,
    *,
    source_id: str,
    title: str | None = None,
    url: str | None = None,
    checksum: str | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> LoadResult:
    """Upsert tidy indicator chunks into the store's ``indicators`` table, atomically.

    Parameters
    ----------
    chunks
        Validated tidy frames (columns of :data:`healthgap.data.schema.TIDY_COLUMNS`),
        e.g. from :func:`~healthgap.data.importing.iter_indicator_file`. If iterating
        raises, nothing is written.
    store
        The store file (default ``$HEALTHGAP_STORE`` or the data directory's store); it
        must exist (``healthgap init``) and not be open for writing elsewhere.
    source_id
        Written to every row's ``source_id`` and to the ``datasets`` table.
    title, url, checksum
        Recorded in ``datasets`` (default: the source id, none, none).
    on_chunk
        Called with the number of rows of each chunk once it is staged (progress).

    Returns
    -------
    LoadResult
        Rows read, added, updated and unchanged.

    Raises
    ------
    InputError
        The store does not exist, is not a healthgap store, is locked by another
        writer, or the chunks repeat a key.

    Examples
    --------
    >>> import os, pytest, tempfile, pathlib
    >>> from healthgap.data.store import init_store
    >>> from healthgap.data.importing import read_indicator_file
    >>> mirror = os.environ.get("HEALTHGAP_MIRROR", "../shared/data")
    >>> if not os.path.isdir(mirror):
    ...     pytest.skip("the offline mirror is not present")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
    >>> init_store(path, mirror=mirror, ids=["ons_le_regions"]).close()
    >>> tidy = read_indicator_file("tests/data/fingertips_sample.csv")
    >>> load_indicators([tidy], path, source_id="sample").added
    8
    >>> load_indicators([tidy], path, source_id="sample").unchanged
    8
    """
    import duckdb

    if not isinstance(source_id, str) or not source_id.strip():
        raise InputError(
            f"source_id must be a non-empty text; got {source_id!r}. "
            "Use e.g. source_id='import:my_file.csv'."
        )
    start = time.perf_counter()
    opened = open_store(store, read_only=False)
    con: duckdb.DuckDBPyConnection = opened.backend.con
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            result = _upsert(con, chunks, source_id, title, url, checksum, on_chunk)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        opened.close()
    rows, added, updated, unchanged = result
    return LoadResult(
        source_id, rows, added, updated, unchanged, time.perf_counter() - start, opened.path
    )


def _upsert(
    con: Any,
    chunks: Iterable[pd.DataFrame],
    source_id: str,
    title: str | None,
    url: str | None,
    checksum: str | None,
    on_chunk: Callable[[int], None] | None,
) -> tuple[int, int, int, int]:
    ddl = ", ".join(f"{identifier(c)} {t}" for c, t in INDICATOR_COLUMNS.items())
    con.execute(f"CREATE TEMP TABLE {_STAGING} ({ddl})")
    cols = ", ".join(identifier(c) for c in INDICATOR_COLUMNS)
    rows = 0
    for chunk in chunks:
        arrow = indicator_arrow(chunk, source_id)
        con.register("_healthgap_incoming", arrow)
        try:
            con.execute(f"INSERT INTO {_STAGING} SELECT {cols} FROM _healthgap_incoming")
        finally:
            con.unregister("_healthgap_incoming")
        rows += len(chunk)
        if on_chunk is not None:
            on_chunk(len(chunk))
    key = ", ".join(identifier(c) for c in INDICATOR_KEY)
    repeated = con.execute(
        f"SELECT {key}, count(*) FROM {_STAGING} GROUP BY ALL HAVING count(*) > 1 LIMIT 1"
    ).fetchone()
    if repeated is not None:
        shown = dict(zip(INDICATOR_KEY, repeated[:-1], strict=True))
        raise InputError(
            f"the rows to import must have one row per {', '.join(INDICATOR_KEY)}; got "
            f"{repeated[-1]} rows for {shown}. Remove the repeated rows and import again."
        )
    on_key = _same("s", "i", INDICATOR_KEY)
    other = con.execute(
        f"SELECT i.source_id, count(*) FROM {_STAGING} s JOIN indicators i ON {on_key} "
        "WHERE i.source_id IS DISTINCT FROM s.source_id GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
    ).fetchone()
    if other is not None:
        raise InputError(
            f"a dataset must replace only its own rows; got {other[1]:,} rows of "
            f"{source_id!r} whose indicator, area, sex, age, category and period belong to "
            f"the published dataset {other[0]!r}. Published data change only with a newer "
            f"release of the same dataset (source_id {other[0]!r}); to add your own values "
            "beside them, upload a local dataset (`healthgap import FILE`)."
        )
    same_values = _same("s", "i", _VALUE_COLUMNS)
    added, updated, unchanged = con.execute(
        f"SELECT count(*) FILTER (WHERE i._m IS NULL), "
        f"count(*) FILTER (WHERE i._m IS NOT NULL AND NOT ({same_values})), "
        f"count(*) FILTER (WHERE i._m IS NOT NULL AND ({same_values})) "
        f"FROM {_STAGING} s LEFT JOIN (SELECT 1 AS _m, * FROM indicators) i ON {on_key}"
    ).fetchone()
    if updated:
        con.execute(
            f"DELETE FROM indicators i USING {_STAGING} s WHERE {on_key} AND NOT ({same_values})"
        )
    if added or updated:
        con.execute(
            f"INSERT INTO indicators SELECT {cols} FROM {_STAGING} s WHERE NOT EXISTS "
            f"(SELECT 1 FROM indicators i WHERE {on_key})"
        )
    _record(con, source_id, rows, title, url, checksum)
    con.execute(f"DROP TABLE {_STAGING}")
    return rows, int(added), int(updated), int(unchanged)


def _record(
    con: Any,
    source_id: str,
    rows: int,
    title: str | None,
    url: str | None,
    checksum: str | None,
) -> None:
    """Record the import in ``datasets`` and add its new areas to ``areas``."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    con.execute("DELETE FROM datasets WHERE id = ?", [source_id])
    values = {
        "id": source_id,
        "title": title or source_id,
        "publisher": None,
        "period": None,
        "licence": None,
        "attribution": None,
        "table_name": "indicators",
        "file": None,
        "url": url,
        "loaded_at": now,
        "rows": rows,
        "checksum": checksum,
    }
    placeholders = ", ".join("?" for _ in DATASET_COLUMNS)
    con.execute(
        f"INSERT INTO datasets VALUES ({placeholders})", [values[c] for c in DATASET_COLUMNS]
    )
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "areas" in tables:
        area_cols = ", ".join(identifier(c) for c in AREA_COLUMNS)
        con.execute(
            f"INSERT INTO areas ({area_cols}) SELECT area_code, any_value(area_name), "
            f"area_type, NULL FROM {_STAGING} s WHERE area_name IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM areas a WHERE a.code = s.area_code "
            "AND a.type IS NOT DISTINCT FROM s.area_type) GROUP BY area_code, area_type"
        )


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_indicator_file(
    path: str | os.PathLike[str],
    store: str | os.PathLike[str] | None = None,
    *,
    format: Format | None = None,
    source_id: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    on_validated: Callable[[ImportReport], None] | None = None,
    on_chunk: Callable[[int], None] | None = None,
    title: str | None = None,
    url: str | None = None,
    **read_options: Any,
) -> LoadResult:
    """Validate an indicator file and upsert it into the store, all or nothing.

    Parameters
    ----------
    path
        A Fingertips "all data" CSV, a tidy CSV, Parquet or Excel file (see
        :func:`~healthgap.data.importing.read_indicator_file`).
    store
        The store file (see :func:`load_indicators`).
    format
        ``"fingertips"``, ``"csv"``, ``"parquet"`` or ``"excel"``; default from the suffix.
    source_id
        Default ``import:<file name>``.
    chunk_rows
        Rows validated and staged at a time.
    on_validated, on_chunk
        Progress callbacks: the validation report, then each staged chunk's row count.
    title, url
        Recorded in ``datasets``; default ``Imported from <file name>`` and the file's URI.
    **read_options
        Passed to :func:`~healthgap.data.importing.iter_indicator_file` (``encoding``,
        ``delimiter``, ``sheet``, ``known_area_codes``, ``non_gss_area_types``,
        ``max_examples``).

    Raises
    ------
    IndicatorFileError
        The file breaks the indicator layout (nothing is written).
    InputError
        The store cannot be written.

    Examples
    --------
    >>> import os, pytest, tempfile, pathlib
    >>> from healthgap.data.store import init_store
    >>> mirror = os.environ.get("HEALTHGAP_MIRROR", "../shared/data")
    >>> if not os.path.isdir(mirror):
    ...     pytest.skip("the offline mirror is not present")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
    >>> init_store(path, mirror=mirror, ids=["ons_le_regions"]).close()
    >>> print(import_indicator_file("tests/data/fingertips_sample.csv", path).summary()[:62])
    8 rows from import:fingertips_sample.csv into /tmp/...
    """
    file = Path(path)
    sid = source_id if source_id is not None else f"import:{file.name}"
    chunks = iter_indicator_file(
        file, format, chunk_rows=chunk_rows, on_validated=on_validated, **read_options
    )
    # The whole file is checked when the first chunk is asked for: do that before the
    # store is opened, so a bad file never takes the store's write lock.
    start = time.perf_counter()
    first = next(chunks, None)
    checksum = sha256_file(file) if file.is_file() else None
    result = load_indicators(
        itertools.chain([] if first is None else [first], chunks),
        store,
        source_id=sid,
        title=title or f"Imported from {file.name}",
        url=url or (file.resolve().as_uri() if file.is_file() else None),
        checksum=checksum,
        on_chunk=on_chunk,
    )
    return dataclasses.replace(result, seconds=time.perf_counter() - start)


def table_checksum(
    store: str | os.PathLike[str] | None, table: str = "indicators"
) -> tuple[int, int]:
    """``(rows, checksum)`` of a store table, independent of row order (for tests/audits).

    The checksum sums a 64-bit hash of every whole row, so any added, removed or changed
    row changes it (with overwhelming probability).
    """
    opened = open_store(store, read_only=True)
    try:
        names = opened.tables()
        if table not in names:
            raise InputError(f"table must be one of the store's tables; got {table!r}.")
        row = opened.backend.con.execute(
            "SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR "
            f"FROM {identifier(table)} t"
        ).fetchone()
    finally:
        opened.close()
    return int(row[0]), int(row[1])
