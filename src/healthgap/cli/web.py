"""``healthgap serve`` (the web service) and ``healthgap users add|list`` (its accounts).

The heavy modules (FastAPI, uvicorn, SQLAlchemy) are imported inside the commands so that
``healthgap --help`` stays quick.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from healthgap.appdb.db import default_db_url
from healthgap.cli._io import err_console, out_console
from healthgap.cli.main import app

users_app = typer.Typer(
    help="Accounts of the web service (administrators, editors, viewers).", no_args_is_help=True
)
app.add_typer(users_app, name="users")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The app database URL (sqlite:///path or postgresql+psycopg://...). "
        "Default: $HEALTHGAP_DB, else healthgap-app.db in the data directory.",
        show_default=False,
    ),
]


def _db_url(db: str | None) -> str:
    return db or default_db_url()


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    store: Annotated[
        str | None,
        typer.Option(
            "--store", help="The store file. Default: $HEALTHGAP_STORE.", show_default=False
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Run the web service (pages, JSON API under /api/v1, OpenAPI at /openapi.json)."""
    import uvicorn

    from healthgap.web.app import create_app
    from healthgap.web.settings import Settings

    settings = Settings.from_env(store=store, db_url=db)
    if not os.environ.get("HEALTHGAP_SECRET_KEY"):
        err_console.print(
            "Note: HEALTHGAP_SECRET_KEY is not set; sessions end when the server restarts.",
            markup=False,
        )
    err_console.print(f"Serving healthgap on http://{host}:{port}/", markup=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    role: Annotated[str, typer.Option("--role", help="admin, editor or viewer.")] = "viewer",
    authority: Annotated[
        str | None,
        typer.Option(
            "--authority", help="The editor's authority code (e.g. E08000025).", show_default=False
        ),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password", help="Default: $HEALTHGAP_PASSWORD, else prompt.", show_default=False
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create an account (the password is hashed with argon2id)."""
    from healthgap.appdb.auth import add_user
    from healthgap.appdb.db import init_db, sessions

    secret = password or os.environ.get("HEALTHGAP_PASSWORD")
    if not secret:
        secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = init_db(_db_url(db))
    with sessions(engine)() as s:
        user = add_user(s, email, secret, role, authority)
        err_console.print(
            f"Added {user.role} {user.email}"
            + (f" of {user.authority_code}" if user.authority_code else ""),
            markup=False,
        )
    engine.dispose()


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """List the accounts: email, role, authority."""
    from sqlalchemy import select

    from healthgap.appdb.db import init_db, sessions
    from healthgap.appdb.models import User

    engine = init_db(_db_url(db))
    with sessions(engine)() as s:
        for u in s.scalars(select(User).order_by(User.email)):
            out_console.print(f"{u.email}\t{u.role}\t{u.authority_code or '-'}", markup=False)
    engine.dispose()
