"""Field checks shared by the register, scrutiny and the cycle: every text has a size
limit and no control characters; dates are YYYY-MM-DD; web addresses are http(s).

Each check raises :class:`FieldError` (an :class:`~healthgap.errors.InputError`) naming
the field, so the web forms put the message beside the field it is about.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from healthgap.errors import InputError

#: Control characters refused everywhere (tab, line feed and carriage return are allowed
#: in long text only).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_CONTROL_SHORT = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff]")
_AUTHORITY = re.compile(r"[A-Z][A-Z0-9]{1,15}")
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
#: The largest whole number an id may be (a database integer).
MAX_ID = 2**31 - 1


class FieldError(InputError):
    """Bad input in one named field (``field``: the form field or JSON key)."""

    field: str

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, field=field)


def problem(field: str, message: str) -> FieldError:
    """A :class:`FieldError` about ``field``."""
    return FieldError(message, field)


def text(
    value: Any, field: str, label: str, limit: int, *, required: bool = True, long: bool = False
) -> str:
    """``value`` stripped; 1 (0 when optional) to ``limit`` characters, no control
    characters (line breaks only in ``long`` text)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise problem(field, f"{label} must be text; got {type(value).__name__}. Send a string.")
    out = value.strip()
    if required and not out:
        raise problem(field, f"{label} must not be empty; got nothing. Enter {label}.")
    if len(out) > limit:
        raise problem(
            field,
            f"{label} must be at most {limit:,} characters; got {len(out):,}. Shorten it.",
        )
    bad = (_CONTROL if long else _CONTROL_SHORT).search(out)
    if bad:
        raise problem(
            field,
            f"{label} must not contain control characters; got {bad.group()!r} at character "
            f"{bad.start() + 1}. Remove it (paste as plain text).",
        )
    return out


def authority(value: Any, field: str = "authority_code") -> str:
    """An authority code, upper-cased (e.g. ``E47000001``)."""
    code = value.strip().upper() if isinstance(value, str) else value
    if not isinstance(code, str) or not _AUTHORITY.fullmatch(code):
        raise problem(
            field,
            f"authority must be an authority code of 2 to 16 letters and digits; got "
            f"{str(value)[:40]!r}. Give the ONS code, e.g. E47000001 or E08000025.",
        )
    return code


def date(value: Any, field: str, label: str, *, required: bool = True) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` text (or a date)."""
    if isinstance(value, dt.date):
        return value
    raw = "" if value is None else str(value).strip()
    if not raw:
        if required:
            raise problem(field, f"{label} must be a date; got nothing. Write e.g. 2026-03-31.")
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise problem(
            field, f"{label} must be a date written YYYY-MM-DD; got {raw[:40]!r}. E.g. 2026-03-31."
        ) from None


def url(value: Any, field: str, label: str, *, required: bool = False) -> str:
    """An http(s) address of at most 500 characters (``""`` when optional and empty)."""
    out = text(value, field, label, 500, required=required)
    if out and not _URL.fullmatch(out):
        raise problem(
            field,
            f"{label} must be a web address starting http:// or https://; got {out[:60]!r}. "
            "Paste the document's address.",
        )
    return out


def whole(value: Any, field: str, label: str) -> int:
    """A positive whole number that fits a database integer."""
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        n = int(value) if isinstance(value, int | float) else int(str(value).strip())
    except (TypeError, ValueError):
        raise problem(
            field, f"{label} must be a whole number; got {str(value)[:40]!r}. E.g. 12."
        ) from None
    if not 1 <= n <= MAX_ID:
        raise problem(field, f"{label} must be between 1 and {MAX_ID:,}; got {n}.")
    return n


def choice(value: Any, field: str, label: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` exactly."""
    out = value.strip() if isinstance(value, str) else value
    if out not in choices:
        raise problem(
            field,
            f"{label} must be one of: {'; '.join(choices)}; got {str(value)[:40]!r}. "
            "Pick one of them.",
        )
    return str(out)


def listed(value: Any, field: str, label: str, limit: int) -> list[str]:
    """A list of short items from a list or from text split on commas and new lines."""
    if value is None or value == "":
        return []
    items = re.split(r"[\n,]+", value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise problem(field, f"{label} must be a list; got {type(value).__name__}.")
    out = [text(v, field, label, 100) for v in items if not isinstance(v, str) or v.strip()]
    if len(out) > limit:
        raise problem(
            field, f"{label} must list at most {limit}; got {len(out)}. Keep the main ones."
        )
    return list(dict.fromkeys(out))


@contextmanager
def versioned(what: str, read: int) -> Iterator[None]:
    """Turn SQLAlchemy's stale-row error (an UPDATE that named a version another writer
    had already moved on) into :class:`~healthgap.appdb.versions.StaleVersionError`."""
    from sqlalchemy.orm.exc import StaleDataError

    from healthgap.appdb.versions import StaleVersionError

    try:
        yield
    except StaleDataError:
        raise StaleVersionError(what, read, None) from None
