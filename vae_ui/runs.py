"""Trained models, cached by their full config and shared by every session.

A run is trained once per config (data, seed, hyper-parameters) and kept in a bounded LRU store
in ``st.cache_resource``; moving a slider back to a value seen before finds it at once. Runs are
immutable (read-only arrays); a page rebuilds a fresh model from a run's parameters when it needs
one. Two sessions asking for the same new config train it once: the second waits for the first.

While a class looks at one model, the models it is likely to ask for next are trained in the background
(:func:`prefetch`; the worked example asks for β up to two steps either side), so a step of the slider
usually finds its model ready. A background thread hands them, one at a time, to a process of its own
(vae_ui.trainer) that trains on another core: the sessions' reruns do not wait for that training.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
import streamlit as st

import vae_core as vc

from .data import Data, DataSpec
from .lru import LRU, read_only
from .trainer import TrainerProcess

MAX_RUNS = 48  # bound on cached runs (each is at most a few MB with its snapshots)
MAX_VIEWS = 256  # bound on cached views of runs (what a page shows of a run: encodings, bounds, samples)
SNAPSHOTS = 25  # snapshots per run after epoch 0, for the replay slider: 25 divides every choice of Epochs
PREFETCH_DEPTH = 12  # configs waiting to be trained in the background; older wishes fall off
TRAINER = TrainerProcess()  # trains the background's wishes, one at a time, in a process of its own


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a trained model. Frozen, so it hashes by value."""

    kind: str  # "vae", "autoencoder" or "denoising_autoencoder"
    data: DataSpec = DataSpec()
    latent_dim: int = 2
    hidden: tuple[int, ...] = (64, 64)
    activation: str = "tanh"
    beta: float = 1.0  # VAE only
    noise_sigma: float = 0.0  # denoising AE only
    epochs: int = 300
    lr: float = 1e-3
    batch_size: int = 64
    seed: int = 0

    def build(self, input_dim: int, likelihood: str = "gaussian") -> vc.Model:
        """A fresh, untrained model of this config."""
        common = {"input_dim": input_dim, "latent_dim": self.latent_dim, "hidden": self.hidden,
                  "activation": self.activation, "seed": self.seed}
        if self.kind == "vae":
            return vc.VAE(beta=self.beta, likelihood=likelihood, **common)
        if self.kind == "denoising_autoencoder":
            return vc.DenoisingAutoencoder(noise_sigma=self.noise_sigma, **common)
        return vc.Autoencoder(**common)


