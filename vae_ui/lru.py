"""A bounded, thread-safe least-recently-used map, for caches shared by every session."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class LRU:
    """At most ``capacity`` entries; a lookup refreshes an entry, an insert past capacity drops the oldest."""

    MAKE_STRIPES = 32  # locks for get_or_make: one key always maps to the same lock; the set stays bounded

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._making = [threading.Lock() for _ in range(self.MAKE_STRIPES)]

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

    def make_lock(self, key: Hashable) -> threading.Lock:
        """The lock ``get_or_make`` holds while it makes the value for ``key`` (shared with a few other keys)."""
        return self._making[hash(key) % self.MAKE_STRIPES]

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)
