"""The cache of anonymous responses (healthgap.web.pagecache) never serves stale data.

Anonymous reads are answered again from the cache while the tables and the store they
read are unchanged; every write (through the app, through another engine of the process
as the CLI makes, an upload to the store) makes the next read fresh. The reference for
"fresh" is the same request to an app on the same databases with the cache turned off.
The concurrent case is real: writers and readers in threads against uvicorn.
"""

from __future__ import annotations

import re
import shutil
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette: httpx -> httpx2 notice
    from fastapi.testclient import TestClient

from healthgap.appdb.db import init_db, sessions
from healthgap.appdb.models import Target
from healthgap.web.app import create_app
from healthgap.web.pagecache import PageCacheMiddleware
from healthgap.web.security import COOKIE
from healthgap.web.settings import Settings
from tests.web.browser import serve
from tests.web.conftest import csrf_headers, sign_in


@pytest.fixture
def app(store_path: Path, template_db: Path, tmp_path: Path) -> Any:
    """An app on its own copies of the session's store (uploads write it) and database."""
    store = tmp_path / "store.duckdb"
    shutil.copyfile(store_path, store)
    db = tmp_path / "app.db"
    shutil.copyfile(template_db, db)
    return create_app(Settings(store=str(store), db_url=f"sqlite:///{db}"))


BODY = {
    "authority_code": "E08000025",
    "indicator_id": "hle_birth",
    "sex": "Male",
    "baseline_period": "2022-2024",
    "target_year": 2030,
    "target_value": 62.0,
    "published": True,
}


def _cache(app: Any) -> PageCacheMiddleware:
    TestClient(app).get("/methods")  # builds the middleware stack
    layer = app.middleware_stack
    while not isinstance(layer, PageCacheMiddleware):
        layer = layer.app
    return layer


def _uncached(app: Any) -> Any:
    s = app.state.settings
    return create_app(Settings(store=s.store, db_url=s.db_url, page_cache=False))


def _notes(c: Any, url: str = "/api/v1/targets?limit=1000") -> list[str]:
    return [t["note"] for t in c.get(url).json()["data"]]


def test_a_read_is_served_again_until_a_table_it_read_is_written(app: Any, clients: Any) -> None:
    cache = _cache(app)
    anon, editor = clients("anonymous"), clients("editor")
    assert _notes(anon) == []
    hits = cache.hits
    assert _notes(anon) == []
    assert cache.hits == hits + 1  # served from the cache
    r = editor.post("/api/v1/targets", json={**BODY, "note": "first"}, headers=csrf_headers(editor))
    assert r.status_code == 201, r.text
    assert _notes(anon) == ["first"]  # the write made the cached answer stale
    with TestClient(_uncached(app)) as plain:
        assert _notes(plain) == ["first"]
        assert anon.get("/targets").text.count("first") == plain.get("/targets").text.count("first")


def test_a_write_through_another_engine_of_the_process_is_seen(app: Any, clients: Any) -> None:
    anon = clients("anonymous")
    assert _notes(anon) == []
    other = init_db(app.state.settings.db_url)  # as a CLI command in this process would
    with sessions(other)() as s:
        s.add(Target(**{**BODY, "baseline_value": 60.5, "note": "from the cli"}))
        s.commit()
    other.dispose()
    assert _notes(anon) == ["from the cli"]


def test_signed_in_readers_are_never_served_from_the_cache(app: Any, clients: Any) -> None:
    cache = _cache(app)
    editor = clients("editor")
    editor.get("/targets")
    hits = cache.hits
    page = editor.get("/targets")
    assert cache.hits == hits
    assert "Sign out" in page.text


def test_each_reader_gets_their_own_csrf_token_in_a_cached_page(app: Any) -> None:
    cache = _cache(app)
    first, second = TestClient(app), TestClient(app)
    page1 = first.get("/sign-in").text
    hits = cache.hits
    answer = second.get("/sign-in")
    page2 = answer.text
    assert cache.hits == hits + 1
    # the cached answer carries no cookie of the reader it was made for: only the new
    # reader's own session cookie is set
    (cookie,) = answer.headers.get_list("set-cookie")
    assert first.cookies[COOKIE] not in cookie and second.cookies[COOKIE] in cookie
    token1 = first.get("/api/v1/session").json()["csrf_token"]
    token2 = second.get("/api/v1/session").json()["csrf_token"]
    assert token1 != token2
    form = re.compile(r'name="csrf_token" value="([^"]+)"')
    assert form.findall(page1) and set(form.findall(page1)) == {token1}
    assert set(form.findall(page2)) == {token2}
    assert sign_in(second, "editor@example.org").status_code == 303


