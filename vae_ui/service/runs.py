"""Trained models, cached by their full config and shared by every session.

A run is trained once per config (data, seed, hyper-parameters) and kept in a store bounded in bytes (runs,
views and figures share :data:`BUDGET`); moving a slider back to a value seen before finds it at once. Runs are
immutable (read-only arrays); a page rebuilds a fresh model from a run's parameters when it needs one. Two
sessions asking for the same new config train it once: the second waits for the same training.

Every training runs in a pool of processes, one per core (:mod:`vae_ui.service.trainer`): a page waiting for one shows
its progress and a first picture, and may be interrupted by the next move. While a class looks at one model, the
models it is likely to ask for next are trained in the background (:func:`prefetch`; the worked example asks for
β up to two steps either side), on the workers no session is waiting for.
A set-up estimated to cost more than :data:`WORK_BUDGET` seconds is refused with the seconds it would take.
"""

from __future__ import annotations

import collections
import contextlib
import os
import threading
from collections.abc import Callable, Hashable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
import streamlit as st

import vae_core as vc
from vae_ui.service import disk, trainer
from vae_ui.service.datasets import Data, DataSpec
from vae_ui.service.lru import LRU, Budget, read_only

MAX_RUNS = 256  # bound on cached runs by count; the real bound is BUDGET's bytes
MAX_VIEWS = 1024  # bound on cached views of runs (what a page shows of a run: encodings, bounds, samples)
SNAPSHOTS = 25  # snapshots per run after epoch 0, for the replay slider: 25 divides every choice of Epochs
PREFETCH_DEPTH = trainer.MAX_PREFETCH  # configs waiting to be trained in the background; older wishes fall off
WAIT_SECONDS = 0.25  # a page waiting for a training redraws its progress this often (and may be interrupted)
# The server's configuration (environment variables, documented in the README):
BUDGET = Budget(int(float(os.environ.get("VAE_LAB_CACHE_MB", "256")) * 2**20))  # runs, views and figures together
WORK_BUDGET = float(os.environ.get("VAE_LAB_WORK_BUDGET", "30"))  # seconds of training a set-up may cost at most
PREFETCH = os.environ.get("VAE_LAB_PREFETCH", "1") != "0"  # train the set-ups a step away before anyone asks ("0": off)
WEIGHT_STEPS_PER_SECOND = 3.0e9  # epochs × rows × weights per second on one core here (benchmarks/work_estimate.py)


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a trained model. Frozen, so it hashes by value."""

    kind: str  # "vae", "autoencoder" or "denoising_autoencoder"
    data: DataSpec = DataSpec()
    latent_dim: int = 2
    hidden: tuple[int, ...] = (64, 64)
    activation: str = "tanh"
    beta: float = 1.0  # VAE only
    decoder_std: float | str = 1.0  # VAE only: the Gaussian decoder's σₓ, fixed or "learned" (a Bernoulli one has none)
    warmup_epochs: int = 0  # VAE only: the KL's weight rises linearly from 0 to β over these first epochs
    free_bits: float = 0.0  # VAE only: nats of KL per latent dimension that cost nothing (a floor on each)
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
            std = self.decoder_std if likelihood == "gaussian" else 1.0
            return vc.VAE(beta=self.beta, likelihood=likelihood, decoder_std=std, free_bits=self.free_bits,
                          warmup_epochs=self.warmup_epochs, **common)
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


@dataclass(frozen=True)
class Status:
    """How a training a page waits for is doing: waiting for a worker (``ahead`` trainings before it), or at
    ``epoch`` of ``epochs`` with its loss terms so far and, once it has one, its newest snapshot's parameters."""

    ahead: int
    epoch: int
    epochs: int
    recon: np.ndarray
    kl: np.ndarray
    snapshot: np.ndarray | None
    untrained: vc.Model  # the model being trained, before its first step (its shape, to rebuild the snapshot in)

    def snapshot_model(self) -> vc.Model:
        """A model with the newest snapshot's parameters (built when a page draws it, not at every report). Rebuilt
        from the untrained model's config, not through its ``.npz`` bytes: reading an ``.npy`` header in a script's
        thread races Streamlit's compiling of another (the SystemError of issue 18 item 10)."""
        config = self.untrained.config()
        model = vc.models.KINDS[config.pop("kind")](**config)
        model.params.flat[...] = self.snapshot
        return model


