"""The ``healthgap`` command: error handling for every subcommand lives here, once."""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from healthgap import __version__
from healthgap.cli._io import err_console
from healthgap.cli.calc import calc_app
from healthgap.errors import HealthgapError

#: The jobs ``healthgap --help`` groups its commands by, in this order, and their commands.
JOBS: dict[str, tuple[str, ...]] = {
    "Measure": (
        "mission",
        "profile",
        "compare-areas",
        "health-state",
        "explore",
        "core20",
        "calc",
        "demo",
    ),
    "Hold to account": ("scorecard", "targets", "report", "decisions"),
    "Fund": ("allocate", "ledger"),
    "Design policy": ("policy",),
    "Framework": ("framework",),
    "Data": ("init", "data", "datasets", "places", "query", "import", "records", "synth"),
    "Admin": ("serve", "users", "network"),
}


class _ByJob(TyperGroup):
    """Lists commands job by job (the order of :data:`JOBS`), then by their order there."""

    def list_commands(self, ctx: Any) -> list[str]:
        order = {name: i for i, name in enumerate(n for names in JOBS.values() for n in names)}
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: order.get(n, len(order)))


app = typer.Typer(
    cls=_ByJob,
    name="healthgap",
    help="Find, measure, fund and close health inequalities.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(calc_app, name="calc")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"healthgap {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """healthgap: the official public-health indicator methods, exact and fast."""


def run() -> None:
    """Console entry point: user errors print a message and exit 2, never a traceback; an
    update based on a version of a record that has changed since exits 3 (nothing changed).

    Usage errors (unknown option, missing argument) are reported by Typer itself with
    exit code 2.
    """
    from healthgap.appdb.versions import StaleVersionError
    from healthgap.cli.versions import EXIT_STALE

    try:
        app()
    except HealthgapError as exc:
        err_console.print(f"Error: {exc}", style="bold red", markup=False)
        sys.exit(EXIT_STALE if isinstance(exc, StaleVersionError) else 2)


# Command modules register their commands on `app` when imported; one line each below.
from healthgap.cli import account as _account  # noqa: E402, F401
from healthgap.cli import allocate as _allocate  # noqa: E402, F401
from healthgap.cli import data as _data  # noqa: E402, F401
from healthgap.cli import decisions as _decisions  # noqa: E402, F401
from healthgap.cli import demo as _demo  # noqa: E402, F401
from healthgap.cli import framework as _framework  # noqa: E402, F401
from healthgap.cli import importing as _importing  # noqa: E402, F401
from healthgap.cli import ledger as _ledger  # noqa: E402, F401
from healthgap.cli import mission as _mission  # noqa: E402, F401
from healthgap.cli import network as _network  # noqa: E402, F401
from healthgap.cli import places as _places  # noqa: E402, F401
from healthgap.cli import policy as _policy  # noqa: E402, F401
from healthgap.cli import records as _records  # noqa: E402, F401
from healthgap.cli import report as _report  # noqa: E402, F401
from healthgap.cli import targets as _targets  # noqa: E402, F401
from healthgap.cli import web as _web  # noqa: E402, F401


def _group_by_job() -> None:
    """Put every registered command and command group in its job's help panel."""
    job = {name: panel for panel, names in JOBS.items() for name in names}
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")
        info.rich_help_panel = job.get(name, info.rich_help_panel)
    for group in app.registered_groups:
        group.rich_help_panel = job.get(group.name or "", group.rich_help_panel)


_group_by_job()
