"""The network end to end: two deployments (two uvicorn servers on loopback, each with its
own app database and key) share a case study through a signed feed; a third, hostile
server sends tampered, re-keyed, oversize, mistyped, malformed, overfull and slow feeds,
each refused, logged in the audit log, with nothing imported changed.

No address beyond 127.0.0.1 is contacted; nothing is fetched at start-up.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthgap.appdb.models import AuditEntry
from healthgap.appdb.permissions import Actor, NotPermittedError
from healthgap.framework.library import Library
from healthgap.framework.storage import Workspace
from healthgap.network import publish, signing
from healthgap.network import subscribe as subs
from healthgap.network.library import authorities_like
from healthgap.network.models import SharedItem
from healthgap.network.schema import SCHEMA, FeedRefused, canonical
from healthgap.web.app import create_app
from healthgap.web.settings import Settings
from tests.web.browser import serve
from tests.web.conftest import USERS, check_page, sign_in

ADMIN = Actor(USERS["admin"][0], "admin")
CASE = {
    "id": "warm-homes-pilot",
    "title": "Warm homes on prescription",
    "summary": "GPs referred patients with lung conditions for heating upgrades.",
    "outcome": "Fewer emergency admissions reported by the pilot.",
    "competences": ["housing"],
    "levers": ["commissioning"],
    "source_title": "Pilot evaluation <b>report</b>",
    "source_url": "https://example.org/warm-homes",
    "published": "2024-03-01",
}


def _app(store_path: Path, template_db: Path, folder: Path, name: str) -> Any:
    folder.mkdir()
    db = folder / "app.db"
    shutil.copyfile(template_db, db)
    key = folder / "network.pem"
    signing.write_key(key)
    return create_app(
        Settings(
            store=str(store_path), db_url=f"sqlite:///{db}", network_key=key, network_name=name
        )
    )


class Hostile:
    """A server whose feed is whatever the test sets: ``status``, ``ctype``, ``body``
    (bytes), ``chunks`` (a number of 64 KiB chunks streamed without a length) or
    ``delay`` (seconds before answering)."""

    def __init__(self) -> None:
        self.key = signing.generate()
        self.mode: dict[str, Any] = {}
        self.key_doc = json.dumps(publish.key_document(self.key, "Hostile")).encode()
        self.requests = 0

    def signed(self, payload: dict[str, Any], key: Any = None) -> bytes:
        return json.dumps(publish.envelope(payload, key or self.key)).encode()

    def payload(self, items: list[dict[str, Any]], sequence: int) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "sequence": sequence,
            "generated_at": "2026-01-01T00:00:00Z",
            "publisher": {
                "name": "Hostile",
                "key_id": signing.fingerprint(signing.public_bytes(self.key)),
            },
            "items": items,
        }

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.requests += 1
        if scope["path"] == subs.KEY_PATH:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": self.key_doc})
            return
        m = self.mode
        if m.get("delay"):
            await asyncio.sleep(m["delay"])
        headers = [(b"content-type", m.get("ctype", "application/json").encode())]
        await send(
            {"type": "http.response.start", "status": m.get("status", 200), "headers": headers}
        )
        if m.get("chunks"):
            for _ in range(m["chunks"]):
                await send({"type": "http.response.body", "body": b" " * 65536, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.body", "body": m.get("body", b"")})


def item(n: int, **kw: Any) -> dict[str, Any]:
    return {
        "kind": "case_study",
        "id": f"case-{n}",
        "authority_code": "E47000001",
        "authority_name": "Greater Manchester",
        "title": f"Case {n}",
        "summary": "What was done.",
        "updated": "2025-01-01",
        "details": {"source_url": "https://example.org/x"},
        **kw,
    }


@pytest.fixture(scope="module")
def net(
    store_path: Path, template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("network")
    a = _app(store_path, template_db, root / "a", "Deployment A")
    b = _app(store_path, template_db, root / "b", "Deployment B")
    hostile = Hostile()
    with serve(a) as url_a, serve(b) as url_b, serve(hostile) as url_h:
        yield {"a": a, "b": b, "url_a": url_a, "url_b": url_b, "h": hostile, "url_h": url_h}


def _admin(app: Any) -> TestClient:
    c = TestClient(app)
    assert sign_in(c, USERS["admin"][0]).status_code == 303
    return c


def _items(app: Any) -> list[tuple[Any, ...]]:
    with Session(app.state.engine) as s:
        return [
            (i.subscription_id, i.kind, i.item_id, i.title, i.summary)
            for i in s.scalars(select(SharedItem).order_by(SharedItem.id))
        ]


def _refusals(app: Any) -> list[str]:
    with Session(app.state.engine) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "refuse"))
        return [str((r.after or {}).get("reason")) for r in rows]


def test_publish_subscribe_refresh_and_library(net: Any, store_path: Path) -> None:
    from healthgap.data.store import open_store

    a, b = net["a"], net["b"]
    with open_store(store_path) as st:
        near = authorities_like(st, "E47000002")
    publisher = str(near["area_code"][0])  # an authority like South Yorkshire
    ws = Workspace(engine=a.state.engine, create=False)
    Library(ws).add(ADMIN, {**CASE, "authority_code": publisher})
    ca = _admin(a)
    # nothing is shared until chosen: the feed is empty
    feed = ca.get("/network/feed.json")
    assert feed.status_code == 200 and feed.headers["content-type"] == "application/json"
    assert feed.json()["payload"]["items"] == []
    page = ca.get(f"/network/sharing?authority={publisher}")
    assert page.status_code == 200 and CASE["title"] in page.text
    check_page(page.text)
    token = ca.get("/api/v1/session").json()["csrf_token"]
    form = {
        "authority": publisher,
        "kind": "case_study",
        "record_id": CASE["id"],
        "shared": "1",
        "csrf_token": token,
    }
    assert ca.post("/network/sharing", data=form, follow_redirects=False).status_code == 428
    r = ca.post("/network/sharing", data={**form, "version": "0"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    stale = ca.post("/network/sharing", data={**form, "version": "0"}, follow_redirects=False)
    assert stale.status_code == 409
    env = ca.get("/network/feed.json").json()
    assert [i["id"] for i in env["payload"]["items"]] == [CASE["id"]]
    # the hash and signature are over the canonical payload (independent check here)
    raw = json.dumps(env["payload"], sort_keys=True, separators=(",", ":")).encode()
    assert hashlib.sha256(raw).hexdigest() == env["sha256"]
    key = ca.get(subs.KEY_PATH).json()
    assert signing.verify(
        signing.unb64(key["public_key"], "k", 32), raw, signing.unb64(env["signature"], "s", 64)
    )
    atom = ca.get("/network/feed.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    assert b"Pilot evaluation &lt;b&gt;report" not in atom.content  # only the summary goes
    assert b"Warm homes on prescription" in atom.content

    # B subscribes through the admin form: step 1 shows the fingerprint, stores nothing
    cb = _admin(b)
    token_b = cb.get("/api/v1/session").json()["csrf_token"]
    step1 = cb.post(
        "/admin/network/subscribe", data={"address": net["url_a"], "csrf_token": token_b}
    )
    assert step1.status_code == 200 and key["key_id"] in step1.text
    check_page(step1.text)
    assert subs.subscriptions(b.state.engine) == []
    step2 = cb.post(
        "/admin/network/subscribe",
        data={"address": net["url_a"], "confirm_key": key["key_id"], "csrf_token": token_b},
        follow_redirects=False,
    )
    assert step2.status_code == 303, step2.text
    lib = cb.get("/framework/library?q=warm+homes")
    assert CASE["title"] in lib.text and net["url_a"] in lib.text and "Deployment A" not in lib.text
    assert "Pilot evaluation &lt;b&gt;report&lt;/b&gt;" in lib.text  # escaped, never markup
    check_page(lib.text)
    like = cb.get("/framework/library?authority=E47000002&like=1")
    assert CASE["title"] in like.text
    assert (
        "0 shared case studies" in cb.get(f"/framework/library?authority={publisher}&like=1").text
    )
    # A shares more: the sequence rises, a refresh brings it to B
    seq = env["payload"]["sequence"]
    Library(ws).add(
        ADMIN, {**CASE, "id": "second-case", "title": "Second case", "authority_code": publisher}
    )
    publish.set_sharing(
        a.state.engine, ADMIN, publisher, "case_study", "*", True, expected_version=0
    )
    assert ca.get("/network/feed.json").json()["payload"]["sequence"] == seq + 1
    sub = subs.subscriptions(b.state.engine)[0]
    r = cb.post(
        f"/admin/network/{sub.id}/refresh",
        data={"version": str(sub.version), "csrf_token": token_b},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert {t[2] for t in _items(b)} == {CASE["id"], "second-case"}
    stale = cb.post(
        f"/admin/network/{sub.id}/refresh",
        data={"version": str(sub.version), "csrf_token": token_b},
    )
    assert stale.status_code == 409
    admin_page = cb.get("/admin/network")
    check_page(admin_page.text)
    assert key["key_id"] in admin_page.text
    # B's own records are untouched: its workspace holds no case studies
    assert Library(Workspace(engine=b.state.engine, create=False)).cases().empty


def test_only_admins_subscribe_and_editors_share_their_own(net: Any) -> None:
    editor = Actor(*USERS["editor"])
    with pytest.raises(NotPermittedError, match="administrator"):
        subs.subscribe(net["b"].state.engine, editor, net["url_a"])
    with pytest.raises(NotPermittedError, match="E06000001"):
        publish.set_sharing(
            net["a"].state.engine, editor, "E06000001", "case_study", "*", True, expected_version=0
        )
    c = TestClient(net["b"])
    assert sign_in(c, USERS["editor"][0]).status_code == 303
    assert c.get("/admin/network").status_code == 403


@pytest.fixture
def hostile_sub(net: Any) -> Iterator[tuple[Any, int]]:
    """B subscribed to the hostile server while it still served a good feed."""
    h, b = net["h"], net["b"]
    h.mode = {"body": h.signed(h.payload([item(1)], 5))}
    sub, _ = subs.subscribe(b.state.engine, ADMIN, net["url_h"])
    yield h, sub.id
    subs.remove(b.state.engine, ADMIN, sub.id, expected_version=None)


def _good(h: Hostile, n: int = 1) -> dict[str, Any]:
    return h.payload([item(i) for i in range(1, n + 1)], 6)


BAD: dict[str, Any] = {
    "tampered": (lambda h: _tamper(h), "signature must verify"),
    "key change": (lambda h: {"body": h.signed(_good(h), signing.generate())}, "pinned key"),
    "oversize": (lambda h: {"chunks": 40}, "at most 2097152 bytes"),
    "content type": (
        lambda h: {"ctype": "text/html", "body": h.signed(_good(h))},
        "application/json",
    ),
    "malformed": (lambda h: {"body": b'{"payload": {'}, "well-formed JSON"),
    "too many items": (
        lambda h: {"body": h.signed(h.payload([item(i) for i in range(501)], 6))},
        "at most 500",
    ),
    "control chars": (
        lambda h: {"body": h.signed(h.payload([item(1, title="a\x07b")], 6))},
        "control characters",
    ),
    "long text": (
        lambda h: {"body": h.signed(h.payload([item(1, summary="x" * 5001)], 6))},
        "at most 5000",
    ),
    "javascript link": (
        lambda h: {
            "body": h.signed(h.payload([item(1, details={"source_url": "javascript:alert(1)"})], 6))
        },
        "must start https://",
    ),
    "schema version": (
        lambda h: {"body": h.signed({**_good(h), "schema": "healthgap-network-feed/9"})},
        "unknown schema version",
    ),
    "replay": (lambda h: {"body": h.signed(h.payload([item(9)], 4))}, "must not go back"),
    "http error": (lambda h: {"status": 500, "body": b"{}"}, "HTTP 200"),
    "slow": (lambda h: {"delay": 3, "body": h.signed(_good(h))}, "timed out"),
}


def _tamper(h: Hostile) -> dict[str, Any]:
    env = publish.envelope(_good(h), h.key)
    forged = copy.deepcopy(env)
    forged["payload"]["items"][0]["title"] = "Changed in transit"
    forged["sha256"] = hashlib.sha256(canonical(forged["payload"])).hexdigest()
    return {"body": json.dumps(forged).encode()}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_feeds_are_refused_logged_and_change_nothing(
    net: Any, hostile_sub: tuple[Any, int], case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    h, sid = hostile_sub
    b = net["b"]
    monkeypatch.setattr(subs, "TIMEOUT", 1.0)
    make, reason = BAD[case]
    before, logged = _items(b), len(_refusals(b))
    h.mode = make(h)
    with pytest.raises(FeedRefused, match=reason):
        subs.refresh(b.state.engine, ADMIN, sid)
    assert _items(b) == before
    refusals = _refusals(b)
    assert len(refusals) == logged + 1 and reason in refusals[-1]
    assert subs.get(b.state.engine, sid).last_status == "refused"


def test_cli_subscribe_list_refresh_remove(net: Any, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from healthgap.cli.main import app as cli

    b = net["b"]
    url = str(b.state.engine.url)
    run = CliRunner().invoke
    r = run(cli, ["network", "subscribe", net["url_a"], "--as", "editor@example.org", "--db", url])
    assert r.exit_code != 0 and "administrator" in str(r.exception or r.output)
    # already subscribed through the page in the first test (or subscribe now)
    if not any(s.address == net["url_a"] for s in subs.subscriptions(b.state.engine)):
        r = run(
            cli, ["network", "subscribe", net["url_a"], "--as", "admin@example.org", "--db", url]
        )
        assert r.exit_code == 0, r.output
    r = run(cli, ["network", "list", "--db", url])
    assert r.exit_code == 0 and "Deployment A" in r.output
    sid = next(s.id for s in subs.subscriptions(b.state.engine) if s.address == net["url_a"])
    r = run(cli, ["network", "refresh", str(sid), "--as", "admin@example.org", "--db", url])
    assert r.exit_code == 0 and "items" in r.output, r.output
    r = run(cli, ["network", "remove", str(sid), "--as", "admin@example.org", "--db", url])
    assert r.exit_code == 0 and "Removed" in r.output
    assert all(i[0] != sid for i in _items(b))


def test_concurrent_sharing_and_refresh(net: Any) -> None:
    """Two first choices of one record at once: one wins, the other is stale (nothing
    half-written); two refreshes at once leave one copy of each item."""
    from concurrent.futures import ThreadPoolExecutor

    from healthgap.appdb.versions import StaleVersionError

    a, b = net["a"], net["b"]
    Library(Workspace(engine=a.state.engine, create=False)).add(
        ADMIN, {**CASE, "id": "race-case", "authority_code": "E47000001"}
    )

    def share(_: int) -> str:
        try:
            publish.set_sharing(
                a.state.engine,
                ADMIN,
                "E47000001",
                "case_study",
                "race-case",
                True,
                expected_version=0,
            )
        except StaleVersionError:
            return "stale"
        return "ok"

    with ThreadPoolExecutor(4) as pool:
        results = sorted(pool.map(share, range(4)))
    assert results == ["ok", "stale", "stale", "stale"]
    if not any(s.address == net["url_a"] for s in subs.subscriptions(b.state.engine)):
        subs.subscribe(b.state.engine, ADMIN, net["url_a"])
    sid = next(s.id for s in subs.subscriptions(b.state.engine) if s.address == net["url_a"])
    with ThreadPoolExecutor(3) as pool:
        outcomes = list(pool.map(lambda _: subs.refresh(b.state.engine, ADMIN, sid), range(3)))
    assert all(o.accepted for o in outcomes)
    mine = [i for i in _items(b) if i[0] == sid]
    assert len(mine) == len({i[1:3] for i in mine}) and ("case_study", "race-case") in {
        i[1:3] for i in mine
    }


def test_imported_text_is_escaped_and_never_runs(net: Any, hostile_sub: tuple[Any, int]) -> None:
    h, sid = hostile_sub
    b = net["b"]
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    h.mode = {"body": h.signed(h.payload([item(1, title=evil, summary=evil)], 6))}
    assert subs.refresh(b.state.engine, ADMIN, sid).items == 1
    page = TestClient(b).get("/framework/library")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    check_page(page.text)


def test_examples_are_never_published(net: Any) -> None:
    a = net["a"]
    ws = Workspace(engine=a.state.engine, create=False)
    ws.examples = True
    Library(ws).add(
        ADMIN, {**CASE, "id": "example-case", "title": "An example", "authority_code": "E47000003"}
    )
    publish.set_sharing(
        a.state.engine, ADMIN, "E47000003", "case_study", "*", True, expected_version=0
    )
    publish.set_sharing(
        a.state.engine, ADMIN, "E47000003", "case_study", "example-case", True, expected_version=0
    )
    ids = [i["id"] for i in TestClient(a).get("/network/feed.json").json()["payload"]["items"]]
    assert "example-case" not in ids


def test_nothing_is_fetched_at_start_up(net: Any, store_path: Path) -> None:
    h, b = net["h"], net["b"]
    h.mode = {"body": h.signed(h.payload([item(1)], 7))}
    sub, _ = subs.subscribe(b.state.engine, ADMIN, net["url_h"])
    before = h.requests
    again = create_app(Settings(store=str(store_path), db_url=str(b.state.engine.url)))
    with TestClient(again) as c:
        assert c.get("/admin/network").status_code == 401
    assert h.requests == before
    subs.remove(b.state.engine, ADMIN, sub.id, expected_version=None)
