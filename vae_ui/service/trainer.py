"""Trainings off the page's path: a pool of processes (the standard library's ``ProcessPoolExecutor``, one worker
per core) fed by one scheduler.

The server runs every session's script on one Python interpreter, which runs one thread's Python at a time; a
model trained in a script's thread takes its share of that interpreter, and twenty sessions training at once
shared one core. In the pool, each training has a core of its own and the scripts only wait for it.

The scheduler's rules (a class of students exploring at once):

- **One job per config.** Two sessions (or a session and the background) asking for the same config share one
  :class:`Job`; each waits on that job alone, so an unrelated set-up never waits on another's training.
- **Foreground before prefetch.** A job some session is waiting for (a *foreground* job) starts before any
  prefetch; if every worker is busy, a running prefetch is cancelled to make room.
- **One foreground training in flight per session**: a session's next job starts once its previous one is done
  (or demoted); the others' jobs go first meanwhile.
- **A newer wish replaces an older one.** A foreground job nobody has looked at for :data:`STALE_SECONDS` (the
  session moved on) becomes a prefetch: it may still finish, for a step back, but it yields to anyone waiting.
- **Prefetch never takes the last worker**, so a session's new set-up finds a worker free.
- **A dead or hung worker** (no word from a training for :data:`STALL_SECONDS`) is replaced: the pool is made
  anew and the jobs it held are tried once more.

A training reports its progress (epoch, loss terms, and the newest snapshot of its parameters) through a queue,
so a page shows the loss falling and a first picture while the rest trains. Nothing here imports Streamlit; what runs in
the workers is :mod:`vae_ui.service.worker` (``spawn``: a fresh interpreter, nothing inherited from the server's threads).
"""

from __future__ import annotations

import concurrent.futures as cf
import concurrent.futures.process  # noqa: F401  now, not lazily at the first pool: see _ensure_pool's exit hook
import contextlib
import itertools
import logging
import multiprocessing as mp
import os
import queue
import sys
import threading
import time
import types
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import vae_core as vc
from vae_ui.service.worker import BLAS_THREADS, SLOTS, Cancelled, start, train_in_worker

STALE_SECONDS = 2.0  # a foreground job nobody has looked at for this long is a prefetch now
STALL_SECONDS = 30.0  # a training that says nothing for this long is taken for a hung worker
MAX_PREFETCH = 12  # prefetch jobs waiting; older wishes fall off

# ----------------------------------------------------------------------------------------- the server's side
@dataclass(eq=False)
class Job:
    """One config's training, shared by everyone who asked for it."""

    key: Hashable
    model: Any  # the untrained vc.Model
    X: np.ndarray
    args: dict[str, Any]
    id: int = 0
    foreground: bool = False  # some session is waiting for it
    owner: str | None = None  # the session it counts against while it is foreground
    touched: float = field(default_factory=time.monotonic)  # last time a waiter looked at it
    started: float | None = None
    heard: float = 0.0  # last word from its worker
    attempts: int = 0
    pool: Any = None  # the pool its current attempt runs in
    started_foreground: bool = False  # whether a session was waiting for it when it started
    cancelling: bool = False
    worker: int = 0  # the pid of the worker training it (from its reports)
    epoch: int = 0
    recon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    kl: np.ndarray = field(default_factory=lambda: np.zeros(0))
    snapshot: np.ndarray | None = None  # the newest snapshot's parameters, for a first picture
    result: dict[str, Any] | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    on_done: list[Callable[[Job], None]] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return int(self.args["epochs"])

    @property
    def running(self) -> bool:
        return self.started is not None and not self.done.is_set()


