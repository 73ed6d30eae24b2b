"""``healthgap policy simulate`` and ``healthgap policy screen ...``: thin wrappers over
:mod:`healthgap.policy`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from healthgap.cli._io import err_console, warnings_to_console
from healthgap.cli.main import app
from healthgap.cli.options import DbOption, StoreOption, out_option
from healthgap.cli.versions import IfVersion, required
from healthgap.errors import InputError
from healthgap.safe_csv import to_csv

policy_app = typer.Typer(
    help="Policy equity impact: distributional simulation and equity screening.",
    no_args_is_help=True,
)
screen_app = typer.Typer(
    help="Equity screening records with full history (prepare, assess, refine, review).",
    no_args_is_help=True,
)
app.add_typer(policy_app, name="policy")
policy_app.add_typer(screen_app, name="screen")

AuthorityOption = Annotated[
    str,
    typer.Option("--authority", help="The authority's ONS code, e.g. E47000001."),
]
ByOption = Annotated[str, typer.Option("--by", help="Your name, recorded with the event.")]


def _write(text: str, out: Path | None, what: str) -> None:
    if out is None:
        typer.echo(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"--out must be a writable path; got {str(out)!r} ({exc.strerror})."
        ) from None
    err_console.print(f"Wrote {what} to {out}")


@policy_app.command("simulate")
def simulate_command(
    spec: Annotated[Path, typer.Argument(help="The simulation spec: a TOML or YAML file.")],
    out: Annotated[Path | None, out_option("Write the HTML report here.")] = None,
    table: Annotated[
        Path | None, typer.Option("--table", help="Also write the summary table (CSV).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Project each deprivation decile under each option and report the change in the gap."""
    from healthgap.policy.report import simulation_html
    from healthgap.policy.simulate import simulate
    from healthgap.policy.spec import load_spec, resolve_inputs

    parsed = load_spec(spec)
    needs_store = "indicator" in parsed.baseline or bool(parsed.regions)
    with warnings_to_console():
        if needs_store:
            from healthgap.data.store import open_store

            with open_store(store) as opened:
                kwargs = resolve_inputs(parsed, opened, spec.parent)
        else:
            kwargs = resolve_inputs(parsed, None, spec.parent)
        baseline = kwargs.pop("baseline")
        result = simulate(baseline, parsed.options, **kwargs)
    for name, v in result.verdicts.items():
        typer.echo(f"{name}: {v}")
    if out is not None:
        _write(simulation_html(result, parsed.title, parsed.description), out, "the report")
    if table is not None:
        try:
            to_csv(result.summary, table)
        except OSError as exc:
            raise InputError(
                f"--table must be a writable path; got {str(table)!r} ({exc.strerror})."
            ) from None
        err_console.print(f"Wrote {len(result.summary)} rows to {table}")


LIST_HINT = "see `healthgap policy screen list` for the current version"


def _repo(db: str | None):  # type: ignore[no-untyped-def]
    from healthgap.policy.screening import ScreeningRepository

    return ScreeningRepository(db)


@screen_app.command("questions")
def questions_command() -> None:
    """List the screening questions with their ids, stages and choices."""
    from healthgap.policy.questions import QUESTIONS

    for q in QUESTIONS:
        req = "" if q.required else " (optional)"
        typer.echo(f"[{q.stage}] {q.id}{req}: {q.text}")
        for c in q.choices:
            typer.echo(f"    - {c}")


@screen_app.command("new")
def new_command(
    title: Annotated[str, typer.Argument(help="The policy or decision screened.")],
    authority: AuthorityOption,
    by: ByOption,
    db: DbOption = None,
) -> None:
    """Start a screening record for an authority; prints its id."""
    repo = _repo(db)
    try:
        sid = repo.create(title, authority=authority, by=by)
    finally:
        repo.close()
    typer.echo(str(sid))


