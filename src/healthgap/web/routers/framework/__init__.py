"""The devolution framework workspace: register, self-assessment, action plans, library,
partners and surveys, as pages and as JSON under ``/api/v1/framework``.

Every page and endpoint calls :mod:`healthgap.framework` (the same functions as the CLI).
The workspace lives in the app database (Alembic revision ``0004_framework``) and every
change writes an audit-log entry. Who may do what:

* anonymous visitors read the public register (``/framework``, an authority's powers,
  members, partner ICBs and sources) and the case-study library;
* signed-in viewers also read enquiries, action plans, partners and surveys;
* an editor changes only their own authority's records; administrators change any
  authority's records and the register itself (every change kept as a version).

One module per feature, each with its own ``router``; :mod:`.shared` holds the helpers
they share. ``router`` here takes their routes in the order they must be matched: the
fixed paths (``/framework/library``) before the ones with an authority code in them. The
route objects are added as they are (not through ``include_router``) so that the app and
the guard tests see the same flat list of routes as before the split.
"""

from __future__ import annotations

from fastapi import APIRouter

from healthgap.web.routers.framework import (
    actions,
    authority,
    cases,
    commitments,
    enquiry,
    exports,
    library,
    partners,
    powers,
    register,
    surveys,
)
from healthgap.web.routers.framework.commitments import (
    _commitment_as_form,
    _party_rows,
    commitment_changes,
)
from healthgap.web.routers.framework.shared import API, _stamp, the_register, workspace

__all__ = [
    "API",
    "_commitment_as_form",
    "_party_rows",
    "_stamp",
    "commitment_changes",
    "router",
    "the_register",
    "workspace",
]

router = APIRouter()
for _feature in (
    register,
    library,
    authority,
    partners,
    powers,
    enquiry,
    actions,
    surveys,
    exports,
    commitments,
    cases,
):
    router.routes.extend(_feature.router.routes)
