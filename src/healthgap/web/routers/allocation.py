"""The allocation explorer: built-in example formulas on the open data, and what-ifs.

Pages: ``/allocation`` (choose an example; target shares, per-head amounts, distance
from target, the pace-of-change path, a what-if with winners and losers) and
``/allocation/{example}/areas/{code}`` (one area's waterfall). JSON and CSV under
``/api/v1/allocations/...`` come from the same functions
(:func:`healthgap.allocate.examples.run_example` and ``compare_example``).

Every example is an illustration of a published structure on real open data, not an
official allocation; each page and response says so.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from healthgap.allocate.examples import (
    EXAMPLES,
    ILLUSTRATION,
    compare_example,
    example_formula,
    run_example,
)
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.web.deps import StoreHandle, store
from healthgap.web.errors import WebError
from healthgap.web.render import render
from healthgap.web.routers.api import csv_response, records
from healthgap.web.viewmodels import protect

StoreDep = Annotated[StoreHandle, Depends(store)]

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/allocations", tags=["api"])

_AREA_COLUMNS = [
    "area",
    "area_name",
    "population",
    "target_share",
    "target_pence",
    "target_per_head",
    "current_per_head",
    "distance_from_target",
    "allocation_pence",
    "allocation_per_head",
]


def _example(name: str) -> str:
    if name not in EXAMPLES:
        raise WebError(
            404,
            "not_found",
            f"example must be one of {', '.join(EXAMPLES)}; got {name!r}. "
            "Choose one on /allocation.",
        )
    return name


def _what_if(**values: str | None) -> dict[str, Any]:
    """Form text to numbers; empty fields mean "no change"."""
    out: dict[str, Any] = {}
    for key, text in values.items():
        if text is None or not str(text).strip():
            continue
        try:
            out[key] = int(text) if key == "years" else float(text)
        except ValueError:
            kind = "a whole number" if key == "years" else "a number such as 0.15"
            raise InputError(
                f"{key.replace('_', ' ')} must be {kind}; got {text!r}. "
                "Leave it empty to keep the example's own setting."
            ) from None
    return out


def allocation_tables(st: Store, example: str, **what_if: Any) -> dict[str, pd.DataFrame]:
    """The areas table, the pace-of-change path and the years table of one run."""
    result = run_example(st, example, **what_if)
    areas = protect(result.table[_AREA_COLUMNS].copy())
    path = result.path_frame()
    path = path.merge(result.table[["area", "area_name"]], on="area", how="left")
    years = result.years_frame()
    return {"areas": areas, "path": path, "years": years}


def what_if_table(st: Store, example: str, **what_if: Any) -> pd.DataFrame:
    """Winners and losers (targets) if the what-if replaced the example's settings."""
    return protect(compare_example(st, example, basis="target", **what_if).to_pandas())


def area_waterfall(st: Store, example: str, code: str) -> pd.DataFrame:
    """One area's waterfall, step by step, in pence and pounds per head."""
    result = run_example(st, example)
    return result.waterfall(code)


def _chart(rows: list[dict[str, Any]], title: str) -> str:
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": title,
        "data": {"values": rows},
        "width": "container",
        "mark": "bar",
        "encoding": {
            "y": {"field": "area_name", "type": "nominal", "sort": "-x", "title": "Area"},
            "x": {
                "field": "distance_percent",
                "type": "quantitative",
                "title": "Current allocation's distance from target (%)",
            },
        },
    }
    return json.dumps(spec)


def _query(example: str, what_if: dict[str, Any]) -> str:
    parts = [f"example={example}"] if example else []
    parts += [f"{k}={v}" for k, v in what_if.items()]
    return "&".join(parts)


@router.get("/allocation", response_class=HTMLResponse)
def allocation_page(
    request: Request,
    st: StoreDep,
    example: str = "icb_capitation",
    hi_share: str | None = None,
    growth: str | None = None,
    floor: str | None = None,
    years: str | None = None,
) -> Any:
    example = _example(example)
    form = {"hi_share": hi_share, "growth": growth, "floor": floor, "years": years}
    errors: list[str] = []
    try:
        what_if = _what_if(**form)
        comparison = st.compute(what_if_table, example, **what_if) if what_if else None
    except InputError as exc:
        errors.append(str(exc))
        what_if, comparison = {}, None
    tables = st.compute(allocation_tables, example)
    areas = tables["areas"]
    rows = [
        {"area_name": r["area_name"], "distance_percent": 100 * r["distance_from_target"]}
        for r in areas.to_dict("records")
    ]
    spec = EXAMPLES[example]
    formula = example_formula(example)
    return render(
        request,
        "allocation.html",
        {
            "examples": EXAMPLES,
            "spec": spec,
            "formula": formula,
            "illustration": ILLUSTRATION,
            "areas": areas.to_dict("records"),
            "years": tables["years"].to_dict("records"),
            "form": form,
            "errors": errors,
            "comparison": None if comparison is None else comparison.to_dict("records"),
            "chart_spec": _chart(rows, f"{spec.title}: distance from target"),
            "csv": f"/api/v1/allocations/{example}?format=csv",
            "path_csv": f"/api/v1/allocations/{example}/path?format=csv",
            "compare_csv": f"/api/v1/allocations/{example}/compare?{_query('', what_if)}"
            "&format=csv",
        },
        status_code=400 if errors else 200,
    )


