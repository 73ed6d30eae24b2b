"""Scorecards (/scorecards, /scorecards/<authority>) and outcomes frameworks
(/frameworks/<name>), with their JSON under /api/v1."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from healthgap.account.scorecard_frameworks import EXAMPLE_FRAMEWORKS, HEADLINE, framework_by_name
from healthgap.data.sql import checked_code
from healthgap.web import views_account as va
from healthgap.web.deps import DbDep, StoreDep
from healthgap.web.render import render
from healthgap.web.responses import Fmt, Format, csv_response, records
from healthgap.web.target_views import authority_target_rows, targets_section

router = APIRouter()

#: ``?indicator=ID`` or ``ID:Sex``, repeatable: indicators from the store added to the card.
Added = Annotated[
    list[str],
    Query(
        description="An indicator to add (ID or ID:Sex), repeatable; "
        f"at most {va.MAX_ADDED_INDICATORS}.",
    ),
]


def _label(fw: Any, spec: str) -> str:
    """The scorecard's label of an added indicator (``ID`` or ``ID:Sex``)."""
    ident, _, sex = spec.partition(":")
    for i in fw.indicators:
        if i.id == ident.strip() and (not sex or i.sex == sex.strip()):
            return str(i.label)
    return spec


def _query(framework: str | None, indicators: list[str], **more: str) -> str:
    """The scorecard's query string (framework, added indicators, then ``more``)."""
    pairs = ([("framework", framework)] if framework else []) + [
        ("indicator", i) for i in indicators
    ]
    pairs += list(more.items())
    return ("?" + urlencode(pairs)) if pairs else ""


FRAMEWORK_CHOICES = {HEADLINE: "Headline indicators (no targets)"} | {
    n: f"Example framework: {n.replace('_', ' ').title()} (illustration)"
    for n in EXAMPLE_FRAMEWORKS
}


@router.get("/scorecards", include_in_schema=False)
def scorecards_page(
    request: Request, st: StoreDep, authority: str | None = None, framework: str | None = None
) -> Any:
    """Choose an authority and a framework; a choice redirects to the scorecard."""
    if authority:
        target = "/scorecards/" + checked_code(authority.strip(), "authority", "E47000001")
        if framework and framework in FRAMEWORK_CHOICES:
            target += f"?framework={framework}"
        return RedirectResponse(target, status_code=303)
    examples = [framework_by_name(n) for n in EXAMPLE_FRAMEWORKS]
    return render(
        request,
        "scorecards.html",
        {
            "authorities": st.compute(va.authorities).to_dict("records"),
            "frameworks": FRAMEWORK_CHOICES,
            "examples": [(n, f) for n, f in zip(EXAMPLE_FRAMEWORKS, examples, strict=True)],
        },
    )


@router.get("/scorecards/{authority}", include_in_schema=False)
def scorecard_page(
    request: Request,
    st: StoreDep,
    session: DbDep,
    authority: str,
    framework: str | None = None,
    indicator: Added = [],  # noqa: B006 (FastAPI copies query defaults)
) -> Any:
    card = st.compute(va.scorecard_view, authority, framework, tuple(indicator))
    choices = st.compute(va.scorecard_choices, authority, framework)
    targets = targets_section(request, session, st, authority)
    fw = card.framework
    chosen = set(indicator)
    return render(
        request,
        "scorecard.html",
        {
            "card": card,
            "fw": fw,
            "rows": card.table.to_dict("records"),
            "authority": authority,
            "example_name": next(
                (n for n in EXAMPLE_FRAMEWORKS if framework_by_name(n).name == fw.name),
                None,
            ),
            "csv": f"/api/v1/scorecards/{authority}" + _query(framework, indicator, format="csv"),
            "framework": framework,
            "added": [
                {
                    "spec": spec,
                    "label": _label(fw, spec),
                    "remove": f"/scorecards/{authority}"
                    + _query(framework, [i for i in indicator if i != spec]),
                }
                for spec in indicator
            ],
            "choices": [c for c in choices if c["spec"] not in chosen],
            "max_added": va.MAX_ADDED_INDICATORS,
            **targets,
        },
    )


@router.get("/frameworks/{name}", include_in_schema=False)
def framework_page(request: Request, st: StoreDep, name: str) -> Any:
    fw, table, problems = st.compute(va.framework_view, name)
    return render(
        request,
        "scorecard_framework.html",
        {
            "fw": fw,
            "name": name,
            "rows": table.to_dict("records"),
            "problems": problems,
            "csv": f"/api/v1/frameworks/{name}?format=csv",
        },
    )


@router.get("/api/v1/scorecards/{authority}", tags=["api"], summary="An authority's scorecard")
def scorecard_api(
    request: Request,
    st: StoreDep,
    session: DbDep,
    authority: str,
    framework: str | None = None,
    indicator: Added = [],  # noqa: B006 (FastAPI copies query defaults)
    format: Format = Fmt,
) -> Any:
    """The scorecard against England (95% and 99.8%) and nearest neighbours, with any
    ``indicator`` from the store added, and the authority's recorded targets with their
    status (``targets``; JSON only, the CSV is the scorecard table: the targets' CSV is
    /api/v1/targets/status)."""
    card = st.compute(va.scorecard_view, authority, framework, tuple(indicator))
    if format == "csv":
        return csv_response(card.table, f"scorecard-{authority}")
    targets = authority_target_rows(request, session, st, authority)
    return {
        "framework": card.framework.to_dict()["framework"],
        "notes": list(card.notes),
        "data": records(card.table),
        "targets": targets,
    }


@router.get("/api/v1/frameworks/{name}", tags=["api"], summary="An outcomes framework")
def framework_api(st: StoreDep, name: str, format: Format = Fmt) -> Any:
    """The framework's indicators, baselines, targets and version."""
    fw, table, problems = st.compute(va.framework_view, name)
    if format == "csv":
        return csv_response(table, f"framework-{name}")
    return {
        "framework": fw.to_dict()["framework"],
        "problems": problems,
        "data": records(table),
    }