Progress = Callable[[Status], None]
LiveProgress = Callable[[], AbstractContextManager[Progress]]  # opened only when a page really waits for a training


def estimated_seconds(config: RunConfig, rows: int, columns: int) -> float:
    """About how long training ``config`` on ``rows`` × ``columns`` data takes on one core of this machine: epochs ×
    rows × weights (an epoch's forward and backward pass over every weight), at the rate measured by
    ``benchmarks/work_estimate.py`` (:data:`WEIGHT_STEPS_PER_SECOND`)."""
    weights = vc.models.weights_about(columns, config.hidden, config.latent_dim)
    return config.epochs * rows * weights / WEIGHT_STEPS_PER_SECOND


def too_costly(config: RunConfig, rows: int, columns: int) -> str | None:
    """Why a training is refused (its estimated seconds against :data:`WORK_BUDGET`, and what to lower), or None."""
    seconds = estimated_seconds(config, rows, columns)
    if seconds <= WORK_BUDGET:
        return None
    return (f"This set-up would take about {seconds:,.0f} s to train (epochs {config.epochs} × {rows:,} rows × "
            f"layers {' → '.join(str(w) for w in (columns, *config.hidden, config.latent_dim))}), more than the "
            f"{WORK_BUDGET:g} s this server allows a set-up. Lower the epochs or the hidden width, or use fewer rows.")


