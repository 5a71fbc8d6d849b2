"""The bounded cache shared by every session (vae_ui.lru.LRU)."""

import threading
import time

from vae_ui.lru import LRU


def test_the_least_recently_used_entry_goes_first():
    cache = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3 and len(cache) == 2


def test_a_new_key_asked_for_by_many_sessions_at_once_is_made_once():
    cache, made, results = LRU(8), [], []

    def make():
        made.append(1)
        time.sleep(0.05)  # long enough for every thread to arrive while it is being made
        return object()

    threads = [threading.Thread(target=lambda: results.append(cache.get_or_make("figure", make))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1
    assert len(results) == 8 and all(r is results[0] for r in results)
    assert cache.get_or_make("figure", make) is results[0] and len(made) == 1
    assert cache.get_or_make("other", make) is not results[0] and len(made) == 2
