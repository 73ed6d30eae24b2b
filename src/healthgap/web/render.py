"""Jinja2 rendering with the helpers every template uses."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from healthgap import formatting
from healthgap.package_data import package_dir
from healthgap.web.tables import scrolling_tables

templates = Jinja2Templates(directory=package_dir("healthgap.web", "templates"))


def fmt(value: Any, digits: int = 1) -> str:
    """A number for a table cell (:mod:`healthgap.formatting`, shared with the CLI and the
    report): ``-`` for missing (withheld or not available); whole numbers of 1,000 or
    more without decimals; else ``digits`` decimal places, with thousands separators.

    >>> fmt(63.04), fmt(1234567.0), fmt(0.1234, 3), fmt(None), fmt("n/a")
    ('63.0', '1,234,567', '0.123', '-', 'n/a')
    """
    x = formatting.number(value, dp=digits)
    try:
        whole = float(value).is_integer() and abs(float(value)) >= 1000
    except (TypeError, ValueError):
        whole = False
    return formatting.count(value) if whole else x


#: What :func:`script_json` escapes, and how: each is only ever inside a JSON string, where
#: the \\u escape means the same character, so the data are unchanged for the reader.
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_UNSAFE = str.maketrans(_SCRIPT_ESCAPES)


def script_json(value: Any) -> Markup:
    """``value`` as JSON that is safe inside ``<script type="application/json">``.

    The one way JSON enters a page (every chart's Vega-Lite spec goes through it, via the
    ``chart`` macro, which renders a ``healthgap.charts.Chart``: its ``spec`` and its table).
    ``value`` is any JSON-serialisable object, or a string that already holds JSON text.
    ``<``, ``>`` and ``&`` are written as ``\\u003c``, ``\\u003e`` and ``\\u0026`` so no
    ``</script>`` or ``<!--`` in user text can end the element or open a comment, and
    U+2028/U+2029 as escapes so the text is also valid JavaScript. In valid JSON these
    characters occur only inside strings, where the escape means the same character:
    ``JSON.parse`` gives back exactly the data.

    Examples
    --------
    >>> str(script_json({"t": "</script>"}))
    '{"t": "\\\\u003c/script\\\\u003e"}'
    >>> json.loads(str(script_json('{"a": "x & y"}')))
    {'a': 'x & y'}
    """
    text = value if isinstance(value, str) else json.dumps(value)
    return Markup(text.translate(_SCRIPT_UNSAFE))


@pass_context
def staff(context: Context, email: Any) -> str:
    """A staff member's email for signed-in readers; "a staff member" for anonymous ones.

    Emails of the people who wrote, changed or signed off a record are personal data: the
    public pages name the role or the organisation, never the person.
    """
    if context.get("signed_in"):
        return str(email)
    return "a staff member"


templates.env.filters["fmt"] = fmt
templates.env.filters["number"] = formatting.number
templates.env.filters["pounds"] = formatting.pounds
templates.env.filters["percent"] = formatting.percent
templates.env.filters["with_unit"] = formatting.with_unit
templates.env.filters["script_json"] = script_json
templates.env.filters["staff"] = staff

#: The order of the service navigation; registered pages not listed here follow it.
NAV_ORDER = (
    "/",
    "/mission",
    "/areas",
    "/inequality",
    "/compare-areas",
    "/maps",
    "/scorecards",
    "/core20plus5",
    "/targets",
    "/decisions",
    "/allocation",
    "/ledger",
    "/policy",
    "/framework",
)
#: Pages linked from the footer rather than the menu (the menu stays within two rows on a
#: desktop screen; questions and the annual cycle are also linked from the decisions page).
FOOTER_LINKS = ("/places", "/scrutiny", "/cycle", "/methods", "/sources", "/docs")
#: Pages in the menu only for those who can use them (signed-in editors and administrators).
EDITOR_LINKS = ("/imports",)


def menus(
    nav: list[tuple[str, str]], role: str | None
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The service navigation and the footer links for a user with ``role``.

    Examples
    --------
    >>> menu, footer = menus([("/sources", "Data sources"), ("/x", "X"), ("/", "Home")], None)
    >>> menu, footer
    ([('/', 'Home'), ('/x', 'X')], [('/sources', 'Data sources')])
    """
    rank = {href: i for i, href in enumerate(NAV_ORDER)}
    shown = [
        (href, label)
        for href, label in nav
        if href not in FOOTER_LINKS and (href not in EDITOR_LINKS or role in ("editor", "admin"))
    ]
    menu = sorted(shown, key=lambda item: rank.get(item[0], len(rank)))
    if role == "admin":
        menu.append(("/admin/examples", "Example workspace"))
        menu.append(("/audit", "Audit log"))
    return menu, [(href, label) for href, label in nav if href in FOOTER_LINKS]


def _user(request: Request, session: dict[str, Any]) -> Any:
    """The signed-in user as checked by :func:`healthgap.web.deps.current_user` (a revoked
    or expired session shows as signed out)."""
    if hasattr(request.state, "user"):
        return request.state.user
    if not session.get("uid"):
        return None
    from healthgap.web.deps import current_user

    with request.app.state.sessions() as db:
        return current_user(request, db)


def area_namer(request: Request) -> Any:
    """``area_name(code)`` for templates: the store's name of an area code (the code when
    the store does not name it), looked up once per store in
    :func:`healthgap.geography.names.area_names`."""
    found: dict[str, str] | None = None

    def area_name(code: Any) -> str:
        nonlocal found
        from healthgap.geography.names import area_label, area_names

        if found is None:
            try:
                found = request.app.state.store.compute(area_names)
            except Exception:  # no store: codes stay codes
                found = {}
        return area_label(code, found or {})

    return area_name


def indicator_namer(request: Request) -> Any:
    """``indicator_name(id)`` for templates: the indicator's name from its metadata
    (:func:`healthgap.geography.names.indicator_names`; the id when it has none)."""
    found: dict[str, dict[str, str]] | None = None

    def indicator_name(indicator_id: Any) -> str:
        nonlocal found
        from healthgap.geography.names import indicator_label, indicator_names

        if found is None:
            try:
                found = request.app.state.store.compute(indicator_names)
            except Exception:  # no store: ids stay ids
                found = {}
        return indicator_label(indicator_id, found or {})

    return indicator_name


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render template ``name`` with the session's user and CSRF token in the context."""
    session = getattr(request.state, "session", {})
    from healthgap.web.routers import NAV

    user = _user(request, session)
    role = user.role if user is not None else None
    menu, footer = menus(NAV, role)
    ctx = {
        "nav": menu,
        "footer_links": footer,
        "csrf_token": session.get("csrf", ""),
        "signed_in": user.email if user is not None else None,
        "role": role,
        "path": request.url.path,
        "area_name": area_namer(request),
        "indicator_name": indicator_namer(request),
        **context,
    }
    page = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    return HTMLResponse(scrolling_tables(bytes(page.body).decode()), status_code=status_code)
