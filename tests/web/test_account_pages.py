"""The accountability pages (mission, scorecards, frameworks, Core20PLUS5, gap by health
state, maps): each renders and passes the structure checks; its numbers equal the domain
functions' output and published ONS/MHCLG values read here straight from the mirror CSVs;
the JSON API gives the same numbers; bad input gives a GOV.UK error page or the one error
shape."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest

from healthgap.account.mission import mission
from healthgap.data.store import Store, open_store
from healthgap.errors import InputError
from healthgap.web import views_account
from tests.data.open_data._mirror import mirror_or_skip
from tests.web.conftest import check_page

PAGES = [
    "/mission",
    "/mission?target_year=2035",
    "/mission?target_year=2040&definition=range&series=hle_birth",
    "/maps",
    "/maps?geography=lad&indicator=93722&sex=Persons",
    "/maps?geography=icb",
    "/scorecards",
    "/scorecards/E47000001",
    "/scorecards/E08000025",
    "/scorecards/E08000001",  # Bolton: held as a county only by the North West extract
    "/scorecards/E47000018",
    "/scorecards/E61000001",
    "/frameworks/greater_manchester",
    "/core20plus5",
    "/core20plus5/E47000001",
    "/core20plus5/E47000013",
    "/core20plus5/E61000001",
    "/core20plus5/E54000057",
    "/decomposition",
    "/decomposition?first=London&second=North%20East&sex=Male&period=2020-2022",
]
BAD_PAGES = [
    ("/mission?target_year=20x5", 400, "target year must be a 4-digit year"),
    ("/mission?target_year=2035&baseline_period=1999", 400, "baseline_period must be a period"),
    ("/frameworks/nope", 400, "framework must be one of greater_manchester"),
    (
        "/scorecards/E08000025?framework=greater_manchester",
        400,
        "authority must be the framework&#39;s authority",
    ),
    ("/scorecards/E99999999", 400, "authority must be a combined authority"),
    ("/scorecards/E54000057", 400, "the open data publish no indicators for ICBs"),
    ("/scorecards/E08000025?indicator=hle_brith", 400, "got &#39;hle_brith&#39;, which has none"),
    (
        "/scorecards/E08000025?" + "&".join(["indicator=hle_birth"] * 41),
        400,
        "indicator must be given at most 40 times; got 41",
    ),
    ("/core20plus5/E99999999", 400, "footprint must be an English area code"),
    ("/core20plus5/E47000011", 400, "North of Tyne (E47000011) was replaced by North East"),
    ("/maps?indicator=hle_birth&sex=Persons", 400, "indicator and sex must have values"),
    ("/maps?geography=ward", 400, "geography must be one of utla, lad, icb"),
    ("/decomposition?first=London&second=London", 400, "first and second regions must differ"),
]


@pytest.fixture(scope="module")
def mirror():
    return mirror_or_skip()


@pytest.mark.parametrize("url", PAGES)
def test_page_structure(client, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text[-500:]
    check_page(r.text)


@pytest.mark.parametrize(("url", "status", "message"), BAD_PAGES)
def test_bad_input_gives_a_govuk_error_page(client, url: str, status: int, message: str) -> None:
    r = client.get(url)
    assert r.status_code == status
    assert message in r.text
    check_page(r.text)
    assert "There is a problem" in r.text


def test_mission_without_a_year_shows_the_gap_and_its_trend(client, store_path) -> None:
    with open_store(store_path) as st:
        ref = mission(st).trend_frame().set_index("sex")
    for url in ("/mission", "/mission?target_year="):
        r = client.get(url)
        assert r.status_code == 200
        check_page(r.text)
        assert "For example, 2035 (an example only" in r.text
        assert "Is the gap closing?" in r.text and "mission-chart" in r.text
        assert "Trajectory now" not in r.text and "What it would take" not in r.text
        for sex in ("Female", "Male"):
            assert ref.loc[sex, "trend_sentence"] in r.text
    api = client.get("/api/v1/mission").json()
    assert api["target_year"] is None
    got = {t["sex"]: t["change_per_year"] for t in api["trends"]}
    assert got["Male"] == pytest.approx(ref.loc["Male", "change_per_year"], rel=1e-12)


def test_mission_with_a_year_says_what_it_would_take(client, store_path) -> None:
    with open_store(store_path) as st:
        paces = mission(st, target_year=2035).pace_frame().set_index("sex")
    r = client.get("/mission?target_year=2035")
    assert "What it would take" in r.text and "Trajectory now" in r.text
    for sex in ("Female", "Male"):
        assert paces.loc[sex, "sentence"] in r.text.replace("&#39;", "'")


def test_home_page_leads_with_whether_the_gap_is_closing(client, store_path) -> None:
    with open_store(store_path) as st:
        ref = mission(st).trend_frame()
    r = client.get("/")
    assert r.text.index("Is the gap closing?") < r.text.index("hle-chart")
    for sentence in ref["trend_sentence"]:
        assert sentence in r.text


def _published_gap(mirror, sex: str, period: str) -> float:
    """ONS regional HLE (interim series): highest minus lowest of the 9 regions."""
    df = pd.read_csv(mirror / "hle_le" / "ons_hle_birth_local_areas_2011_2024.csv")
    reg = df[df["area_code"].str.startswith("E12") & (df["sex"] == sex) & (df["period"] == period)]
    assert len(reg) == 9
    return float(reg["hle_years"].max() - reg["hle_years"].min())


def test_mission_numbers_match_ons_and_the_domain_function(client, store_path, mirror) -> None:
    body = client.get("/api/v1/mission?target_year=2035").json()
    with open_store(store_path) as st:
        ref = mission(st, target_year=2035).summary_frame()
    page = client.get("/mission?target_year=2035").text
    for row in body["summary"]:
        sex = row["sex"]
        latest = _published_gap(mirror, sex, "2022-2024")
        base = _published_gap(mirror, sex, "2020-2022")
        assert row["latest_gap"] == pytest.approx(latest, rel=1e-10)
        assert row["baseline_gap"] == pytest.approx(base, rel=1e-10)
        assert row["target_gap"] == pytest.approx(base / 2, rel=1e-10)
        mine = ref[ref["sex"] == sex].iloc[0]
        assert row["projected_gap"] == pytest.approx(mine["projected_gap"], rel=1e-10)
        assert row["status"] == mine["status"]
        assert f"{latest:.2f} (" in page and f"{base / 2:.2f}</td>" in page
        assert row["sentence"].replace("'", "&#39;") in page
    assert "The gap in every period, by sex (years)" in page


def test_mission_csv_and_json_agree(client) -> None:
    body = client.get("/api/v1/mission?target_year=2035").json()
    csv = pd.read_csv(io.StringIO(client.get("/api/v1/mission?target_year=2035&format=csv").text))
    js = pd.DataFrame(body["gaps"])
    assert len(csv) == len(js) == 24  # 12 periods x 2 sexes
    np.testing.assert_allclose(csv["gap"], js["gap"], rtol=1e-10)


def test_mission_api_error_shape(client) -> None:
    r = client.get("/api/v1/mission?target_year=soon")
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "invalid_input"
    assert err["message"].startswith("target year must be a 4-digit year")
    r = client.get("/api/v1/mission?target_year=2035&definition=max")
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("definition must be one of")


def test_scorecard_matches_published_values(client, mirror) -> None:
    df = pd.read_csv(mirror / "hle_le" / "ons_hle_birth_local_areas_2011_2024.csv")
    gm = df[(df["area_code"] == "E47000001") & (df["period"] == "2022-2024")]
    eng = df[(df["area_code"] == "E92000001") & (df["period"] == "2022-2024")]
    base = df[(df["area_code"] == "E47000001") & (df["period"] == "2018-2020")]
    body = client.get("/api/v1/scorecards/E47000001").json()
    assert body["framework"]["version"] == "2025.1"
    rows = {(r["indicator_id"], r["sex"]): r for r in body["data"]}
    page = client.get("/scorecards/E47000001").text
    for sex in ("Female", "Male"):
        r = rows[("hle_birth", sex)]
        published = gm[gm["sex"] == sex].iloc[0]
        assert r["value"] == pytest.approx(published["hle_years"], rel=1e-10)
        assert r["lower_95_0"] == pytest.approx(published["lower_95"], rel=1e-10)
        e = float(eng[eng["sex"] == sex]["hle_years"].iloc[0])
        assert r["england_value"] == pytest.approx(e, rel=1e-10)
        b = float(base[base["sex"] == sex]["hle_years"].iloc[0])
        assert r["baseline"] == pytest.approx(b, rel=1e-10)
        # Fingertips rule, evaluated here: upper limit below England -> lower -> worse.
        expected = (
            "worse"
            if published["upper_95"] < e
            else "better"
            if published["lower_95"] > e
            else "similar"
        )
        assert r["compared_95"] == expected
        assert f"{published['hle_years']:.1f} ({published['lower_95']:.1f} to" in page
    assert "illustration" in page


@pytest.mark.parametrize(
    "authority",
    [
        "E47000001",  # Greater Manchester: its example framework, by default in both
        "E08000001",  # Bolton: held only at county type in the North West extract
        "E08000025",  # Birmingham: a district and a county
        "E12000001",  # the North East region
    ],
)
def test_cli_and_web_scorecards_are_one_service(client, store_path, tmp_path, authority) -> None:
    """`healthgap scorecard` (no --framework) and /api/v1/scorecards choose the same framework
    (healthgap.account.scorecard_frameworks) and give identical rows."""
    from tests.cli_run import run_healthgap

    out = tmp_path / "card.csv"
    got = run_healthgap(
        "scorecard", "--authority", authority, "--neighbours", "5", "--store", str(store_path),
        "--out", str(out),
    )  # fmt: skip
    assert got.returncode == 0, got.stderr
    cli = pd.read_csv(out)
    api = pd.read_csv(io.StringIO(client.get(f"/api/v1/scorecards/{authority}?format=csv").text))
    assert len(cli) == len(api) > 0
    keys = ["indicator_id", "sex"]
    both = cli.merge(api, on=keys, suffixes=("_cli", "_api"), validate="one_to_one")
    assert len(both) == len(cli)
    for column in ("value", "lower_95_0", "upper_95_0", "england_value"):
        if f"{column}_cli" in both:
            np.testing.assert_allclose(
                both[f"{column}_cli"].astype(float), both[f"{column}_api"].astype(float),
                rtol=1e-12, equal_nan=True,
            )  # fmt: skip
    assert (both["compared_95_cli"] == both["compared_95_api"]).all()


def test_a_reader_adds_indicators_to_a_scorecard(client, mirror) -> None:
    """The page offers every indicator the store holds for the authority; an added one is
    compared like the CLI's ``scorecard --indicator`` (the same service), and the address
    carries it to the CSV, the API and a remove link."""
    page = client.get("/scorecards/E08000025").text
    check_page(page)
    assert '<option value="els_employment_rate:Persons">Employment rate' in page
    url = "/scorecards/E08000025?indicator=els_employment_rate%3APersons"
    page = client.get(url).text
    check_page(page)
    assert 'value="els_employment_rate:Persons">Employment rate' not in page  # now on the card
    assert 'type="hidden" name="indicator" value="els_employment_rate:Persons"' in page
    assert 'href="/scorecards/E08000025">remove' in page
    api = client.get("/api/v1/scorecards/E08000025?indicator=els_employment_rate").json()
    row = next(r for r in api["data"] if r["indicator_id"] == "els_employment_rate")
    els = pd.read_csv(mirror / "els" / "employment-rate.csv", encoding="utf-8-sig")
    els = els[(els["areacd"] == "E08000025") & (els["indicator"] == "Employment rate")]
    latest = els.sort_values("period").iloc[-1]
    assert latest["period"].startswith(row["period"][:4])
    assert row["value"] == pytest.approx(float(latest["observation"]), rel=1e-10)
    assert f"{row['value']:.1f}" in page
    csv = client.get(
        "/api/v1/scorecards/E08000025?indicator=els_employment_rate%3APersons&format=csv"
    )
    assert "els_employment_rate" in csv.text
    assert "indicator=els_employment_rate%3APersons&amp;format=csv" in page


def test_framework_page_and_api(client) -> None:
    body = client.get("/api/v1/frameworks/greater_manchester").json()
    assert body["framework"]["name"] == "Greater Manchester outcomes framework (illustration)"
    assert body["problems"] == []
    targets = {(r["indicator_id"], r["sex"]): r["target"] for r in body["data"]}
    assert targets[("hle_birth", "Female")] == 62.0  # from the example file
    page = client.get("/frameworks/greater_manchester").text
    assert "62.00 by 2028-2030" in page and "2025.1" in page


def test_core20_population_share_matches_the_imd_file(client, mirror) -> None:
    """Reference: MHCLG IMD 2019 LSOA file, mid-2015 populations, deciles 1-2 = Core20."""
    imd = pd.read_csv(
        mirror / "imd2019" / "imd2019_lsoa11_england.csv",
        usecols=["imd_decile", "pop_total_mid2015"],
    )
    share = (
        imd.loc[imd["imd_decile"] <= 2, "pop_total_mid2015"].sum() / imd["pop_total_mid2015"].sum()
    )
    body = client.get("/api/v1/core20plus5/E92000001").json()
    assert body["population"]["core20_population_share"] == pytest.approx(share, rel=1e-10)
    assert body["population"]["lsoas"] == len(imd)
    page = client.get("/core20plus5").text
    assert f"<strong>{100 * share:.1f}%</strong>" in page
    assert "ecological" in page
    assert len(body["clinical_areas"]) == 10
    assert {c["open_data"] for c in body["clinical_areas"]} == {"no"}


def test_core20_gap_is_core20_minus_rest(client) -> None:
    body = client.get("/api/v1/core20plus5/E47000001").json()
    for r in body["data"]:
        assert r["gap"] == pytest.approx(r["core20_value"] - r["rest_value"], rel=1e-10)
        half = 1.959963984540054 * math.hypot(r["core20_se"], r["rest_se"])
        assert r["gap_upper_95_0"] - r["gap"] == pytest.approx(half, rel=1e-9)


def test_decile_decomposition_matches_ons(client, mirror) -> None:
    """Reference: ONS HLE by IMD 2015 decile, males 2015-2017; SOURCES.md quotes
    LE(10) - LE(1) = 83.32 - 73.97 = 9.35 (ONS: 9.4 years)."""
    df = pd.read_csv(mirror / "hle_le" / "ons_hle_by_imd_decile_england_males_2015_2017.csv")
    df = df.set_index("imd_decile")
    le = df["hle_years"] + df["years_in_poorer_health"]
    body = client.get("/api/v1/decomposition?part=deciles").json()
    s = body["summary"]
    assert s["gap"] == pytest.approx(le[10] - le[1], rel=1e-10)
    assert round(s["gap"], 2) == 9.34  # 83.3175 - 73.9735 (published to 4 dp)
    assert s["from_hle"] == pytest.approx(df.at[10, "hle_years"] - df.at[1, "hle_years"])
    assert s["from_hle"] + s["from_poorer_health"] == pytest.approx(s["gap"], rel=1e-10)
    csv = pd.read_csv(io.StringIO(client.get("/api/v1/decomposition?part=deciles&format=csv").text))
    np.testing.assert_allclose(csv["le"], le.to_numpy(), rtol=1e-10)
    assert f"{le[10] - le[1]:.2f} fewer years" in client.get("/decomposition").text


def test_region_decomposition_matches_ons(client, mirror) -> None:
    le = pd.read_csv(mirror / "hle_le" / "ons_le_birth_england_regions_2001_2024.csv")
    hle = pd.read_csv(mirror / "hle_le" / "ons_hle_birth_local_areas_2011_2024.csv")

    def pick(df, name):
        # Region rows only: "North East" is also a combined authority's name.
        row = df[
            df["area_code"].str.startswith("E12")
            & (df["area_name"] == name)
            & (df["sex"] == "Male")
            & (df["period"] == "2020-2022")
        ]
        assert len(row) == 1
        return row.iloc[0]

    url = "first=North%20East&second=South%20East&sex=Male&period=2020-2022"
    s = client.get(f"/api/v1/decomposition?{url}").json()["summary"]
    a, b = pick(le, "North East"), pick(le, "South East")
    assert (a["le_years"], b["le_years"]) == (77.2, 80.1)  # ONS bulletin, January 2024
    assert s["le_gap"] == pytest.approx(b["le_years"] - a["le_years"], rel=1e-10)
    ha, hb = pick(hle, "North East"), pick(hle, "South East")
    assert s["from_hle"] == pytest.approx(hb["hle_years"] - ha["hle_years"], rel=1e-10)
    z = 1.959963984540054
    se = math.hypot(
        (a["upper_95"] - a["lower_95"]) / (2 * z), (b["upper_95"] - b["lower_95"]) / (2 * z)
    )
    assert s["le_gap_upper_95_0"] == pytest.approx(s["le_gap"] + z * se, rel=1e-10)
    assert s["from_poorer_health"] == pytest.approx(s["le_gap"] - s["from_hle"], rel=1e-10)


@pytest.mark.parametrize(
    ("args", "query"),
    [
        (["--deciles"], "part=deciles"),
        (
            ["--sex", "Male", "--period", "2020-2022", "--first", "North East"],
            "sex=Male&period=2020-2022&first=North%20East",
        ),
    ],
)
def test_health_state_split_is_one_service(client, store_path, tmp_path, args, query) -> None:
    """The CLI, the API and the page show the numbers of one domain service
    (healthgap.account.health_state); their values are checked against ONS above."""
    from typer.testing import CliRunner

    from healthgap.account.health_state import decile_split, region_split
    from healthgap.cli.main import app

    with open_store(store_path) as s:
        if "--deciles" in args:
            domain = decile_split(s)
        else:
            domain = region_split(s, "Male", "2020-2022", "North East")
    out = tmp_path / "split.csv"
    got = CliRunner().invoke(
        app, ["health-state", *args, "--store", str(store_path), "--out", str(out)]
    )
    assert got.exit_code == 0, got.output
    cli = pd.read_csv(out)
    api = pd.read_csv(io.StringIO(client.get(f"/api/v1/decomposition?{query}&format=csv").text))
    pd.testing.assert_frame_equal(cli, api)
    numeric = domain.table.select_dtypes("number").columns
    np.testing.assert_allclose(cli[numeric], domain.table[numeric], rtol=1e-12)
    summary = client.get(f"/api/v1/decomposition?{query}").json()["summary"]
    key = "gap" if "--deciles" in args else "le_gap"
    assert summary[key] == domain.summary[key]
    assert f"{domain.summary[key]:.1f}" in got.output


def test_decomposition_api_error(client) -> None:
    r = client.get("/api/v1/decomposition?part=ages")
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("part must be one of regions, deciles")


def test_map_values_match_published_hle(client, mirror) -> None:
    df = pd.read_csv(mirror / "hle_le" / "ons_hle_birth_local_areas_2011_2024.csv")
    utla = df[
        df["area_code"].str.match(r"E0[6-9]|E10")
        & (df["sex"] == "Female")
        & (df["period"] == "2022-2024")
        & df["geography"].str.contains("ounty|nitary|London|Metropolitan", regex=True)
    ]
    body = client.get("/api/v1/maps").json()
    got = pd.DataFrame(body["data"]).set_index("area_code")["value"]
    for code, value in utla.set_index("area_code")["hle_years"].items():
        if code in got.index:
            assert got[code] == pytest.approx(value, rel=1e-10)
    assert body["summary"]["period"] == "2022-2024"
    page = client.get("/maps").text
    assert page.count("<polygon") == 296  # every English district hexagon, by its UTLA
    assert "Hartlepool: " in page


@pytest.mark.parametrize("geography", ["utla", "lad", "icb"])
def test_no_area_with_data_is_drawn_as_no_data(store: Store, geography: str) -> None:
    """For every indicator offered on a geography (latest period), each hexagon whose
    area has a value in the table is coloured, and every area with a value has a hexagon
    (Cornwall and the Isles of Scilly combined, E67000001, is the one exception: its
    figures are for two councils at once)."""
    from healthgap.account.indicator_maps import map_indicators
    from healthgap.web import views_account as va

    options = map_indicators(store, geography)
    assert len(options)
    history = store.to_pandas(store.table("lookup_lad_code_history_2016_2024"))
    current = set(history["lad24_code"]) | set(
        store.to_pandas(store.table("lookup_lad23_utla23_ew"))["utla23_code"]
    )
    old_codes = {c for y in range(16, 24) for c in history[f"lad{y}_code"]} - current
    old_codes |= {"E10000002", "E10000006", "E10000021", "E10000023", "E10000027"}
    for ind, sex in options[["indicator_id", "sex"]].drop_duplicates().itertuples(index=False):
        view, drawn = va.indicator_map(store, geography, ind, sex)
        with_data = set(view.table.loc[view.table["value"].notna(), "area_code"])
        blank = {c.area_code for c in drawn.cells if c.label == "no data"}
        assert not (blank & with_data), (geography, ind, sorted(blank & with_data)[:5])
        # an area with data but no hexagon is an older council (e.g. the Health Index's
        # 2021 districts Allerdale, Carlisle: merged into Cumberland) or Cornwall and the
        # Isles of Scilly combined; the page counts them as "only in the table"
        off_map = {c for c in with_data if c.startswith("E")} - {c.area_code for c in drawn.cells}
        # codes retired before 2016 (e.g. the 2011 Census's E07000097 East Hertfordshire,
        # E08000020 Gateshead) are older councils too: no current district has that code
        older = {c for c in off_map if geography != "icb" and c not in current}
        assert off_map - older <= old_codes | {"E67000001"}, (geography, ind, sorted(off_map)[:5])
        assert view.summary["not_on_map"] >= len(off_map)


def test_view_errors() -> None:
    with pytest.raises(InputError, match="target year must be given"):
        views_account.target_year_from(" ")
    with pytest.raises(InputError, match="target year must be a 4-digit year; got '35'"):
        views_account.target_year_from("35")
    assert views_account.target_year_from("2035") == 2035
    with pytest.raises(InputError, match="framework must be one of greater_manchester"):
        views_account.framework_by_name("x")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("target_year=20x5", "target_year"),
        ("target_year=2035&baseline_period=1999", "baseline_period"),
        ("target_year=2035&definition=widest", "definition"),
    ],
)
def test_mission_errors_link_to_the_field_the_domain_names(client, query: str, field: str) -> None:
    """The domain's InputError carries its field; the summary links to that input."""
    r = client.get(f"/mission?{query}")
    assert r.status_code == 400
    summary = r.text.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    assert f'<a href="#{field}">' in summary
    assert f'id="{field}"' in r.text  # the link has an input to land on
