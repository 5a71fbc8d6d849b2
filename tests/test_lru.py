"""The caches shared by every session: the bounded LRU (vae_ui.lru), read-only values, and the keys of views of runs."""

import dataclasses
import threading
import time

import numpy as np

from vae_ui import runs
from vae_ui.data import DataSpec
from vae_ui.lru import LRU, read_only


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
    changed = [runs.replace(base, data=DataSpec("moons")), runs.replace(base, data=DataSpec(seed=1)),
               runs.replace(base, data=DataSpec(csv_digest="ab")), runs.replace(base, kind="autoencoder"),
               runs.replace(base, latent_dim=3), runs.replace(base, hidden=(64,)), runs.replace(base, activation="relu"),
               runs.replace(base, beta=1.0 + 1e-15), runs.replace(base, noise_sigma=0.1), runs.replace(base, epochs=301),
               runs.replace(base, lr=0.0011), runs.replace(base, batch_size=32), runs.replace(base, seed=1)]
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
