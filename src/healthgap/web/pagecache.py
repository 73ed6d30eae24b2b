"""A cache of rendered anonymous GET responses, invalidated by the data they read.

Most requests are anonymous reads of pages and API endpoints whose answer depends only
on the address and on the data: the published store, the local layer and the app
database. Rendering them again for every reader made the server CPU-bound (issue 17's
mixed-load benchmark). :class:`PageCacheMiddleware` keeps the finished response of an
anonymous ``GET`` and serves it again as long as none of the data it read has changed:

* **App database.** :func:`watch_writes` counts, per database and per table, every
  write any engine of this process makes (``INSERT``/``UPDATE``/``DELETE`` seen by
  SQLAlchemy: the ORM, Core and text statements alike). While a response is computed,
  the tables its statements read are collected; the entry is valid while none of those
  tables has been written since the request began (a text statement whose tables are not
  known counts as reading, or writing, every table).
* **Store.** :class:`~healthgap.web.deps.StoreHandle` bumps its generation on every
  write (an upload, a withdrawal); an answer that read the local layer (through
  ``compute_local`` or ``run``) records the generation it was made in and is valid only in
  it. Published data do not change while the server runs (uploads are local datasets, and
  ``healthgap init`` refuses while a server has the store open).
* **Other processes.** A write made by another process (the CLI, another server on the
  same app database) is not seen by these counters: an entry older than :data:`MAX_AGE`
  seconds is computed again by the next request for it, so such a change shows within
  about that time (readers arriving while it is recomputed still get the older answer).

**Narrowed reads.** A page that reads only one authority's rows of a table (the targets
section of an area profile) need not be made again when another authority's rows change.
Inside :func:`narrowed_reads` a read of such a table (:data:`NARROW`) counts as a read of
``table@key`` and of ``table@?``; a write through the ORM counts, besides the table, as a
write of ``table@key`` for the key of every row it changes (mapper events, old and new
key); any other write to the table (Core, text SQL) counts as a write of ``table@?``,
which every narrowed read depends on. Readers that did not narrow depend on the table.

One request computes a given answer at a time: readers asking for one whose data changed
wait for that computation instead of starting their own.

Only anonymous sessions are served from the cache (a session holding nothing but its
CSRF token): signed-in readers, notices shown once, conditional and range requests
always reach the route. The session's CSRF token in a cached page (a sign-in form, a
survey response form) is replaced by the reader's own token when the page is served.
Only 200 responses without cookies of their own, up to :data:`MAX_BODY` bytes, are kept.

Examples
--------
>>> clock = WriteClock()
>>> before = clock.snapshot()
>>> clock.bump({"targets"})
>>> clock.valid(clock.depends({"targets"}, before)), clock.valid(clock.depends({"users"}, before))
(False, True)
>>> clock.valid(clock.depends({EVERY}, before))
False
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool
from sqlalchemy.sql.elements import TextClause
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Seconds an entry is served at most (bounds what writes by other processes can hide).
MAX_AGE = 10.0
#: Largest response body kept (bytes), and how many responses are kept.
MAX_BODY = 4 * 1024 * 1024
MAX_ENTRIES = 512
#: Finished answers kept for the readers that waited on them (most recent first out last).
MAX_DONE = 16
#: Seconds between looks while waiting for another request computing the same answer.
WAIT_STEP = 0.01
#: Most bytes of bodies kept in all (least recently used out first).
MAX_BYTES = 64 * 1024 * 1024
#: Stands for "every table" (a statement whose tables are not known).
EVERY = "*"
#: Counts every write, whatever its tables.
ANY = "**"
#: What a cached body holds where the CSRF token of the session that made it was.
_TOKEN = b"\x00healthgap-csrf\x00"
#: Paths never cached: static files (already cheap; ranges and validators of their own).
_SKIP = ("/static/", "/assets/")
_WRITES = ("insert", "update", "delete", "replace", "create", "drop", "alter", "merge")

#: Tables read by the statements of the request being computed (``None``: no request).
_reads: ContextVar[set[str] | None] = ContextVar("healthgap_reads", default=None)
#: Stands, among the reads, for the store's local layer (uploads), which writes change.
LOCAL_STORE = "store:local"


#: Tables whose reads can be narrowed to one key, and the column that holds it.
NARROW = {"targets": "authority_code"}
#: table -> key of the reads being narrowed now (``None``: none).
_narrowed: ContextVar[dict[str, str] | None] = ContextVar("healthgap_narrowed", default=None)
#: Stands for "a row with a key not known" among a table's tags.
UNKNOWN_KEY = "?"


def tag(table: str, key: str) -> str:
    """The name counted for the rows of ``table`` with ``key``."""
    return f"{table}@{key}"


@contextmanager
def narrowed_reads(table: str, key: str) -> Iterator[None]:
    """While inside, reads of ``table`` (one of :data:`NARROW`) depend only on its rows
    with ``key`` (and on writes whose rows are not known). Use it only around reads that
    select those rows alone, e.g. ``WHERE authority_code = key``."""
    if table not in NARROW:
        raise ValueError(f"table must be one of {', '.join(NARROW)}; got {table!r}.")
    token = _narrowed.set({**(_narrowed.get() or {}), table: key})
    try:
        yield
    finally:
        _narrowed.reset(token)


def _narrow_reads(tables: set[str]) -> set[str]:
    narrowed = _narrowed.get()
    if not narrowed:
        return tables
    out = set()
    for t in tables:
        if t in narrowed:
            out |= {tag(t, narrowed[t]), tag(t, UNKNOWN_KEY)}
        else:
            out.add(t)
    return out


def _tag_writes(conn: Any, tables: set[str]) -> set[str]:
    """``tables`` and the tags of the rows this statement writes (set by the mapper
    events before it ran; ``table@?`` when they are not known)."""
    pending: dict[str, set[str]] = conn.info.get("healthgap_keys", {})
    out = set(tables)
    for t in tables & set(NARROW):
        keys = pending.pop(t, None)
        out |= {tag(t, k) for k in keys} if keys else {tag(t, UNKNOWN_KEY)}
    return out


def note_local_store_read() -> None:
    """Record that the request being computed read the store's local layer (called by
    :class:`~healthgap.web.deps.StoreHandle`); an answer that read only published data does
    not depend on uploads or withdrawals."""
    reads = _reads.get()
    if reads is not None:
        reads.add(LOCAL_STORE)


class WriteClock:
    """Per-table write counters of one database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {EVERY: 0, ANY: 0}

    def bump(self, tables: Iterable[str]) -> None:
        """Count a write to ``tables`` (:data:`EVERY` among them: tables not known)."""
        with self._lock:
            for t in tables:
                self._counts[t] = self._counts.get(t, 0) + 1
            self._counts[ANY] += 1

    def depends(self, reads: set[str], before: dict[str, int]) -> dict[str, int]:
        """What an answer computed from ``reads`` (since the counts ``before``) depends
        on: the tables read, and writes to unknown tables; or every write when the
        tables read are not known."""
        if EVERY in reads:
            return {ANY: before.get(ANY, 0)}
        return {t: before.get(t, 0) for t in (*reads, EVERY)}

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def valid(self, seen: dict[str, int]) -> bool:
        """Whether no table in ``seen`` was written since it had those counts."""
        counts = self._counts
        return all(counts.get(t, 0) == n for t, n in seen.items())

    @staticmethod
    def as_new_as(seen: dict[str, int], at: dict[str, int]) -> bool:
        """Whether an answer that read tables with the counts ``seen`` saw every write
        counted in the snapshot ``at`` (counts only grow)."""
        return all(n >= at.get(t, 0) for t, n in seen.items())


