"""Domain errors on HTML forms: the message goes next to the field it is about.

Domain services raise :class:`~healthgap.errors.InputError` with ``field`` naming the
input (``"due"``, ``"source_url"``...). A page's form names its inputs with ids of its
own (``action-due``); :func:`field_errors` maps one to the other, so the face never reads
the message to guess the field. The pairs it returns are what the templates' GOV.UK
error summary (``_macros.html``: ``error_summary``) and the field messages take.

>>> from healthgap.errors import InputError
>>> field_errors(InputError("due must be a date; got 'soon'.", field="due"),
...              {"due": "action-due"}, default="action-title")
[('action-due', "due must be a date; got 'soon'.")]
>>> field_errors(InputError("an action must have a title."), {"due": "action-due"},
...              default="action-title")
[('action-title', 'an action must have a title.')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from healthgap.errors import InputError

#: (form field id, message): one entry of a page's ``errors``.
FieldMessage = tuple[str, str]


def field_id(exc: InputError, ids: Mapping[str, str], default: str) -> str:
    """The id of the form input ``exc`` is about: ``ids[exc.field]``, else ``default``
    (the error has no field, or one this form does not show)."""
    return ids.get(exc.field, default) if exc.field is not None else default


def field_errors(exc: InputError, ids: Mapping[str, str], default: str) -> list[FieldMessage]:
    """``exc`` as the error list a form page renders: its message next to its field."""
    return [(field_id(exc, ids, default), str(exc))]


def prefixed(prefix: str, fields: Iterable[str]) -> dict[str, str]:
    """``{field: prefix + field}``: the ids of a form whose inputs are named after the
    domain's fields (``prefixed("action-", ["due"]) == {"due": "action-due"}``)."""
    return {f: prefix + f for f in fields}
