"""Exceptions and warnings shared by every part of healthgap.

Two kinds of bad input (see DESIGN.md section 3):

* structural problems raise :class:`InputError`, worded
  ``"<what> must <rule>; got <observed>. <remedy>"``;
* per-group data-quality problems suppress that group and raise one combined
  :class:`SuppressionWarning` for the whole call.
"""

from __future__ import annotations


class HealthgapError(Exception):
    """Base class for every error healthgap raises on purpose."""


class InputError(HealthgapError, ValueError):
    """The input data or arguments are structurally wrong; nothing was computed.

    ``field`` names the input the message is about when there is one (a form field, a
    JSON key, a keyword argument), so a face can show the message next to it without
    reading the message: ``raise InputError("due must be ...", field="due")``.

    >>> InputError("due must be a date; got 'soon'.", field="due").field
    'due'
    >>> InputError("by must list keys; got none.").field is None
    True
    """

    #: The input the message is about (``None``: the input as a whole).
    field: str | None = None

    def __init__(self, *args: object, field: str | None = None) -> None:
        super().__init__(*args)
        if field is not None:
            self.field = field


class SchemaError(InputError):
    """A file or table does not have the columns or types healthgap needs."""


class SuppressionWarning(UserWarning):
    """Some groups were suppressed (set to NaN with a reason) because of their data."""


class MethodWarning(UserWarning):
    """A method was applied in a situation where its results need care."""


__all__ = [
    "HealthgapError",
    "InputError",
    "MethodWarning",
    "SchemaError",
    "SuppressionWarning",
]
