"""Training in a process of its own: ``TrainerProcess().fit`` does what ``vae_core.fit`` does.

The server runs every session's script on one Python interpreter, which runs one thread's Python at a
time. A model trained in a server thread (0.7 s for the worked example) takes its share of that
interpreter; in a process of its own it trains on another core. With 20 sessions stepping β together
(``benchmarks/load_test.py --page beta-vae --browsers 0``) the server's p95 fell from 3.5-4.1 s to
2.1-2.7 s. One session alone notices no difference: NumPy lets go of the interpreter often enough.

The process is ``python -m vae_ui.trainer``: it imports NumPy and vae_core, not Streamlit or the app.
The two sides exchange ``.npz`` archives over the process's stdin and stdout (8 bytes of length, then the
archive), read with ``allow_pickle=False``, as model files are.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import IO, Any

import numpy as np

import vae_core as vc

ROOT = Path(__file__).resolve().parent.parent  # where ``python -m vae_ui.trainer`` finds the packages


class TrainerProcess:
    """One training process, started on first use and again after it died; one training at a time.

    A training that takes longer than ``timeout`` seconds is taken for a hung process: it is killed and
    replaced. (The slowest set-up of the pages, a VAE on the digits at 1000 epochs, took 17 s here while
    the tests ran beside it.)"""

    def __init__(self, timeout: float = 120.0) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None

    def fit(self, model: vc.Model, X: np.ndarray, **fit_args: Any) -> vc.History:
        """:func:`vae_core.fit` (every argument but ``callback``) in the training process: trains ``model`` in
        place to the same numbers, returns the History, raises TrainingDiverged as it does.

        Raises RuntimeError if the process died or hung meanwhile (the next call starts a new one)."""
        request = {"model": np.frombuffer(vc.model_to_bytes(model), np.uint8), "X": np.asarray(X, np.float64),
                   "args": np.array(json.dumps(fit_args))}
        with self._lock:
            try:
                reply = self._ask(request)
            except (OSError, EOFError) as err:  # a broken pipe or a closed stdout: the process is gone
                self._end()
                raise RuntimeError(f"the training process ended unexpectedly ({err!r})") from None
        if "error" in reply:
            raise RuntimeError(f"training in the training process failed:\n{reply['error']}")
        model.params.flat[...] = reply["params"]
        if "diverged_at" in reply:
            raise vc.TrainingDiverged(int(reply["diverged_at"]), fit_args.get("lr", 1e-3), model)
        epochs = [int(e) for e in reply["snapshot_epochs"]]
        return vc.History(reply["loss"], reply["recon"], reply["kl"], list(zip(epochs, reply["snapshots"])),
                          float(reply["seconds"]))

    def _ask(self, request: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self._process is not None and self._process.poll() is not None:  # it died since the last training
            self._end()
        if self._process is None:
            self._process = subprocess.Popen([sys.executable, "-m", "vae_ui.trainer"], cwd=ROOT,
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        hung = threading.Event()

        def kill_hung() -> None:  # its stdout closes, so the read below ends
            hung.set()
            process.kill()

        watchdog = threading.Timer(self.timeout, kill_hung)
        watchdog.start()
        try:
            send(process.stdin, request)
            reply = receive(process.stdout)
        finally:
            watchdog.cancel()
        if reply is None:
            raise EOFError(f"no reply within {self.timeout:g} s" if hung.is_set() else "no reply")
        return reply

    def stop(self) -> None:
        """End the process (it also ends by itself when the server's end of its stdin closes)."""
        with self._lock:
            self._end()

    def _end(self) -> None:
        if self._process is not None:
            with self._process as process:  # leaving closes its pipes and waits for it
                process.kill()
            self._process = None


def send(stream: IO[bytes], arrays: dict[str, np.ndarray]) -> None:
    """One message: a JSON list of (name, dtype, shape), then the arrays' raw bytes.

    Not ``np.savez``: reading an ``.npy`` header calls ``ast.literal_eval``, and on CPython 3.11 the AST is not safe
    to build in two threads at once. The prefetch thread reading a reply while Streamlit compiles a page script
    raised ``SystemError: AST constructor recursion depth mismatch`` in that script (seen in the test run).
    """
    if any(a.dtype.hasobject for a in arrays.values()):
        raise TypeError("object arrays cannot be sent")
    header = json.dumps([[name, a.dtype.str, list(a.shape)] for name, a in arrays.items()]).encode()
    payload = b"".join(np.ascontiguousarray(a).tobytes() for a in arrays.values())
    stream.write(len(header).to_bytes(8, "little") + len(payload).to_bytes(8, "little") + header + payload)
    stream.flush()


def receive(stream: IO[bytes]) -> dict[str, np.ndarray] | None:
    """The next message's arrays, or None at the end of the stream (also when it ends inside a message, as
    when the other side is killed while it writes). Parses no Python: JSON and raw bytes only."""
    head = stream.read(16)
    if len(head) < 16:
        return None
    header_length, payload_length = int.from_bytes(head[:8], "little"), int.from_bytes(head[8:], "little")
    header, payload = stream.read(header_length), stream.read(payload_length)
    if len(header) < header_length or len(payload) < payload_length:
        return None
    arrays, at = {}, 0
    for name, dtype, shape in json.loads(header):
        kind = np.dtype(dtype)
        size = kind.itemsize * int(np.prod(shape, dtype=np.int64))
        arrays[name] = np.frombuffer(payload, dtype=kind, count=size // kind.itemsize if kind.itemsize else 0,
                                     offset=at).reshape(shape).copy()
        at += size
    return arrays


def answer(request: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The training process's side: train the model in the request and say how it went."""
    model = vc.load_model(request["model"].tobytes())
    try:
        history = vc.fit(model, request["X"], **json.loads(str(request["args"])))
    except vc.TrainingDiverged as err:
        return {"params": model.params.flat, "diverged_at": np.array(err.epoch)}
    snapshots = np.array([flat for _, flat in history.snapshots]).reshape(len(history.snapshots), -1)
    return {"params": model.params.flat, "loss": history.loss, "recon": history.recon, "kl": history.kl,
            "snapshot_epochs": np.array([epoch for epoch, _ in history.snapshots], dtype=np.int64),
            "snapshots": snapshots, "seconds": np.array(history.seconds)}


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """Answer requests until the server closes our stdin."""
    while (request := receive(requests)) is not None:
        try:
            reply = answer(request)
        except Exception:  # a bad request must not end the process: say what happened
            reply = {"error": np.array(traceback.format_exc())}
        send(replies, reply)


if __name__ == "__main__":
    replies, sys.stdout = sys.stdout.buffer, sys.stderr  # a stray print must not corrupt the replies
    serve(sys.stdin.buffer, replies)
