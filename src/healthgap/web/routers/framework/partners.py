"""Adding a partner to an authority (form and JSON)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from healthgap.framework.partners import (
    PARTNER_TYPES,
    Partnerships,
)
from healthgap.web.deps import (
    requires,
)
from healthgap.web.routers.framework.authority import _authority_render, authority_view
from healthgap.web.routers.framework.shared import (
    API,
    CsrfHeader,
    OnAuthority,
    _call,
)

router = APIRouter()


@router.post(
    "/framework/{code}/partners", include_in_schema=False, dependencies=[requires("partner")]
)
def add_partner_form(
    on: OnAuthority,
    name: str = Form(""),
    type: str = Form(""),
    role: str = Form(""),
    csrf_token: str = Form(""),
) -> Any:
    a, who = on.writing("partner", csrf_token)
    errors = []
    if not name.strip():
        errors.append(("partner-name", "Enter the partner's name"))
    if type not in PARTNER_TYPES:
        errors.append(("partner-type", "Select the type of partner"))
    if not errors:
        _call(Partnerships(on.ws, a.code).add_partner, who, name, type, role)
        return RedirectResponse(f"/framework/{a.code}#partners", status_code=303)
    view = authority_view(on.request, on.st, a.code, True)
    form = {"name": name, "type": type, "role": role}
    return _authority_render(on.request, on.session, view, a, errors, form, 400)


class PartnerIn(BaseModel):
    """A partner organisation of an authority."""

    name: str
    type: str
    role: str = ""


@router.post(
    f"{API}/{{code}}/partners",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("partner")],
)
def api_add_partner(on: OnAuthority, body: PartnerIn, x_csrf_token: str | None = CsrfHeader) -> Any:
    a, who = on.writing("partner", x_csrf_token)
    pid = _call(Partnerships(on.ws, a.code).add_partner, who, body.name, body.type, body.role)
    return {"id": pid}
