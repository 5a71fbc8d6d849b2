"""What pages show of trained runs, computed once and shared by every session (:func:`view`), and the heavy views
made in the training pool while the page shows the rest (:func:`view_soon`).

A view is keyed by what determines it: the function (by its file and name), the run's config (which names its data
and seed) and its arguments. Views share the run store's byte budget (:data:`vae_ui.service.budget.BUDGET`).

A heavy view (seconds of Monte Carlo: :mod:`vae_ui.service.measures`) goes where trainings go: a job of the pool,
ordered by the same rules (the lecturer's first, the shortest first, never behind a heavy training), and dropped
before it starts when no page has asked for it for a while (:data:`vae_ui.service.trainer.VIEW_STALE_SECONDS`).
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from vae_ui.service import trainer
from vae_ui.service.budget import BUDGET
from vae_ui.service.lru import LRU, read_only
from vae_ui.service.measures import Fitted, Rows
from vae_ui.service.records import Run, RunConfig

__all__ = ["MAX_VIEWS", "VIEW_SECONDS", "view", "view_in_pool", "view_key", "view_soon", "view_store", "views_pending"]

MAX_VIEWS = 1024  # bound on cached views of runs (what a page shows of a run: encodings, bounds, samples)
WAIT_SECONDS = 0.25  # a page waiting for a view in the pool says it still wants it this often
VIEW_SECONDS = 2.0  # what the pool's rules expect a heavy view to cost (the ladder, the gap's split: 1.5-2 s here)
T = TypeVar("T")


@st.cache_resource
def view_store() -> LRU:
    """What pages show of runs (:func:`view`), shared by every session (in the byte budget with the runs)."""
    return LRU(MAX_VIEWS, BUDGET)


def view(compute: Callable[..., T], run: Run, data: object, *args: Hashable, store: LRU | None = None) -> T:
    """``compute(run, data, *args)``: what a page shows of one trained run (its encodings, bounds, samples),
    computed once and shared by every session, so that twenty sessions on one model compute it once. The arrays in
    the result are made read-only: it is shared."""
    views = store or view_store()
    return views.get_or_make(view_key(compute, run.config, args), lambda: read_only(compute(run, data, *args)))


_pending: dict[tuple, trainer.Job] = {}  # heavy views asked of the pool and not landed yet, by key
_failed: dict[tuple, BaseException] = {}  # ... and of those whose making raised, until asked again
_lock = threading.Lock()


def view_soon(compute: Callable[..., T], run: Run, data: object, *args: Hashable) -> T | None:
    """``compute(Fitted.of(run), Rows.of(data), *args)`` if it is stored; else None, while the pool makes it (one job
    however many sessions ask; each ask keeps it wanted). For a slow view far down a page: the page's run, its link
    and the figures above do not wait for it, and the page polls (a fragment with ``run_every``) until it is there.
    An error in the making is raised here, in the page's run, the next time it is asked for.

    ``compute`` is a module-level function of a module without Streamlit (:mod:`vae_ui.service.measures`): a worker
    imports it. A function that cannot be sent (a test's stand-in) runs in a thread of this process instead, still
    in the pool's order and counted as one of its workers."""
    views, key = view_store(), view_key(compute, run.config, args)
    found = views.get(key)
    if found is not None:
        return found
    with _lock:
        if key in _failed:
            raise _failed.pop(key)
    _asked(compute, run, data, args, views, key)
    return None


def view_in_pool(compute: Callable[..., T], run: Run, data: object, *args: Hashable) -> T:
    """:func:`view_soon`'s view, waited for: made in the pool (in its order, in a worker process, not in the
    server's) while the page's run waits, as it waits for a training. For a view the page cannot draw without."""
    views, key = view_store(), view_key(compute, run.config, args)
    found = views.get(key)
    if found is not None:
        return found
    job = _asked(compute, run, data, args, views, key)
    while not job.done.wait(WAIT_SECONDS):
        trainer.scheduler().touch(job)  # still wanted
    with _lock:
        failed = _failed.pop(key, None)
    if job.result is not None:
        return read_only(job.result["value"])
    if isinstance(job.error, trainer.Cancelled):  # (dropped before it started: asked again)
        return view_in_pool(compute, run, data, *args)
    raise failed or job.error


def views_in_pool(*asks: tuple) -> list:
    """Several :func:`view_in_pool` views, each ``(compute, run, data, *args)``, asked of the pool at once (its workers
    make them side by side) and then each waited for."""
    for compute, run, data, *args in asks:
        view_soon(compute, run, data, *args)
    return [view_in_pool(compute, run, data, *args) for compute, run, data, *args in asks]


def _asked(compute: Callable, run: Run, data: object, args: tuple, views: LRU, key: tuple) -> trainer.Job:
    """The pool's job for this view: the one already asked for (asking keeps it wanted), or a new one."""
    with _lock:
        asked = _pending.get(key)
    if asked is not None and not asked.done.is_set():  # one job however many ask
        trainer.scheduler().touch(asked)
        return asked

    def landed(job: trainer.Job) -> None:
        with _lock:
            _pending.pop(key, None)
            if job.result is not None:
                views.put(key, read_only(job.result["value"]))
            elif job.error is not None and not isinstance(job.error, trainer.Cancelled):
                _failed[key] = job.error

    call = (compute, (Fitted.of(run), Rows.of(data), *args))  # what a worker needs: no snapshots, no Streamlit
    ctx = get_script_run_ctx(suppress_warning=True)
    job = trainer.scheduler().submit_view(key, call, ctx.session_id if ctx else None, landed, VIEW_SECONDS,
                                          in_thread=not _sendable(compute))  # (it may have landed already)
    with _lock:
        _pending[key] = job
    return job


def views_pending() -> bool:
    """Whether the pool still owes a view asked for with :func:`view_soon`."""
    with _lock:
        for key in [k for k, job in _pending.items() if job.done.is_set()]:  # (landed before it was noted)
            del _pending[key]
        return bool(_pending)


def view_key(compute: Callable, config: RunConfig, args: tuple) -> tuple:
    """What a view depends on: the function (by its file and name: a page's functions are made anew on every
    rerun), the config (compared field by field, floats exactly) and the arguments."""
    return compute.__code__.co_filename, compute.__qualname__, config, args


def _sendable(compute: Callable) -> bool:
    """Whether a worker can import ``compute`` by its name."""
    try:
        pickle.dumps(compute)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return compute.__module__ != "__main__"
