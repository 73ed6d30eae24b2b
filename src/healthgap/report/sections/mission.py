"""Section "The mission gap and healthy life expectancy": the regional HLE gap
(:func:`healthgap.account.mission.mission`) and the authority's own HLE by sex against
England and its region, with 95% CIs and trend."""

from __future__ import annotations

from healthgap.account.council_values import indicator_rows
from healthgap.account.mission import DEFAULT_BASELINE, MissionResult, mission
from healthgap.account.scorecards import Z95, change_test
from healthgap.account.status import compare
from healthgap.data.store import Store
from healthgap.geography.hierarchy import ENGLAND_CODE
from healthgap.report.authority import Authority
from healthgap.report.model import ChartData, Section, _table, protect
from healthgap.report.sections.common import HLE, SEXES, _ci, _each, _years


def _mission_section(
    store: Store,
    auth: Authority,
    period: str,
    target_year: int | None,
    result: MissionResult | None = None,
) -> Section:
    # The gap and its trend do not depend on the target year; without one, no target,
    # trajectory or status is shown.
    if result is None:
        result = mission(store, target_year=target_year)
    gaps = result.gaps
    upto = gaps[gaps["period_start"] <= int(period[:4])]
    summary: list[str] = []
    for sex in SEXES:
        g = upto[upto["sex"] == sex]
        last = g.iloc[-1]
        base = g[g["period"] == DEFAULT_BASELINE]
        text = (
            f"In {last['period']} the gap in {sex.lower()} healthy life expectancy between "
            f"the highest region ({last['highest']}) and the lowest ({last['lowest']}) was "
            f"{_years(last['gap'], 2)} ({_ci(last['lower'], last['upper'], 2)})"
        )
        if len(base):
            text += f", against {_years(float(base['gap'].iloc[0]), 2)} at the "
            text += f"{DEFAULT_BASELINE} baseline."
        else:
            text += "."
        summary.append(text)
        latest = last["period"] == gaps[gaps["sex"] == sex]["period"].iloc[-1]
        if latest:
            summary.append(result.trends[sex].sentence)
        if target_year is not None and latest:
            summary.append(result.tracks[sex].status.sentence)
            if sex in result.paces:
                summary.append(result.paces[sex].sentence)
    if target_year is None:
        summary.append(
            "No target year is shown: no published government source states the year by "
            "which the gap is to be halved. A report made with a target year adds the "
            "halving trajectory, the status and what it would take."
        )
    gap_table = _table(
        "mission-gap",
        "Gap in healthy life expectancy at birth between the highest and lowest English "
        "region, by sex and period (years, 95% confidence limits)",
        upto.assign(sex=upto["sex"].astype(str)),
        {
            "period": "Period",
            "sex": "Sex",
            "gap": "Gap (years)",
            "lower": "Lower 95%",
            "upper": "Upper 95%",
            "highest": "Highest region",
            "lowest": "Lowest region",
        },
        {"gap": 2, "lower": 2, "upper": 2},
    )
    gap_chart = ChartData(
        "chart-mission-gap",
        "trend_band",
        "Regional gap in healthy life expectancy, by sex",
        "Line chart of the gap in years between the highest and lowest region for each "
        "period, one line per sex, with shaded 95% confidence limits.",
        gap_table.frame.rename(columns={"gap": "value", "sex": "series"}),
        "mission-gap",
        {"y_title": "Gap (years)", "zero": True},
    )

    # The authority's own HLE with its region and England.
    codes = [auth.data_code, auth.region_code, ENGLAND_CODE]
    rows = indicator_rows(
        store,
        [HLE],
        codes,
        area_types=["combined_authority", "region", "nation"],
        sexes=SEXES,
        latest_start=int(period[:4]),
    )
    role = {auth.data_code: auth.name, auth.region_code: auth.region_name, ENGLAND_CODE: "England"}
    if auth.data_code == auth.region_code:
        role[auth.region_code] = auth.name
    rows["area"] = rows["area_code"].map(role)
    tables = [gap_table]
    charts = [gap_chart]
    mine = rows[rows["area_code"] == auth.data_code]
    if mine.empty and auth.kind != "strategic_authority":
        summary.append(
            f"Healthy life expectancy is not published for {auth.name} ({auth.code}): ONS "
            f"publishes it for councils, combined authorities, regions and England, not for "
            f"{auth.label}s, and it cannot be added up from council figures (it is a life "
            "table built from deaths and survey prevalence by age, which the open data do not "
            "hold at this footprint). Its councils' figures are in section 3 where published."
        )
    elif mine.empty:
        summary.append(
            f"ONS publishes no healthy life expectancy for {auth.name} ({auth.code}) in the "
            "open data, so its own figures cannot be shown; its member councils' figures are "
            "in section 3 where published."
        )
    else:
        latest = rows[rows["period"] == period].copy()
        eng = latest[latest["area_code"] == ENGLAND_CODE].set_index("sex")["value"]
        reg = latest[latest["area_code"] == auth.region_code].set_index("sex")["value"]
        latest["vs_england"] = [
            compare(
                r.value,
                r.lower_95_0,
                r.upper_95_0,
                eng.get(r.sex, float("nan")),
                "higher_is_better",
                what="England",
            )
            if r.area_code != ENGLAND_CODE
            else ""
            for r in _each(latest)
        ]
        latest["vs_region"] = [
            compare(
                r.value,
                r.lower_95_0,
                r.upper_95_0,
                reg.get(r.sex, float("nan")),
                "higher_is_better",
                what=auth.region_name,
            )
            if r.area_code == auth.data_code and auth.data_code != auth.region_code
            else ""
            for r in _each(latest)
        ]
        order = {auth.data_code: 0, auth.region_code: 1, ENGLAND_CODE: 2}
        latest = latest.assign(_o=latest["area_code"].map(order)).sort_values(["sex", "_o"])
        first_period = str(mine.sort_values("period_start")["period"].iloc[0])
        for sex in SEXES:
            m = latest[(latest["area_code"] == auth.data_code) & (latest["sex"] == sex)]
            if m.empty:
                continue
            r = m.iloc[0]
            text = (
                f"{auth.name}'s {sex.lower()} healthy life expectancy at birth in {period} was "
                f"{_years(r['value'])} ({_ci(r['lower_95_0'], r['upper_95_0'])}): "
                f"{r['vs_england']}, England {_years(eng.get(sex, float('nan')))}"
            )
            if r["vs_region"]:
                text += f"; {r['vs_region']}, {_years(reg.get(sex, float('nan')))}"
            b = mine[(mine["sex"] == sex) & (mine["period"] == first_period)]
            if len(b):
                b0 = b.iloc[0]
                diff, z = change_test(
                    r["value"],
                    r["lower_95_0"],
                    r["upper_95_0"],
                    b0["value"],
                    b0["lower_95_0"],
                    b0["upper_95_0"],
                )
                d, zz = float(diff), float(z)
                word = "rise" if d > 0 else "fall" if d < 0 else "change"
                sig = (
                    "larger than the uncertainty of the two estimates (significant at 95%)"
                    if abs(zz) > Z95
                    else "within the uncertainty of the two estimates (not significant)"
                )
                text += (
                    f". Since {first_period} ({_years(b0['value'])}) that is a {word} of "
                    f"{_years(abs(d))}, {sig}"
                )
            summary.append(text + ".")
        tables.append(
            _table(
                "mission-authority",
                f"Healthy life expectancy at birth in {period}: {auth.name}, "
                f"{auth.region_name if auth.data_code != auth.region_code else 'its region'} "
                "and England (years, 95% confidence limits)",
                latest,
                {
                    "sex": "Sex",
                    "area": "Area",
                    "value": "HLE (years)",
                    "lower_95_0": "Lower 95%",
                    "upper_95_0": "Upper 95%",
                    "vs_england": "Compared with England",
                    "vs_region": "Compared with region",
                },
                {"value": 1, "lower_95_0": 1, "upper_95_0": 1},
            )
        )
        trend = rows.sort_values(["period_start", "sex", "area_code"]).copy()
        trend["series"] = trend["area"] + ", " + trend["sex"].str.lower()
        wide = trend.pivot_table(
            index=["period_start", "period"], columns=["sex", "area_code"], values="value"
        )
        wide.columns = [f"{c[0]}|{c[1]}" for c in wide.columns]
        wide = wide.reset_index()
        heads = {"period": "Period"}
        for sx in SEXES:
            for code in dict.fromkeys([auth.data_code, auth.region_code, ENGLAND_CODE]):
                if f"{sx}|{code}" in wide.columns:
                    heads[f"{sx}|{code}"] = f"{sx}: {role[code]}"
        trend_table = _table(
            "mission-trend",
            f"Healthy life expectancy at birth by period and sex: {auth.name}, its region and "
            "England (years; the chart shows the 95% limits)",
            wide,
            heads,
            {c: 1 for c in heads if c != "period"},
        )
        tables.append(trend_table)
        charts.append(
            ChartData(
                "chart-mission-trend",
                "trend_band",
                f"Healthy life expectancy at birth: {auth.name} against England",
                f"Line charts by sex of healthy life expectancy for {auth.name}, its region "
                "and England in each period, with shaded 95% confidence limits.",
                protect(trend)[["period", "sex", "series", "value", "lower_95_0", "upper_95_0"]]
                .rename(columns={"lower_95_0": "lower", "upper_95_0": "upper"})
                .assign(series=trend["area"].to_numpy()),
                "mission-trend",
                {"y_title": "HLE (years)", "facet": "sex"},
            )
        )
    notes = (
        *result.notes[:1],
        "Compared with England or the region: the authority's 95% confidence interval "
        "against the other area's value (OHID Fingertips method); 'similar' when it "
        "contains it.",
        "Change since the first period: z test with standard errors from the 95% limits; "
        "the periods do not overlap when they are 9 or more years apart.",
    )
    return Section(
        "mission",
        "The mission gap and healthy life expectancy",
        tuple(summary),
        tuple(tables),
        tuple(charts),
        tuple(notes),
    )
