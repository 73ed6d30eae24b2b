"""The example workspace for administrators (/admin/examples): load it or remove it.

Both buttons are forms that POST with the session's CSRF token and the example
workspace's version (a hidden field; a stale one is refused with 409 and nothing
changed); only administrators hold the permission ``examples.manage``. The records are
written and removed by :mod:`healthgap.examples`, the same functions as
``healthgap demo --workspace`` and ``--remove-workspace``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from healthgap.appdb.permissions import Actor
from healthgap.examples import (
    AUTHORITY,
    AUTHORITY_NAME,
    PERMISSION,
    example_counts,
    examples_version,
    load_examples,
    remove_examples,
)
from healthgap.web import csrf
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    StoreHandle,
    form_version,
    require_user,
    requires,
)
from healthgap.web.errors import WebError
from healthgap.web.render import render

router = APIRouter()
PAGE = "/admin/examples"


def _admin(request: Request, session: Session) -> Actor:
    from healthgap.appdb.permissions import NotPermittedError, check

    who = Actor.of(require_user(request, session))
    try:
        check(who, PERMISSION)
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc
    return who


@router.get(PAGE, response_class=HTMLResponse, include_in_schema=False)
def examples_page(request: Request, session: DbDep, done: str = "") -> Any:
    """What the example holds now, with the load and remove buttons."""
    _admin(request, session)
    engine = request.app.state.engine
    counts = example_counts(engine)
    return render(
        request,
        "admin_examples.html",
        {
            "counts": counts,
            "version": examples_version(engine),
            "authority": AUTHORITY,
            "authority_name": AUTHORITY_NAME,
            "done": done if done in ("loaded", "removed") else "",
        },
    )


def _change_sync(
    request: Request, st: StoreHandle, form: Mapping[str, str], action: str
) -> Response:
    with request.app.state.sessions() as session:
        who = _admin(request, session)
    csrf.check(request, form.get("csrf_token"))
    version = form_version(form.get("version"), "the example workspace")
    engine = request.app.state.engine
    if action == "load":
        st.run(lambda s: load_examples(engine, s, who, expected_version=version))
        return RedirectResponse(f"{PAGE}?done=loaded", status_code=303)
    remove_examples(engine, who, expected_version=version)
    return RedirectResponse(f"{PAGE}?done=removed", status_code=303)


@router.post(f"{PAGE}/load", include_in_schema=False, dependencies=[requires("examples", "manage")])
async def examples_load(request: Request, st: StoreDep) -> Response:
    form = await request.form()
    data = {k: str(v) for k, v in form.items()}
    return await run_in_threadpool(_change_sync, request, st, data, "load")


@router.post(
    f"{PAGE}/remove", include_in_schema=False, dependencies=[requires("examples", "manage")]
)
async def examples_remove(request: Request, st: StoreDep) -> Response:
    form = await request.form()
    data = {k: str(v) for k, v in form.items()}
    return await run_in_threadpool(_change_sync, request, st, data, "remove")
