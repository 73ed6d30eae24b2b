"""``healthgap network keygen|key|share|subscribe|list|refresh|remove``: the network.

Each deployment signs its open-data feed with its own Ed25519 key (``keygen`` makes it,
outside the repository: ``$HEALTHGAP_NETWORK_KEY`` or the data directory) and reads
other deployments' feeds by subscription. Every change is made for an account of the
app database (``--as``), checked against the same permissions as the web service, and
written to the audit log. Refresh runs only when asked: nothing is fetched at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from healthgap.cli._io import app_engine, out_console
from healthgap.cli.main import app
from healthgap.cli.options import DbOption
from healthgap.errors import InputError

network_app = typer.Typer(
    help="Share with other deployments and read what they share (signed feeds).",
    no_args_is_help=True,
)
app.add_typer(network_app, name="network")

As = Annotated[str, typer.Option("--as", help="The email of the account acting.")]
KeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--key", help="The private key file. Default: $HEALTHGAP_NETWORK_KEY or the data dir."
    ),
]


def _actor(engine: Any, email: str) -> Any:
    from sqlalchemy.orm import Session

    from healthgap.appdb.permissions import actor_for

    if not email.strip():
        raise InputError(
            "--as must name an account of the app database; got none. E.g. --as "
            "admin@example.org (list them with `healthgap users list`)."
        )
    with Session(engine) as session:
        return actor_for(session, email)


@network_app.command("keygen")
def keygen_cmd(
    key: KeyOpt = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace an existing key.")] = False,
) -> None:
    """Make this deployment's signing key (once); print its public fingerprint."""
    from healthgap.network import signing

    path = signing.key_path(key)
    made = signing.write_key(path, replace=replace)
    out_console.print(f"Wrote the private key to {path} (keep it secret, outside the repository).")
    out_console.print(f"Public key fingerprint: {signing.fingerprint(signing.public_bytes(made))}")


@network_app.command("key")
def key_cmd(key: KeyOpt = None) -> None:
    """Print this deployment's public key and fingerprint (read it out to subscribers)."""
    from healthgap.network import signing

    loaded = signing.load_key(signing.key_path(key))
    public = signing.public_bytes(loaded)
    out_console.print(f"Public key (Ed25519, base64): {signing.b64(public)}")
    out_console.print(f"Fingerprint: {signing.fingerprint(public)}")


@network_app.command("share")
def share_cmd(
    authority: Annotated[str, typer.Argument(help="The authority code, e.g. E47000001.")],
    kind: Annotated[str, typer.Argument(help="case_study, action, progress or screening.")],
    record: Annotated[
        str, typer.Option("--record", help="One record's id; default: every record of the kind.")
    ] = "*",
    stop: Annotated[bool, typer.Option("--stop", help="Stop sharing instead.")] = False,
    as_: As = "",
    db: DbOption = None,
) -> None:
    """Share (or, with --stop, stop sharing) one record or a whole kind."""
    from sqlalchemy.orm import Session

    from healthgap.network import publish

    with app_engine(db) as engine:
        who = _actor(engine, as_)
        code = authority.strip().upper()
        with Session(engine) as session:
            current = publish.choices(session, code).get((kind, record))
        choice = publish.set_sharing(
            engine,
            who,
            code,
            kind,
            record,
            not stop,
            expected_version=current.version if current else 0,
        )
    state = "shared" if choice.shared else "not shared"
    out_console.print(f"{kind} {record} of {code} is now {state} (version {choice.version}).")


@network_app.command("subscribe")
def subscribe_cmd(
    address: Annotated[str, typer.Argument(help="The deployment's address, e.g. https://host.")],
    expect_key: Annotated[
        str | None,
        typer.Option("--expect-key", help="The fingerprint the publisher read out to you."),
    ] = None,
    as_: As = "",
    db: DbOption = None,
) -> None:
    """Subscribe: fetch and pin the publisher's key (trust on first use), read the feed."""
    from healthgap.network import subscribe as subs

    with app_engine(db) as engine:
        who = _actor(engine, as_)
        sub, outcome = subs.subscribe(engine, who, address, expect_key=expect_key)
    out_console.print(f"Subscribed to {sub.publisher_name} at {sub.address} (id {sub.id}).")
    out_console.print(f"Pinned key {sub.key_fingerprint}: check it with the publisher.")
    out_console.print(f"Feed {outcome.sequence}: {outcome.items} items read.")


@network_app.command("list")
def list_cmd(db: DbOption = None) -> None:
    """List the subscriptions, their pinned keys and last refresh."""
    from rich.table import Table

    from healthgap.network import subscribe as subs

    with app_engine(db) as engine:
        rows = subs.subscriptions(engine)
    if not rows:
        out_console.print("No subscriptions. Add one with `healthgap network subscribe`.")
        return
    table = Table("id", "publisher", "address", "key", "last read", "status", "feed")
    for s in rows:
        table.add_row(
            str(s.id),
            s.publisher_name,
            s.address,
            s.key_fingerprint,
            subs.age(s),
            s.last_status + (f": {s.last_error}" if s.last_error else ""),
            str(s.last_sequence),
        )
    out_console.print(table)


@network_app.command("refresh")
def refresh_cmd(
    subscription: Annotated[
        int | None, typer.Argument(help="The subscription's id; default: every one.")
    ] = None,
    as_: As = "",
    db: DbOption = None,
) -> None:
    """Read subscribed feeds again; a refused feed is logged and changes nothing."""
    from healthgap.network import subscribe as subs
    from healthgap.network.schema import FeedRefused

    refused = 0
    with app_engine(db) as engine:
        who = _actor(engine, as_)
        ids = (
            [subscription]
            if subscription is not None
            else [s.id for s in subs.subscriptions(engine)]
        )
        for sid in ids:
            try:
                outcome = subs.refresh(engine, who, sid)
                out_console.print(f"{sid}: {outcome.message}")
            except FeedRefused as exc:
                refused += 1
                out_console.print(f"{sid}: refused: {exc.reason}. Nothing changed.", markup=False)
    if refused:
        raise InputError(
            f"every feed must pass its checks; got {refused} refused (see above and the audit "
            "log). The items read before stay as they were."
        )


@network_app.command("remove")
def remove_cmd(
    subscription: Annotated[int, typer.Argument(help="The subscription's id.")],
    as_: As = "",
    db: DbOption = None,
) -> None:
    """Remove a subscription and every item it brought."""
    from healthgap.network import subscribe as subs

    with app_engine(db) as engine:
        who = _actor(engine, as_)
        n = subs.remove(engine, who, subscription, expected_version=None)
    out_console.print(f"Removed subscription {subscription} and its {n} items.")
