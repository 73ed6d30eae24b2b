"""Local datasets: uploads owned by an authority, kept apart from the published data.

The store has two layers:

* **Published** (``indicators``, ``areas``, ``datasets`` and the lookups): loaded by
  ``healthgap init`` / ``data fetch`` from official publishers, with provenance. They are
  read-only to everyone; a published dataset is replaced only by a newer release of
  itself (:func:`healthgap.data.loading.load_indicators` refuses rows of another dataset).
* **Local** (``local_indicators``, ``local_datasets``): every upload is one dataset with
  its owner authority (``None`` for an administrator's upload for all areas), uploader,
  time, file checksum, row count and scope. Local rows never replace a published value:
  pages put the two side by side, each labelled with its source (:func:`local_values`).
  A local dataset is withdrawn whole (:func:`withdraw_local_dataset`), which deletes its
  rows and marks it withdrawn, restoring exactly what was there before.

An upload is handled in two steps so that the store is held only for the write:

1. :func:`prepare_local_file` checks the whole file (the importer's rules), refuses it
   whole when any row names an area outside the uploader's footprint, and stages the
   typed rows in a Parquet file. It touches no store.
2. :func:`commit_local_dataset` inserts the staged rows, the ``local_datasets`` row and
   an ``audit_outbox`` row in **one** DuckDB transaction: all three are there or none is.

The audit log lives in the app database, which cannot share a transaction with DuckDB;
``audit_outbox`` holds each change's audit entry until :func:`deliver_audit` has written
it to the app database (idempotently: an entry already there is not written twice) and
marked it delivered. The web app delivers after each write and at start-up, so a
process killed between the two commits loses nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthgap.data.importing import (
    DEFAULT_CHUNK_ROWS,
    Format,
    ImportReport,
    iter_indicator_file,
)
from healthgap.data.layout import INDICATOR_COLUMNS, indicator_arrow
from healthgap.data.problems import IndicatorFileError, ProblemLog
from healthgap.data.sql import identifier
from healthgap.errors import ConflictError, HealthgapError, InputError, NotFoundError

__all__ = [
    "LOCAL_DATASET_COLUMNS",
    "LocalDataset",
    "NotOwnerError",
    "PreparedFile",
    "Uploader",
    "commit_local_dataset",
    "deliver_audit",
    "ensure_local_tables",
    "kill_point",
    "local_datasets",
    "local_values",
    "pending_audit",
    "prepare_apart",
    "prepare_local_file",
    "withdraw_local_dataset",
]

#: One row per upload.
LOCAL_DATASET_COLUMNS: dict[str, str] = {
    "id": "VARCHAR",
    "title": "VARCHAR",
    "file": "VARCHAR",
    "format": "VARCHAR",
    "owner_authority": "VARCHAR",
    "scope": "VARCHAR",
    "uploaded_by": "VARCHAR",
    "uploaded_at": "TIMESTAMP",
    "checksum": "VARCHAR",
    "rows": "BIGINT",
    "status": "VARCHAR",
    "withdrawn_by": "VARCHAR",
    "withdrawn_at": "TIMESTAMP",
}
#: Audit entries waiting to be written to the app database.
OUTBOX_COLUMNS: dict[str, str] = {
    "id": "VARCHAR",
    "recorded_at": "TIMESTAMP",
    "user_email": "VARCHAR",
    "action": "VARCHAR",
    "entity": "VARCHAR",
    "entity_id": "VARCHAR",
    "authority_code": "VARCHAR",
    "before_json": "VARCHAR",
    "after_json": "VARCHAR",
    "delivered_at": "TIMESTAMP",
}
#: The tables (and sequence) of the local layer; ``init`` carries them into a new store.
LOCAL_TABLES: tuple[str, ...] = ("local_datasets", "local_indicators", "audit_outbox")
SEQUENCE = "local_dataset_ids"
#: The entity name local datasets have in the audit log.
ENTITY = "local_dataset"
ALL_AREAS = "all areas (administrator)"
#: Rows named when a file is refused for its areas.
MAX_SHOWN = 20


class NotOwnerError(HealthgapError):
    """A local dataset is changed by someone who neither owns it nor administers."""


def kill_point(name: str) -> None:
    """A named moment of a write, for the kill -9 tests.

    When ``$HEALTHGAP_KILL_POINT`` names this moment the process prints
    ``kill-point <name>`` and waits to be killed; otherwise this does nothing.
    """
    if os.environ.get("HEALTHGAP_KILL_POINT") == name:
        print(f"kill-point {name}", flush=True)
        import time

        time.sleep(600)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _ddl(columns: dict[str, str]) -> str:
    return ", ".join(f"{identifier(c)} {t}" for c, t in columns.items())


def ensure_local_tables(con: Any) -> None:
    """Create the local layer's tables in a store opened for writing (if missing)."""
    con.execute(f"CREATE TABLE IF NOT EXISTS local_datasets ({_ddl(LOCAL_DATASET_COLUMNS)})")
    con.execute(f"CREATE TABLE IF NOT EXISTS local_indicators ({_ddl(INDICATOR_COLUMNS)})")
    con.execute(f"CREATE TABLE IF NOT EXISTS audit_outbox ({_ddl(OUTBOX_COLUMNS)})")
    con.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} START 1")


