"""A pool that no one can hog (issue 31 §4), in a real pool of two workers: the lecturer's training withdraws a
student's heavy one (which is put back and still finishes), a short training is not stuck behind heavy ones (the
heavy one started last yields its worker), and a
heavy view goes through the pool (in a worker process, counted, dropped when nobody waits for it)."""

import os
import time

import numpy as np
import pytest

from tests import pool_helpers
from tests.pool_helpers import ARGS, X, vae
from vae_ui.service import measures, runs, trainer
from vae_ui.service.measures import Rows

LONG = ARGS | {"epochs": 4000}  # seconds: long enough to be seen running
HEAVY, SHORT = 25.0, 0.5  # the estimates the jobs are submitted with (order.HEAVY_SECONDS between them)


def running(pool: trainer.Scheduler, *jobs: trainer.Job, timeout: float = 30.0) -> None:
    """Wait until ``jobs`` train in a worker, their sessions looking at them meanwhile (else they turn into prefetch)."""
    deadline = time.monotonic() + timeout
    while any(job.epoch == 0 for job in jobs):
        assert time.monotonic() < deadline, "the training did not start"
        time.sleep(0.05)
        for job in jobs:
            pool.touch(job)


def keep_looking(pool: trainer.Scheduler, *jobs: trainer.Job, until: trainer.Job, timeout: float = 60.0) -> None:
    """Touch ``jobs`` (their sessions still wait) until ``until`` is done."""
    deadline = time.monotonic() + timeout
    while not until.done.wait(0.2):
        assert time.monotonic() < deadline, "it did not end"
        for job in jobs:
            pool.touch(job)


def test_a_short_training_behind_heavy_ones_takes_the_worker_of_the_heavy_one_started_last(pool):
    heavies = [pool.submit(f"h{i}", vae(i), X, LONG, foreground=True, session=f"h{i}", cost=HEAVY) for i in range(4)]
    running(pool, heavies[0], heavies[1])
    assert [h.started is not None for h in heavies] == [True, True, False, False], "no worker idles meanwhile"
    last = max(heavies[:2], key=lambda h: h.started)
    short = pool.submit("short", vae(9), X, ARGS, foreground=True, session="s", cost=SHORT)
    started = time.monotonic()
    keep_looking(pool, *heavies, until=short, timeout=20)
    assert short.error is None and time.monotonic() - started < 10
    assert last.requeued == 1 and not last.done.is_set(), "withdrawn and put back in the queue"
    assert sum(h.requeued for h in heavies) == 1, "the other heavy training ran on"


def test_the_lecturers_training_withdraws_a_students_and_puts_it_back(pool):
    pool.give_first_place("lecturer")
    heavy = pool.submit("heavy", vae(1), X, LONG, foreground=True, session="h", cost=HEAVY)
    busy = pool.submit("busy", vae(2), X, LONG, foreground=True, session="b", cost=SHORT)  # mis-estimated: long
    running(pool, heavy, busy)
    lecturer = pool.submit("lecturer", vae(3), X, ARGS, foreground=True, session="lecturer", cost=SHORT)
    keep_looking(pool, heavy, busy, until=lecturer, timeout=20)
    assert lecturer.error is None and pool.cancelled == 1
    assert heavy.requeued == 1 and not heavy.done.is_set(), "the student's heavy training is back in the queue"
    keep_looking(pool, heavy, busy, until=heavy, timeout=120)
    assert heavy.error is None and "params" in heavy.result


def test_a_heavy_view_is_made_in_a_worker_process(pool):
    rows = Rows("x", np.ones((4, 2)), np.zeros(4), np.ones((3, 2)), np.zeros(3))
    job = pool.submit_view("v", (pool_helpers.pid_and_sum, (None, rows)), "s",
                           lambda job: None, cost=2.0)
    assert job.done.wait(60) and job.error is None
    pid, total = job.result["value"]
    assert pid != os.getpid() and total == 6.0 and pool.views == 1


def test_a_view_nobody_waits_for_is_dropped_before_it_starts():
    solo = trainer.Scheduler(workers=1)
    try:
        busy = solo.submit("busy", vae(), X, LONG, foreground=True, session="a", cost=SHORT)
        running(solo, busy)
        held = Rows("x", np.ones((1, 1)), np.zeros(1), np.ones((1, 1)), np.zeros(1))
        view = solo.submit_view("v", (pool_helpers.pid_and_sum, (None, held)), "b", lambda job: None, cost=2.0)
        view.touched -= trainer.VIEW_STALE_SECONDS + 1  # its page has not asked for it again
        solo.touch(busy)
        assert view.done.is_set() and isinstance(view.error, trainer.Cancelled) and solo.views == 0
    finally:
        solo.close()


@pytest.mark.views
def test_the_ladder_goes_through_the_pool_and_lands_in_the_view_store():
    from vae_ui.service.datasets import generated

    data = generated("three_clusters", 0)
    run = runs.RunStore(4).train(runs.RunConfig("vae", data.spec, hidden=(16,), epochs=20), data.X)
    before = trainer.scheduler().views
    assert runs.view_soon(measures.ladder, run, data, 5) is None
    deadline = time.monotonic() + 60
    while runs.views_pending():
        assert time.monotonic() < deadline
        time.sleep(0.05)
        runs.view_soon(measures.ladder, run, data, 5)  # the page polls: it still waits
    found = runs.view_soon(measures.ladder, run, data, 5)
    assert trainer.scheduler().views == before + 1 and "ELBO" in found


def test_mnist_of_width_256_is_refused_by_the_work_budget_on_the_autoencoder_page():
    """Each of the page's three models (d and the comparisons d = 1, 2) is about 21 s here, a minute together."""
    rows, columns = 4000, 784
    base = runs.RunConfig("autoencoder", hidden=(256, 256), epochs=30, latent_dim=3)
    together = [runs.RunConfig("autoencoder", hidden=(256, 256), epochs=30, latent_dim=d) for d in (1, 2)]
    assert runs.too_costly(base, rows, columns) is None  # alone, under the budget
    said = runs.too_costly(base, rows, columns, together)
    assert said is not None and "for 3 models" in said and "compare fewer models" in said


def test_the_denoising_pages_bayes_denoiser_is_made_in_the_pool_and_waited_for():
    """runs.view_in_pool: the page waits for it as for a training; the pool made it (counted), the store keeps it."""
    from vae_ui.service.datasets import generated

    data = generated("three_clusters", 0)
    run = runs.RunStore(4).train(runs.RunConfig("autoencoder", data.spec, hidden=(16,), epochs=20), data.X)
    before = trainer.scheduler().views
    curve, error, field, nearer = runs.view_in_pool(measures.bayes, run, data, 0.3, (0.0, 0.5), 2, 3)
    assert trainer.scheduler().views == before + 1 and curve.shape == (2,) and field.shape == (9, 2)
    assert error > 0 and 0 <= nearer <= 1
    assert runs.view_in_pool(measures.bayes, run, data, 0.3, (0.0, 0.5), 2, 3)[1] == error  # stored: not made again
    assert trainer.scheduler().views == before + 1
