"""The wheel holds everything healthgap needs at run time, and runs from where it is
installed.

The wheel is built from a copy of the checkout (``pip wheel . --no-deps
--no-build-isolation``, with the setuptools pinned in the dev extra, so nothing is
downloaded while the tests run) and compared,
file by file, with the package in ``src``: every template, static file, Alembic migration
and bundled example must be in it. Then it is installed into an empty folder and imported
from there, in a working folder outside the checkout, to check that the templates, static
files and migrations are found inside the installed package (``healthgap.package_data``),
not in the source tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "healthgap"


def _package_files() -> set[str]:
    """Every file of the package in the checkout, as the wheel names it."""
    return {
        "healthgap/" + p.relative_to(SRC).as_posix()
        for p in SRC.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    checkout = work / "checkout"
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, checkout / name)
    shutil.copytree(
        SRC, checkout / "src" / "healthgap", ignore=shutil.ignore_patterns("__pycache__")
    )
    out = work / "dist"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            ".",
            "--no-deps",
            "--no-build-isolation",  # the pinned setuptools of the venv: no network
            "-q",
            "-w",
            str(out),
        ],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (built,) = out.glob("healthgap-*.whl")
    return built


def test_the_wheel_holds_every_file_of_the_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        inside = {n for n in z.namelist() if n.startswith("healthgap/")}
    missing = sorted(_package_files() - inside)
    assert not missing, f"not in the wheel (add them to package-data): {missing}"
    # the kinds the app cannot run without, named so a glob that matches nothing fails
    for wanted in (
        "healthgap/web/templates/base.html",
        "healthgap/web/static/",
        "healthgap/appdb/migrations/env.py",
        "healthgap/appdb/migrations/script.py.mako",
        "healthgap/appdb/migrations/versions/",
        "healthgap/py.typed",
    ):
        assert any(n.startswith(wanted) for n in inside), wanted
    assert sum(n.startswith("healthgap/web/templates/") for n in inside) == sum(
        1 for p in (SRC / "web" / "templates").rglob("*.html")
    )


def test_the_installed_wheel_finds_its_package_data(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import healthgap, healthgap.web.app as app, healthgap.web.render as render, "
        "healthgap.appdb.db as db\n"
        "from healthgap.web.settings import source_checkout\n"
        "print(healthgap.__file__)\n"
        "print(app.STATIC)\n"
        "print(render.templates.env.get_template('base.html').filename)\n"
        "print(db.MIGRATIONS)\n"
        "print(source_checkout())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    module, static, template, migrations, checkout = proc.stdout.splitlines()
    installed = target / "healthgap"
    assert Path(module).parent == installed
    assert Path(static) == installed / "web" / "static" and Path(static).is_dir()
    assert Path(template) == installed / "web" / "templates" / "base.html"
    assert Path(migrations) == installed / "appdb" / "migrations"
    assert (Path(migrations) / "versions").is_dir()
    assert checkout == "None"  # not mistaken for the source checkout
