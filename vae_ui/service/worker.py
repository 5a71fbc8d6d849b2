"""The training workers' side of the pool (:mod:`vae_ui.service.trainer` is the server's): what runs in each worker process.

A worker is a fresh interpreter (``spawn``) that imports NumPy and vae_core, not Streamlit or the app. It trains
one model at a time with ``vae_core.fit``, reports its progress through a queue the server reads, and stops a
training when the server raises its cancellation flag.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import numpy as np

import vae_core as vc

REPORT_SECONDS = 0.25  # a training reports its progress at most this often (and at its first snapshot)
SLOTS = 1024  # cancellation flags shared with the workers, one per job modulo SLOTS
# One BLAS thread per worker: the pool already has one worker per core. With OpenBLAS's default (a thread per core
# in each worker) two workers on two cores trained the digits autoencoder 6.7 times slower (11.2 s against 1.7 s).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

_progress: Any = None  # in a worker: the queue to report to, and the cancellation flags
_cancel: Any = None


class Cancelled(Exception):
    """The scheduler withdrew this training (its worker was needed for a session waiting)."""


def start(progress: Any, cancel: Any, server: int) -> None:
    """A worker's initializer: where to report progress and read its cancellation flags; Ctrl+C and the death of
    ``server`` (the process that made the pool, named by it: a server killed while this worker was still starting is
    not this worker's parent any more) handled."""
    global _progress, _cancel
    _progress, _cancel = progress, cancel
    progress.cancel_join_thread()  # at its exit a worker does not wait to flush progress reports nobody may read any
    # more (a renewed pool's listener is gone): with the pipe full, it waited for ever, and so did the server's exit
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server; the server ends its pool
    threading.Thread(target=_end_with_server, args=(server,), name="vae-lab-orphan-check", daemon=True).start()


def _end_with_server(server: int) -> None:
    """End this worker when the server is gone (killed, say: nobody would ever ask it for anything again)."""
    while os.getppid() == server:
        time.sleep(1.0)
    os._exit(0)


def train_in_worker(job_id: int, model: bytes, X: np.ndarray, args: dict[str, Any]) -> dict[str, Any]:
    """One training in a worker: ``vae_core.fit`` with ``args`` on a model rebuilt from its ``.npz`` bytes.

    Reports ``(job_id, pid, epoch, recon, kl, snapshot)`` to the progress queue; returns the parameters and the history,
    ``{"diverged_at": epoch}`` when it diverged or ``{"cancelled": True}``."""
    fitted = vc.load_model(model)
    epochs, every = int(args["epochs"]), int(args.get("snapshot_every") or 0)
    recon, kl = np.zeros(epochs), np.zeros(epochs)
    last = [0.0]

    def callback(epoch: int, terms: dict[str, float]) -> None:
        recon[epoch - 1], kl[epoch - 1] = terms["recon"], terms["kl"]
        if _cancel is not None and _cancel[job_id % SLOTS]:
            raise Cancelled
        snapshot = every and (epoch % every == 0 or epoch == epochs)
        now = time.monotonic()
        if _progress is not None and (now - last[0] >= REPORT_SECONDS or (snapshot and epoch == every)):
            last[0] = now
            _progress.put((job_id, os.getpid(), epoch, recon[:epoch].copy(), kl[:epoch].copy(),
                           fitted.params.flat.copy() if snapshot else None))

    try:
        history = vc.fit(fitted, X, callback=callback, **args)
    except vc.TrainingDiverged as err:
        return {"diverged_at": err.epoch, "params": fitted.params.flat.copy()}
    except Cancelled:
        return {"cancelled": True}
    return {"params": fitted.params.flat.copy(), "loss": history.loss, "recon": history.recon, "kl": history.kl,
            "snapshots": history.snapshots, "seconds": history.seconds}


def compute_in_worker(job_id: int, compute: Any, args: tuple) -> dict[str, Any]:
    """One heavy view in a worker: ``{"value": compute(*args)}`` (``compute`` a module-level function of a module
    that imports no Streamlit, :mod:`vae_ui.service.measures`; ``args`` picklable: the run's final model and seed,
    the held-out rows)."""
    return {"value": compute(*args)}
