"""Recording a power in the register, kept as a version (administrators only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from healthgap.appdb.versions import StaleVersionError, etag, parse
from healthgap.errors import InputError
from healthgap.framework.powers import (
    PowersRepository,
)
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    if_match,
    requires,
)
from healthgap.web.routers.framework.authority import _authority_render, authority_view
from healthgap.web.routers.framework.shared import (
    API,
    CsrfHeader,
    _authority,
    _call,
    _writer,
    the_register,
    workspace,
)

router = APIRouter()


@router.post(
    "/framework/{code}/powers",
    include_in_schema=False,
    dependencies=[requires("power")],
)
def record_power_form(
    request: Request,
    st: StoreDep,
    session: DbDep,
    code: str,
    power_id: str = Form(""),
    text: str = Form(""),
    competences: Annotated[list[str] | None, Form()] = None,
    kind: str = Form("power"),
    status: str = Form("in force"),
    source: str = Form(""),
    as_of: str = Form(""),
    version: str = Form(""),
    csrf_token: str = Form(""),
) -> Any:
    reg = the_register(request, st)
    a = _authority(reg, code)
    who = _writer(request, session, "power", "", csrf_token)
    powers = PowersRepository(workspace(request))
    errors = []
    if not power_id.strip():
        errors.append(("power-id", "Enter a short id for the power, like gm-housing-fund"))
    if not text.strip():
        errors.append(("power-text", "Enter what the power, duty or budget is"))
    if not source.strip():
        errors.append(("power-source", "Enter the source: a title or URL"))
    if not as_of.strip():
        errors.append(("power-as-of", "Enter the date the source is as of, like 2026-02-19"))
    # a new id (or a published power corrected for the first time) is version 0; a
    # correction of one recorded here must carry the version read (the hidden field)
    read = parse(version, f"power {power_id.strip()}")
    current = powers.version(power_id.strip()) if power_id.strip() else 0
    status_code = 400
    if not errors and read is None and current:
        errors.append(
            (
                "power-id",
                f"Power {power_id.strip()} has been recorded already (now version {current}): "
                "check it in the table above, then save again to record a new version of it",
            )
        )
        status_code = 409
    if not errors:
        try:
            _call(
                powers.record,
                who,
                power_id.strip(),
                text=text,
                applies_to=[a.code],
                competences=competences or [],
                source=source,
                as_of=as_of,
                kind=kind,
                status=status,
                expected_version=0 if read is None else read,
            )
            return RedirectResponse(f"/framework/{a.code}#powers", status_code=303)
        except StaleVersionError as exc:
            errors.append(("power-id", str(exc)))
            status_code = 409
        except InputError as exc:
            errors.append(("power-id", str(exc)))
    view = authority_view(request, st, a.code, True)
    form = {"power_id": power_id, "text": text, "source": source, "as_of": as_of}
    if status_code == 409:  # the form now carries the version shown: saving again replaces it
        form["version"] = str(powers.version(power_id.strip()))
    else:
        form["version"] = version
    return _authority_render(request, session, view, a, errors, form, status_code)


class PowerIn(BaseModel):
    """A power, duty, role or budget to add to (or correct in) the register."""

    id: str
    text: str
    applies_to: list[str] | str
    competences: list[str] = Field(default_factory=list)
    source: str
    as_of: str
    kind: str = "power"
    status: str = "in force"
    verified: bool = True


@router.post(
    f"{API}/powers",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("power")],
    # correcting a power already recorded is an update: it must name the version read
    responses={
        409: {"description": "Changed by someone else since read (stale If-Match)"},
        428: {"description": "If-Match missing for a power already recorded"},
    },
)
def api_record_power(
    request: Request,
    response: Response,
    session: DbDep,
    body: PowerIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    who = _writer(request, session, "power", "", x_csrf_token)
    powers = PowersRepository(workspace(request))
    # a new id adds a power; correcting one recorded here needs the version read
    read = 0 if not powers.version(body.id) else if_match(request, f"power {body.id}")
    version = _call(
        powers.record,
        who,
        body.id,
        text=body.text,
        applies_to=body.applies_to,
        competences=body.competences,
        source=body.source,
        as_of=body.as_of,
        kind=body.kind,
        status=body.status,
        verified=body.verified,
        expected_version=read,
    )
    response.headers["ETag"] = etag(version)
    return {"id": body.id, "version": version}
