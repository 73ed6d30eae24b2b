"""``healthgap decisions ...``: the decisions register, scrutiny questions and their
overdue reminders, and the annual cycle, in the app database (``--db``, default the web
service's). Writes act for an account of that database (``--as EMAIL``), with the same
permissions and versions as the web pages.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from healthgap.cli._io import app_engine, err_console, out_console, write_or_show
from healthgap.cli.main import app
from healthgap.cli.options import DbOption, out_option
from healthgap.errors import InputError

decisions_app = typer.Typer(
    help="The decisions register, questions on the record and the annual cycle.",
    no_args_is_help=True,
)
app.add_typer(decisions_app, name="decisions")

As = Annotated[str, typer.Option("--as", help="The email of the account making the change.")]
Out = Annotated[Path | None, out_option("Write CSV (or .json) here instead of printing.")]
Authority = Annotated[
    str | None, typer.Option("--authority", help="Only this authority, e.g. E47000001.")
]
Version = Annotated[
    int, typer.Option("--version", help="The version your change is based on (see `show`).")
]
Today = Annotated[
    str | None, typer.Option("--today", help="The day to count from (YYYY-MM-DD); default today.")
]


def _actor(eng: Any, email: str) -> Any:
    from sqlalchemy.orm import Session

    from healthgap.appdb.permissions import actor_for

    if not email.strip():
        raise InputError(
            "--as must name the account making the change; got nothing. E.g. --as "
            "editor@example.org (see `healthgap users list`)."
        )
    with Session(eng) as s:
        return actor_for(s, email)


def _day(value: str | None) -> dt.date:
    from healthgap.decisions._fields import date

    return date(value, "--today", "--today", required=False) or dt.date.today()


def _write(frame: pd.DataFrame, out: Path | None, rows: list[dict[str, Any]] | None = None) -> None:
    if out is not None and out.suffix.lower() == ".json":
        out.write_text(
            json.dumps(
                rows if rows is not None else frame.to_dict("records"), indent=2, default=str
            ),
            encoding="utf-8",
        )
        err_console.print(f"Wrote {len(frame)} records to {out}", markup=False, soft_wrap=True)
        return
    write_or_show(frame, out)


@decisions_app.command("add")
def add_cmd(
    authority: Annotated[str, typer.Argument(help="The authority's code, e.g. E47000001.")],
    title: Annotated[str, typer.Option("--title", help="What was decided.")],
    maker: Annotated[str, typer.Option("--maker", help="The decision maker.")],
    directorate: Annotated[str, typer.Option("--directorate", help="The directorate.")],
    date: Annotated[str, typer.Option("--date", help="The date of the decision, YYYY-MM-DD.")],
    key: Annotated[bool, typer.Option("--key/--not-key", help="A key decision?")] = False,
    budget: Annotated[str, typer.Option("--budget", help="Budget in pounds.")] = "",
    forward_plan: Annotated[str, typer.Option("--forward-plan", help="Forward plan ref.")] = "",
    document: Annotated[
        list[str] | None, typer.Option("--document", help="'Title | https://...' (repeat).")
    ] = None,
    target: Annotated[list[int] | None, typer.Option("--target", help="A target id.")] = None,
    action: Annotated[list[str] | None, typer.Option("--action", help="An action id.")] = None,
    by: As = "",
    db: DbOption = None,
) -> None:
    """Record a decision; prints its id."""
    from healthgap.decisions import register

    fields = {
        "title": title,
        "decision_maker": maker,
        "directorate": directorate,
        "decided_on": date,
        "key_decision": key,
        "budget": budget,
        "forward_plan_ref": forward_plan,
        "documents": list(document or []),
        "targets": list(target or []),
        "actions": list(action or []),
    }
    with app_engine(db) as eng:
        out = register.add(eng, _actor(eng, by), authority, fields)
    err_console.print(f"Recorded decision {out['id']} (version 1).", markup=False, soft_wrap=True)
    out_console.print(str(out["id"]), markup=False, soft_wrap=True)


@decisions_app.command("link")
def link_cmd(
    decision: Annotated[int, typer.Argument(help="The decision's id.")],
    screening: Annotated[int, typer.Argument(help="The screening's id (same authority).")],
    version: Version,
    by: As = "",
    db: DbOption = None,
) -> None:
    """Link an equity screening of the same authority to a decision."""
    from healthgap.decisions import register

    with app_engine(db) as eng:
        out = register.link_screening(eng, _actor(eng, by), decision, version, screening)
    err_console.print(
        f"Linked screening {screening} to decision {decision} (now version {out['version']}).",
        markup=False,
        soft_wrap=True,
    )


@decisions_app.command("respond")
def respond_cmd(
    decision: Annotated[int, typer.Argument(help="The decision's id.")],
    screening: Annotated[int, typer.Argument(help="The linked screening's id.")],
    file: Annotated[
        Path,
        typer.Option("--file", help="JSON: a list of {recommendation, response, reason}."),
    ],
    version: Version,
    by: As = "",
    db: DbOption = None,
) -> None:
    """Record a screening's recommendations and the decision maker's responses."""
    from healthgap.decisions import register

    try:
        items = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"--file must be a readable JSON list of {{recommendation, response, reason}}; "
            f"got {str(file)!r} ({exc})."
        ) from None
    with app_engine(db) as eng:
        out = register.record_regard(eng, _actor(eng, by), decision, version, screening, items)
    err_console.print(
        f"Recorded {len(items)} recommendations (now version {out['version']}).", markup=False
    )


@decisions_app.command("list")
def list_cmd(authority: Authority = None, out: Out = None, db: DbOption = None) -> None:
    """The register (open data): one row per decision with its screening status."""
    from healthgap.decisions import register

    with app_engine(db) as eng:
        table = register.export_table(register.views(eng, authority))
    _write(table, out)


@decisions_app.command("show")
def show_cmd(
    decision: Annotated[int, typer.Argument(help="The decision's id.")], db: DbOption = None
) -> None:
    """One decision as JSON, with its screening status, prediction and version."""
    from healthgap.decisions import register

    with app_engine(db) as eng:
        v = register.view(eng, register.get(eng, decision))
    record = {**v.record, "screening_status": v.status, "predicted_effect": v.predicted}
    out_console.print(json.dumps(record, indent=2), markup=False, soft_wrap=True)


@decisions_app.command("coverage")
def coverage_cmd(authority: Authority = None, out: Out = None, db: DbOption = None) -> None:
    """Key decisions screened before they were taken, by directorate and year."""
    from healthgap.decisions import register

    with app_engine(db) as eng:
        cov = register.coverage(eng, authority)
    _write(cov.table, out)
    err_console.print(cov.method, markup=False, soft_wrap=True)
    for v in cov.widening:
        err_console.print(
            f"Screening expected a widening gap: decision {v.record['id']} "
            f"{v.record['title']!r} ({v.record['decided_on']}).",
            markup=False,
            soft_wrap=True,
        )


@decisions_app.command("questions")
def questions_cmd(
    authority: Authority = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones.")] = False,
    out: Out = None,
    today: Today = None,
    db: DbOption = None,
) -> None:
    """Published questions and answers (or only the overdue ones)."""
    from healthgap.decisions import scrutiny

    day = _day(today)
    with app_engine(db) as eng:
        rows = scrutiny.overdue(eng, day) if overdue else scrutiny.public(eng, authority, today=day)
    if overdue and authority:
        rows = [r for r in rows if r["authority_code"] == authority.strip().upper()]
    _write(pd.DataFrame(rows, columns=scrutiny.COLUMNS), out, rows)


@decisions_app.command("remind")
def remind_cmd(today: Today = None, db: DbOption = None) -> None:
    """Write one reminder a day for each overdue answer to the outbox (and the log);
    nothing is emailed. Prints each reminder."""
    from healthgap.decisions import scrutiny

    with app_engine(db) as eng:
        notes = scrutiny.write_reminders(eng, _day(today))
    for n in notes:
        state = "written" if n.written else "already written today"
        out_console.print(f"{n.message} [{state}]", markup=False, soft_wrap=True)
    err_console.print(
        f"{sum(n.written for n in notes)} reminders written.", markup=False, soft_wrap=True
    )


@decisions_app.command("cycle")
def cycle_cmd(
    authority: Annotated[str, typer.Argument(help="The authority's code.")],
    year: Annotated[int | None, typer.Option("--year", help="The cycle year.")] = None,
    out: Out = None,
    db: DbOption = None,
) -> None:
    """The annual cycle: each step's due date, status, evidence and version."""
    from healthgap.decisions import cycle

    with app_engine(db) as eng:
        steps = cycle.calendar(eng, authority, year or cycle.current_year())
    rows = [s.to_dict() for s in steps]
    _write(pd.DataFrame(rows), out, rows)


