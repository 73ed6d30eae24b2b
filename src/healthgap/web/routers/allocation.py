"""The allocation explorer: built-in example formulas on the open data, and what-ifs.

Pages: ``/allocation`` (choose an example; target shares, per-head amounts, distance
from target, the pace-of-change path, a what-if with winners and losers) and
``/allocation/{example}/areas/{code}`` (one area's waterfall). JSON and CSV under
``/api/v1/allocations/...`` come from the same functions
(:func:`healthgap.allocate.examples.run_example` and ``compare_example``).

Every illustrative example is a published structure on real open data, not an official
allocation; the published-need examples (``icb_core_<year>``, ``icb_primary_care_<year>``)
reproduce NHS England's published weighted-population shares and give pounds only from a
control total the user enters. Each page, response, CSV row and CSV file name says which.

The page's "Does money follow need?" section and ``/api/v1/allocations/need/...`` come from
:func:`healthgap.allocate.follows.money_follows_need` and
:func:`healthgap.allocate.need.footprint_need`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from healthgap.allocate import follows, need
from healthgap.allocate.examples import (
    ALL_EXAMPLES,
    ILLUSTRATION,
    PUBLISHED_NEED,
    compare_example,
    control_pence,
    example_formula,
    file_label,
    run_example,
)
from healthgap.charts import Chart, TableOptions, bars, scatter
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.web.deps import StoreDep
from healthgap.web.errors import WebError, web_error
from healthgap.web.render import render
from healthgap.web.responses import csv_response, records
from healthgap.web.viewmodels import protect

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/allocations", tags=["api"])

_AREA_COLUMNS = [
    "area",
    "area_name",
    "population",
    "target_share",
    "published_share",
    "difference",
    "target_pence",
    "target_per_head",
    "current_per_head",
    "distance_from_target",
    "allocation_pence",
    "allocation_per_head",
    "label",
]


def _example(name: str) -> str:
    if name not in ALL_EXAMPLES:
        raise WebError(
            404,
            "not_found",
            f"example must be one of {', '.join(ALL_EXAMPLES)}; got {name!r}. "
            "Choose one on /allocation.",
        )
    return name


def _csv_name(example: str, suffix: str = "") -> str:
    """``allocation-<example>-<illustration|published-need><suffix>``: labelled file names."""
    return f"allocation-{example}-{file_label(ALL_EXAMPLES[example])}{suffix}"


def _what_if(**values: str | None) -> dict[str, Any]:
    """Form text to numbers; empty fields mean "no change"."""
    out: dict[str, Any] = {}
    for key, text in values.items():
        if text is None or not str(text).strip():
            continue
        if key == "control_total":
            control_pence(text)  # refuses 0, negative and non-numeric amounts
            out[key] = str(text).strip()
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
    areas = protect(result.table[[c for c in _AREA_COLUMNS if c in result.table]].copy())
    path = result.path_frame()
    if path is not None:
        path = path.merge(result.table[["area", "area_name", "label"]], on="area", how="left")
    years = result.years_frame()
    return {"areas": areas, "path": path, "years": years}


def what_if_table(st: Store, example: str, **what_if: Any) -> pd.DataFrame:
    """Winners and losers (targets) if the what-if replaced the example's settings."""
    return protect(compare_example(st, example, basis="target", **what_if).to_pandas())


def area_waterfall(st: Store, example: str, code: str, **what_if: Any) -> pd.DataFrame:
    """One area's waterfall, step by step, in pence and pounds per head."""
    result = run_example(st, example, **what_if)
    if "allocation_pence" not in result.table:
        raise InputError(
            f"the waterfall of {example} is in pounds, so it must have a control total; got "
            "none. Add control_total=POUNDS (the published envelope) to the address."
        )
    steps = result.waterfall(code)
    # "label" is the step's name in a waterfall: the example's label gets its own column.
    steps["example_label"] = result.table["label"].iloc[0]
    return steps


# ---- does money follow need? -------------------------------------------------------------


def need_tables(st: Store, year: str) -> dict[str, pd.DataFrame]:
    """The Funding page's need section: ICBs, concentration, change and authorities."""
    result = follows.money_follows_need(st)
    icbs = result.icbs[result.icbs["year"] == year]
    icbs = icbs.sort_values("need_index", ascending=False, ignore_index=True)
    sa = need.footprint_need(st, year, "strategic_authority")
    sa = sa.sort_values("need_index", ascending=False, ignore_index=True)
    places = need.footprint_need(st, year, "icb_place")
    return {
        "icbs": icbs,
        "concentration": result.concentration,
        "change": result.change,
        "strategic_authority": sa[
            [
                "code",
                "name",
                "practices",
                "registered_population",
                "population_share",
                "need_share",
                "need_index",
                "hi_index",
            ]
        ],
        "icb_place": places[
            [
                "code",
                "name",
                "icb_code",
                "icb_name",
                "utla_code",
                "utla_name",
                "practices",
                "registered_population",
                "population_share",
                "need_share",
                "need_index",
                "need_index_within_icb",
                "hi_index",
            ]
        ],
    }


