"""Policy equity impact in the web service: screenings (/policy) and the simulation
(/policy/simulate), with the same numbers as JSON under /api/v1/policy.

Who may do what: administrators create, answer and sign off any authority's screenings;
an editor only their own authority's. Signed-in users see their own authority's
screenings as they stand (administrators: every authority's); everybody else, including
anonymous visitors, sees only signed-off screenings, as they stood at their last
sign-off. Every write carries the session's CSRF token and writes an audit-log entry.

One module per feature, each with its own ``router``: :mod:`.screenings` (the pages),
:mod:`.screening_api` (the JSON API) and :mod:`.simulation` (page and API); :mod:`.shared`
holds the screening access checks they share. ``router`` here takes their routes in the
order the single module had them; the route objects are added as they are (not through
``include_router``) so that the app and the guard tests see the same flat list of routes.
"""

from __future__ import annotations

from fastapi import APIRouter

from healthgap.web.routers.policy import screening_api, screenings, simulation

__all__ = ["router"]

router = APIRouter()
for _feature in (screenings, screening_api, simulation):
    router.routes.extend(_feature.router.routes)
