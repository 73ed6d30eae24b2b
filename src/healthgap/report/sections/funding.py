"""The report's funding section: NHS England's published need for the authority.

Every number comes from :mod:`healthgap.allocate.need` (the same functions as the Funding
page and ``healthgap allocate need``): the need index per head of each member council's GP
practices, the authority and England, for the latest allocation year, with the change
since the first; and the ICBs whose practices serve the authority's councils.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from healthgap.allocate import need
from healthgap.report.model import Section, _table

if TYPE_CHECKING:
    from healthgap.data.store import Store
    from healthgap.report.authority import Authority


def funding_section(store: Store, auth: Authority) -> Section:
    """Section "Funding and need" for ``auth`` (its member councils as LAD 2024 codes)."""
    first, last = need.YEARS[0], need.YEARS[-1]
    lads = list(auth.members["lad_code"])
    now = need.footprint_need(store, last, "lad")
    before = need.footprint_need(store, first, "lad").set_index("code")["need_index"]
    members = now[now["code"].isin(lads)].copy()
    members["need_index_first"] = members["code"].map(before)
    total = members[["practices", "registered_population", "final_wp", "health_inequalities_wp"]]
    sums = total.sum()
    before_all = need.footprint_need(store, first, "lad")
    before_all = before_all[before_all["code"].isin(lads)]
    authority = {
        "code": auth.code,
        "name": f"{auth.name} (all councils)",
        "practices": sums["practices"],
        "registered_population": sums["registered_population"],
        "need_index": sums["final_wp"] / sums["registered_population"],
        "hi_index": sums["health_inequalities_wp"] / sums["registered_population"],
        "need_index_first": before_all["final_wp"].sum()
        / before_all["registered_population"].sum(),
    }
    england = {
        "code": "E92000001",
        "name": "England",
        "practices": float(now["practices"].sum()),
        "registered_population": float(now["registered_population"].sum()),
        "need_index": 1.0,
        "hi_index": 1.0,
        "need_index_first": 1.0,
    }
    frame = pd.concat(
        [members.sort_values("name"), pd.DataFrame([authority, england])], ignore_index=True
    )
    frame["population"] = frame["registered_population"]
    frame["change"] = frame["need_index"] - frame["need_index_first"]
    councils = _table(
        "funding-need",
        f"NHS England need index per registered patient, member councils, {last} "
        f"(England = 1), with the change since {first}",
        frame,
        {
            "name": "Area",
            "practices": "GP practices",
            "population": "Registered population",
            "need_index": f"Need index {last}",
            "hi_index": "Health inequalities index",
            "need_index_first": f"Need index {first}",
            "change": "Change",
        },
        {
            "practices": 0,
            "population": 0,
            "need_index": 3,
            "hi_index": 3,
            "need_index_first": 3,
            "change": 3,
        },
    )
    prac = need.practices(store, last)
    from healthgap.geography.hierarchy import recode_lad

    prac["lad_code"] = recode_lad(prac["lad_code"].to_numpy(), 2021, 2024, store=store)
    serving = prac.loc[prac["lad_code"].isin(lads), "icb_code"].unique()
    icb = need.icb_need(store, last)
    icb = icb[icb["icb_code"].isin(serving)].sort_values("icb_name")
    icb = icb.assign(population=icb["registered_population"], need_pct=100 * icb["need_share"])
    icbs = _table(
        "funding-icbs",
        f"ICBs whose GP practices serve the authority's councils: need share and index, {last}",
        icb,
        {
            "icb_name": "ICB",
            "population": "Registered population",
            "need_pct": "Share of England's need (%)",
            "need_index": "Need index",
        },
        {"population": 0, "need_pct": 3, "need_index": 3},
    )
    index = float(authority["need_index"])
    summary = (
        f"By NHS England's allocation formula for {last}, the registered patients of GP "
        f"practices in {auth.name} need {index:.3f} times England's average per head, "
        f"against {float(authority['need_index_first']):.3f} times in {first}. These are "
        "NHS England's published weighted populations (need indices, not money).",
        need.METHOD,
    )
    notes = (
        "Source: NHS England, ICB allocations 2023/24 to 2025/26, GP practice weighted "
        "populations (Place Based Allocation Tool); OGL v3.0.",
        "Registered populations are GP registrations projected to the allocation year, not "
        "resident populations; a council's practices may serve people living elsewhere.",
    )
    return Section("funding", "Funding and need", summary, (councils, icbs), (), notes)


__all__ = ["funding_section"]
