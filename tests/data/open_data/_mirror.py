"""Where the tests find the offline mirror, and one store built from it per session."""

from __future__ import annotations

import os
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
    """Build the full store from the mirror once per test session; reuse the file."""
    from healthgap.data.store import init_store

    path = factory.getbasetemp() / "mirror-store" / "healthgap.duckdb"
    if not path.exists():
        init_store(path, mirror=mirror_or_skip()).close()
    return path
