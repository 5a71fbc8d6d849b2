"""Background training of the models a class is likely to ask for next (vae_ui.service.runs.prefetch)."""

import math
import time
from dataclasses import replace

import numpy as np
import pytest
import streamlit as st

import vae_core as vc
from tests.apptest_helpers import app, assert_clean, metrics, wait_idle
from vae_ui import settings
from vae_ui.service import pool as plumbing
from vae_ui.service import runs, trainer

X = vc.data.load("three_clusters", n=120, seed=0).X
SMALL = runs.RunConfig("vae", epochs=20, hidden=(8,))


@pytest.mark.slow
def test_wished_configs_are_trained_in_the_background_exactly_as_in_the_foreground():
    store = runs.RunStore(8)
    wished = [replace(SMALL, beta=b) for b in (0.5, 2.0)]
    store.wish(wished, X)
    wait_idle(store)
    assert (store.prefetched, store.trainings) == (2, 0)
    foreground = runs.RunStore(8)
    for config in wished:
        ahead = store.get(config)
        assert ahead is not None and ahead.config == config
        again = foreground.train(config, X)  # the same config, asked for by a session
        np.testing.assert_array_equal(ahead.params, again.params)
        np.testing.assert_array_equal(ahead.loss, again.loss)
    store.wish(wished, X)  # stored already: nothing more to do
    wait_idle(store)
    assert store.prefetched == 2


def test_a_diverging_wish_is_remembered_and_the_worker_goes_on():
    store = runs.RunStore(8)
    bad, good = replace(SMALL, lr=1e6), replace(SMALL, beta=3.0)
    store.wish([bad], X)
    store.wish([good], X)
    wait_idle(store)
    assert bad in store.failures and store.get(bad) is None
    assert store.get(good) is not None


def test_only_the_newest_wishes_are_kept():
    store = runs.RunStore(16, background=False)  # no worker: the wishes only queue
    betas = [0.1 * k for k in range(1, runs.PREFETCH_DEPTH + 3)]
    store.wish([replace(SMALL, beta=b) for b in betas], X)
    assert [c.beta for c in store.waiting()] == betas[::-1][: runs.PREFETCH_DEPTH]


@pytest.mark.slow
@pytest.mark.prefetch
def test_the_worked_example_has_the_next_beta_ready():
    st.cache_resource.clear()
    at = app("home")
    wait_idle(runs.store())
    # β = 0.8, 0.9, 1.25 and 1.5 (two steps either side of the default 1.0) and d = 1, 3 (one step from 2)
    assert runs.store().prefetched == 6
    count = runs.store().trainings
    for beta in (1.25, 1.5):
        at.select_slider(key="w_h_beta").set_value(beta).run()
        assert_clean(at)
        assert runs.store().trainings == count, f"the step to β = {beta} found its model trained"
    assert float(metrics(at)["KL (nats)"]) > 0
    at.select_slider(key="w_h_beta").set_value(1.0).run()
    at.slider(key="w_h_latent").set_value(3).run()
    assert_clean(at)
    assert runs.store().trainings == count, "the step to d = 3 found its model trained"
    assert metrics(at)["Active units"].endswith("/ 3")


@pytest.mark.slow
@pytest.mark.prefetch
def test_the_autoencoder_page_has_the_next_bottlenecks_ready():
    st.cache_resource.clear()
    at = app("autoencoder")
    wait_idle(runs.store())
    count = runs.store().trainings
    for d in (2, 3):  # the page trains d = 1 and 2 for its comparison; d = 3 only in the background
        at.slider(key="w_ae_latent").set_value(d).run()
        assert_clean(at)
        assert runs.store().trainings == count, f"the step to d = {d} found its model trained"
        wait_idle(runs.store())
    assert metrics(at)["Bottleneck"].startswith("d = 3")


@pytest.mark.slow
@pytest.mark.prefetch
def test_the_beta_vae_section_has_the_next_beta_ready():
    st.cache_resource.clear()
    at = app("elbo", el_tab="β-VAE", vb_latent="1")  # d = 1: not a config the home page (run first) prefetches
    wait_idle(runs.store())
    count = runs.store().trainings
    for beta in (1.25, 1.5):  # not in the rate-distortion sweep: trained only in the background
        at.select_slider(key="w_vb_beta").set_value(beta).run()
        assert_clean(at)
        assert runs.store().trainings == count, f"the step to β = {beta} found its model trained"


