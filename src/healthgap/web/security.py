"""Signed session cookies and security headers (one middleware for both).

The session is a small JSON dict signed with itsdangerous (timestamped, so it expires),
sent as an HttpOnly, SameSite=Lax cookie (``Secure`` over HTTPS, see
:class:`~healthgap.web.settings.Settings` ``secure_cookies``). It holds the user id, the
account's session version when it was issued (sign-out, a password change or disabling
bump the account's: every copy of the cookie is then void), the sign-in and last-seen
times (absolute and idle limits) and the CSRF token; nothing secret. See
:func:`healthgap.web.deps.current_user`.
"""

from __future__ import annotations

import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

COOKIE = "healthgap_session"

#: No inline script or style anywhere: every script and stylesheet is a file we serve.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SessionMiddleware(BaseHTTPMiddleware):
    """Load ``request.state.session`` from the signed cookie; save it back when changed."""

    def __init__(self, app: ASGIApp, secret_key: str, secure: bool | str, max_age: int) -> None:
        super().__init__(app)
        self.signer = URLSafeTimedSerializer(secret_key, salt="healthgap-session")
        self.secure = secure
        self.max_age = max_age

    def load(self, raw: str | None) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            data = self.signer.loads(raw, max_age=self.max_age)
        except BadSignature:
            return {}
        return data if isinstance(data, dict) else {}

    def is_secure(self, request: Request) -> bool:
        """Whether cookies get ``Secure`` and responses HSTS: always, never, or (``auto``)
        when the request came over HTTPS (as the server saw it, after trusted proxies)."""
        if self.secure == "auto":
            return request.url.scheme == "https"
        return bool(self.secure)

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        session = self.load(request.cookies.get(COOKIE))
        secure = self.is_secure(request)
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        before = dict(session)
        request.state.session = session
        response = await call_next(request)
        if session != before or COOKIE not in request.cookies:
            response.set_cookie(
                COOKIE,
                self.signer.dumps(session),
                max_age=self.max_age,
                httponly=True,
                samesite="lax",
                secure=secure,
                path="/",
            )
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