def _need_year(year: str | None) -> str:
    if year is None or not str(year).strip():
        return need.YEARS[-1]
    try:
        return need.check_year(year)
    except InputError as exc:
        raise web_error(exc) from exc


def _need_charts(tables: dict[str, pd.DataFrame], year: str) -> dict[str, Chart]:
    """The ICB scatter and the strategic-authority bars, each with the table of its rows
    (the published need shares and indices beside the figures drawn)."""
    icb_rows = [
        {
            **{str(k): v for k, v in r.items()},
            "population_share_percent": 100 * r["population_share"],
            "need_share_percent": 100 * r["need_share"],
            "hi_effect_points": 100 * r["hi_effect"],
            "core20_share_percent": 100 * r["core20_share"],
        }
        for r in tables["icbs"].to_dict("records")
    ]
    points = scatter(
        icb_rows,
        x_field="imd_score",
        y_field="need_index",
        label_field="icb_name",
        title=f"Need index per head against deprivation, 42 ICBs, {year}",
        x_title="IMD 2019 score (higher = more deprived)",
        y_title="Need index (England = 1)",
        table_options=TableOptions(
            caption="Need share against population share, inequalities, Core20 and "
            f"deprivation, by ICB, {year} (highest need index first)",
            extra=(
                ("population_share_percent", "Population share (%)"),
                ("need_share_percent", "Need share (%)"),
                ("hi_index", "Inequalities index"),
                ("hi_effect_points", "Inequalities effect (points)"),
                ("core20_share_percent", "Core20 share (%)"),
            ),
            headings={"icb_name": "ICB", "imd_score": "IMD score", "need_index": "Need index"},
            order=(
                "icb_name",
                "population_share_percent",
                "need_share_percent",
                "need_index",
                "hi_index",
                "hi_effect_points",
                "core20_share_percent",
                "imd_score",
            ),
            digits={
                "population_share_percent": 3,
                "need_share_percent": 3,
                "need_index": 3,
                "hi_index": 3,
                "hi_effect_points": 3,
                "core20_share_percent": 1,
                "imd_score": 1,
            },
        ),
    )
    by_authority = bars(
        tables["strategic_authority"],
        category_field="name",
        value_field="need_index",
        title=f"Need index per head by strategic authority, {year}",
        category_title=None,
        value_title="Need index",
        order="descending",
        table_options=TableOptions(
            caption=f"Need index per head by strategic authority, {year} (highest first)",
            extra=(
                ("practices", "GP practices"),
                ("registered_population", "Registered population"),
                ("hi_index", "Inequalities index"),
            ),
            headings={"name": "Strategic authority"},
            order=("name", "practices", "registered_population", "need_index", "hi_index"),
            digits={"practices": 0, "registered_population": 0, "need_index": 3, "hi_index": 3},
        ),
    )
    return {"scatter": points, "bars": by_authority}


def _chart(rows: list[dict[str, Any]], title: str) -> Chart:
    """Each area's distance from target, with its shares and amounts a head in the table
    (the area's name links to its waterfall)."""
    return bars(
        rows,
        category_field="area_name",
        value_field="distance_percent",
        title=title,
        category_title="Area",
        value_title="Current allocation's distance from target (%)",
        order="descending",
        table_options=TableOptions(
            caption="Target shares and allocations by area",
            extra=(
                ("population", "Population"),
                ("target_share_percent", "Target share (%)"),
                ("target_per_head", "Target per head (£)"),
                ("current_per_head", "Current per head (£)"),
                ("allocation_per_head", "Year 1 per head (£)"),
            ),
            headings={"distance_percent": "Distance from target (%)"},
            order=(
                "area_name",
                "population",
                "target_share_percent",
                "target_per_head",
                "current_per_head",
                "distance_percent",
                "allocation_per_head",
            ),
            digits={
                "population": 0,
                "target_share_percent": 3,
                "target_per_head": 2,
                "current_per_head": 2,
                "distance_percent": 1,
                "allocation_per_head": 2,
            },
            links={"area_name": "href"},
        ),
    )