class Scheduler:
    """The pool and its queue of jobs (see the module's rules). ``workers`` defaults to the machine's cores."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._context = mp.get_context("spawn")
        self._lock = threading.RLock()
        self._jobs: dict[Hashable, Job] = {}  # waiting or running, by key
        self._running: dict[int, Job] = {}  # by job id
        self._ids = itertools.count(1)
        self._pool: cf.ProcessPoolExecutor | None = None
        self._progress: Any = None
        self._cancel: Any = None
        self._closed = False
        self.started = {"foreground": 0, "prefetch": 0}  # trainings begun, by kind
        self.cancelled = 0
        self.restarts = 0
        self._exit_hooked = False

    # -- asking
    def submit(self, key: Hashable, model: Any, X: np.ndarray, args: dict[str, Any], foreground: bool,
               session: str | None = None, on_done: Callable[[Job], None] | None = None) -> Job:
        """The job for ``key``: the one waiting or running, or a new one. A foreground ask promotes it."""
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                job = Job(key, model, np.asarray(X, np.float64), args, id=next(self._ids))
                self._jobs[key] = job
            if on_done is not None and on_done not in job.on_done:  # asked again on every rerun: once is enough
                job.on_done.append(on_done)
            if foreground:
                job.touched = time.monotonic()
                if not job.foreground or job.owner is None:
                    job.foreground, job.owner = True, session
            self._trim_prefetch()
            self._dispatch()
            return job

    def touch(self, job: Job) -> None:
        """A waiter still looks at ``job`` (it stays foreground)."""
        with self._lock:
            job.touched = time.monotonic()
            if not job.foreground and not job.done.is_set():
                job.foreground = True
                self._dispatch()

    def ahead_of(self, job: Job) -> int:
        """How many foreground jobs will start before ``job`` (0 once it runs)."""
        with self._lock:
            if job.started is not None:
                return 0
            waiting = [j for j in self.waiting() if j.foreground]  # first come first, before any prefetch
            return next((i for i, j in enumerate(waiting) if j is job), len(waiting))

    def busy(self) -> bool:
        with self._lock:
            return bool(self._running)

    def idle(self) -> bool:
        with self._lock:
            return not self._jobs

    def waiting(self) -> list[Job]:
        """Jobs not started yet, in the order they would start."""
        with self._lock:
            return sorted((j for j in self._jobs.values() if j.started is None), key=self._priority)

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
                _kill_workers(self._pool)

    # -- inside
    def _priority(self, job: Job) -> tuple:
        return (0, job.id) if job.foreground else (1, -job.id)  # foreground first come; prefetch newest first

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
            for name in BLAS_THREADS:  # read by a worker's NumPy when it loads (the server's own is loaded already)
                os.environ.setdefault(name, "1")
            self._progress = self._context.Queue()
            self._cancel = self._context.Array("b", SLOTS, lock=False)
            self._pool = cf.ProcessPoolExecutor(self.workers, mp_context=self._context, initializer=start,
                                                initargs=(self._progress, self._cancel))
            threading.Thread(target=self._listen, args=(self._progress, self._pool), name="vae-lab-progress",
                             daemon=True).start()
            threading.Thread(target=self._watch, args=(self._pool,), name="vae-lab-watchdog", daemon=True).start()

    def _dispatch(self) -> None:
        """Start what may start now (under the lock)."""
        if self._closed:
            return
        now = time.monotonic()
        for job in self._jobs.values():  # a newer wish replaces an older one: nobody looks at it any more
            if job.foreground and now - job.touched > STALE_SECONDS:
                job.foreground, job.owner = False, None
        while not self._closed:
            free = self.workers - len(self._running)
            owners = {j.owner for j in self._running.values() if j.foreground and j.owner is not None}
            waiting = sorted((j for j in self._jobs.values() if j.started is None), key=self._priority)
            ready = [j for j in waiting if j.foreground and (j.owner is None or j.owner not in owners)]
            if ready and free == 0:  # foreground beats prefetch: withdraw the newest running prefetch
                prefetches = sorted((j for j in self._running.values() if not j.foreground), key=lambda j: -j.id)
                if prefetches and not any(j.cancelling for j in self._running.values()):
                    self._cancel_running(prefetches[0])  # its worker frees when the training sees the flag
                return
            if free == 0:
                return
            if ready:
                self._start(ready[0])
                continue
            prefetch = [j for j in waiting if not j.foreground]
            if prefetch and (free > 1 or self.workers == 1):  # never the last worker (unless there is only one)
                self._start(prefetch[0])
                continue
            return

    def _start(self, job: Job) -> None:
        self._ensure_pool()
        model = vc.model_to_bytes(job.model)
        for attempt in range(2):
            try:
                with _plain_main():
                    future = self._pool.submit(train_in_worker, job.id, model, job.X, job.args)
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
        self.started["foreground" if job.foreground else "prefetch"] += 1
        self._cancel[job.id % SLOTS] = 0
        future.add_done_callback(lambda f, job=job, pool=self._pool: self._landed(job, f, pool))

    def _cancel_running(self, job: Job) -> None:
        self._cancel[job.id % SLOTS] = 1
        job.cancelling = True
        self.cancelled += 1

    def _landed(self, job: Job, future: cf.Future, pool: cf.ProcessPoolExecutor) -> None:
        with self._lock:
            if job.pool is not pool or job.done.is_set():  # an attempt of a pool renewed since: it is tried again
                return
            self._running.pop(job.id, None)
            try:
                reply = future.result()
            except (cf.process.BrokenProcessPool, cf.CancelledError) as err:  # a worker died (or was killed)
                job.started, job.pool = None, None
                if pool is self._pool:
                    self._renew()
                if job.attempts >= 2 or self._closed:
                    self._finish(job, error=RuntimeError(f"the training process ended unexpectedly ({err!r})"))
            except Exception as err:  # noqa: BLE001 - a bad request: say what happened, keep the pool
                self._finish(job, error=err)
            else:
                if reply.get("cancelled"):
                    job.started = None  # withdrawn for a session waiting: drop it (it was only a guess)
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
            _kill_workers(pool)
            pool.shutdown(wait=False, cancel_futures=True)
        for job in list(self._running.values()):
            job.started, job.pool = None, None
        self._running.clear()

    def _listen(self, progress: Any, pool: cf.ProcessPoolExecutor) -> None:
        """Move the workers' progress reports onto their jobs (one thread per pool; ends with it)."""
        while True:
            try:
                job_id, pid, epoch, recon, kl, snapshot = progress.get(timeout=1.0)
            except queue.Empty:
                if self._pool is not pool:
                    return
                continue
            except (EOFError, OSError, ValueError):
                return
            with self._lock:
                job = self._running.get(job_id)
                if job is None:
                    continue
                job.heard, job.worker, job.epoch, job.recon, job.kl = time.monotonic(), pid, epoch, recon, kl
                if snapshot is not None:
                    job.snapshot = snapshot

    def _watch(self, pool: cf.ProcessPoolExecutor) -> None:
        """Take a training that has said nothing for STALL_SECONDS for a hung worker: renew the pool."""
        while self._pool is pool and not self._closed:
            time.sleep(1.0)
            with self._lock:
                now = time.monotonic()
                if self._pool is pool and any(now - j.heard > STALL_SECONDS for j in self._running.values()):
                    logging.getLogger(__name__).warning("a training said nothing for %.0f s: renewing the pool",
                                                        STALL_SECONDS)
                    _kill_workers(pool)  # its futures fail with BrokenProcessPool: _landed tries them again


