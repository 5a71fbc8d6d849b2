"""A bounded, thread-safe least-recently-used map, for caches shared by every session, and ``read_only`` for
what such a cache holds."""

from __future__ import annotations

import dataclasses
import threading
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


class LRU:
    """At most ``capacity`` entries; a lookup refreshes an entry, an insert past capacity drops the oldest."""

    MAKE_STRIPES = 32  # locks for get_or_make: one key always maps to the same lock; the set stays bounded

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._making = [threading.RLock() for _ in range(self.MAKE_STRIPES)]  # re-entrant: a make may ask for another key

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value for ``key``, made by ``make()`` if missing. Made once: when twenty sessions ask for the
        same new key together, one makes it and the others wait for it instead of all making it."""
        value = self.get(key)
        if value is None:
            with self.make_lock(key):
                value = self.get(key)
                if value is None:
                    value = make()
                    self.put(key, value)
        return value

    def make_lock(self, key: Hashable) -> threading.RLock:
        """The lock ``get_or_make`` holds while it makes the value for ``key`` (shared with a few other keys)."""
        return self._making[hash(key) % self.MAKE_STRIPES]

    def keys(self) -> list[Hashable]:
        """The keys held, oldest first."""
        with self._lock:
            return list(self._items)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)