def _generation_of(entry: _Entry, default: int) -> int:
    """The store generation an answer was made in (``default`` when it read no local data)."""
    return default if entry.store_generation is None else entry.store_generation


_clocks: dict[str, WriteClock] = {}
_clocks_lock = threading.Lock()


def clock_for(url: str) -> WriteClock:
    """The write clock of the database at ``url`` (one per database, for every engine)."""
    with _clocks_lock:
        found = _clocks.get(url)
        if found is None:
            found = _clocks[url] = WriteClock()
        return found


def _key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def generation(engine: Engine) -> int:
    """How many writes the database behind ``engine`` has had in this process (any table):
    a number that changes whenever something in the app database may have changed, for
    callers that keep their own caches keyed by it."""
    return clock_for(_key(engine)).snapshot().get(ANY, 0)


#: Reads of the database's catalogue (``inspect(engine).get_table_names()``): they depend on
#: the schema only, which changes by DDL, counted as a write of every table.
_CATALOGUE = re.compile(r"\b(sqlite_master|sqlite_schema|information_schema|pg_catalog)\b", re.I)
SCHEMA = "schema"


def _tables(context: Any, statement: str) -> set[str]:
    """The tables a statement reads or writes; :data:`EVERY` when that is not known (text
    SQL, a construct whose tables cannot be listed)."""
    if not _is_write(statement) and _CATALOGUE.search(statement):
        return {SCHEMA}
    compiled = getattr(context, "compiled", None)
    target = getattr(compiled, "statement", None)
    if target is None or isinstance(target, TextClause):
        return {EVERY}
    from sqlalchemy.sql.util import find_tables

    try:
        found = {str(getattr(t, "name", "")) for t in find_tables(target, include_crud=True)}
    except Exception:  # an unusual construct: assume it touches everything
        return {EVERY}
    found.discard("")
    if found:
        return found
    # no table named: a plain SELECT of values reads nothing; anything else is not known
    return {EVERY} if _is_write(statement) or " from " in statement.lower() else set()


