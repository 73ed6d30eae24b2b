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

from healthgap.web.routers.pages import router as _pages  # noqa: E402

ROUTERS.append(_pages)
from healthgap.web.routers.api import router as _api  # noqa: E402

ROUTERS.append(_api)
