"""``healthgap framework ...``: the devolution framework workspace from the command line.

Every command calls the domain layer (:mod:`healthgap.framework`); the workspace is in the
app database, ``--db`` as in every command (:mod:`healthgap.cli.options`: a URL or an SQLite
file path; default ``$HEALTHGAP_DB``, else the web service's app database), migrated, with
audit-log entries (a standalone framework file made by ``Workspace(path)`` still opens as it
is: :meth:`~healthgap.framework.storage.Workspace.at`). ``healthgap framework --db`` names
it once for the command after it. The analytical store is ``--store``. Changes are made as
the actor
``--user`` with ``--role`` (``admin`` by default on your own machine; ``editor`` needs
``--editor-for CODE``), so the same permission rules apply as on the web; with
``healthgap framework --as EMAIL`` the actor is that account of the app database (its role
and authority, refused when disabled), as when the person signs in.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from healthgap.cli._io import err_console, write_or_show
from healthgap.cli.main import app
from healthgap.cli.options import DbOption, StoreOption, app_db_url, out_option
from healthgap.cli.versions import IfVersion, required
from healthgap.errors import InputError

# `healthgap framework` also holds the outcomes-framework commands `validate` and `show`,
# which cli/account.py adds to this group.
framework_app = typer.Typer(
    help="Frameworks: the devolution framework workspace and outcomes-framework files.",
    no_args_is_help=True,
)
powers_app = typer.Typer(help="The powers register of England's strategic authorities.")
enquiry_app = typer.Typer(help="Appreciative-enquiry self-assessment.", no_args_is_help=True)
actions_app = typer.Typer(help="Action plans linked to levers and indicators.")
library_app = typer.Typer(help="The shared learning library of case studies.")
partners_app = typer.Typer(help="Partner organisations of an authority.")
survey_app = typer.Typer(help="Partner and stakeholder surveys of an authority.")
commitment_app = typer.Typer(help="Joint commitments of an authority and its partners.")
for sub, name in (
    (survey_app, "survey"),
    (powers_app, "powers"),
    (enquiry_app, "enquiry"),
    (actions_app, "actions"),
    (library_app, "library"),
    (partners_app, "partners"),
    (commitment_app, "commitment"),
):
    sub.info.no_args_is_help = True
    framework_app.add_typer(sub, name=name)
app.add_typer(framework_app, name="framework")

#: The framework's own database variable before it moved into the app database: no longer
#: read; a command refuses while it is set, so that no one writes elsewhere unawares.
OLD_DB_ENV = "HEALTHGAP_FRAMEWORK_DB"
User = Annotated[str | None, typer.Option("--user", help="Your name, recorded with changes.")]
Role = Annotated[str, typer.Option("--role", help="admin, editor or viewer.")]
EditorFor = Annotated[
    str | None, typer.Option("--editor-for", help="The authority code an editor edits.")
]
AuthorityArg = Annotated[str, typer.Argument(help="Authority code or name, e.g. E47000001.")]
Out = Annotated[Path | None, out_option("Write to this file.")]


def _url(db: str | None) -> str:
    """The app database of a command: its ``--db``, else the group's, else the default."""
    chosen = db or _ACTING_FOR["db"]
    old = os.environ.get(OLD_DB_ENV, "").strip()
    if chosen is None and old:
        raise InputError(
            f"${OLD_DB_ENV} must not be set: healthgap no longer reads it, and the framework "
            f"workspace is in the app database like everything else; got {old!r}. Pass "
            f"--db {old} (or set $HEALTHGAP_DB to it) and unset ${OLD_DB_ENV}."
        )
    return app_db_url(chosen)


def _ws(db: str | None) -> Any:
    from healthgap.framework.storage import Workspace

    return Workspace.at(_url(db))


#: Set by ``healthgap framework [--db URL] [--as EMAIL]``: the app database of the command
#: after it, and the account of that database to act for.
_ACTING_FOR: dict[str, str | None] = {"email": None, "db": None}


