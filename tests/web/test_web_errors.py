"""A domain error's kind, never its words, picks the HTTP status (healthgap.web.errors)."""

from __future__ import annotations

import pytest

from healthgap.appdb.versions import StaleVersionError, VersionRequiredError
from healthgap.errors import ConflictError, HealthgapError, InputError, NotFoundError
from healthgap.web.errors import web_error


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (NotFoundError("dataset must be a local dataset in the store; got 'x'."), 404, "not_found"),
        (
            ConflictError("dataset x must be active to be withdrawn; got one withdrawn."),
            409,
            "conflict",
        ),
        (StaleVersionError("the action", 1, 2), 409, "conflict"),
        (VersionRequiredError("the action"), 428, "precondition_required"),
        (InputError("years must be a whole number; got 'x'."), 400, "invalid_input"),
        (HealthgapError("something else went wrong on purpose."), 400, "invalid_input"),
        # the words of another kind do not change the answer
        (
            InputError("dataset must be a local dataset in the store; got 'x'."),
            400,
            "invalid_input",
        ),
        (NotFoundError("the control total must be given."), 404, "not_found"),
    ],
)
def test_the_kind_picks_the_status_and_the_message_is_kept(
    exc: HealthgapError, status: int, code: str
) -> None:
    err = web_error(exc)
    assert (err.status, err.code) == (status, code)
    assert err.message == str(exc)
    assert err.body() == {"error": {"code": code, "message": str(exc), "details": None}}


def test_attempt_puts_each_refusal_next_to_its_field_with_its_status() -> None:
    from healthgap.appdb.permissions import NotPermittedError
    from healthgap.web.errors import WebError
    from healthgap.web.forms import attempt

    def refuse(exc: Exception) -> None:
        raise exc

    stale = StaleVersionError("the action", 1, 2)
    assert attempt(refuse, stale, ids={}, default="status-a1") == (
        None,
        [("status-a1", str(stale))],
        409,
    )
    missing = VersionRequiredError("the action")
    assert attempt(refuse, missing, ids={}, default="f")[1:] == ([("f", str(missing))], 428)
    due = InputError("due must be a date; got 'soon'.", field="due")
    assert attempt(refuse, due, ids={"due": "action-due"}, default="t")[1] == [
        ("action-due", str(due))
    ]
    assert attempt(refuse, due, ids=None, default="t")[1] == [("due", str(due))]
    plain = InputError("an action must have a title.")
    assert attempt(refuse, plain, ids=None, default="t")[1] == [("t", str(plain))]
    with pytest.raises(WebError) as caught:
        attempt(refuse, NotPermittedError("viewers must not change actions."), ids={}, default="t")
    assert (caught.value.status, caught.value.code) == (403, "forbidden")
