"""The annual health-duty report: content, reference figures, disclosure, PDF, errors, CLI."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthgap.data.disclosure import COUNT_LIKE, DisclosurePolicy, find_disclosive_cells
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.authorities import ReplacedCodeError
from healthgap.report.authority import resolve_authority
from healthgap.report.context import build_context
from healthgap.report.model import PEOPLE_COLUMNS, ReportContext, protect
from healthgap.report.pdf import check_out
from tests.cli_run import run_healthgap

SECTIONS = (
    "The mission gap and healthy life expectancy",
    "Outcomes framework scorecard",
    "Wider determinants of health",
    "Inequalities by deprivation across member councils",
    "Life-expectancy gap decomposition",
    "Core20 population",
    "Map of member councils",
    "Funding and need",
    "Methods and data sources",
)
GM_BOROUGHS = [f"E080000{n:02d}" for n in range(1, 11)]


class _Structure(HTMLParser):
    """Collects ids, table captions, headings and svg count of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.h1 = 0
        self.tables = 0
        self.captions = 0
        self.svgs = 0
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        self.h1 += tag == "h1"
        self.tables += tag == "table"
        self.captions += tag == "caption"
        self.svgs += tag == "svg"
        self.scripts += tag == "script"


# ------------------------------------------------------------------ content


def test_html_has_every_section_chart_and_table(gm: ReportContext, gm_html: str) -> None:
    page = _Structure()
    page.feed(gm_html)
    assert page.h1 == 1 and page.scripts == 0
    assert len(page.ids) == len(set(page.ids)), "ids must be unique"
    assert page.tables == page.captions == len(gm.tables()) >= 12
    charts = [c for s in gm.sections for c in s.charts]
    assert page.svgs == len(charts) >= 8
    assert [s.title for s in gm.sections] == ["Summary", *SECTIONS]
    for i, title in enumerate(SECTIONS, start=1):
        assert f"{i}. {title}" in gm_html
        assert f'href="#{gm.sections[i].id}"' in gm_html  # contents list
    for c in charts:
        assert f'id="{c.id}"' in gm_html and f'href="#{c.table_id}"' in gm_html
    for s in gm.sections:
        assert s.summary, f"section {s.id} has no summary"
    assert "@page" in gm_html and "counter(pages)" in gm_html


def _mirror_hle(mirror: Path) -> pd.DataFrame:
    return pd.read_csv(mirror / "hle_le" / "ons_hle_birth_local_areas_2011_2024.csv")


def test_authority_hle_is_the_published_ons_figure_with_its_ci(
    gm: ReportContext, gm_html: str, mirror: Path
) -> None:
    ons = _mirror_hle(mirror)
    pub = ons[(ons["area_code"] == "E47000001") & (ons["period"] == "2022-2024")]
    table = gm.section("mission").table("mission-authority").frame
    for sex in ("Female", "Male"):
        want = pub[pub["sex"] == sex].iloc[0]
        got = table[(table["sex"] == sex) & (table["area"] == "Greater Manchester")].iloc[0]
        for a, b in (
            ("value", "hle_years"),
            ("lower_95_0", "lower_95"),
            ("upper_95_0", "upper_95"),
        ):
            assert got[a] == pytest.approx(float(want[b]), rel=1e-12)
        sentence = (
            f"{sex.lower()} healthy life expectancy at birth in 2022-2024 was "
            f"{want['hle_years']:.1f} years (95% CI {want['lower_95']:.1f} to "
            f"{want['upper_95']:.1f})"
        )
        assert sentence in gm_html
    england = ons[(ons["area_code"] == "E92000001") & (ons["period"] == "2022-2024")]
    male_england = float(england[england["sex"] == "Male"]["hle_years"].iloc[0])
    assert f"England {male_england:.1f} years" in gm_html
    # Greater Manchester's interval lies wholly below England's value in 2022-2024.
    gm_male = pub[pub["sex"] == "Male"].iloc[0]
    assert gm_male["upper_95"] < male_england
    assert "worse than England (significant)" in gm_html


def test_mission_gap_is_highest_minus_lowest_region_from_the_csv(
    gm: ReportContext, mirror: Path
) -> None:
    ons = _mirror_hle(mirror)
    reg = ons[ons["area_code"].str.startswith("E12") & (ons["period"] == "2022-2024")]
    gaps = gm.section("mission").table("mission-gap").frame
    for sex in ("Female", "Male"):
        r = reg[reg["sex"] == sex]
        want = r["hle_years"].max() - r["hle_years"].min()
        got = gaps[(gaps["sex"] == sex) & (gaps["period"] == "2022-2024")].iloc[0]
        assert got["gap"] == pytest.approx(want, rel=1e-10)
    # no status word beyond what the intervals support: the statuses are "not clear"
    summary = " ".join(gm.section("mission").summary)
    assert "On track" not in summary and "Not clear" in summary


