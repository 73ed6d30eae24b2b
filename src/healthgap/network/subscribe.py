"""Subscribing: read other deployments' feeds, verified, bounded, apart from local records.

**Trust on first use.** :func:`subscribe` fetches the publisher's public key from
``/.well-known/healthgap-network-key``, shows its fingerprint (the CLI prints it, the
admin page asks to confirm it; ``expect_key`` checks it against one read out by the
publisher) and pins it. Every later feed must be signed by that key: a feed naming or
signed by another key is refused, as a changed key may mean an impostor. A publisher
that really made a new key is removed and subscribed again, deliberately.

**What is checked** on every fetch (:func:`fetch`, :func:`verify`), in this order, any
failure refusing the whole feed with nothing changed and an audit-log entry naming the
reason: HTTP 200 without redirects; the content type ``application/json``; no content
encoding; the size (a declared ``Content-Length`` over :data:`MAX_FEED_BYTES` at once,
else counted while streaming); the time (:data:`TIMEOUT` seconds per read and
:data:`DEADLINE` in all); strict JSON; the envelope's fields; the schema version; the
key id against the pinned key; the SHA-256 of the payload; the Ed25519 signature; every
field of the payload (:class:`~healthgap.network.schema.Payload`: item count, lengths,
control characters, dates, addresses); a sequence number not older than the last one
read (an older feed may be a replay).

**Nothing imported can run or overwrite.** Items go to their own table
(:class:`~healthgap.network.models.SharedItem`), replaced as a whole on each accepted
refresh and deleted with their subscription; pages escape every field. Refresh never runs
by itself: an administrator runs it (``healthgap network refresh`` or the button).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from healthgap.appdb import audit
from healthgap.appdb.db import writing
from healthgap.appdb.models import utcnow
from healthgap.appdb.permissions import Actor, Permission, check
from healthgap.appdb.versions import StaleVersionError
from healthgap.errors import InputError
from healthgap.network import signing
from healthgap.network.models import SharedItem, Subscription
from healthgap.network.schema import (
    MAX_FEED_BYTES,
    MAX_KEY_BYTES,
    SCHEMA,
    Envelope,
    FeedRefused,
    KeyDocument,
    Payload,
    canonical,
    explain,
    parse_json,
)

FEED_PATH = "/network/feed.json"
KEY_PATH = "/.well-known/healthgap-network-key"
#: Seconds to connect and between two reads.
TIMEOUT = 5.0
#: Seconds a whole download may take.
DEADLINE = 20.0


def normalise(address: str) -> str:
    """The deployment's base address: ``https://host[:port][/prefix]`` without a slash."""
    text = str(address or "").strip()
    if len(text) > 400:
        raise InputError(f"address must be at most 400 characters; got {len(text)}.")
    for suffix in (FEED_PATH, "/network/feed.atom", KEY_PATH):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    text = text.rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"address must be a web address starting https:// or http://; got {address!r}. "
            "E.g. https://healthgap.example.gov.uk (the deployment, or its /network/feed.json)."
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InputError(
            f"address must carry no user name, password, query or fragment; got {address!r}. "
            "Give the deployment's plain address."
        )
    if any(ord(c) < 33 or ord(c) == 127 for c in text):
        raise InputError(f"address must hold no spaces or control characters; got {address!r}.")
    return text


def fetch(
    url: str,
    *,
    max_bytes: int = MAX_FEED_BYTES,
    timeout: float | None = None,
    deadline: float | None = None,
    transport: httpx.BaseTransport | None = None,
) -> bytes:
    """GET ``url`` as JSON within the size and time limits, else :class:`FeedRefused`
    (``timeout`` and ``deadline`` default to :data:`TIMEOUT` and :data:`DEADLINE`)."""
    timeout = TIMEOUT if timeout is None else timeout
    deadline = DEADLINE if deadline is None else deadline
    started = time.monotonic()
    headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
    try:
        with (
            httpx.Client(
                timeout=httpx.Timeout(timeout),
                follow_redirects=False,
                trust_env=False,
                transport=transport,
            ) as client,
            client.stream("GET", url, headers=headers) as r,
        ):
            if r.status_code != 200:
                raise FeedRefused(f"{url} must answer HTTP 200; got {r.status_code}")
            ctype = r.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                raise FeedRefused(
                    f"{url} must be served as application/json; got {ctype or 'no content type'!r}"
                )
            encoding = r.headers.get("content-encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                raise FeedRefused(
                    f"{url} must not be compressed; got content encoding {encoding!r}"
                )
            declared = r.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FeedRefused(
                    f"{url} must be at most {max_bytes} bytes; it declares {int(declared)}"
                )
            body = bytearray()
            for chunk in r.iter_raw():
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise FeedRefused(
                        f"{url} must be at most {max_bytes} bytes; got more (stopped reading)"
                    )
                if time.monotonic() - started > deadline:
                    raise FeedRefused(f"{url} must arrive within {deadline:g} s; it was too slow")
    except httpx.TimeoutException as exc:
        raise FeedRefused(
            f"{url} must answer within {timeout:g} s; it timed out ({type(exc).__name__})"
        ) from exc
    except httpx.HTTPError as exc:
        raise FeedRefused(f"{url} could not be read: {type(exc).__name__}: {exc}"[:300]) from exc
    return bytes(body)


