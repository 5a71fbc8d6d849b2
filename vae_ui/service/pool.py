"""The jobs of the training pool and the process pool's plumbing (:mod:`vae_ui.service.trainer` holds the scheduler,
:mod:`vae_ui.service.order` its rules, :mod:`vae_ui.service.worker` what runs in a worker).

A :class:`Job` is one config's training, or one heavy view of a trained run, shared by everyone who asked for it.
The rest keeps the pool of ``spawn`` processes alive: the thread that moves the workers' progress reports onto their
jobs, the watchdog that takes a silent worker for a hung one, and the two ways a pool is ended without waiting.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
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

from vae_ui.service.worker import BLAS_THREADS, SLOTS, start

STALL_SECONDS = 30.0  # a training that says nothing for this long is taken for a hung worker


@dataclass(eq=False)
class Job:
    """One config's training (``kind="train"``), or one heavy view of a run (``kind="view"``: ``call`` is the
    function and its arguments, run in a worker), shared by everyone who asked for it."""

    key: Hashable
    model: Any  # the untrained vc.Model (a view: None)
    X: np.ndarray
    args: dict[str, Any]
    id: int = 0
    kind: str = "train"
    call: tuple[Callable, tuple] | None = None  # a view: (function, arguments), both picklable
    in_thread: bool = False  # a view whose function cannot be sent to a worker (a test's stand-in): run in a thread
    cost: float = 0.0  # estimated seconds on one core (vae_ui.service.budget), for the rules of order
    foreground: bool = False  # some session is waiting for it
    owner: str | None = None  # the session it counts against while it is foreground
    asker: str | None = None  # the session that asked for it in the background (a deck's next scene)
    touched: float = field(default_factory=time.monotonic)  # last time a waiter looked at it
    started: float | None = None
    heard: float = 0.0  # last word from its worker
    attempts: int = 0
    pool: Any = None  # the pool its current attempt runs in
    started_foreground: bool = False  # whether a session was waiting for it when it started
    cancelling: bool = False
    requeued: int = 0  # times it was withdrawn for the lecturer's job and put back in the queue
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
        return int(self.args.get("epochs", 1))

    @property
    def running(self) -> bool:
        return self.started is not None and not self.done.is_set()

    def restart(self) -> None:
        """Back to waiting, from its first epoch (withdrawn from its worker, or its worker died)."""
        self.started, self.pool, self.cancelling = None, None, False
        self.epoch, self.recon, self.kl, self.snapshot = 0, np.zeros(0), np.zeros(0), None


def run_in_thread(compute: Callable, args: tuple) -> cf.Future:
    """A view run in a thread of the server (its function cannot be sent to a worker), as a pool's future."""
    future: cf.Future = cf.Future()

    def run() -> None:
        try:
            future.set_result({"value": compute(*args)})
        except BaseException as err:  # noqa: BLE001 - handed to the job
            future.set_exception(err)

    threading.Thread(target=run, name="vae-lab-view", daemon=True).start()
    return future


def open_pool(scheduler: Any) -> None:
    """A new pool for ``scheduler``: its ``workers`` processes (``spawn``), their progress queue and cancellation
    flags, and the threads that listen to the one and watch for a hung worker."""
    for name in BLAS_THREADS:  # read by a worker's NumPy when it loads (the server's own is loaded already)
        os.environ.setdefault(name, "1")
    scheduler._progress = scheduler._context.Queue()
    scheduler._cancel = scheduler._context.Array("b", SLOTS, lock=False)
    scheduler._pool = cf.ProcessPoolExecutor(scheduler.workers, mp_context=scheduler._context, initializer=start,
                                             initargs=(scheduler._progress, scheduler._cancel, os.getpid()))
    threading.Thread(target=listen, args=(scheduler, scheduler._progress, scheduler._pool), name="vae-lab-progress",
                     daemon=True).start()
    threading.Thread(target=watch, args=(scheduler, scheduler._pool), name="vae-lab-watchdog", daemon=True).start()


def listen(scheduler: Any, progress: Any, pool: cf.ProcessPoolExecutor) -> None:
    """Move the workers' progress reports onto their jobs (one thread per pool; ends with it)."""
    while True:
        try:
            job_id, pid, epoch, recon, kl, snapshot = progress.get(timeout=1.0)
        except queue.Empty:
            if scheduler._pool is not pool:
                return
            continue
        except (EOFError, OSError, ValueError):
            return
        with scheduler._lock:
            job = scheduler._running.get(job_id)
            if job is None:
                continue
            job.heard, job.worker, job.epoch, job.recon, job.kl = time.monotonic(), pid, epoch, recon, kl
            if snapshot is not None:
                job.snapshot = snapshot


def watch(scheduler: Any, pool: cf.ProcessPoolExecutor) -> None:
    """Take a training that has said nothing for STALL_SECONDS for a hung worker: kill the pool's workers (its futures
    fail with BrokenProcessPool, and the scheduler tries their jobs again in a new pool)."""
    while scheduler._pool is pool and not scheduler._closed:
        time.sleep(1.0)
        with scheduler._lock:
            now = time.monotonic()
            if scheduler._pool is pool and any(now - j.heard > STALL_SECONDS for j in scheduler._running.values()):
                logging.getLogger(__name__).warning("a training said nothing for %.0f s: renewing the pool",
                                                    STALL_SECONDS)
                kill_workers(pool)


_PLAIN_MAIN = types.ModuleType("__main__")  # no file, no spec: a new worker imports nothing of it


@contextlib.contextmanager
def plain_main() -> Iterator[None]:
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


def kill_workers(pool: cf.ProcessPoolExecutor) -> None:
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
