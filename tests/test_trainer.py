"""Training in a process of its own (vae_ui.trainer): the same numbers as vae_core.fit, and robust."""

import io
import subprocess
import sys

import numpy as np
import pytest

import vae_core as vc
from vae_ui import trainer

X = vc.data.load("three_clusters", n=150, seed=0).X
ARGS = {"epochs": 40, "batch_size": 32, "lr": 3e-3, "seed": 2, "snapshot_every": 10}


@pytest.fixture(scope="module")
def process():
    worker = trainer.TrainerProcess()
    yield worker
    worker.stop()


def vae() -> vc.VAE:
    return vc.VAE(input_dim=2, latent_dim=2, hidden=(16,), beta=0.5, seed=1)


def test_it_trains_to_exactly_the_numbers_of_vae_core_fit(process):
    here, there = vae(), vae()
    expected = vc.fit(here, X, **ARGS)
    history = process.fit(there, X, **ARGS)
    np.testing.assert_array_equal(there.params.flat, here.params.flat)  # trained in place, as fit does
    for name in ("loss", "recon", "kl"):
        np.testing.assert_array_equal(getattr(history, name), getattr(expected, name))
    assert [e for e, _ in history.snapshots] == [e for e, _ in expected.snapshots] == [0, 10, 20, 30, 40]
    for (_, a), (_, b) in zip(history.snapshots, expected.snapshots):
        np.testing.assert_array_equal(a, b)
    assert history.seconds > 0


def test_a_diverging_run_raises_as_fit_does_and_keeps_the_last_good_parameters(process):
    here, there = vae(), vae()
    with pytest.raises(vc.TrainingDiverged) as expected:
        vc.fit(here, X, **(ARGS | {"lr": 1e6}))
    with pytest.raises(vc.TrainingDiverged) as raised:
        process.fit(there, X, **(ARGS | {"lr": 1e6}))
    assert str(raised.value) == str(expected.value) and raised.value.epoch == expected.value.epoch
    np.testing.assert_array_equal(there.params.flat, here.params.flat)


def test_a_bad_request_gets_an_error_and_the_process_goes_on(process):
    with pytest.raises(RuntimeError, match="unknown optimizer"):
        process.fit(vae(), X, **(ARGS | {"optimizer": "nope"}))
    process.fit(vae(), X, **ARGS)  # still answers


def test_it_starts_again_after_it_died(process):
    process.fit(vae(), X, **ARGS)
    process._process.kill()
    process._process.wait()
    process.fit(vae(), X, **ARGS)  # noticed before asking: a new process
    # a process that dies while asked (this one reads a byte and ends): said clearly, and replaced next time
    process.stop()
    process._process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.buffer.read(1)"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    with pytest.raises(RuntimeError, match="ended unexpectedly"):
        process.fit(vae(), X, **ARGS)
    process.fit(vae(), X, **ARGS)


def test_a_training_that_takes_too_long_is_stopped_and_the_next_one_runs():
    slow = trainer.TrainerProcess(timeout=3.0)  # the process's start (its imports) counts too
    try:
        slow.fit(vae(), X, **ARGS)
        with pytest.raises(RuntimeError, match="no reply within 3 s"):  # 100,000 epochs take minutes
            slow.fit(vae(), X, **(ARGS | {"epochs": 100_000}))
        slow.fit(vae(), X, **ARGS)  # a new process
    finally:
        slow.stop()


def test_the_exchange_is_raw_arrays_without_pickle_or_python_parsing(monkeypatch):
    import ast

    def no_ast(*args, **kwargs):  # CPython 3.11's AST is not thread-safe: the prefetch thread must not build one
        raise AssertionError("receive() built an AST")

    monkeypatch.setattr(ast, "literal_eval", no_ast)
    monkeypatch.setattr(ast, "parse", no_ast)
    buffer = io.BytesIO()
    matrix = np.arange(12, dtype=np.float32).reshape(3, 4)
    trainer.send(buffer, {"a": np.arange(3.0), "b": np.array("text"), "m": matrix, "empty": np.zeros((0, 2))})
    buffer.seek(0)
    got = trainer.receive(buffer)
    assert got is not None and got["a"].tolist() == [0.0, 1.0, 2.0] and str(got["b"]) == "text"
    assert got["m"].dtype == np.float32 and np.array_equal(got["m"], matrix) and got["empty"].shape == (0, 2)
    assert got["a"].flags.writeable  # a copy, not a view of the message
    assert trainer.receive(buffer) is None  # the end of the stream
    whole = io.BytesIO()
    trainer.send(whole, {"a": np.arange(1000.0)})
    assert trainer.receive(io.BytesIO(whole.getvalue()[:-10])) is None  # cut short: the writer was killed
    with pytest.raises(TypeError, match="object arrays"):  # nothing that would need pickle is sent at all
        trainer.send(io.BytesIO(), {"objects": np.array([{"x": 1}], dtype=object)})


def test_the_training_process_imports_neither_streamlit_nor_the_app():
    code = "import sys, vae_ui.trainer; print(sorted(m for m in sys.modules " \
           "if m.split('.')[0] in ('streamlit', 'pandas', 'altair', 'app_pages', 'dashboard')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=trainer.ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
