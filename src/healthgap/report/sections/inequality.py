"""Section "Inequalities by deprivation across member councils": SII and RII across
the member councils ranked by IMD 2019 score (ecological: council-level values)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthgap.data.store import Store
from healthgap.report.authority import Authority
from healthgap.report.model import ChartData, ReportTable, Section, _table
from healthgap.report.sections.common import HLE, _ci, _council_rows, _member_ranks, _rows
from healthgap.stats.inequality.sii import sii

SII_SEED = 20250101


SII_REPETITIONS = 20_000


MIN_COUNCILS = 5


#: Indicators the member-council SII is computed for: (id, sex, label, value type, scale).
#: Scale divides the published value before the SII (percentages -> proportions) and is
#: the SII's multiplier, so the SII is in the published units.
SII_INDICATORS: tuple[tuple[str, str, str, str, float], ...] = (
    (HLE, "Female", "Healthy life expectancy at birth, females (years)", "normal", 1.0),
    (HLE, "Male", "Healthy life expectancy at birth, males (years)", "normal", 1.0),
    (
        "93722",
        "Persons",
        "Under-75 mortality from preventable cardiovascular disease (per 100,000)",
        "rate",
        1.0,
    ),
    ("adult_obesity", "Persons", "Adults living with obesity (%)", "proportion", 100.0),
)


def _midpoints(population: np.ndarray) -> np.ndarray:
    share = population / population.sum()
    return np.cumsum(share) - share / 2


def _inequality_section(store: Store, auth: Authority, period: str) -> Section:
    members = _member_ranks(store, auth)
    members["midpoint"] = _midpoints(members["population"].to_numpy(float))
    summary = [
        f"This section compares the {len(members)} member councils of {auth.name}, ranked from "
        "the most to the least deprived by their population-weighted IMD 2019 score. It is "
        "ecological: each council's value stands for everyone in it, and deprived and affluent "
        "neighbourhoods within a council are averaged together, so it understates the gap "
        "between neighbourhoods. The slope index of inequality (SII) is the fitted difference "
        "between the least and the most deprived end of the authority's population; the "
        "relative index (RII) is their ratio."
    ]
    partial = auth.members[auth.members["share_inside"] < 1]
    if len(partial):
        summary.append(
            f"{len(partial)} of these councils lie only partly in {auth.name} ("
            + ", ".join(
                f"{n}, {100 * float(sh):.0f}% of its neighbourhoods"
                for n, sh in zip(partial["lad_name"], partial["share_inside"], strict=True)
            )
            + "): their published values are for the whole council."
        )
    ids = sorted({i[0] for i in SII_INDICATORS})
    rows = _rows(store, ids, list(members["lad_code"]))
    rows = _council_rows(rows)
    hle_before = rows["period_start"] <= int(period[:4])
    rows = rows[(rows["indicator_id"] != HLE) | hle_before]
    frames = []
    skipped: list[str] = []
    chosen: list[pd.DataFrame] = []
    for ind_id, sex, label, vtype, scale in SII_INDICATORS:
        r = rows[(rows["indicator_id"] == ind_id) & (rows["sex"] == sex)]
        r = r.dropna(subset=["value", "lower_95_0", "upper_95_0"])
        if r.empty:
            skipped.append(f"{label}: no council values in the open data")
            continue
        latest = r[r["period_end"] == r["period_end"].max()]
        latest = latest[latest["period"] == latest["period"].iloc[0]]
        have = members[members["lad_code"].isin(latest["area_code"])].copy()
        if len(have) < MIN_COUNCILS:
            skipped.append(
                f"{label}: only {len(have)} of {len(members)} councils have published values "
                f"(at least {MIN_COUNCILS} are needed for an SII)"
            )
            continue
        have["quantile"] = np.arange(1, len(have) + 1)
        have["midpoint"] = _midpoints(have["population"].to_numpy(float))
        joined = have.merge(latest, left_on="lad_code", right_on="area_code")
        joined["label"] = label
        joined["value_type"] = vtype
        joined["scale"] = scale
        missing = sorted(set(members["lad_name"]) - set(have["lad_name"]))
        if missing:
            skipped.append(
                f"{label}: {', '.join(missing)} left out (no published value for "
                f"{latest['period'].iloc[0]})"
            )
        chosen.append(joined)
    for part in chosen:
        vtype = str(part["value_type"].iloc[0])
        scale = float(part["scale"].iloc[0])
        data = part.assign(
            v=part["value"] / scale, lo=part["lower_95_0"] / scale, hi=part["upper_95_0"] / scale
        )
        res = sii(
            data,
            "v",
            "population",
            "quantile",
            group_by=["indicator_id", "sex", "period", "label"],
            lower="lo",
            upper="hi",
            value_type=vtype,  # type: ignore[arg-type]
            multiplier=scale,
            repetitions=SII_REPETITIONS,
            seed=SII_SEED,
            rii=True,
        ).to_frame()
        res["councils"] = len(part)
        wmean_x = float(np.average(part["midpoint"], weights=part["population"]))
        wmean_y = float(np.average(part["value"], weights=part["population"]))
        res["fit_most_deprived"] = wmean_y - res["sii"] * wmean_x
        res["fit_least_deprived"] = res["fit_most_deprived"] + res["sii"]
        frames.append(res)
    tables: list[ReportTable] = [
        _table(
            "inequality-members",
            f"Member councils of {auth.name} ranked by deprivation (1 = most deprived)",
            members,
            {
                "deprivation_rank": "Rank",
                "lad_code": "Code",
                "lad_name": "Council",
                "imd_score": "IMD 2019 average score",
                "population": "Population (mid-2015)",
                "midpoint": "Position (0-1)",
            },
            {"imd_score": 1, "population": 0, "midpoint": 3},
        )
    ]
    charts: list[ChartData] = []
    if frames:
        res = pd.concat(frames, ignore_index=True)
        sii_table = _table(
            "inequality-sii",
            f"Slope and relative index of inequality across the councils of {auth.name} "
            "(council-level, ecological; 95% Monte Carlo limits)",
            res,
            {
                "label": "Indicator",
                "period": "Period",
                "councils": "Councils",
                "sii": "SII",
                "sii_lower_95_0": "SII lower 95%",
                "sii_upper_95_0": "SII upper 95%",
                "rii": "RII",
                "rii_lower_95_0": "RII lower 95%",
                "rii_upper_95_0": "RII upper 95%",
            },
            {
                "sii": 2,
                "sii_lower_95_0": 2,
                "sii_upper_95_0": 2,
                "rii": 3,
                "rii_lower_95_0": 3,
                "rii_upper_95_0": 3,
            },
        )
        tables.append(sii_table)
        for r in res.itertuples(index=False):
            lo, hi, s = float(r.sii_lower_95_0), float(r.sii_upper_95_0), float(r.sii)
            if lo > 0 or hi < 0:
                end = "least" if s > 0 else "most"
                verdict = f"significantly higher at the {end} deprived end"
            else:
                verdict = "not significantly different from no slope (the interval includes 0)"
            summary.append(
                f"{r.label}, {r.period}: SII {s:.2f} ({_ci(lo, hi, 2)}), {verdict}; RII "
                f"{float(r.rii):.3f}."
            )
        for i, part in enumerate(chosen):
            label = str(part["label"].iloc[0])
            fit = res[res["label"] == label].iloc[0]
            tid = f"inequality-values-{i + 1}"
            vt = _table(
                tid,
                f"{label}, {part['period'].iloc[0]}: council values by deprivation position",
                part,
                {
                    "deprivation_rank": "Rank",
                    "lad_name": "Council",
                    "midpoint": "Position (0-1)",
                    "value": "Value",
                    "lower_95_0": "Lower 95%",
                    "upper_95_0": "Upper 95%",
                },
                {"midpoint": 3, "value": 1, "lower_95_0": 1, "upper_95_0": 1},
            )
            tables.append(vt)
            charts.append(
                ChartData(
                    f"chart-sii-{i + 1}",
                    "sii",
                    f"{label} by deprivation of council, {part['period'].iloc[0]}",
                    f"Scatter chart of {label.lower()} for each council (with 95% limits) "
                    "against its position from most deprived (0) to least deprived (1), with "
                    "the fitted SII line.",
                    vt.frame,
                    tid,
                    {
                        "fit": [
                            float(fit["fit_most_deprived"]),
                            float(fit["fit_least_deprived"]),
                        ],
                        "y_title": label,
                    },
                )
            )
    else:
        summary.append("No indicator has enough council values for an SII.")
    if skipped:
        summary.append("Not shown or incomplete: " + "; ".join(skipped) + ".")
    notes = (
        "SII by weighted least squares of council values on the midpoint of each council's "
        "cumulative population share (mid-2015 populations from the IMD 2019 file), "
        "healthgap.sii; positive = higher at the least deprived end. Limits: Monte Carlo "
        f"({SII_REPETITIONS:,} draws, seed {SII_SEED}) from each council's 95% limits.",
        "Rates are simulated on the log scale and percentages on the logit scale, then "
        "back-transformed; the regression is on the published scale.",
    )
    return Section(
        "inequalities",
        "Inequalities by deprivation across member councils",
        tuple(summary),
        tuple(tables),
        tuple(charts),
        notes,
    )
