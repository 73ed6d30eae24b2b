"""Publishing: what an authority shares, and the signed feed built from it.

**Sharing is opt-in.** Nothing is in the feed until an administrator or an editor of the
authority shares it (:func:`set_sharing`), either one record (a case study, an action,
a signed-off screening) or every record of a kind (``record_id`` :data:`EVERY`), with a
record's own choice overriding its kind's. Framework progress (the count of actions by
status) is shared per kind only.

**Examples are left out.** Records of the illustrative example workspace
(:mod:`healthgap.examples`) are never published, whatever is shared: a feed carries only
what an authority really did.

**Screening summaries** carry the title, the status and the date of the last sign-off of
a screening as it stood when it was signed off, never its answers or the people who gave
them; a screening never signed off is not published.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from healthgap.appdb import audit
from healthgap.appdb.db import writing
from healthgap.appdb.models import Authority, utcnow
from healthgap.appdb.permissions import Actor, Permission, check
from healthgap.appdb.versions import StaleVersionError
from healthgap.errors import InputError
from healthgap.framework.library import CASE_FIELDS
from healthgap.framework.storage import Workspace
from healthgap.network import signing
from healthgap.network.models import EVERY, FeedState, Sharing
from healthgap.network.schema import KINDS, MAX_ITEMS, SCHEMA, canonical

#: Kinds shared record by record (progress is shared per kind only).
PER_RECORD = ("case_study", "action", "screening")


@dataclass(frozen=True)
class Choice:
    """One sharing choice as pages show it."""

    authority_code: str
    kind: str
    record_id: str
    shared: bool
    version: int


def _check_kind(kind: str, record_id: str) -> None:
    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}. E.g. case_study.")
    if kind not in PER_RECORD and record_id != EVERY:
        raise InputError(
            f"{KINDS[kind]} must be shared for the whole authority (record {EVERY!r}); got "
            f"record {record_id!r}."
        )
    if record_id != EVERY and not (0 < len(record_id) <= 64):
        raise InputError(f"record must be 1 to 64 characters; got {len(record_id)}.")


def choices(session: Session, authority_code: str) -> dict[tuple[str, str], Choice]:
    """``{(kind, record_id): Choice}`` of one authority."""
    rows = session.scalars(select(Sharing).where(Sharing.authority_code == authority_code))
    return {
        (r.kind, r.record_id): Choice(r.authority_code, r.kind, r.record_id, r.shared, r.version)
        for r in rows
    }


def is_shared(chosen: dict[tuple[str, str], Choice], kind: str, record_id: str) -> bool:
    """A record's own choice, else its kind's, else not shared."""
    own = chosen.get((kind, record_id))
    if own is not None:
        return own.shared
    every = chosen.get((kind, EVERY))
    return bool(every and every.shared)


def set_sharing(
    engine: Engine,
    who: Actor,
    authority_code: str,
    kind: str,
    record_id: str,
    shared: bool,
    *,
    expected_version: int,
) -> Choice:
    """Share (or stop sharing) one record or a whole kind of ``authority_code``.

    ``expected_version``: the version of the choice the change is based on (0: there is
    none yet). A stale one raises :class:`StaleVersionError`; nothing changes.
    """
    check(who, Permission("network_share"), authority_code)
    _check_kind(kind, record_id)
    try:
        return _set(engine, who, authority_code, kind, record_id, shared, expected_version)
    except IntegrityError as exc:  # two first choices at once: the loser is stale
        what = f"the sharing of {KINDS[kind]} {record_id} of {authority_code}"
        raise StaleVersionError(what, expected_version, 1) from exc


def _set(
    engine: Engine,
    who: Actor,
    authority_code: str,
    kind: str,
    record_id: str,
    shared: bool,
    expected_version: int,
) -> Choice:
    with writing(engine) as session:
        row = session.scalar(
            select(Sharing).where(
                Sharing.authority_code == authority_code,
                Sharing.kind == kind,
                Sharing.record_id == record_id,
            )
        )
        what = f"the sharing of {KINDS[kind]} {record_id} of {authority_code}"
        current = row.version if row is not None else 0
        if current != expected_version:
            raise StaleVersionError(what, expected_version, current or None)
        before = row.to_dict() if row is not None else None
        if row is None:
            row = Sharing(
                authority_code=authority_code,
                kind=kind,
                record_id=record_id,
                shared=shared,
                updated_by=who.name,
            )
            session.add(row)
        else:
            row.shared = shared
            row.updated_by = who.name
        session.flush()
        audit.record(
            session,
            who.name,
            "create" if before is None else "update",
            "network_sharing",
            row.id,
            authority_code,
            before,
            row.to_dict(),
        )
        return Choice(authority_code, kind, record_id, row.shared, row.version)


# ------------------------------------------------------------------------ the records
def _day(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    text = str(value or "")[:10]
    return text if len(text) == 10 else ""


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def shareable(engine: Engine, authority_code: str) -> list[dict[str, Any]]:
    """Every record of ``authority_code`` that could be shared (examples left out), as
    feed items: ``kind``, ``id``, ``title``, ``summary``, ``updated``, ``details``."""
    from healthgap.framework.actions import STATUSES

    ws = Workspace(engine=engine, create=False)
    out: list[dict[str, Any]] = []
    for v in ws.current("case_study", authority_code):
        d = v.data
        if d.get("example"):
            continue
        tags = [
            str(t)
            for k in ("levers", "competences", "population_groups", "outcomes")
            for t in (d.get(k) or [])
        ]
        out.append(
            {
                "kind": "case_study",
                "id": v.record_id,
                "title": _text(d.get("title"), 300),
                "summary": _text(d.get("summary"), 5000),
                "updated": _day(v.recorded_at),
                "details": {
                    "outcome": _text(d.get("outcome"), 5000),
                    "tags": [t[:300] for t in tags][:40],
                    "source_title": _text(d.get("source_title"), 300),
                    "source_url": _text(d.get("source_url"), 500),
                    "published": _day(d.get("published")),
                },
            }
        )
    counts = dict.fromkeys(STATUSES, 0)
    latest: dt.datetime | None = None
    for v in ws.current("action", authority_code):
        d = v.data
        if d.get("example"):
            continue
        status = str(d.get("status") or "draft")
        counts[status] = counts.get(status, 0) + 1
        latest = v.recorded_at if latest is None else max(latest, v.recorded_at)
        out.append(
            {
                "kind": "action",
                "id": v.record_id,
                "title": _text(d.get("title"), 300),
                "summary": f"Status: {status}."
                + (f" Due {_day(d.get('due'))}." if _day(d.get("due")) else ""),
                "updated": _day(v.recorded_at),
                "details": {
                    "status": _text(status, 300),
                    "competence": _text(d.get("competence"), 300),
                    "lever": _text(d.get("lever"), 300),
                    "start": _day(d.get("start")),
                    "due": _day(d.get("due")),
                },
            }
        )
    total = sum(counts.values())
    if total:
        parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        out.append(
            {
                "kind": "progress",
                "id": f"progress-{authority_code}",
                "title": "Action plan progress",
                "summary": f"{total} action{'s' if total != 1 else ''}: {parts}.",
                "updated": _day(latest),
                "details": {"counts": {s: n for s, n in counts.items() if n}},
            }
        )
    out.extend(_screenings(engine, authority_code))
    return out


def _screenings(engine: Engine, authority_code: str) -> list[dict[str, Any]]:
    from healthgap.policy.screening import ScreeningRepository

    repo = ScreeningRepository(engine)
    out: list[dict[str, Any]] = []
    for sid, _title in repo.ids(authority_code):
        s = repo.get(sid)
        if s.example or not s.signoffs:
            continue
        signed = s.published()
        if signed is None:
            continue
        when = _day(s.signoffs[-1].at)
        out.append(
            {
                "kind": "screening",
                "id": f"screening-{sid}",
                "title": _text(signed.title, 300),
                "summary": f"Equity screening signed off on {when}; now {s.status}.",
                "updated": when,
                "details": {"status": _text(s.status, 300)},
            }
        )
    return out


def authority_name(session: Session, code: str) -> str:
    """The authority's name in the app database, else its code."""
    row = session.get(Authority, code)
    return row.name if row is not None and row.name else code


