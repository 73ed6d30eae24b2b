"""Exceptions and warnings shared by every part of healthgap.

Two kinds of bad input (see DESIGN.md section 3):

* structural problems raise :class:`InputError`, worded
  ``"<what> must <rule>; got <observed>. <remedy>"``;
* per-group data-quality problems suppress that group and raise one combined
  :class:`SuppressionWarning` for the whole call.

Two kinds of :class:`InputError` say more than "bad input", so that a face can answer
without reading the message: :class:`NotFoundError` (the input names something that is
not there; the web answers 404) and :class:`ConflictError` (the input is well formed but
what it names is in a state that refuses it; the web answers 409). The web maps kinds to
statuses in one place, ``healthgap.web.errors.web_error``.
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


class NotFoundError(InputError):
    """The input names a thing (an id, a code, an area) that is not there.

    >>> isinstance(NotFoundError("dataset must be a local dataset in the store; got 'x'."),
    ...            InputError)
    True
    """


class ConflictError(InputError):
    """The input is well formed, but what it names is in a state that refuses it
    (withdrawing a dataset already withdrawn, say); nothing was changed."""


class SchemaError(InputError):
    """A file or table does not have the columns or types healthgap needs."""


class SuppressionWarning(UserWarning):
    """Some groups were suppressed (set to NaN with a reason) because of their data."""


class MethodWarning(UserWarning):
    """A method was applied in a situation where its results need care."""


__all__ = [
    "ConflictError",
    "HealthgapError",
    "InputError",
    "MethodWarning",
    "NotFoundError",
    "SchemaError",
    "SuppressionWarning",
]
