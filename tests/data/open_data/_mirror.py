"""Where the tests find the offline mirror, and one store built from it per session."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def mirror_or_none() -> Path | None:
    """``$HEALTHGAP_MIRROR`` if it is a folder, else ``../shared/data`` beside the repo."""
    candidates = []
    env = os.environ.get("HEALTHGAP_MIRROR", "").strip()
    if env and not env.lower().startswith(("http://", "https://")):
        candidates.append(Path(env))
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if (c / "SOURCES.md").is_file():
            return c
    return None


def mirror_or_skip() -> Path:
    """The mirror; skips the test where it is absent (fails when HEALTHGAP_REQUIRE names it)."""
    from tests.needs import need

    need("mirror")
    found = mirror_or_none()
    assert found is not None
    return found


def session_store(factory: pytest.TempPathFactory) -> Path:
    """The full store built from the mirror, once per test run; reuse the file.

    Under pytest-xdist the first worker to ask builds it in the run's shared temporary
    folder (the others wait on a lock) and each worker takes its own copy, since tests
    may write to its local layer."""
    from healthgap.data.store import init_store

    path = factory.getbasetemp() / "mirror-store" / "healthgap.duckdb"
    if path.exists():
        return path
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        init_store(path, mirror=mirror_or_skip()).close()
        return path
    shared = factory.getbasetemp().parent / "mirror-store"  # this run's, for all workers
    shared.mkdir(exist_ok=True)
    built = shared / "healthgap.duckdb"
    with open(shared / "building.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            init_store(built, mirror=mirror_or_skip()).close()
    path.parent.mkdir(exist_ok=True)
    shutil.copyfile(built, path)
    return path