def _has_local_tables(con: Any) -> bool:
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    return set(LOCAL_TABLES) <= names


# ----------------------------------------------------------------------------- uploading


@dataclass(frozen=True)
class Uploader:
    """Who uploads, for which authority, and which areas they may upload rows for.

    ``authority_code`` is the owner (``None``: an administrator's upload for all areas);
    ``footprint`` the area codes inside the owner's footprint (``None``: any area).
    """

    email: str
    authority_code: str | None
    footprint: frozenset[str] | None = None
    is_admin: bool = False

    @property
    def scope(self) -> str:
        if self.authority_code is None:
            return ALL_AREAS
        if self.footprint is None:
            return f"any area (uploaded for {self.authority_code} by an administrator)"
        return f"areas inside {self.authority_code}"


@dataclass(frozen=True)
class PreparedFile:
    """A checked upload staged as Parquet, ready for :func:`commit_local_dataset`."""

    staged: Path
    file: str
    format: str
    checksum: str
    rows: int
    report: ImportReport | None = field(default=None, compare=False)


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare_local_file(
    path: str | os.PathLike[str],
    uploader: Uploader,
    staging_dir: str | os.PathLike[str],
    *,
    format: Format | None = None,
    name: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    on_validated: Callable[[ImportReport], None] | None = None,
    on_chunk: Callable[[int], None] | None = None,
    **read_options: Any,
) -> PreparedFile:
    """Check an upload whole and stage its rows as Parquet in ``staging_dir``.

    Raises :class:`~healthgap.data.problems.IndicatorFileError` for a file that breaks
    the indicator layout, or that has any row for an area outside the uploader's
    footprint (the rows are named; nothing is staged).
    """
    import pyarrow.parquet as pq

    file = Path(path)
    shown = name or file.name
    reports: list[ImportReport] = []

    def validated(report: ImportReport) -> None:
        reports.append(report)
        if on_validated is not None:
            on_validated(report)

    chunks = iter_indicator_file(
        file,
        format,
        chunk_rows=chunk_rows,
        on_validated=validated,
        keep_positions=True,
        **read_options,
    )
    staged = Path(staging_dir) / f"healthgap-staged-{uuid.uuid4().hex}.parquet"
    where = "line"
    log = ProblemLog(where, MAX_SHOWN)
    rows = 0
    writer = None
    try:
        for chunk in chunks:
            where = {"excel": "row", "parquet": "record"}.get(reports[0].format, "line")
            log.where = where
            if uploader.footprint is not None:
                outside = ~chunk["area_code"].isin(uploader.footprint).to_numpy(dtype=bool)
                if outside.any():
                    log.add(
                        f"area_code must be an area inside {uploader.authority_code}'s "
                        "footprint (the authority, its councils and their LSOAs)",
                        f"Remove the rows for other areas, or ask an administrator to upload "
                        f"them; an editor of {uploader.authority_code} may upload rows only "
                        "for its own areas.",
                        chunk.index.to_numpy(dtype=np.int64)[outside],
                        "area_code",
                        chunk["area_code"].to_numpy()[outside],
                    )
            if log:
                continue  # keep counting the rows that are outside; stage nothing more
            table = indicator_arrow(chunk, "")
            if writer is None:
                writer = pq.ParquetWriter(staged, table.schema)
            writer.write_table(table)
            rows += len(chunk)
            if on_chunk is not None:
                on_chunk(len(chunk))
            kill_point("staged")
    except BaseException:
        if writer is not None:
            writer.close()
        staged.unlink(missing_ok=True)
        raise
    if writer is not None:
        writer.close()
    if log:
        staged.unlink(missing_ok=True)
        raise IndicatorFileError(log.message(shown, "Nothing was imported."), log, shown)
    return PreparedFile(
        staged=staged,
        file=shown,
        format=reports[0].format if reports else str(format),
        checksum=_sha256(file),
        rows=rows,
        report=reports[0] if reports else None,
    )