class RunStore:
    """Finished and diverged runs (bounded in bytes, with the views and figures: :data:`BUDGET`), the trainings
    counted, and the wishes it gave the scheduler (:func:`vae_ui.service.trainer.scheduler`), which trains in a pool.

    With ``background=False`` wishes only queue here (``waiting()`` lists them) and nothing is prefetched, for tests.
    """

    def __init__(self, capacity: int, background: bool = True) -> None:
        self.runs = LRU(capacity, BUDGET)
        self.failures = LRU(capacity)  # diverged configs, so moving back to one answers at once
        self._count_lock = threading.Lock()
        self.trainings = 0  # trained because a session asked
        self.prefetched = 0  # trained in the background, before anyone asked
        self._background = background
        self._queued: collections.deque = collections.deque(maxlen=PREFETCH_DEPTH)  # (background=False) newest first
        self._closed = False

    def get(self, config: RunConfig) -> Run | None:
        run = self.runs.get(config)
        if run is None and (run := disk.store().find(config, Run)) is not None:  # trained before, by any process
            self.runs.put(config, run)
        return run

    def train(self, config: RunConfig, X: np.ndarray, live: LiveProgress | None = None, background: bool = False,
              session: str | None = None) -> Run:
        """The run for ``config`` on X: stored, or trained in the pool now (the foreground: before any prefetch)
        and stored. While it trains, ``live()`` is entered and shown its :class:`Status` a few times a second.
        Raises ``vc.TrainingDiverged`` for a run that diverges (remembered as a failure)."""
        run = self.get(config)
        if run is not None:
            return run
        failure = self.failures.get(config)
        if failure is not None:
            raise failure  # diverged before: say so at once
        claimed = disk.store().claim(config, found=lambda: self.get(config) is not None)  # one process trains it
        if (run := self.get(config)) is not None:  # another process trained it while this one waited: from disk
            if claimed:
                disk.store().release(config)
            return run
        job = self._submit(config, X, foreground=not background, session=session)  # (its landing releases the claim)
        watching = live is not None and not job.done.is_set()
        with live() if watching else contextlib.nullcontext() as progress:
            while not job.done.wait(WAIT_SECONDS):
                trainer.scheduler().touch(job)  # still looked at: it stays in the foreground
                if progress is not None:
                    progress(self._status(job))
        return self._outcome(job, config, X)

    def wish(self, configs: Iterable[RunConfig], X: np.ndarray) -> None:
        """Ask for configs to be trained in the background (the last asked is served first)."""
        for config in configs:
            if self.get(config) is not None or config in self.failures:
                continue
            if not self._background:
                if config not in self._queued:
                    self._queued.appendleft(config)
                continue
            if not self._closed and too_costly(config, *X.shape) is None:
                self._submit(config, X, foreground=False)

    def idle(self) -> bool:
        """Nothing of this store waiting or being trained in the background."""
        return not self._background or trainer.scheduler().idle()

    def busy(self) -> bool:
        """A training is running."""
        return trainer.scheduler().busy()

    def waiting(self) -> list[RunConfig]:
        """The wishes not yet started, next first."""
        if not self._background:
            return list(self._queued)
        return [job.key for job in trainer.scheduler().waiting() if isinstance(job.key, RunConfig)]

    def close(self) -> None:
        """Withdraw this store's waiting wishes: the store is being replaced (a cleared cache)."""
        self._closed = True
        self._queued.clear()
        trainer.scheduler().forget(lambda job: self._landed not in job.on_done)

    def count_training(self, background: bool = False) -> None:
        with self._count_lock:
            if background:
                self.prefetched += 1
            else:
                self.trainings += 1

    # -- inside
    def _submit(self, config: RunConfig, X: np.ndarray, foreground: bool, session: str | None = None) -> trainer.Job:
        likelihood = likelihood_for(X)
        args = {"epochs": config.epochs, "batch_size": config.batch_size, "lr": config.lr, "seed": config.seed,
                "snapshot_every": snapshot_every(config.epochs)}
        return trainer.scheduler().submit(config, config.build(X.shape[1], likelihood), X, args, foreground, session,
                                          on_done=self._landed)

    def _landed(self, job: trainer.Job) -> None:
        """A training ended (in the scheduler's thread): store its run, or its failure."""
        config, reply = job.key, job.result
        if reply is None or "run" in reply or "failure" in reply:  # failed or withdrawn (the waiter is told), or
            # already made into a run (or a failure) by another store's callback
            disk.store().release(config)  # (another process may train it now)
            return
        likelihood, input_dim = likelihood_for(job.X), job.X.shape[1]
        if "diverged_at" in reply:
            model = config.build(input_dim, likelihood)
            model.params.flat[...] = reply["params"]
            reply["failure"] = vc.TrainingDiverged(int(reply["diverged_at"]), config.lr, model)
            self.failures.put(config, reply["failure"])
        else:
            params = reply["params"]
            read_only((params, reply["loss"], reply["recon"], reply["kl"], *(f for _, f in reply["snapshots"])))
            reply["run"] = Run(config, likelihood, input_dim, params, reply["loss"], reply["recon"],
                               reply["kl"], tuple(reply["snapshots"]), float(reply["seconds"]))
            if not self._closed:
                self.runs.put(config, reply["run"])
            disk.store().keep(reply["run"])  # for the other processes, and the next start
        disk.store().release(config)
        self.count_training(background=not job.started_foreground)

    def _outcome(self, job: trainer.Job, config: RunConfig, X: np.ndarray) -> Run:
        reply = job.result
        if reply is not None and "run" in reply:
            if self.get(config) is None and not self._closed:  # trained for another store (a test's)
                self.runs.put(config, reply["run"])
            return reply["run"]
        if reply is not None and "failure" in reply:
            self.failures.put(config, reply["failure"])
            raise reply["failure"]
        if isinstance(job.error, trainer.Cancelled):  # withdrawn while nobody waited: ask again, in the foreground
            return self.train(config, X)
        raise RuntimeError(f"training failed: {job.error}")

    def _status(self, job: trainer.Job) -> Status:
        return Status(trainer.scheduler().ahead_of(job), job.epoch, job.epochs, job.recon, job.kl, job.snapshot,
                      job.model)


@st.cache_resource(on_release=RunStore.close)  # a cleared cache withdraws the old store's wishes
def store() -> RunStore:
    """The one run store of this server process, shared by all sessions."""
    return RunStore(MAX_RUNS)


