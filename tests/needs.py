"""Optional dependencies of the tests, and the one place that decides whether a test whose
dependency is missing skips or fails.

On a developer's machine a test that needs something absent (Chromium, Java, a PostgreSQL
server, the offline mirror, the GPL peer phstatsmethods, the npm assets) is skipped with a
reason. ``HEALTHGAP_REQUIRE`` turns that skip into a failure for the dependencies it names, so
that CI cannot pass while a whole family of tests silently did not run::

    HEALTHGAP_REQUIRE=chromium,postgres pytest ...   # these two must be there
    HEALTHGAP_REQUIRE=all pytest ...                 # everything must be there (.ci/run)

``HEALTHGAP_REQUIRE_POSTGRES=1`` (the older switch) still means ``postgres``.

Use it in three ways, all ending in :func:`need`:

* ``@pytest.mark.needs("chromium")`` (or a module's ``pytestmark``), checked before the test
  runs by the hook in tests/conftest.py;
* ``need("mirror")`` inside a test or fixture;
* ``ph = importorskip_peer()`` for the peer module, ``need_file(path, "mirror")`` for one file.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
NODE_MODULES = REPO / "node_modules"


def _mirror_missing() -> str:
    from tests.data.open_data._mirror import mirror_or_none

    if mirror_or_none() is None:
        return "the offline mirror (../shared/data or $HEALTHGAP_MIRROR) is not present"
    return ""


def _chromium_missing() -> str:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed"
    if not (NODE_MODULES / "axe-core" / "axe.min.js").is_file():
        return "node_modules/axe-core is not installed"
    return ""


def _java_missing() -> str:
    if shutil.which("java") is None:
        return "`java` is not on PATH"
    if importlib.util.find_spec("pyspark") is None:
        return "the pyspark package is not installed"
    return ""


def _postgres_missing() -> str:
    if not os.environ.get("HEALTHGAP_TEST_POSTGRES", ""):
        return "HEALTHGAP_TEST_POSTGRES is not set"
    if importlib.util.find_spec("psycopg") is None:
        return "the psycopg package is not installed"
    return ""


def _peer_missing() -> str:
    if importlib.util.find_spec("PHStatsMethods") is None:
        return "the PHStatsMethods package is not installed"
    return ""


def _npm_missing() -> str:
    wanted = ("swagger-ui-dist/swagger-ui-bundle.js", "axe-core/axe.min.js")
    gone = [w.split("/")[0] for w in wanted if not (NODE_MODULES / w).is_file()]
    return f"node_modules lacks {', '.join(gone)}" if gone else ""


@dataclass(frozen=True)
class Dependency:
    """An optional dependency: how to tell it is missing and how to install it."""

    name: str
    missing: Callable[[], str]  # "" when present, else what is missing
    install: str


DEPENDENCIES = {
    d.name: d
    for d in (
        Dependency(
            "chromium",
            _chromium_missing,
            "`apt-get install chromium` and `npm ci` (make setup does both)",
        ),
        Dependency(
            "java",
            _java_missing,
            "`apt-get install default-jre-headless` (Java 17 or later) and "
            "`pip install -c requirements.lock -e .[spark]` (make setup does both)",
        ),
        Dependency(
            "postgres",
            _postgres_missing,
            "run the tests through scripts/with-postgres.sh (make test does), which starts a "
            "throwaway server, and `pip install -c requirements.lock -e .[postgres]`",
        ),
        Dependency(
            "mirror",
            _mirror_missing,
            "put the open-data mirror at ../shared/data beside the checkout or set "
            "HEALTHGAP_MIRROR to its folder (the one holding SOURCES.md)",
        ),
        Dependency(
            "phstatsmethods",
            _peer_missing,
            "`pip install -c requirements.lock -e .[dev]` (pins phstatsmethods==0.1.16)",
        ),
        Dependency("npm", _npm_missing, "`npm ci` (make setup does it)"),
    )
}


def required() -> frozenset[str]:
    """The dependencies ``HEALTHGAP_REQUIRE`` names (``all``: every one)."""
    names = {
        n.strip().lower() for n in os.environ.get("HEALTHGAP_REQUIRE", "").split(",") if n.strip()
    }
    if os.environ.get("HEALTHGAP_REQUIRE_POSTGRES", "") == "1":
        names.add("postgres")
    if "all" in names:
        return frozenset(DEPENDENCIES)
    unknown = names - set(DEPENDENCIES)
    if unknown:
        raise pytest.UsageError(
            f"HEALTHGAP_REQUIRE must list names from {', '.join(sorted(DEPENDENCIES))} or "
            f"'all'; got {', '.join(sorted(unknown))}"
        )
    return frozenset(names)


def missing(name: str) -> str:
    """What is missing of dependency ``name`` ("" when it is all there)."""
    return DEPENDENCIES[name].missing()


def unavailable(name: str, why: str) -> NoReturn:
    """Skip the test for the missing dependency ``name``, or fail when it is required."""
    dep = DEPENDENCIES[name]
    if name in required():
        pytest.fail(
            f"{name} is required (HEALTHGAP_REQUIRE) but missing: {why}. Install it: "
            f"{dep.install}.",
            pytrace=False,
        )
    pytest.skip(f"needs {name}: {why} (install: {dep.install})")


def need(name: str) -> None:
    """Return when dependency ``name`` is there; otherwise skip or fail (see module doc)."""
    why = missing(name)
    if why:
        unavailable(name, why)


def need_file(path: Path, name: str = "mirror") -> Path:
    """``path`` when it is a file; otherwise skip or fail as dependency ``name`` is missing."""
    if not path.is_file():
        unavailable(name, f"{path} is not there")
    return path


def importorskip_peer() -> ModuleType:
    """The PHStatsMethods module (the GPL peer of the differential tests)."""
    need("phstatsmethods")
    return importlib.import_module("PHStatsMethods")