@screen_app.command("answer")
def answer_command(
    screening_id: Annotated[int, typer.Argument(help="The record's id.")],
    question_id: Annotated[str, typer.Argument(help="The question id (see `questions`).")],
    answer: Annotated[
        list[str], typer.Argument(help="The answer; for multiple choice, one argument each.")
    ],
    by: ByOption,
    if_version: IfVersion = None,
    db: DbOption = None,
) -> None:
    """Record an answer (earlier answers stay in the history); --if-version names the
    record's version you read (`screen list`), refused if it changed since."""
    from healthgap.policy.questions import question

    q = question(question_id)
    value: str | list[str] = answer if q.kind == "multi" else " ".join(answer)
    read = required(if_version, f"screening {screening_id}", LIST_HINT)
    repo = _repo(db)
    try:
        version = repo.answer_all(screening_id, {question_id: value}, by=by, expected_version=read)
        status = repo.get(screening_id).status
    finally:
        repo.close()
    typer.echo(f"Recorded {question_id}; status: {status}; version {version}")


def _signer(repo: Any, by: str) -> Any:
    """The account signing off, when the app database has accounts: the same rules as on
    the web (an approver or administrator of the authority, not an author). A database
    without accounts (one person's own records) checks only that the signer is not an
    author."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from healthgap.appdb.models import User
    from healthgap.appdb.permissions import actor_for

    with Session(repo.engine) as s:
        if not s.scalar(select(func.count()).select_from(User)):
            return None
        return actor_for(s, by)


@screen_app.command("sign-off")
def sign_off_command(
    screening_id: Annotated[int, typer.Argument(help="The record's id.")],
    by: ByOption,
    role: Annotated[str, typer.Option("--role", help="The signer's role.")],
    statement: Annotated[str, typer.Option("--statement", help="Optional statement.")] = "",
    if_version: IfVersion = None,
    db: DbOption = None,
) -> None:
    """Sign off the current answers (all required questions must be answered); --if-version
    names the version you read and checked, refused if the record changed since."""
    read = required(if_version, f"screening {screening_id}", LIST_HINT)
    repo = _repo(db)
    try:
        fp = repo.sign_off(
            screening_id,
            by=by,
            role=role,
            statement=statement,
            actor=_signer(repo, by),
            expected_version=read,
        )
    finally:
        repo.close()
    typer.echo(f"Signed off; answers fingerprint {fp}")


@screen_app.command("list")
def list_command(
    db: DbOption = None,
    authority: Annotated[
        str | None, typer.Option("--authority", help="Only this authority's records.")
    ] = None,
) -> None:
    """List the records (id, authority, status, title, version), oldest first."""
    repo = _repo(db)
    try:
        records = repo.records(None if authority is None else [authority])
    finally:
        repo.close()
    for r in records:
        typer.echo(f"{r.id}\t{r.authority_code}\t{r.status}\t{r.title}\tversion {r.version}")


@screen_app.command("export")
def export_command(
    screening_id: Annotated[int, typer.Argument(help="The record's id.")],
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, html or json.")] = "md",
    out: Annotated[Path | None, out_option("Write here.")] = None,
) -> None:
    """Export the record (answers, sign-offs, full history) as Markdown, HTML or JSON."""
    from healthgap.policy.report import export_screening

    repo = _repo(db)
    try:
        text = export_screening(repo.get(screening_id), fmt)
    finally:
        repo.close()
    if fmt == "json":
        json.loads(text)  # always valid JSON
    _write(text, out, "the record")


@policy_app.command("migrate-store")
def migrate_store_command(
    file: Annotated[Path, typer.Argument(help="The separate screening SQLite file to import.")],
    authority: AuthorityOption,
    by: ByOption,
    db: DbOption = None,
) -> None:
    """Import the records of a separate screening file (earlier versions) into the app
    database, once, filed under one authority."""
    from healthgap.policy.screening import import_store

    repo = _repo(db)
    try:
        pairs = import_store(file, repo, authority=authority, by=by)
    finally:
        repo.close()
    for old, new in pairs:
        typer.echo(f"{old} -> {new}")
    err_console.print(f"Imported {len(pairs)} records from {file}")
