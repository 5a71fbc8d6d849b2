"""The pool's rules of order, as pure functions of the jobs waiting and running (no threads, no processes): which
job starts next on a free worker, and which running job is withdrawn to make room. :class:`Scheduler` applies them
under its lock (:mod:`vae_ui.service.trainer`); the tests call them on plain records.

A job's *rank* says who is waiting for it:

0. **First place**: a session that holds the presenter secret (the lecturer: the deck's current scene, its
   measures), and the models the lecturer's next scene needs, asked ahead.
1. **A session waiting**: a student's training, or a heavy view (the Monte Carlo ladder, the gap's split) a page
   waits for.
2. **Nobody waiting yet**: a prefetch, the guess of what a class asks for next.

The rules, each a line of :func:`next_start` or :func:`to_withdraw`:

- Rank first; within a rank, **shortest expected first** (the work estimate, seconds), then first come.
  Prefetch (rank 2) goes newest first: the last wish is the likeliest next step.
- **One foreground job in flight per session**: a session's next waits until its previous is done.
- **Heavy jobs yield to short ones**: a *heavy* job (estimated over :data:`HEAVY_SECONDS`) of rank 1 or 2 may hold
  every worker while no short job waits; when one does and every worker holds a heavy job, the heavy job started
  last (the least work lost) is withdrawn and put back in the queue (it starts again from its first epoch). However
  many heavy set-ups a class asks for, a short one waits for the short ones ahead of it and one epoch, never behind
  a heavy one; and one heavy job always runs on, so heavy ones still finish.
- **Prefetch never takes the last free worker.**
- **Make room**: with no worker free, a waiting foreground job withdraws the newest running prefetch; a job of
  first place with none to withdraw withdraws the running job of a lower rank with the most work left, which is
  put back in the queue — the lecturer never waits behind a student. One withdrawal at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

HEAVY_SECONDS = 8.0  # a job expected to take longer (one core, alone) is heavy: it never takes the kept slot

Job = Any  # a trainer.Job, or any record with the fields read below


def rank(job: Job, first: Collection[str]) -> int:
    """0: asked for by a session with first place (waiting or, for a prefetch, asked ahead); 1: a session waits for
    it; 2: a prefetch nobody waits for yet."""
    if job.owner is not None and job.owner in first and job.foreground:
        return 0
    if job.foreground:
        return 1
    return 0 if job.asker is not None and job.asker in first else 2


def heavy(job: Job, first: Collection[str]) -> bool:
    """Expected to take long enough to be kept off the slot for short jobs (first place is never held back)."""
    return job.cost > HEAVY_SECONDS and rank(job, first) > 0


def priority(job: Job, first: Collection[str]) -> tuple:
    """The sort key of a waiting job: rank, then shortest expected first (prefetch: newest first), then first come."""
    r = rank(job, first)
    if not job.foreground:
        return (r, -job.id) if r == 2 else (r, job.cost, job.id)
    return (r, job.cost, job.id)


def in_order(waiting: Iterable[Job], first: Collection[str]) -> list[Job]:
    """Jobs not started yet, in the order they would start."""
    return sorted(waiting, key=lambda j: priority(j, first))


def next_start(waiting: Sequence[Job], running: Sequence[Job], workers: int, first: Collection[str]) -> Job | None:
    """The job to start on a free worker now, or None (no worker free, or none may start by the rules)."""
    free = workers - len(running)
    if free <= 0:
        return None
    busy_owners = {j.owner for j in running if j.foreground and j.owner is not None}
    for job in in_order(waiting, first):
        if job.foreground and job.owner is not None and job.owner in busy_owners:
            continue  # one in flight per session
        if not job.foreground and rank(job, first) == 2 and free == 1 and workers > 1:
            continue  # prefetch never takes the last free worker
        return job
    return None


def to_withdraw(waiting: Sequence[Job], running: Sequence[Job], workers: int, first: Collection[str]) -> Job | None:
    """With no worker free, the running job to withdraw for a waiting one (see the module's last rule), or None."""
    if workers - len(running) > 0 or any(j.cancelling for j in running):
        return None
    busy_owners = {j.owner for j in running if j.foreground and j.owner is not None}
    ready = [j for j in waiting if j.foreground and (j.owner is None or j.owner not in busy_owners)]
    if not ready:
        return None
    guesses = sorted((j for j in running if rank(j, first) == 2 and j.kind == "train"), key=lambda j: -j.id)
    if guesses:
        return guesses[0]
    if min(rank(j, first) for j in ready) == 0:  # the lecturer's: the student's training with the most work left
        lower = [j for j in running if rank(j, first) > 0 and j.kind == "train"]
        return max(lower, key=remaining, default=None)
    heavies = [j for j in running if heavy(j, first) and j.kind == "train"]
    if len(heavies) == workers > 1 and any(not heavy(j, first) for j in ready):  # a short one waits behind heavies
        return max(heavies, key=lambda j: j.started or 0.0)  # the one started last: the least work lost
    return None


def remaining(job: Job) -> float:
    """Seconds of work a running job still has, by its estimate and the epochs it has done."""
    return job.cost * (1.0 - job.epoch / max(1, job.epochs))
