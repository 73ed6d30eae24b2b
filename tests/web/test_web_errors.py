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