#: Uploads larger than this, uncompressed, are parsed in a worker process (see
#: :func:`prepare_apart`).
PARSE_APART_BYTES = 2_000_000
_WORKERS: Any = None


def unpacked_size(path: str | os.PathLike[str]) -> int:
    """How many bytes the file holds once unpacked: the data pages of a Parquet file
    (at least 8 bytes a cell) and the members of an .xlsx (zip) file uncompressed, the
    size of anything else.

    Parsing costs what the data hold, not what the file weighs on disk: a million
    repetitive rows compress to under 1 MB of Parquet. A file that cannot be read
    as it claims counts by its size (its parse reports what is wrong)."""
    size = Path(path).stat().st_size
    with open(path, "rb") as fh:
        magic = fh.read(4)
    try:
        if magic == b"PAR1":
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path).metadata
            pages = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
            # dictionary-encoded pages stay small: count every cell as at least 8 bytes
            return max(size, pages, meta.num_rows * meta.num_columns * 8)
        if magic == b"PK\x03\x04":
            import zipfile

            with zipfile.ZipFile(path) as z:
                return max(size, sum(i.file_size for i in z.infolist()))
    except Exception:  # not what it claims: the parse says so
        return size
    return size


def prepare_apart(
    path: str | os.PathLike[str],
    uploader: Uploader,
    staging_dir: str | os.PathLike[str],
    **options: Any,
) -> PreparedFile:
    """:func:`prepare_local_file` in a worker process for a file over
    :data:`PARSE_APART_BYTES` once unpacked (:func:`unpacked_size`; in this thread for a
    smaller one).

    A server uses this so that parsing a large upload does not compete with its
    readers for the interpreter lock, and yields the CPU to them (the worker runs at
    nice 10): the worker checks and stages the file, and only the final insert
    (DuckDB, which releases the lock) runs in the server process.
    """
    global _WORKERS
    if unpacked_size(path) <= PARSE_APART_BYTES:
        return prepare_local_file(path, uploader, staging_dir, **options)
    if _WORKERS is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        _WORKERS = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_follow_parent,
            initargs=(os.getpid(),),
        )
        import atexit

        # stopped before the interpreter tears its modules down (else its manager thread
        # reports "Exception ignored ... 'NoneType' object has no attribute 'util'")
        atexit.register(_WORKERS.shutdown, wait=False, cancel_futures=True)
    future = _WORKERS.submit(prepare_local_file, path, uploader, staging_dir, **options)
    prepared: PreparedFile = future.result()
    return prepared


def _follow_parent(parent: int) -> None:
    """In the worker: run at a lower CPU priority than the server (its readers come
    first), and exit as soon as the server that started it is gone (even by ``kill -9``,
    which gives it no chance to stop its workers)."""
    import contextlib
    import threading
    import time

    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="healthgap-follow-parent").start()


@dataclass(frozen=True)
class LocalDataset:
    """One local dataset as recorded in ``local_datasets``."""

    id: str
    title: str
    file: str
    format: str
    owner_authority: str | None
    scope: str
    uploaded_by: str
    uploaded_at: dt.datetime
    checksum: str
    rows: int
    status: str
    withdrawn_by: str | None = None
    withdrawn_at: dt.datetime | None = None

    def audit_view(self) -> dict[str, Any]:
        """The dataset as the audit log keeps it (JSON-friendly)."""
        out: dict[str, Any] = {}
        for c in LOCAL_DATASET_COLUMNS:
            v = getattr(self, c)
            out[c] = v.isoformat() if isinstance(v, dt.datetime) else v
        return out


@contextmanager
def _transaction(con: Any) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    kill_point("before-commit")
    con.execute("COMMIT")


