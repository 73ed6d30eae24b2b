"""What the accountability routers (decisions, scrutiny, cycle) share: calling the
domain with its refusals translated, the actor of a request, form errors by field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from healthgap.appdb.db import release
from healthgap.appdb.models import User
from healthgap.appdb.permissions import Actor, Permission, allows
from healthgap.web import csrf
from healthgap.web.deps import current_user, require_user
from healthgap.web.errors import WebError, call
from healthgap.web.forms import attempt

__all__ = ["actor", "call", "form_errors", "may", "not_found", "version_field", "viewer"]


def actor(request: Request, session: Session, token: str | None) -> Actor:
    """The signed-in actor of a write (after the CSRF check); the session is released."""
    user = require_user(request, session)
    csrf.check(request, token)
    who = Actor.of(user)
    release(session)
    return who


def may(user: User | None, kind: str, verb: str, code: str | None) -> bool:
    """Whether ``user`` holds ``kind.verb`` for authority ``code``."""
    return user is not None and allows(Actor.of(user), Permission(kind, verb), code)


def viewer(request: Request, session: Session) -> User | None:
    """The signed-in user (or ``None``) for a page."""
    return current_user(request, session)


def form_errors(
    fn: Callable[..., Any], *args: Any, fallback: str = "form", **kwargs: Any
) -> tuple[Any, list[tuple[str, str]], int]:
    """``(result, errors, status)``: the domain's result, or its refusal as form errors
    ``[(field, message)]`` with 400 (bad input), 409 (stale version) or 428; the
    error's own ``field`` names the input (:func:`healthgap.web.forms.attempt`)."""
    return attempt(fn, *args, ids=None, default=fallback, **kwargs)


def version_field(value: Any) -> int:
    """The hidden ``version`` field of a form (required: 428 without it)."""
    from healthgap.web.deps import form_version

    return form_version(None if value is None else str(value), "the record")


def not_found(what: str, value: Any, where: str) -> WebError:
    return WebError(404, "not_found", f"{what} must exist; got {value}. See {where}.")