def snapshot_every(epochs: int) -> int:
    """Epochs between two snapshots (the replay slider's step)."""
    return max(1, epochs // SNAPSHOTS)


@dataclass(frozen=True)
class Run:
    """A finished training run: the final parameters, the history, the snapshots."""

    config: RunConfig
    likelihood: str
    input_dim: int
    params: np.ndarray  # flat, read-only
    loss: np.ndarray
    recon: np.ndarray
    kl: np.ndarray
    snapshots: tuple[tuple[int, np.ndarray], ...]
    seconds: float  # time spent training (not drawing progress or waiting)

    def snapshot_epoch(self, epoch: int) -> int:
        """The epoch of the snapshot nearest ``epoch`` (the last epoch when there are none)."""
        return min((e for e, _ in self.snapshots), key=lambda e: abs(e - epoch), default=self.config.epochs)

    def model(self, epoch: int | None = None) -> vc.Model:
        """A model with the final parameters, or those of the snapshot nearest ``epoch``."""
        model = self.config.build(self.input_dim, self.likelihood)
        flat = self.params
        if epoch is not None and self.snapshots:
            flat = dict(self.snapshots)[self.snapshot_epoch(epoch)]
        model.params.flat[...] = flat
        return model


def likelihood_for(X: np.ndarray) -> str:
    """Bernoulli for data in [0, 1] with an image's many dimensions (the digits), else Gaussian."""
    return "bernoulli" if X.shape[1] > 16 and X.min() >= 0.0 and X.max() <= 1.0 else "gaussian"


class RunStore:
    """Finished and diverged runs (each a bounded LRU), training counts, and the background trainer.

    With ``background=False`` no worker starts: wishes only queue (``waiting()`` lists them), for tests.
    """

    def __init__(self, capacity: int, background: bool = True) -> None:
        self.runs = LRU(capacity)  # its get_or_make trains a config once, however many sessions ask
        self.failures = LRU(capacity)  # diverged configs, so moving back to one answers at once
        self._count_lock = threading.Lock()
        self.trainings = 0  # trained because a session asked
        self.prefetched = 0  # trained in the background, before anyone asked
        self._wishes: collections.deque = collections.deque(maxlen=PREFETCH_DEPTH)  # (config, X), newest first
        self._wished = threading.Condition()
        self._background = background
        self._closed = False
        self._worker: threading.Thread | None = None
        self._busy = False  # the worker is training

    def get(self, config: RunConfig) -> Run | None:
        return self.runs.get(config)

    def count_training(self, background: bool = False) -> None:
        with self._count_lock:
            if background:
                self.prefetched += 1
            else:
                self.trainings += 1

    def train(self, config: RunConfig, X: np.ndarray, live: LiveProgress | None = None, background: bool = False) -> Run:
        """The run for ``config`` on X: stored, or trained now (in the training process when ``background``)
        and stored. Raises ``vc.TrainingDiverged`` for a run that diverges (remembered as a failure)."""

        def make() -> Run:  # under the config's lock: a second session (or the background) asking for it waits
            failure = self.failures.get(config)
            if failure is not None:
                raise failure  # diverged before: say so at once
            self.count_training(background)
            try:
                if background:  # in the training process: the sessions' reruns go on meanwhile
                    return _train_now(config, X, None, TRAINER.fit)
                with live() if live is not None else contextlib.nullcontext(None) as progress:
                    return _train_now(config, X, progress)
            except vc.TrainingDiverged as err:
                self.failures.put(config, err)
                raise

        return self.runs.get_or_make(config, make)

    def wish(self, configs: Iterable[RunConfig], X: np.ndarray) -> None:
        """Queue configs to train in the background (one thread, one at a time)."""
        with self._wished:
            for config in configs:
                waiting = any(c == config for c, _ in self._wishes)
                if self.get(config) is None and config not in self.failures and not waiting:
                    self._wishes.appendleft((config, X))
            if self._worker is None and self._background and not self._closed:
                self._worker = threading.Thread(target=self._work, name="vae-lab-prefetch", daemon=True)
                self._worker.start()
            self._wished.notify()

    def idle(self) -> bool:
        """Nothing waiting and nothing being trained in the background."""
        with self._wished:
            return not self._wishes and not self._busy

    def busy(self) -> bool:
        """The background is training a wish now."""
        with self._wished:
            return self._busy

    def worker_alive(self) -> bool:
        """The background's thread is running (it ends after :meth:`close`)."""
        return self._worker is not None and self._worker.is_alive()

    def waiting(self) -> list[RunConfig]:
        """The wishes not yet taken by the background, next first."""
        with self._wished:
            return [config for config, _ in self._wishes]

    def close(self) -> None:
        """Forget the wishes and let the worker end (after the training it is on): the store is being replaced."""
        with self._wished:
            self._closed = True
            self._wishes.clear()
            self._wished.notify_all()

    def _work(self) -> None:
        while True:
            with self._wished:
                while not self._wishes and not self._closed:
                    self._busy = False
                    self._wished.wait()
                if self._closed:
                    self._busy = False
                    return
                config, X = self._wishes.popleft()
                self._busy = True
            try:
                self.train(config, X, background=True)
            except vc.TrainingDiverged:
                pass  # stored as a failure: a session that steps there is told at once
            except Exception:  # never let one bad config stop the worker
                logging.getLogger(__name__).exception("background training of %s failed", config)


@st.cache_resource(on_release=RunStore.close)  # a cleared cache ends the old store's worker
def store() -> RunStore:
    """The one run store of this server process, shared by all sessions."""
    return RunStore(MAX_RUNS)


Progress = Callable[[int, int, np.ndarray, np.ndarray], None]  # (epoch, epochs, recon, kl)
LiveProgress = Callable[[], AbstractContextManager[Progress]]  # opened only when the run is really trained here


def train(config: RunConfig, X: np.ndarray, live: LiveProgress | None = None) -> Run:
    """The run for ``config`` on X: from the store, or trained now (and stored). Only when it trains here is
    ``live()`` entered, and the training reports its progress to what it yields.

    Raises ``vc.TrainingDiverged`` for a run that diverges (nothing is stored).
    """
    return store().train(config, X, live)


def prefetch(configs: Iterable[RunConfig], X: np.ndarray) -> None:
    """Train these configs on X in the background, unless stored already: the next step is ready."""
    store().wish(configs, X)


def _train_now(config: RunConfig, X: np.ndarray, progress: Progress | None, fit: Callable = vc.fit) -> Run:
    """Train ``config`` on X with ``fit`` (vae_core.fit, or the training process's) and draw ``progress``."""
    likelihood = likelihood_for(X)
    model = config.build(X.shape[1], likelihood)
    args = {"epochs": config.epochs, "batch_size": config.batch_size, "lr": config.lr, "seed": config.seed,
            "snapshot_every": snapshot_every(config.epochs)}
    aside = [0.0]  # seconds spent drawing progress: not training
    if progress is not None:
        args["callback"] = _drawing(progress, config.epochs, aside)
    history = fit(model, X, **args)
    params = model.params.flat.copy()
    read_only((params, history.loss, history.recon, history.kl, *(flat for _, flat in history.snapshots)))
    return Run(config, likelihood, X.shape[1], params, history.loss, history.recon, history.kl,
               tuple(history.snapshots), history.seconds - aside[0])


def _drawing(progress: Progress, epochs: int, aside: list[float]) -> Callable[[int, dict[str, float]], None]:
    """fit's callback: draws ``progress`` about 20 times, adding the seconds it takes to ``aside[0]``."""
    recon, kl = np.zeros(epochs), np.zeros(epochs)
    every = max(1, epochs // 20)

    def callback(epoch: int, terms: dict[str, float]) -> None:
        recon[epoch - 1], kl[epoch - 1] = terms["recon"], terms["kl"]
        if epoch % every == 0 or epoch == epochs:
            started = time.perf_counter()
            progress(epoch, epochs, recon[:epoch], kl[:epoch])
            aside[0] += time.perf_counter() - started

    return callback


# ------------------------------------------------------------------------------ views of runs
T = TypeVar("T")


@st.cache_resource
def view_store() -> LRU:
    """What pages show of runs (:func:`view`), shared by every session."""
    return LRU(MAX_VIEWS)


def view(compute: Callable[..., T], run: Run, data: Data, *args: Hashable, store: LRU | None = None) -> T:
    """``compute(run, data, *args)``: what a page shows of one trained run (its encodings, bounds, samples),
    computed once and shared by every session, so that twenty sessions on one model compute it once.

    Keyed by what determines it: the function (by its file and name), the run's config (which names its data
    and seed) and ``args``. The arrays in the result are made read-only: it is shared. A thread computing views
    ahead passes ``store`` (:func:`view_store`'s value, fetched in the script's thread).
    """
    views = store or view_store()
    return views.get_or_make(view_key(compute, run.config, args), lambda: read_only(compute(run, data, *args)))


def view_key(compute: Callable, config: RunConfig, args: tuple) -> tuple:
    """What a view depends on: the function (by its file and name: a page's functions are made anew on every
    rerun), the config (compared field by field, floats exactly) and the arguments."""
    return compute.__code__.co_filename, compute.__qualname__, config, args


__all__ = ["TRAINER", "Run", "RunConfig", "likelihood_for", "prefetch", "replace", "store", "train", "view",
           "view_key"]
