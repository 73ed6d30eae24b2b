"""Hostile input bounded before it costs anything: one ASGI middleware, in front of every
route (inside the session middleware, so it knows who is asking).

* **Body size, per route, while streaming.** Ordinary forms and JSON bodies may be at most
  :data:`FORM_BODY_BYTES`; the upload routes (:data:`UPLOAD_ROUTES`) at most their file
  limit plus the form's overhead. A declared ``Content-Length`` over the limit is refused
  before a byte is read; a chunked body (no length) is counted as it arrives and refused
  as soon as it passes the limit, so nothing past the limit is ever read, parsed or
  written to disk.
* **Sign-in and CSRF before an upload is read.** An upload from a visitor who is not
  signed in as an editor or administrator is refused before its body is read. The CSRF
  token must come in the ``X-CSRF-Token`` header, the ``csrf_token`` query parameter, or
  as the first field of the multipart form (where the upload pages put it): at most the
  first :data:`CSRF_PEEK_BYTES` of the body are read to find it; a wrong or missing token
  is refused there.
* **Text fields.** Every value of the query string, of a urlencoded form and every string
  of a JSON body is at most :data:`FIELD_CHARS` characters (:data:`SHORT_FIELD_CHARS` for
  names, titles, codes and search terms, :data:`QUERY_CHARS` in the query string) and
  holds no control characters (other than tab, line feed and carriage return in bodies),
  no U+FFFE/U+FFFF and no lone surrogates. The refusal is a plain 400 message naming the
  field; the route never sees the input.

The routes themselves keep their own checks (permissions, CSRF of the form, the size of
the file part): this is the first line, not the only one.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from healthgap.web.uploads import FORM_OVERHEAD_BYTES, MAX_UPLOAD_BYTES

#: The largest body of an ordinary form or JSON request, in bytes.
FORM_BODY_BYTES = 256 * 1024
#: The largest upload body: the file limit plus the multipart form around it.
UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES
#: How much of a multipart upload is read, at most, to find its CSRF token field.
CSRF_PEEK_BYTES = 64 * 1024
#: The longest text field of a form or JSON body, in characters.
FIELD_CHARS = 20_000
#: The longest short field (names, titles, codes, emails, search terms).
SHORT_FIELD_CHARS = 500
#: The longest value in a query string.
QUERY_CHARS = 2_000
#: Fields held to :data:`SHORT_FIELD_CHARS` (by name, in forms and JSON objects alike).
SHORT_FIELDS = frozenset(
    {
        "title",
        "name",
        "email",
        "owner",
        "id",
        "code",
        "authority_code",
        "indicator_id",
        "q",
        "status",
        "kind",
        "type",
        "role",
        "signoff_role",
        "source_title",
        "published",
        "due",
        "start",
        "agreed",
        "as_of",
        "password",
        "csrf_token",
    }
)


@dataclass(frozen=True)
class UploadRoute:
    """A route that takes a file: its method, path pattern and body limit."""

    method: str
    path: re.Pattern[str]
    limit: int = UPLOAD_BODY_BYTES
    #: Who may upload here, as the route itself says it.
    who: str = "data must be imported by an administrator or an editor"


#: Every route that accepts an uploaded file. Other writes get :data:`FORM_BODY_BYTES`.
_LEDGER = "ledger files must be imported by an administrator or an editor of an authority"
UPLOAD_ROUTES: tuple[UploadRoute, ...] = (
    UploadRoute("POST", re.compile(r"/imports/?")),
    UploadRoute("POST", re.compile(r"/ledger/import/?"), who=_LEDGER),
    UploadRoute("POST", re.compile(r"/api/v1/ledger/imports/?"), who=_LEDGER),
    UploadRoute("POST", re.compile(r"/api/v1/imports/?")),
)
#: Roles that may upload (the route checks the authority; this only refuses early).
UPLOAD_ROLES = frozenset({"admin", "editor"})

# C0 controls other than tab, LF and CR; DEL; C1 controls; non-characters; surrogates.
_BODY_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_QUERY_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit (a 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def size_text(n: int) -> str:
    """A byte count for people: ``'256 KB'``, ``'50 MB'``."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:g} MB"
    return f"{n / 1024:g} KB" if n % 1024 == 0 else f"{n / 1000:g} KB"


def too_large_message(limit: int) -> str:
    return (
        f"the request body must be at most {size_text(limit)}; got more. "
        "Send less (split a large file, or use `healthgap import` on the server)."
    )


def text_problem(where: str, value: str, limit: int, allow_breaks: bool = True) -> str | None:
    """What is wrong with one text value (too long, or a control character), or None.

    >>> text_problem("title", "a" * 10, 5)
    'title must be at most 5 characters; got 10. Shorten it.'
    >>> text_problem("q", "x\\x00y", 50)
    'q must not contain control characters; got U+0000 at character 2. Remove it and try again.'
    >>> text_problem("note", "two\\nlines", 50) is None
    True
    """
    if len(value) > limit:
        return f"{where} must be at most {limit:,} characters; got {len(value):,}. Shorten it."
    bad = (_BODY_BAD if allow_breaks else _QUERY_BAD).search(value)
    if bad:
        return (
            f"{where} must not contain control characters; got U+{ord(bad.group()):04X} at "
            f"character {bad.start() + 1}. Remove it and try again."
        )
    return None


