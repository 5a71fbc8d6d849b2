"""The model store's lock per config (vae_ui.service.disk): a process waiting for another's training loads its run
when it lands, and never waits for ever on a process that is stuck. And its files are read without ``ast``."""

from __future__ import annotations

import logging
import threading
import time

from vae_ui.service import disk

CONFIG = ("a config", 1.0)  # (anything the key can be made of)


def test_a_waiting_process_stops_waiting_when_the_run_lands(tmp_path):
    """Two stores on one folder stand for two processes (each open file has its own lock)."""
    first, second = disk.DiskStore(tmp_path, 2**30), disk.DiskStore(tmp_path, 2**30)
    assert first.claim(CONFIG)
    landed = threading.Event()
    threading.Timer(0.3, landed.set).start()
    started = time.monotonic()
    assert second.claim(CONFIG, found=landed.is_set) is False  # the other's run is there: load it, do not train
    assert 0.25 < time.monotonic() - started < 5
    first.release(CONFIG)
    assert second.claim(CONFIG, wait=False) is True  # released: the next one may train


def test_a_stuck_process_is_waited_for_a_while_then_trained_past(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(disk, "CLAIM_WAIT_SECONDS", 0.3)
    first, second = disk.DiskStore(tmp_path, 2**30), disk.DiskStore(tmp_path, 2**30)
    assert first.claim(CONFIG)  # and never released: a process stuck in its training
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger=disk.__name__):
        assert second.claim(CONFIG, found=lambda: False) is False
    assert 0.25 < time.monotonic() - started < 5
    assert "trained here too" in caplog.text


def test_a_run_is_read_without_ast(tmp_path, monkeypatch):
    """NumPy reads an .npy header with ast.literal_eval, which on CPython 3.11 races Streamlit compiling a page in
    another thread (issue 18, item 10): the store reads its files without it."""
    import ast

    from tests.test_disk_store import SMALL, runs, trained

    store = disk.DiskStore(tmp_path, 2**30)
    run = trained()
    store.keep(run)

    def refused(*args, **kwargs):
        raise AssertionError("ast.literal_eval called while reading a run")

    monkeypatch.setattr(ast, "literal_eval", refused)
    back = store.find(SMALL, runs.Run)
    assert back is not None and store.set_aside == 0
    assert (back.params == run.params).all() and not back.params.flags.writeable
    assert [e for e, _ in back.snapshots] == [e for e, _ in run.snapshots]