@framework_app.callback()
def _framework_options(
    acting_for: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Act for this account of the app database: its role and authority (not "
            "--role/--editor-for) decide what the command may change, as on the web.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Frameworks: the devolution framework workspace and outcomes-framework files."""
    _ACTING_FOR["email"] = acting_for
    _ACTING_FOR["db"] = db


def _actor(ws: Any, user: str | None, role: str, editor_for: str | None) -> Any:
    from healthgap.framework.storage import Actor

    if _ACTING_FOR["email"]:
        return _account_actor(str(_ACTING_FOR["email"]), ws)
    name = user or os.environ.get("USER") or "cli"
    return Actor(name, role, editor_for)  # type: ignore[arg-type]


def _account_actor(email: str, ws: Any) -> Any:
    """The actor of an account (the one permission model's rules for its role): an
    account of the workspace's app database (of the group's ``--db``, else the default
    app database, when the workspace is a standalone framework file)."""
    from sqlalchemy.orm import Session

    from healthgap.appdb.db import init_db
    from healthgap.appdb.permissions import actor_for

    if ws.audit:  # the workspace is in an app database: its accounts
        with Session(ws.engine) as s:
            return actor_for(s, email)
    engine = init_db(app_db_url(_ACTING_FOR["db"]))
    try:
        with Session(engine) as s:
            return actor_for(s, email)
    finally:
        engine.dispose()


def _register(store: Any, ws: Any = None) -> Any:
    from healthgap.framework.powers import register

    return register(store, ws)


def _echo_table(df: pd.DataFrame, out: Path | None) -> None:
    write_or_show(df, out)


# ---------------------------------------------------------------- powers
@powers_app.command("list")
def powers_list(store: StoreOption = None, db: DbOption = None, out: Out = None) -> None:
    """List every strategic authority in the register with tier and counts."""
    with _ws(db) as ws:
        _echo_table(_register(store, ws).table(), out)


@powers_app.command("show")
def powers_show(authority: AuthorityArg, store: StoreOption = None, db: DbOption = None) -> None:
    """Show one authority: tier, member councils, partner ICBs, powers with sources."""
    from healthgap.framework.export import export

    with _ws(db) as ws:
        reg = _register(store, ws)
        sys.stdout.write(str(export(reg, ws, authority, "md")))


@powers_app.command("compare")
def powers_compare(
    authorities: Annotated[
        list[str] | None, typer.Argument(help="Authority codes or names (default: all).")
    ] = None,
    store: StoreOption = None,
    db: DbOption = None,
    out: Out = None,
) -> None:
    """The comparison matrix: authorities by area of competence (* = unverified)."""
    with _ws(db) as ws:
        matrix = _register(store, ws).compare(authorities or None)
    _echo_table(matrix.reset_index(), out)


@powers_app.command("record")
def powers_record(
    power_id: Annotated[str, typer.Argument(help="A short id for the power.")],
    text: Annotated[str, typer.Option("--text", help="What the power is.")],
    source: Annotated[str, typer.Option("--source", help="Title or URL of the source.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Date the fact holds, YYYY-MM-DD.")],
    applies_to: Annotated[
        list[str], typer.Option("--applies-to", help="Authority code (repeat), or 'all'.")
    ],
    competence: Annotated[
        list[str] | None, typer.Option("--competence", help="Competence key (repeat).")
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="power, duty, role or budget.")] = "power",
    unverified: Annotated[bool, typer.Option("--unverified", help="Mark unverified.")] = False,
    if_version: IfVersion = None,
    db: DbOption = None,
    user: User = None,
    role: Role = "admin",
    editor_for: EditorFor = None,
) -> None:
    """Add or correct a power (administrators; the history is kept). Correcting one
    recorded here needs --if-version (the version printed when it was last recorded); a
    new one may give --if-version 0."""
    from healthgap.framework.powers import PowersRepository

    targets: list[str] | str = "all" if applies_to == ["all"] else applies_to
    with _ws(db) as ws:
        repo = PowersRepository(ws)
        current = repo.version(power_id)
        read = (
            required(if_version, f"power {power_id}", f"it is recorded here at version {current}")
            if current
            else (if_version or 0)
        )
        v = repo.record(
            _actor(ws, user, role, editor_for),
            power_id,
            text=text,
            applies_to=targets,
            competences=competence or [],
            source=source,
            as_of=as_of,
            kind=kind,
            verified=not unverified,
            expected_version=read,
        )
    err_console.print(f"Recorded {power_id} (version {v})")


# ---------------------------------------------------------------- enquiry
@enquiry_app.command("start")
def enquiry_start(
    authority: AuthorityArg,
    stage: Annotated[
        str | None, typer.Option("--stage", help="discover/dream/design/deliver")
    ] = None,
    competence: Annotated[str | None, typer.Option("--competence", help="e.g. health")] = None,
    store: StoreOption = None,
) -> None:
    """Print the guiding prompts (with ids to answer) for an authority's self-assessment."""
    from healthgap.framework.enquiry import prompts

    a = _register(store).get(authority)
    typer.echo(f"Appreciative enquiry for {a.name} ({a.code})")
    current = None
    for p in prompts(stage, competence):
        if p.stage != current:
            current = p.stage
            typer.echo(f"\n## {p.stage}")
        typer.echo(f"[{p.id}] {p.text}")


@enquiry_app.command("answer")
def enquiry_answer(
    authority: AuthorityArg,
    prompt_id: Annotated[str, typer.Argument(help="Prompt id, e.g. design.health.1")],
    category: Annotated[str, typer.Option("--category", help="asset/opportunity/lever/partner")],
    text: Annotated[str, typer.Option("--text", help="Your answer.")],
    note: Annotated[str | None, typer.Option("--note", help="Revise this note id.")] = None,
    if_version: IfVersion = None,
    store: StoreOption = None,
    db: DbOption = None,
    user: User = None,
    role: Role = "admin",
    editor_for: EditorFor = None,
) -> None:
    """Record an asset, opportunity, lever or partner against a prompt; revising one
    (--note ID) needs --if-version, the version printed when it was last recorded."""
    from healthgap.framework.enquiry import Enquiry

    code = _register(store).get(authority).code
    read = None
    if note is not None:
        read = required(if_version, f"note {note}", "it is printed after each change")
    with _ws(db) as ws:
        rid = Enquiry(ws, code).answer(
            _actor(ws, user, role, editor_for),
            prompt_id,
            category,
            text,
            note_id=note,
            expected_version=read,
        )
        last = ws.get("enquiry", rid)
    typer.echo(rid)
    if last is not None:
        err_console.print(f"{rid} is now version {last.version}")


@enquiry_app.command("levers")
def enquiry_levers(
    authority: AuthorityArg, store: StoreOption = None, db: DbOption = None, out: Out = None
) -> None:
    """The lever map: levers, partners and powers by area of competence."""
    from healthgap.framework.enquiry import Enquiry

    with _ws(db) as ws:
        reg = _register(store, ws)
        table = Enquiry(ws, reg.get(authority).code).lever_map(reg)
    for col in ("levers", "partners", "assets", "opportunities", "powers"):
        table[col] = table[col].map("; ".join)
    _echo_table(table, out)


@enquiry_app.command("plan")
def enquiry_plan(
    authority: AuthorityArg,
    adopt: Annotated[bool, typer.Option("--adopt", help="Add the drafts as actions.")] = False,
    store: StoreOption = None,
    db: DbOption = None,
    user: User = None,
    role: Role = "admin",
    editor_for: EditorFor = None,
) -> None:
    """The draft action plan (one action per lever); --adopt stores them as draft actions."""
    from healthgap.framework.actions import ActionPlan
    from healthgap.framework.enquiry import Enquiry

    code = _register(store).get(authority).code
    with _ws(db) as ws:
        drafts = Enquiry(ws, code).draft_plan()
        if adopt:
            who = _actor(ws, user, role, editor_for)
            plan = ActionPlan(ws, code)
            for d in drafts:
                typer.echo(plan.add(who, **d))
            return
    typer.echo(json.dumps(drafts, indent=2))


# ---------------------------------------------------------------- actions
def _targets(values: list[str] | None) -> dict[str, str]:
    out = {}
    for v in values or []:
        if "=" not in v:
            raise InputError(
                f"--target must be INDICATOR=VALUE; got {v!r}. E.g. --target hle_birth=62."
            )
        k, _, val = v.partition("=")
        out[k.strip()] = val.strip()
    return out


Indicator = Annotated[
    list[str] | None, typer.Option("--indicator", help="Indicator id in the store (repeat).")
]
Target = Annotated[list[str] | None, typer.Option("--target", help="INDICATOR=VALUE (repeat).")]
Partner = Annotated[list[str] | None, typer.Option("--partner", help="A partner (repeat).")]
Opt = Annotated[str | None, typer.Option()]


@actions_app.command("add")
def actions_add(
    authority: AuthorityArg,
    title: Annotated[str, typer.Option("--title", help="What will be done.")],
    lever: Opt = None,
    competence: Opt = None,
    indicator: Indicator = None,
    target: Target = None,
    owner: Opt = None,
    partner: Partner = None,
    start: Opt = None,
    due: Opt = None,
    status: Annotated[str, typer.Option()] = "planned",
    store: StoreOption = None,
    db: DbOption = None,
    user: User = None,
    role: Role = "admin",
    editor_for: EditorFor = None,
) -> None:
    """Add an action to an authority's plan (indicators are checked against the store)."""
    from healthgap.data.store import open_store
    from healthgap.framework.actions import ActionPlan

    with open_store(store) as s, _ws(db) as ws:
        code = _register(s).get(authority).code
        rid = ActionPlan(ws, code).add(
            _actor(ws, user, role, editor_for),
            s,
            title=title,
            lever=lever,
            competence=competence,
            indicators=indicator or [],
            targets=_targets(target),
            owner=owner,
            partners=partner or [],
            start=start,
            due=due,
            status=status,
        )
    typer.echo(rid)


@actions_app.command("update")
def actions_update(
    authority: AuthorityArg,
    action_id: Annotated[str, typer.Argument(help="The action id.")],
    title: Opt = None,
    status: Opt = None,
    owner: Opt = None,
    due: Opt = None,
    indicator: Indicator = None,
    target: Target = None,
    if_version: IfVersion = None,
    store: StoreOption = None,
    db: DbOption = None,
    user: User = None,
    role: Role = "admin",
    editor_for: EditorFor = None,
) -> None:
    """Change fields of an action (a new version; the old one is kept); --if-version names
    the version you read (`actions list`), refused if it changed since."""
    from healthgap.data.store import open_store
    from healthgap.framework.actions import ActionPlan

    fields: dict[str, Any] = {
        k: v for k, v in {"title": title, "status": status, "owner": owner, "due": due}.items() if v
    }
    if indicator:
        fields["indicators"] = indicator
    if target:
        fields["targets"] = _targets(target)
    with open_store(store) as s, _ws(db) as ws:
        code = _register(s).get(authority).code
        read = required(if_version, f"action {action_id}", "see `framework actions list`")
        v = ActionPlan(ws, code).update(
            _actor(ws, user, role, editor_for), action_id, s, expected_version=read, **fields
        )
    err_console.print(f"{action_id} is now version {v}")


@actions_app.command("list")
def actions_list(
    authority: AuthorityArg, store: StoreOption = None, db: DbOption = None, out: Out = None
) -> None:
    """List an authority's current actions."""
    from healthgap.framework.actions import ActionPlan

    with _ws(db) as ws:
        table = ActionPlan(ws, _register(store).get(authority).code).table()
    for col in ("indicators", "partners"):
        table[col] = table[col].map(lambda v: "; ".join(v or []))
    table["targets"] = table["targets"].map(lambda v: json.dumps(v or {}))
    _echo_table(table, out)


@actions_app.command("progress")
def actions_progress(
    authority: AuthorityArg, store: StoreOption = None, db: DbOption = None, out: Out = None
) -> None:
    """Latest value and trend of each indicator linked to an action."""
    from healthgap.data.store import open_store
    from healthgap.framework.actions import ActionPlan

    with open_store(store) as s, _ws(db) as ws:
        table = ActionPlan(ws, _register(s).get(authority).code).progress(s)
    _echo_table(table, out)


@actions_app.command("history")
def actions_history(
    action_id: Annotated[str, typer.Argument(help="The action id.")], db: DbOption = None
) -> None:
    """Every version of an action: who changed it, when, and what it said."""
    with _ws(db) as ws:
        versions = ws.history("action", action_id)
    if not versions:
        raise InputError(
            f"action must be an existing action id; got {action_id!r}. "
            "List them with `healthgap framework actions list AUTHORITY`."
        )
    rows = [
        {"version": v.version, "recorded_at": v.recorded_at, "actor": v.actor, **v.data}
        for v in versions
    ]
    _echo_table(pd.DataFrame(rows).astype(str), None)


# ---------------------------------------------------------------- library
@library_app.command("import")
def library_import(
    path: Annotated[Path, typer.Argument(help="YAML list of case studies.")],
    db: DbOption = None,
    user: User = None,
    role: Role = "admin",
    editor_for: EditorFor = None,
) -> None:
    """Import case studies (each with its published source) from a YAML file."""
    from healthgap.framework.library import Library

    with _ws(db) as ws:
        ids = Library(ws).import_file(_actor(ws, user, role, editor_for), path)
    err_console.print(f"Imported {len(ids)} case studies")


@library_app.command("search")
def library_search(
    query: Annotated[str, typer.Argument(help="Words to find (all must match).")],
    db: DbOption = None,
    out: Out = None,
) -> None:
    """Full-text search of the case studies (SQLite FTS5, best match first)."""
    from healthgap.framework.library import Library

    with _ws(db) as ws:
        table = Library(ws).search(query)
    _echo_table(table[["id", "title", "authority_code", "source_url", "score"]], out)


@library_app.command("suggest")
def library_suggest(
    authority: AuthorityArg, store: StoreOption = None, db: DbOption = None, out: Out = None
) -> None:
    """Authorities like yours also tried: case studies from similar authorities."""
    from healthgap.data.store import open_store
    from healthgap.framework.library import Library

    with open_store(store) as s, _ws(db) as ws:
        table = Library(ws).suggest(_register(s).get(authority).code, s)
    _echo_table(table[["id", "title", "authority_code", "similarity", "tag_overlap", "score"]], out)


# ---------------------------------------------------------------- partners
@partners_app.command("list")
def partners_list(
    authority: AuthorityArg, store: StoreOption = None, db: DbOption = None, out: Out = None
) -> None:
    """Recorded partners, then the partners the register implies (councils, ICBs)."""
    from healthgap.framework.partners import Partnerships, suggested_partners

    with _ws(db) as ws:
        a = _register(store).get(authority)
        recorded = Partnerships(ws, a.code).partners().assign(source="recorded")
    implied = (
        suggested_partners(a).rename(columns={"code": "id"}).assign(role="", source="register")
    )
    table = pd.concat([recorded, implied], ignore_index=True)
    _echo_table(table[["id", "name", "type", "role", "source"]], out)


@partners_app.command("add")
def partners_add(
    authority: AuthorityArg,
    name: Annotated[str, typer.Option("--name", help="The organisation.")],
    kind: Annotated[str, typer.Option("--type", help="council, icb, voluntary sector, ...")],
    partner_role: Annotated[str, typer.Option("--partner-role", help="Its role.")] = "",
    store: StoreOption = None,
    db: DbOption = None,
    user: User = None,
    role: Role = "admin",
    editor_for: EditorFor = None,
) -> None:
    """Record a partner organisation of an authority."""
    from healthgap.framework.partners import Partnerships

    code = _register(store).get(authority).code
    with _ws(db) as ws:
        rid = Partnerships(ws, code).add_partner(
            _actor(ws, user, role, editor_for), name, kind, partner_role
        )
    typer.echo(rid)


# ---------------------------------------------------------------- commitments
def _pairs(option: str, values: list[str] | None, example: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values or []:
        key, sep, val = v.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise InputError(f"{option} must be PARTNER=VALUE; got {v!r}. E.g. {option} {example}.")
        if key.strip() in out:
            raise InputError(
                f"{option} must name each partner once; got {key.strip()!r} twice. "
                "Give one value per partner."
            )
        out[key.strip()] = val.strip()
    return out


CommitPartner = Annotated[
    list[str] | None,
    typer.Option(
        "--partner",
        help="PARTNER=WHAT IT COMMITS TO (repeat). PARTNER: a recorded partner id, a member "
        "council's or partner ICB's code (see `framework partners list`).",
    ),
]
Signed = Annotated[
    list[str] | None,
    typer.Option("--signed", help="PARTNER=YYYY-MM-DD: the date that partner signed (repeat)."),
]
Repeat = Annotated[list[str] | None, typer.Option(help="Repeat for more than one.")]


@commitment_app.command("add")
def commitment_add(
    authority: AuthorityArg,
    title: Annotated[str, typer.Option("--title", help="What is agreed.")],
    partner: CommitPartner = None,
    signed: Signed = None,
    summary: Annotated[str, typer.Option(help="More about the commitment.")] = "",
    authority_commits: Annotated[
        str, typer.Option(help="What the authority itself commits to.")
    ] = "",
    lever: Repeat = None,
    action: Annotated[list[str] | None, typer.Option(help="An action id (repeat).")] = None,
    indicator: Indicator = None,
    agreed: Annotated[str | None, typer.Option(help="Date agreed, YYYY-MM-DD.")] = None,
    due: Annotated[str | None, typer.Option(help="Due date, YYYY-MM-DD.")] = None,
    status: Annotated[str, typer.Option(help="proposed, agreed, in progress, met, lapsed.")] = (
        "proposed"
    ),
    store: StoreOption = None,
    db: DbOption = None,
    user: User = None,
    role: Role = "admin",
    editor_for: EditorFor = None,
) -> None:
    """Record a joint commitment between an authority and named partners."""
    from healthgap.data.store import open_store
    from healthgap.framework.commitments import Commitments

    commits = _pairs("--partner", partner, "E08000001='Fund two link workers'")
    dates = _pairs("--signed", signed, "E08000001=2026-03-31")
    stray = [k for k in dates if k not in commits]
    if stray:
        raise InputError(
            f"--signed must be for a partner given with --partner; got {stray[0]!r}. "
            "Add --partner for it too."
        )
    parties = [{"partner": k, "commits_to": v, "signed": dates.get(k)} for k, v in commits.items()]
    with open_store(store) as s, _ws(db) as ws:
        a = _register(s).get(authority)
        rid = Commitments(ws, a).add(
            _actor(ws, user, role, editor_for),
            s,
            title=title,
            summary=summary,
            authority_commits=authority_commits,
            partners=parties,
            levers=lever or [],
            actions=action or [],
            indicators=indicator or [],
            agreed=agreed,
            due=due,
            status=status,
        )
    typer.echo(rid)


@commitment_app.command("list")
def commitment_list(
    authority: AuthorityArg, store: StoreOption = None, db: DbOption = None, out: Out = None
) -> None:
    """List an authority's joint commitments (one row each)."""
    from healthgap.framework.commitments import Commitments

    with _ws(db) as ws:
        table = Commitments(ws, _register(store).get(authority)).table()
    for col in ("levers", "actions", "indicators"):
        table[col] = table[col].map(lambda v: "; ".join(v or []))
    _echo_table(table.drop(columns=["summary", "authority_commits"]), out)


@commitment_app.command("show")
def commitment_show(
    authority: AuthorityArg,
    commitment_id: Annotated[str, typer.Argument(help="The commitment id.")],
    store: StoreOption = None,
    db: DbOption = None,
    out: Out = None,
) -> None:
    """One commitment: its fields, each partner's commitment and signature, its versions."""
    from healthgap.framework.commitments import Commitments

    with _ws(db) as ws:
        joint = Commitments(ws, _register(store).get(authority))
        c = joint.get(commitment_id)
        parties = joint.parties()
        history = joint.history(commitment_id)
    typer.echo(f"{c['id']} (version {c['version']}): {c['title']}")
    for key in ("status", "agreed", "due", "summary", "authority_commits"):
        typer.echo(f"  {key}: {c[key] or '-'}")
    for key in ("levers", "actions", "indicators"):
        typer.echo(f"  {key}: {'; '.join(c[key] or []) or '-'}")
    own = parties[parties["commitment_id"] == commitment_id].drop(columns="commitment_id")
    _echo_table(own.reset_index(drop=True), out)
    err_console.print(
        "; ".join(f"v{r.version} {r.status} by {r.actor}" for r in history.itertuples())
    )


# ---------------------------------------------------------------- surveys
@survey_app.command("list")
def survey_list(authority: AuthorityArg, store: StoreOption = None, db: DbOption = None) -> None:
    """An authority's surveys: id, title, number of questions."""
    code = _register(store).get(authority).code
    with _ws(db) as ws:
        rows = [
            {"id": v.record_id, "title": v.data["title"], "questions": len(v.data["questions"])}
            for v in ws.current("survey", code)
        ]
    _echo_table(pd.DataFrame(rows, columns=["id", "title", "questions"]), None)


@survey_app.command("create")
def survey_create(
    authority: AuthorityArg,
    title: Annotated[str, typer.Option("--title", help="The survey's title.")],
    question: Annotated[
        list[str],
        typer.Option(
            "--question",
            help="'scale: text', 'choice: text: a; b' or 'text: text' (repeat the option).",
        ),
    ],
    store: StoreOption = None,
    db: DbOption = None,
    user: User = None,
    role: Role = "admin",
    editor_for: EditorFor = None,
) -> None:
    """Create a survey; prints its id. Questions are numbered q1, q2, ..."""
    from healthgap.framework.partners import Partnerships, parse_questions

    code = _register(store).get(authority).code
    questions = parse_questions("\n".join(question))
    with _ws(db) as ws:
        who = _actor(ws, user, role, editor_for)
        sid = Partnerships(ws, code).add_survey(who, title, questions)
    typer.echo(sid)


@survey_app.command("respond")
def survey_respond(
    authority: AuthorityArg,
    survey_id: Annotated[str, typer.Argument(help="The survey id (see `survey list`).")],
    answer: Annotated[
        list[str], typer.Option("--answer", help="QUESTION=ANSWER, e.g. q1=4 (repeat).")
    ],
    store: StoreOption = None,
    db: DbOption = None,
    user: User = None,
    role: Role = "admin",
    editor_for: EditorFor = None,
) -> None:
    """Record one response; prints its id."""
    from healthgap.framework.partners import Partnerships

    answers: dict[str, Any] = {}
    for item in answer:
        qid, sep, value = item.partition("=")
        if not sep or not qid.strip():
            raise InputError(f"--answer must be QUESTION=ANSWER; got {item!r}. E.g. --answer q1=4.")
        value = value.strip()
        answers[qid.strip()] = int(value) if value.isdigit() else value
    code = _register(store).get(authority).code
    with _ws(db) as ws:
        rid = Partnerships(ws, code).add_response(
            _actor(ws, user, role, editor_for), survey_id, answers
        )
    typer.echo(rid)


@survey_app.command("summary")
def survey_summary(
    authority: AuthorityArg,
    survey_id: Annotated[str, typer.Argument(help="The survey id.")],
    store: StoreOption = None,
    db: DbOption = None,
    out: Out = None,
) -> None:
    """Answer counts per closed question, disclosure-controlled (as on the web page)."""
    from healthgap.framework.partners import Partnerships

    code = _register(store).get(authority).code
    with _ws(db) as ws:
        table = Partnerships(ws, code).survey_summary(survey_id)
    _echo_table(table, out)


# ---------------------------------------------------------------- export
@framework_app.command("export")
def framework_export(
    authority: Annotated[str, typer.Option("--authority", help="Authority code or name.")],
    fmt: Annotated[str, typer.Option("--format", help="md, html, pdf, csv or json.")] = "md",
    out: Out = None,
    store: StoreOption = None,
    db: DbOption = None,
) -> None:
    """Export an authority's framework (PDF/Markdown/HTML, or open data CSV/JSON)."""
    from healthgap.data.store import open_store
    from healthgap.framework.export import export, write

    if fmt == "pdf" and out is None:
        raise InputError("--out must be given for --format pdf; got none. Add --out plan.pdf.")
    with open_store(store) as s, _ws(db) as ws:
        content = export(_register(s, ws), ws, authority, fmt, store=s)
    if out is None:
        sys.stdout.write(str(content))
    else:
        write(content, out)
        err_console.print(f"Wrote {out}")