def _outbox(
    con: Any,
    user_email: str,
    action: str,
    entity_id: str,
    authority_code: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    con.execute(
        f"INSERT INTO audit_outbox VALUES ({', '.join('?' for _ in OUTBOX_COLUMNS)})",
        [
            uuid.uuid4().hex,
            _now(),
            user_email,
            action,
            ENTITY,
            entity_id,
            authority_code,
            None if before is None else json.dumps(before, sort_keys=True),
            None if after is None else json.dumps(after, sort_keys=True),
            None,
        ],
    )


def _dataset(con: Any, dataset_id: str) -> LocalDataset | None:
    cols = ", ".join(identifier(c) for c in LOCAL_DATASET_COLUMNS)
    row = con.execute(f"SELECT {cols} FROM local_datasets WHERE id = ?", [dataset_id]).fetchone()
    return None if row is None else LocalDataset(*row)


def commit_local_dataset(
    con: Any, prepared: PreparedFile, uploader: Uploader, *, title: str | None = None
) -> LocalDataset:
    """Write a prepared upload as a new local dataset, in one transaction with its audit.

    ``con`` is a DuckDB connection to the store, open for writing. The same file uploaded
    again by the same owner while the first is active is refused.
    """
    ensure_local_tables(con)
    cols = ", ".join(identifier(c) for c in INDICATOR_COLUMNS)
    with _transaction(con):
        again = con.execute(
            "SELECT id, uploaded_at FROM local_datasets WHERE checksum = ? AND status = 'active' "
            "AND owner_authority IS NOT DISTINCT FROM ?",
            [prepared.checksum, uploader.authority_code],
        ).fetchone()
        if again is not None:
            raise InputError(
                f"the file must not be uploaded twice; got {prepared.file} with the same "
                f"content as local dataset {again[0]} (uploaded {again[1]:%d %B %Y %H:%M}). "
                "Withdraw that dataset first to replace it."
            )
        (number,) = con.execute(f"SELECT nextval('{SEQUENCE}')").fetchone()
        dataset_id = f"local-{int(number):05d}"
        select = ", ".join("?" if c == "source_id" else identifier(c) for c in INDICATOR_COLUMNS)
        con.execute(
            f"INSERT INTO local_indicators ({cols}) SELECT {select} FROM read_parquet(?)",
            [dataset_id, str(prepared.staged)],
        )
        kill_point("rows-inserted")
        dataset = LocalDataset(
            id=dataset_id,
            title=title or f"Uploaded from {prepared.file}",
            file=prepared.file,
            format=prepared.format,
            owner_authority=uploader.authority_code,
            scope=uploader.scope,
            uploaded_by=uploader.email,
            uploaded_at=_now(),
            checksum=prepared.checksum,
            rows=prepared.rows,
            status="active",
        )
        values = [getattr(dataset, c) for c in LOCAL_DATASET_COLUMNS]
        con.execute(f"INSERT INTO local_datasets VALUES ({', '.join('?' for _ in values)})", values)
        _outbox(
            con,
            uploader.email,
            "import",
            dataset_id,
            uploader.authority_code,
            None,
            dataset.audit_view(),
        )
    kill_point("committed")
    return dataset


def withdraw_local_dataset(
    con: Any, dataset_id: str, actor: Uploader
) -> tuple[LocalDataset, LocalDataset]:
    """Withdraw a local dataset: delete its rows and mark it withdrawn, with its audit.

    Only its owner authority's editors and administrators may; returns (before, after).
    """
    ensure_local_tables(con)
    with _transaction(con):
        before = _dataset(con, dataset_id)
        if before is None:
            raise NotFoundError(
                f"dataset must be a local dataset in the store; got {dataset_id!r}. "
                "See the local datasets listed on /sources."
            )
        if not actor.is_admin and actor.authority_code != before.owner_authority:
            owner = before.owner_authority or "administrators"
            raise NotOwnerError(
                f"a local dataset must be withdrawn by its owner ({owner}) or an "
                f"administrator; got {actor.email} of {actor.authority_code}."
            )
        if before.status != "active":
            raise ConflictError(
                f"dataset {dataset_id} must be active to be withdrawn; got one withdrawn "
                f"by {before.withdrawn_by} on {before.withdrawn_at:%d %B %Y %H:%M}."
            )
        con.execute("DELETE FROM local_indicators WHERE source_id = ?", [dataset_id])
        now = _now()
        con.execute(
            "UPDATE local_datasets SET status = 'withdrawn', withdrawn_by = ?, "
            "withdrawn_at = ? WHERE id = ?",
            [actor.email, now, dataset_id],
        )
        after = dataclasses.replace(
            before, status="withdrawn", withdrawn_by=actor.email, withdrawn_at=now
        )
        _outbox(
            con,
            actor.email,
            "withdraw",
            dataset_id,
            actor.authority_code,
            before.audit_view(),
            after.audit_view(),
        )
    return before, after


# ----------------------------------------------------------------------------- the audit outbox


@dataclass(frozen=True)
class OutboxEntry:
    """An audit entry waiting in the store for the app database."""

    id: str
    at: dt.datetime
    user_email: str
    action: str
    entity: str
    entity_id: str
    authority_code: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def pending_audit(con: Any) -> list[OutboxEntry]:
    """Audit entries not yet delivered to the app database, oldest first."""
    if not _has_local_tables(con):
        return []
    rows = con.execute(
        "SELECT id, recorded_at, user_email, action, entity, entity_id, authority_code, "
        "before_json, after_json FROM audit_outbox WHERE delivered_at IS NULL "
        # times are to the second and ids random: within a second, the order written
        "ORDER BY recorded_at, rowid"
    ).fetchall()
    return [
        OutboxEntry(
            id=r[0],
            at=r[1],
            user_email=r[2],
            action=r[3],
            entity=r[4],
            entity_id=r[5],
            authority_code=r[6],
            before=None if r[7] is None else json.loads(r[7]),
            after=None if r[8] is None else json.loads(r[8]),
        )
        for r in rows
    ]


def deliver_audit(con: Any, deliver: Callable[[OutboxEntry], None]) -> int:
    """Hand each pending entry to ``deliver`` (which must commit it to the app database
    and skip one already there), then mark it delivered. Returns the number handed over."""
    entries = pending_audit(con)
    for entry in entries:
        deliver(entry)
        kill_point("audit-delivered")
        con.execute("UPDATE audit_outbox SET delivered_at = ? WHERE id = ?", [_now(), entry.id])
    return len(entries)


# ----------------------------------------------------------------------------- reading


def local_datasets(con: Any, *, include_withdrawn: bool = True) -> pd.DataFrame:
    """The ``local_datasets`` table, newest first (empty in a store without uploads)."""
    cols = list(LOCAL_DATASET_COLUMNS)
    if not _has_local_tables(con):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    where = "" if include_withdrawn else " WHERE status = 'active'"
    select = ", ".join(identifier(c) for c in cols)
    frame: pd.DataFrame = con.execute(
        f"SELECT {select} FROM local_datasets{where} ORDER BY uploaded_at DESC, id DESC"
    ).df()
    return frame


#: Columns of :func:`local_values`.
LOCAL_VALUE_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "indicator_name",
    "sex",
    "age",
    "category",
    "period",
    "local_value",
    "local_lower_95_0",
    "local_upper_95_0",
    "dataset",
    "file",
    "owner",
    "uploaded_by",
    "uploaded_at",
    "published_value",
    "published_source",
)


