"""Compare-areas and inequalities-within-an-area pages, and their JSON/CSV.

Faces only: :func:`healthgap.account.compare_areas.compare_areas` and
:func:`healthgap.account.inequalities.inequalities` compute every figure; the page, the
JSON and the CSV render the same tables (small numbers withheld).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from healthgap.charts import Chart, TableOptions, interval_bars
from healthgap.data.sql import checked_code
from healthgap.errors import InputError
from healthgap.web.deps import StoreDep, StoreHandle
from healthgap.web.errors import WebError
from healthgap.web.render import render
from healthgap.web.responses import Fmt, Format, csv_response, records

router = APIRouter()


def _compare(store_: Any, footprint: str) -> Any:
    from healthgap.account.compare_areas import compare_areas

    return compare_areas(footprint, store=store_)


def _inequalities(store_: Any, area_code: str) -> Any:
    from healthgap.account.inequalities import inequalities

    return inequalities(area_code, store=store_)


def _footprints(store_: Any) -> pd.DataFrame:
    """Strategic authorities, ICBs and regions offered on /compare-areas."""
    from healthgap.geography import lad_lookup

    lk = lad_lookup(store_)
    parts = []
    for level, kind in (("strategic_authority", "Strategic authority"), ("region", "Region")):
        d = lk[[f"{level}_code", f"{level}_name"]].dropna().drop_duplicates()
        d.columns = ["code", "name"]
        parts.append(d.assign(kind=kind).sort_values("name"))
    icb = store_.to_pandas(
        store_.table("lookup_sicbl22_icb22_names_en").select("icb22_code", "icb22_name").distinct()
    )
    icb.columns = ["code", "name"]
    parts.append(icb.assign(kind="Integrated care board").sort_values("name"))
    return pd.concat(parts, ignore_index=True)


def _computed(st: StoreHandle, fn: Any, code: str) -> Any:
    try:
        return st.compute(fn, code)
    except InputError as exc:
        raise WebError(404, "not_found", str(exc)) from exc


def _compare_rows(result: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """Indicator rows with one (value, significance) cell per member council."""
    table = result.for_output()
    names = [n for n in result.members["area_name"] if n in set(table["area_name"])]
    table = table.assign(age=table["age"].fillna(""))
    keys = ["domain", "indicator_id", "indicator_name", "unit", "sex", "age"]
    rows = []
    for values, part in table.groupby(keys, sort=False):
        cells = {r.area_name: (r.value, r.compared_95, r.period) for r in part.itertuples()}
        row = dict(zip(keys, values, strict=True))
        row["england_value"] = (
            part["england_value"].dropna().iloc[0] if part["england_value"].notna().any() else None
        )
        row["cells"] = [cells.get(n, (None, "", "")) for n in names]
        row["periods"] = ", ".join(sorted(set(part["period"])))
        rows.append(row)
    return names, rows


@router.get("/compare-areas", include_in_schema=False)
def compare_page(request: Request, st: StoreDep, footprint: str | None = None) -> Any:
    """Choose a footprint; a choice redirects to its page."""
    if footprint:
        code = checked_code(footprint.strip(), "footprint", "E47000001")
        return RedirectResponse(f"/compare-areas/{code}", status_code=303)
    return render(
        request,
        "compare_areas.html",
        {"result": None, "footprints": st.compute(_footprints).to_dict("records")},
    )


@router.get("/compare-areas/{footprint}", include_in_schema=False)
def compare_footprint_page(request: Request, st: StoreDep, footprint: str) -> Any:
    code = checked_code(footprint, "footprint", "E47000001")
    result = _computed(st, _compare, code)
    names, rows = _compare_rows(result)
    domains: dict[str, list[dict[str, Any]]] = {}
    for r in rows:  # the service's order: outcomes, improvement, wider, healthcare
        domains.setdefault(str(r["domain"]), []).append(r)
    return render(
        request,
        "compare_areas.html",
        {
            "result": result,
            "names": names,
            "rows": rows,
            "domains": list(domains.items()),
            "footprints": st.compute(_footprints).to_dict("records"),
            "csv": f"/api/v1/compare-areas/{code}?format=csv",
            "json": f"/api/v1/compare-areas/{code}",
        },
    )


@router.get(
    "/api/v1/compare-areas/{footprint}",
    tags=["api"],
    summary="Member councils x indicators, compared with England",
)
def compare_api(st: StoreDep, footprint: str, format: Format = Fmt) -> Any:
    """The long compare-areas table (one row per council and indicator), as published."""
    code = checked_code(footprint, "footprint", "E47000001")
    result = _computed(st, _compare, code)
    table = result.for_output()
    if format == "csv":
        return csv_response(table, f"compare-areas-{code}")
    return {
        "footprint": result.footprint,
        "footprint_name": result.footprint_name,
        "members": records(result.members),
        "data": records(table),
    }


def _chart(groups: pd.DataFrame, title: str) -> Chart:
    """The groups' values with their intervals; groups without a value are listed in the
    table and left out of the drawing."""
    shown = groups
    rows = [
        {"group": str(c), "value": v, "lower": lo, "upper": hi}
        for c, v, lo, hi in zip(
            shown["category"],
            shown["value"].astype(float),
            shown["lower_95_0"].astype(float),
            shown["upper_95_0"].astype(float),
            strict=True,
        )
    ]
    return interval_bars(
        rows,
        category_field="group",
        value_field="value",
        title=title,
        category_title=None,
        value_title="Value",
        lower="lower",
        upper="upper",
        table_options=TableOptions(
            caption=f"{title}: values by group", headings={"group": "Group"}
        ),
    )


@router.get("/areas/{area_code}/inequalities", include_in_schema=False)
def inequalities_page(request: Request, st: StoreDep, area_code: str) -> Any:
    code = checked_code(area_code, "area", "E08000003")
    result = _computed(st, _inequalities, code)
    groups = result.for_output()
    sections = []
    keys = ["indicator_id", "indicator_name", "unit", "sex", "age", "dimension", "category_type"]
    for i, (values, part) in enumerate(groups.groupby(keys, sort=False)):
        info = dict(zip(keys, values, strict=True))
        m = result.measures
        chosen = m[
            (m["indicator_id"] == info["indicator_id"])
            & (m["indicator_name"] == info["indicator_name"])
            & (m["category_type"] == info["category_type"])
            & (m["sex"] == info["sex"])
        ]
        title = f"{info['indicator_name']} by {info['dimension']}"
        sections.append(
            {
                **info,
                "id": f"ineq-{i}",
                "title": title,
                "period": ", ".join(sorted(set(part["period"]))),
                "weight": ", ".join(sorted(set(part["weight"].dropna().astype(str)))),
                "measures": chosen.to_dict("records"),
                "chart": _chart(part, title),
            }
        )
    return render(
        request,
        "inequalities.html",
        {
            "result": result,
            "sections": sections,
            "csv": f"/api/v1/areas/{code}/inequalities?format=csv",
        },
    )


@router.get(
    "/api/v1/areas/{area_code}/inequalities",
    tags=["api"],
    summary="An area's values by deprivation, ethnic group and sex, with HEAT measures",
)
def inequalities_api(st: StoreDep, area_code: str, format: Format = Fmt) -> Any:
    """Group values (small numbers withheld) and the summary measures of inequality."""
    code = checked_code(area_code, "area", "E08000003")
    result = _computed(st, _inequalities, code)
    groups = result.for_output()
    if format == "csv":
        return csv_response(groups, f"inequalities-{code}")
    return {
        "area_code": result.area_code,
        "area_name": result.area_name,
        "notes": list(result.notes),
        "groups": records(groups),
        "measures": records(result.measures),
    }


def _income_gap(store_: Any, income_year: str | None = None) -> Any:
    from healthgap.account.income_gap import income_gap

    return income_gap(store_, income_year=income_year)


@router.get(
    "/api/v1/mission/income-gap",
    tags=["api"],
    summary="HLE gap between the richest and poorest regions by GDHI per head, and the range",
)
def income_gap_api(st: StoreDep, income_year: str | None = None, format: Format = Fmt) -> Any:
    """Regions ranked by GDHI per head, and the HLE gap by both definitions, each named."""
    try:
        result = st.compute(_income_gap, income_year=income_year)
    except InputError as exc:
        raise WebError(400, "invalid_input", str(exc)) from exc
    if format == "csv":
        return csv_response(result.gaps, "mission-income-gap")
    return {
        "income_year": result.income_year,
        "notes": list(result.notes),
        "regions": records(result.regions),
        "data": records(result.gaps),
    }


def _excess(store_: Any, year: int | None = None) -> Any:
    from healthgap.account.causes import regional_excess

    return regional_excess(store_, year=year)


@router.get(
    "/api/v1/mission/causes",
    tags=["api"],
    summary="The North East's excess deaths over the South East by cause and age (ESP2013)",
)
def causes_api(st: StoreDep, year: int | None = None, format: Format = Fmt) -> Any:
    """Age-standardised death rates (ages 30+) by cause, and each age band's contribution."""
    try:
        result = st.compute(_excess, year=year)
    except InputError as exc:
        raise WebError(400, "invalid_input", str(exc)) from exc
    if format == "csv":
        return csv_response(result.by_age, f"causes-{result.year}")
    return {
        "year": result.year,
        "sex": result.sex,
        "notes": list(result.notes),
        "by_cause": records(result.by_cause),
        "by_age": records(result.by_age),
    }


def _poorer(store_: Any) -> Any:
    from healthgap.account.poorer_health import years_in_poorer_health

    return years_in_poorer_health(store_)


@router.get(
    "/api/v1/years-in-poorer-health",
    tags=["api"],
    summary="Life expectancy minus healthy life expectancy, 2021-2023, every area and sex",
)
def poorer_health_api(st: StoreDep, format: Format = Fmt) -> Any:
    """LE minus HLE with conservative 95% limits (the two errors combined in quadrature)."""
    table = st.compute(_poorer)
    if format == "csv":
        return csv_response(table, "years-in-poorer-health")
    return {"period": "2021-2023", "data": records(table)}