def _field_limit(name: str) -> int:
    return SHORT_FIELD_CHARS if name in SHORT_FIELDS else FIELD_CHARS


def json_problem(value: Any, where: str = "body") -> str | None:
    """The first over-long or control-character string in a JSON document, or None."""
    stack: list[tuple[str, Any, str]] = [(where, value, "")]
    while stack:
        path, v, key = stack.pop()
        if isinstance(v, str):
            problem = text_problem(path, v, _field_limit(key))
            if problem:
                return problem
        elif isinstance(v, dict):
            for k, item in v.items():
                problem = text_problem(f"{path} key", str(k), SHORT_FIELD_CHARS)
                if problem:
                    return problem
                stack.append((f"{path}.{k}", item, str(k)))
        elif isinstance(v, list):
            stack.extend((f"{path}[{i}]", item, key) for i, item in enumerate(v))
    return None


def pairs_problem(pairs: Iterable[tuple[str, str]], query: bool) -> str | None:
    """The first bad field of a query string or urlencoded form, or None."""
    for name, value in pairs:
        problem = text_problem(
            f"{name!r}" if not query else f"query parameter {name!r}",
            name,
            SHORT_FIELD_CHARS,
            allow_breaks=False,
        )
        if problem:
            return problem
        limit = min(QUERY_CHARS, _field_limit(name)) if query else _field_limit(name)
        where = f"query parameter {name!r}" if query else f"field {name!r}"
        problem = text_problem(where, value, limit, allow_breaks=not query)
        if problem:
            return problem
    return None


