"""Passwords (argon2id) and sign-in with throttling.

After :data:`MAX_FAILURES` failed sign-ins for one email within :data:`WINDOW`, further
attempts are refused (even with the right password) until the window has passed.
"""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from healthgap.appdb.models import ROLES, Authority, LoginAttempt, User, utcnow
from healthgap.errors import InputError

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
_hasher = PasswordHasher()


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash new passwords with ``hasher`` (e.g. stronger parameters); return the old one.

    Verification reads the parameters stored in each hash, so existing passwords keep
    working. Tests use a cheap hasher to stay fast.
    """
    global _hasher
    old, _hasher = _hasher, hasher
    return old


class Throttled(Exception):
    """Too many failed sign-ins for this email; try again later."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (at least 12 characters)."""
    if len(password) < 12:
        raise InputError(
            f"password must be at least 12 characters; got {len(password)}. "
            "Use a passphrase of three or more words."
        )
    return _hasher.hash(password)


def verify_password(hashed: str, password: str) -> bool:
    """Whether ``password`` matches the argon2 ``hashed``."""
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def add_user(
    session: Session, email: str, password: str, role: str, authority: str | None = None
) -> User:
    """Create a user; editors need an authority (created if new)."""
    email = email.strip().lower()
    if "@" not in email:
        raise InputError(f"email must contain @; got {email!r}. Example: ana@example.org.")
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}; got {role!r}.")
    if role == "editor" and not authority:
        raise InputError(
            "authority must be given for an editor; got none. Example: --authority E08000025."
        )
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise InputError(f"email must be new; got {email!r}, which already has an account.")
    if authority and session.get(Authority, authority) is None:
        session.add(Authority(code=authority, name=authority))
    user = User(
        email=email, password_hash=hash_password(password), role=role, authority_code=authority
    )
    session.add(user)
    session.commit()
    return user


def authenticate(
    session: Session, email: str, password: str, now: dt.datetime | None = None
) -> User | None:
    """The user when the password is right; ``None`` when not; :class:`Throttled` if locked."""
    email = email.strip().lower()
    now = now or utcnow()
    since = now - WINDOW
    failures = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.email == email, LoginAttempt.at >= since)
    )
    if (failures or 0) >= MAX_FAILURES:
        raise Throttled(email)
    user = session.scalar(select(User).where(User.email == email))
    if user is not None and verify_password(user.password_hash, password):
        session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
        session.commit()
        return user
    session.add(LoginAttempt(email=email, at=now))
    session.commit()
    return None
