"""Routers: one module per area of the service, each exposing ``router``.

``ROUTERS`` lists them in the order the app includes them; ``NAV`` is the service
navigation, as ``(href, label)`` pairs. A new page module registers itself by adding
its lines at the end of this file.
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

from healthgap.web.routers.targets import router as _targets  # noqa: E402

ROUTERS.append(_targets)
from healthgap.web.routers.pages import router as _pages  # noqa: E402

ROUTERS.append(_pages)
from healthgap.web.routers.api import router as _api  # noqa: E402

ROUTERS.append(_api)
from healthgap.web.routers.mission import router as _mission  # noqa: E402

ROUTERS.append(_mission)
NAV.append(("/mission", "Mission"))
from healthgap.web.routers.scorecards import router as _scorecards  # noqa: E402

ROUTERS.append(_scorecards)
NAV.append(("/scorecards", "Scorecards"))
from healthgap.web.routers.core20 import router as _core20  # noqa: E402

ROUTERS.append(_core20)
NAV.append(("/core20plus5", "Core20PLUS5"))
from healthgap.web.routers.decomposition import router as _decomposition  # noqa: E402

ROUTERS.append(_decomposition)
from healthgap.web.routers.maps import router as _maps  # noqa: E402

ROUTERS.append(_maps)
NAV.append(("/maps", "Maps"))
from healthgap.web.routers.policy import router as _policy  # noqa: E402

ROUTERS.append(_policy)
NAV.append(("/policy", "Policy"))
from healthgap.web.routers.framework import router as _framework  # noqa: E402

ROUTERS.append(_framework)
NAV.append(("/framework", "Devolution framework"))
from healthgap.web.routers.allocation import api as _allocation_api  # noqa: E402
from healthgap.web.routers.allocation import router as _allocation  # noqa: E402

ROUTERS.append(_allocation)
ROUTERS.append(_allocation_api)
NAV.append(("/allocation", "Funding"))
from healthgap.web.routers.imports import router as _imports  # noqa: E402

ROUTERS.append(_imports)
NAV.append(("/imports", "Import data"))
from healthgap.web.routers.ledger import api as _ledger_api  # noqa: E402
from healthgap.web.routers.ledger import router as _ledger  # noqa: E402

ROUTERS.append(_ledger)
ROUTERS.append(_ledger_api)
NAV.append(("/ledger", "Spending"))

from healthgap.web.routers.indicators import router as _indicators  # noqa: E402

ROUTERS.append(_indicators)
NAV.append(("/compare-areas", "Compare areas"))
from healthgap.web.routers.apidocs import router as _apidocs  # noqa: E402

ROUTERS.append(_apidocs)
NAV.append(("/docs", "API reference"))
from healthgap.web.routers.places import router as _places  # noqa: E402

ROUTERS.append(_places)
NAV.append(("/places", "Places"))
from healthgap.web.routers.partnerships import router as _partnerships  # noqa: E402

ROUTERS.append(_partnerships)
from healthgap.web.routers.examples import router as _examples  # noqa: E402

ROUTERS.append(_examples)
from healthgap.web.routers.reports import router as _reports  # noqa: E402

ROUTERS.append(_reports)
from healthgap.web.routers.decisions import router as _decisions  # noqa: E402

ROUTERS.append(_decisions)
NAV.append(("/decisions", "Decisions"))
from healthgap.web.routers.scrutiny import router as _scrutiny  # noqa: E402

ROUTERS.append(_scrutiny)
NAV.append(("/scrutiny", "Questions"))
from healthgap.web.routers.cycle import router as _cycle  # noqa: E402

ROUTERS.append(_cycle)
NAV.append(("/cycle", "Annual cycle"))
from healthgap.web.routers.network import router as _network  # noqa: E402

ROUTERS.append(_network)
