"""Trainings and heavy views off the page's path: a pool of processes (the standard library's
``ProcessPoolExecutor``, one worker per core) fed by one scheduler.

The server runs every session's script on one interpreter, one thread's Python at a time: twenty sessions training
in their scripts' threads shared one core. In the pool each training, and each heavy view of a trained run (the
Monte Carlo ladder, the gap's split: seconds each), has a core of its own; the scripts only wait for it.

Who goes first is :mod:`vae_ui.service.order` (first place for the lecturer, shortest expected first, a slot kept
for short jobs, prefetch never on the last worker). Besides it:

- **One job per config.** Two sessions (or a session and the background) asking for the same config share one
  :class:`Job`; each waits on that job alone, so an unrelated set-up never waits on another's training.
- **A newer wish replaces an older one.** A foreground job nobody has looked at for :data:`STALE_SECONDS` (the
  session moved on) becomes a prefetch: it may still finish, for a step back, but it yields to anyone waiting.
  A view nobody waits for any more is dropped before it starts.
- **A dead or hung worker** (no word from a training for ``pool.STALL_SECONDS``) is replaced: the pool is made
  anew and the jobs it held are tried once more.

A training reports its progress (epoch, loss terms, newest snapshot) through a queue (:mod:`vae_ui.service.pool`).
No Streamlit here; the workers run :mod:`vae_ui.service.worker` (``spawn``: nothing inherited from the server).
"""

from __future__ import annotations

import concurrent.futures as cf
import concurrent.futures.process  # noqa: F401  now, not lazily at the first pool: see _ensure_pool's exit hook
import itertools
import logging
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

import vae_core as vc
from vae_ui.service import order
from vae_ui.service.pool import Job, kill_workers, open_pool, plain_main, run_in_thread
from vae_ui.service.worker import SLOTS, Cancelled, compute_in_worker, train_in_worker

__all__ = ["MAX_PREFETCH", "STALE_SECONDS", "VIEW_STALE_SECONDS", "Cancelled", "Job", "Scheduler", "scheduler"]

STALE_SECONDS = 2.0  # a foreground training nobody has looked at for this long is a prefetch now
VIEW_STALE_SECONDS = 10.0  # a view not started that no page has asked for this long is dropped (pages poll at 0.5 s)
MAX_PREFETCH = 12  # prefetch jobs waiting; older wishes fall off
MAX_FIRST = 8  # sessions holding first place at once (the lecturer's tabs); the oldest falls off


