"""The mission tracker page (/mission) and its JSON (/api/v1/mission)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from healthgap.account.mission import DEFINITIONS, SERIES
from healthgap.errors import InputError
from healthgap.web import views_account as va
from healthgap.web.deps import StoreDep
from healthgap.web.forms import field_errors
from healthgap.web.render import render
from healthgap.web.responses import Fmt, Format, csv_response, records

router = APIRouter()
#: The mission form's inputs, by the domain field they hold.
MISSION_FIELDS = {f: f for f in ("target_year", "baseline_period", "definition", "series")}


def _query(**kw: Any) -> str:
    return "&".join(f"{k}={v}" for k, v in kw.items() if v)


@router.get("/mission", include_in_schema=False)
def mission_page(
    request: Request,
    st: StoreDep,
    target_year: str | None = None,
    definition: str = "range",
    series: str = "hle_birth",
    baseline_period: str = "2020-2022",
    map_sex: str = "Female",
) -> Any:
    """The gap and its trend always; the trajectory and status once a target year is given."""
    view, hexes = st.compute(va.indicator_map, "utla", "hle_birth", map_sex)
    ctx: dict[str, Any] = {
        "errors": [],
        "target_year": target_year or "",
        "example_year": va.EXAMPLE_TARGET_YEAR,
        "definition": definition,
        "definitions": DEFINITIONS,
        "series": series,
        "series_options": SERIES,
        "baseline_period": baseline_period,
        "map": hexes,
        "map_view": view,
        "map_rows": view.table.to_dict("records"),
        "map_csv": "/api/v1/maps?geography=utla&indicator=hle_birth&sex=" + map_sex + "&format=csv",
        "result": None,
    }
    try:
        year = va.target_year_from(target_year) if (target_year or "").strip() else None
        result = st.compute(
            va.mission_tracker,
            year,
            baseline_period=baseline_period,
            definition=definition,
            series=series,
        )
    except InputError as exc:
        ctx["errors"] = field_errors(exc, MISSION_FIELDS, default="target_year")
        return render(request, "mission.html", ctx, status_code=400)
    q = _query(
        target_year=year, definition=definition, series=series, baseline_period=baseline_period
    )
    summary = result.summary_frame().to_dict("records") if year is not None else []
    ctx.update(
        result=result,
        summary=summary,
        trends=result.trend_frame().to_dict("records"),
        paces=result.pace_frame().to_dict("records"),
        figure=va.mission_chart(result),
        csv=f"/api/v1/mission?{q}&format=csv",
        json_url=f"/api/v1/mission?{q}",
    )
    return render(request, "mission.html", ctx)


@router.get("/api/v1/mission", tags=["api"], summary="The mission tracker (regional HLE gap)")
def mission_api(
    st: StoreDep,
    target_year: str | None = None,
    definition: str = "range",
    series: str = "hle_birth",
    baseline_period: str = "2020-2022",
    format: Format = Fmt,
) -> Any:
    """Everything the mission page shows; ``format=csv`` gives the gap by sex and period.

    Without ``target_year`` (no government source states one): the gap and its trend; with
    it, also the trajectory, status and what halving the gap would take.
    """
    year = va.target_year_from(target_year) if (target_year or "").strip() else None
    result = st.compute(
        va.mission_tracker,
        year,
        baseline_period=baseline_period,
        definition=definition,
        series=series,
    )
    if format == "csv":
        return csv_response(result.gaps, "mission")
    body = result.to_dict()
    body["gaps"] = records(result.gaps)
    return body
