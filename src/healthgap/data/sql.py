"""Quoting for the few SQL statements healthgap writes by hand (DuckDB), and the check of
the codes readers give that go into store queries.

Names and text are quoted, never pasted: a double quote in a name or a single quote in
a path cannot end the quoted part.

>>> identifier('area"code')
'"area""code"'
>>> literal("O'Neill.parquet")
"'O''Neill.parquet'"
"""

from __future__ import annotations

import re

from healthgap.errors import InputError

#: What an area, indicator or authority code may hold (Health Index ids reach 59
#: characters, ELS ids 65).
_CODE = re.compile(r"[A-Za-z0-9_]{1,100}")


def identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (a column or table name)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """``text`` as a quoted SQL string literal (a path, a setting)."""
    return "'" + text.replace("'", "''") + "'"


def checked_code(value: str, name: str, example: str, *, field: str | None = None) -> str:
    """``value`` when it looks like a code (letters, digits, _); else an InputError
    (naming ``field`` when given).

    Codes go into store queries, and a NUL or stray quote there is a database error
    rather than a helpful message.

    >>> checked_code("E06000001", "area", "E06000001")
    'E06000001'
    """
    if not _CODE.fullmatch(value):
        raise InputError(
            f"{name} must be letters and digits (up to 100); got {value[:40]!r}. "
            f"Example: {example}.",
            field=field,
        )
    return value
