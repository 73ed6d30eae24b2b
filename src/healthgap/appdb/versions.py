"""Optimistic concurrency: every mutable record carries a version; an update names the
version it read, and a stale one is refused with nothing changed.

The web faces carry the version as an HTTP ``ETag`` (read) and ``If-Match`` (write) in the
API, and as a hidden ``version`` field in forms; :class:`StaleVersionError` becomes a 409
and :class:`VersionRequiredError` a 428 there.
"""

from __future__ import annotations

import re

from healthgap.errors import HealthgapError

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


class StaleVersionError(HealthgapError):
    """The record changed since the version the update was based on."""

    def __init__(self, what: str, read: int | None, current: int | None) -> None:
        now = "it has been deleted" if current is None else f"it is now version {current}"
        super().__init__(
            f"{what} was changed by someone else since you read it: your change was based "
            f"on version {read}, but {now}. Nothing was changed. Reload it, re-apply your "
            "change and save again."
        )
        self.read = read
        self.current = current


class VersionRequiredError(HealthgapError):
    """An update did not say which version it was based on."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"an update of {what} must name the version it is based on; got none. Send the "
            "ETag of your last read in an If-Match header (API) or keep the form's version "
            "field. Nothing was changed."
        )


def etag(version: int) -> str:
    """The strong ETag of ``version``: ``"3"``."""
    return f'"{int(version)}"'


def parse(value: str | int | None, what: str) -> int | None:
    """The version in an ``If-Match`` header or a form field; ``None`` when absent.

    >>> parse('"3"', "target 1"), parse("W/\\"4\\"", "x"), parse("5", "x"), parse("", "x")
    (3, 4, 5, None)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    m = _ETAG.match(str(value))
    if m is None:
        from healthgap.errors import InputError

        raise InputError(
            f'the version of {what} must be a whole number or its ETag (e.g. "3"); got '
            f"{str(value)[:40]!r}. Send the ETag of your last read unchanged."
        )
    return int(m.group(1))
