"""Fingertips at full breadth (profile / indicator-list fetch), on recorded responses.

The recorded answers (fixtures/fingertips_breadth/) are built from the mirror's real
Fingertips files by fixtures/make_breadth_fixtures.py: metadata entries copied from
``indicator_metadata_1587.json``, values, counts, denominators and breakdown rows from
``northwest_extract_healthdata.csv``. The expected numbers below are read from those
fixture files (and, for one value, straight from the mirror's extract), never typed in.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import httpx
import pytest

from healthgap.data.sources.fingertips_api import FingertipsAPIError, FingertipsClient
from healthgap.data.sources.fingertips_bulk import (
    UNREVIEWED_REASON,
    Checkpoint,
    fetch_fingertips,
    healthgap_area_type,
    metadata_frame,
)
from healthgap.errors import InputError
from tests.data.importing_store.conftest import FIXTURES
from tests.data.open_data._mirror import mirror_or_skip

HERE = FIXTURES / "fingertips_breadth"
PROFILE = 9999  # stands for any profile: the recorded answer lists 92904 and 241
META = HERE / f"indicator_metadata_profile_{PROFILE}.json"


def csv_of(ind: str) -> bytes:
    return (HERE / f"all_data_{ind}_502.csv").read_bytes()


class Server:
    """A MockTransport handler answering like the API, failing where told."""

    def __init__(self, fail_on: set[str] | None = None, empty: set[str] | None = None) -> None:
        self.fail_on = fail_on or set()
        self.empty = empty or set()
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/api/indicator_metadata/by_profile_id":
            return httpx.Response(200, content=META.read_bytes())
        if path == "/api/indicator_metadata/by_indicator_id":
            doc = json.loads(META.read_text(encoding="utf-8"))
            ids = request.url.params["indicator_ids"].split(",")
            return httpx.Response(200, json={i: doc[i] for i in ids if i in doc})
        if path == "/api/all_data/csv/by_indicator_id":
            ind = request.url.params["indicator_ids"]
            if ind in self.fail_on:
                raise httpx.ConnectError("connection reset by peer")
            if ind in self.empty:
                return httpx.Response(200, content=csv_of(ind).splitlines()[0] + b"\r\n")
            return httpx.Response(200, content=csv_of(ind), headers={"content-type": "text/csv"})
        return httpx.Response(404)

    def csv_requests(self) -> list[str]:
        return [
            r.url.params["indicator_ids"]
            for r in self.requests
            if r.url.path == "/api/all_data/csv/by_indicator_id"
        ]


def client(server: Server) -> FingertipsClient:
    return FingertipsClient(transport=httpx.MockTransport(server), retries=0, sleep=lambda s: None)


def fixture_rows(ind: str) -> list[dict[str, str]]:
    with (HERE / f"all_data_{ind}_502.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def store_rows(store: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_a_profile_loads_every_indicator_with_breakdowns_and_metadata(store: Path) -> None:
    server = Server()
    progress: list[tuple[int, int, str]] = []
    with client(server) as api:
        result = fetch_fingertips(
            store,
            profile=PROFILE,
            area_types=[502],
            client=api,
            on_progress=lambda *a: progress.append(a),
        )
    assert [(i.indicator_id, i.status) for i in result.items] == [
        ("92904", "loaded"),
        ("241", "loaded"),
    ]
    assert result.complete and not result.checkpoint.exists()
    assert [p[:2] for p in progress] == [(0, 2), (1, 2), (2, 2)]
    assert server.requests[0].url.params["profile_id"] == str(PROFILE)
    assert server.csv_requests() == ["92904", "241"]

    # every row of each recorded CSV is in the store, breakdown rows included
    for ind in ("92904", "241"):
        expected = {
            (r["Area Code"], r["Category Type"] or None, r["Category"] or None, r["Time period"]): (
                float(r["Value"]),
                float(r["Count"]) if r["Count"] else None,
                float(r["Denominator"]) if r["Denominator"] else None,
            )
            for r in fixture_rows(ind)
        }
        got = store_rows(
            store,
            "SELECT area_code, category_type, category, period, value, count, denominator "
            "FROM indicators WHERE source_id = ?",
            [f"fingertips:{ind}:502"],
        )
        assert {(a, t, c, p): (v, n, d) for a, t, c, p, v, n, d in got} == expected
    cats = [i.breakdown_rows for i in result.items]
    assert cats == [sum(1 for r in fixture_rows(i) if r["Category Type"]) for i in ("92904", "241")]
    assert cats[0] == 10  # the ten deprivation deciles of England

    # area types in healthgap's words
    types = dict(
        store_rows(
            store,
            "SELECT DISTINCT area_code, area_type FROM indicators "
            "WHERE source_id LIKE 'fingertips:%'",
        )
    )
    assert types == {
        "E92000001": "nation",
        "E08000001": "utla",
        "E08000003": "utla",
        "E06000008": "utla",
    }
    # metadata kept: the recorded entries, with the reviewed polarity
    doc = json.loads(META.read_text(encoding="utf-8"))
    meta = {
        r[0]: r[1:]
        for r in store_rows(
            store,
            "SELECT indicator_id, name, unit, value_type, interval_method, polarity, dataset_id "
            "FROM indicator_metadata WHERE indicator_id IN ('92904', '241')",
        )
    }
    assert meta["92904"] == (
        doc["92904"]["Descriptive"]["Name"],
        doc["92904"]["Unit"]["Label"],
        doc["92904"]["ValueType"]["Name"],
        doc["92904"]["ConfidenceIntervalMethod"]["Name"],
        "RAG - Low is good",
        "fingertips:92904:502",
    )
    assert meta["241"][4] == "BOB - Blue orange blue"


def test_the_loaded_values_are_the_mirrors(store: Path) -> None:
    """One value checked against the mirror's extract itself, not the fixture."""
    with client(Server()) as api:
        fetch_fingertips(store, indicators=[92904], client=api)
    src = Path(mirror_or_skip()) / "fingertips" / "northwest_extract_healthdata.csv"
    with src.open(encoding="utf-8-sig") as fh:
        row = next(
            r
            for r in csv.DictReader(fh)
            if (r["IndicatorId"], r["AreaCode"], r["Year"], r["Sex"], r["CategoryType"])
            == ("92904", "E08000003", "2021", "Persons", "")
        )
    got = store_rows(
        store,
        "SELECT value, count, denominator FROM indicators WHERE indicator_id = '92904' "
        "AND area_code = 'E08000003' AND period = '2021/22'",
    )
    assert got == [(float(row["Value"]), float(row["Count"]), float(row["Denominator"]))]


