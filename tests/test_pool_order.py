"""The pool's rules of order (vae_ui.service.order), on plain records: first place for the lecturer, shortest expected
first, heavy trainings yielding to short ones, and a student's training withdrawn (and put back) for the lecturer's. No
process is started here; tests/test_trainer.py runs the same rules in a real pool."""

import itertools
from types import SimpleNamespace

import pytest

from vae_ui.service import order

WORKERS = 2
LECTURER = "lecturer"
FIRST = {LECTURER}
_ids = itertools.count(1)


def job(cost: float, owner: str | None = None, foreground: bool = True, kind: str = "train", asker: str | None = None,
        epoch: int = 0, epochs: int = 100) -> SimpleNamespace:
    """A job record with the fields the rules read (ids in the order of asking)."""
    return SimpleNamespace(id=next(_ids), cost=cost, owner=owner, foreground=foreground, kind=kind, asker=asker,
                           epoch=epoch, epochs=epochs, cancelling=False, started=float(next(_ids)))


SHORT, HEAVY = 1.0, 25.0  # seconds: under and over order.HEAVY_SECONDS
assert SHORT < order.HEAVY_SECONDS < HEAVY


def test_the_lecturer_goes_before_every_student_whatever_they_asked_first():
    students = [job(SHORT, f"s{i}") for i in range(5)]
    lecturer = job(HEAVY, LECTURER)  # asked last, and heavier
    assert order.in_order([*students, lecturer], FIRST)[0] is lecturer
    assert order.next_start([*students, lecturer], [], WORKERS, FIRST) is lecturer


def test_the_lecturers_next_scene_asked_ahead_goes_before_students_but_a_guess_does_not():
    student = job(SHORT, "s1")
    next_scene = job(SHORT, foreground=False, asker=LECTURER)
    guess = job(SHORT, foreground=False, asker="s2")
    assert order.in_order([guess, student, next_scene], FIRST) == [next_scene, student, guess]


def test_shortest_expected_first_among_waiting_students():
    long_, mid, short = job(20.0, "a"), job(5.0, "b"), job(0.5, "c")
    assert order.in_order([long_, mid, short], FIRST) == [short, mid, long_]
    same = [job(2.0, "d"), job(2.0, "e")]
    assert order.in_order(list(reversed(same)), FIRST) == same  # equal estimates: first come first


def test_heavy_jobs_may_fill_the_workers_while_no_short_one_waits():
    waiting, running = [job(HEAVY, f"h{i}") for i in range(8)], []
    while (started := order.next_start(waiting, running, WORKERS, FIRST)) is not None:
        waiting.remove(started)
        running.append(started)
    assert len(running) == WORKERS  # no worker idles for a short job that is not there
    assert order.to_withdraw(waiting, running, WORKERS, FIRST) is None  # heavies do not withdraw heavies


@pytest.mark.parametrize("workers", [2, 3])
def test_a_short_job_behind_heavy_ones_withdraws_the_heavy_one_started_last(workers):
    running = [job(HEAVY, f"h{i}", epoch=10 * (workers - i)) for i in range(workers)]  # the last started: least done
    waiting = [job(HEAVY, "h9"), job(SHORT, "student")]  # the short one asked after a heavy one
    assert order.next_start(waiting, running, workers, FIRST) is None  # no worker free
    assert order.to_withdraw(waiting, running, workers, FIRST) is running[-1]
    withdrawn = running.pop()  # (put back in the queue) its worker goes to the short job, not to a heavy one
    assert order.next_start([*waiting, withdrawn], running, workers, FIRST).owner == "student"


def test_one_heavy_job_always_runs_on():
    running = [job(HEAVY, "h1"), job(SHORT, "s1")]  # one worker heavy, one short: another short waits for the short
    assert order.to_withdraw([job(SHORT, "s2")], running, WORKERS, FIRST) is None


def test_with_one_worker_a_heavy_job_still_runs():
    heavy = job(HEAVY, "h")
    assert order.next_start([heavy], [], 1, FIRST) is heavy


def test_the_lecturers_heavy_job_is_not_held_back():
    running = [job(HEAVY, "h1")]
    lecturer = job(HEAVY, LECTURER)
    assert order.next_start([lecturer], running, WORKERS, FIRST) is lecturer


def test_a_students_heavy_training_yields_its_worker_to_the_lecturer_the_one_with_most_left():
    nearly_done, far_from_done = job(HEAVY, "h1", epoch=90), job(HEAVY, "h2", epoch=10)
    short = job(SHORT, "s")
    lecturer = job(SHORT, LECTURER)
    assert order.next_start([lecturer], [nearly_done, far_from_done], WORKERS, FIRST) is None  # no worker free
    assert order.to_withdraw([lecturer], [nearly_done, far_from_done], WORKERS, FIRST) is far_from_done
    # a student's short job waits for a worker; nobody is withdrawn for it (its kept slot frees soon)
    assert order.to_withdraw([short], [nearly_done, job(SHORT, "s2")], WORKERS, FIRST) is None


def test_a_running_guess_is_withdrawn_for_anyone_waiting_before_a_students_training():
    guess = job(HEAVY, foreground=False, asker="s9")
    busy = job(SHORT, "s1")
    short = job(SHORT, "s2")
    assert order.to_withdraw([short], [busy, guess], WORKERS, FIRST) is guess
    lecturers_guess = job(HEAVY, foreground=False, asker=LECTURER)  # the next scene, asked ahead: not a guess
    assert order.to_withdraw([short], [busy, lecturers_guess], WORKERS, FIRST) is None


def test_one_withdrawal_at_a_time_and_views_are_never_withdrawn():
    lecturer = job(SHORT, LECTURER)
    withdrawing = job(HEAVY, "h1")
    withdrawing.cancelling = True
    assert order.to_withdraw([lecturer], [withdrawing, job(HEAVY, "h2")], WORKERS, FIRST) is None
    views = [job(2.0, "a", kind="view"), job(2.0, "b", kind="view")]
    assert order.to_withdraw([lecturer], views, WORKERS, FIRST) is None


def test_a_session_has_one_foreground_job_in_flight():
    running = [job(SHORT, "a")]
    again, other = job(SHORT, "a"), job(5.0, "b")
    assert order.next_start([again, other], running, WORKERS, FIRST) is other


def test_prefetch_never_takes_the_last_free_worker():
    wish = job(SHORT, foreground=False)
    assert order.next_start([wish], [], WORKERS, FIRST) is wish
    assert order.next_start([wish], [job(SHORT, "a")], WORKERS, FIRST) is None
