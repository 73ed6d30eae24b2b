"""Core20PLUS5 pages (/core20plus5, /core20plus5/<area>) and their JSON."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from healthgap.charts import TableOptions, small_multiple_bars
from healthgap.data.indicator_metadata import metadata
from healthgap.data.sql import checked_code
from healthgap.errors import InputError
from healthgap.geography.places import PREFIX, get_place
from healthgap.web import views_account as va
from healthgap.web.deps import DbDep, StoreDep, StoreHandle
from healthgap.web.errors import WebError
from healthgap.web.render import render
from healthgap.web.responses import Fmt, Format, csv_response, records
from healthgap.web.viewmodels import ENGLAND

router = APIRouter()

#: The chart's table: each indicator's Core20 and other LADs (with how many), the gap and
#: the slope index of inequality across national LAD deciles and within the footprint.
CORE20_TABLE = TableOptions(
    caption="Core20 LADs against other LADs, and the slope index of inequality across "
    "national LAD deciles",
    extra=(
        ("period", "Period"),
        ("core20_n_lads", "Core20 LADs (n)"),
        ("rest_n_lads", "Other LADs (n)"),
        ("gap", "Gap"),
        ("gap_lower_95_0", "Gap lower 95%"),
        ("gap_upper_95_0", "Gap upper 95%"),
        ("england_sii", "SII, England"),
        ("england_sii_lower_95_0", "SII lower 95%"),
        ("england_sii_upper_95_0", "SII upper 95%"),
        ("footprint_sii", "SII, footprint"),
    ),
    order=(
        "indicator",
        "period",
        "core20_value",
        "core20_n_lads",
        "rest_value",
        "rest_n_lads",
        "gap",
        "gap_lower_95_0",
        "gap_upper_95_0",
        "england_sii",
        "england_sii_lower_95_0",
        "england_sii_upper_95_0",
        "footprint_sii",
        "unit",
    ),
    digits={
        "core20_value": 2,
        "rest_value": 2,
        "gap": 2,
        "gap_lower_95_0": 2,
        "gap_upper_95_0": 2,
        "england_sii": 2,
        "england_sii_lower_95_0": 2,
        "england_sii_upper_95_0": 2,
        "footprint_sii": 2,
    },
)


def _meta(meta: Any, indicator: str, column: str) -> str:
    """The ``column`` (name or unit) of ``indicator`` in its metadata; its id if absent."""
    if indicator in meta.index and meta.at[indicator, column]:
        return str(meta.at[indicator, column])
    return indicator if column == "name" else ""


def _result(st: StoreHandle, area: str, session: Session) -> Any:
    """The Core20 figures of ``area``: a footprint code, or ``place:NAME`` (a saved place)."""
    if area.startswith(PREFIX):
        try:
            place = get_place(session, area)
        except InputError as exc:
            raise WebError(404, "not_found", str(exc)) from exc
        key = (place.name, place.level, tuple(place.areas), place.version)
        return st.compute(va.core20_place_view, *key)
    return st.compute(va.core20_view, area)


def _context(st: StoreHandle, area: str, session: Session) -> dict[str, Any]:
    res = _result(st, area, session)
    rows = res.indicators.to_dict("records")
    meta = st.compute(metadata, tuple(sorted({r["indicator_id"] for r in rows}))).set_index(
        "indicator_id"
    )
    chart_rows = [
        {
            **r,
            "indicator": f"{_meta(meta, r['indicator_id'], 'name')}, {r['sex']}",
            "unit": _meta(meta, r["indicator_id"], "unit"),
        }
        for r in rows
    ]
    return {
        "res": res,
        "area": area,
        "pop": res.population.iloc[0].to_dict(),
        "clinical": va.clinical_areas().to_dict("records"),
        "footprints": st.compute(va.footprints).to_dict("records"),
        "figure": small_multiple_bars(
            chart_rows,
            panel_field="indicator",
            unit_field="unit",
            group_field="group",
            value_field="value",
            title="Core20 LADs against the other LADs, one chart per indicator",
            groups=("Core20 LADs", "Other LADs"),
            wide=(("core20_value", "Core20 LADs"), ("rest_value", "Other LADs")),
            table_options=CORE20_TABLE,
        ),
        "csv": f"/api/v1/core20plus5/{quote(area, safe=':')}?format=csv",
    }


@router.get("/core20plus5", include_in_schema=False)
def core20_page(request: Request, st: StoreDep, session: DbDep, area: str | None = None) -> Any:
    """England by default; choosing a footprint redirects to its page."""
    if area:
        return RedirectResponse(
            "/core20plus5/" + checked_code(area.strip(), "area", "E47000001"), status_code=303
        )
    return render(request, "core20plus5.html", _context(st, ENGLAND, session))


@router.get("/core20plus5/{area}", include_in_schema=False)
def core20_area_page(request: Request, st: StoreDep, session: DbDep, area: str) -> Any:
    return render(request, "core20plus5.html", _context(st, area, session))


@router.get("/api/v1/core20plus5/{area}", tags=["api"], summary="Core20 figures for a footprint")
def core20_api(st: StoreDep, session: DbDep, area: str, format: Format = Fmt) -> Any:
    """Core20 population share, Core20 vs the rest and SII (ecological), the 5 areas.
    ``area`` is a footprint code or ``place:NAME`` (a saved place)."""
    res = _result(st, area, session)
    if format == "csv":
        return csv_response(res.indicators, "core20-" + re.sub(r"[^A-Za-z0-9_-]", "-", area))
    return {
        "footprint": res.footprint,
        "footprint_name": res.footprint_name,
        "lads": list(res.lads),
        "population": records(res.population)[0],
        "notes": list(res.notes),
        "clinical_areas": records(va.clinical_areas()),
        "data": records(res.indicators),
    }