def _api_url(path: str, params: dict[str, Any]) -> str:
    """``path?<params>&format=csv`` (no stray ``&`` without parameters)."""
    query = _query("", params)
    return f"{path}?{query}&format=csv" if query else f"{path}?format=csv"


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
    control_total: str | None = None,
    need_year: str | None = None,
) -> Any:
    example = _example(example)
    spec = ALL_EXAMPLES[example]
    form = {"hi_share": hi_share, "growth": growth, "floor": floor, "years": years}
    errors: list[str] = []
    base: dict[str, Any] = {}
    try:
        base = _what_if(control_total=control_total)
    except InputError as exc:
        errors.append(str(exc))
    try:
        what_if = _what_if(**form)
        if what_if and spec.published and not base:
            raise InputError(
                "a what-if on published need compares pounds, so it must have a control "
                "total; got none. Enter the envelope in pounds above."
            )
        comparison = st.compute(what_if_table, example, **what_if, **base) if what_if else None
    except InputError as exc:
        errors.append(str(exc))
        what_if, comparison = {}, None
    tables = st.compute(allocation_tables, example, **base)
    areas = tables["areas"]
    rows = [
        {
            **r,
            "distance_percent": 100 * r["distance_from_target"],
            "target_share_percent": 100 * r["target_share"],
            "href": f"/allocation/{example}/areas/{quote(str(r['area']))}",
        }
        for r in areas.to_dict("records")
        if "distance_from_target" in r
    ]
    formula = example_formula(example)
    year = _need_year(need_year)
    need_section = st.compute(need_tables, year)
    query = _query(example, base)
    return render(
        request,
        "allocation.html",
        {
            "examples": ALL_EXAMPLES,
            "spec": spec,
            "formula": formula,
            "illustration": spec.label,
            "areas": areas.to_dict("records"),
            "money": "target_pence" in areas,
            "years": [] if tables["years"] is None else tables["years"].to_dict("records"),
            "form": {**form, "control_total": control_total},
            "errors": errors,
            "comparison": None if comparison is None else comparison.to_dict("records"),
            "figure": _chart(rows, f"{spec.title}: distance from target") if rows else None,
            "csv": f"/api/v1/allocations/{example}?{_query('', base)}&format=csv".replace(
                "?&", "?"
            ),
            "path_csv": f"/api/v1/allocations/{example}/path?{_query('', base)}&format=csv".replace(
                "?&", "?"
            ),
            "compare_csv": f"/api/v1/allocations/{example}/compare?"
            f"{_query('', {**what_if, **base})}&format=csv",
            "query": query,
            "need": {k: v.to_dict("records") for k, v in need_section.items()},
            "need_year": year,
            "need_years": need.YEARS,
            "need_method": need.METHOD,
            "need_label": "Published data, not an illustration: NHS England's GP practice "
            "weighted populations for the allocation year (need indices, not money).",
            "follows_method": follows.METHOD,
            "need_charts": _need_charts(need_section, year),
            "need_csv": f"/api/v1/allocations/need/{{}}?year={year}&format=csv",
        },
        status_code=400 if errors else 200,
    )


@router.get("/allocation/{example}/areas/{code}", response_class=HTMLResponse)
def allocation_area_page(
    request: Request, st: StoreDep, example: str, code: str, control_total: str | None = None
) -> Any:
    example = _example(example)
    try:
        base = _what_if(control_total=control_total)
        if ALL_EXAMPLES[example].published and not base:
            st.compute(area_waterfall, example, code)  # raises: pounds need a control total
    except InputError as exc:
        raise web_error(exc) from exc
    areas = st.compute(allocation_tables, example, **base)["areas"]
    match = areas[areas["area"] == code]
    if match.empty:
        raise WebError(
            404,
            "not_found",
            f"area must be one of the example's areas; got {code!r}. "
            f"Choose one from /allocation?example={example}.",
        )
    steps = st.compute(area_waterfall, example, code, **base)
    rows = steps.to_dict("records")
    # "target" and "final" mark where the running total stands (no change of their own:
    # the step before them has the same running total), so the chart and table skip them.
    chart_rows = [
        {
            "step": r["label"],
            "change_pounds": r["change_pence"] / 100,
            "running_pounds": r["running_pence"] / 100,
            "running_per_head": r["running_per_head"],
        }
        for r in rows
        if r["step"] not in ("target", "final")
    ]
    waterfall = bars(
        chart_rows,
        category_field="step",
        value_field="change_pounds",
        title="Waterfall steps",
        category_title="Step",
        value_title="Change (£)",
        kind="ordinal",
        table_options=TableOptions(
            caption=f"Waterfall for {match.iloc[0]['area_name']} ({code})",
            extra=(
                ("running_pounds", "Running total (£)"),
                ("running_per_head", "Running per head (£)"),
            ),
            digits={"change_pounds": 2, "running_pounds": 2, "running_per_head": 2},
        ),
    )
    return render(
        request,
        "allocation_area.html",
        {
            "spec": ALL_EXAMPLES[example],
            "illustration": ALL_EXAMPLES[example].label,
            "area": match.iloc[0].to_dict(),
            "figure": waterfall,
            "csv": _api_url(f"/api/v1/allocations/{example}/areas/{code}", base),
        },
    )