@decisions_app.command("step")
def step_cmd(
    authority: Annotated[str, typer.Argument(help="The authority's code.")],
    year: Annotated[int, typer.Argument(help="The cycle year, e.g. 2026 for 2026/27.")],
    step: Annotated[str, typer.Argument(help="targets_reviewed, action_plans_refreshed, ...")],
    status: Annotated[
        str, typer.Option("--status", help="not started, in progress, done, missed.")
    ],
    version: Version,
    done_on: Annotated[str, typer.Option("--done-on", help="YYYY-MM-DD.")] = "",
    evidence: Annotated[str, typer.Option("--evidence", help="Where to see it.")] = "",
    evidence_url: Annotated[str, typer.Option("--evidence-url", help="https://...")] = "",
    by: As = "",
    db: DbOption = None,
) -> None:
    """Record a step of the annual cycle (``--version 0`` for a step not yet recorded)."""
    from healthgap.decisions import cycle

    fields = {
        "status": status,
        "done_on": done_on,
        "evidence": evidence,
        "evidence_url": evidence_url,
    }
    with app_engine(db) as eng:
        out = cycle.set_step(eng, _actor(eng, by), authority, year, step, version, fields)
    err_console.print(
        f"Recorded {step} of {year}: {status} (version {out['version']}).", markup=False
    )


@decisions_app.command("review")
def review_cmd(
    authority: Annotated[str, typer.Argument(help="The authority's code.")],
    year: Annotated[int, typer.Option("--year", help="The cycle year to look back on.")],
    out: Out = None,
    today: Today = None,
    db: DbOption = None,
) -> None:
    """What the authority committed to in a cycle year, and what happened."""
    from healthgap.decisions import review

    with app_engine(db) as eng:
        back = review.look_back(eng, authority, year, _day(today))
    _write(back.table, out)
    err_console.print(back.summary(), markup=False, soft_wrap=True)
