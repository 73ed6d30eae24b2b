"""Profile, compare-areas and inequalities pages and their JSON/CSV (issue 15)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from tests.web.conftest import check_page

PAGES = [
    "/areas/E08000003",
    "/areas/E08000003?breakdowns=true",
    "/compare-areas",
    "/compare-areas/E47000001",
    "/compare-areas/E54000057",
    "/areas/E08000003/inequalities",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_follow_the_house_rules(client, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text[:500]
    check_page(r.text)


def test_profile_page_shows_domains_metadata_and_spines(client) -> None:
    html = client.get("/areas/E08000003").text
    for domain in ("Health outcomes", "Health improvement", "Wider determinants", "Healthcare"):
        assert f">{domain}</h2>" in html
    assert "About this indicator" in html and "Polarity:" in html
    assert html.count('class="hg-spine"') >= 40
    body = client.get("/api/v1/areas/E08000003/profile?limit=1000").json()
    assert body["summary"]["compared"] >= 39  # 40 compared; one withheld for small numbers
    data = pd.DataFrame(body["data"])
    assert {"domain", "definition", "compared_99_8", "limits_99_8", "category_type"} <= set(
        data.columns
    )
    with_cats = client.get("/api/v1/areas/E08000003/profile?format=csv&breakdowns=true").text
    cats = pd.read_csv(io.StringIO(with_cats))
    assert "Ethnic groups" in set(cats["category_type"].dropna())


def test_compare_areas_page_json_and_csv_agree(client) -> None:
    js = client.get("/api/v1/compare-areas/E47000001").json()
    assert js["footprint_name"] == "Greater Manchester" and len(js["members"]) == 10
    table = pd.DataFrame(js["data"])
    csv = pd.read_csv(io.StringIO(client.get("/api/v1/compare-areas/E47000001?format=csv").text))
    assert len(csv) == len(table)
    html = client.get("/compare-areas/E47000001").text
    assert "Manchester" in html and "hg-sig-worse" in html
    r = client.get("/compare-areas?footprint=E47000001", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/compare-areas/E47000001"
    bad = client.get("/api/v1/compare-areas/E99999999")
    assert bad.status_code == 404
    assert bad.json()["error"]["message"].startswith("footprint must be a combined authority")


def test_inequalities_api_has_heat_measures(client) -> None:
    js = client.get("/api/v1/areas/E08000003/inequalities").json()
    measures = pd.DataFrame(js["measures"])
    ethnic = measures[measures["dimension"] == "ethnic group"]
    assert {"BGV", "IDISW", "TI", "PAR"} <= set(ethnic["measure"])
    deprivation = measures[measures["dimension"] == "deprivation within the area"]
    assert {"SII", "RII"} <= set(deprivation["measure"])
    assert any("same weight" in n for n in js["notes"])
    page = client.get("/areas/E08000003/inequalities").text
    assert "Index of disparity" in page or "IDISW" in page
