"""Where data, mirror and store live: argument, then environment, then default."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthgap.data import paths
from healthgap.errors import InputError


def test_data_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if sys.platform in ("win32", "darwin"):
        pytest.skip("the XDG default applies on Linux and other Unix systems")
    assert paths.data_dir() == tmp_path / "xdg" / "healthgap"  # XDG_DATA_HOME (conftest)
    monkeypatch.delenv("XDG_DATA_HOME")
    assert paths.data_dir() == Path.home() / ".local" / "share" / "healthgap"
    monkeypatch.setenv("HEALTHGAP_DATA_DIR", str(tmp_path / "env"))
    assert paths.data_dir() == tmp_path / "env"
    assert paths.data_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.setenv("HEALTHGAP_DATA_DIR", "  ")  # set but empty counts as unset
    assert paths.data_dir() == Path.home() / ".local" / "share" / "healthgap"


def test_data_dir_must_not_be_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="the data directory must be a folder; got the file"):
        paths.data_dir(f)


def test_mirror_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert paths.mirror() is None
    monkeypatch.setenv("HEALTHGAP_MIRROR", str(tmp_path))
    assert paths.mirror() == tmp_path
    assert paths.mirror("https://example.org/data") == "https://example.org/data/"
    with pytest.raises(InputError, match=r"the mirror \(--mirror\) must be an existing folder"):
        paths.mirror(tmp_path / "missing")
    monkeypatch.setenv("HEALTHGAP_MIRROR", str(tmp_path / "gone"))
    with pytest.raises(InputError, match=r"the mirror \(\$HEALTHGAP_MIRROR\) must be .*no such"):
        paths.mirror()


def test_store_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert paths.store_path(data_directory=tmp_path) == str(tmp_path / "healthgap.duckdb")
    assert paths.store_path(":memory:") == ":memory:"
    monkeypatch.setenv("HEALTHGAP_STORE", str(tmp_path / "env.duckdb"))
    assert paths.store_path() == str(tmp_path / "env.duckdb")
    assert paths.store_path(tmp_path / "arg.duckdb") == str(tmp_path / "arg.duckdb")
    with pytest.raises(InputError, match="the store must be a file path; got the folder"):
        paths.store_path(tmp_path)


@given(st.text(max_size=30))
def test_is_url_only_for_http_addresses(text: str) -> None:
    assert paths.is_url(text) == text.strip().lower().startswith(("http://", "https://"))
    assert paths.is_url("HTTPS://x") and not paths.is_url("/srv/https://x")
