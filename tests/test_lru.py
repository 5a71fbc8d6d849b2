"""The caches shared by every session: the bounded LRU (vae_ui.service.lru), read-only values, and the keys of views of runs."""

import dataclasses
import threading
import time
from dataclasses import replace

import numpy as np

from vae_ui.service import runs
from vae_ui.service.datasets import DataSpec
from vae_ui.service.lru import LRU, read_only


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


def test_a_view_key_names_every_field_of_the_config_exactly():
    """The cached views of runs (runs.view) are keyed by their config: the key must tell any two configs apart."""

    def summary(run, data):  # a view function, as a page defines one
        return run

    def key(config):
        return runs.view_key(summary, config, ())

    base = runs.RunConfig("vae")
    assert all(field.repr for field in dataclasses.fields(runs.RunConfig))
    changed = [replace(base, data=DataSpec("moons")), replace(base, data=DataSpec(seed=1)),
               replace(base, data=DataSpec(csv_digest="ab")), replace(base, kind="autoencoder"),
               replace(base, latent_dim=3), replace(base, hidden=(64,)), replace(base, activation="relu"),
               replace(base, beta=1.0 + 1e-15), replace(base, decoder_std="learned"),
               replace(base, warmup_epochs=100), replace(base, free_bits=0.5),
               replace(base, noise_sigma=0.1), replace(base, epochs=301),
               replace(base, lr=0.0011), replace(base, batch_size=32), replace(base, seed=1)]
    names = [field.name for field in dataclasses.fields(runs.RunConfig)]
    assert {n for c in changed for n in names if getattr(c, n) != getattr(base, n)} == set(names)  # each field varied
    assert len({key(c) for c in [base, *changed]}) == 1 + len(changed)
    assert key(runs.RunConfig("vae", beta=0.1 + 0.2)) != key(runs.RunConfig("vae", beta=0.3))  # floats exactly
    assert key(runs.RunConfig("vae", beta=1.25)) == key(runs.RunConfig("vae", beta=1.25))
    assert runs.view_key(summary, base, (1,)) != runs.view_key(summary, base, (2,)) != key(base)  # and the arguments
    assert runs.view_key(key, base, ()) != key(base)  # and the function


def test_read_only_reaches_every_array_of_a_cached_value():
    @dataclasses.dataclass(frozen=True)
    class View:
        a: np.ndarray
        parts: tuple

    view = View(np.zeros(2), (np.ones(3), {"b": np.arange(2.0)}, 4.0))
    assert read_only(view) is view
    for array in (view.a, view.parts[0], view.parts[1]["b"]):
        assert not array.flags.writeable


def test_caches_sharing_a_budget_stay_within_its_bytes_dropping_the_least_recently_used_of_any():
    from vae_ui.service.lru import Budget, nbytes

    budget = Budget(3 * 80_000 + 1000)  # room for three arrays of 80 kB (and their bookkeeping)
    runs_, views = LRU(100, budget), LRU(100, budget)
    runs_.put("r1", np.zeros(10_000))
    views.put("v1", {"mu": np.zeros(10_000)})
    runs_.put("r2", np.zeros(10_000))
    assert runs_.get("r1") is not None  # r1 is now more recent than v1
    views.put("v2", (np.zeros(10_000), "text"))
    assert "v1" not in views and all(k in c for c, k in ((runs_, "r1"), (runs_, "r2"), (views, "v2")))
    assert budget.used() <= budget.max_bytes
    assert nbytes(np.zeros(10_000)) == 80_000 and nbytes({"a": np.zeros(10), "b": b"xy"}) > 80


def test_an_entry_larger_than_the_budget_is_kept_until_the_next_one_alone():
    from vae_ui.service.lru import Budget

    budget = Budget(1000)
    cache = LRU(10, budget)
    cache.put("big", np.zeros(1000))  # 8 kB: over the budget, but just stored: a waiting page reads it
    assert "big" in cache
    cache.put("small", np.zeros(10))
    assert "big" not in cache and "small" in cache


def test_a_cache_no_longer_referenced_stops_counting():
    import gc

    from vae_ui.service.lru import Budget

    budget = Budget(10**6)
    cache = LRU(10, budget)
    cache.put("a", np.zeros(1000))
    assert budget.used() >= 8000
    del cache
    gc.collect()
    assert budget.used() == 0


def test_a_slow_make_holds_up_no_other_key():
    cache, started = LRU(8), threading.Event()

    def slow():
        started.set()
        time.sleep(1.0)
        return "slow"

    thread = threading.Thread(target=cache.get_or_make, args=("a", slow))
    thread.start()
    started.wait()
    t = time.monotonic()
    assert cache.get_or_make("b", lambda: "fast") == "fast"
    assert time.monotonic() - t < 0.2, "an unrelated key waited for another's make"
    thread.join()
