"""Answers derived from a store's published data, remembered once per process and build.

The published layer of a store (the open data ``healthgap init`` loads) never changes
while the store is in use: ``init`` builds a new file and renames it over the old one,
and uploads go to the local layer. So what is derived from published data alone (the
LSOA hierarchy, the authorities' memberships, the ICB overlaps, a page's view of an
indicator) is the same for every :class:`~healthgap.data.store.Store` opened on that
build, and is worked out once per process however many times the store is opened: by
the web app after a write, by each command run in one process, by each test.

A build is named by :func:`build_key`: a digest of the id, load time and checksum of every
dataset in its ``datasets`` table, which is what fixes its published content. A rebuilt
store has new load times, so it is a new build; a copy of a store file is the same build
(the copies a server or a test makes share their answers). A store with no datasets
listed is named by its path as well, and a store in memory is its own build.

Only answers that read published tables may be remembered here; anything that reads the
local layer (uploads) or the app database must not.

Examples
--------
>>> import os, pytest
>>> from healthgap.data.store import init_store
>>> mirror = os.environ.get("HEALTHGAP_MIRROR", "../shared/data")
>>> if not os.path.isdir(mirror):
...     pytest.skip("the offline mirror is not present")
>>> store = init_store(":memory:", mirror=mirror, ids=["ons_hle_local_areas"])
>>> calls = []
>>> def count_rows():
...     calls.append(1)
...     return store.to_pandas(store.table("indicators").count())
>>> remembered(store, ("rows",), count_rows) == remembered(store, ("rows",), count_rows)
True
>>> len(calls)
1
>>> store.close()
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from healthgap.data import paths

if TYPE_CHECKING:
    from healthgap.data.store import Store

T = TypeVar("T")

#: How many answers are kept (least recently used forgotten first).
CAPACITY = 1024

#: What :func:`recall` answers when nothing is remembered (an answer may be None).
MISSING: Any = object()

_answers: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
_lock = threading.Lock()


def build_key(store: Store) -> tuple[str, str]:
    """The build ``store`` holds: a digest of its ``datasets`` table (each dataset's id,
    load time and checksum), read once per open store; with its real path when no
    dataset is listed."""
    key = store._build_key
    if key is None:
        if store.path == paths.MEMORY:
            key = (paths.MEMORY, uuid.uuid4().hex)
        else:
            rows = store.backend.raw_sql(
                "SELECT id, CAST(loaded_at AS VARCHAR), checksum FROM datasets ORDER BY id"
            ).fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            key = ("datasets", digest) if rows else (os.path.realpath(store.path), digest)
        store._build_key = key
    return key


def recall(build: tuple[str, str], key: tuple[Hashable, ...]) -> Any:
    """The answer remembered for ``build`` (a :func:`build_key`) under ``key``, or
    :data:`MISSING` (as :func:`remembered` returns it: a frame is copied)."""
    full = (build, *key)
    with _lock:
        if full not in _answers:
            return MISSING
        _answers.move_to_end(full)
        value = _answers[full]
    return _copied(value)


def remembered(store: Store, key: tuple[Hashable, ...], make: Callable[[], T]) -> T:
    """``make()``, remembered for ``store``'s build under ``key``.

    ``key`` must name everything the answer depends on besides the build (the function
    and its arguments). A pandas frame or series is returned as a copy, so a caller may
    change what it gets; other answers are shared and must be treated as read-only.
    ``make`` runs outside the lock: two threads asking at once may both compute it.
    """
    build = build_key(store)
    hit = recall(build, key)
    if hit is not MISSING:
        return hit
    return keep(build, key, make())


def keep(build: tuple[str, str], key: tuple[Hashable, ...], value: T) -> T:
    """Remember ``value`` for ``build`` under ``key``; return it (a frame as a copy)."""
    with _lock:
        _answers[(build, *key)] = value
        _answers.move_to_end((build, *key))
        while len(_answers) > CAPACITY:
            _answers.popitem(last=False)
    return _copied(value)


def _copied(value: T) -> T:
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy()  # type: ignore[return-value]
    return value


def forget() -> None:
    """Forget every remembered answer (for tests that change a store in place)."""
    with _lock:
        _answers.clear()
