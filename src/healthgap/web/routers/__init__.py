"""Routers: one module per area of the service, each exposing ``router``.

``ROUTERS`` lists them in the order the app includes them; ``NAV`` is the service
navigation, as ``(href, label)`` pairs. A new page module registers itself with one
import and one line in ``_REGISTRY`` (its routers and its navigation entry, if any).
"""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
NAV: list[tuple[str, str]] = [
    ("/", "Home"),
    ("/areas", "Area profiles"),
    ("/inequality", "Inequality explorer"),
    ("/targets", "Targets"),
    ("/methods", "Methods"),
    ("/sources", "Data sources"),
]

# The page modules, imported after NAV exists (render reads it).
from healthgap.web.routers import (  # noqa: E402
    allocation,
    api,
    apidocs,
    core20,
    cycle,
    decisions,
    decomposition,
    examples,
    framework,
    imports,
    indicators,
    ledger,
    maps,
    mission,
    network,
    pages,
    partnerships,
    places,
    policy,
    reports,
    scorecards,
    scrutiny,
    targets,
)

#: In the order the app includes them: a module's routers and its navigation entry.
_REGISTRY: list[tuple[tuple[APIRouter, ...], tuple[str, str] | None]] = [
    ((targets.router,), None),
    ((pages.router,), None),
    ((api.router,), None),
    ((mission.router,), ("/mission", "Mission")),
    ((scorecards.router,), ("/scorecards", "Scorecards")),
    ((core20.router,), ("/core20plus5", "Core20PLUS5")),
    ((decomposition.router,), None),
    ((maps.router,), ("/maps", "Maps")),
    ((policy.router,), ("/policy", "Policy")),
    ((framework.router,), ("/framework", "Devolution framework")),
    ((allocation.router, allocation.api), ("/allocation", "Funding")),
    ((imports.router,), ("/imports", "Import data")),
    ((ledger.router, ledger.api), ("/ledger", "Spending")),
    ((indicators.router,), ("/compare-areas", "Compare areas")),
    ((apidocs.router,), ("/docs", "API reference")),
    ((places.router,), ("/places", "Places")),
    ((partnerships.router,), None),
    ((examples.router,), None),
    ((reports.router,), None),
    ((decisions.router,), ("/decisions", "Decisions")),
    ((scrutiny.router,), ("/scrutiny", "Questions")),
    ((cycle.router,), ("/cycle", "Annual cycle")),
    ((network.router,), ("/network", "Shared feed")),
]
for _routers, _nav in _REGISTRY:
    ROUTERS.extend(_routers)
    if _nav is not None:
        NAV.append(_nav)