def _is_write(statement: str) -> bool:
    return statement.lstrip().split(None, 1)[0].lower() in _WRITES if statement.strip() else False


_watching = False


def watch_writes() -> None:
    """Start counting writes of every SQLAlchemy engine of this process (idempotent)."""
    global _watching
    if _watching:
        return
    _watching = True

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        writes = _is_write(statement)
        reads = _reads.get()
        if not writes and reads is None:
            return
        tables = _tables(context, statement)
        if writes and statement.split(None, 1)[0].lower() in ("create", "drop", "alter"):
            tables = {EVERY, SCHEMA}  # the schema changed: every answer may differ
        if writes:
            tables = _tag_writes(conn, tables)
            # Counted now (autocommit), and again when the connection goes back to the
            # pool, after its commit (the "commit" event comes just before the commit): a
            # request that began in between and saw the old data is then out of date too.
            clock = clock_for(_key(conn.engine))
            clock.bump(tables)
            pending = conn.info.setdefault("healthgap_written", {})
            pending.setdefault(id(clock), (clock, set()))[1].update(tables)
        if reads is not None:
            reads.update(_narrow_reads(tables) if not writes else tables)

    @event.listens_for(Pool, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        info = getattr(record, "info", None)
        pending = info.pop("healthgap_written", None) if info is not None else None
        if info is not None:
            info.pop("healthgap_keys", None)
        for clock, tables in (pending or {}).values():
            clock.bump(tables)

    _watch_keys()


def _watch_keys() -> None:
    """Mapper events that note, before each ORM write of a :data:`NARROW` table, the keys
    of the rows it changes (the old key too when a row moves)."""
    from sqlalchemy import inspect as sa_inspect

    from healthgap.appdb.models import Base

    for mapper in Base.registry.mappers:
        table = str(getattr(mapper.local_table, "name", ""))
        if table not in NARROW:
            continue
        column = NARROW[table]

        def note(
            mapper: Any, connection: Any, row: Any, table: str = table, column: str = column
        ) -> None:
            # the key now and, when the row moves, the one it had
            keys = {getattr(row, column), *sa_inspect(row).attrs[column].history.deleted}
            found = connection.info.setdefault("healthgap_keys", {})
            found.setdefault(table, set()).update(str(k) for k in keys if k is not None)

        def done(mapper: Any, connection: Any, row: Any, table: str = table) -> None:
            # the statement has run (and taken the keys): none may outlive it, or a later
            # write whose rows are not known would be counted against them alone
            connection.info.get("healthgap_keys", {}).pop(table, None)

        for name in ("before_insert", "before_update", "before_delete"):
            event.listen(mapper, name, note)
        for name in ("after_insert", "after_update", "after_delete"):
            event.listen(mapper, name, done)


@dataclass
class _Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    made: float
    store_generation: int | None  # None: read no local data
    seen: dict[str, int]


class PageCacheMiddleware:
    """Serve anonymous ``GET`` responses again while the data they read are unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        self._bytes = 0
        #: Keys being computed now: a request for one whose data changed waits for it
        #: (one computation, not one per waiting reader).
        #: key -> serial number of the request computing it now
        self._running: dict[tuple[Any, ...], int] = {}
        self._serial = 0
        #: key -> (serial, answer) of the last computation that finished with a keepable
        #: answer, even if its data changed meanwhile: what its waiting readers are given
        self._done: OrderedDict[tuple[Any, ...], tuple[int, _Entry]] = OrderedDict()
        self.hits = 0
        self.misses = 0
        watch_writes()

    @staticmethod
    def _anonymous_token(scope: Scope) -> str | None:
        """The CSRF token of an anonymous session holding nothing else, else ``None``."""
        session = scope.get("state", {}).get("session")
        if not isinstance(session, dict) or set(session) != {"csrf"}:
            return None
        return str(session["csrf"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith(_SKIP):
            await self.app(scope, receive, send)
            return
        names = {k.lower() for k, _ in scope.get("headers", [])}
        token = self._anonymous_token(scope)
        if token is None or names & {
            b"if-none-match",
            b"if-modified-since",
            b"range",
            b"authorization",
        }:
            await self.app(scope, receive, send)
            return
        app = scope["app"]
        clock = clock_for(_key(app.state.engine))
        handle = app.state.store
        host = dict(scope.get("headers", [])).get(b"host", b"")
        key = (scope.get("scheme"), host, scope["path"], scope.get("query_string", b""))
        waited: int | None = None
        arrived = clock.snapshot()
        arrived_generation = handle.generation
        while True:
            entry, fresh = self._lookup(key, clock, handle)
            running = self._running.get(key)
            if entry is not None and (fresh or running is not None):
                # fresh; or only older than MAX_AGE while another request recomputes it:
                # its data are unchanged as far as this process knows
                self.hits += 1
                await self._replay(entry, token, send)
                return
            done = self._done.get(key) if waited is not None else None
            if (
                done is not None
                and done[0] == waited
                and _generation_of(done[1], arrived_generation) >= arrived_generation
                and clock.as_new_as(done[1].seen, arrived)
            ):
                # The computation this reader waited for has finished and saw every write
                # made before the reader arrived: its answer is given even if a write
                # landed since (a later reader will not get it). Computing again for
                # every waiting reader would queue them all behind one another while
                # writes keep coming.
                self.hits += 1
                await self._replay(done[1], token, send)
                return
            if running is None:
                break
            # the data changed: wait for the request recomputing it (polled, so that it
            # works whichever event loop or thread each request runs on)
            waited = running
            await asyncio.sleep(WAIT_STEP)
        self.misses += 1
        self._serial += 1
        serial = self._serial
        self._running[key] = serial
        try:
            await self._compute(scope, receive, send, key, token, clock, handle, serial)
        finally:
            self._running.pop(key, None)

    def _lookup(
        self, key: tuple[Any, ...], clock: WriteClock, handle: Any
    ) -> tuple[_Entry | None, bool]:
        """(the entry if none of its data changed, whether it is younger than MAX_AGE)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None, False
            if entry.store_generation in (None, handle.generation) and clock.valid(entry.seen):
                self._entries.move_to_end(key)
                return entry, time.monotonic() - entry.made < MAX_AGE
            self._bytes -= len(self._entries.pop(key).body)
            return None, False

    @staticmethod
    async def _replay(entry: _Entry, token: str, send: Send) -> None:
        body = entry.body.replace(_TOKEN, token.encode())
        headers = list(entry.headers)
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _compute(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: tuple[Any, ...],
        token: str,
        clock: WriteClock,
        handle: Any,
        serial: int = 0,
    ) -> None:
        generation = handle.generation
        before = clock.snapshot()
        reads: set[str] = set()
        marker = _reads.set(reads)
        start: Message | None = None
        # copied when sent: the session middleware outside appends its Set-Cookie to the
        # very list the route sent, which must never be kept (it is that reader's session)
        head: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        size = 0
        keep = True

        async def capture(message: Message) -> None:
            nonlocal start, size, keep
            if message["type"] == "http.response.start":
                start = message
                head[:] = [(bytes(k).lower(), bytes(v)) for k, v in message.get("headers", [])]
                if message["status"] != 200 or any(k == b"set-cookie" for k, _ in head):
                    keep = False
            elif message["type"] == "http.response.body" and keep:
                size += len(message.get("body", b""))
                if size > MAX_BODY:
                    keep = False
                    chunks.clear()
                else:
                    chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            _reads.reset(marker)
        if not keep or start is None or self._anonymous_token(scope) != token:
            return  # not cacheable, or the route changed the session
        local = LOCAL_STORE in reads
        seen = clock.depends(reads - {LOCAL_STORE}, before)
        entry = _Entry(
            status=int(start["status"]),
            headers=[(k, v) for k, v in head if k not in (b"set-cookie", b"content-length")],
            body=b"".join(chunks).replace(token.encode(), _TOKEN),
            made=time.monotonic(),  # MAX_AGE counts from when the answer was ready
            store_generation=generation if local else None,
            seen=seen,
        )
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            self._done[key] = (serial, entry)
            self._done.move_to_end(key)
            while len(self._done) > MAX_DONE:
                self._done.popitem(last=False)
            while len(self._entries) > MAX_ENTRIES or self._bytes > MAX_BYTES:
                self._bytes -= len(self._entries.popitem(last=False)[1].body)