def train(config: RunConfig, X: np.ndarray, live: LiveProgress | None = None, session: str | None = None) -> Run:
    """The run for ``config`` on X: from the store, or trained now in the pool (and stored). Only when it trains is
    ``live()`` entered, and shown the training's :class:`Status` while it runs.

    Raises ``vc.TrainingDiverged`` for a run that diverges (nothing is stored).
    """
    return store().train(config, X, live, session=session)


def prefetch(configs: Iterable[RunConfig], X: np.ndarray) -> None:
    """Train these configs on X in the background, unless stored already: the next step is ready. A guess about
    the next move, so it is skipped when :data:`PREFETCH` is off (``VAE_LAB_PREFETCH=0``: a server short of
    cores, and the tests that do not test it)."""
    if PREFETCH:
        store().wish(configs, X)


def train_soon(configs: Iterable[RunConfig], X: np.ndarray) -> None:
    """Train these configs on X in the background, unless stored already: models the page shows as they arrive
    (a β sweep), not a guess, so whatever :data:`PREFETCH` says. The last asked is served first."""
    store().wish(configs, X)


# ------------------------------------------------------------------------------ views of runs
T = TypeVar("T")


@st.cache_resource
def view_store() -> LRU:
    """What pages show of runs (:func:`view`), shared by every session (in :data:`BUDGET` with the runs)."""
    return LRU(MAX_VIEWS, BUDGET)


def view(compute: Callable[..., T], run: Run, data: Data, *args: Hashable, store: LRU | None = None) -> T:
    """``compute(run, data, *args)``: what a page shows of one trained run (its encodings, bounds, samples),
    computed once and shared by every session, so that twenty sessions on one model compute it once.

    Keyed by what determines it: the function (by its file and name), the run's config (which names its data
    and seed) and ``args``. The arrays in the result are made read-only: it is shared. A thread computing views
    ahead passes ``store`` (:func:`view_store`'s value, fetched in the script's thread).
    """
    views = store or view_store()
    return views.get_or_make(view_key(compute, run.config, args), lambda: read_only(compute(run, data, *args)))


_soon: set[tuple] = set()  # keys of views a thread is making now (see view_soon)
_soon_failed: dict[tuple, BaseException] = {}  # ... and of those whose making raised, until asked again
_soon_lock = threading.Lock()


def view_soon(compute: Callable[..., T], run: Run, data: Data, *args: Hashable) -> T | None:
    """:func:`view`'s value if it is stored; else None, while a thread makes it (one thread however many sessions
    ask). For a slow view far down a page: the page's run, its link and the figures above do not wait for it, and
    the page polls (a fragment with ``run_every``) until it is there. An error in the making is raised here, in the
    page's run, the next time it is asked for."""
    views, key = view_store(), view_key(compute, run.config, args)
    found = views.get(key)
    if found is not None:
        return found
    with _soon_lock:
        if key in _soon_failed:
            raise _soon_failed.pop(key)
        if key in _soon:
            return None
        _soon.add(key)

    def make() -> None:
        try:
            view(compute, run, data, *args, store=views)
        except BaseException as error:  # noqa: BLE001 - handed to the page's run, which shows it
            with _soon_lock:
                _soon_failed[key] = error
        finally:
            with _soon_lock:
                _soon.discard(key)

    threading.Thread(target=make, name="vae-lab-view-soon", daemon=True).start()
    return None


def views_pending() -> bool:
    """Whether a thread is still making a view for :func:`view_soon`."""
    with _soon_lock:
        return bool(_soon)


def view_key(compute: Callable, config: RunConfig, args: tuple) -> tuple:
    """What a view depends on: the function (by its file and name: a page's functions are made anew on every
    rerun), the config (compared field by field, floats exactly) and the arguments."""
    return compute.__code__.co_filename, compute.__qualname__, config, args


__all__ = ["BUDGET", "Run", "RunConfig", "likelihood_for", "prefetch", "replace", "store", "train", "train_soon", "view",
           "view_key", "view_soon", "views_pending"]