def test_council_sii_is_the_weighted_least_squares_slope(gm: ReportContext, mirror: Path) -> None:
    """Reference: METHODS.md SII formula evaluated from the mirror CSVs, independently."""
    imd = pd.read_csv(
        mirror / "imd2019" / "imd2019_lsoa11_england.csv",
        usecols=["lad19_code", "imd_score", "pop_total_mid2015"],
    )
    imd = imd[imd["lad19_code"].isin(GM_BOROUGHS)]
    imd["ws"] = imd["imd_score"] * imd["pop_total_mid2015"]
    lad = imd.groupby("lad19_code")[["ws", "pop_total_mid2015"]].sum()
    lad["score"] = lad["ws"] / lad["pop_total_mid2015"]
    lad = lad.sort_values("score", ascending=False)
    ons = _mirror_hle(mirror)
    for sex in ("Female", "Male"):
        v = ons[(ons["sex"] == sex) & (ons["period"] == "2022-2024")].set_index("area_code")
        y = v.loc[lad.index, "hle_years"].to_numpy(float)
        a = lad["pop_total_mid2015"].to_numpy(float)
        a = a / a.sum()
        b = np.cumsum(a) - a / 2
        bx, by = np.sum(a * b), np.sum(a * y)
        slope = np.sum(a * (b - bx) * (y - by)) / np.sum(a * (b - bx) ** 2)
        intercept = by - slope * bx
        res = gm.section("inequalities").table("inequality-sii").frame
        label = f"Healthy life expectancy at birth, {sex.lower()}s (years)"
        got = res[res["label"] == label].iloc[0]
        assert got["sii"] == pytest.approx(slope, rel=1e-10)
        assert got["rii"] == pytest.approx((intercept + slope) / intercept, rel=1e-10)
        assert got["sii_lower_95_0"] < got["sii"] < got["sii_upper_95_0"]
    text = " ".join(gm.section("inequalities").summary)
    assert "ecological" in text


def test_core20_share_matches_the_imd_file(gm: ReportContext, mirror: Path) -> None:
    imd = pd.read_csv(
        mirror / "imd2019" / "imd2019_lsoa11_england.csv",
        usecols=["lad19_code", "imd_decile", "pop_total_mid2015"],
    )
    mine = imd[imd["lad19_code"].isin(GM_BOROUGHS)]
    core = mine[mine["imd_decile"] <= 2]
    want = 100 * core["pop_total_mid2015"].sum() / mine["pop_total_mid2015"].sum()
    want_lsoas = 100 * len(core) / len(mine)
    t = gm.section("core20").table("core20-shares").frame
    top = t.iloc[0]
    assert top["core20_population_share"] == pytest.approx(want, rel=1e-10)
    assert top["core20_lsoa_share_2019"] == pytest.approx(want_lsoas, rel=1e-10)
    imd25 = pd.read_csv(mirror / "imd2025" / "imd2025_lsoa21_england.csv")
    code = next(c for c in imd25.columns if c.startswith("lad") and c.endswith("_code"))
    m25 = imd25[imd25[code].isin(GM_BOROUGHS)]
    assert top["core20_lsoa_share_2025"] == pytest.approx(
        100 * (m25["imd_decile"] <= 2).mean(), rel=1e-10
    )
    assert "IMD 2025" in " ".join(gm.section("core20").summary)


def test_decomposition_adds_up_and_says_what_data_are_needed(
    gm: ReportContext, mirror: Path
) -> None:
    sec = gm.section("decomposition")
    t = sec.table("decomposition-split").frame
    le = pd.read_csv(mirror / "hle_le" / "ons_le_birth_england_regions_2001_2024.csv")
    published = le.set_index(["area_code", "sex", "period"])["le_years"]
    period = re.search(r"(\d{4}-\d{4}) \(years\)$", sec.table("decomposition-split").caption)
    assert period is not None and len(t) == 2
    for r in t.itertuples(index=False):
        assert r.hle_gap == pytest.approx(r.le_gap + r.poorer_health_gap, rel=1e-10)
        assert r.hle_gap == pytest.approx(r.hle_england - r.hle_area, rel=1e-10)
        assert r.le_gap == pytest.approx(r.le_england - r.le_area, rel=1e-10)
        # the life expectancies are ONS's published regional figures (North West, England)
        assert r.le_area == published[("E12000002", r.sex, period[1])]
        assert r.le_england == published[("E92000001", r.sex, period[1])]
    assert "deaths by five-year age band" in " ".join(sec.summary)
    assert "North West region" in " ".join(sec.summary)


