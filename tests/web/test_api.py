"""The JSON API: same numbers as the pages, one error shape, pagination, CSV, OpenAPI,
and disclosure control on every table that holds counts."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from healthgap.data.disclosure import find_disclosive_cells

ERROR_CASES = [
    (
        "/api/v1/nope",
        404,
        "not_found",
        "The address must name a page or endpoint; got '/api/v1/nope'",
    ),
    (
        "/api/v1/areas?limit=0",
        422,
        "invalid_request",
        "query.limit must be valid; got: Input should be greater than or equal to 1",
    ),
    ("/api/v1/areas?offset=-1", 422, "invalid_request", "query.offset must be valid"),
    ("/api/v1/areas?format=xml", 422, "invalid_request", "query.format must be valid"),
    (
        "/api/v1/hle-gap?period=1999",
        400,
        "invalid_input",
        "period must be one of the periods in the store; got '1999'",
    ),
    (
        "/api/v1/inequality?indicator=x",
        400,
        "invalid_input",
        "indicator must be one of hle_birth, 93722, adult_obesity; got 'x'",
    ),
    (
        "/api/v1/inequality?sex=Persons",
        400,
        "invalid_input",
        "sex must be one of Female, Male for hle_birth; got 'Persons'",
    ),
    (
        "/api/v1/areas/XX000000/profile",
        404,
        "not_found",
        "area must have indicator values in the store; got 'XX000000'",
    ),
    (
        "/api/v1/areas/E06%00'/profile",
        400,  # refused before routing: no control characters in an address (web.limits)
        "invalid_input",
        "the address must not contain control characters; got U+0000 at character 18.",
    ),
    ("/api/v1/areas?area_type=l'ad", 400, "invalid_input", "area_type must be letters and digits"),
    ("/api/v1/targets/999", 404, "not_found", "target must exist; got no target with id 999"),
    ("/api/v1/targets/abc", 422, "invalid_request", "path.target_id must be valid"),
    ("/api/v1/audit", 401, "unauthenticated", "This action must be done by a signed-in user"),
]


@pytest.mark.parametrize(("url", "status", "code", "message"), ERROR_CASES)
def test_one_error_shape(client, url: str, status: int, code: str, message: str) -> None:
    r = client.get(url)
    assert r.status_code == status
    body = r.json()
    assert list(body) == ["error"] and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"].startswith(message), body["error"]["message"]


def test_method_not_allowed_has_the_error_shape(client) -> None:
    r = client.patch("/api/v1/targets")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_pagination_links_walk_the_whole_list(client) -> None:
    full = client.get("/api/v1/areas?limit=1000").json()
    total = full["meta"]["total"]
    assert total > 250
    # more than 1,000 areas (sub-ICBs came with NHS Talking Therapies): read the rest
    rest = client.get("/api/v1/areas?limit=1000&offset=1000").json()
    full["data"] += rest["data"]
    seen: list[str] = []
    url = "/api/v1/areas?limit=100"
    pages = 0
    while url:
        body = client.get(url).json()
        seen += [a["area_code"] + a["area_type"] for a in body["data"]]
        assert body["meta"]["limit"] == 100
        url = body["links"]["next"]
        pages += 1
    assert len(seen) == total and pages == -(-total // 100)
    assert seen == [a["area_code"] + a["area_type"] for a in full["data"][:total]]
    last = client.get(f"/api/v1/areas?limit=100&offset={100 * (pages - 1)}").json()
    assert last["links"]["next"] is None and last["links"]["prev"].endswith(
        "offset=" + str(100 * (pages - 2))
    )


def test_csv_alternative_equals_json(client) -> None:
    js = pd.DataFrame(client.get("/api/v1/hle-gap?period=2019-2021").json()["data"])
    csv = pd.read_csv(io.StringIO(client.get("/api/v1/hle-gap?period=2019-2021&format=csv").text))
    pd.testing.assert_frame_equal(js, csv, check_dtype=False)
    r = client.get("/api/v1/sources?format=csv")
    assert r.headers["content-disposition"] == 'attachment; filename="sources.csv"'


def test_openapi_document(client) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for p in [
        "/api/v1/hle-gap",
        "/api/v1/areas",
        "/api/v1/areas/{area_code}/profile",
        "/api/v1/inequality",
        "/api/v1/sources",
        "/api/v1/targets",
        "/api/v1/targets/{target_id}",
        "/api/v1/audit",
    ]:
        assert p in paths, p
    assert set(paths["/api/v1/targets"]) == {"get", "post"}
    assert set(paths["/api/v1/targets/{target_id}"]) == {"get", "put", "delete"}
    assert not any(p.startswith("/methods") for p in paths)  # pages are not API


def test_profile_counts_pass_disclosure_control(store_path, tmp_path) -> None:
    """The open data carry no counts, so three rows with small and large death counts are
    added to a copy of the store; the page, CSV and JSON must hold no disclosive cell."""
    import shutil

    import duckdb

    from healthgap.web.app import create_app
    from healthgap.web.settings import Settings
    from tests.web.conftest import TestClient

    copy = tmp_path / "store.duckdb"
    shutil.copyfile(store_path, copy)
    con = duckdb.connect(str(copy))
    for sex, count, value in [("Male", 3, 9.9), ("Female", 12, 23.4), ("Persons", 0, 0.0)]:
        con.execute(
            "INSERT INTO indicators (indicator_id, indicator_name, area_code, area_name, "
            "area_type, sex, age, period, period_start, period_end, value, lower_95_0, "
            "upper_95_0, count, polarity, source_id) VALUES ('test_deaths', 'Test deaths', "
            "'E06000001', 'Hartlepool', 'lad', ?, 'All ages', '2023', 2023, 2023, ?, ?, ?, ?, "
            "'RAG - Low is good', 'test')",
            [sex, value, value * 0.5, value * 1.5 + 1, count],
        )
    # listed as a published dataset, as a load records it (a store is named by its datasets)
    con.execute(
        "INSERT INTO datasets (id, title, table_name, loaded_at, rows, checksum) "
        "VALUES ('test', 'Test deaths', 'indicators', now(), 3, 'synthetic')"
    )
    con.close()
    app = create_app(Settings(store=str(copy), db_url=f"sqlite:///{tmp_path / 'a.db'}"))
    with TestClient(app) as c:
        df = pd.read_csv(io.StringIO(c.get("/api/v1/areas/E06000001/profile?format=csv").text))
        js = c.get("/api/v1/areas/E06000001/profile?limit=1000").json()["data"]
        html = c.get("/areas/E06000001").text
    test = df[df["indicator_id"] == "test_deaths"].set_index("sex")
    assert len(test) == 3
    assert find_disclosive_cells(df, count_columns="count").empty
    assert find_disclosive_cells(pd.DataFrame(js), count_columns="count").empty
    assert np.isnan(test.at["Male", "count"]) and np.isnan(test.at["Male", "value"])
    assert test.at["Female", "count"] == 10 and test.at["Persons", "count"] == 0
    rows = [r for r in html.split("<tr") if "Test deaths" in r]
    male = next(r for r in rows if "Male," in r)
    female = next(r for r in rows if "Female," in r)
    assert ">9.9<" not in male  # the withheld value is not on the page either
    assert ">23.4<" in female


def test_protect_withholds_small_counts_and_their_values() -> None:
    from healthgap.web.viewmodels import protect

    df = pd.DataFrame(
        {
            "area": ["a", "b", "c"],
            "count": [3.0, 12.0, 0.0],
            "value": [1.5, 6.0, 0.0],
            "lower_95_0": [0.3, 3.1, 0.0],
            "upper_95_0": [4.4, 10.5, 1.8],
        }
    )
    out = protect(df)
    assert out["count"].isna().tolist() == [True, False, False]
    assert out["value"].isna().tolist() == [True, False, False]
    assert out.loc[1, "count"] == 10  # rounded to the nearest 5
    assert find_disclosive_cells(out, count_columns="count").empty
