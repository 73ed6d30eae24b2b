"""``healthgap places save|list``: user-defined places in the app database.

A place is a name and a list of LSOA (2021) or district (LAD 2024) codes; once saved it
works wherever a footprint does, as ``place:NAME`` (e.g. ``healthgap report --authority
place:NAME``, ``healthgap core20 --footprint place:NAME``). The database is ``--db``
(default ``$HEALTHGAP_DB``, as the web service); codes are checked against the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from healthgap.cli._io import err_console, out_console
from healthgap.cli.main import app
from healthgap.cli.options import DbOption, StoreOption, app_db_url
from healthgap.errors import InputError

places_app = typer.Typer(
    help="User-defined places (lists of LSOAs or districts) usable as footprints.",
    no_args_is_help=True,
)
app.add_typer(places_app, name="places")


@contextmanager
def place_session(db: str | None) -> Iterator[Any]:
    """A session on the app database (migrated to the head revisions)."""
    from healthgap.appdb.db import init_db, sessions

    engine = init_db(app_db_url(db))
    try:
        with sessions(engine)() as session:
            yield session
    finally:
        engine.dispose()


@places_app.command("save")
def save_cmd(
    name: Annotated[str, typer.Argument(help="The place's name, e.g. 'Coastal towns'.")],
    areas: Annotated[
        str | None, typer.Option("--areas", help="Codes separated by commas or spaces.")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="A text file of codes, one per line.")
    ] = None,
    level: Annotated[str, typer.Option("--level", help="lsoa (2021) or lad (2024).")] = "lsoa",
    user: Annotated[str, typer.Option("--user", help="The saving user's email.")] = "",
    store: StoreOption = None,
    db: DbOption = None,
) -> None:
    """Save a place; every code is checked and unknown ones are listed (nothing saved)."""
    from sqlalchemy import select

    from healthgap.appdb.models import User
    from healthgap.data.store import open_store
    from healthgap.geography.places import save_place

    if (areas is None) == (file is None):
        raise InputError(
            "places save must be given --areas or --file (one of them); got "
            f"{'both' if areas else 'neither'}. E.g. --areas E01000001,E01000002."
        )
    text = areas if areas is not None else Path(file).read_text(encoding="utf-8")  # type: ignore[arg-type]
    with place_session(db) as session, open_store(store) as st:
        who = session.scalar(select(User).where(User.email == user.strip().lower()))
        if who is None:
            raise InputError(
                f"user must be the email of an administrator or editor in the app database; "
                f"got {user!r}. Add one with `healthgap users add`."
            )
        place = save_place(session, who, name, text, st, level=level)
        err_console.print(
            f"Saved place {place.name!r} (id {place.id}, {len(place.areas)} {place.level} "
            f"codes). Use it as place:{place.name}.",
            markup=False,
        )


@places_app.command("list")
def list_cmd(db: DbOption = None) -> None:
    """Every saved place: name, level, number of codes, version."""
    from healthgap.geography.places import list_places

    with place_session(db) as session:
        for p in list_places(session):
            out_console.print(
                f"{p.name}\t{p.level}\t{len(p.areas)}\tversion {p.version}", markup=False
            )
