"""One error type for pages and the API; the API renders it as one JSON shape:
``{"error": {"code": ..., "message": ..., "details": ...}}``.

:func:`web_error` is the one place where a domain error's kind becomes an HTTP status:
routers and the app's exception handler both go through it, and none reads the message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from healthgap.appdb.permissions import NotPermittedError
from healthgap.appdb.versions import StaleVersionError, VersionRequiredError
from healthgap.errors import ConflictError, HealthgapError, NotFoundError


class WebError(Exception):
    """An HTTP error with a machine code, a human message and optional details."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


#: A domain error's kind -> (HTTP status, machine code); the first match wins, anything
#: else a :class:`~healthgap.errors.HealthgapError` is a 400 ``invalid_input``.
STATUSES: tuple[tuple[type[HealthgapError], int, str], ...] = (
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (StaleVersionError, 409, "conflict"),
    (VersionRequiredError, 428, "precondition_required"),
)


def web_error(exc: HealthgapError) -> WebError:
    """``exc`` as the HTTP error the faces answer with: its kind picks the status, its
    message is kept word for word.

    >>> from healthgap.errors import InputError
    >>> e = web_error(NotFoundError("dataset must be a local dataset in the store; got 'x'."))
    >>> (e.status, e.code)
    (404, 'not_found')
    >>> web_error(InputError("years must be a whole number; got 'x'.")).status
    400
    """
    for kind, status, code in STATUSES:
        if isinstance(exc, kind):
            return WebError(status, code, str(exc))
    return WebError(400, "invalid_input", str(exc))


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the domain: a permission refusal becomes a 403; other errors pass on (input
    errors to the form that made the call, or to :func:`web_error`)."""
    try:
        return fn(*args, **kwargs)
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc
