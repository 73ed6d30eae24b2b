"""CSRF protection: a per-session token checked on every state-changing request.

Forms carry it in a hidden ``csrf_token`` field; API clients send it in the
``X-CSRF-Token`` header (read it from ``GET /api/v1/session``). SameSite=Lax cookies are
a second line of defence.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from healthgap.web.errors import WebError


def token(request: Request) -> str:
    """The session's CSRF token."""
    return str(request.state.session["csrf"])


def check(request: Request, supplied: str | None) -> None:
    """Raise a 403 :class:`WebError` unless ``supplied`` matches the session's token."""
    if not supplied or not hmac.compare_digest(supplied, token(request)):
        raise WebError(
            403,
            "csrf_failed",
            "The form or request must carry this session's CSRF token; got "
            + ("none" if not supplied else "a token that does not match")
            + ". Reload the page and try again.",
        )


def new_token() -> str:
    """A fresh token (a new one is issued at sign-in and sign-out)."""
    import secrets

    return secrets.token_urlsafe(24)
