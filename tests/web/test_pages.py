"""Every page renders, passes the structure checks, and shows the domain functions' numbers."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest

from healthgap.data.store import open_store
from tests.web.conftest import check_page

PAGES = [
    "/",
    "/?period=2011-2013",
    "/areas",
    "/areas?q=hartle",
    "/areas/E06000001",
    "/areas/E92000001",
    "/inequality",
    "/inequality?indicator=hle_birth&sex=Male",
    "/inequality?indicator=93722",
    "/inequality?indicator=adult_obesity&sex=Persons",
    "/methods",
    "/methods/sii",
    "/methods/dsr",
    "/sources",
    "/sign-in",
    "/targets",
    "/no-such-page",
    "/methods/no-such-method",
    "/areas/XX000000",
]


@pytest.mark.parametrize("url", PAGES)
def test_page_structure(client, url: str) -> None:
    r = client.get(url)
    assert r.headers["content-type"].startswith("text/html")
    check_page(r.text)
    assert r.status_code == (404 if "no-such" in url or "XX" in url else 200)


def test_every_methods_doc_renders(client) -> None:
    from pathlib import Path

    for md in sorted(Path("docs/methods").glob("*.md")):
        r = client.get(f"/methods/{md.stem}")
        assert r.status_code == 200, md.stem
        check_page(r.text)


def test_error_page_says_what_went_wrong(client) -> None:
    r = client.get("/no-such-page")
    assert "Page not found" in r.text and "/no-such-page" in r.text
    r = client.get("/inequality?indicator=bogus")
    assert r.status_code == 400
    assert "indicator must be one of hle_birth, 93722, adult_obesity; got &#39;bogus&#39;" in r.text
    check_page(r.text)


def _se(lower: float, upper: float) -> float:
    return (upper - lower) / (2 * 1.959964)


def test_home_gap_matches_the_published_regional_values(client, store_path) -> None:
    """Reference: ONS HLE 2022-2024 regional values in the store, gap formula of METHODS.md
    (difference -/+ z sqrt(s1^2 + s2^2), s = (U - L) / (2 x 1.959964)) evaluated here."""
    with open_store(store_path) as st:
        t = st.indicators("hle_birth", area_type="region", sex="Male", period="2022-2024")
        df = st.to_pandas(t).set_index("area_name")
    hi, lo = df["value"].idxmax(), df["value"].idxmin()
    assert (hi, lo) == ("South East", "North East")
    d = df.at[hi, "value"] - df.at[lo, "value"]
    s = math.hypot(
        _se(df.at[hi, "lower_95_0"], df.at[hi, "upper_95_0"]),
        _se(df.at[lo, "lower_95_0"], df.at[lo, "upper_95_0"]),
    )
    z = 1.959963984540054
    api = client.get("/api/v1/hle-gap?period=2022-2024").json()["summary"]
    assert api["highest"] == hi and api["lowest"] == lo
    assert api["difference"] == pytest.approx(d, rel=1e-10)
    assert api["difference_lower_95_0"] == pytest.approx(d - z * s, rel=1e-6)
    assert api["difference_upper_95_0"] == pytest.approx(d + z * s, rel=1e-6)
    page = client.get("/?period=2022-2024").text
    assert f"{d:.1f} more years" in page
    assert f"{d - z * s:.1f} to {d + z * s:.1f} years" in page


def test_inequality_numbers_match_an_independent_computation(client, store_path) -> None:
    """Decile values recomputed here, step by step, from the store's raw tables: every
    English LSOA takes its district's HLE where published, else its upper-tier
    authority's; areas ranked by population-weighted IMD 2019 score, deciles by
    ceil(rank x 10 / n); mid-2020 LSOA populations. SII equal to healthgap.sii called
    directly on them (the page must not alter the numbers)."""
    from healthgap import sii
    from healthgap.geography.hierarchy import lsoa_lookup

    with open_store(store_path) as st:
        t = st.indicators("hle_birth", area_type=["lad", "utla"], sex="Female", period="2022-2024")
        vals = st.to_pandas(t)
        lk = lsoa_lookup(st, lsoa_vintage=2011)
        imd = st.to_pandas(st.table("imd2019_lsoa11"))[["lsoa11_code", "imd_score"]]
        pop = st.to_pandas(st.table("population_lsoa11_single_year"))
    vals["area_code"] = vals["area_code"].replace(
        {"E08000038": "E08000016", "E08000039": "E08000019"}
    )
    lad = vals[vals["area_type"] == "lad"].set_index("area_code")
    utla = vals[vals["area_type"] == "utla"].set_index("area_code")
    lk = lk.merge(imd, left_on="lsoa_code", right_on="lsoa11_code")
    lk = lk.merge(pop[["lsoa11_code", "total_population"]], on="lsoa11_code")
    lk["area"] = [
        ("lad", a) if a in lad.index else ("utla", u) if u in utla.index else None
        for a, u in zip(lk["lad_code"], lk["utla_code"], strict=True)
    ]
    lk = lk[lk["area"].notna()]
    lk["w"] = lk["imd_score"] * lk["total_population"]
    areas = lk.groupby("area").agg(p=("total_population", "sum"), w=("w", "sum"))
    areas["score"] = areas["w"] / areas["p"]
    rank = areas["score"].rank(ascending=False, method="min")
    areas["decile"] = np.ceil(rank * 10 / len(areas)).astype(int)
    src = {("lad", c): r for c, r in lad.iterrows()} | {("utla", c): r for c, r in utla.iterrows()}
    areas["value"] = [src[k]["value"] for k in areas.index]
    areas["se"] = [
        (src[k]["upper_95_0"] - src[k]["lower_95_0"]) / (2 * 1.959963984540054) for k in areas.index
    ]
    assert len(areas) == 151  # 68 districts and 83 upper-tier authorities (was 66 districts)
    rows = []
    for d, g in areas.groupby("decile"):
        w = g["p"] / g["p"].sum()
        rows.append(
            (
                d,
                float((w * g["value"]).sum()),
                math.sqrt(float(((w * g["se"]) ** 2).sum())),
                float(g["p"].sum()),
            )
        )
    ref = pd.DataFrame(rows, columns=["imd_decile", "value", "se", "population"])
    got = pd.read_csv(
        io.StringIO(client.get("/api/v1/inequality?period=2022-2024&format=csv").text)
    )
    assert got["imd_decile"].tolist() == ref["imd_decile"].tolist()
    assert got["value"].to_numpy() == pytest.approx(ref["value"].to_numpy(), rel=1e-10)
    assert got["se"].to_numpy() == pytest.approx(ref["se"].to_numpy(), rel=1e-10)
    direct = (
        sii(ref, "value", "population", "imd_decile", se="se", repetitions=10_000, seed=1)
        .to_pandas()
        .iloc[0]
    )
    summary = client.get("/api/v1/inequality?period=2022-2024").json()["summary"]
    assert summary["sii"] == pytest.approx(float(direct["sii"]), rel=1e-10)
    assert summary["sii_lower_95_0"] == pytest.approx(float(direct["sii_lower_95_0"]), rel=1e-10)
    assert summary["areas"] == 151 and summary["coverage"] > 0.999
    page = client.get("/inequality?period=2022-2024").text
    assert f"<strong>{summary['sii']:.2f}</strong>" in page
    assert "151 areas" in page


def test_inequality_explorer_warns_about_deciles_with_few_areas(store_path) -> None:
    from healthgap.account.explorer import explore

    with open_store(store_path) as st:
        result = explore(st, "hle_birth", "Female", "2022-2024", few_areas=16)
    # deciles 1-9 hold 15 areas each, decile 10 holds 16 (151 areas)
    assert result.summary["few_area_deciles"] == list(range(1, 10))
    assert result.warnings[0].startswith("Decile 1 holds only 15 areas")
    assert (result.table["districts"] + result.table["upper_tier"] == result.table["areas"]).all()


@pytest.mark.parametrize(
    ("args", "query"),
    [
        ([], ""),
        (["--indicator", "hle_birth", "--sex", "Male", "--period", "2020-2022"],
         "indicator=hle_birth&sex=Male&period=2020-2022"),
        (["--indicator", "93722"], "indicator=93722"),
    ],
)  # fmt: skip
def test_the_explorer_is_one_service_in_every_face(
    client, store_path, tmp_path, args, query
) -> None:
    """`healthgap explore`, /api/v1/inequality and /inequality show the numbers of one
    domain service (healthgap.account.explorer.explore_chosen), which the test above
    checks against an independent computation."""
    from healthgap.account.explorer import explore_chosen
    from tests.cli_run import run_healthgap

    chosen = dict(a.split("=") for a in query.split("&") if a)
    with open_store(store_path) as s:
        domain = explore_chosen(s, chosen.get("indicator", "hle_birth"), chosen.get("sex"),
                                chosen.get("period"))  # fmt: skip
    out = tmp_path / "explorer.csv"
    got = run_healthgap(
        "explore", *args, "--store", str(store_path), "--out", str(out), env={"COLUMNS": "300"}
    )
    assert got.returncode == 0, got.stderr
    cli = pd.read_csv(out)
    pd.testing.assert_frame_equal(cli, domain.table, check_dtype=False, rtol=1e-13)
    api = pd.read_csv(io.StringIO(client.get(f"/api/v1/inequality?{query}&format=csv").text))
    pd.testing.assert_frame_equal(api, cli[api.columns], check_dtype=False, rtol=1e-13)
    summary = client.get(f"/api/v1/inequality?{query}").json()["summary"]
    for key in ("sii", "sii_lower_95_0", "sii_upper_95_0", "rii", "period", "sex"):
        assert summary[key] == domain.summary[key], key
    assert f"slope index of inequality {domain.summary['sii']:.2f}" in got.stderr
    page = client.get(f"/inequality?{query}").text
    assert f"<strong>{domain.summary['sii']:,.2f}</strong>" in page
    for value in domain.table["value"]:
        assert f">{value:,.2f}<" in page


@pytest.mark.parametrize("area", ["E06000001", "E08000025", "E47000001"])
def test_the_profile_is_one_service_in_every_face(client, store_path, tmp_path, area) -> None:
    """`healthgap profile --out` and /api/v1/areas/{area}/profile give the same rows and
    numbers (healthgap.account.profiles.profile), and the page shows the same values."""
    from tests.cli_run import run_healthgap

    out = tmp_path / "profile.csv"
    got = run_healthgap("profile", "--area", area, "--store", str(store_path), "--out", str(out))
    assert got.returncode == 0, got.stderr
    cli = pd.read_csv(out)
    api = pd.read_csv(io.StringIO(client.get(f"/api/v1/areas/{area}/profile?format=csv").text))
    keys = ["indicator_id", "sex", "age", "benchmark", "period"]
    both = cli.merge(api, on=keys, suffixes=("_cli", "_api"), validate="one_to_one")
    assert len(both) == len(cli) == len(api) > 10
    for column in ("value", "lower_95_0", "upper_95_0", "england_value"):
        np.testing.assert_allclose(
            both[f"{column}_cli"].astype(float),
            both[f"{column}_api"].astype(float),
            rtol=1e-12,
            equal_nan=True,
        )
    for column in ("compared_95", "compared_99_8", "trend"):
        assert (both[f"{column}_cli"].fillna("") == both[f"{column}_api"].fillna("")).all()
    from healthgap.web.render import fmt

    page = client.get(f"/areas/{area}").text
    missing = [v for v in api["value"].dropna() if f">{fmt(v)}<" not in page]
    assert not missing, missing


def test_explorer_refuses_what_it_does_not_offer(store_path) -> None:
    from healthgap.account.explorer import explore_chosen
    from healthgap.errors import InputError

    with open_store(store_path) as s:
        for kwargs, field in (
            ({"indicator": "hle"}, "indicator"),
            ({"sex": "Persons"}, "sex"),
            ({"period": "1999"}, "period"),
        ):
            with pytest.raises(InputError) as caught:
                explore_chosen(s, **kwargs)
            assert caught.value.field == field
            assert str(caught.value).startswith(f"{field} must be")


def test_area_profile_significance_follows_the_interval(client) -> None:
    body = client.get("/api/v1/areas/E06000001/profile?limit=1000").json()
    rows = [
        r for r in body["data"] if r["england_value"] is not None and r["lower_95_0"] is not None
    ]
    assert rows, "Hartlepool has indicators with limits and an England value"
    for r in rows:
        inside = r["lower_95_0"] <= r["england_value"] <= r["upper_95_0"]
        assert (r["significance"] == "similar") == inside, r
    hle = [r for r in rows if r["indicator_id"] == "hle_birth"]
    for r in hle:  # polarity "high is good"
        if r["lower_95_0"] > r["england_value"]:
            assert r["significance"] == "better"
        if r["upper_95_0"] < r["england_value"]:
            assert r["significance"] == "worse"
    assert body["summary"]["area_name"] == "Hartlepool"


def test_pages_work_without_javascript_and_charts_have_tables_and_csv(client) -> None:
    for url, csv in [("/", "/api/v1/hle-gap?format=csv"), ("/inequality", "/api/v1/inequality?")]:
        html = client.get(url).text
        assert 'type="application/json"' in html  # the chart spec (data, not script)
        assert "<table" in html and csv in html.replace("&amp;", "&")
    r = client.get("/api/v1/hle-gap?format=csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert len(pd.read_csv(io.StringIO(r.text))) == 9  # the nine English regions


def _menu(html: str) -> list[str]:
    import re

    nav = html[html.index('<nav aria-label="Menu"') : html.index("</nav>")]
    return re.findall(r'class="govuk-service-navigation__link" href="([^"]+)"', nav)


def test_menu_order_and_who_sees_what(client, clients) -> None:
    from healthgap.web.render import EDITOR_LINKS, FOOTER_LINKS, NAV_ORDER
    from healthgap.web.routers import NAV

    anonymous = _menu(client.get("/").text)
    # Every registered page is reachable: in the menu, the footer, or (imports) for editors.
    assert set(anonymous) - {"/sign-in"} | set(FOOTER_LINKS) | set(EDITOR_LINKS) == {
        h for h, _ in NAV
    }
    assert anonymous == [h for h in NAV_ORDER if h in anonymous] + [
        h for h in anonymous if h not in NAV_ORDER
    ]
    assert anonymous[0] == "/" and not set(anonymous) & {"/imports", "/audit", "/methods"}
    footer = client.get("/").text.split('<footer class="govuk-footer">')[1]
    assert 'href="/methods"' in footer and 'href="/sources"' in footer
    assert "/imports" in _menu(clients("editor").get("/").text)
    assert "/imports" not in _menu(clients("viewer").get("/").text)
    admin_menu = _menu(clients("admin").get("/").text)
    assert admin_menu[-1] == "/audit" and "/imports" in admin_menu
