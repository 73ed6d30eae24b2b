"""Answers from published data are remembered per build: shared by every open store of
one build (copies of its file included), never by two builds (a store built again in
place, a store with other datasets)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from healthgap.data import published
from healthgap.data.store import init_store, open_store
from healthgap.geography import lsoa_lookup


def _count(made: list[str], store: object) -> pd.DataFrame:
    made.append(str(store))
    return pd.DataFrame({"n": [len(made)]})


def test_one_build_shares_answers_with_its_copies(
    store_path: Path, mirror: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(store_path, copy)
    other = tmp_path / "other.duckdb"
    init_store(other, mirror=mirror, ids=["ons_hle_local_areas"]).close()
    made: list[str] = []
    key = ("test_published", str(tmp_path))
    with open_store(store_path) as a, open_store(copy) as b, open_store(other) as c:
        assert published.build_key(a) == published.build_key(b)
        assert published.build_key(a) != published.build_key(c)
        first = published.remembered(a, key, lambda: _count(made, a))
        again = published.remembered(b, key, lambda: _count(made, b))
        apart = published.remembered(c, key, lambda: _count(made, c))
    assert len(made) == 2
    assert first["n"].tolist() == again["n"].tolist() == [1]
    assert apart["n"].tolist() == [2]
    first.loc[0, "n"] = 99  # a caller changing its frame changes no one else's
    with open_store(store_path) as a:
        assert published.remembered(a, key, lambda: _count(made, a))["n"].tolist() == [1]


def test_a_store_listing_no_datasets_is_named_by_its_path(tmp_path: Path) -> None:
    paths = [tmp_path / "a.duckdb", tmp_path / "b.duckdb"]
    for path in paths:
        init_store(path, mirror=tmp_path, ids=[]).close()
    with open_store(paths[0]) as a, open_store(paths[1]) as b:
        assert published.build_key(a) != published.build_key(b)


def test_a_store_built_again_in_place_is_a_new_build(mirror: Path, tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    init_store(path, mirror=mirror, ids=["ons_hle_local_areas"]).close()
    with open_store(path) as s:
        before = published.build_key(s)
    init_store(path, mirror=mirror, ids=["ons_hle_local_areas", "imd2019_lad"]).close()
    with open_store(path) as s:
        assert published.build_key(s) != before


def test_the_lsoa_lookup_is_worked_out_once_per_build(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthgap.geography import hierarchy

    published.forget()
    calls: list[int] = []
    real = hierarchy._lsoa_lookup

    def counted(*args: object) -> pd.DataFrame:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(hierarchy, "_lsoa_lookup", counted)
    with open_store(store_path) as a:
        first = lsoa_lookup(a)
    with open_store(store_path) as b:
        second = lsoa_lookup(b)
    assert calls == [1]
    pd.testing.assert_frame_equal(first, second)
    assert len(first) > 33_000  # every English LSOA 2021