def test_every_training_runs_in_the_pool_not_in_the_servers_process(monkeypatch):
    """No gradient step of a training (in the background or a session's) runs in this, the server's, process: its
    interpreter stays free for the sessions' reruns, and the pool gives the same numbers as training here."""
    steps_here = [0]
    step = vc.VAE.backward

    def counted(self, *args, **kwargs):
        steps_here[0] += 1
        return step(self, *args, **kwargs)

    monkeypatch.setattr(vc.VAE, "backward", counted)  # this process only; the workers have their own
    store = runs.RunStore(8)
    config = replace(SMALL, epochs=300, hidden=(64, 64))
    store.wish([config], X)
    wait_idle(store)
    run = store.get(config)
    assert run is not None and store.prefetched == 1
    asked = store.train(replace(config, beta=0.7), X)  # a session's training
    assert steps_here[0] == 0, "a training ran in this process"
    here = config.build(2)
    vc.fit(here, X, epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, seed=config.seed,
           snapshot_every=runs.snapshot_every(config.epochs))
    batches = math.ceil(len(X) / config.batch_size)
    assert steps_here[0] == config.epochs * batches, "one step a batch, each counted, when the training is here"
    np.testing.assert_array_equal(run.params, here.params.flat)
    assert [epoch for epoch, _ in run.snapshots] == [epoch for epoch, _ in asked.snapshots]


def test_a_session_asking_for_the_config_the_background_trains_waits_for_it():
    store = runs.RunStore(8)
    config = replace(SMALL, epochs=300, hidden=(64, 64))
    store.wish([config], X)
    deadline = time.monotonic() + 30
    while not store.busy():  # the worker has taken the wish and holds the config's lock
        assert time.monotonic() < deadline
        time.sleep(0.001)
    run = store.train(config, X)  # a session steps there now
    assert run is store.get(config)
    assert (store.prefetched, store.trainings) == (1, 0), "trained once, in the background"


def test_a_training_process_that_died_is_replaced():
    store = runs.RunStore(8)
    store.wish([SMALL], X)
    wait_idle(store)
    plumbing.kill_workers(trainer.scheduler()._pool)  # as if they had been killed
    store.wish([replace(SMALL, beta=0.4)], X)  # a new pool trains it
    wait_idle(store)
    assert store.get(replace(SMALL, beta=0.4)) is not None


def test_neighbours_are_the_values_a_few_key_presses_away_farthest_first():
    assert settings.neighbours("h_beta", 1.0) == [0.8, 1.5, 0.9, 1.25]
    assert settings.neighbours("h_beta", 0.0) == [0.02, 0.01]  # the slider's end
    assert settings.neighbours("h_beta", 10.0, steps=1) == [8.0]
    sigmas = settings.neighbours("dae_sigma", 0.3)
    assert sigmas == [0.2, 0.4, 0.25, 0.35]
    assert [repr(s) for s in sigmas] == ["0.2", "0.4", "0.25", "0.35"]  # as the browser sends them, no float drift
    assert settings.neighbours("dae_sigma", 1.5) == [1.4, 1.45]
    assert settings.neighbours("h_latent", 1) == [3, 2] and all(type(d) is int for d in settings.neighbours("h_latent", 4))


@pytest.mark.slow
@pytest.mark.prefetch
def test_the_denoising_page_has_the_next_noise_levels_ready():
    st.cache_resource.clear()
    at = app("denoising")
    wait_idle(runs.store())
    count = runs.store().trainings
    for sigma in (0.35, 0.4, 0.25):
        at.slider(key="w_dae_sigma").set_value(sigma).run()
        assert_clean(at)
        assert runs.store().trainings == count, f"the step to σ = {sigma} found its model trained"
        wait_idle(runs.store())  # the page wished the next ones; let them finish, as a class's pause would
    assert metrics(at)["Training noise σ"] == "0.25"


def test_a_closed_store_forgets_its_wishes():
    """Clearing the app's caches replaces the store: the old one's wishes must not go on being trained."""
    store = runs.RunStore(8)
    store.wish([replace(SMALL, beta=b, epochs=400) for b in (0.2, 0.3, 0.4, 0.6)], X)
    store.close()
    assert store.waiting() == []
    wait_idle(store)
    assert store.prefetched <= 1  # at most the training it was on when the store closed


@pytest.mark.views
def test_a_view_asked_for_soon_is_made_once_by_a_thread_and_its_error_reaches_the_page():
    """runs.view_soon: None while a thread makes the view (asked again meanwhile: no second making), then the view;
    an error in the making is raised in the run that asks next, and the view is tried again after it."""
    import threading

    import pytest

    run = runs.RunStore(4).train(SMALL, X)
    gate, calls = threading.Event(), []

    def slow(run: runs.Run, data, k: int) -> dict:
        calls.append(k)
        assert gate.wait(30)
        return {"k": k}

    assert runs.view_soon(slow, run, None, 7) is None
    assert runs.view_soon(slow, run, None, 7) is None and runs.views_pending()
    gate.set()
    deadline = time.monotonic() + 30
    while runs.views_pending():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert runs.view_soon(slow, run, None, 7) == {"k": 7} and calls == [7]

    def broken(run: runs.Run, data) -> None:
        raise ValueError("the making failed")

    assert runs.view_soon(broken, run, None) is None
    while runs.views_pending():
        time.sleep(0.01)
    with pytest.raises(ValueError, match="the making failed"):
        runs.view_soon(broken, run, None)
    assert runs.view_soon(broken, run, None) is None  # asked again: made again
    while runs.views_pending():
        time.sleep(0.01)
