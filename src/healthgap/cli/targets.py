"""``healthgap targets add|edit|retire|list``: authorities' targets in the app database.

The same service as the web pages and the API (:class:`healthgap.account.authority_targets.
TargetBook`): a target is checked against the store (indicator, area, sex, age, baseline
period), every edit and retirement names the version it read (a stale one is refused), and
every change is in the audit log. Changes are made as ``--as EMAIL`` (an account of the app
database: its role and authority decide, as on the web), else as ``--user`` with ``--role``
(``admin`` by default on your own machine; ``editor`` needs ``--editor-for CODE``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from healthgap.cli._io import app_engine, err_console, write_or_show
from healthgap.cli.mission import targets_app
from healthgap.cli.options import DbOption, StoreOption, out_option

As = Annotated[
    str | None,
    typer.Option("--as", help="Act for this account of the app database.", show_default=False),
]
UserOpt = Annotated[str | None, typer.Option("--user", help="Your name, recorded with changes.")]
RoleOpt = Annotated[str, typer.Option("--role", help="admin or editor (without --as).")]
EditorFor = Annotated[
    str | None, typer.Option("--editor-for", help="The authority code an editor edits.")
]
Authority = Annotated[
    str | None, typer.Option("--authority", help="The area's GSS code, e.g. E47000001.")
]
Indicator = Annotated[
    str | None, typer.Option("--indicator", help="The indicator id, e.g. hle_birth.")
]
Sex = Annotated[str | None, typer.Option("--sex", help="Female, Male or Persons.")]
Age = Annotated[str | None, typer.Option("--age", help="The age group, when it has several.")]
Baseline = Annotated[
    str | None, typer.Option("--baseline-period", help="A period of the data, e.g. 2022-2024.")
]
Value = Annotated[float | None, typer.Option("--target-value", help="The value to reach.")]
Year = Annotated[int | None, typer.Option("--target-year", help="The year to reach it by.")]
Polarity = Annotated[
    str | None,
    typer.Option("--polarity", help="higher_is_better or lower_is_better (default: the data's)."),
]
Note = Annotated[str | None, typer.Option("--note", help="A note shown with the target.")]
Version = Annotated[int, typer.Option("--version", help="The version you read (see list).")]
TargetId = Annotated[int, typer.Argument(help="The target's id (see `healthgap targets list`).")]
Out = Annotated[Path | None, out_option("Write to this file (CSV).")]


def _actor(engine: Any, acting_for: str | None, user: str | None, role: str, ed: str | None) -> Any:
    import os

    from sqlalchemy.orm import Session

    from healthgap.appdb.permissions import Actor, actor_for

    if acting_for:
        with Session(engine) as s:
            return actor_for(s, acting_for)
    return Actor(user or os.environ.get("USER") or "cli", role, ed)  # type: ignore[arg-type]


def _done(what: str, t: dict[str, Any]) -> None:
    err_console.print(
        f"Target {t['id']} {what}: {t['indicator_id']}"
        f"{', ' + t['sex'] if t['sex'] else ''} in {t['authority_code']}, "
        f"{t['target_value']:g} by {t['target_year']} (baseline {t['baseline_value']:g} in "
        f"{t['baseline_period']}); version {t['version']}.",
        markup=False,
    )


#: The target's fields as options of ``add`` and ``edit``: parameter -> (field, option).
FIELD_OPTIONS: dict[str, tuple[str, Any]] = {
    "authority": ("authority_code", Authority),
    "indicator": ("indicator_id", Indicator),
    "sex": ("sex", Sex),
    "age": ("age", Age),
    "baseline_period": ("baseline_period", Baseline),
    "target_value": ("target_value", Value),
    "target_year": ("target_year", Year),
    "polarity": ("polarity", Polarity),
    "note": ("note", Note),
}


def _with_target_fields(fn: Callable[..., None]) -> Callable[..., None]:
    """Declare the target's fields (:data:`FIELD_OPTIONS`) once for ``add`` and ``edit``:
    Typer sees them as options after ``fn``'s own arguments; ``fn`` receives the ones
    given as ``fields`` (by their names in :class:`TargetBook`)."""
    sig = inspect.signature(fn, eval_str=True)
    kw = inspect.Parameter.KEYWORD_ONLY
    own = [p.replace(kind=kw) for p in sig.parameters.values() if p.name != "fields"]
    required = [p for p in own if p.default is inspect.Parameter.empty]
    optional = [p for p in own if p.default is not inspect.Parameter.empty]
    extra = [
        inspect.Parameter(name, kw, default=None, annotation=option)
        for name, (_, option) in FIELD_OPTIONS.items()
    ]
    params = [*required, *extra, *optional]

    @functools.wraps(fn)
    def command(**given: Any) -> None:
        fields = {
            field: given.pop(name)
            for name, (field, _) in FIELD_OPTIONS.items()
            if given.get(name) is not None
        }
        for name in FIELD_OPTIONS:
            given.pop(name, None)
        fn(fields=fields, **given)

    command.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    return command


def _write(
    db: str | None,
    store: str | None,
    actor: tuple[str | None, str | None, str, str | None],
    change: Callable[[Any, Any, Any], dict[str, Any]],
) -> dict[str, Any]:
    """Run ``change(book, who, store)`` on the app database, as the actor the options name."""
    from healthgap.account.authority_targets import TargetBook
    from healthgap.data.store import open_store

    with app_engine(db) as engine:
        who = _actor(engine, *actor)
        with open_store(store) as s:
            return change(TargetBook(engine), who, s)


@targets_app.command("add")
@_with_target_fields
def targets_add(
    fields: dict[str, Any],
    unpublished: Annotated[
        bool, typer.Option("--unpublished", help="Only signed-in users see it.")
    ] = False,
    store: StoreOption = None,
    db: DbOption = None,
    acting_for: As = None,
    user: UserOpt = None,
    role: RoleOpt = "admin",
    editor_for: EditorFor = None,
) -> None:
    """Record a target, checked against the store."""
    t = _write(
        db,
        store,
        (acting_for, user, role, editor_for),
        lambda book, who, s: book.add(who, s, published=not unpublished, **fields),
    )
    _done("recorded", t)


@targets_app.command("edit")
@_with_target_fields
def targets_edit(
    fields: dict[str, Any],
    target_id: TargetId,
    version: Version,
    store: StoreOption = None,
    db: DbOption = None,
    acting_for: As = None,
    user: UserOpt = None,
    role: RoleOpt = "admin",
    editor_for: EditorFor = None,
) -> None:
    """Change the fields given of a target (the others keep their values)."""
    t = _write(
        db,
        store,
        (acting_for, user, role, editor_for),
        lambda book, who, s: book.edit(who, target_id, version, s, **fields),
    )
    _done("changed", t)


@targets_app.command("retire")
def targets_retire(
    target_id: TargetId,
    version: Version,
    db: DbOption = None,
    acting_for: As = None,
    user: UserOpt = None,
    role: RoleOpt = "admin",
    editor_for: EditorFor = None,
) -> None:
    """Retire a target: kept with its history, no longer current or assessed."""
    from healthgap.account.authority_targets import TargetBook

    with app_engine(db) as engine:
        who = _actor(engine, acting_for, user, role, editor_for)
        t = TargetBook(engine).retire(who, target_id, version)
    _done("retired", t)


@targets_app.command("list")
def targets_list(
    authority: Authority = None,
    store: StoreOption = None,
    db: DbOption = None,
    out: Out = None,
) -> None:
    """Current targets with their status (on track, off track, met, not met, too early)."""
    from healthgap.account.authority_targets import TargetBook
    from healthgap.data.store import open_store

    with app_engine(db) as engine, open_store(store) as s:
        table = TargetBook(engine).status(s, authority)
    cols = ["id", "version", "area_name", "indicator_name", "sex", "baseline_period"]
    cols += ["baseline_value", "target_value", "target_year", "period", "value", "status"]
    write_or_show(table if out else table[cols], out)
    if out is None and len(table):
        for r in table.itertuples():
            err_console.print(f"Target {r.id}: {r.status}: {r.reason}.", markup=False)
