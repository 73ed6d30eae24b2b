"""What the screening pages and API share: loading a screening the user may see or
change, the permission checks and the sign-off."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from healthgap.appdb.models import User
from healthgap.appdb.permissions import Actor, NotPermittedError, Permission, check
from healthgap.policy.screening import Screening, ScreeningRepository
from healthgap.web import csrf
from healthgap.web.deps import can_edit, current_user, require_user
from healthgap.web.errors import WebError


def _repo(request: Request) -> ScreeningRepository:
    return ScreeningRepository(request.app.state.engine)


def sees_working(user: User | None, rec: Screening) -> bool:
    """Whether ``user`` sees the record as it stands (not only its signed-off version)."""
    if user is None:
        return False
    return user.role == "admin" or user.authority_code == rec.authority_code


def visible(user: User | None, rec: Screening) -> Screening | None:
    """The version of ``rec`` that ``user`` may read, or ``None``; anonymous readers see
    no staff emails (:meth:`Screening.without_people`)."""
    view = rec if sees_working(user, rec) else rec.published()
    if user is None and view is not None:
        return view.without_people()
    return view


def _not_found(screening_id: Any) -> WebError:
    return WebError(
        404,
        "not_found",
        f"screening must be a record you can see; got no such record with id {screening_id}. "
        "See the list at /policy.",
    )


def _load(request: Request, session: Session, screening_id: int) -> tuple[Screening, Screening]:
    """(the record, the version the user sees), or a 404."""
    found = _repo(request).records(ids=[screening_id])
    if not found:
        raise _not_found(screening_id)
    view = visible(current_user(request, session), found[0])
    if view is None:
        raise _not_found(screening_id)
    return found[0], view


def _for_write(request: Request, session: Session, screening_id: int) -> Screening:
    """The record a write targets: sign-in first (401), then existence (404); the
    caller then checks the authority (403)."""
    require_user(request, session)
    found = _repo(request).records(ids=[screening_id])
    if not found:
        raise _not_found(screening_id)
    return found[0]


def _authorise(request: Request, session: Session, authority: str, token: str | None) -> User:
    """The signed-in user allowed to change ``authority``'s screenings, after the CSRF check."""
    user = require_user(request, session)
    csrf.check(request, token)
    if not can_edit(user, authority):
        raise WebError(
            403,
            "forbidden",
            f"screenings of authority {authority} must be changed by an administrator or "
            f"that authority's editor; got {user.role} {user.email}"
            + (f" of {user.authority_code}" if user.authority_code else "")
            + ". Ask an administrator for access.",
        )
    return user


def _summary(rec: Screening) -> dict[str, Any]:
    last = rec.signoffs[-1] if rec.signoffs else None
    return {
        "id": rec.id,
        "authority_code": rec.authority_code,
        "title": rec.title,
        "status": rec.status,
        "fingerprint": rec.fingerprint,
        "created_at": rec.created_at.isoformat(timespec="seconds"),
        "last_change": rec.history[-1].at.isoformat(timespec="seconds") if rec.history else "",
        "signed_off_at": last.at.isoformat(timespec="seconds") if last else None,
        "example": rec.example,
    }


def listing(request: Request, session: Session) -> list[dict[str, Any]]:
    """Summaries of the screenings the user may see, newest first."""
    user = current_user(request, session)
    out = []
    for rec in reversed(_repo(request).records()):
        view = visible(user, rec)
        if view is not None:
            out.append({**_summary(view), "published_only": view is not rec})
    return out


def _signer(request: Request, session: Session, rec: Screening, token: str | None) -> Actor:
    """The signed-in approver (or administrator) of the record's authority, after CSRF."""
    user = require_user(request, session)
    csrf.check(request, token)
    who = Actor.of(user)
    try:
        check(who, Permission("screening", "sign_off"), rec.authority_code)
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc
    return who


def _signed(
    request: Request,
    screening_id: int,
    who: Actor,
    role: str,
    statement: str,
    fingerprint: str | None,
) -> None:
    """Sign off through the domain: refusals of its rules become a 403.

    The sign-off must name the fingerprint of the answers the signer read (428 without
    it): what is approved is what was read, never answers written since (409).
    """
    if not fingerprint or not fingerprint.strip():
        raise WebError(
            428,
            "precondition_required",
            f"a sign-off of screening {screening_id} must name the fingerprint of the "
            "answers you read; got none. Send the `fingerprint` of your last read of "
            f"/api/v1/policy/screenings/{screening_id} (the form carries it). Nothing was "
            "signed.",
        )
    try:
        _repo(request).sign_off(
            screening_id,
            by=who.name,
            role=role,
            statement=statement,
            actor=who,
            expected_fingerprint=fingerprint.strip(),
        )
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc
