"""What processes use, read from Linux's /proc: CPU seconds so far and resident memory.

Shared by the load test and the browser-cost benchmark. The server is counted with its descendants (its
training process, vae_ui.service.trainer); the browsers are every Chromium process on the machine; the harness is
the benchmark script itself and Playwright's driver.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

CORES = os.cpu_count() or 1


def children(pid: int) -> list[int]:
    """The processes ``pid`` started that still run."""
    with contextlib.suppress(OSError):  # ended meanwhile
        return [int(child) for task in Path(f"/proc/{pid}/task").glob("*/children") for child in task.read_text().split()]
    return []


def family(pid: int) -> list[int]:
    """A process and all its descendants: the server and its training process."""
    pids = [pid]
    for parent in pids:  # grows while it is walked
        pids += children(parent)
    return pids


def name(pid: int) -> str:
    """The process's command name ("" once it has ended)."""
    with contextlib.suppress(OSError):
        return (Path("/proc") / str(pid) / "comm").read_text().strip()
    return ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def total_cpu(pids: Iterable[int]) -> float:
    """CPU seconds so far of these processes (those that ended meanwhile count nothing)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += cpu_seconds(pid)
    return total


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server and its descendants (the training process)."""
    return total_cpu(family(pid))


def chromium_cpu() -> float:
    """CPU seconds used so far by every Chromium process on the machine."""
    return total_cpu(int(proc.name) for proc in Path("/proc").iterdir() if proc.name.isdigit() and "chrom" in name(int(proc.name)))


def harness_cpu() -> float:
    """CPU seconds used so far by this script (its protocol sessions, its reads of the tabs) and by
    Playwright's driver, its child process."""
    return total_cpu([os.getpid(), *(child for child in children(os.getpid()) if name(child).startswith("node"))])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, in MB."""
    total = 0.0
    for member in family(pid):
        with contextlib.suppress(OSError):  # ended meanwhile
            status = Path(f"/proc/{member}/status").read_text()
            total += sum(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024
    return total


class MemorySampler(threading.Thread):
    """The peak of :func:`rss_mb` of a process, sampled every 0.1 s until ``running`` is set False."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.1)