def authority_names(store: Any) -> dict[str, str]:
    """``{code: name}`` of strategic authorities, upper-tier authorities and districts."""
    from healthgap.account.neighbours import area_features

    names: dict[str, str] = {}
    for level in ("lad", "utla", "combined_authority"):
        table = area_features(store, level)
        names.update(
            zip(table["area_code"].astype(str), table["area_name"].astype(str), strict=True)
        )
    return names


def shared_items(engine: Engine, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every shared item of every authority, in a stable order, at most ``MAX_ITEMS``
    (``names``: authority names by code, e.g. :func:`authority_names`)."""
    with Session(engine) as session:
        codes = sorted(set(session.scalars(select(Sharing.authority_code))))
        items: list[dict[str, Any]] = []
        for code in codes:
            chosen = choices(session, code)
            name = (names or {}).get(code) or authority_name(session, code)
            for item in shareable(engine, code):
                rid = EVERY if item["kind"] == "progress" else item["id"]
                if is_shared(chosen, item["kind"], rid):
                    items.append({**item, "authority_code": code, "authority_name": name[:300]})
    items.sort(key=lambda i: (i["authority_code"], i["kind"], i["id"]))
    if len(items) > MAX_ITEMS:
        raise InputError(
            f"a feed must carry at most {MAX_ITEMS} items; got {len(items)} shared. Share "
            "fewer records (stop sharing a whole kind and share records one by one)."
        )
    return items


# ------------------------------------------------------------------------ the feed
def payload(
    engine: Engine, publisher: str, key: Any, names: dict[str, str] | None = None
) -> dict[str, Any]:
    """The current payload; its sequence rises by one whenever what is shared changes."""
    items = shared_items(engine, names)
    key_id = signing.fingerprint(signing.public_bytes(key))
    body = {"publisher": {"name": publisher[:300], "key_id": key_id}, "items": items}
    digest = hashlib.sha256(canonical(body)).hexdigest()
    with writing(engine) as session:
        state = session.get(FeedState, 1)
        if state is None:
            state = FeedState(id=1, sequence=1, content_sha256=digest, changed_at=utcnow())
            session.add(state)
        elif state.content_sha256 != digest:
            state.sequence += 1
            state.content_sha256 = digest
            state.changed_at = utcnow()
        sequence, changed = state.sequence, state.changed_at
    stamp = changed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"schema": SCHEMA, "sequence": sequence, "generated_at": stamp, **body}


def envelope(payload_: dict[str, Any], key: Any) -> dict[str, Any]:
    """The signed document served at ``/network/feed.json``."""
    raw = canonical(payload_)
    return {
        "algorithm": signing.ALGORITHM,
        "key_id": signing.fingerprint(signing.public_bytes(key)),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "signature": signing.b64(signing.sign(key, raw)),
        "payload": payload_,
    }


def key_document(key: Any, publisher: str) -> dict[str, str]:
    """``/.well-known/healthgap-network-key``."""
    public = signing.public_bytes(key)
    return {
        "algorithm": signing.ALGORITHM,
        "public_key": signing.b64(public),
        "key_id": signing.fingerprint(public),
        "publisher": publisher[:300],
    }


ATOM = "http://www.w3.org/2005/Atom"


def atom(payload_: dict[str, Any], base: str) -> bytes:
    """The payload as an Atom 1.0 feed (a readable view; the JSON feed is the signed one)."""
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", f"{base}/network/feed.atom")
    sub(feed, "title", f"{payload_['publisher']['name']}: shared by healthgap")
    sub(feed, "updated", payload_["generated_at"])
    sub(feed, "link", rel="self", href=f"{base}/network/feed.atom")
    sub(feed, "link", rel="alternate", type="application/json", href=f"{base}/network/feed.json")
    author = sub(feed, "author")
    sub(author, "name", payload_["publisher"]["name"])
    for item in payload_["items"]:
        entry = sub(feed, "entry")
        sub(entry, "id", f"{base}/network/feed.json#{item['kind']}/{item['id']}")
        sub(entry, "title", f"{KINDS[item['kind']].capitalize()}: {item['title']}")
        sub(entry, "updated", f"{item['updated'] or payload_['generated_at'][:10]}T00:00:00Z")
        a = sub(entry, "author")
        sub(a, "name", f"{item['authority_name']} ({item['authority_code']})")
        sub(entry, "category", term=item["kind"])
        sub(entry, "summary", item["summary"], type="text")
        url = item.get("details", {}).get("source_url")
        if url:
            sub(entry, "link", rel="related", href=url)
    out: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return out


def case_fields() -> tuple[str, ...]:
    """The library's case-study fields (documentation of what a shared case carries)."""
    return tuple(CASE_FIELDS)
