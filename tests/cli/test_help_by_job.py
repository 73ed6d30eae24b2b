"""``healthgap --help`` groups the commands by job, in the order of
:data:`healthgap.cli.main.JOBS`, and leaves no command outside a job."""

from __future__ import annotations

import re

import typer.main
from typer.testing import CliRunner

from healthgap.cli.main import JOBS, app


def test_every_command_is_in_a_job_panel() -> None:
    root = typer.main.get_command(app)
    panels = {name: getattr(cmd, "rich_help_panel", None) for name, cmd in root.commands.items()}
    loose = sorted(n for n, p in panels.items() if p not in JOBS)
    assert not loose, f"add these commands to a job in healthgap.cli.main.JOBS: {loose}"
    listed = [n for names in JOBS.values() for n in names]
    assert len(listed) == len(set(listed)), "a command is in two jobs"
    # JOBS may name a command another branch adds (e.g. `places`); none is missing here.
    assert set(panels) <= set(listed)


def test_help_lists_jobs_in_order() -> None:
    out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "100"}).output
    titles = re.findall(r"╭─ ([A-Z][\w ]+?) ─", out)
    assert titles == ["Options", *JOBS], titles
    # Within a job, the commands are in JOBS order: mission first under Measure.
    measure = out.split("╭─ Measure")[1].split("╰")[0]
    assert measure.index("mission") < measure.index("calc")
