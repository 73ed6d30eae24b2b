"""The web process's store handle: readers never wait on a write.

A write is held open inside its DuckDB transaction (rows inserted, not yet committed)
while other threads read published and local views: they must answer at once, see the
last committed state, and see the new state once the write commits.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from healthgap.data.local import ensure_local_tables
from healthgap.data.store import Store, init_store
from healthgap.web.deps import StoreHandle


def _datasets(store: Store) -> int:
    return int(store.backend.con.execute("SELECT count(*) FROM datasets").fetchone()[0])


def _local_rows(store: Store) -> int:
    con = store.backend.con
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "local_datasets" not in names:
        return 0
    return int(con.execute("SELECT count(*) FROM local_datasets").fetchone()[0])


def test_readers_do_not_wait_on_an_open_write(store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    shutil.copyfile(store_path, path)
    handle = StoreHandle(str(path))
    published = handle.compute(_datasets)
    assert handle.compute_local(_local_rows) == 0
    inside = threading.Event()
    release = threading.Event()

    def slow_write(con: object) -> None:
        ensure_local_tables(con)
        con.execute("BEGIN TRANSACTION")  # type: ignore[attr-defined]
        con.execute(  # type: ignore[attr-defined]
            "INSERT INTO local_datasets (id, status) VALUES ('local-00001', 'active')"
        )
        inside.set()
        assert release.wait(30)
        con.execute("COMMIT")  # type: ignore[attr-defined]

    writer = threading.Thread(target=handle.write, args=(slow_write,))
    writer.start()
    try:
        assert inside.wait(30)
        timings = []
        for fn in (_datasets, _local_rows):
            t0 = time.perf_counter()
            value = (handle.compute if fn is _datasets else handle.compute_local)(fn)
            timings.append(time.perf_counter() - t0)
            # the last committed state: the write is still open
            assert value == (published if fn is _datasets else 0)
        assert max(timings) < 2.0, timings  # answered while the write holds its transaction
        assert writer.is_alive()
    finally:
        release.set()
        writer.join(30)
    assert handle.compute_local(_local_rows) == 1  # local views see the commit at once
    assert handle.compute(_datasets) == published  # published views are unchanged
    handle.close()


def test_two_views_with_one_short_name_keep_their_own_answers(store_path: Path) -> None:
    """The memo tells views apart by module and qualified name: the targets' own
    ``indicator_names`` (id -> name) and the geography's (id -> name and unit) once shared
    one remembered answer, and whichever ran second got the other's shape."""
    from healthgap.account import authority_targets
    from healthgap.geography import names

    handle = StoreHandle(str(store_path))
    try:
        plain = handle.compute(authority_targets.indicator_names)
        rich = handle.compute(names.indicator_names)
        assert plain["hle_birth"] == rich["hle_birth"]["name"]
        assert isinstance(plain["hle_birth"], str)
        assert set(rich["hle_birth"]) == {"name", "unit"}
        assert handle.compute(authority_targets.indicator_names) is plain
    finally:
        handle.close()


def test_remember_makes_once_per_key_and_build(
    store_path: Path, mirror: Path, tmp_path: Path
) -> None:
    """A remembered page part is made once per key, shared by every handle on the same
    build (an app made again, a handle reopened, a copy of the file), and made again for
    another build."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(store_path, copy)
    rebuilt = tmp_path / "other.duckdb"
    init_store(rebuilt, mirror=mirror, ids=["ons_hle_local_areas"]).close()
    made: list[str] = []

    def make(name: str) -> str:
        made.append(name)
        return f"<table>{name}</table>"

    key = ("tables", "test_remember", str(tmp_path))
    handles = [StoreHandle(str(p)) for p in (store_path, store_path, copy, rebuilt)]
    first, second, copied, other = handles
    try:
        assert first.remember((*key, "E06000001"), lambda: make("a")) == "<table>a</table>"
        assert first.remember((*key, "E06000001"), lambda: make("b")) == "<table>a</table>"
        assert second.remember((*key, "E06000001"), lambda: make("b")) == "<table>a</table>"
        assert copied.remember((*key, "E06000001"), lambda: make("b")) == "<table>a</table>"
        assert first.remember((*key, "E08000025"), lambda: make("c")) == "<table>c</table>"
        # another build (other datasets) makes its own
        assert other.remember((*key, "E06000001"), lambda: make("d")) == "<table>d</table>"
        assert made == ["a", "c", "d"]
    finally:
        for handle in handles:
            handle.close()
