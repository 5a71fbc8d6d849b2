"""The server's own life with a class on it (issue 18): a client's "Clear cache" leaves nothing behind and wipes no
one's models; stopping the server mid-training is quick and quiet."""

import asyncio
import contextlib
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.protocol_viewer import ProtocolViewer
from tests.browser.harness import free_port, in_a_thread, start_server


def _status(pid: int) -> tuple[int, float]:
    """(threads, resident MB) of a process, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0]) / 1024


async def _clears(url: str, pid: int, times: int) -> tuple[list, list, list]:
    viewer = ProtocolViewer(url)
    await viewer.open()
    assert viewer.exceptions == []
    await viewer.rerun()  # warm: its figures made, its views cached ...
    await asyncio.sleep(4)  # ... and the ladder its thread measures (1.5-2 s of Monte Carlo, allocating as it goes)
    await viewer.rerun()
    before = _status(pid)
    trained, seconds = [], []
    for _ in range(times):
        await viewer.clear_cache()
        seconds.append(await viewer.rerun())
        trained.append("progress" in viewer.elements)  # a progress bar: the model was trained again
    after = _status(pid)
    await viewer.close()
    return [before, after], trained, seconds


def test_a_clients_clear_cache_wipes_no_model_and_leaves_no_thread_or_memory_behind():
    port = free_port()
    server = start_server(port, env={"VAE_LAB_PREFETCH": "0"})  # (its models a step away would grow the memory)
    try:
        with ThreadPoolExecutor(1) as pool:
            (before, after), trained, seconds = pool.submit(
                asyncio.run, _clears(f"http://127.0.0.1:{port}", server.pid, 15)).result()
    finally:
        server.kill()
        server.wait()
    assert trained == [False] * 15, "a clear wiped the trained model: it was trained again"
    assert after[0] <= before[0] + 1, f"threads {before[0]} -> {after[0]}"
    assert after[1] - before[1] < 40, f"resident memory {before[1]:.0f} -> {after[1]:.0f} MB over 15 clears"
    assert max(seconds) < 5


@pytest.mark.slow
def test_stopping_the_server_during_a_training_is_quick_and_prints_no_traceback(tmp_path):
    port, log = free_port(), tmp_path / "server.log"
    server = start_server(port, log=log)

    async def start_a_long_training() -> None:
        viewer = ProtocolViewer(f"http://127.0.0.1:{port}")
        with contextlib.suppress(asyncio.TimeoutError, ConnectionError, OSError):
            await asyncio.wait_for(viewer.open("", "dataset=digits&h_epochs=1000"), 8)  # ~17 s of training

    try:
        in_a_thread(start_a_long_training())
        started = time.monotonic()
        server.send_signal(signal.SIGINT)  # Ctrl+C in the terminal
        server.wait(timeout=20)
        took = time.monotonic() - started
    finally:
        if server.poll() is None:
            server.kill()
    text = log.read_text()
    assert "Traceback" not in text and "Error" not in text, text[-3000:]
    assert took < 8, f"the server took {took:.1f} s to stop"
    assert not _children_left(server.pid)


def _children_left(pid: int) -> list[str]:
    """Processes whose parent was the server (a training worker left running)."""
    out = subprocess.run(["ps", "-o", "pid=,ppid=,args=", "-e"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.split()[1] == str(pid)]


def test_a_killed_servers_training_workers_end_too():
    from benchmarks.usage import family

    port = free_port()
    server = start_server(port)
    try:
        in_a_thread(ProtocolViewer(f"http://127.0.0.1:{port}").open())  # trains: workers start
        workers = [pid for pid in family(server.pid) if pid != server.pid]
        assert workers, "no training worker started"
    finally:
        server.kill()  # SIGKILL: no exit handler runs
        server.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers):
        assert time.monotonic() < deadline, "a worker of the killed server lives on"
        time.sleep(0.2)


def test_the_presenter_secret_is_printed_as_the_server_starts(tmp_path):
    """The README's start command (serve.py) prints the presenter secret before any browser has opened the app."""
    log = tmp_path / "server.log"
    proc = start_server(free_port(), env={"VAE_LAB_DATA": str(tmp_path)}, log=log)  # healthy: no session opened
    try:
        deadline = time.time() + 10
        while "presenter secret" not in log.read_text() and time.time() < deadline:
            time.sleep(0.2)
        printed = log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "VAE Lab: the presenter secret for class votes is " in printed, printed
    assert "Traceback" not in printed and "No runtime found" not in printed, printed
