"""The shared learning library: import, full-text search, suggestions.

The case studies here are FICTIONAL test fixtures (no published source): they exercise
the code and are never shipped as seed data.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import yaml

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.framework.library import Library, authority_features
from healthgap.framework.storage import NotPermittedError, Workspace
from tests.framework.conftest import ADMIN, GM_EDITOR

CASES = [
    {
        "id": "t-travel",
        "title": "Free bus travel for jobseekers",
        "authority_code": "E47000002",
        "summary": "Fictional: travelling to interviews was made free.",
        "outcome": "More interviews attended.",
        "levers": ["fares"],
        "competences": ["transport", "skills"],
        "population_groups": ["jobseekers"],
        "outcomes": ["employment"],
        "source_title": "Test fixture",
        "source_url": "https://example.org/t-travel",
        "published": "2025-01-01",
    },
    {
        "id": "t-housing",
        "title": "Damp and mould standard in social housing",
        "authority_code": "E12000007",
        "summary": "Fictional: a housing standard enforced with landlords.",
        "levers": ["regulation"],
        "competences": ["housing", "health"],
        "source_title": "Test fixture",
        "source_url": "https://example.org/t-housing",
        "published": "2024-06-30",
    },
    {
        "id": "t-gm",
        "title": "Bus travel pilot in Greater Manchester",
        "authority_code": "E47000001",
        "summary": "Fictional.",
        "competences": ["transport"],
        "source_title": "Test fixture",
        "source_url": "https://example.org/t-gm",
        "published": "2023-11-02",
    },
]


@pytest.fixture
def lib(ws: Workspace, tmp_path: Path) -> Library:
    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump(CASES))
    library = Library(ws)
    assert library.import_file(ADMIN, path) == ["t-travel", "t-housing", "t-gm"]
    return library


def test_search_all_words_with_stemming(lib: Library) -> None:
    assert set(lib.search("bus travel")["id"]) == {"t-travel", "t-gm"}
    hits = lib.search("travel")
    assert set(hits["id"]) == {"t-travel", "t-gm"}  # "travelling" in a summary stems to travel
    assert lib.search("mould landlords")["id"].tolist() == ["t-housing"]
    assert lib.search("housing")["id"].tolist() == ["t-housing"]  # title and tags
    assert lib.search("jobseekers")["id"].tolist() == ["t-travel"]  # a population-group tag
    assert lib.search("bus mould").empty  # every word must match
    assert lib.search('"quoted')["id"].tolist() == []  # quotes cannot break the query


def test_search_follows_revisions_and_deletions(lib: Library, ws: Workspace) -> None:
    revised = dict(CASES[1], title="Warm homes standard")
    lib.add(ADMIN, revised)
    assert lib.search("damp").empty
    assert lib.search("warm")["id"].tolist() == ["t-housing"]
    ws.delete(ADMIN, "case_study", "E12000007", "t-housing")
    assert lib.search("warm").empty


def test_case_study_checks(ws: Workspace) -> None:
    lib = Library(ws)
    with pytest.raises(
        InputError,
        match="a case study must have id, title, summary, source_title, source_url, "
        "published; got none for 'source_url'",
    ):
        lib.add(ADMIN, {"id": "x", "title": "t", "summary": "s", "source_title": "s"})
    with pytest.raises(InputError, match="got none for 'published' \\(case 't-travel'\\)"):
        lib.add(ADMIN, {**CASES[0], "published": ""})
    with pytest.raises(
        InputError,
        match="published \\(case 't-travel'\\) must be a date written YYYY-MM-DD; got '31/01/2025'",
    ):
        lib.add(ADMIN, {**CASES[0], "published": "31/01/2025"})
    with pytest.raises(
        InputError,
        match=r"source_url must be a web address starting https:// or http://; got 'example\.org'",
    ):
        lib.add(ADMIN, {**CASES[0], "source_url": "example.org"})
    with pytest.raises(InputError, match="case study fields must be among id, title"):
        lib.add(ADMIN, {**CASES[0], "colour": "red"})
    with pytest.raises(InputError, match="id must be letters, digits and hyphens; got 'a b'"):
        lib.add(ADMIN, {**CASES[0], "id": "a b"})
    with pytest.raises(NotPermittedError):
        lib.add(GM_EDITOR, CASES[0])  # South Yorkshire's case study


def test_import_file_checks(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the case-study file must exist"):
        Library(ws).import_file(ADMIN, tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: not a list\n")
    with pytest.raises(InputError, match="must hold a YAML list of case studies; got dict"):
        Library(ws).import_file(ADMIN, bad)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_features_match_the_raw_files(store: Store, mirror: Path) -> None:
    back = {"E08000038": "E08000016", "E08000039": "E08000019"}  # 2025 -> 2024 codes
    sa_of = {
        back.get(r["LAD25CD"], r["LAD25CD"]): r["CAUTH25CD"]
        for r in _rows(mirror / "lookups" / "lad25_cauth25_may2025.csv")
    }
    for r in _rows(mirror / "lookups" / "lad24_region24_en.csv"):
        if r["region24_code"] == "E12000007":
            sa_of[r["lad24_code"]] = "E61000001"
    lad_of = {
        r["lsoa21_code"]: r["lad24_code"]
        for r in _rows(mirror / "lookups" / "lsoa21_ward24_lad24_ew.csv")
    }
    n: dict[str, int] = {}
    d1: dict[str, int] = {}
    for r in _rows(mirror / "imd2025" / "imd2025_lsoa21_england.csv"):
        sa = sa_of.get(lad_of.get(r["lsoa21_code"], ""))
        if sa:
            n[sa] = n.get(sa, 0) + 1
            d1[sa] = d1.get(sa, 0) + (r["imd_decile"] == "1")
    got = authority_features(store)
    assert set(got.index) == set(n)
    for sa in n:
        assert got.loc[sa, "log_lsoas"] == pytest.approx(math.log(n[sa]), rel=1e-12)
        assert got.loc[sa, "deprived_share"] == pytest.approx(d1[sa] / n[sa], rel=1e-12)


def test_suggestions_rank_by_similarity_and_tags(lib: Library, store: Store) -> None:
    feats = authority_features(store)
    z = (feats - feats.mean()) / feats.std(ddof=0)

    def sim(a: str, b: str) -> float:
        return 1 / (1 + math.dist(z.loc[a].tolist(), z.loc[b].tolist()))

    got = lib.suggest("E47000001", store, tags=["transport", "fares"]).set_index("id")
    assert "t-gm" not in got.index  # not its own case studies
    travel_tags = {"transport", "skills", "fares"}
    assert got.loc["t-travel", "tag_overlap"] == pytest.approx(2 / len(travel_tags), rel=1e-12)
    assert got.loc["t-travel", "similarity"] == pytest.approx(
        sim("E47000001", "E47000002"), rel=1e-10
    )
    assert got.loc["t-housing", "similarity"] == pytest.approx(
        sim("E47000001", "E61000001"),
        rel=1e-10,  # case saved as E12000007: the GLA
    )
    expected = 0.5 * got["similarity"] + 0.5 * got["tag_overlap"]
    assert got["score"].tolist() == pytest.approx(expected.tolist(), rel=1e-12)
    assert got["score"].is_monotonic_decreasing


def test_suggest_unknown_authority(lib: Library, store: Store) -> None:
    with pytest.raises(
        InputError,
        match="authority must be a strategic authority with member councils in the store; "
        "got 'E47000099'",
    ):
        lib.suggest("E47000099", store)


def test_suggest_with_only_own_case_studies_is_empty(ws: Workspace, store: Store) -> None:
    Library(ws).add(ADMIN, CASES[2])  # Greater Manchester's own
    got = Library(ws).suggest("E47000001", store)
    assert got.empty and {"similarity", "tag_overlap", "score"} <= set(got.columns)