def test_a_failure_midway_resumes_from_the_checkpoint(store: Path) -> None:
    broken = Server(fail_on={"241"})
    with (
        client(broken) as api,
        pytest.raises(
            FingertipsAPIError,
            match=r"stopped at indicator 241, area type 502: 1 of 2 are loaded .* Run the same "
            r"fetch again to resume",
        ),
    ):
        fetch_fingertips(store, profile=PROFILE, client=api)
    point = Path(f"{store}.fingertips-checkpoint.json")
    assert list(json.loads(point.read_text())["done"]) == ["92904:502"]
    loaded = store_rows(
        store, "SELECT DISTINCT indicator_id FROM indicators WHERE source_id LIKE 'fingertips:%'"
    )
    assert loaded == [("92904",)]

    working = Server()
    with client(working) as api:
        result = fetch_fingertips(store, profile=PROFILE, client=api)
    assert working.csv_requests() == ["241"]  # 92904 is not downloaded again
    assert [(i.indicator_id, i.status) for i in result.items] == [
        ("92904", "done before"),
        ("241", "loaded"),
    ]
    assert result.complete and not point.exists()
    n = store_rows(store, "SELECT count(*) FROM indicators WHERE source_id = 'fingertips:241:502'")
    assert n == [(len(fixture_rows("241")),)]


def test_a_checkpoint_of_another_fetch_is_refused_unless_restarted(store: Path) -> None:
    point = Path(f"{store}.fingertips-checkpoint.json")
    Checkpoint(
        point, {"profile": "19", "indicators": ["1"], "area_types": [6], "parent_area_type": None}
    ).mark("1:6", {"status": "loaded", "rows": 3})
    with client(Server()) as api:
        with pytest.raises(InputError, match=r"must belong to this fetch; .* --restart"):
            fetch_fingertips(store, profile=PROFILE, client=api)
        result = fetch_fingertips(store, profile=PROFILE, client=api, restart=True)
    assert result.complete and not point.exists()


def test_no_data_and_unknown_ids_are_reported(store: Path) -> None:
    server = Server(empty={"241"})
    with client(server) as api:
        result = fetch_fingertips(store, indicators=["241"], client=api)
        assert [(i.status, i.note) for i in result.items] == [
            ("no data", "Fingertips holds no rows at this area type")
        ]
        with pytest.raises(InputError, match=r"got no metadata for 12345"):
            fetch_fingertips(store, indicators=[12345], client=api)
        with pytest.raises(InputError, match=r"must belong to profile 9999; got 12345"):
            fetch_fingertips(store, profile=PROFILE, indicators=[12345], client=api)
        with pytest.raises(InputError, match=r"must be given a profile or indicators"):
            fetch_fingertips(store, client=api)


def test_rows_of_another_dataset_fail_that_indicator_only(store: Path) -> None:
    with client(Server()) as api:
        fetch_fingertips(store, indicators=[92904], client=api)
        # the same rows under another area type id clash with fingertips:92904:502
        result = fetch_fingertips(store, indicators=[92904, 241], area_types=[402], client=api)
    status = {i.indicator_id: i.status for i in result.items}
    assert status == {"92904": "failed", "241": "loaded"}
    assert "belong to the published dataset 'fingertips:92904:502'" in result.items[0].note
    assert not result.complete and result.checkpoint.exists()
    assert "Checkpoint kept" in result.summary()


def test_fingertips_area_type_names_map_to_healthgaps() -> None:
    cases = {
        "England": "nation",
        "Regions (statistical)": "region",
        "Counties & UAs (from Apr 2023)": "utla",
        "County & UA (4/19 - 3/20)": "utla",
        "Districts & UAs (from Apr 2023)": "lad",
        "ICBs (from Apr 2023)": "icb",
        "Sub-ICBs (from Apr 2023)": "sub_icb",
        "Combined authorities": "combined_authority",
        "GPs": "GPs",
    }
    assert {k: healthgap_area_type(k) for k in cases} == cases


def test_an_unreviewed_indicator_is_stored_without_a_polarity() -> None:
    doc = json.loads(
        (Path(mirror_or_skip()) / "fingertips" / "indicator_metadata_1587.json").read_text()
    )
    frame = metadata_frame({"108": doc["108"]}, "fingertips:108:502")
    row = frame.iloc[0]
    assert row["name"] == doc["108"]["Descriptive"]["Name"]
    assert row["polarity"] is None or row["polarity"] != row["polarity"]
    assert row["polarity_reason"] == UNREVIEWED_REASON
