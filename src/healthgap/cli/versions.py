"""The version a CLI update is based on (``--if-version N``), as the API's ``If-Match``.

Every CLI command that changes a versioned record (a screening's answers and sign-off, a
power, an action, an enquiry note) must name the version the user read; a record changed
since is refused (:class:`~healthgap.appdb.versions.StaleVersionError`, exit code 3, the
API's 409) and a missing version too (:class:`~healthgap.appdb.versions.VersionRequiredError`,
exit code 2, the API's 428). Nothing is changed in either case.
"""

from __future__ import annotations

from typing import Annotated

import typer

from healthgap.appdb.versions import VersionRequiredError

#: Exit code of a command refused because the record changed since the version named.
EXIT_STALE = 3

IfVersion = Annotated[
    int | None,
    typer.Option(
        "--if-version",
        min=0,
        help="The version you read (shown by the list/show commands and after each change); "
        "the change is refused if the record has changed since.",
        show_default=False,
    ),
]


class MissingVersionError(VersionRequiredError):
    """A CLI update without ``--if-version`` (worded for the command line)."""

    def __init__(self, what: str, hint: str) -> None:
        Exception.__init__(
            self,
            f"an update of {what} must name the version it is based on; got none. Pass "
            f"--if-version N with the version you read ({hint}). Nothing was changed.",
        )


def required(given: int | None, what: str, hint: str) -> int:
    """``given``, or :class:`MissingVersionError` naming where to read the version."""
    if given is None:
        raise MissingVersionError(what, hint)
    return given
