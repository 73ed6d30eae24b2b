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
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class SessionMiddleware:
    """Load ``request.state.session`` from the signed cookie; save it back when changed;
    add the security headers to every response.

    A plain ASGI middleware: it acts on the response's start message as it passes,
    without the task and stream per request of Starlette's ``BaseHTTPMiddleware`` (a
    sixth of the server's CPU in the mixed-load benchmark).
    """

    def __init__(self, app: ASGIApp, secret_key: str, secure: bool | str, max_age: int) -> None:
        self.app = app
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

    def _cookie(self, session: dict[str, Any], secure: bool) -> bytes:
        """The ``Set-Cookie`` value carrying ``session`` (Starlette's own formatting)."""
        carrier = Response()
        carrier.set_cookie(
            COOKIE,
            self.signer.dumps(session),
            max_age=self.max_age,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        )
        return next(v for k, v in carrier.raw_headers if k == b"set-cookie")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        had_cookie = COOKIE in request.cookies
        session = self.load(request.cookies.get(COOKIE))
        secure = self.is_secure(request)
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        before = dict(session)
        request.state.session = session

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if session != before or not had_cookie:
                    headers.append("set-cookie", self._cookie(session, secure).decode("latin-1"))
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if secure:
                    headers.setdefault(
                        "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)
