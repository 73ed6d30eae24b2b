"""Adding and editing case studies in the library (editors and administrators)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from healthgap.appdb.models import User
from healthgap.appdb.versions import StaleVersionError, etag
from healthgap.errors import InputError
from healthgap.framework.library import Library
from healthgap.framework.powers import (
    COMPETENCES,
)
from healthgap.framework.storage import Actor
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    StoreHandle,
    current_user,
    form_version,
    if_match,
    requires,
)
from healthgap.web.errors import WebError
from healthgap.web.forms import field_errors, prefixed
from healthgap.web.render import render
from healthgap.web.routers.framework.shared import (
    API,
    CsrfHeader,
    _authority,
    _call,
    _lines,
    _permitted,
    _reader,
    _writer,
    the_register,
    workspace,
)

router = APIRouter()


# ---------------------------------------------------------------------------- case studies
def _can_add_cases(user: User | None) -> bool:
    return user is not None and user.role in ("admin", "editor")


_CASE_LABELS = {
    "title": "Enter the case study's title",
    "summary": "Enter what was done",
    "source_title": "Enter the title of the published source",
    "source_url": "Enter the web address of the published source",
    "published": "Enter the date the source was published",
}


#: The case-study form's inputs, by the domain field they hold.
CASE_FIELDS = prefixed(
    "case-",
    ("id", "title", "summary", "outcome", "source_title", "source_url", "published"),
) | {"competences": "case-competences", "authority_code": "case-authority_code"}


def _case_from_form(form: dict[str, Any], competences: list[str]) -> dict[str, Any]:
    return {
        "id": form.get("id", "").strip(),
        "title": form.get("title", ""),
        "authority_code": form.get("authority_code", "") or None,
        "summary": form.get("summary", ""),
        "outcome": form.get("outcome", ""),
        "levers": _lines(form.get("levers", "")),
        "competences": competences,
        "population_groups": _lines(form.get("population_groups", "")),
        "outcomes": _lines(form.get("outcomes", "")),
        "source_title": form.get("source_title", ""),
        "source_url": form.get("source_url", ""),
        "published": form.get("published", ""),
    }


def _slug(title: str) -> str:
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in title).split()
    return "-".join(words)[:60].strip("-")


def _case_render(
    request: Request,
    session: Session,
    st: StoreHandle,
    case_id: str | None,
    errors: list[tuple[str, str]],
    form: dict[str, Any],
    status: int = 200,
) -> Any:
    user = current_user(request, session)
    return render(
        request,
        "framework_case.html",
        {
            "reg": the_register(request, st),
            "case_id": case_id,
            "heading": "Edit a case study" if case_id else "Add a case study",
            "user": user,
            "competences": COMPETENCES,
            "errors": errors,
            "form": form,
        },
        status_code=status,
    )


def _case_writer(request: Request, session: Session, authority_code: str, token: str) -> Actor:
    return _writer(request, session, "case_study", authority_code, token)


@router.get("/framework/library/cases", response_class=HTMLResponse, include_in_schema=False)
def new_case_page(request: Request, st: StoreDep, session: DbDep) -> Any:
    user = _reader(request, session)
    if not _can_add_cases(user):
        raise WebError(
            403,
            "forbidden",
            f"{user.email} must be an editor or administrator to add case studies; got role "
            f"{user.role!r}. Ask an administrator for editor access.",
        )
    form = {"authority_code": user.authority_code or ""} if user.role == "editor" else {}
    return _case_render(request, session, st, None, [], form)


@router.get(
    "/framework/library/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False
)
def edit_case_page(request: Request, st: StoreDep, session: DbDep, case_id: str) -> Any:
    user = _reader(request, session)
    case = _known_case(request, case_id)
    _permitted(user, "case_study", case["authority_code"] or "")
    form = {
        **{k: v or "" for k, v in case.items()},
        **{k: ", ".join(case[k] or []) for k in ("levers", "population_groups", "outcomes")},
        "competences": case["competences"] or [],
        "version": _case_version(request, case_id),
    }
    return _case_render(request, session, st, case_id, [], form)


def _case_version(request: Request, case_id: str) -> int:
    v = workspace(request).get("case_study", case_id)
    return v.version if v is not None else 0


def _known_case(request: Request, case_id: str) -> dict[str, Any]:
    try:
        return Library(workspace(request)).get(case_id)
    except InputError as exc:
        raise WebError(404, "not_found", str(exc)) from exc


async def _case_form(
    request: Request, st: StoreHandle, session: Session, case_id: str | None
) -> Any:
    raw = await request.form()
    form: dict[str, Any] = {k: str(v) for k, v in raw.items() if k not in ("csrf_token",)}
    form["competences"] = [str(v) for v in raw.getlist("competences")]
    read = 0  # a new case study must not exist yet
    if case_id is not None:
        form["id"] = case_id
        owner = _known_case(request, case_id)["authority_code"] or ""
        _case_writer(request, session, owner, str(raw.get("csrf_token") or ""))
        read = form_version(form.get("version"), f"case study {case_id}")
    reg = the_register(request, st)
    code = form.get("authority_code", "")
    if code and code not in {a.code for a in reg}:
        raise WebError(
            400,
            "invalid_input",
            f"authority_code must be a strategic authority's code; got {code!r}. "
            "Choose one from the list.",
        )
    who = _case_writer(request, session, code, str(raw.get("csrf_token") or ""))
    errors = [
        (f"case-{k}", label) for k, label in _CASE_LABELS.items() if not form.get(k, "").strip()
    ]
    if case_id is None and not form.get("id", "").strip():
        form["id"] = _slug(form.get("title", ""))
    lib = Library(workspace(request))
    if case_id is None and form.get("id") and lib.ws.get("case_study", form["id"]) is not None:
        errors.append(
            ("case-id", f"A case study with id {form['id']} already exists: choose another id")
        )
    if not errors:
        try:
            case = _case_from_form(form, form["competences"])
            cid = _call(lib.add, who, case, expected_version=read)
            return RedirectResponse(f"/framework/library#case-{cid}", status_code=303)
        except StaleVersionError as exc:
            stale = "case-id" if case_id is None else "case-title"
            return _case_render(request, session, st, case_id, [(stale, str(exc))], form, 409)
        except InputError as exc:
            errors.extend(field_errors(exc, CASE_FIELDS, default="case-title"))
    return _case_render(request, session, st, case_id, errors, form, 400)


@router.post(
    "/framework/library/cases",
    include_in_schema=False,
    dependencies=[requires("case_study")],
)
async def add_case_form(request: Request, st: StoreDep, session: DbDep) -> Any:
    return await _case_form(request, st, session, None)


@router.post(
    "/framework/library/cases/{case_id}",
    include_in_schema=False,
    dependencies=[requires("case_study")],
)
async def edit_case_form(request: Request, st: StoreDep, session: DbDep, case_id: str) -> Any:
    return await _case_form(request, st, session, case_id)


class CaseIn(BaseModel):
    """A case study: a new id adds one, an existing id records a new version."""

    id: str
    title: str
    summary: str
    source_title: str
    source_url: str
    published: str
    authority_code: str | None = None
    outcome: str | None = None
    levers: list[str] = Field(default_factory=list)
    competences: list[str] = Field(default_factory=list)
    population_groups: list[str] = Field(default_factory=list)
    outcomes: list[str] = Field(default_factory=list)


@router.post(
    f"{API}/library",
    tags=["framework"],
    status_code=201,
    dependencies=[requires("case_study")],
)
def api_add_case(
    request: Request,
    response: Response,
    st: StoreDep,
    session: DbDep,
    body: CaseIn,
    x_csrf_token: str | None = CsrfHeader,
) -> Any:
    reg = the_register(request, st)
    code = body.authority_code or ""
    if code:
        code = _authority(reg, code).code
    existing = Library(workspace(request)).ws.get("case_study", body.id)
    if existing is not None and not existing.deleted:
        _writer(request, session, "case_study", existing.authority_code, x_csrf_token)
    who = _writer(request, session, "case_study", code, x_csrf_token)
    # a new id adds a case study; revising an existing one needs the version read
    read = 0 if existing is None else if_match(request, f"case study {body.id}")
    cid = _call(
        Library(workspace(request)).add,
        who,
        body.model_dump() | {"authority_code": code},
        expected_version=read,
    )
    version = _case_version(request, cid)
    response.headers["ETag"] = etag(version)
    return {"id": cid, "version": version}