def test_an_upload_to_the_store_makes_local_pages_fresh(app: Any, clients: Any) -> None:
    """...and only those: an answer made of published data alone stays cached."""
    cache = _cache(app)
    anon, admin = clients("anonymous"), clients("admin")
    published = anon.get("/api/v1/hle-gap").json()
    local_before = anon.get("/api/v1/areas/E08000025/local").json()["data"]
    before = anon.get("/api/v1/local-datasets").json()["data"]
    assert anon.get("/api/v1/local-datasets").json()["data"] == before
    content = (
        "indicator_id,area_code,area_name,area_type,sex,age,period,value\n"
        "hle_birth,E08000025,Birmingham,lad,Male,All ages,2022-2024,99.0\n"
    )
    token = admin.get("/api/v1/session").json()["csrf_token"]
    r = admin.post(
        "/imports",
        data={"format": "csv", "csrf_token": token, "authority_code": "E08000025"},
        files={"file": ("cache.csv", content.encode(), "text/csv")},
    )
    assert r.status_code == 200, r.text[:2000]
    after = anon.get("/api/v1/local-datasets").json()["data"]
    assert [d["file"] for d in after] == [*(d["file"] for d in before), "cache.csv"]
    hits = cache.hits
    assert anon.get("/api/v1/hle-gap").json() == published
    assert cache.hits == hits + 1
    local = anon.get("/api/v1/areas/E08000025/local").json()["data"]
    assert local_before == [] and any(99.0 in row.values() for row in local), local


def test_concurrent_writers_are_seen_by_the_next_anonymous_read(app: Any) -> None:
    """Three editors' threads create targets while six anonymous threads read the lists;
    after each acknowledged create, a read started after it lists it."""
    stale: list[str] = []
    acknowledged: list[str] = []
    with serve(app) as base:
        stop = threading.Event()

        def reader() -> int:
            n = 0
            with httpx.Client(base_url=base, trust_env=False, timeout=60) as c:
                while not stop.is_set():
                    assert c.get("/api/v1/targets?limit=1000").status_code == 200
                    assert c.get("/targets").status_code == 200
                    n += 2
            return n

        def writer(i: int) -> None:
            with httpx.Client(base_url=base, trust_env=False, timeout=60) as c:
                sign_in(c, "editor@example.org")  # type: ignore[arg-type]
                headers = {"X-CSRF-Token": c.get("/api/v1/session").json()["csrf_token"]}
                with httpx.Client(base_url=base, trust_env=False, timeout=60) as anon:
                    for k in range(8):
                        note = f"writer {i} #{k}"
                        r = c.post("/api/v1/targets", json={**BODY, "note": note}, headers=headers)
                        assert r.status_code == 201, r.text
                        acknowledged.append(note)
                        if note not in _notes(anon):
                            stale.append(note)

        with ThreadPoolExecutor(9) as pool:
            reads = [pool.submit(reader) for _ in range(6)]
            writes = [pool.submit(writer, i) for i in range(3)]
            try:
                for w in writes:
                    w.result()
            finally:
                stop.set()  # a failed writer must not leave the readers running for ever
            assert sum(r.result() for r in reads) > 0
        with httpx.Client(base_url=base, trust_env=False, timeout=60) as anon:
            final = _notes(anon)
    assert stale == []
    assert len(acknowledged) == 24
    assert sorted(final) == sorted(acknowledged)


def test_readers_asking_at_once_share_one_computation(app: Any) -> None:
    """Eight readers ask at once for an answer nobody has computed: it is computed once,
    and all eight get the same answer."""
    cache = _cache(app)
    misses = cache.misses
    with serve(app) as base:

        def read(_: int) -> bytes:
            with httpx.Client(base_url=base, trust_env=False, timeout=120) as c:
                r = c.get("/api/v1/partnerships")
                assert r.status_code == 200, (r.status_code, r.text[:500])
                return r.content

        with ThreadPoolExecutor(8) as pool:
            answers = set(pool.map(read, range(8)))
    assert len(answers) == 1
    assert cache.misses == misses + 1


