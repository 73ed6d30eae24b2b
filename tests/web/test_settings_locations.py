"""Where the web service finds node_modules and docs: from a checkout and from a wheel.

An installed wheel puts healthgap under site-packages, where no parent folder is the source
checkout; the old ``Path(__file__).parents[3]`` then pointed into the Python installation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from healthgap.web import settings
from healthgap.web.settings import Settings, locate, source_checkout


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEALTHGAP_ASSETS", raising=False)
    monkeypatch.delenv("HEALTHGAP_DOCS", raising=False)


def _installed(tmp_path: Path) -> Path:
    """A module path as a wheel installs it: .../site-packages/healthgap/web/settings.py."""
    module = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "healthgap" / "web"
    module.mkdir(parents=True)
    (module / "settings.py").write_text("", encoding="utf-8")
    return module / "settings.py"


def test_the_checkout_is_found_from_this_module() -> None:
    root = source_checkout()
    assert root is not None
    assert (root / "pyproject.toml").is_file() and (root / "src" / "healthgap").is_dir()
    assert Settings().docs == root / "docs"
    assert (Settings().docs / "methods").is_dir()


def test_an_installed_wheel_is_not_mistaken_for_a_checkout(tmp_path: Path) -> None:
    assert source_checkout(_installed(tmp_path)) is None


def test_installed_uses_the_bundled_copy_then_the_working_folder(tmp_path: Path) -> None:
    start = _installed(tmp_path)
    bundled = start.parent.parent / "_bundled"
    work = tmp_path / "deployment"
    (work / "docs").mkdir(parents=True)
    # nothing bundled: the working folder's docs
    assert locate("docs", "HEALTHGAP_DOCS", start=start, cwd=work, bundled=bundled) == (
        work / "docs"
    )
    # nothing anywhere: the working-folder path (the app serves pages without the assets)
    got = locate("node_modules", "HEALTHGAP_ASSETS", start=start, cwd=work, bundled=bundled)
    assert got == work / "node_modules"
    # a bundled copy wins over the working folder
    (bundled / "docs").mkdir(parents=True)
    assert locate("docs", "HEALTHGAP_DOCS", start=start, cwd=work, bundled=bundled) == (
        bundled / "docs"
    )


def test_the_environment_variable_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHGAP_ASSETS", str(tmp_path / "elsewhere"))
    assert Settings().assets == tmp_path / "elsewhere"
    assert locate("node_modules", "HEALTHGAP_ASSETS", start=_installed(tmp_path)) == (
        tmp_path / "elsewhere"
    )


def test_the_bundled_folder_is_inside_the_package() -> None:
    assert settings.BUNDLED.parent == Path(settings.__file__).resolve().parent.parent
