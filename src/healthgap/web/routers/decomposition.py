"""The life-expectancy gap split by health state (/decomposition) and its JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from healthgap.charts import stacked_bars
from healthgap.web import views_account as va
from healthgap.web.deps import StoreDep
from healthgap.web.render import render
from healthgap.web.responses import Fmt, Format, csv_response, records

router = APIRouter()


def _split_chart(rows: list[dict[str, Any]], x: str, x_title: str) -> dict[str, Any]:
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
    ).spec


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
    d_rows = [
        {"decile": str(r["imd_decile"]), "part": part, "years": float(r[col])}
        for r in deciles.table.to_dict("records")
        if r["imd_decile"] != 10
        for part, col in (
            ("Healthy life expectancy", "from_hle"),
            ("Years in poorer health", "from_poorer_health"),
        )
    ]
    s = regions.summary
    r_rows = [
        {"comparison": f"{s['second']} minus {s['first']}", "part": part, "years": float(v)}
        for part, v in (
            ("Healthy life expectancy", s["from_hle"]),
            ("Years in poorer health", s["from_poorer_health"]),
        )
    ]
    q = f"sex={s['sex']}&period={s['period']}&first={s['first']}&second={s['second']}"
    return render(
        request,
        "decomposition.html",
        {
            "deciles": deciles,
            "d": deciles.summary,
            "d_rows": deciles.table.to_dict("records"),
            "regions": regions,
            "s": s,
            "r_rows": regions.table.to_dict("records"),
            "decile_spec": _split_chart(
                d_rows, "decile", "IMD 2015 decile compared with decile 10 (1 = most deprived)"
            ),
            "region_spec": _split_chart(r_rows, "comparison", "Regions compared"),
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