def test_scorecard_uses_the_example_and_its_illustration_warning(gm: ReportContext) -> None:
    sec = gm.section("scorecard")
    assert "ILLUSTRATION" in " ".join(sec.summary)
    assert len(sec.table("scorecard-neighbours").frame) == 5
    assert set(sec.table("scorecard-values").frame["compared_95"]) <= {
        "better",
        "similar",
        "worse",
        "higher",
        "lower",
        "no data",
    }


def test_authority_without_framework_says_so_and_shows_default_set(store: Store) -> None:
    ctx = build_context(store, "E61000001")
    sec = ctx.section("scorecard")
    assert "has no outcomes framework in healthgap" in " ".join(sec.summary)
    assert ctx.data_code == "E12000007" and ctx.authority_name == "Greater London Authority"
    assert len(ctx.members) == 33
    # City of London has no published HLE: left out of the SII, and said so.
    assert "City of London left out" in " ".join(ctx.section("inequalities").summary)


# ------------------------------------------------------------------ disclosure


def _count_columns(frame: pd.DataFrame) -> list[str]:
    return [
        c
        for c in frame.columns
        if (c in COUNT_LIKE or c.endswith("_count") or c in PEOPLE_COLUMNS)
        and pd.api.types.is_numeric_dtype(frame[c])
    ]


def test_no_table_publishes_a_small_or_unrounded_count(gm: ReportContext) -> None:
    checked = 0
    for t in gm.tables():
        cols = _count_columns(t.frame)
        if cols:
            found = find_disclosive_cells(t.frame, DisclosurePolicy(), count_columns=cols)
            assert len(found) == 0, f"{t.id}: {found}"
            checked += 1
    assert checked >= 3  # members, neighbours, Core20


def test_protect_withholds_small_counts_and_their_rates() -> None:
    synthetic = pd.DataFrame(  # SYNTHETIC counts, made up for this test
        {"area": ["a", "b", "c"], "count": [3.0, 12.0, 40.0], "value": [1.0, 2.0, 3.0]}
    )
    out = protect(synthetic)
    assert math.isnan(out.loc[0, "count"]) and math.isnan(out.loc[0, "value"])
    assert out["count"].tolist()[1:] == [10.0, 40.0]
    assert not (out["count"].between(1, 7)).any()


# ------------------------------------------------------------------ hex map


def test_report_hex_map_is_the_web_hex_map(gm: ReportContext) -> None:
    # The report draws its map with the same geometry and classes as the web's /maps:
    # every hexagon of the report's SVG is a cell of charts.hexmap.hex_map, same corners.
    from healthgap.charts.hexmap import hex_map
    from healthgap.report.charts import chart_svg

    c = next(c for s in gm.sections for c in s.charts if c.kind == "hexmap")
    frame = c.data.rename(columns={"lad_code": "area_code", "lad_name": "area_name"})
    drawn = hex_map(
        frame[["area_code", "area_name", "q", "r"]].assign(layout=c.params["layout"]),
        frame[["area_code", "value"]],
        title=c.title,
        size=34.0,
    )
    svg = chart_svg(c)
    polygons = re.findall(r'<polygon points="([^"]+)" fill="([^"]+)"', svg)
    assert sorted(polygons) == sorted((cell.points, cell.fill) for cell in drawn.cells)
    assert len(polygons) == len(set(frame["area_code"])) == len(gm.members)


# ------------------------------------------------------------------ PDF


# The PDF (pages, every section heading, "Page 2 of") is checked for one footprint of each
# kind in test_every_footprint.py: a weasyprint render is the slowest step of the report, so
# this module no longer makes a fourth one of the same kind.


# ------------------------------------------------------------------ errors


def test_unknown_authority_lists_the_valid_codes(store: Store) -> None:
    with pytest.raises(
        InputError,
        match=r"authority must be an English strategic .*got 'E47000099'\. Valid codes: "
        r"E47000001 \(Greater Manchester\).*E61000001 \(Greater London Authority\)",
    ):
        resolve_authority("E47000099", store)


