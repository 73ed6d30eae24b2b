"""Section "Life-expectancy gap decomposition": the HLE gap to England split into the
LE gap and the extra years lived in poorer health, where the open data hold LE (England
and the regions)."""

from __future__ import annotations

import pandas as pd

from healthgap.account.health_state import benchmark_split
from healthgap.data.store import Store
from healthgap.geography.hierarchy import ENGLAND_CODE
from healthgap.report.authority import Authority
from healthgap.report.model import ChartData, Section, _table, protect
from healthgap.report.sections.common import _ci, _each, _years


def _decomposition_section(store: Store, auth: Authority, period: str) -> Section:
    is_region = auth.data_code == auth.region_code
    area_code, area_name = auth.region_code, auth.name if is_region else auth.region_name
    split = benchmark_split(store, area_code, period=period, benchmark_code=ENGLAND_CODE)
    need = (
        "A Segment-Tool decomposition of the life-expectancy gap by age and cause "
        "(healthgap.decompose_gap, Arriaga's method) needs deaths by five-year age band "
        "(and by cause) and mid-year populations by the same age bands, by sex, for the "
        "authority and for England; the open data hold neither for local areas, so supply "
        "them from ONS or OHID (e.g. the Primary Care Mortality Database or ONS death "
        "registrations) to run it."
    )
    summary = [need]
    if split.table.empty:
        summary.append("The store holds no life expectancy to split the HLE gap with.")
        return Section("decomposition", "Life-expectancy gap decomposition", tuple(summary))
    use = str(split.summary["period"])
    df = split.table
    where = auth.name if is_region else f"the {area_name} region"
    if not is_region:
        summary.insert(
            0,
            f"Life expectancy is not in the open data for {auth.name}, only for England and "
            f"the regions, so the split below is for the {area_name} region, the nearest "
            "area that has both measures.",
        )
    for r in _each(df):
        below = r.hle_gap >= 0
        lo, hi = (
            (r.hle_gap_lower, r.hle_gap_upper) if below else (-r.hle_gap_upper, -r.hle_gap_lower)
        )
        le_lo, le_hi = (
            (r.le_gap_lower, r.le_gap_upper)
            if r.le_gap >= 0
            else (-r.le_gap_upper, -r.le_gap_lower)
        )
        summary.append(
            f"{r.sex}s, {r.period}: healthy life expectancy in {where} is "
            f"{_years(abs(r.hle_gap), 2)} {'below' if below else 'above'} England's "
            f"({_ci(lo, hi, 2)}). Life expectancy is {_years(abs(r.le_gap), 2)} "
            f"{'shorter' if r.le_gap >= 0 else 'longer'} ({_ci(le_lo, le_hi, 2)}), and "
            f"{_years(abs(r.poorer_health_gap), 2)} "
            f"{'more' if r.poorer_health_gap >= 0 else 'fewer'} are lived in poorer health."
        )
    table = _table(
        "decomposition-split",
        f"Gap to England in healthy life expectancy split into the life-expectancy gap and "
        f"extra years in poorer health, {where}, {use} (years)",
        df,
        {
            "sex": "Sex",
            "hle_area": "HLE (area)",
            "hle_england": "HLE (England)",
            "hle_gap": "HLE gap",
            "le_area": "LE (area)",
            "le_england": "LE (England)",
            "le_gap": "LE gap",
            "poorer_health_gap": "Extra years in poorer health",
        },
        dict.fromkeys(("hle_area", "hle_england", "hle_gap", "le_area", "le_england", "le_gap"), 2)
        | {"poorer_health_gap": 2},
    )
    long = pd.concat(
        [
            pd.DataFrame(
                {"sex": df["sex"], "component": "Shorter life (LE gap)", "years": df["le_gap"]}
            ),
            pd.DataFrame(
                {
                    "sex": df["sex"],
                    "component": "More years in poorer health",
                    "years": df["poorer_health_gap"],
                }
            ),
        ],
        ignore_index=True,
    )
    chart = ChartData(
        "chart-decomposition",
        "stacked",
        f"Healthy life expectancy gap to England, {where}, {use}",
        "Stacked bar chart by sex splitting the gap to England in healthy life expectancy "
        "into the gap in life expectancy and the extra years lived in poorer health.",
        protect(long),
        "decomposition-split",
        {"y_title": "Years below England (negative: above)"},
    )
    notes = (
        "HLE gap = LE gap + (years in poorer health in the area - in England), where years "
        "in poorer health = LE - HLE; gaps are England minus the area.",
        "Limits of the LE and HLE gaps combine the two areas' standard errors (from their "
        "95% limits) as if independent; the area is part of England, so they are slightly "
        "wide. The poorer-health component has no interval: LE and HLE of one area share "
        "their mortality data and their covariance is not published.",
        "The HLE series is ONS's interim method; LE is ONS's life expectancy for local "
        "areas. Both are ONS period estimates for the same three years.",
    )
    return Section(
        "decomposition",
        "Life-expectancy gap decomposition",
        tuple(summary),
        (table,),
        (chart,),
        notes,
    )
