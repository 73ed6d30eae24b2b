"""A small thread-safe cache for expensive anonymous endpoints (policy simulation).

Keyed by the *normalised* input (the parsed request, not the raw query string), so
``effect_1=1`` and ``effect_1=1.0`` share one result. At most ``size`` results are kept,
least recently used first out. Concurrent requests for the same key compute it once:
the others wait for that result instead of starting their own.

Examples
--------
>>> cache = ResultCache(size=2)
>>> calls = []
>>> cache.get_or_compute("a", lambda: calls.append(1) or 41 + 1)
42
>>> cache.get_or_compute("a", lambda: calls.append(1) or 0), len(calls)
(42, 1)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class ResultCache:
    """An LRU cache of computed results, safe to share between request threads."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._results: OrderedDict[Hashable, Any] = OrderedDict()
        self._running: dict[Hashable, threading.Event] = {}
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached result for ``key``, computing it with ``compute()`` when absent.

        An exception from ``compute`` is raised to its caller and nothing is cached.
        """
        while True:
            with self._lock:
                if key in self._results:
                    self._results.move_to_end(key)
                    self.hits += 1
                    return self._results[key]
                running = self._running.get(key)
                if running is None:
                    self._running[key] = threading.Event()
                    self.misses += 1
                    break
            running.wait()  # another thread is computing it: use its result
        try:
            result = compute()
            with self._lock:
                self._results[key] = result
                self._results.move_to_end(key)
                while len(self._results) > self.size:
                    self._results.popitem(last=False)
            return result
        finally:
            with self._lock:
                self._running.pop(key).set()

    def __len__(self) -> int:
        return len(self._results)
