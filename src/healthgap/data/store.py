"""The analytical store: Ibis over an embedded DuckDB file (or ``:memory:``).

:func:`init_store` builds a store from the catalogue's files (a local mirror or the
data directory), offline, in seconds; :func:`open_store` opens one for queries;
:func:`connect` gives the bare Ibis connection.

Tables
------
``indicators``
    Tidy indicator values in the Fingertips CSV layout
    (:data:`healthgap.data.layout.INDICATOR_COLUMNS`): HLE, LE, preventable CVD
    mortality (93722), adult obesity, HLE by IMD decile and the Health Index.
``areas``
    Every named area (code, name, type, vintage) from the lookups and indicators.
``lookup_<file>``
    The ONS geography lookups, one table per file.
``imd2019_lsoa11``, ``imd2019_lad19``, ``imd2025_lsoa21``, ``imd2025_lad24``, ``imd2025_icb24``
    The Indices of Deprivation.
``populations``
    Tidy population counts (mid-2020 estimates by single year, Census 2021 by sex).
``hex_layouts``, ``standard_populations``, ``ons_sii_le_hle_dfle``
    Hex-map layouts, the ESP2013 weights and ONS's published SII table.
``indicator_metadata``
    One row per indicator: name, definition, unit, value type, polarity (with its
    reason), domain, interval method, source, caveats
    (:mod:`healthgap.data.indicator_metadata`).
``datasets``
    One row per loaded dataset: id, title, publisher, period, licence, rows, checksum.
``local_datasets``, ``local_indicators``, ``audit_outbox``
    The local layer (uploads owned by an authority, see :mod:`healthgap.data.local`),
    created by the first upload. ``init`` carries it over from the store it replaces:
    rebuilding the published data never loses an upload or an undelivered audit entry.

Building is atomic: the new store is written to a temporary file beside the target and
renamed over it only when complete, so a failed ``init`` leaves any existing store as
it was. DuckDB allows one writing process at a time; open read-only to query.

Examples
--------
>>> import os, pytest
>>> from healthgap.data.store import init_store
>>> mirror = os.environ.get("HEALTHGAP_MIRROR", "../shared/data")
>>> if not os.path.isdir(mirror):
...     pytest.skip("the offline mirror is not present")
>>> store = init_store(":memory:", mirror=mirror, ids=["ons_hle_local_areas"])
>>> hle = store.indicators("hle_birth", area_type="region", sex="Male", period="2011-2013")
>>> lowest = store.to_pandas(hle.order_by("value").select("area_name", "value")).iloc[0]
>>> lowest["area_name"], float(lowest["value"])
('North East', 58.7)
>>> store.close()
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib
import os
import time
import uuid
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import pandas as pd

from healthgap.data import indicator_metadata, paths
from healthgap.data.catalogue import Dataset, select
from healthgap.data.fetch import FetchError, sha256_of
from healthgap.data.layout import (
    AREA_COLUMNS,
    DATASET_COLUMNS,
    HEX_COLUMNS,
    INDICATOR_COLUMNS,
    INDICATOR_KEY,
    POPULATION_COLUMNS,
    STANDARD_POPULATION_COLUMNS,
)
from healthgap.data.sources._common import Parsed
from healthgap.errors import InputError, SchemaError

if TYPE_CHECKING:
    import duckdb

# Ibis ships no type information: its tables, columns, scalars and DuckDB backend are
# typed as Any here (aliases keep the signatures readable).
Backend = Any
IbisTable = Any
IbisExpr = Any


def _ibis() -> Any:
    """Ibis, imported on first use: it is slow to import and has no type information."""
    return importlib.import_module("ibis")


#: Tables whose columns are fixed by :mod:`healthgap.data.layout`.
SHARED_TABLES: dict[str, dict[str, str]] = {
    "indicators": INDICATOR_COLUMNS,
    "populations": POPULATION_COLUMNS,
    "hex_layouts": HEX_COLUMNS,
    "standard_populations": STANDARD_POPULATION_COLUMNS,
}

#: Where the ``areas`` table takes names from: dataset id -> (code, name, type, vintage).
_AREA_SOURCES: dict[str, list[tuple[str, str, str, int]]] = {
    "lookup_lsoa11_lad21": [("lsoa11_code", "lsoa11_name", "lsoa11", 2011)],
    "lookup_lsoa21_ward24_lad24": [
        ("lsoa21_code", "lsoa21_name", "lsoa21", 2021),
        ("ward24_code", "ward24_name", "ward", 2024),
        ("lad24_code", "lad24_name", "lad", 2024),
    ],
    "lookup_lad_code_history": [
        (f"lad{y}_code", f"lad{y}_name", "lad", 2000 + y) for y in range(16, 25)
    ],
    "lookup_lad23_utla23": [("utla23_code", "utla23_name", "utla", 2023)],
    "lookup_lad23_cauth23": [("cauth23_code", "cauth23_name", "combined_authority", 2023)],
    "lookup_lad24_region24": [("region24_code", "region24_name", "region", 2024)],
    "lookup_lad24_cauth24": [("CAUTH24CD", "CAUTH24NM", "combined_authority", 2024)],
    "lookup_lad25_cauth25": [
        ("CAUTH25CD", "CAUTH25NM", "combined_authority", 2025),
        ("LAD25CD", "LAD25NM", "lad", 2025),
    ],
    "lookup_icb22_names": [
        ("icb22_code", "icb22_name", "icb", 2022),
        ("sicbl22_code", "sicbl22_name", "sub_icb", 2022),
    ],
    "lookup_icb24_names": [
        ("icb24_code", "icb24_name", "icb", 2024),
        ("sicbl24_code", "sicbl24_name", "sub_icb", 2024),
    ],
}


#: Deprecation warnings that Ibis 12 raises on every query with DuckDB 1.5 and pandas 3;
#: they are about Ibis' own internals, not about anything a healthgap user can change.
UPSTREAM_WARNINGS: tuple[str, ...] = (
    r"fetch_arrow_table\(\) is deprecated",
    r"The 'future\.infer_string' option is deprecated",
)


@contextmanager
def quiet_ibis() -> Iterator[None]:
    """Run Ibis/DuckDB calls without their known upstream deprecation warnings."""
    with warnings.catch_warnings():
        for message in UPSTREAM_WARNINGS:
            warnings.filterwarnings("ignore", message=message, category=DeprecationWarning)
        yield


def to_pandas(expr: IbisExpr) -> Any:
    """Execute an Ibis expression: a pandas frame for a table, a value for a scalar.

    The same as ``expr.to_pandas()``, without Ibis' upstream deprecation warnings;
    text comes back as pandas' string dtype.
    """
    types = importlib.import_module("ibis.expr.types")
    with quiet_ibis():
        if isinstance(expr, types.Table):
            return expr.to_pyarrow().to_pandas()
        return expr.to_pandas()


def _duckdb_error(exc: Exception, path: str) -> InputError:
    text = str(exc)
    if "lock" in text.lower():
        return InputError(
            f"the store must not be open for writing in another process; got: {text}. "
            "Close the other healthgap session (DuckDB allows one writer) and try again."
        )
    return InputError(
        f"the store must be a healthgap DuckDB file; got {path!r} ({text}). "
        "Create one with `healthgap init --store PATH`."
    )


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Backend:
    """An Ibis DuckDB connection to the store file (``":memory:"`` for in-memory).

    ``path`` defaults to ``$HEALTHGAP_STORE``, else ``healthgap.duckdb`` in the data
    directory. Nothing is checked about the tables; use :func:`open_store` for that.
    """
    import duckdb

    ibis = _ibis()
    location = paths.store_path(path)
    try:
        if location == paths.MEMORY:
            return ibis.duckdb.connect()
        return ibis.duckdb.connect(location, read_only=read_only)
    except duckdb.Error as exc:
        raise _duckdb_error(exc, location) from None


class Store:
    """An open store: Ibis table expressions plus helpers for the common queries."""

    def __init__(self, backend: Backend, path: str) -> None:
        self.backend = backend
        self.path = path
        self._build_key: tuple[str, str] | None = None  # see healthgap.data.published
        self._known: set[str] = set()  # table names seen (tables are never dropped)

    def __repr__(self) -> str:
        return f"Store({self.path!r}, tables={len(self.tables())})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (a file store can then be opened by another process)."""
        self.backend.disconnect()

    def tables(self) -> list[str]:
        """The names of the store's tables, sorted."""
        with quiet_ibis():
            return sorted(self.backend.list_tables())

    def to_pandas(self, expr: IbisExpr) -> Any:
        """Execute an expression on this store (see :func:`to_pandas`)."""
        return to_pandas(expr)

    def table(self, name: str) -> IbisTable:
        """The table ``name`` as an Ibis expression; unknown names raise InputError."""
        if name not in self._known:  # listed again only for a name not seen yet
            self._known = set(self.tables())
        if name not in self._known:
            names = sorted(self._known)
            close = difflib.get_close_matches(name, names, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise InputError(
                f"table must be one of the store's tables; got {name!r}.{hint} "
                f"The store has: {', '.join(names)}."
            )
        with quiet_ibis():
            return self.backend.table(name)

    def indicators(
        self,
        indicator: str | Sequence[str] | None = None,
        *,
        area_code: str | Sequence[str] | None = None,
        area_type: str | Sequence[str] | None = None,
        sex: str | Sequence[str] | None = None,
        age: str | Sequence[str] | None = None,
        period: str | int | Sequence[str | int] | None = None,
        category_type: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
    ) -> IbisTable:
        """Rows of ``indicators`` matching every filter given (each a value or a list).

        ``indicator`` is checked against the ids in the store: an unknown id raises
        :class:`~healthgap.errors.InputError` with the closest matches.
        """
        t = self.table("indicators")
        if indicator is not None:
            wanted = _as_list(indicator)
            known = set(to_pandas(t.select("indicator_id").distinct())["indicator_id"])
            unknown = [i for i in wanted if i not in known]
            if unknown:
                close = difflib.get_close_matches(unknown[0], sorted(known), n=3)
                hint = f" Did you mean {', '.join(close)}?" if close else ""
                raise InputError(
                    f"indicator must be an indicator_id in the store; got {unknown[0]!r}."
                    f"{hint} List them with store.table('indicators')"
                    ".select('indicator_id', 'indicator_name').distinct()."
                )
        filters = {
            "indicator_id": indicator,
            "area_code": area_code,
            "area_type": area_type,
            "sex": sex,
            "age": age,
            "period": period,
            "category_type": category_type,
            "source_id": source,
        }
        predicates = [t[c].isin(_filter_values(c, v)) for c, v in filters.items() if v is not None]
        return t.filter(predicates) if predicates else t

    def datasets(self) -> pd.DataFrame:
        """The ``datasets`` table: what is loaded, with source, period and licence."""
        return to_pandas(self.table("datasets").order_by("id"))


def _as_list(value: str | int | Sequence[str | int]) -> list[str]:
    """A filter value as a list of text (every filter column is text; 2015 -> "2015")."""
    if isinstance(value, str | int):
        return [str(value)]
    return [str(v) for v in value]


def _filter_values(column: str, value: str | int | Sequence[str | int]) -> list[str]:
    """Filter values as text; control characters (which no code or label holds, and which
    the SQL layer cannot carry) are refused with a plain message."""
    values = _as_list(value)
    for v in values:
        if any(ord(ch) < 32 for ch in v):
            raise InputError(
                f"{column} filter values must be printable text; got {v!r}. "
                "Remove control characters such as NUL from the value."
            )
    return values


def open_store(path: str | os.PathLike[str] | None = None, *, read_only: bool = True) -> Store:
    """Open an initialised store (default: ``$HEALTHGAP_STORE`` or the data directory).

    Raises :class:`~healthgap.errors.InputError` when there is no store at ``path`` or it
    was not built by :func:`init_store`.
    """
    location = paths.store_path(path)
    if location == paths.MEMORY:
        raise InputError(
            "the store to open must be a file; got ':memory:' (an in-memory store exists "
            "only inside the process that built it). Use the Store init_store returned."
        )
    if not Path(location).is_file():
        raise InputError(
            f"the store must exist; got no file at {location!r}. "
            "Create it with `healthgap init` (add --mirror DIR to load from a mirror)."
        )
    store = Store(connect(location, read_only=read_only), location)
    if "datasets" not in store.tables():
        store.close()
        raise InputError(
            f"the store must be initialised by healthgap; got {location!r} without a "
            "'datasets' table. Run `healthgap init --store PATH` to build it."
        )
    return store


@contextmanager
def using(store: Store | str | os.PathLike[str] | None) -> Iterator[Store]:
    """The given store, or the default store opened (and closed) for this call."""
    if isinstance(store, Store):
        yield store
        return
    opened = open_store(store)
    try:
        yield opened
    finally:
        opened.close()


@dataclass(frozen=True)
class Loaded:
    """One dataset loaded by :func:`init_store`."""

    dataset: Dataset
    rows: int
    seconds: float


def source_folder(
    mirror: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Where ``init`` reads the files: ``mirror``, else ``data_dir``, else the environment.

    Order: an explicit mirror, an explicit data directory, ``$HEALTHGAP_MIRROR`` (a
    local folder), then ``$HEALTHGAP_DATA_DIR`` or the per-user data folder.
    """
    if mirror not in (None, ""):
        chosen = paths.mirror(mirror)
        if not isinstance(chosen, Path):
            raise InputError(
                f"init must read a local folder; got the web mirror {chosen!r}. Run "
                f"`healthgap data fetch --mirror {chosen}` first, then `healthgap init`."
            )
        return chosen
    if data_dir not in (None, ""):
        return paths.data_dir(data_dir)
    env = paths.mirror(None)
    if isinstance(env, Path):
        return env
    return paths.data_dir(None)


def _check_files(datasets: Sequence[Dataset], folder: Path) -> None:
    files = [f for d in datasets for f in (d.file, *(c[0] for c in d.companions))]
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise InputError(
            f"{folder} must hold every catalogue file; got {len(missing)} missing "
            f"({', '.join(missing[:3])}{more}). Fetch them with `healthgap data fetch "
            "--mirror DIR`, or pass --mirror DIR to init."
        )


@overload
def init_store(
    path: str | os.PathLike[str] | None = ...,
    *,
    mirror: str | os.PathLike[str] | None = ...,
    data_dir: str | os.PathLike[str] | None = ...,
    ids: Iterable[str] | None = ...,
    on_loaded: Callable[[Loaded], None] | None = ...,
    open_result: Literal[True] = ...,
) -> Store: ...


@overload
def init_store(
    path: str | os.PathLike[str] | None = ...,
    *,
    mirror: str | os.PathLike[str] | None = ...,
    data_dir: str | os.PathLike[str] | None = ...,
    ids: Iterable[str] | None = ...,
    on_loaded: Callable[[Loaded], None] | None = ...,
    open_result: bool,
) -> Store | None: ...


def init_store(
    path: str | os.PathLike[str] | None = None,
    *,
    mirror: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    ids: Iterable[str] | None = None,
    on_loaded: Callable[[Loaded], None] | None = None,
    open_result: bool = True,
) -> Store | None:
    """Build the store from the catalogue's files and return it, open read-only
    (``None`` for a file store when ``open_result`` is false: the CLI, which only reports
    what it built, does not pay for opening it again).

    Parameters
    ----------
    path
        The store file, or ``":memory:"``; default ``$HEALTHGAP_STORE`` or
        ``healthgap.duckdb`` in the data directory.
    mirror, data_dir
        Where to read the files (see :func:`source_folder`).
    ids
        Catalogue ids to load (default: all).
    on_loaded
        Called after each dataset is loaded (progress).

    Every file is checked against its catalogue checksum and record count before it is
    parsed. A file store is built in a temporary file and renamed over ``path`` only
    when complete: if anything fails, an existing store is left untouched.

    Raises
    ------
    InputError
        Files are missing, or the store path is not usable.
    FetchError
        A file's checksum does not match the catalogue.
    SchemaError
        A file does not parse as its catalogue entry says.
    """
    datasets = select(ids)
    folder = source_folder(mirror, data_dir)
    _check_files(datasets, folder)
    location = paths.store_path(path, data_directory=data_dir)
    if location == paths.MEMORY:
        backend = _ibis().duckdb.connect()
        _build(backend.con, datasets, folder, on_loaded)
        return Store(backend, location)
    target = Path(location)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"the store's folder must be writable; got {exc}. Choose another --store path."
        ) from None
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.building")
    # Held from before the build until after the swap: no other process (a running
    # `healthgap serve`, another init) can have the store open meanwhile, so no upload
    # can land in the old file after its local layer was copied, and no reader is left
    # on a file that was replaced under it.
    guard = _exclusive(target)
    try:
        import duckdb

        try:
            try:
                con = duckdb.connect(str(tmp))
            except duckdb.Error as exc:
                raise _duckdb_error(exc, str(tmp)) from None
            try:
                # Written once at the end: the default threshold (16 MB of log) would
                # rewrite the growing indicators table many times during the build.
                con.execute("SET checkpoint_threshold = '4GB'")
                _build(con, datasets, folder, on_loaded)
                con.execute("CHECKPOINT")
            finally:
                con.close()
            if guard is not None:
                _carry_local(guard, tmp)
            os.replace(tmp, target)
            Path(f"{target}.wal").unlink(missing_ok=True)  # a stale log would replay onto it
        finally:
            tmp.unlink(missing_ok=True)
            Path(f"{tmp}.wal").unlink(missing_ok=True)
    finally:
        if guard is not None:
            guard.close()
    return open_store(target) if open_result else None


def _exclusive(target: Path) -> duckdb.DuckDBPyConnection | None:
    """The existing store at ``target`` opened for writing (DuckDB's exclusive lock), or
    ``None`` when there is none; an error naming the remedy when another process has it
    open."""
    import duckdb

    if not target.is_file():
        return None
    try:
        return duckdb.connect(str(target))
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise InputError(
                f"the store {target} must not be in use while it is rebuilt; another "
                "process has it open (a running `healthgap serve` or another healthgap "
                "command). Nothing was changed. Stop that process, run `healthgap init` "
                "again, then start the server again."
            ) from None
        raise _duckdb_error(exc, str(target)) from None


def _carry_local(old: duckdb.DuckDBPyConnection, built: Path) -> None:
    """Copy the local layer (uploads and the audit outbox) from the store being replaced
    (open on ``old``) into the freshly ``built`` file."""
    from healthgap.data.local import LOCAL_TABLES, SEQUENCE, ensure_local_tables

    row = old.execute("SELECT current_database()").fetchone()
    here = '"' + str(row[0] if row else "main").replace('"', '""') + '"'
    names = {
        r[0]
        for r in old.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }
    if not set(LOCAL_TABLES) <= names:
        return
    quoted = str(built).replace("'", "''")
    old.execute(f"ATTACH '{quoted}' AS _new")
    try:
        old.execute("USE _new")
        ensure_local_tables(old)
        for table in LOCAL_TABLES:
            old.execute(f'INSERT INTO _new."{table}" SELECT * FROM {here}."{table}" ORDER BY rowid')
        # ids of datasets kept (withdrawn ones too) are never reused; a number taken by a
        # rolled-back upload left nothing behind, so it may be
        used = old.execute(
            "SELECT coalesce(max(CAST(substr(id, 7) AS BIGINT)), 0) FROM _new.local_datasets"
        ).fetchone()
        start = int(used[0] if used else 0) + 1
        old.execute(f"DROP SEQUENCE _new.{SEQUENCE}")
        old.execute(f"CREATE SEQUENCE _new.{SEQUENCE} START {start}")
        old.execute("CHECKPOINT _new")
    finally:
        old.execute(f"USE {here}")
        old.execute("DETACH _new")


def _parse(ds: Dataset, folder: Path) -> Parsed:
    file = folder / ds.file
    actual = sha256_of(file)
    if actual != ds.sha256:
        raise FetchError(
            f"{ds.file} must match the catalogue's SHA-256 {ds.sha256}; got {actual} in "
            f"{folder}. The file is corrupt or a different version: fetch it again "
            "(healthgap data fetch --mirror DIR --force)."
        )
    for name, sha, _ in ds.companions:
        actual = sha256_of(folder / name)
        if actual != sha:
            raise FetchError(
                f"{name} must match the catalogue's SHA-256 {sha}; got {actual} in "
                f"{folder}. The file is corrupt or a different version: fetch it again "
                "(healthgap data fetch --mirror DIR --force)."
            )
    parsed = ds.parse(file)
    if parsed.records != ds.rows:
        raise SchemaError(
            f"{ds.file} must hold {ds.rows} records; got {parsed.records}. "
            "Report this to the healthgap maintainers (the catalogue and parser disagree)."
        )
    return parsed


def _build(
    con: duckdb.DuckDBPyConnection,
    datasets: Sequence[Dataset],
    folder: Path,
    on_loaded: Callable[[Loaded], None] | None,
) -> None:
    import pyarrow as pa

    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    for name, columns in SHARED_TABLES.items():
        ddl = ", ".join(f'"{c}" {t}' for c, t in columns.items())
        con.execute(f'CREATE TABLE "{name}" ({ddl})')
    records: list[dict[str, Any]] = []
    metadata: list[pd.DataFrame] = []
    created: set[str] = set()
    # One dataset is parsed ahead in a second thread while the previous one is written:
    # DuckDB's insert and most of the CSV parsing release the GIL, so the two overlap on
    # a two-core machine. Only one frame waits at a time (peak memory stays bounded),
    # and datasets are written in catalogue order whatever finishes first.
    ahead: deque[tuple[Dataset, float, Future[Parsed]]] = deque()
    pending = iter(datasets)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthgap-parse") as pool:

        def submit() -> None:
            ds = next(pending, None)
            if ds is not None:
                ahead.append((ds, time.perf_counter(), pool.submit(_parse, ds, folder)))

        submit()
        while ahead:
            ds, start, future = ahead.popleft()
            try:
                parsed = future.result()
            except BaseException:
                for _, _, later in ahead:
                    later.cancel()
                raise
            submit()
            records.append(_write(con, ds, parsed, created, metadata, loaded_at))
            if on_loaded is not None:
                on_loaded(Loaded(ds, records[-1]["rows"], time.perf_counter() - start))
    _check_indicator_keys(con)
    indicator_metadata.build_table(con, metadata)
    _build_areas(con, [d.id for d in datasets])
    meta = pd.DataFrame(records, columns=list(DATASET_COLUMNS))
    ddl = ", ".join(f'"{c}" {t}' for c, t in DATASET_COLUMNS.items())
    con.execute(f"CREATE TABLE datasets ({ddl})")
    con.register("_incoming", pa.Table.from_pandas(meta, preserve_index=False))
    con.execute("INSERT INTO datasets SELECT * FROM _incoming")
    con.unregister("_incoming")


def _write(
    con: duckdb.DuckDBPyConnection,
    ds: Dataset,
    parsed: Parsed,
    created: set[str],
    metadata: list[pd.DataFrame],
    loaded_at: dt.datetime,
) -> dict[str, Any]:
    """Write one parsed dataset into its table; its row for the ``datasets`` table."""
    import pyarrow as pa

    frame = parsed.frame
    if parsed.metadata is not None:
        metadata.append(parsed.metadata)
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    con.register("_incoming", arrow)
    try:
        if ds.table in SHARED_TABLES:
            cols = ", ".join(f'"{c}"' for c in SHARED_TABLES[ds.table])
            con.execute(f'INSERT INTO "{ds.table}" SELECT {cols} FROM _incoming')
        elif ds.table in created:
            con.execute(f'INSERT INTO "{ds.table}" SELECT * FROM _incoming')
        else:
            con.execute(f'CREATE TABLE "{ds.table}" AS SELECT * FROM _incoming')
            created.add(ds.table)
    finally:
        con.unregister("_incoming")
    return {
        "id": ds.id,
        "title": ds.title,
        "publisher": ds.publisher,
        "period": ds.period,
        "licence": ds.licence,
        "attribution": ds.attribution,
        "table_name": ds.table,
        "file": ds.file,
        "url": ds.url,
        "loaded_at": loaded_at,
        "rows": len(frame),
        "checksum": ds.sha256,
    }


def _check_indicator_keys(con: duckdb.DuckDBPyConnection) -> None:
    key = ", ".join(f'"{c}"' for c in INDICATOR_KEY)
    # Group on one 64-bit hash of the key first (fast on a million rows), then compare
    # the keys themselves only for the rows whose hash repeats (NULLs hash alike).
    hashed = f"hash({key})"
    row = con.execute(
        f"SELECT {key}, count(*) AS n, string_agg(DISTINCT source_id, ', ') AS sources "
        f"FROM indicators WHERE {hashed} IN (SELECT {hashed} FROM indicators GROUP BY 1 "
        f"HAVING count(*) > 1) GROUP BY {key} HAVING count(*) > 1 LIMIT 1"
    ).fetchone()
    if row is not None:
        shown = dict(zip(INDICATOR_KEY, row[: len(INDICATOR_KEY)], strict=True))
        raise SchemaError(
            f"indicators must have one row per {', '.join(INDICATOR_KEY)}; got {row[-2]} "
            f"rows for {shown} (from {row[-1]}). Two datasets overlap: load one of them."
        )


def _build_areas(con: duckdb.DuckDBPyConnection, loaded: Sequence[str]) -> None:
    tables = {ds.id: ds.table for ds in select(loaded)}
    parts = [
        f'SELECT "{code}" AS code, "{name}" AS name, \'{kind}\' AS type, {year} AS vintage '
        f'FROM "{tables[dataset_id]}"'
        for dataset_id, specs in _AREA_SOURCES.items()
        if dataset_id in tables
        for code, name, kind, year in specs
    ]
    parts.append(
        "SELECT area_code AS code, area_name AS name, area_type AS type, NULL AS vintage "
        "FROM indicators "
        "WHERE area_name IS NOT NULL"
    )
    union = " UNION ALL ".join(parts)
    cols = ", ".join(f'"{c}" {t}' for c, t in AREA_COLUMNS.items())
    con.execute(f"CREATE TABLE areas ({cols})")
    con.execute(
        "INSERT INTO areas SELECT code, arg_max(name, coalesce(vintage, 0)), type, "
        f"max(vintage) FROM ({union}) WHERE code IS NOT NULL GROUP BY code, type "
        "ORDER BY type, code"
    )
