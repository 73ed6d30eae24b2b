"""Quoting for the few SQL statements healthgap writes by hand (DuckDB).

Names and text are quoted, never pasted: a double quote in a name or a single quote in
a path cannot end the quoted part.

>>> identifier('area"code')
'"area""code"'
>>> literal("O'Neill.parquet")
"'O''Neill.parquet'"
"""

from __future__ import annotations


def identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (a column or table name)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """``text`` as a quoted SQL string literal (a path, a setting)."""
    return "'" + text.replace("'", "''") + "'"