@router.get("/allocation/{example}/areas/{code}", response_class=HTMLResponse)
def allocation_area_page(request: Request, st: StoreDep, example: str, code: str) -> Any:
    example = _example(example)
    areas = st.compute(allocation_tables, example)["areas"]
    match = areas[areas["area"] == code]
    if match.empty:
        raise WebError(
            404,
            "not_found",
            f"area must be one of the example's areas; got {code!r}. "
            f"Choose one from /allocation?example={example}.",
        )
    steps = st.compute(area_waterfall, example, code)
    rows = steps.to_dict("records")
    chart_rows = [
        {"step": r["label"], "change_pounds": r["change_pence"] / 100}
        for r in rows
        if r["step"] not in ("target", "final")
    ]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": "Waterfall steps",
        "data": {"values": chart_rows},
        "width": "container",
        "mark": "bar",
        "encoding": {
            "x": {"field": "step", "type": "ordinal", "sort": None, "title": "Step"},
            "y": {"field": "change_pounds", "type": "quantitative", "title": "Change (£)"},
        },
    }
    return render(
        request,
        "allocation_area.html",
        {
            "spec": EXAMPLES[example],
            "illustration": ILLUSTRATION,
            "area": match.iloc[0].to_dict(),
            "steps": rows,
            "chart_spec": json.dumps(spec),
            "csv": f"/api/v1/allocations/{example}/areas/{code}?format=csv",
        },
    )


# ---- JSON and CSV ----------------------------------------------------------------------


def _respond(df: pd.DataFrame, fmt: str, name: str, extra: dict[str, Any]) -> Any:
    if fmt == "csv":
        return csv_response(df, name)
    if fmt != "json":
        raise InputError(f"format must be json or csv; got {fmt!r}.")
    return {"illustration": ILLUSTRATION, **extra, "data": records(df)}


@api.get("")
def list_allocations() -> Any:
    """The built-in example formulas (illustrations, not official allocations)."""
    data = [
        {
            "example": s.name,
            "title": s.title,
            "areas": s.areas,
            "what_if_component": s.need_component,
            "proxy": s.proxy,
            "sources": list(s.sources),
        }
        for s in EXAMPLES.values()
    ]
    return {"illustration": ILLUSTRATION, "data": data}


@api.get("/{example}")
def allocation_api(
    st: StoreDep,
    example: str,
    hi_share: str | None = None,
    growth: str | None = None,
    floor: str | None = None,
    years: str | None = None,
    format: str = "json",
) -> Any:
    """Target shares, targets, per-head amounts and distance from target for each area."""
    what_if = _what_if(hi_share=hi_share, growth=growth, floor=floor, years=years)
    tables = st.compute(allocation_tables, _example(example), **what_if)
    return _respond(tables["areas"], format, f"allocation-{example}", {"example": example})


@api.get("/{example}/path")
def allocation_path_api(st: StoreDep, example: str, format: str = "json") -> Any:
    """The pace of change: one row per area and year."""
    tables = st.compute(allocation_tables, _example(example))
    return _respond(tables["path"], format, f"allocation-{example}-path", {"example": example})


@api.get("/{example}/compare")
def allocation_compare_api(
    st: StoreDep,
    example: str,
    hi_share: str | None = None,
    growth: str | None = None,
    floor: str | None = None,
    years: str | None = None,
    format: str = "json",
) -> Any:
    """Winners and losers (targets) of a what-if against the example's own settings."""
    what_if = _what_if(hi_share=hi_share, growth=growth, floor=floor, years=years)
    if not what_if:
        raise InputError(
            "a what-if must change something; got none. Add e.g. ?hi_share=0.15, "
            "growth=0.04, floor=0.02 or years=3."
        )
    table = st.compute(what_if_table, _example(example), **what_if)
    return _respond(table, format, f"allocation-{example}-compare", {"example": example, **what_if})


@api.get("/{example}/areas/{code}")
def allocation_area_api(st: StoreDep, example: str, code: str, format: str = "json") -> Any:
    """One area's waterfall."""
    try:
        steps = st.compute(area_waterfall, _example(example), code)
    except InputError as exc:
        raise WebError(404, "not_found", str(exc)) from exc
    return _respond(
        steps, format, f"allocation-{example}-{code}", {"example": example, "area": code}
    )