def local_values(con: Any, area_code: str) -> pd.DataFrame:
    """An area's local values beside the published value for the same key, if any.

    One row per local row of an active dataset: ``local_value`` with its dataset, owner
    and uploader, and ``published_value`` with ``published_source`` (the published
    dataset's id) where the published data hold the same indicator, sex, age, category
    and period for the area.
    """
    if not _has_local_tables(con):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LOCAL_VALUE_COLUMNS})
    same = " AND ".join(
        f"p.{c} IS NOT DISTINCT FROM l.{c}"
        for c in ("indicator_id", "area_code", "sex", "age", "category_type", "category", "period")
    )
    frame: pd.DataFrame = con.execute(
        "SELECT l.indicator_id, coalesce(p.indicator_name, l.indicator_name) AS indicator_name, "
        "l.sex, l.age, l.category, l.period, l.value AS local_value, "
        "l.lower_95_0 AS local_lower_95_0, l.upper_95_0 AS local_upper_95_0, "
        "d.id AS dataset, d.file, coalesce(d.owner_authority, ?) AS owner, d.uploaded_by, "
        "d.uploaded_at, p.value AS published_value, p.source_id AS published_source "
        "FROM local_indicators l JOIN local_datasets d ON d.id = l.source_id "
        f"LEFT JOIN indicators p ON {same} "
        "WHERE l.area_code = ? AND d.status = 'active' "
        "ORDER BY l.indicator_id, l.period DESC, l.sex, l.age, d.id",
        [ALL_AREAS, area_code],
    ).df()
    return frame


def staging_dir() -> Path:
    """Where uploads are staged (the system's temporary folder)."""
    return Path(tempfile.gettempdir())
