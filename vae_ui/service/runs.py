"""Trained models, cached by their full config and shared by every session: the run store, and the one door pages
go through to the compute service (``__all__`` names everything a page uses of it).

A run is trained once per config (data, seed, hyper-parameters) and kept in a store bounded in bytes (runs,
views and figures share :data:`BUDGET`); moving a slider back to a value seen before finds it at once. Runs are
immutable (read-only arrays); a page rebuilds a fresh model from a run's parameters when it needs one. Two
sessions asking for the same new config train it once: the second waits for the same training.

Every training runs in a pool of processes, one per core (:mod:`vae_ui.service.trainer`): a page waiting for one
shows its progress and a first picture, and may be interrupted by the next move. While a class looks at one model,
the models it is likely to ask for next are trained in the background (:func:`prefetch`; the worked example asks for
β up to two steps either side), on the workers no session is waiting for. A set-up estimated to cost more than
:data:`WORK_BUDGET` seconds is refused with the seconds it would take (:mod:`vae_ui.service.budget`).

The rest of the room: :mod:`~vae_ui.service.records` (RunConfig, Run, Status), :mod:`~vae_ui.service.budget`,
:mod:`~vae_ui.service.views` (what pages show of runs), :mod:`~vae_ui.service.measures` (the heavy views).
"""

from __future__ import annotations

import collections
import contextlib
import os
import threading
from collections.abc import Iterable

import numpy as np
import streamlit as st

import vae_core as vc
from vae_ui.service import disk, trainer
from vae_ui.service.budget import BUDGET, WEIGHT_STEPS_PER_SECOND, WORK_BUDGET, estimated_seconds, too_costly
from vae_ui.service.lru import LRU, read_only
from vae_ui.service.records import SNAPSHOTS, LiveProgress, Progress, Run, RunConfig, Status, likelihood_for, snapshot_every
from vae_ui.service.views import view, view_in_pool, view_key, view_soon, view_store, views_in_pool, views_pending

__all__ = ["BUDGET", "MAX_RUNS", "PREFETCH", "PREFETCH_DEPTH", "SNAPSHOTS", "WEIGHT_STEPS_PER_SECOND", "WORK_BUDGET",
           "LiveProgress", "Progress", "Run", "RunConfig", "RunStore", "Status", "estimated_seconds", "failure",
           "give_first_place", "likelihood_for", "prefetch", "snapshot_every", "store", "too_costly", "train",
           "train_soon", "view", "view_in_pool", "view_key", "view_soon", "view_store", "views_in_pool",
           "views_pending"]

MAX_RUNS = 256  # bound on cached runs by count; the real bound is BUDGET's bytes
PREFETCH_DEPTH = trainer.MAX_PREFETCH  # configs waiting to be trained in the background; older wishes fall off
WAIT_SECONDS = 0.25  # a page waiting for a training redraws its progress this often (and may be interrupted)
PREFETCH = os.environ.get("VAE_LAB_PREFETCH", "1") != "0"  # train the set-ups a step away before anyone asks ("0": off)


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

    def wish(self, configs: Iterable[RunConfig], X: np.ndarray, session: str | None = None) -> None:
        """Ask for configs to be trained in the background (the last asked is served first); ``session``: who
        asked (the lecturer's next scene goes before other wishes)."""
        for config in configs:
            if self.get(config) is not None or config in self.failures:
                continue
            if not self._background:
                if config not in self._queued:
                    self._queued.appendleft(config)
                continue
            if not self._closed and too_costly(config, *X.shape) is None:
                self._submit(config, X, foreground=False, session=session)

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
                                          on_done=self._landed, cost=estimated_seconds(config, *X.shape))

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


def failure(config: RunConfig) -> vc.TrainingDiverged | None:
    """How ``config`` diverged when it was trained (remembered, so a page says so at once), or None."""
    return store().failures.get(config)


def prefetch(configs: Iterable[RunConfig], X: np.ndarray, session: str | None = None) -> None:
    """Train these configs on X in the background, unless stored already: the next step is ready. A guess about
    the next move, so it is skipped when :data:`PREFETCH` is off (``VAE_LAB_PREFETCH=0``: a server short of
    cores, and the tests that do not test it). ``session``: who asked (the lecturer's next scene goes first)."""
    if PREFETCH:
        store().wish(configs, X, session)


def train_soon(configs: Iterable[RunConfig], X: np.ndarray) -> None:
    """Train these configs on X in the background, unless stored already: models the page shows as they arrive
    (a β sweep), not a guess, so whatever :data:`PREFETCH` says. The last asked is served first."""
    store().wish(configs, X)


def give_first_place(session: str, given: bool = True) -> None:
    """``session`` holds the presenter secret: its trainings and views go before everyone else's (or no more)."""
    trainer.scheduler().give_first_place(session, given)
