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

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from healthgap.appdb.versions import StaleVersionError, VersionRequiredError
from healthgap.errors import InputError
from healthgap.web.errors import call

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


def attempt(
    fn: Callable[..., Any],
    *args: Any,
    ids: Mapping[str, str] | None,
    default: str,
    **kwargs: Any,
) -> tuple[Any, list[FieldMessage], int]:
    """Call the domain for a form: ``(result, [], 200)``, or ``(None, errors, status)``
    with its refusal next to the field it is about: 400 for bad input (the field through
    ``ids``, or the error's own ``field`` when ``ids`` is ``None``), 409 for a stale
    version and 428 for a missing one (both at ``default``). A permission refusal is a
    403 (:func:`healthgap.web.errors.call`).

    >>> def due(text: str) -> str:
    ...     raise InputError(f"due must be a date; got {text!r}.", field="due")
    >>> attempt(due, "soon", ids={"due": "action-due"}, default="action-title")
    (None, [('action-due', "due must be a date; got 'soon'.")], 400)
    >>> attempt(str.upper, "ok", ids=None, default="form")
    ('OK', [], 200)
    """
    try:
        return call(fn, *args, **kwargs), [], 200
    except StaleVersionError as exc:
        return None, [(default, str(exc))], 409
    except VersionRequiredError as exc:
        return None, [(default, str(exc))], 428
    except InputError as exc:
        if ids is None:
            return None, [(exc.field or default, str(exc))], 400
        return None, field_errors(exc, ids, default), 400