def test_a_replaced_code_keeps_its_own_message_naming_the_successor(store: Store) -> None:
    # The report passes the geography's ReplacedCodeError through (it names the code to
    # use) rather than the generic list of valid codes; chosen by the error's kind.
    with pytest.raises(ReplacedCodeError, match=r"replaced by North East \(E47000014\)"):
        resolve_authority("E47000011", store)
    with pytest.raises(ReplacedCodeError, match=r"a July 2022 code replaced by E54000063"):
        resolve_authority("E54000052", store)


def test_bad_period_extension_and_framework(store: Store, tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"period must be a healthy life expectancy period .*got '2030-2032'"
    ):
        build_context(store, "E47000001", period="2030-2032")
    with pytest.raises(InputError, match=r"report file must end in \.pdf or \.html; got 'r\.docx'"):
        check_out(tmp_path / "r.docx")
    with pytest.raises(InputError, match=r"report's folder must exist"):
        check_out(tmp_path / "nowhere" / "r.pdf")
    from healthgap.account.frameworks import example_path

    with pytest.raises(
        InputError,
        match=r"framework authority must be the report's authority E47000003; got 'E47000001'",
    ):
        build_context(store, "E47000003", framework=example_path("greater_manchester"))
    with pytest.raises(InputError, match=r"target_year must be after"):
        build_context(store, "E47000001", target_year=2015)


def test_earlier_period_uses_only_data_up_to_it(store: Store) -> None:
    ctx = build_context(store, "E47000001", period="2018-2020")
    gaps = ctx.section("mission").table("mission-gap").frame
    assert gaps["period"].max() == "2018-2020"
    assert "in 2018-2020 was" in " ".join(ctx.section("mission").summary)


# ------------------------------------------------------------------ CLI


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from healthgap.cli.main import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_cli_writes_html_and_exits_0(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "sy.html"
    res = _invoke(
        "report", "--authority", "E47000002", "--out", str(out), "--store", str(store_path)
    )
    assert res.exit_code == 0, res.output
    assert out.is_file() and "South Yorkshire" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--authority", "E99999999", "--out", "x.pdf"], "Valid codes: E47000001"),
        (["--authority", "E47000001", "--out", "x.docx"], "must end in .pdf or .html"),
    ],
)
def test_cli_errors_exit_2_with_the_message(
    store_path: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    res = run_healthgap(
        "report", *args, "--store", str(store_path), env={"COLUMNS": "300"}, cwd=tmp_path
    )
    assert res.returncode == 2
    assert message in " ".join(res.stderr.split())
    assert "Traceback" not in res.stderr


def test_cli_missing_store_exits_2(tmp_path: Path) -> None:
    res = run_healthgap(
        "report",
        "--authority",
        "E47000001",
        "--out",
        str(tmp_path / "r.pdf"),
        "--store",
        str(tmp_path / "none.duckdb"),
        env={"COLUMNS": "300"},
    )
    assert res.returncode == 2 and "the store must exist" in " ".join(res.stderr.split())


def test_charts_use_a_different_font_family_from_the_text() -> None:
    # One shared subset of a font for HTML text and SVG labels made WeasyPrint draw some
    # chart digits with the wrong glyphs ("6" as "5"); see docs/report.md, "Fonts".
    from pathlib import Path

    import healthgap.charts.hexmap as hexmap
    import healthgap.report.charts as charts

    css = (Path(charts.__file__).parent / "templates" / "report.css").read_text()
    body = next(line for line in css.splitlines() if line.startswith("html {"))
    assert "Liberation Sans" in body and charts.FONT not in body
    assert charts.FONT in Path(hexmap.__file__).read_text()


def test_funding_section_need_index_from_the_practice_files(
    gm: ReportContext, mirror: Path
) -> None:
    """Greater Manchester's need index = its ten boroughs' practices' final weighted
    population / registered population, read here from the mirror's 2025/26 file."""
    raw = pd.read_csv(
        mirror / "nhs_allocations" / "gp_practice_weighted_population_2025_2026.csv",
        encoding="utf-8-sig",
    )
    mine = raw[raw["LAD"].isin(GM_BOROUGHS)]
    table = gm.section("funding").table("funding-need").frame.set_index("name")
    expected = mine["Final WP"].sum() / mine["Population"].sum()
    assert table.loc["Greater Manchester (all councils)", "need_index"] == pytest.approx(
        expected, rel=1e-12
    )
    assert table.loc["England", "need_index"] == 1.0
    assert (table["population"].dropna() % 5 == 0).all()  # disclosure control
    icbs = gm.section("funding").table("funding-icbs").frame
    assert list(icbs["icb_name"]) == ["NHS Greater Manchester ICB"]
    assert "need indices, not money" in " ".join(gm.section("funding").summary)