_PLAIN_MAIN = types.ModuleType("__main__")  # no file, no spec: a new worker imports nothing of it


@contextlib.contextmanager
def _plain_main() -> Iterator[None]:
    """While a worker is started (the pool starts one in ``submit`` until it has them all), ``__main__`` is a plain
    module. A ``spawn`` child first runs the parent's ``__main__`` again, for what it defines; in a Streamlit
    server that is the app's script (Streamlit makes it ``__main__`` while it runs), which a worker must not run."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = _PLAIN_MAIN
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _kill_workers(pool: cf.ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes (the executor has no public way to; ``_processes`` is where it keeps them).

    A worker killed while it wrote a result leaves half a message in the pool's result pipe, and the pool's manager
    thread would wait for the rest for ever: its futures never fail, and the interpreter's exit, which joins that
    thread, hangs (seen: a test run that printed its result and never ended, the workers left as zombies). This
    process's copy of the pipe's write end is closed too: the read then ends, and the pool knows it is broken."""
    for process in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(Exception):
            process.kill()
    with contextlib.suppress(Exception):
        pool._result_queue._writer.close()


_scheduler: Scheduler | None = None
_scheduler_lock = threading.Lock()


def scheduler() -> Scheduler:
    """The one scheduler of this server process (made on first use; it outlives a cleared Streamlit cache)."""
    global _scheduler
    with _scheduler_lock:
        if _scheduler is None:
            _scheduler = Scheduler()
        return _scheduler
