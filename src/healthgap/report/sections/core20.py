"""Section "Core20 population": the Core20 population share of the authority and each
council (IMD 2019 population-weighted; IMD 2025 by LSOA count, labelled)."""

from __future__ import annotations

import pandas as pd

from healthgap.account.core20plus5 import core20_shares
from healthgap.data.store import Store
from healthgap.report.authority import Authority
from healthgap.report.model import ChartData, Section, _table


def _core20_section(store: Store, auth: Authority) -> Section:
    fp = auth.footprint
    assert fp is not None
    shares = core20_shares(
        store, auth.members[["lad_code", "lad_name", "share_inside"]], fp.lsoa11, fp.lsoa21
    )
    table = shares.councils.copy()
    part = table["share_inside"] < 1
    table.loc[part, "lad_name"] = [
        f"{n} (part: {100 * sh:.0f}% of its neighbourhoods)"
        for n, sh in zip(table.loc[part, "lad_name"], table.loc[part, "share_inside"], strict=True)
    ]
    what = "councils" if auth.kind == "strategic_authority" else "councils (parts inside)"
    total = pd.DataFrame(
        {
            "lad_code": [auth.code],
            "lad_name": [f"{auth.name} (all {what})"],
            **{c: [v] for c, v in shares.total.items()},
        }
    )
    table = pd.concat([total, table.drop(columns="share_inside")], ignore_index=True)
    eng_share = shares.england_share
    t = _table(
        "core20-shares",
        f"Core20: share of people and of neighbourhoods (LSOAs) in England's most deprived "
        f"20%, {auth.name} and its councils (IMD 2019 and IMD 2025)",
        table,
        {
            "lad_name": "Area",
            "population": "Population (mid-2015)",
            "core20_population": "Core20 population",
            "core20_population_share": "Core20 % of people (IMD 2019)",
            "core20_lsoa_share_2019": "Core20 % of LSOAs (IMD 2019)",
            "core20_lsoa_share_2025": "Core20 % of LSOAs (IMD 2025)",
        },
        {
            "population": 0,
            "core20_population": 0,
            "core20_population_share": 1,
            "core20_lsoa_share_2019": 1,
            "core20_lsoa_share_2025": 1,
        },
    )
    top = t.frame.iloc[0]
    change = float(top["core20_lsoa_share_2025"]) - float(top["core20_lsoa_share_2019"])
    summary = (
        f"Core20 is the most deprived 20% of England's neighbourhoods by the Index of Multiple "
        f"Deprivation. In {auth.name}, {float(top['core20_population_share']):.1f}% of people "
        f"(about {float(top['core20_population']):,.0f} of {float(top['population']):,.0f}, "
        f"mid-2015) lived in Core20 neighbourhoods by IMD 2019, against 20% in England as a "
        f"whole ({eng_share:.1f}% with these populations).",
        f"By IMD 2025, {float(top['core20_lsoa_share_2025']):.1f}% of its neighbourhoods are "
        f"Core20, against {float(top['core20_lsoa_share_2019']):.1f}% by IMD 2019 (a change of "
        f"{change:+.1f} percentage points). The IMD 2025 figure counts neighbourhoods (2021 "
        "LSOAs), not people: the open IMD 2025 file has no populations. The two indices use "
        "different neighbourhood boundaries and indicators, so the change is indicative.",
    )
    chart_data = t.frame.iloc[1:].melt(
        id_vars=["lad_name"],
        value_vars=["core20_population_share", "core20_lsoa_share_2025"],
        var_name="measure",
        value_name="percent",
    )
    chart_data["measure"] = chart_data["measure"].map(
        {
            "core20_population_share": "% of people (IMD 2019)",
            "core20_lsoa_share_2025": "% of LSOAs (IMD 2025)",
        }
    )
    chart = ChartData(
        "chart-core20",
        "grouped_bar",
        f"Core20 share by council, {auth.name}",
        "Horizontal bar chart of the percentage of each council's people (IMD 2019) and "
        "neighbourhoods (IMD 2025) in England's most deprived 20%, with a rule at 20%.",
        chart_data,
        "core20-shares",
        {"rule": 20.0, "x_title": "Per cent in Core20"},
    )
    notes = (
        "Core20: LSOAs in national IMD deciles 1-2 (healthgap.geography.core20_lsoas). "
        "Populations are the IMD 2019 mid-2015 LSOA denominators.",
        "Aggregation: counted from the footprint's own neighbourhoods (IMD 2019 on 2011 "
        "LSOAs, bridged to the 2021 footprint with the ONS LSOA 2011 to 2021 lookup; IMD "
        "2025 on 2021 LSOAs), so a council split between footprints counts only its part "
        "inside. Shares are ratios of the summed counts, never means of council shares.",
        "Population counts are rounded to the nearest 5 by disclosure control.",
    )
    return Section("core20", "Core20 population", summary, (t,), (chart,), notes)
