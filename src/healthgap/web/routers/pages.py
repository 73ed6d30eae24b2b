"""HTML pages: server-rendered, GOV.UK Design System markup, usable without JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from healthgap.appdb.auth import Throttled, authenticate, revoke_sessions
from healthgap.charts import TableOptions, interval_bars
from healthgap.web import csrf, viewmodels
from healthgap.web.deps import (
    DbDep,
    StoreDep,
    current_user,
    end_session,
    requires,
    start_session,
)
from healthgap.web.errors import WebError
from healthgap.web.render import render, templates
from healthgap.web.responses import area_profile
from healthgap.web.views_account import mission_tracker

router = APIRouter(include_in_schema=False)
_md = MarkdownIt("commonmark", {"html": False}).enable("table")


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    st: StoreDep,
    period: str | None = None,
) -> Any:
    view = st.compute(viewmodels.hle_gap, period=period)
    rows = view.table[["area_name", "value", "lower_95_0", "upper_95_0"]].to_dict("records")
    tracker = st.compute(mission_tracker, None)
    return render(
        request,
        "home.html",
        {
            "view": view,
            "s": view.summary,
            "trends": tracker.trend_frame().to_dict("records"),
            "figure": interval_bars(
                rows,
                category_field="area_name",
                value_field="value",
                title=view.title,
                category_title="Region",
                value_title="Years in good health",
                table_options=TableOptions(
                    caption=f"Male healthy life expectancy at birth by region, "
                    f"{view.summary['period']} (years)",
                    headings={"value": "Years"},
                ),
            ),
            "csv": "/api/v1/hle-gap?format=csv" + (f"&period={period}" if period else ""),
        },
    )


@router.get("/areas", response_class=HTMLResponse)
def areas(
    request: Request,
    st: StoreDep,
    q: str = "",
) -> Any:
    df = st.compute(viewmodels.areas)
    if q:
        mask = df["area_name"].fillna("").str.contains(q, case=False, regex=False)
        df = df[mask | (df["area_code"] == q.strip().upper())]
    return render(
        request, "areas.html", {"areas": df.head(200).to_dict("records"), "q": q, "total": len(df)}
    )


@router.get("/areas/{area_code}", response_class=HTMLResponse)
def area(
    request: Request,
    st: StoreDep,
    session: DbDep,
    area_code: str,
    breakdowns: bool = False,
) -> Any:
    from healthgap.web.target_views import targets_section

    view = area_profile(st, area_code, breakdowns)
    extra = "&breakdowns=true" if breakdowns else ""
    local = st.compute_local(viewmodels.local_values, area_code)
    return render(
        request,
        "area.html",
        {
            "view": view,
            "profile_tables": st.remember(
                ("area-profile-tables", area_code, breakdowns), lambda: _profile_tables(view)
            ),
            "breakdowns": breakdowns,
            "csv": f"/api/v1/areas/{area_code}/profile?format=csv{extra}",
            "json": f"/api/v1/areas/{area_code}/profile?limit=1000{extra}",
            "local": local,
            "local_rows": local.table.to_dict("records"),
            "local_csv": f"/api/v1/areas/{area_code}/local?format=csv",
            **targets_section(request, session, st, area_code),
        },
    )


def _profile_tables(view: viewmodels.View) -> Markup:
    """The profile's tables, one per domain in the service's order (outcomes,
    improvement, wider determinants, healthcare), as HTML: the same for every reader, so
    rendered once per area (:meth:`StoreHandle.remember`)."""
    rows: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()} for r in view.table.to_dict("records")
    ]
    domains: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        domains.setdefault(str(r["domain"]), []).append(r)
    page = templates.env.get_template("_area_profile_tables.html")
    return Markup(page.render(view=view, domains=list(domains.items())))


@router.get("/inequality", response_class=HTMLResponse)
def inequality(
    request: Request,
    st: StoreDep,
    indicator: str = "hle_birth",
    sex: str | None = None,
    period: str | None = None,
) -> Any:
    view = st.compute(viewmodels.inequality, indicator=indicator, sex=sex, period=period)
    rows = view.table[["imd_decile", "areas", "population", "value", "lower_95_0", "upper_95_0"]]
    query = f"indicator={indicator}&sex={view.summary['sex']}&period={view.summary['period']}"
    return render(
        request,
        "inequality.html",
        {
            "view": view,
            "s": view.summary,
            "indicators": viewmodels.EXPLORER,
            "sexes": viewmodels.EXPLORER_SEXES[indicator],
            "figure": interval_bars(
                rows,
                category_field="imd_decile",
                value_field="value",
                title=view.title,
                category_title="Deprivation decile (1 = most deprived)",
                value_title=viewmodels.EXPLORER[indicator],
                table_options=TableOptions(
                    caption=f"{view.title} (decile 1 = most deprived)",
                    extra=(("areas", "Areas"), ("population", "Population")),
                    headings={"imd_decile": "Decile", "value": "Value"},
                    order=(
                        "imd_decile",
                        "areas",
                        "population",
                        "value",
                        "lower_95_0",
                        "upper_95_0",
                    ),
                    digits={"value": 2, "lower_95_0": 2, "upper_95_0": 2, "population": 0},
                ),
            ),
            "csv": f"/api/v1/inequality?{query}&format=csv",
        },
    )


def _methods_dir(request: Request) -> Path:
    return Path(request.app.state.settings.docs) / "methods"


@router.get("/methods", response_class=HTMLResponse)
def methods(request: Request) -> Any:
    names = sorted(p.stem for p in _methods_dir(request).glob("*.md"))
    return render(request, "methods.html", {"names": names})


@router.get("/methods/{name}", response_class=HTMLResponse)
def method(request: Request, name: str) -> Any:
    folder = _methods_dir(request)
    known = {p.stem: p for p in folder.glob("*.md")}
    if name not in known:
        raise WebError(
            404,
            "not_found",
            f"method must be one of the methods pages; got {name!r}. See the list at /methods.",
        )
    text = known[name].read_text(encoding="utf-8")
    # The page has its own h1 (the first heading); demote every heading by one level.
    lines = text.splitlines()
    title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), name)
    body = "\n".join(ln for ln in lines if not ln.startswith("# "))
    html = _md.render(body)
    for level in (5, 4, 3, 2):
        html = html.replace(f"<h{level}>", f'<h{level + 1} class="govuk-heading-s">')
        html = html.replace(f"</h{level}>", f"</h{level + 1}>")
    html = html.replace(
        "<table>",
        '<table class="govuk-table"><caption class="govuk-table__caption">'
        "Table from the method description</caption>",
    )
    # Code blocks scroll sideways when wide: focusable so a keyboard can scroll them.
    html = html.replace("<pre>", '<pre tabindex="0">')
    return render(request, "method.html", {"title": title, "body": html})


@router.get("/sources", response_class=HTMLResponse)
def sources(
    request: Request,
    st: StoreDep,
) -> Any:
    view = st.compute(viewmodels.sources)
    local = st.compute_local(viewmodels.local_sources)
    return render(
        request,
        "sources.html",
        {
            "view": view,
            "rows": view.table.to_dict("records"),
            "local_rows": local.table.to_dict("records"),
        },
    )


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request) -> Any:
    return render(request, "sign_in.html", {"errors": []})


@router.post("/sign-in", response_class=HTMLResponse, dependencies=[requires("session", "sign_in")])
def sign_in(
    request: Request,
    session: DbDep,
    email: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    csrf.check(request, csrf_token)
    errors = []
    if not email:
        errors.append(("email", "Enter your email address"))
    if not password:
        errors.append(("password", "Enter your password"))
    if not errors:
        client = request.client.host if request.client else None
        try:
            user = authenticate(session, email, password, client=client)
        except Throttled:
            return render(
                request,
                "sign_in.html",
                {
                    "errors": [
                        ("email", "Too many failed attempts. Wait 15 minutes and try again")
                    ],
                    "email": email,
                },
                status_code=429,
            )
        if user is not None:
            start_session(request, user)
            return RedirectResponse("/", status_code=303)
        errors.append(("email", "Enter a correct email address and password"))
    return render(request, "sign_in.html", {"errors": errors, "email": email}, status_code=400)


@router.post("/sign-out", dependencies=[requires("session", "sign_out")])
def sign_out(request: Request, session: DbDep, csrf_token: str = Form("")) -> Response:
    """Sign out everywhere: the account's session version moves on, so every copy of
    this session's cookie (another tab, a copied cookie) stops working too."""
    csrf.check(request, csrf_token)
    user = current_user(request, session)
    if user is not None:
        revoke_sessions(request.app.state.engine, user.id)
    end_session(request)
    return RedirectResponse("/", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: DbDep, offset: int = 0) -> Any:
    """The audit log, newest first, 100 at a time (administrators only)."""
    from healthgap.appdb import audit
    from healthgap.web.deps import require_user

    user = require_user(request, session)
    if user.role != "admin":
        raise WebError(
            403,
            "forbidden",
            f"the audit log must be read by an administrator; got {user.role}. "
            "Ask an administrator.",
        )
    offset = max(0, offset)
    entries = audit.entries(session, 100, offset)
    return render(request, "audit.html", {"entries": entries, "offset": offset})