class Scheduler:
    """The pool and its queue of jobs (see the module's rules). ``workers`` defaults to the machine's cores."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._context = mp.get_context("spawn")
        self._lock = threading.RLock()
        self._jobs: dict[Hashable, Job] = {}  # waiting or running, by key
        self._running: dict[int, Job] = {}  # by job id
        self._first: dict[str, float] = {}  # sessions with first place -> since when
        self._ids = itertools.count(1)
        self._pool: cf.ProcessPoolExecutor | None = None
        self._progress: Any = None
        self._cancel: Any = None
        self._closed = False
        self.started = {"foreground": 0, "prefetch": 0}  # trainings begun, by kind
        self.views = 0  # heavy views begun
        self.cancelled = 0
        self.restarts = 0
        self._exit_hooked = False

    # -- asking
    def submit(self, key: Hashable, model: Any, X: np.ndarray, args: dict[str, Any], foreground: bool,
               session: str | None = None, on_done: Callable[[Job], None] | None = None, cost: float = 0.0) -> Job:
        """The training for ``key``: the one waiting or running, or a new one (``cost``: its estimated seconds). A
        foreground ask promotes it; a background ask from ``session`` gives it that session's rank among wishes."""
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                job = Job(key, model, np.asarray(X, np.float64), args, id=next(self._ids), cost=cost)
                self._jobs[key] = job
            self._ask(job, foreground, session, on_done)
            return job

    def submit_view(self, key: Hashable, call: tuple[Callable, tuple], session: str | None,
                    on_done: Callable[[Job], None], cost: float, in_thread: bool = False) -> Job:
        """A heavy view: ``call`` = (function, arguments), run in a worker for a session waiting for it (or, for a
        function no worker can import, in a thread here, counted as a worker)."""
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                job = Job(key, None, np.zeros((0, 0)), {}, id=next(self._ids), kind="view", call=call, cost=cost,
                          in_thread=in_thread)
                self._jobs[key] = job
            self._ask(job, True, session, on_done)
            return job

    def _ask(self, job: Job, foreground: bool, session: str | None, on_done: Callable[[Job], None] | None) -> None:
        if on_done is not None and on_done not in job.on_done:  # asked again on every rerun: once is enough
            job.on_done.append(on_done)
        if foreground:
            job.touched = time.monotonic()
            if not job.foreground or job.owner is None:
                job.foreground, job.owner = True, session
        elif session is not None and job.asker is None:
            job.asker = session
        self._trim_prefetch()
        self._dispatch()

    def touch(self, job: Job) -> None:
        """A waiter still looks at ``job`` (it stays foreground, or becomes so again)."""
        with self._lock:
            job.touched = time.monotonic()
            if not job.done.is_set():
                job.foreground = True
                self._dispatch()

    def give_first_place(self, session: str, given: bool = True) -> None:
        """``session`` (the lecturer's, which holds the presenter secret) goes before everyone else; or no more."""
        with self._lock:
            self._first.pop(session, None)
            if given:
                self._first[session] = time.monotonic()
                while len(self._first) > MAX_FIRST:
                    self._first.pop(next(iter(self._first)))
            self._dispatch()

    def ahead_of(self, job: Job) -> int:
        """How many foreground jobs will start before ``job`` (0 once it runs)."""
        with self._lock:
            if job.started is not None:
                return 0
            waiting = [j for j in self.waiting() if j.foreground]
            return next((i for i, j in enumerate(waiting) if j is job), len(waiting))

    def busy(self) -> bool:
        return bool(self._running)  # (one read of a dict: no lock needed)

    def idle(self) -> bool:
        return not self._jobs

    def waiting(self) -> list[Job]:
        """Jobs not started yet, in the order they would start."""
        with self._lock:
            return order.in_order((j for j in self._jobs.values() if j.started is None), self._first)

    def forget(self, keep: Callable[[Job], bool]) -> None:
        """Drop the waiting prefetch jobs ``keep`` rejects (a store being replaced withdraws its wishes)."""
        with self._lock:
            for job in [j for j in self._jobs.values() if j.started is None and not j.foreground and not keep(j)]:
                self._finish(job, error=Cancelled("withdrawn"))

    def close(self) -> None:
        """End the pool (at the server's exit); waiting jobs fail."""
        with self._lock:
            self._closed = True
            for job in list(self._jobs.values()):
                self._finish(job, error=RuntimeError("the server is stopping"))
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _exit(self) -> None:
        with self._lock:
            self._closed = True
            if self._pool is not None:
                kill_workers(self._pool)

    # -- inside
    def _trim_prefetch(self) -> None:
        waiting = [j for j in self._jobs.values() if j.started is None and not j.foreground]
        for job in sorted(waiting, key=lambda j: j.id)[:max(0, len(waiting) - MAX_PREFETCH)]:
            self._finish(job, error=Cancelled("too many wishes"))

    def _ensure_pool(self) -> None:
        if self._pool is None and not self._exit_hooked:
            self._exit_hooked = True
            # Before concurrent.futures joins its pools at the interpreter's exit (it would wait for a running
            # training to end): the workers are killed, nothing is restarted. (threading runs these last first, so
            # concurrent.futures.process, which registers its own hook when it is imported, is imported above:
            # imported lazily by the first cf.ProcessPoolExecutor below, its hook ran first and waited.)
            getattr(threading, "_register_atexit", lambda f: None)(self._exit)
        if self._pool is None:
            open_pool(self)

    def _dispatch(self) -> None:
        """Start what may start now, or withdraw a running job to make room (under the lock)."""
        if self._closed:
            return
        now = time.monotonic()
        for job in list(self._jobs.values()):  # a newer wish replaces an older one: nobody looks at it any more
            if job.kind == "view":
                if job.started is None and now - job.touched > VIEW_STALE_SECONDS:
                    self._finish(job, error=Cancelled("nobody waits for it any more"))
            elif job.foreground and now - job.touched > STALE_SECONDS:
                job.foreground, job.owner = False, None
        while not self._closed:
            waiting = [j for j in self._jobs.values() if j.started is None]
            running = list(self._running.values())
            job = order.next_start(waiting, running, self.workers, self._first)
            if job is not None:
                self._start(job)
                continue
            victim = order.to_withdraw(waiting, running, self.workers, self._first)
            if victim is not None:  # its worker frees when the training sees the flag
                self._cancel[victim.id % SLOTS] = 1
                victim.cancelling = True
                self.cancelled += 1
            return

    def _start(self, job: Job) -> None:
        self._ensure_pool()
        task = (compute_in_worker, job.id, *job.call) if job.kind == "view" else (
            train_in_worker, job.id, vc.model_to_bytes(job.model), job.X, job.args)
        for attempt in range(2):
            try:
                with plain_main():
                    future = run_in_thread(*job.call) if job.in_thread else self._pool.submit(*task)
                break
            except cf.process.BrokenProcessPool as err:  # the pool broke meanwhile (a worker died): a new one, once
                if attempt:
                    return self._finish(job, error=RuntimeError(f"no training process could be started ({err})"))
                self._renew()
                self._ensure_pool()
            except RuntimeError as err:  # the interpreter is shutting down
                self._closed = "shutdown" in str(err) or self._closed
                return self._finish(job, error=RuntimeError(f"no training process could be started ({err})"))
        job.started = job.heard = time.monotonic()
        job.attempts += 1
        job.pool, job.cancelling, job.started_foreground = self._pool, False, job.foreground
        self._running[job.id] = job
        if job.kind == "view":
            self.views += 1
        else:
            self.started["foreground" if job.foreground else "prefetch"] += 1
        self._cancel[job.id % SLOTS] = 0
        future.add_done_callback(lambda f, job=job, pool=self._pool: self._landed(job, f, pool))

    def _landed(self, job: Job, future: cf.Future, pool: cf.ProcessPoolExecutor) -> None:
        with self._lock:
            if job.pool is not pool or job.done.is_set():  # an attempt of a pool renewed since: it is tried again
                return
            self._running.pop(job.id, None)
            try:
                reply = future.result()
            except (cf.process.BrokenProcessPool, cf.CancelledError) as err:  # a worker died (or was killed)
                job.restart()
                if pool is self._pool:
                    self._renew()
                if job.attempts >= 2 or self._closed:
                    self._finish(job, error=RuntimeError(f"the training process ended unexpectedly ({err!r})"))
            except Exception as err:  # noqa: BLE001 - a bad request: say what happened, keep the pool
                self._finish(job, error=err)
            else:
                if reply.get("cancelled") and job.foreground:  # withdrawn for the lecturer: back in the queue
                    job.restart()
                    job.requeued += 1
                    job.attempts -= 1
                elif reply.get("cancelled"):  # withdrawn for a session waiting: drop it (it was only a guess)
                    job.started = None
                    self._finish(job, error=Cancelled("withdrawn for a session waiting"))
                else:
                    self._finish(job, result=reply)
            self._dispatch()

    def _finish(self, job: Job, result: dict[str, Any] | None = None, error: BaseException | None = None) -> None:
        if self._jobs.get(job.key) is job:
            del self._jobs[job.key]
        job.result, job.error = result, error
        for call in job.on_done:  # before the waiters wake: they read what the callbacks made of the result
            try:
                call(job)
            except Exception:  # noqa: BLE001 - one bad callback must not stop the others
                logging.getLogger(__name__).exception("a training's callback failed")
        job.done.set()

    def _renew(self) -> None:
        """A new pool for a broken (or hung) one: its workers are gone, its jobs start again."""
        pool, self._pool = self._pool, None
        self.restarts += 1
        if pool is not None:
            kill_workers(pool)
            pool.shutdown(wait=False, cancel_futures=True)
        for job in list(self._running.values()):
            job.started, job.pool = None, None
        self._running.clear()


_scheduler: Scheduler | None = None
_scheduler_lock = threading.Lock()


def scheduler() -> Scheduler:
    """The one scheduler of this server process (made on first use; it outlives a cleared Streamlit cache)."""
    global _scheduler
    with _scheduler_lock:
        if _scheduler is None:
            _scheduler = Scheduler()
        return _scheduler
