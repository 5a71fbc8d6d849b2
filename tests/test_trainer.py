"""The training pool and its scheduler (vae_ui.service.trainer): the same numbers as vae_core.fit, the scheduler's rules,
and a pool that survives a dead or a hung worker."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import vae_core as vc
from tests.pool_helpers import ARGS, X, vae
from vae_ui.service import pool as plumbing
from vae_ui.service import trainer

LONG = ARGS | {"epochs": 3000}  # a few seconds: long enough to be seen running


def finished(job: trainer.Job, timeout: float = 60.0) -> dict:
    assert job.done.wait(timeout), "the training did not end"
    assert job.error is None, job.error
    return job.result


def started(job: trainer.Job, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while job.epoch == 0:  # its first progress report: it runs in a worker
        assert time.monotonic() < deadline, "the training did not start"
        time.sleep(0.01)


def test_it_trains_to_exactly_the_numbers_of_vae_core_fit(pool):
    here = vae()
    expected = vc.fit(here, X, **ARGS)
    reply = finished(pool.submit("a", vae(), X, ARGS, foreground=True, session="s"))
    np.testing.assert_array_equal(reply["params"], here.params.flat)
    for name in ("loss", "recon", "kl"):
        np.testing.assert_array_equal(reply[name], getattr(expected, name))
    assert [e for e, _ in reply["snapshots"]] == [e for e, _ in expected.snapshots] == [0, 10, 20, 30, 40]
    for (_, a), (_, b) in zip(reply["snapshots"], expected.snapshots):
        np.testing.assert_array_equal(a, b)
    assert reply["seconds"] > 0


def test_a_diverging_run_says_where_and_keeps_the_last_good_parameters(pool):
    here = vae()
    with pytest.raises(vc.TrainingDiverged) as expected:
        vc.fit(here, X, **(ARGS | {"lr": 1e6}))
    reply = finished(pool.submit("a", vae(), X, ARGS | {"lr": 1e6}, foreground=True))
    assert reply["diverged_at"] == expected.value.epoch
    np.testing.assert_array_equal(reply["params"], here.params.flat)


def test_a_bad_request_fails_its_job_and_the_pool_goes_on(pool):
    bad = pool.submit("bad", vae(), X, ARGS | {"optimizer": "nope"}, foreground=True)
    assert bad.done.wait(60) and isinstance(bad.error, ValueError) and "unknown optimizer" in str(bad.error)
    finished(pool.submit("good", vae(), X, ARGS, foreground=True))


def test_one_job_per_config_however_many_ask(pool):
    jobs = [pool.submit("same", vae(), X, ARGS, foreground=True, session=f"s{i}") for i in range(5)]
    assert all(job is jobs[0] for job in jobs)
    finished(jobs[0])
    assert pool.started == {"foreground": 1, "prefetch": 0}


def test_progress_is_reported_with_a_first_snapshot_while_it_trains(pool):
    job = pool.submit("long", vae(), X, LONG | {"snapshot_every": 120}, foreground=True)
    started(job)
    deadline = time.monotonic() + 30
    while job.snapshot is None:
        assert time.monotonic() < deadline, "no first snapshot"
        time.sleep(0.01)
    assert 0 < job.epoch < job.epochs and len(job.recon) == job.epoch and job.snapshot.shape == vae().params.flat.shape
    finished(job)


def test_prefetch_never_takes_the_last_worker_and_a_foreground_job_starts_at_once(pool):
    wishes = [pool.submit(f"wish{i}", vae(i), X, LONG, foreground=False) for i in range(3)]
    started(wishes[0])
    time.sleep(0.3)
    assert [w.started is not None for w in wishes] == [True, False, False], "one worker is kept free"
    assert pool.waiting() == [wishes[2], wishes[1]]  # the newest wish next
    asked = pool.submit("asked", vae(9), X, ARGS, foreground=True, session="s")
    finished(asked, timeout=10)  # on the free worker, not after the wishes


def test_a_foreground_job_withdraws_a_running_prefetch_when_no_worker_is_free():
    solo = trainer.Scheduler(workers=1)
    try:
        wish = solo.submit("wish", vae(), X, LONG | {"epochs": 30000}, foreground=False)
        started(wish)
        asked = solo.submit("asked", vae(2), X, ARGS, foreground=True, session="s")
        finished(asked, timeout=20)
        assert wish.done.is_set() and isinstance(wish.error, trainer.Cancelled) and solo.cancelled == 1
    finally:
        solo.close()


def test_a_session_has_one_training_in_flight_and_others_go_meanwhile(pool):
    first = pool.submit("a1", vae(1), X, LONG, foreground=True, session="a")
    second = pool.submit("a2", vae(2), X, ARGS, foreground=True, session="a")
    other = pool.submit("b1", vae(3), X, ARGS, foreground=True, session="b")
    finished(other, timeout=20)  # b's job took the second worker; a's second waits for a's first
    assert second.started is None and first.running
    assert pool.ahead_of(second) == 0  # nothing else waits before it
    finished(first)
    finished(second)


def test_a_job_nobody_looks_at_any_more_yields_to_a_newer_wish(pool, monkeypatch):
    monkeypatch.setattr(trainer, "STALE_SECONDS", 0.2)
    old = pool.submit("old", vae(1), X, LONG, foreground=True, session="a")
    started(old)
    time.sleep(0.4)  # the session moved on: it no longer touches "old"
    new = pool.submit("new", vae(2), X, ARGS, foreground=True, session="a")
    finished(new, timeout=20)  # not held back by a's older, stale job
    assert not old.foreground


def test_a_killed_worker_is_replaced_and_its_training_done_again(pool):
    job = pool.submit("a", vae(), X, LONG, foreground=True)
    started(job)
    os.kill(job.worker, signal.SIGKILL)
    reply = finished(job)
    assert pool.restarts == 1 and job.attempts == 2
    here = vae()
    vc.fit(here, X, **LONG)
    np.testing.assert_array_equal(reply["params"], here.params.flat)  # the whole training, from its start


def test_a_hung_worker_holds_up_no_unrelated_set_up_and_is_replaced(pool, monkeypatch):
    monkeypatch.setattr(plumbing, "STALL_SECONDS", 2.0)
    hung = pool.submit("hung", vae(1), X, LONG, foreground=True, session="a")
    started(hung)
    os.kill(hung.worker, signal.SIGSTOP)  # as a stopped (or swapped-out, or stuck) process would
    stopped = hung.worker
    try:
        t = time.monotonic()
        finished(pool.submit("unrelated", vae(2), X, ARGS, foreground=True, session="b"), timeout=10)
        assert time.monotonic() - t < 5, "an unrelated set-up waited for the hung training"
        finished(hung, timeout=60)  # the pool was renewed and the training done again
        assert pool.restarts >= 1 and hung.worker != stopped
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(stopped, signal.SIGCONT)


def test_the_workers_import_numpy_and_the_core_not_streamlit():  # (the scheduler neither)
    code = ("import sys, vae_ui.service.trainer, vae_ui.service.worker; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'altair', 'pandas')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "[]"


def test_a_closed_scheduler_fails_what_waits_and_leaves_no_thread():
    before = threading.active_count()
    closing = trainer.Scheduler(workers=1)
    finished(closing.submit("a", vae(), X, ARGS, foreground=True))
    waiting = closing.submit("b", vae(2), X, LONG, foreground=False)
    closing.close()
    assert waiting.done.wait(5) and waiting.error is not None
    deadline = time.monotonic() + 10
    while threading.active_count() > before:
        assert time.monotonic() < deadline, [t.name for t in threading.enumerate()]
        time.sleep(0.1)


def _dies_halfway_through_its_result() -> bytes:
    """(In a worker.) A result whose sending dies halfway: its length and half its bytes reach the pipe, then the
    worker is gone, as a worker killed while it writes."""
    import struct
    from multiprocessing import connection

    def half(self, buf, offset=0, size=None):
        data = bytes(buf)
        self._send(struct.pack("!i", len(data)) + data[: len(data) // 2])
        os._exit(1)

    connection.Connection.send_bytes = half
    return b"x" * 2**20


def test_a_worker_killed_while_it_sends_its_result_breaks_the_pool_instead_of_hanging_it():
    """Killed halfway through writing a result, a worker leaves half a message in the pipe: killing the pool's
    workers must still fail the future (and so let the interpreter exit), not leave it waiting for the rest."""
    import concurrent.futures as cf
    import multiprocessing as mp
    import threading

    pool = cf.ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"))
    with plumbing.plain_main():  # started as the trainer starts its workers (under pytest-xdist, __main__ is execnet's)
        assert pool.submit(len, b"up").result(timeout=60) == 2  # the worker is up
    worker = next(iter(pool._processes.values()))
    future = pool.submit(_dies_halfway_through_its_result)
    worker.join(timeout=60)  # gone, half its result in the pipe
    assert worker.exitcode == 1 and not future.done()
    plumbing.kill_workers(pool)
    with pytest.raises(cf.process.BrokenProcessPool):
        future.result(timeout=30)
    manager = pool._executor_manager_thread
    manager.join(timeout=30)
    assert manager is None or not manager.is_alive(), "the pool's manager thread still waits: the exit would hang"
    assert not [t for t in threading.enumerate() if t is manager]
    pool.shutdown(wait=False)
