"""The case-study library: search and suggestions (pages and JSON)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from healthgap.errors import InputError
from healthgap.framework.library import Library
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    StoreHandle,
    current_user,
)
from healthgap.web.render import render
from healthgap.web.routers.framework.cases import _can_add_cases
from healthgap.web.routers.framework.shared import (
    API,
    Format,
    _authority,
    _csv,
    _records,
    _stamp,
    the_register,
    workspace,
)

router = APIRouter()


# ---------------------------------------------------------------------------- library
def library_view(
    request: Request, st: StoreHandle, q: str, authority: str, like: bool = False
) -> dict[str, Any]:
    from healthgap.network.library import authorities_like, shared

    lib = Library(workspace(request))
    results = lib.search(q) if q.strip() else lib.cases()
    suggestions = None
    among: set[str] | None = None
    like_names: list[str] = []
    if authority:
        reg = the_register(request, st)
        code = _authority(reg, authority).code
        suggestions = st.compute(_suggest, lib, code, _stamp(workspace(request)))
        if like:
            near = st.run(lambda s: authorities_like(s, code))
            among = set(near["area_code"])
            like_names = [str(n) for n in near["area_name"]]
    return {
        "results": results,
        "suggestions": suggestions,
        "shared": shared(request.app.state.engine, q, among=among),
        "like_names": like_names,
    }


def _suggest(st: Any, lib: Library, code: str, stamp: int) -> pd.DataFrame:
    return lib.suggest(code, st)


@router.get("/framework/library", response_class=HTMLResponse, include_in_schema=False)
def library_page(
    request: Request,
    st: StoreDep,
    session: DbDep,
    q: str = "",
    authority: str = "",
    like: str = "",
) -> Any:
    from healthgap.network.library import shared

    reg = the_register(request, st)
    user = current_user(request, session)
    errors: list[tuple[str, str]] = []
    try:
        view = library_view(request, st, q, authority, like == "1")
    except InputError as exc:
        errors.append(("q", str(exc)))
        view = {
            "results": Library(workspace(request)).cases().iloc[0:0],
            "suggestions": None,
            "shared": shared(request.app.state.engine).iloc[0:0],
            "like_names": [],
        }
    return render(
        request,
        "framework_library.html",
        {
            "q": q,
            "authority": authority,
            "reg": reg,
            "can_add": _can_add_cases(user),
            "can_edit_case": lambda code: (
                user is not None
                and (
                    user.role == "admin" or (user.role == "editor" and code == user.authority_code)
                )
            ),
            "results": view["results"].to_dict("records"),
            "suggestions": None
            if view["suggestions"] is None
            else view["suggestions"].to_dict("records"),
            "errors": errors,
            "like": like == "1",
            "shared": view["shared"].to_dict("records"),
            "like_names": view["like_names"],
        },
        status_code=400 if errors else 200,
    )


@router.get(f"{API}/library", tags=["framework"], summary="Case studies: search, suggestions")
def api_library(
    request: Request,
    st: StoreDep,
    q: str = "",
    authority: str = "",
    format: Format = "json",
    like: bool = False,
) -> Any:
    view = library_view(request, st, q, authority, like)
    if format == "csv":
        return _csv(view["results"], "framework-library")
    return {
        "data": _records(view["results"]),
        "suggestions": None if view["suggestions"] is None else _records(view["suggestions"]),
        # case studies other deployments share (healthgap.network), with their origin
        "shared": _records(view["shared"]),
    }
