"""The allocation explorer: pages pass the structure checks, the API returns the domain
functions' numbers, the what-if form reports problems, and Chromium + axe-core pass."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest

from healthgap.allocate.examples import ILLUSTRATION, run_example
from healthgap.data.store import open_store
from tests.web import test_browser
from tests.web.browser import needs_chromium
from tests.web.conftest import check_page

PAGES = [
    "/allocation",
    "/allocation?example=public_health_grant",
    "/allocation?example=health_duty_fund&hi_share=0.5",
    "/allocation?example=icb_capitation&hi_share=0.15&growth=0.04&floor=0.02&years=3",
    "/allocation/icb_capitation/areas/E54000008",
    "/allocation/public_health_grant/areas/E67000001",
    "/allocation/health_duty_fund/areas/E47000001",
]


@pytest.mark.parametrize("url", PAGES)
def test_allocation_page_structure(client: Any, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200
    check_page(r.text)
    assert "NOT an official allocation" in r.text
    assert "Funding" in r.text  # the service navigation entry


def test_page_shows_the_domain_numbers(client: Any, store_path: Any) -> None:
    with open_store(store_path) as st:
        table = run_example(st, "health_duty_fund").table
    r = client.get("/allocation?example=health_duty_fund")
    row = table[table["area"] == "E47000006"].iloc[0]
    assert f"{row['target_per_head']:,.2f}" in r.text
    assert "Tees Valley" in r.text
    api = client.get("/api/v1/allocations/health_duty_fund").json()
    assert api["illustration"] == ILLUSTRATION
    got = {d["area"]: d["target_pence"] for d in api["data"]}
    assert got == dict(zip(table["area"], table["target_pence"].astype(int), strict=True))
    assert sum(got.values()) == 100_000_000 * 100
    csv = client.get("/api/v1/allocations/health_duty_fund?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(csv.text))
    assert frame["target_pence"].sum() == 10_000_000_000


def test_what_if_and_waterfall_api(client: Any) -> None:
    body = client.get("/api/v1/allocations/icb_capitation/compare?hi_share=0.15").json()
    assert body["hi_share"] == 0.15 and len(body["data"]) == 42
    assert sum(d["change_pence"] for d in body["data"]) == 0
    steps = client.get("/api/v1/allocations/icb_capitation/areas/E54000008").json()["data"]
    assert steps[-1]["step"] == "final"
    changes = sum(s["change_pence"] for s in steps)
    assert changes == steps[-1]["running_pence"]
    path = client.get("/api/v1/allocations/icb_capitation/path?format=csv")
    frame = pd.read_csv(io.StringIO(path.text))
    assert frame.groupby("year")["allocation_pence"].sum().iloc[0] == 100_000_000_000 * 100
    listing = client.get("/api/v1/allocations").json()
    assert [d["example"] for d in listing["data"]] == [
        "icb_capitation",
        "public_health_grant",
        "health_duty_fund",
    ]


def test_errors(client: Any) -> None:
    r = client.get("/allocation?example=icb_capitation&hi_share=lots")
    assert r.status_code == 400
    check_page(r.text)
    assert "There is a problem" in r.text
    assert "hi share must be a number such as 0.15; got &#39;lots&#39;" in r.text
    r = client.get("/allocation?example=icb_capitation&hi_share=1.5")
    assert r.status_code == 400 and "must be a share between 0 and 1; got 1.5" in r.text
    r = client.get("/allocation?example=nope")
    assert r.status_code == 404
    check_page(r.text)
    r = client.get("/allocation/icb_capitation/areas/XX")
    assert r.status_code == 404 and "area must be one of the example&#39;s areas" in r.text
    err = client.get("/api/v1/allocations/icb_capitation/compare").json()["error"]
    assert "a what-if must change something; got none" in err["message"]
    err = client.get("/api/v1/allocations/icb_capitation?years=x").json()["error"]
    assert "years must be a whole number; got 'x'" in err["message"]
    err = client.get("/api/v1/allocations/nope").json()["error"]
    assert err["code"] == "not_found"


@needs_chromium
@pytest.mark.parametrize("url", PAGES[:1] + PAGES[3:5])
def test_allocation_pages_pass_axe(server: str, browser: Any, url: str) -> None:
    test_browser.test_page_in_chromium_passes_axe(server, browser, url)
