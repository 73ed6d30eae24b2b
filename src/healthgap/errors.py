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
    """The input data or arguments are structurally wrong; nothing was computed."""


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
