"""No lost or failed writes under concurrency, on SQLite and on PostgreSQL.

Real concurrent HTTP requests (a thread pool of httpx clients) against the app served by
uvicorn in a thread: 40 parallel creates of framework actions by two editors all succeed
and all are kept; parallel PATCHes and PUTs carrying the same ``If-Match`` give exactly
one success and 409s for the rest (never a 500); two editors updating one target: the
later gets 409 and nothing changes.

The PostgreSQL cases run when $HEALTHGAP_TEST_POSTGRES names a server (run the tests
through scripts/with-postgres.sh); otherwise they skip like tests/web/test_postgres.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from healthgap.appdb.auth import add_user
from healthgap.appdb.db import init_db, sessions
from healthgap.web.app import create_app
from healthgap.web.settings import Settings
from tests.needs import need
from tests.web.browser import serve
from tests.web.conftest import PASSWORD
from tests.web.test_postgres import pg_server, pg_url  # noqa: F401 (fixtures)

GM = "E47000001"
EDITORS = ("ana.gm@example.org", "ben.gm@example.org")
ADMIN = "root@example.org"
N = 40


@dataclass
class Live:
    url: str
    app: Any
    clients: list[httpx.Client] = field(default_factory=list)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    need("postgres")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def live(db_url: str, store_path: Path, tmp_path: Path, cheap_hashing: None) -> Iterator[Live]:
    engine = init_db(db_url)
    with sessions(engine)() as s:
        for email in EDITORS:
            add_user(s, email, PASSWORD, "editor", GM)
        add_user(s, ADMIN, PASSWORD, "admin")
    engine.dispose()
    store = tmp_path / "store.duckdb"
    shutil.copyfile(store_path, store)
    app = create_app(Settings(store=str(store), db_url=db_url))
    with serve(app) as url:
        running = Live(url, app)
        yield running
        for c in running.clients:
            c.close()
    app.state.engine.dispose()


def signed_in(live: Live, email: str) -> httpx.Client:
    c = httpx.Client(base_url=live.url, timeout=60)
    live.clients.append(c)
    token = c.get("/api/v1/session").json()["csrf_token"]
    r = c.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code in (200, 303), r.text
    c.headers["X-CSRF-Token"] = c.get("/api/v1/session").json()["csrf_token"]
    return c


def in_parallel(calls: list[Any]) -> list[httpx.Response]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda f: f(), calls))


def test_parallel_creates_by_two_editors_are_all_kept(live: Live) -> None:
    a, b = (signed_in(live, e) for e in EDITORS)
    path = f"/api/v1/framework/{GM}/actions"
    calls = [
        (lambda c=(a if i % 2 else b), i=i: c.post(path, json={"title": f"Action number {i}"}))
        for i in range(N)
    ]
    responses = in_parallel(calls)
    statuses = sorted({r.status_code for r in responses})
    assert statuses == [201], [r.text for r in responses if r.status_code != 201][:3]
    ids = [r.json()["id"] for r in responses]
    assert len(set(ids)) == N, "two creates were given the same id"
    listed = a.get(path).json()["data"]
    assert sorted(x["title"] for x in listed) == sorted(f"Action number {i}" for i in range(N))
    assert sorted(x["id"] for x in listed) == sorted(ids)


def test_parallel_patches_one_wins_the_rest_get_409(live: Live) -> None:
    a, b = (signed_in(live, e) for e in EDITORS)
    path = f"/api/v1/framework/{GM}/actions"
    aid = a.post(path, json={"title": "Shared action"}).json()["id"]
    got = a.get(f"{path}/{aid}")
    assert got.status_code == 200, got.text
    etag = got.headers["etag"]
    calls = [
        (
            lambda c=(a if i % 2 else b), i=i: c.patch(
                f"{path}/{aid}", json={"owner": f"Owner {i}"}, headers={"If-Match": etag}
            )
        )
        for i in range(20)
    ]
    responses = in_parallel(calls)
    codes = [r.status_code for r in responses]
    assert 500 not in codes
    assert codes.count(200) == 1 and codes.count(409) == 19, codes
    winner = responses[codes.index(200)]
    loser = responses[codes.index(409)].json()["error"]
    assert loser["code"] == "conflict"
    assert "changed by someone else" in loser["message"]
    now = a.get(f"{path}/{aid}")
    assert now.headers["etag"] == winner.headers["etag"] != etag
    assert now.json()["owner"] == winner.json()["owner"]
    history = list(a.get(f"{path}/{aid}").json()["history"])
    assert len(history) == 2  # the create and the one winning PATCH, nothing else


def target_body(value: float) -> dict[str, Any]:
    return {
        "authority_code": GM,
        "indicator_id": "hle_birth",
        "sex": "Female",
        "baseline_period": "2022-2024",
        "target_year": 2030,
        "target_value": value,
    }


def test_two_editors_updating_one_target_the_later_gets_409(live: Live) -> None:
    a, b = (signed_in(live, e) for e in EDITORS)
    created = a.post("/api/v1/targets", json=target_body(60.0))
    assert created.status_code == 201, created.text
    tid = created.json()["id"]
    seen_a = a.get(f"/api/v1/targets/{tid}").headers["etag"]
    seen_b = b.get(f"/api/v1/targets/{tid}").headers["etag"]
    assert seen_a == seen_b == created.headers["etag"]
    r = a.put(f"/api/v1/targets/{tid}", json=target_body(61.0), headers={"If-Match": seen_a})
    assert r.status_code == 200, r.text
    r = b.put(f"/api/v1/targets/{tid}", json=target_body(62.0), headers={"If-Match": seen_b})
    assert r.status_code == 409, r.text
    assert "changed by someone else" in r.json()["error"]["message"]
    assert a.get(f"/api/v1/targets/{tid}").json()["target_value"] == 61.0
    # A delete with the stale version is refused too; with the current one it goes.
    assert b.delete(f"/api/v1/targets/{tid}", headers={"If-Match": seen_b}).status_code == 409
    current = b.get(f"/api/v1/targets/{tid}").headers["etag"]
    assert b.delete(f"/api/v1/targets/{tid}", headers={"If-Match": current}).status_code == 204


def test_parallel_target_updates_with_one_version(live: Live) -> None:
    a, b = (signed_in(live, e) for e in EDITORS)
    tid = a.post("/api/v1/targets", json=target_body(60.0)).json()["id"]
    etag = a.get(f"/api/v1/targets/{tid}").headers["etag"]
    calls = [
        (
            lambda c=(a if i % 2 else b), i=i: c.put(
                f"/api/v1/targets/{tid}", json=target_body(70.0 + i), headers={"If-Match": etag}
            )
        )
        for i in range(20)
    ]
    codes = [r.status_code for r in in_parallel(calls)]
    assert codes.count(200) == 1 and codes.count(409) == 19, codes


def test_an_update_without_the_version_is_refused(live: Live) -> None:
    a = signed_in(live, EDITORS[0])
    tid = a.post("/api/v1/targets", json=target_body(60.0)).json()["id"]
    r = a.put(f"/api/v1/targets/{tid}", json=target_body(61.0))
    assert r.status_code == 428, r.text
    assert "If-Match" in r.json()["error"]["message"]
    assert a.get(f"/api/v1/targets/{tid}").json()["target_value"] == 60.0


def test_two_editors_changing_one_target_through_the_form(live: Live) -> None:
    """Two editors open the change form of one target (version 1) and save at once, many
    times over: exactly one save per round wins (303), the other gets 409 with nothing
    changed; the stored version counts the winners and the audit log holds only them."""
    a, b = (signed_in(live, e) for e in EDITORS)
    tid = a.post("/api/v1/targets", json=target_body(60.0)).json()["id"]
    rounds = 6
    for n in range(rounds):
        version = a.get(f"/api/v1/targets/{tid}").json()["version"]
        assert f'name="version" value="{version}"' in b.get(f"/targets/{tid}/edit").text

        def save(c: httpx.Client, value: float, v: int = version) -> httpx.Response:
            form = {**target_body(value), "version": str(v), "published": "yes"}
            form["csrf_token"] = c.headers["X-CSRF-Token"]
            return c.post(f"/targets/{tid}/edit", data=form)

        responses = in_parallel([lambda n=n: save(a, 61.0 + n), lambda n=n: save(b, 70.0 + n)])
        codes = sorted(r.status_code for r in responses)
        assert codes == [303, 409], [r.text[:300] for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert "changed by someone else" in loser.text
    final = a.get(f"/api/v1/targets/{tid}").json()
    assert final["version"] == 1 + rounds
    admin = signed_in(live, ADMIN)
    audit = admin.get("/api/v1/audit").json()["data"]
    assert sum(e["action"] == "update" and e["entity_id"] == str(tid) for e in audit) == rounds


def test_two_editors_answering_one_question_from_one_read(live: Live) -> None:
    """Equity-screening answers: two editors answer the same question from the same read,
    at once, through the API and then through the page form: one is stored, the other is
    refused (409) and leaves nothing behind."""
    a, b = (signed_in(live, e) for e in EDITORS)
    made = a.post("/api/v1/policy/screenings", json={"title": "Bus fares", "authority_code": GM})
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    path = f"/api/v1/policy/screenings/{sid}"
    etag = a.get(path).headers["etag"]
    responses = in_parallel(
        [
            lambda c=c, who=who: c.post(
                f"{path}/answers",
                json={"question_id": "summary", "value": f"Written by {who}."},
                headers={"If-Match": etag},
            )
            for c, who in ((a, "Ana"), (b, "Ben"))
        ]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409], [r.text[:200] for r in responses]
    winner = next(r for r in responses if r.status_code == 201).json()
    loser = next(r for r in responses if r.status_code == 409).json()["error"]
    assert loser["code"] == "conflict" and "changed by someone else" in loser["message"]
    now = a.get(path)
    assert now.headers["etag"] != etag and now.json() == winner
    answered = [e for e in now.json()["history"] if e["kind"] == "answered"]
    assert len(answered) == 1  # the losing answer left no event
    # the page form, from one page read each
    version = str(now.json()["version"])
    forms = in_parallel(
        [
            lambda c=c, who=who: c.post(
                f"/policy/{sid}/answers",
                data={
                    "csrf_token": c.headers["X-CSRF-Token"],
                    "stage": "prepare",
                    "summary": f"Form by {who}.",
                    "version": version,
                },
                follow_redirects=False,
            )
            for c, who in ((a, "Ana"), (b, "Ben"))
        ]
    )
    codes = sorted(r.status_code for r in forms)
    assert codes == [303, 409], [r.text[:200] for r in forms]
    refused = next(r for r in forms if r.status_code == 409).text
    assert "There is a problem" in refused and "changed by someone else" in refused
    after = a.get(path).json()
    answered = [e for e in after["history"] if e["kind"] == "answered"]
    assert len(answered) == 2 and after["version"] == int(version) + 1
    assert after["answers"]["prepare"]["summary"] in ("Form by Ana.", "Form by Ben.")


def test_parallel_power_corrections_from_one_version(live: Live) -> None:
    """The powers register: ten administrators' corrections of one power from the same
    version at once: one is recorded, nine get 409, never a 500."""
    admin = signed_in(live, ADMIN)
    url = "/api/v1/framework/powers"
    body = {
        "id": "gm-race-power",
        "text": "A power",
        "applies_to": [GM],
        "source": "https://example.org/source",
        "as_of": "2026-01-01",
    }
    made = admin.post(url, json=body)
    assert made.status_code == 201, made.text
    etag = made.headers["etag"]
    calls = [
        (
            lambda i=i: admin.post(
                url, json={**body, "text": f"Correction {i}"}, headers={"If-Match": etag}
            )
        )
        for i in range(10)
    ]
    codes = [r.status_code for r in in_parallel(calls)]
    assert sorted(codes) == [201] + [409] * 9, codes
    powers = admin.get(f"/api/v1/framework/{GM}").json()["data"]["powers"]
    mine = next(p for p in powers if p["id"] == "gm-race-power")
    assert mine["version"] == 2 and mine["text"].startswith("Correction ")