def test_the_generation_of_a_database_moves_on_with_every_write(app: Any) -> None:
    from healthgap.web.pagecache import generation

    _cache(app)  # the app watches writes from here on
    engine = app.state.engine
    before = generation(engine)
    other = init_db(app.state.settings.db_url)  # another engine on the same database
    with sessions(other)() as s:
        s.add(Target(**{**BODY, "baseline_value": 60.5, "note": "a write"}))
        s.commit()
    other.dispose()
    assert generation(engine) > before
    after = generation(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    assert generation(engine) == after  # a read is not a write


def test_an_answer_is_new_enough_for_a_reader_when_it_saw_every_write_before_them() -> None:
    """What a waiting reader may be given (pagecache.WriteClock.as_new_as): an answer whose
    computation began after, or without, any write the reader could have known about."""
    from healthgap.web.pagecache import WriteClock

    clock = WriteClock()
    clock.bump({"targets"})
    computing = clock.depends({"targets"}, clock.snapshot())  # began after one write
    arrived = clock.snapshot()
    assert WriteClock.as_new_as(computing, arrived)  # nothing written between
    clock.bump({"targets"})
    later = clock.snapshot()
    assert not WriteClock.as_new_as(computing, later)  # a write came before this reader
    assert WriteClock.as_new_as(clock.depends({"targets"}, later), later)
    clock.bump({"users"})  # a table the answer did not read
    assert WriteClock.as_new_as(clock.depends({"targets"}, later), clock.snapshot())


def test_a_profile_is_made_again_only_when_its_own_authoritys_targets_change(
    app: Any, clients: Any
) -> None:
    """The targets section reads one authority's targets (narrowed_reads): a write to
    another authority's leaves its cached profile valid; a write to its own, or a write
    whose rows are not known (Core SQL), makes it fresh. Reference: the uncached app."""
    from sqlalchemy import update

    cache = _cache(app)
    anon, editor = clients("anonymous"), clients("editor")  # editor of E08000025
    reference = TestClient(_uncached(app))
    own, other = "/areas/E08000025", "/areas/E06000001"
    for url in (own, other):
        anon.get(url)
    hits = cache.hits
    body = {**BODY, "note": "own authority"}
    r = editor.post("/api/v1/targets", json=body, headers=csrf_headers(editor))
    assert r.status_code == 201, r.text
    other_page = anon.get(other)
    assert cache.hits == hits + 1  # another authority's target: still valid
    own_page = anon.get(own)
    assert cache.hits == hits + 1  # its own: made again
    assert "1 target recorded" in own_page.text and "1 target recorded" not in other_page.text
    assert _targets_section(own_page.text) == _targets_section(reference.get(own).text)
    # a write through Core names no rows: every narrowed page is made again
    with sessions(app.state.engine)() as s:
        s.execute(update(Target).values(note="changed through Core"))
        s.commit()
    hits = cache.hits
    anon.get(other)
    anon.get(own)
    assert cache.hits == hits


def _targets_section(page: str) -> str:
    return page[page.index('id="targets"') : page.index("</table>", page.index('id="targets"'))]


def test_an_orm_write_counts_the_old_and_new_key_of_every_row_it_changes(app: Any) -> None:
    from healthgap.web.pagecache import _key, clock_for, tag

    _cache(app)  # the app's middleware watches writes
    clock = clock_for(_key(app.state.engine))
    names = [tag("targets", k) for k in ("E08000025", "E06000001", "?")]

    def counts() -> list[int]:
        now = clock.snapshot()
        return [now.get(n, 0) for n in names]

    fields = {k: v for k, v in BODY.items() if k != "published"}
    with sessions(app.state.engine)() as s:
        t = Target(**fields, baseline_value=58.0, note="")
        s.add(t)
        s.commit()
        before = counts()
        t.authority_code = "E06000001"  # moved: both authorities' pages change
        s.commit()
        after = counts()
    assert after[0] > before[0] and after[1] > before[1]
    assert after[2] == before[2]  # the rows were known: no "unknown rows" write
