"""``healthgap serve`` (the web service) and ``healthgap users`` (its accounts: add, list,
set-password, disable, enable, remove).

The heavy modules (FastAPI, uvicorn, SQLAlchemy) are imported inside the commands so that
``healthgap --help`` stays quick.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from healthgap.cli._io import app_engine, err_console, out_console
from healthgap.cli.main import app
from healthgap.cli.options import DbOption, StoreOption, app_db_url
from healthgap.errors import InputError

users_app = typer.Typer(
    help="Accounts of the web service (administrators, editors, approvers, viewers).",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    store: StoreOption = None,
    db: DbOption = None,
) -> None:
    """Run the web service (pages, JSON API under /api/v1, OpenAPI at /openapi.json)."""
    import uvicorn

    from healthgap.web.app import create_app
    from healthgap.web.settings import Settings

    settings = Settings.from_env(store=store, db_url=app_db_url(db) if db else None)
    if not os.environ.get("HEALTHGAP_SECRET_KEY"):
        err_console.print(
            "Note: HEALTHGAP_SECRET_KEY is not set; sessions end when the server restarts.",
            markup=False,
        )
    err_console.print(f"Serving healthgap on http://{host}:{port}/", markup=False)
    proxies = settings.trusted_proxies
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        # behind a TLS-terminating proxy: believe its X-Forwarded-Proto/-For (so cookies
        # are Secure and HSTS is sent, and the sign-in throttle sees the client's address)
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )


PASSWORD_ENV = "HEALTHGAP_PASSWORD"


def _password() -> str:
    """The new password from $HEALTHGAP_PASSWORD, else a hidden prompt (never argv, where
    other users of the machine and the shell history can read it)."""
    secret = os.environ.get(PASSWORD_ENV)
    if secret:
        return secret
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def known_authorities(store: str | None) -> set[str]:
    """Every authority code of the register: councils (lower and upper tier), strategic
    authorities and regions from the store's lookups, and the powers register."""
    from healthgap.data.store import open_store
    from healthgap.framework.powers import register
    from healthgap.geography.hierarchy import lad_lookup

    try:
        opened = open_store(store)
    except Exception as exc:  # no store yet: say how to get one
        raise InputError(
            f"the register of authorities must be readable to check --authority; got "
            f"{exc}. Build the store with `healthgap init` or pass --store."
        ) from None
    try:
        lookup = lad_lookup(opened)
        codes = {
            str(c)
            for col in ("lad_code", "utla_code", "strategic_authority_code", "region_code")
            for c in lookup[col].dropna()
        }
        codes |= {a.code for a in register(opened)}
    finally:
        opened.close()
    return codes


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    role: Annotated[
        str, typer.Option("--role", help="admin, editor, approver or viewer.")
    ] = "viewer",
    authority: Annotated[
        str | None,
        typer.Option(
            "--authority",
            help="The authority code of an editor or approver (e.g. E08000025).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    store: StoreOption = None,
) -> None:
    """Create an account. The password is read from $HEALTHGAP_PASSWORD or a hidden prompt
    (never from the command line) and hashed with argon2id; --authority must be a code of
    the register of authorities."""
    from healthgap.appdb.auth import add_user, check_email
    from healthgap.appdb.db import sessions

    check_email(email)
    known = known_authorities(store) if authority else None
    secret = _password()
    with app_engine(db) as engine, sessions(engine)() as s:
        user = add_user(s, email, secret, role, authority, known_authorities=known)
        err_console.print(
            f"Added {user.role} {user.email}"
            + (f" of {user.authority_code}" if user.authority_code else ""),
            markup=False,
        )


@users_app.command("set-password")
def users_set_password(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    db: DbOption = None,
) -> None:
    """Give an account a new password ($HEALTHGAP_PASSWORD or a hidden prompt); it is
    signed out everywhere."""
    from healthgap.appdb.auth import set_password

    secret = _password()
    with app_engine(db) as engine:
        user = set_password(engine, email, secret)
    err_console.print(f"New password set for {user.email}; signed out everywhere.", markup=False)


@users_app.command("disable")
def users_disable(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    db: DbOption = None,
) -> None:
    """Stop an account signing in, and sign it out everywhere (reversible with enable)."""
    from healthgap.appdb.auth import set_disabled

    with app_engine(db) as engine:
        user = set_disabled(engine, email, True)
    err_console.print(f"Disabled {user.email}; signed out everywhere.", markup=False)


@users_app.command("enable")
def users_enable(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    db: DbOption = None,
) -> None:
    """Let a disabled account sign in again."""
    from healthgap.appdb.auth import set_disabled

    with app_engine(db) as engine:
        user = set_disabled(engine, email, False)
    err_console.print(f"Enabled {user.email}.", markup=False)


@users_app.command("remove")
def users_remove(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Delete an account (its changes stay in the audit log, under its email)."""
    from healthgap.appdb.auth import remove_user

    if not yes:
        typer.confirm(f"Remove the account {email}?", abort=True)
    with app_engine(db) as engine:
        user = remove_user(engine, email)
    err_console.print(f"Removed {user.email}.", markup=False)


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """List the accounts: email, role, authority, active or disabled."""
    from sqlalchemy import select

    from healthgap.appdb.db import sessions
    from healthgap.appdb.models import User

    with app_engine(db) as engine, sessions(engine)() as s:
        for u in s.scalars(select(User).order_by(User.email)):
            state = "disabled" if u.disabled else "active"
            out_console.print(
                f"{u.email}\t{u.role}\t{u.authority_code or '-'}\t{state}", markup=False
            )
