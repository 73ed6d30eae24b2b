"""Passwords (argon2id), accounts, sign-in with an atomic throttle, and session revocation.

**Throttle.** After :data:`MAX_FAILURES` failed sign-ins for one email, or
:data:`MAX_CLIENT_FAILURES` from one client address, within :data:`WINDOW`, further
attempts are refused (even with the right password) until the window has passed. Each
attempt *reserves* its place before the password is checked: in one write transaction it
locks the ``login_throttle`` rows of its email and address (``SELECT ... FOR UPDATE`` on
PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite), refuses if either is at its limit, and
otherwise counts itself as a failure; a right password then takes the count back. So
however many guesses arrive at once, at most the limit are ever evaluated.

**Same work for every email.** An unknown or disabled account's password is checked
against a dummy hash, so the response time does not tell which emails have accounts.

**Revocation.** :func:`revoke_sessions` moves an account's session version on (sign-out,
password change, disabling): every session cookie issued before stops working.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from healthgap.appdb.db import writing
from healthgap.appdb.models import (
    ROLES,
    LoginAttempt,
    LoginThrottle,
    User,
    ensure_authority,
    utcnow,
)
from healthgap.appdb.permissions import AUTHORITY_ROLES
from healthgap.errors import InputError

MAX_FAILURES = 5
#: Failed sign-ins allowed from one client address in a window (across all emails).
MAX_CLIENT_FAILURES = 20
WINDOW = dt.timedelta(minutes=15)
_hasher = PasswordHasher()
_dummy: dict[int, str] = {}
#: A plausible email address: one @, no spaces, a dot in the domain.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash new passwords with ``hasher`` (e.g. stronger parameters); return the old one.

    Verification reads the parameters stored in each hash, so existing passwords keep
    working. Tests use a cheap hasher to stay fast.
    """
    global _hasher
    old, _hasher = _hasher, hasher
    return old


class Throttled(Exception):
    """Too many failed sign-ins for this email or from this address; try again later."""


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


def _dummy_hash() -> str:
    """A hash made with the current hasher's parameters, for accounts that do not exist."""
    key = id(_hasher)
    if key not in _dummy:
        _dummy[key] = _hasher.hash("not a password of any account")
    return _dummy[key]


def check_email(email: str) -> str:
    """``email`` trimmed and lower-cased, or an :class:`InputError`."""
    clean = email.strip().lower()
    if not EMAIL.fullmatch(clean) or len(clean) > 320:
        raise InputError(
            f"email must be an address like ana@example.org; got {email!r}. Check it for "
            "spaces and the part after @."
        )
    return clean


def add_user(
    session: Session,
    email: str,
    password: str,
    role: str,
    authority: str | None = None,
    *,
    known_authorities: set[str] | None = None,
) -> User:
    """Create a user; editors and approvers need an authority (created if new).

    With ``known_authorities`` (the codes of the register) the authority must be one.
    """
    if "@" not in email:
        raise InputError(f"email must contain @; got {email!r}. Example: ana@example.org.")
    email = check_email(email)
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}; got {role!r}.")
    if role in AUTHORITY_ROLES and not authority:
        raise InputError(
            f"authority must be given for an {role}; got none. Example: --authority E08000025."
        )
    if authority and known_authorities is not None and authority not in known_authorities:
        raise InputError(
            f"authority must be a code in the register of authorities; got {authority!r}. "
            "Give the ONS code, e.g. E08000025 (a council) or E47000001 (a combined "
            "authority); `healthgap framework powers list` lists the strategic ones."
        )
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise InputError(f"email must be new; got {email!r}, which already has an account.")
    if authority:
        ensure_authority(session, authority)
    user = User(
        email=email, password_hash=hash_password(password), role=role, authority_code=authority
    )
    session.add(user)
    session.commit()
    return user


def _keys(email: str, client: str | None) -> list[tuple[str, int]]:
    keys = [(f"email:{email}", MAX_FAILURES)]
    if client:
        keys.append((f"client:{client}", MAX_CLIENT_FAILURES))
    return keys


def _reserve(engine: Engine, keys: list[tuple[str, int]], now: dt.datetime) -> None:
    """Count this attempt against every key, or raise :class:`Throttled` (atomically)."""
    with writing(engine) as w:
        rows = []
        for key, limit in keys:
            ensure = _insert_ignore(w, key, now)
            w.execute(ensure)
            row = w.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
            assert row is not None
            start = row.window_start
            if start.tzinfo is None:
                start = start.replace(tzinfo=dt.UTC)
            if start < now - WINDOW:
                row.window_start, row.failures = now, 0
            if row.failures >= limit:
                raise Throttled(key)
            rows.append(row)
        for row in rows:
            row.failures += 1


def _insert_ignore(session: Session, key: str, now: dt.datetime) -> Any:
    values = {"key": key, "window_start": now, "failures": 0}
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(LoginThrottle).values(**values).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(LoginThrottle).values(**values).on_conflict_do_nothing()


def authenticate(
    session: Session,
    email: str,
    password: str,
    now: dt.datetime | None = None,
    *,
    client: str | None = None,
) -> User | None:
    """The user when the password is right; ``None`` when not; :class:`Throttled` if
    the email or the client address has too many recent failures."""
    email = email.strip().lower()
    now = now or utcnow()
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    session.commit()  # hold no connection while waiting for the throttle's lock
    keys = _keys(email, client)
    _reserve(engine, keys, now)
    user = session.scalar(select(User).where(User.email == email))
    usable = user is not None and not user.disabled
    ok = verify_password(user.password_hash if usable else _dummy_hash(), password)  # type: ignore[union-attr]
    with writing(engine) as w:
        if ok and usable:
            # the right password: this attempt was no failure; the account starts afresh
            w.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
            w.execute(
                update(LoginThrottle).where(LoginThrottle.key == keys[0][0]).values(failures=0)
            )
            for key, _ in keys[1:]:
                w.execute(
                    update(LoginThrottle)
                    .where(LoginThrottle.key == key, LoginThrottle.failures > 0)
                    .values(failures=LoginThrottle.failures - 1)
                )
        else:
            w.add(LoginAttempt(email=email, at=now, client=client))
    return user if ok and usable else None


def revoke_sessions(engine: Engine, user_id: int) -> None:
    """Void every session cookie of the account (its session version moves on)."""
    with writing(engine) as w:
        w.execute(
            update(User).where(User.id == user_id).values(session_version=User.session_version + 1)
        )


def find_user(session: Session, email: str) -> User:
    """The account ``email``, or an :class:`InputError` naming it."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise InputError(
            f"email must be an account of the app database; got {email!r}. List them with "
            "`healthgap users list`."
        )
    return user


def set_password(engine: Engine, email: str, password: str) -> User:
    """Give the account a new password and sign it out everywhere."""
    hashed = hash_password(password)
    with writing(engine) as w:
        user = find_user(w, email)
        user.password_hash = hashed
        user.session_version += 1
        w.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
        w.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == f"email:{user.email}")
            .values(failures=0)
        )
    return user


def set_disabled(engine: Engine, email: str, disabled: bool) -> User:
    """Disable (signed out everywhere; cannot sign in) or enable an account."""
    with writing(engine) as w:
        user = find_user(w, email)
        user.disabled = disabled
        if disabled:
            user.session_version += 1
    return user


def remove_user(engine: Engine, email: str) -> User:
    """Delete the account (its changes stay in the audit log under its email)."""
    with writing(engine) as w:
        user = find_user(w, email)
        w.delete(user)
    return user
