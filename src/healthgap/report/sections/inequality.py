"""Section "Inequalities by deprivation across member councils": SII and RII across
the member councils ranked by IMD 2019 score (ecological: council-level values)."""

from __future__ import annotations

from healthgap.account.council_inequality import CouncilIndicator, member_council_sii
from healthgap.data.store import Store
from healthgap.report.authority import Authority
from healthgap.report.model import ChartData, ReportTable, Section, _table
from healthgap.report.sections.common import HLE, _ci, _each

SII_SEED = 20250101


SII_REPETITIONS = 20_000


MIN_COUNCILS = 5


#: Indicators the member-council SII is computed for: (id, sex, label, value type, scale).
#: Scale divides the published value before the SII (percentages -> proportions) and is
#: the SII's multiplier, so the SII is in the published units.
SII_INDICATORS: tuple[CouncilIndicator, ...] = (
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


def _inequality_section(store: Store, auth: Authority, period: str) -> Section:
    result = member_council_sii(
        store,
        auth.members,
        SII_INDICATORS,
        hle_latest_start=int(period[:4]),
        min_councils=MIN_COUNCILS,
        repetitions=SII_REPETITIONS,
        seed=SII_SEED,
    )
    members = result.members
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
    chosen = result.values
    skipped = list(result.skipped)
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
    if len(chosen):
        res = result.results
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
        for r in _each(res):
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
