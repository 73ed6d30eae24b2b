"""The life-expectancy gap split by health state (/decomposition) and its JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from healthgap.charts import Chart, TableOptions, stacked_bars
from healthgap.web import views_account as va
from healthgap.web.deps import StoreDep
from healthgap.web.render import render
from healthgap.web.responses import Fmt, Format, csv_response, records

router = APIRouter()


#: The two parts of a life expectancy gap, as the chart's bars and its table's columns.
PARTS = (
    ("from_hle", "Healthy life expectancy"),
    ("from_poorer_health", "Years in poorer health"),
)
#: Each part and the whole gap to two places of years.
DIGITS = dict.fromkeys(
    (
        "hle",
        "years_in_poorer_health",
        "le",
        "le_gap",
        "le_gap_lower_95_0",
        "le_gap_upper_95_0",
        "from_hle",
        "from_hle_lower_95_0",
        "from_hle_upper_95_0",
        "from_poorer_health",
    ),
    2,
)


def _split_chart(rows: list[dict[str, Any]], x: str, x_title: str, options: TableOptions) -> Chart:
    """Each comparison's life expectancy gap split into its two parts, stacked."""
    return stacked_bars(
        rows,
        category_field=x,
        value_field="years",
        part_field="part",
        title="Life expectancy gap split into years in good and in poorer health",
        category_title=x_title,
        value_title="Contribution to the life expectancy gap (years)",
        part_title="Part of the gap",
        parts=PARTS,
        table_options=options,
    )


@router.get("/decomposition", include_in_schema=False)
def decomposition_page(
    request: Request,
    st: StoreDep,
    sex: str = "Female",
    period: str | None = None,
    first: str | None = None,
    second: str | None = None,
) -> Any:
    deciles = st.compute(va.decile_decomposition)
    regions = st.compute(va.region_decomposition, sex, period, first, second)
    d_rows = [{**r, "decile": str(r["imd_decile"])} for r in deciles.table.to_dict("records")]
    s = regions.summary
    r_rows = [{**s, "comparison": f"{s['second']} minus {s['first']}"}]
    q = f"sex={s['sex']}&period={s['period']}&first={s['first']}&second={s['second']}"
    return render(
        request,
        "decomposition.html",
        {
            "deciles": deciles,
            "d": deciles.summary,
            "regions": regions,
            "s": s,
            "r_rows": regions.table.to_dict("records"),
            "decile_chart": _split_chart(
                d_rows,
                "decile",
                "IMD 2015 decile compared with decile 10 (1 = most deprived)",
                TableOptions(
                    caption="Male life expectancy by IMD 2015 decile and its gap to decile 10, "
                    "in years",
                    extra=(
                        ("hle", "Healthy life expectancy"),
                        ("years_in_poorer_health", "Years in poorer health"),
                        ("le", "Life expectancy"),
                        ("le_gap", "Gap to decile 10"),
                    ),
                    headings={
                        "decile": "Decile",
                        "from_hle": "of which healthy years",
                        "from_poorer_health": "of which years in poorer health",
                    },
                    order=(
                        "decile",
                        "hle",
                        "years_in_poorer_health",
                        "le",
                        "le_gap",
                        "from_hle",
                        "from_poorer_health",
                    ),
                    digits=DIGITS,
                ),
            ),
            "region_chart": _split_chart(
                r_rows,
                "comparison",
                "Regions compared",
                TableOptions(
                    caption=f"{s['sex']} life expectancy gap between the two regions and its "
                    f"two parts, {s['period']} (years; 95% intervals)",
                    extra=(
                        ("le_gap", "Life expectancy gap"),
                        ("le_gap_lower_95_0", "Lower 95%"),
                        ("le_gap_upper_95_0", "Upper 95%"),
                        ("from_hle_lower_95_0", "Healthy years lower 95%"),
                        ("from_hle_upper_95_0", "Healthy years upper 95%"),
                    ),
                    headings={
                        "from_hle": "of which healthy years",
                        "from_poorer_health": "of which years not in good health",
                    },
                    order=(
                        "comparison",
                        "le_gap",
                        "le_gap_lower_95_0",
                        "le_gap_upper_95_0",
                        "from_hle",
                        "from_hle_lower_95_0",
                        "from_hle_upper_95_0",
                        "from_poorer_health",
                    ),
                    digits=DIGITS,
                ),
            ),
            "decile_csv": "/api/v1/decomposition?part=deciles&format=csv",
            "region_csv": f"/api/v1/decomposition?{q}&format=csv",
        },
    )


@router.get("/api/v1/decomposition", tags=["api"], summary="Life expectancy gap by health state")
def decomposition_api(
    st: StoreDep,
    sex: str = "Female",
    period: str | None = None,
    first: str | None = None,
    second: str | None = None,
    part: str = "regions",
    format: Format = Fmt,
) -> Any:
    """``part=regions`` (two regions, chosen) or ``part=deciles`` (ONS IMD deciles)."""
    if part == "deciles":
        view = st.compute(va.decile_decomposition)
    elif part == "regions":
        view = st.compute(va.region_decomposition, sex, period, first, second)
    else:
        from healthgap.errors import InputError

        raise InputError(f"part must be one of regions, deciles; got {part[:20]!r}. Use regions.")
    if format == "csv":
        return csv_response(view.table, f"decomposition-{part}")
    return {
        "title": view.title,
        "summary": view.summary,
        "notes": list(view.notes),
        "data": records(view.table),
    }
