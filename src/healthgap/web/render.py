"""Jinja2 rendering with the helpers every template uses."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def fmt(value: Any, digits: int = 1) -> str:
    """A number for a table cell: ``-`` for missing (withheld or not available)."""
    if value is None:
        return "-"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "-"
    if x.is_integer() and abs(x) >= 1000:
        return f"{int(x):,}"
    return f"{x:,.{digits}f}"


templates.env.filters["fmt"] = fmt


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render template ``name`` with the session's user and CSRF token in the context."""
    session = getattr(request.state, "session", {})
    from healthgap.web.routers import NAV

    ctx = {
        "nav": NAV,
        "csrf_token": session.get("csrf", ""),
        "signed_in": session.get("email"),
        "role": session.get("role"),
        "path": request.url.path,
        **context,
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
