"""Folders of package data (templates, static files, migrations) found through
:mod:`importlib.resources`, so they are found the same way from a source checkout and
from an installed wheel (``tests/test_wheel.py`` builds one and checks they are in it).

Only files that belong to the package are found here. ``node_modules`` and ``docs`` live
outside it and are located by :func:`healthgap.web.settings.locate` (an environment
variable, a bundled copy, the checkout, or the working folder).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from healthgap.errors import HealthgapError


def package_dir(package: str, name: str) -> Path:
    """The folder ``name`` inside the importable ``package``, as a file-system path.

    Jinja, Starlette and Alembic read folders from the file system, so the package must
    be installed as files (every wheel install is; a zip import is not supported).

    >>> package_dir("healthgap.web", "templates").name
    'templates'
    """
    folder = files(package) / name
    path = Path(str(folder))
    if not path.is_dir():
        raise HealthgapError(
            f"the package data folder {package}/{name} must exist; got none at {path}. "
            "Reinstall healthgap (the wheel lost its package data)."
        )
    return path