def fetch_key(base: str, **kw: Any) -> KeyDocument:
    """The publisher's key document, checked (its key id must be its key's fingerprint)."""
    raw = fetch(base + KEY_PATH, max_bytes=MAX_KEY_BYTES, **kw)
    try:
        doc = KeyDocument.model_validate(parse_json(raw, "key document"))
    except ValidationError as exc:
        raise FeedRefused(f"the key document must follow its format; {explain(exc)}") from exc
    public = signing.unb64(doc.public_key, "public_key", 32)
    if signing.fingerprint(public) != doc.key_id:
        raise FeedRefused("the key document's key_id must be the fingerprint of its public_key")
    return doc


def verify(raw: bytes, public_key: str) -> tuple[Payload, str]:
    """The feed's payload and SHA-256 if ``raw`` is a valid feed signed by ``public_key``."""
    data = parse_json(raw, "feed")
    try:
        env = Envelope.model_validate(data)
    except ValidationError as exc:
        raise FeedRefused(f"the feed's envelope must follow its format; {explain(exc)}") from exc
    schema = env.payload.get("schema")
    if schema != SCHEMA:
        raise FeedRefused(
            f"the feed's schema must be {SCHEMA!r}; got {str(schema)[:60]!r} (an unknown "
            "schema version: the publisher may run a newer healthgap)"
        )
    public = signing.unb64(public_key, "the pinned key", 32)
    pinned = signing.fingerprint(public)
    named = {env.key_id, str((env.payload.get("publisher") or {}).get("key_id"))}
    if named != {pinned}:
        other = sorted(named - {pinned})
        raise FeedRefused(
            f"the feed must be signed by the pinned key {pinned}; it names {other[0][:80]}. "
            "The publisher's key changed: confirm with them, then remove and subscribe again"
        )
    try:
        body = canonical(env.payload)
    except (TypeError, ValueError) as exc:
        raise FeedRefused("the feed's payload must be plain JSON") from exc
    digest = hashlib.sha256(body).hexdigest()
    if digest != env.sha256:
        raise FeedRefused("the feed's sha256 must match its payload; it does not (tampered?)")
    if not signing.verify(public, body, signing.unb64(env.signature, "signature", 64)):
        raise FeedRefused("the feed's signature must verify with the pinned key; it does not")
    try:
        payload = Payload.model_validate(env.payload)
    except ValidationError as exc:
        raise FeedRefused(f"the feed's payload must follow its format; {explain(exc)}") from exc
    return payload, digest


@dataclass(frozen=True)
class Outcome:
    """What a refresh did."""

    subscription_id: int
    accepted: bool
    items: int
    sequence: int
    message: str


def _refuse(engine: Engine, who: Actor, address: str, sub_id: int | None, reason: str) -> None:
    with writing(engine) as session:
        if sub_id is not None:
            sub = session.get(Subscription, sub_id)
            if sub is not None:
                sub.last_checked_at = utcnow()
                sub.last_status = "refused"
                sub.last_error = reason[:2000]
        audit.record(
            session,
            who.name,
            "refuse",
            "network_feed",
            sub_id if sub_id is not None else address[:64],
            None,
            None,
            {"address": address, "reason": reason[:2000]},
        )


def _items(session: Session, sub: Subscription, payload: Payload) -> int:
    session.execute(delete(SharedItem).where(SharedItem.subscription_id == sub.id))
    now = utcnow()
    for it in payload.items:
        session.add(
            SharedItem(
                subscription_id=sub.id,
                kind=it.kind,
                item_id=it.id,
                origin=sub.address,
                authority_code=it.authority_code,
                authority_name=it.authority_name,
                title=it.title,
                summary=it.summary,
                details=it.details.model_dump(),
                updated=it.updated,
                imported_at=now,
            )
        )
    return len(payload.items)


