"""Where healthgap keeps its data: the data directory, the mirror and the store file.

Each location is resolved the same way everywhere (Python, CLI, web): an explicit
argument wins, then an environment variable, then a default.

========== ======================= ====================== ==============================
location   argument / CLI option   environment variable   default
========== ======================= ====================== ==============================
data dir   ``--data-dir``          ``HEALTHGAP_DATA_DIR`` the per-user data folder
mirror     ``--mirror``            ``HEALTHGAP_MIRROR``   none (download from publishers)
store      ``--store``             ``HEALTHGAP_STORE``    ``<data dir>/healthgap.duckdb``
========== ======================= ====================== ==============================

The per-user data folder is ``%LOCALAPPDATA%\\healthgap`` on Windows,
``~/Library/Application Support/healthgap`` on macOS and
``$XDG_DATA_HOME/healthgap`` (default ``~/.local/share/healthgap``) elsewhere.
An environment variable that is set but empty counts as unset.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from healthgap.errors import InputError

DATA_DIR_ENV = "HEALTHGAP_DATA_DIR"
MIRROR_ENV = "HEALTHGAP_MIRROR"
STORE_ENV = "HEALTHGAP_STORE"
STORE_FILE = "healthgap.duckdb"
MEMORY = ":memory:"


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def user_data_dir() -> Path:
    """The per-user folder for healthgap's data on this operating system."""
    if sys.platform == "win32":
        base = _env("LOCALAPPDATA") or _env("APPDATA")
        return (Path(base) if base else Path.home() / "AppData" / "Local") / "healthgap"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "healthgap"
    xdg = _env("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "healthgap"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The local data directory: ``explicit``, else ``$HEALTHGAP_DATA_DIR``, else per-user."""
    chosen = explicit if explicit not in (None, "") else _env(DATA_DIR_ENV)
    path = Path(chosen).expanduser() if chosen is not None else user_data_dir()
    if path.exists() and not path.is_dir():
        raise InputError(
            f"the data directory must be a folder; got the file {str(path)!r}. "
            f"Pass another --data-dir or set {DATA_DIR_ENV}."
        )
    return path


def is_url(location: str | os.PathLike[str]) -> bool:
    """True for ``http://`` and ``https://`` addresses (a mirror on a web server)."""
    text = str(location).strip().lower()
    return text.startswith(("http://", "https://"))


def mirror(explicit: str | os.PathLike[str] | None = None) -> str | Path | None:
    """The mirror: ``explicit``, else ``$HEALTHGAP_MIRROR``, else ``None``.

    A mirror is either a local folder laid out like the catalogue's ``file`` paths
    (returned as a :class:`~pathlib.Path`) or an ``http(s)://`` address of a web
    server that serves the same layout (returned as a string).
    """
    chosen = explicit if explicit not in (None, "") else _env(MIRROR_ENV)
    if chosen is None:
        return None
    if is_url(chosen):
        return str(chosen).strip().rstrip("/") + "/"
    path = Path(chosen).expanduser()
    if not path.is_dir():
        origin = "--mirror" if explicit not in (None, "") else f"${MIRROR_ENV}"
        observed = "a file" if path.exists() else "no such folder"
        raise InputError(
            f"the mirror ({origin}) must be an existing folder or an http(s):// address; "
            f"got {str(path)!r} ({observed}). Check the path, e.g. --mirror ../shared/data."
        )
    return path


def store_path(
    explicit: str | os.PathLike[str] | None = None,
    *,
    data_directory: str | os.PathLike[str] | None = None,
) -> str:
    """The store file: ``explicit``, else ``$HEALTHGAP_STORE``, else in the data directory.

    ``":memory:"`` is passed through unchanged (an in-memory DuckDB database).
    """
    chosen = explicit if explicit not in (None, "") else _env(STORE_ENV)
    if chosen is None:
        return str(data_dir(data_directory) / STORE_FILE)
    if str(chosen) == MEMORY:
        return MEMORY
    path = Path(chosen).expanduser()
    if path.is_dir():
        raise InputError(
            f"the store must be a file path; got the folder {str(path)!r}. "
            f"Use e.g. --store {path / STORE_FILE}."
        )
    return str(path)
