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


NEED_PAGES = [
    "/allocation?example=icb_core_2025_26",
    "/allocation?example=icb_primary_care_2023_24&control_total=120000000000",
    "/allocation?example=icb_primary_care_2024_25&control_total=1e9&hi_share=0.2",
    "/allocation?example=icb_core_2024_25&need_year=2023/24",
]


@pytest.mark.parametrize("url", NEED_PAGES)
def test_published_need_pages(client: Any, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text[:500]
    check_page(r.text)
    assert "NHS England&#39;s published weighted populations" in r.text
    assert "Does money follow need?" in r.text


def test_published_need_numbers_on_the_page_and_in_the_csv(client: Any, store_path: Any) -> None:
    from healthgap.allocate.follows import money_follows_need

    with open_store(store_path) as st:
        icbs = money_follows_need(st).icbs
    row = icbs[(icbs["year"] == "2025/26") & (icbs["icb_code"] == "QYG")].iloc[0]
    page = client.get("/allocation").text
    assert f"{row['need_index']:,.3f}" in page and row["icb_name"] in page
    csv = client.get("/api/v1/allocations/need/icbs?year=2025/26&format=csv")
    assert (
        'filename="need-icbs-2025-26-published-nhs-england.csv"'
        in csv.headers["content-disposition"]
    )
    frame = pd.read_csv(io.StringIO(csv.text))
    assert len(frame) == 42
    assert frame.set_index("icb_code").loc["QYG", "need_index"] == pytest.approx(row["need_index"])
    body = client.get("/api/v1/allocations/need/concentration").json()
    assert body["illustration"].startswith("NHS England's published")
    assert len(body["data"]) == 6
    shares = client.get("/api/v1/allocations/icb_core_2025_26?format=csv")
    assert "published-need" in shares.headers["content-disposition"]
    table = pd.read_csv(io.StringIO(shares.text))
    assert "target_pence" not in table and table["target_share"].sum() == pytest.approx(1)
    assert set(table["label"]) == {
        "NHS England published need (shares); not an allocation in pounds"
    }
    pounds = client.get("/api/v1/allocations/icb_core_2025_26?control_total=1000000&format=csv")
    assert pd.read_csv(io.StringIO(pounds.text))["target_pence"].sum() == 100_000_000


def test_every_example_csv_is_labelled(client: Any) -> None:
    for example in ("icb_capitation", "public_health_grant", "health_duty_fund"):
        r = client.get(f"/api/v1/allocations/{example}?format=csv")
        assert f"allocation-{example}-illustration.csv" in r.headers["content-disposition"]
        frame = pd.read_csv(io.StringIO(r.text))
        assert frame["label"].str.startswith("ILLUSTRATION").all()
        path = client.get(f"/api/v1/allocations/{example}/path?format=csv")
        assert "illustration-path.csv" in path.headers["content-disposition"]
        assert pd.read_csv(io.StringIO(path.text))["label"].str.startswith("ILLUSTRATION").all()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/allocation?example=icb_core_2025_26&control_total=0", "positive amount in pounds"),
        ("/allocation?example=icb_core_2025_26&control_total=-3", "positive amount in pounds"),
        (
            "/allocation?example=icb_primary_care_2025_26&hi_share=0.2",
            "compares pounds, so it must have a control total",
        ),
    ],
)
def test_published_need_errors(client: Any, url: str, message: str) -> None:
    r = client.get(url)
    assert r.status_code == 400
    check_page(r.text)
    assert message in r.text
    assert client.get("/allocation?need_year=2031/32").status_code == 400
    assert client.get("/api/v1/allocations/need/nope").status_code == 404


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
    assert [d["example"] for d in listing["data"]][:3] == [
        "icb_capitation",
        "public_health_grant",
        "health_duty_fund",
    ]
    assert len(listing["data"]) == 9


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


def test_area_waterfall_api_statuses(client: Any) -> None:
    # The status comes from the domain error's kind (healthgap.web.errors.web_error), not
    # from its words: an area not in the example is a 404, a missing control total a 400.
    r = client.get("/api/v1/allocations/icb_capitation/areas/XX")
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["code"] == "not_found"
    assert err["message"].startswith("area must be one of the allocated areas; got 'XX'.")
    r = client.get("/api/v1/allocations/icb_core_2025_26/areas/QE1")
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "invalid_input"
    assert err["message"].startswith(
        "the waterfall of icb_core_2025_26 is in pounds, so it must have a control total; got none."
    )


@needs_chromium
@pytest.mark.parametrize(
    "url",
    [
        *PAGES[:1],
        *PAGES[3:5],
        "/allocation?example=icb_primary_care_2025_26&control_total=1000000000",
    ],
)
def test_allocation_pages_pass_axe(server: str, browser: Any, url: str) -> None:
    test_browser.test_page_in_chromium_passes_axe(server, browser, url)


def test_published_need_waterfall_needs_a_control_total(client: Any) -> None:
    page = client.get("/allocation/icb_core_2025_26/areas/QE1")
    assert page.status_code == 400
    check_page(page.text)
    assert "is in pounds, so it must have a control total" in page.text
    ok = client.get("/allocation/icb_core_2025_26/areas/QE1?control_total=1000000")
    assert ok.status_code == 200
    check_page(ok.text)
    csv = client.get("/api/v1/allocations/icb_core_2025_26/areas/QE1?control_total=5000&format=csv")
    assert "published-need-QE1.csv" in csv.headers["content-disposition"]
    steps = pd.read_csv(io.StringIO(csv.text))
    assert steps["label"].iloc[0] != steps["example_label"].iloc[0]  # step names kept
    assert steps["example_label"].str.startswith("NHS England published need").all()
    assert steps["change_pence"].sum() == steps["running_pence"].iloc[-1]
    illustration = client.get("/api/v1/allocations/icb_capitation/areas/E54000008?format=csv")
    frame = pd.read_csv(io.StringIO(illustration.text))
    assert frame["example_label"].str.startswith("ILLUSTRATION").all()
