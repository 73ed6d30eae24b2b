"""What the accountability routers (decisions, scrutiny, cycle) share: calling the
domain with its refusals translated, the actor of a request, form errors by field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from healthgap.appdb.db import release
from healthgap.appdb.models import User
from healthgap.appdb.permissions import Actor, NotPermittedError, Permission, allows
from healthgap.appdb.versions import StaleVersionError, VersionRequiredError
from healthgap.errors import InputError
from healthgap.web import csrf
from healthgap.web.deps import current_user, require_user
from healthgap.web.errors import WebError


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the domain: a permission refusal becomes a 403; input errors stay 400."""
    try:
        return fn(*args, **kwargs)
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc


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
    ``[(field, message)]`` with 400 (bad input), 409 (stale version) or 428."""
    try:
        return call(fn, *args, **kwargs), [], 200
    except StaleVersionError as exc:
        return None, [(fallback, str(exc))], 409
    except VersionRequiredError as exc:
        return None, [(fallback, str(exc))], 428
    except InputError as exc:
        return None, [(getattr(exc, "field", fallback), str(exc))], 400


def version_field(value: Any) -> int:
    """The hidden ``version`` field of a form (required: 428 without it)."""
    from healthgap.web.deps import form_version

    return form_version(None if value is None else str(value), "the record")


def not_found(what: str, value: Any, where: str) -> WebError:
    return WebError(404, "not_found", f"{what} must exist; got {value}. See {where}.")