# ---- JSON and CSV ----------------------------------------------------------------------


def _respond(
    df: pd.DataFrame, fmt: str, name: str, extra: dict[str, Any], label: str = ILLUSTRATION
) -> Any:
    if fmt == "csv":
        return csv_response(df, name)
    if fmt != "json":
        raise InputError(f"format must be json or csv; got {fmt!r}.")
    return {"illustration": label, **extra, "data": records(df)}


@api.get("")
def list_allocations() -> Any:
    """The built-in example formulas: illustrations, and NHS England's published need."""
    data = [
        {
            "example": s.name,
            "kind": "published need" if s.published else "illustration",
            "label": s.label,
            "title": s.title,
            "areas": s.areas,
            "what_if_component": s.need_component,
            "proxy": s.proxy,
            "sources": list(s.sources),
        }
        for s in ALL_EXAMPLES.values()
    ]
    return {"illustration": ILLUSTRATION, "published_need": PUBLISHED_NEED, "data": data}


_NEED_VIEWS = ("icbs", "concentration", "change", "strategic_authority", "icb_place")


@api.get("/need/{view}")
def need_api(st: StoreDep, view: str, year: str | None = None, format: str = "json") -> Any:
    """Does money follow need: ICBs, concentration, change, authorities or ICB places."""
    if view not in _NEED_VIEWS:
        raise WebError(
            404, "not_found", f"view must be one of {', '.join(_NEED_VIEWS)}; got {view!r}."
        )
    chosen = _need_year(year)
    table = st.compute(need_tables, chosen)[view]
    name = f"need-{view}-{chosen.replace('/', '-')}-published-nhs-england"
    extra = {"view": view, "year": chosen, "method": follows.METHOD, "footprints": need.METHOD}
    return _respond(table, format, name, extra, label=PUBLISHED_NEED)


@api.get("/{example}")
def allocation_api(
    st: StoreDep,
    example: str,
    hi_share: str | None = None,
    growth: str | None = None,
    floor: str | None = None,
    years: str | None = None,
    control_total: str | None = None,
    format: str = "json",
) -> Any:
    """Target shares, targets, per-head amounts and distance from target for each area."""
    what_if = _what_if(
        hi_share=hi_share, growth=growth, floor=floor, years=years, control_total=control_total
    )
    tables = st.compute(allocation_tables, _example(example), **what_if)
    label = ALL_EXAMPLES[example].label
    return _respond(tables["areas"], format, _csv_name(example), {"example": example}, label)


@api.get("/{example}/path")
def allocation_path_api(
    st: StoreDep, example: str, control_total: str | None = None, format: str = "json"
) -> Any:
    """The pace of change: one row per area and year."""
    base = _what_if(control_total=control_total)
    tables = st.compute(allocation_tables, _example(example), **base)
    if tables["path"] is None:
        raise WebError(
            404, "not_found", f"the example {example} has no pace of change; got no path."
        )
    label = ALL_EXAMPLES[example].label
    return _respond(
        tables["path"], format, _csv_name(example, "-path"), {"example": example}, label
    )


@api.get("/{example}/compare")
def allocation_compare_api(
    st: StoreDep,
    example: str,
    hi_share: str | None = None,
    growth: str | None = None,
    floor: str | None = None,
    years: str | None = None,
    control_total: str | None = None,
    format: str = "json",
) -> Any:
    """Winners and losers (targets) of a what-if against the example's own settings."""
    what_if = _what_if(hi_share=hi_share, growth=growth, floor=floor, years=years)
    if not what_if:
        raise InputError(
            "a what-if must change something; got none. Add e.g. ?hi_share=0.15, "
            "growth=0.04, floor=0.02 or years=3."
        )
    base = _what_if(control_total=control_total)
    table = st.compute(what_if_table, _example(example), **what_if, **base)
    label = ALL_EXAMPLES[example].label
    return _respond(
        table, format, _csv_name(example, "-compare"), {"example": example, **what_if}, label
    )


@api.get("/{example}/areas/{code}")
def allocation_area_api(
    st: StoreDep, example: str, code: str, control_total: str | None = None, format: str = "json"
) -> Any:
    """One area's waterfall."""
    base = _what_if(control_total=control_total)
    try:
        steps = st.compute(area_waterfall, _example(example), code, **base)
    except InputError as exc:  # an unknown area is a NotFoundError: 404; the rest 400
        raise web_error(exc) from exc
    label = ALL_EXAMPLES[example].label
    return _respond(
        steps, format, _csv_name(example, f"-{code}"), {"example": example, "area": code}, label
    )
