"""Hex maps (/maps) of an indicator by upper-tier council, district or ICB, and their JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from healthgap.account.indicator_maps import MAP_SEXES, map_indicators
from healthgap.web import views_account as va
from healthgap.web.deps import StoreDep
from healthgap.web.render import render
from healthgap.web.responses import Fmt, Format, csv_response, records

router = APIRouter()


@router.get("/maps", include_in_schema=False)
def maps_page(
    request: Request,
    st: StoreDep,
    geography: str = "utla",
    indicator: str = "hle_birth",
    sex: str = "Female",
    period: str | None = None,
) -> Any:
    view, hexes = st.compute(va.indicator_map, geography, indicator, sex, period)
    options = st.compute(map_indicators, geography)
    s = view.summary
    q = f"geography={geography}&indicator={indicator}&sex={sex}&period={s['period']}"
    return render(
        request,
        "maps.html",
        {
            "view": view,
            "s": s,
            "map": hexes,
            "rows": view.table.to_dict("records"),
            "geographies": {
                "utla": "Upper-tier councils",
                "lad": "Local authority districts",
                "icb": "Integrated care boards",
            },
            "indicators": options.drop_duplicates("indicator_id").to_dict("records"),
            "sexes": MAP_SEXES,
            "csv": f"/api/v1/maps?{q}&format=csv",
        },
    )


@router.get("/api/v1/maps", tags=["api"], summary="An indicator for every area of a hex map")
def maps_api(
    st: StoreDep,
    geography: str = "utla",
    indicator: str = "hle_birth",
    sex: str = "Female",
    period: str | None = None,
    format: Format = Fmt,
) -> Any:
    """The values behind /maps: one row per area, with its hexagon's colour class."""
    view, hexes = st.compute(va.indicator_map, geography, indicator, sex, period)
    if format == "csv":
        return csv_response(view.table, "map")
    return {
        "title": view.title,
        "summary": view.summary,
        "notes": list(view.notes),
        "legend": [{"label": lab, "colour": c} for lab, c in hexes.legend],
        "breaks": list(hexes.breaks),
        "data": records(view.table),
    }