def _csrf_from_multipart(body: bytes, content_type: str) -> tuple[str | None, bool]:
    """``(token, complete)``: the ``csrf_token`` field if it comes before any file part in
    the start of a multipart body; ``complete`` is False while more bytes could still
    bring it (no file part seen yet)."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        return None, True
    boundary = b"--" + m.group(1).encode("latin-1")
    for part in body.split(boundary)[1:]:
        head, sep, rest = part.partition(b"\r\n\r\n")
        if not sep:
            return None, False  # the part's headers are not all here yet
        if b"filename=" in head:
            return None, True  # a file before the token: refused
        if re.search(rb'name="csrf_token"', head):
            end = rest.find(b"\r\n")
            if end < 0:
                return None, False
            return rest[:end].decode("utf-8", "replace"), True
    return None, False


class InputLimitMiddleware:
    """Bounds every request's body and text before the route sees it (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        problem = self._query_problem(scope)
        if problem:
            await self._refuse(request, send, 400, "invalid_input", problem)
            return
        upload = self._upload_route(scope)
        limit = upload.limit if upload else FORM_BODY_BYTES
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if upload is None and declared.isdigit() and int(declared) > limit:
            await self._refuse(request, send, 413, "too_large", too_large_message(limit))
            return
        replay: list[Message] = []
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if upload is not None and ctype != "multipart/form-data":
            # not a file upload after all: who is asking, then an ordinary small form
            refusal = self._upload_refusal(request, upload)
            if refusal is not None:
                await self._refuse(request, send, *refusal)
                return
            upload, limit = None, FORM_BODY_BYTES
            if declared.isdigit() and int(declared) > limit:
                await self._refuse(request, send, 413, "too_large", too_large_message(limit))
                return
        if upload is not None:
            # Who is asking first, then the CSRF token; a declared length over the file
            # limit is then refused, unread, by the route with its own form and message.
            refusal = self._upload_refusal(request, upload)
            supplied = request.headers.get("x-csrf-token") or request.query_params.get("csrf_token")
            if refusal is None and supplied:
                if not self._token_ok(request, supplied):
                    refusal = _csrf_refusal(supplied)
            elif refusal is None:
                refusal, replay = await self._peek_csrf(request, receive, headers)
            if refusal is not None:
                await self._refuse(request, send, *refusal)
                return
        else:
            if scope["method"] not in ("GET", "HEAD") and ctype in (
                "application/json",
                "application/x-www-form-urlencoded",
            ):
                body, more = await self._read_all(receive, limit)
                if more is not None:
                    await self._refuse(request, send, 413, "too_large", too_large_message(limit))
                    return
                problem = self._body_problem(body, ctype)
                if problem:
                    await self._refuse(request, send, 400, "invalid_input", problem)
                    return
                replay = [{"type": "http.request", "body": body, "more_body": False}]
        await self._run(scope, receive, send, request, limit, replay)

    # ------------------------------------------------------------------ the checks
    @staticmethod
    def _upload_route(scope: Scope) -> UploadRoute | None:
        for route in UPLOAD_ROUTES:
            if scope["method"] == route.method and route.path.fullmatch(scope["path"]):
                return route
        return None

    @staticmethod
    def _query_problem(scope: Scope) -> str | None:
        path = scope.get("path", "")
        problem = text_problem("the address", path, QUERY_CHARS, allow_breaks=False)
        if problem:
            return problem
        raw = scope.get("query_string", b"").decode("latin-1")
        if len(raw) > 8 * QUERY_CHARS:
            return f"the query string must be at most {8 * QUERY_CHARS:,} characters; got more."
        try:
            pairs = parse_qsl(raw, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            return "the query string must be UTF-8 text; got bytes that are not. Check the link."
        return pairs_problem(pairs, query=True)

    @staticmethod
    def _session(request: Request) -> dict[str, Any]:
        session = getattr(request.state, "session", None)
        return session if isinstance(session, dict) else {}

    @staticmethod
    def _account(request: Request) -> tuple[str, str] | None:
        """The signed-in account's (role, email), checked as every route checks it
        (:func:`healthgap.web.deps.current_user`: session version, disabled, timeouts);
        ``None`` for anonymous visitors and void sessions. The cookie holds no role."""
        from healthgap.web.deps import current_user

        maker = getattr(request.app.state, "sessions", None)
        if maker is None:
            return None
        with maker() as db:
            user = current_user(request, db)
            found = (str(user.role), str(user.email)) if user is not None else None
        if hasattr(request.state, "user"):  # the route looks the account up in its own session
            del request.state.user
        return found

    def _upload_refusal(self, request: Request, route: UploadRoute) -> tuple[int, str, str] | None:
        account = self._account(request) if self._session(request).get("uid") is not None else None
        if account is None:
            return (
                401,
                "unauthenticated",
                "This action must be done by a signed-in user; got an anonymous request. "
                "Sign in at /sign-in.",
            )
        role, email = account
        if role not in UPLOAD_ROLES:
            return (
                403,
                "forbidden",
                f"{route.who}; got {role} {email}. Ask an administrator for access.",
            )
        return None

    def _token_ok(self, request: Request, supplied: str | None) -> bool:
        expected = str(self._session(request).get("csrf", ""))
        return bool(supplied and expected) and hmac.compare_digest(str(supplied), expected)

    async def _peek_csrf(
        self, request: Request, receive: Receive, headers: Headers
    ) -> tuple[tuple[int, str, str] | None, list[Message]]:
        """Read at most :data:`CSRF_PEEK_BYTES` of a multipart body to find the token."""
        ctype = headers.get("content-type", "")
        seen: list[Message] = []
        body = b""
        token: str | None = None
        while True:
            message = await receive()
            seen.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            token, complete = _csrf_from_multipart(body[:CSRF_PEEK_BYTES], ctype)
            if complete or len(body) >= CSRF_PEEK_BYTES or not message.get("more_body"):
                break
        if not self._token_ok(request, token):
            return _csrf_refusal(token), []
        return None, seen

    @staticmethod
    async def _read_all(receive: Receive, limit: int) -> tuple[bytes, int | None]:
        """The whole body, or ``(partial, size)`` as soon as it passes ``limit``."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return b"", size
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        return b"".join(chunks), None

    @staticmethod
    def _body_problem(body: bytes, ctype: str) -> str | None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return "the request body must be UTF-8 text; got bytes that are not. Save it as UTF-8."
        if ctype == "application/json":
            try:
                doc = json.loads(text) if text.strip() else None
            except ValueError:
                return None  # the route answers malformed JSON with its own 422
            return json_problem(doc)
        try:
            pairs = parse_qsl(text, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            return "the form must be UTF-8 text; got bytes that are not. Reload the page."
        return pairs_problem(pairs, query=False)

    # ------------------------------------------------------------------ responses
    async def _run(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        request: Request,
        limit: int,
        replay: list[Message],
    ) -> None:
        size = sum(len(m.get("body", b"")) for m in replay)
        started = False

        async def limited() -> Message:
            nonlocal size
            if replay:
                return replay.pop(0)
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except BodyTooLarge as exc:
            if started:
                raise
            await self._refuse(request, send, 413, "too_large", str(exc.detail))

    @staticmethod
    async def _refuse(request: Request, send: Send, status: int, code: str, message: str) -> None:
        from healthgap.web.app import _error_response
        from healthgap.web.errors import WebError

        response = _error_response(request, WebError(status, code, message))
        await response(request.scope, _no_receive, send)


def _csrf_refusal(supplied: str | None) -> tuple[int, str, str]:
    """The 403 for a missing or wrong CSRF token, worded as :func:`healthgap.web.csrf.check`."""
    return (
        403,
        "csrf_failed",
        "The form or request must carry this session's CSRF token; got "
        + ("none" if not supplied else "a token that does not match")
        + ". Reload the page and try again.",
    )


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