def subscribe(
    engine: Engine,
    who: Actor,
    address: str,
    *,
    expect_key: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> tuple[Subscription, Outcome]:
    """Subscribe to the deployment at ``address``: pin its key, read its feed.

    Nothing is stored unless the key and the feed are both accepted.
    """
    check(who, Permission("network", "subscribe"))
    base = normalise(address)
    with Session(engine) as session:
        if session.scalar(select(Subscription.id).where(Subscription.address == base)):
            raise InputError(
                f"address must not be subscribed already; got {base!r}. Refresh it instead "
                "(`healthgap network refresh`)."
            )
    try:
        key = fetch_key(base, transport=transport)
        if expect_key and expect_key.strip() != key.key_id:
            raise FeedRefused(
                f"the publisher's key must be {expect_key.strip()[:80]} (as expected); it is "
                f"{key.key_id}. Do not subscribe until the publisher confirms it"
            )
        payload, digest = verify(fetch(base + FEED_PATH, transport=transport), key.public_key)
    except FeedRefused as exc:
        _refuse(engine, who, base, None, exc.reason)
        raise
    with writing(engine) as session:
        sub = Subscription(
            address=base,
            publisher_name=payload.publisher.name,
            public_key=key.public_key,
            key_fingerprint=key.key_id,
            added_by=who.name,
            last_sequence=payload.sequence,
            last_sha256=digest,
            last_checked_at=utcnow(),
            last_status="ok",
            last_error="",
        )
        session.add(sub)
        session.flush()
        n = _items(session, sub, payload)
        audit.record(
            session, who.name, "create", "network_subscription", sub.id, None, None, sub.to_dict()
        )
    return sub, Outcome(sub.id, True, n, payload.sequence, f"Subscribed; {n} items read.")


def get(engine: Engine, sub_id: int) -> Subscription:
    """One subscription, or an :class:`InputError`."""
    with Session(engine) as session:
        sub = session.get(Subscription, sub_id)
    if sub is None:
        raise InputError(
            f"subscription must be the id of a subscription; got {sub_id}. List them with "
            "`healthgap network list`."
        )
    return sub


def subscriptions(engine: Engine) -> list[Subscription]:
    """Every subscription, oldest first."""
    with Session(engine) as session:
        return list(session.scalars(select(Subscription).order_by(Subscription.id)))


def refresh(
    engine: Engine,
    who: Actor,
    sub_id: int,
    *,
    expected_version: int | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Outcome:
    """Read one subscription's feed again; a refused feed changes no imported item."""
    check(who, Permission("network", "subscribe"))
    sub = get(engine, sub_id)
    if expected_version is not None and expected_version != sub.version:
        raise StaleVersionError(f"subscription {sub_id}", expected_version, sub.version)
    try:
        payload, digest = verify(
            fetch(sub.address + FEED_PATH, transport=transport), sub.public_key
        )
        if payload.sequence < sub.last_sequence:
            raise FeedRefused(
                f"the feed's sequence must not go back; got {payload.sequence} after "
                f"{sub.last_sequence} (an old copy replayed?)"
            )
        if payload.sequence == sub.last_sequence and digest != sub.last_sha256:
            raise FeedRefused(
                f"a feed with sequence {payload.sequence} must not change; its hash did"
            )
    except FeedRefused as exc:
        _refuse(engine, who, sub.address, sub_id, exc.reason)
        raise
    with writing(engine) as session:
        row = session.get(Subscription, sub_id, with_for_update=True)
        if row is None:
            raise InputError(f"subscription {sub_id} was removed meanwhile; nothing read.")
        if payload.sequence < row.last_sequence:  # another refresh got a newer one first
            return Outcome(sub_id, True, 0, row.last_sequence, "A newer feed was read meanwhile.")
        before = row.to_dict()
        n = _items(session, row, payload)
        row.publisher_name = payload.publisher.name
        row.last_sequence = payload.sequence
        row.last_sha256 = digest
        row.last_checked_at = utcnow()
        row.last_status = "ok"
        row.last_error = ""
        session.flush()
        audit.record(
            session,
            who.name,
            "refresh",
            "network_subscription",
            sub_id,
            None,
            before,
            {**row.to_dict(), "items": n},
        )
    return Outcome(sub_id, True, n, payload.sequence, f"Feed {payload.sequence} read; {n} items.")


def remove(engine: Engine, who: Actor, sub_id: int, *, expected_version: int | None) -> int:
    """Remove a subscription and everything it imported; the number of items removed."""
    check(who, Permission("network", "subscribe"))
    with writing(engine) as session:
        row = session.get(Subscription, sub_id, with_for_update=True)
        if row is None:
            raise InputError(
                f"subscription must be the id of a subscription; got {sub_id}. List them with "
                "`healthgap network list`."
            )
        if expected_version is not None and expected_version != row.version:
            raise StaleVersionError(f"subscription {sub_id}", expected_version, row.version)
        before = row.to_dict()
        n = len(
            list(session.scalars(select(SharedItem.id).where(SharedItem.subscription_id == sub_id)))
        )
        session.execute(delete(SharedItem).where(SharedItem.subscription_id == sub_id))
        session.delete(row)
        audit.record(
            session, who.name, "delete", "network_subscription", sub_id, None, before, None
        )
    return n


def age(sub: Subscription) -> str:
    """When the subscription was last checked, as text."""
    when = sub.last_checked_at
    if when is None:
        return "never"
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")
