"""A bounded, thread-safe least-recently-used map, for caches shared by every session, and ``read_only`` for
what such a cache holds."""

from __future__ import annotations

import dataclasses
import itertools
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np


def read_only(value: Any) -> Any:
    """Make every array in ``value`` (itself, or inside dataclasses, tuples, lists and dicts) read-only, and return
    ``value``: what a shared cache holds is shared by every session, so nobody may change it."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            read_only(getattr(value, field.name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            read_only(item)
    elif isinstance(value, dict):
        for item in value.values():
            read_only(item)
    return value


def nbytes(value: Any) -> int:
    """About how many bytes ``value`` holds: its arrays' buffers, its bytes and strings, walked through dataclasses,
    tuples, lists, dicts and DataFrames (what the shared caches hold); anything else counts its own size."""
    if isinstance(value, np.ndarray):
        return value.nbytes  # (a view counts its base's bytes again: an upper bound)
    if isinstance(value, (bytes, bytearray, str)):
        return len(value) + 64
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(nbytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, (tuple, list)):
        return 64 + sum(nbytes(v) for v in value)
    if isinstance(value, dict):
        return 64 + sum(nbytes(v) for v in value.values())
    if hasattr(value, "memory_usage") and hasattr(value, "columns"):  # a pandas DataFrame
        return int(value.memory_usage(deep=True).sum())
    return sys.getsizeof(value)


class Budget:
    """Bytes shared by several LRUs (runs, views of them, figures): when their sum passes ``max_bytes``, the least
    recently used entry of any of them goes. An LRU no longer referenced (a cleared Streamlit cache) stops counting."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.lock = threading.RLock()  # one lock for every LRU of the budget: eviction looks at all of them
        self._members: weakref.WeakSet[LRU] = weakref.WeakSet()
        self._ticks = itertools.count()

    def join(self, lru: LRU) -> None:
        with self.lock:
            self._members.add(lru)

    def tick(self) -> int:
        return next(self._ticks)

    def used(self) -> int:
        with self.lock:
            return sum(lru.bytes for lru in self._members)

    def settle(self, keep: Hashable | None = None, owner: LRU | None = None) -> None:
        """Drop the least recently used entries until the members fit (never ``keep`` of ``owner``, just stored)."""
        with self.lock:
            members = [lru for lru in self._members if lru._items]
            total = sum(lru.bytes for lru in members)
            while total > self.max_bytes:
                candidates = [(found[1], lru, found[0]) for lru in members
                              if (found := lru._oldest(keep if lru is owner else None)) is not None]
                if not candidates:
                    return
                _, lru, key = min(candidates, key=lambda c: c[0])  # the least recently used of them all
                total -= lru._drop(key)


class LRU:
    """A least-recently-used map bounded by ``capacity`` entries and, when it belongs to a :class:`Budget`, by the
    budget's bytes (the size of each value from :func:`nbytes`). A lookup refreshes an entry.

    ``get_or_make`` makes a missing value once however many threads ask for it together: one lock per key being
    made (not a shared stripe), so a slow make never holds up an unrelated key."""

    def __init__(self, capacity: int, budget: Budget | None = None) -> None:
        self.capacity = capacity
        self.budget = budget
        self._items: OrderedDict[Hashable, tuple[Any, int, int]] = OrderedDict()  # key -> (value, bytes, tick)
        self.bytes = 0
        self._lock = budget.lock if budget is not None else threading.RLock()
        self._making: dict[Hashable, list] = {}  # key -> [lock, number of threads holding or waiting for it]
        if budget is not None:
            budget.join(self)

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items[key] = (item[0], item[1], self._tick())
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: Any) -> None:
        size = nbytes(value) if self.budget is not None else 0
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = (value, size, self._tick())
            self.bytes += size
            while len(self._items) > self.capacity:
                self._drop(next(iter(self._items)))
            if self.budget is not None:
                self.budget.settle(keep=key, owner=self)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value for ``key``, made by ``make()`` if missing. Made once: when twenty sessions ask for the
        same new key together, one makes it and the others wait for it instead of all making it."""
        value = self.get(key)
        if value is not None:
            return value
        with self._lock:
            entry = self._making.setdefault(key, [threading.RLock(), 0])  # re-entrant: a make may ask again
            entry[1] += 1
        try:
            with entry[0]:
                value = self.get(key)
                if value is None:
                    value = make()
                    self.put(key, value)
        finally:
            with self._lock:
                entry[1] -= 1
                if entry[1] == 0:
                    self._making.pop(key, None)
        return value

    def keys(self) -> list[Hashable]:
        """The keys held, oldest first."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def _tick(self) -> int:
        return self.budget.tick() if self.budget is not None else 0

    def _oldest(self, keep: Hashable | None) -> tuple[Hashable, int] | None:
        for key, (_, _, tick) in self._items.items():  # oldest first
            if key != keep:
                return key, tick
        return None

    def _drop(self, key: Hashable) -> int:
        _, size, _ = self._items.pop(key)
        self.bytes -= size
        return size
