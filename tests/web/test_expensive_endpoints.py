"""Expensive anonymous endpoints are bounded and cached (issue 17, item 9): the policy
simulation caps draws for visitors who are not signed in (a clear 400 naming the limit)
and computes each normalised request once per app, however many pages, CSV downloads
and API calls ask for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from healthgap.web.cache import ResultCache
from healthgap.web.routers.policy import simulation as policy_router
from tests.web.conftest import TestClient

API = "/api/v1/policy/simulate"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each real simulation run appends its draws here."""
    calls: list[int] = []
    real = policy_router.simulate

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(int(kwargs["draws"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(policy_router, "simulate", counting)
    return calls


def test_anonymous_draws_are_capped_with_a_clear_message(
    clients: Callable[[str], TestClient], counted: list[int]
) -> None:
    anon = clients("anonymous")
    r = anon.get(API, params={"effect_1": "1", "draws": "20000"})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["message"] == (
        "Draws must be at most 5,000 when you are not signed in; got 20,000. Sign in for up "
        "to 20,000, or run `healthgap policy simulate` on your own computer."
    )
    assert err["details"] == [{"location": ["query", "draws"], "message": err["message"][:-1]}]
    page = anon.get("/policy/simulate", params={"run": "1", "effect_1": "1", "draws": "6000"})
    assert page.status_code == 400 and "at most 5,000 when you are not signed in" in page.text
    assert counted == []  # refused before any simulation ran
    # within the cap: fine; signed in: up to 20,000 (6,000 here, to keep the test quick)
    assert anon.get(API, params={"effect_1": "1", "draws": "5000"}).status_code == 200
    assert clients("viewer").get(API, params={"effect_1": "1", "draws": "6000"}).status_code == 200
    assert counted == [5000, 6000]
    assert anon.get(API, params={"effect_1": "1", "draws": "20001"}).status_code == 400


def test_a_simulation_is_computed_once_per_normalised_request(
    app: Any, clients: Callable[[str], TestClient], counted: list[int]
) -> None:
    anon = clients("anonymous")
    query = {"effect_1": "1", "draws": "300", "seed": "7"}
    first = anon.get(API, params=query).json()
    # the same request written differently: same key, same numbers, no new run
    again = anon.get(API, params={**query, "effect_1": "1.0", "draws": "0300"}).json()
    assert again == first
    page = anon.get("/policy/simulate", params={"run": "1", **query, "compare": ""})
    assert page.status_code == 200
    for table in ("summary", "plane", "deciles"):
        csv = anon.get(API, params={**query, "format": "csv", "table": table})
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert counted == [300]
    cache: ResultCache = app.state.simulation_cache
    assert cache.misses == 1 and cache.hits >= 5
    # a different seed is a different request
    anon.get(API, params={**query, "seed": "8"})
    assert counted == [300, 300]


def test_the_cache_is_bounded_and_computes_concurrent_requests_once() -> None:
    import threading
    import time

    cache = ResultCache(size=2)
    runs: list[str] = []

    def slow(key: str) -> Callable[[], str]:
        def compute() -> str:
            runs.append(key)
            time.sleep(0.05)
            return key.upper()

        return compute

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("a", slow("a"))))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["A"] * 8 and runs == ["a"]
    cache.get_or_compute("b", slow("b"))
    cache.get_or_compute("c", slow("c"))
    assert len(cache) == 2
    cache.get_or_compute("a", slow("a"))  # evicted (least recently used): computed again
    assert runs == ["a", "b", "c", "a"]
    with pytest.raises(ZeroDivisionError):
        cache.get_or_compute("boom", lambda: 1 / 0)
    assert cache.get_or_compute("boom", lambda: "ok") == "ok"  # a failure is not cached
