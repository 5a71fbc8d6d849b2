"""A class through nginx: 20 protocol sessions following the lecturer, with 1 and with 2 replicas behind nginx
(deploy/vae-lab.sh, on this machine), sharing one model store.

Each session opens the worked example through nginx and steps β three times, all at once (even sessions right, odd
ones left: a class following the lecturer, two new set-ups a round), as benchmarks/load_test.py's protocol sessions
do. nginx spreads the sessions over the replicas (a protocol session has no cookie: each websocket is a new visitor).
Measured: move → updated page (the server has sent the whole rerun) p50 / p95, errors, the models trained (files the
replicas added to the shared store), the CPU-seconds the replicas and their workers used, each replica's sessions
and its memory (with its training workers) at start and at its peak.

Run: python -m benchmarks.replicas [--sessions 20] [--moves 3] [--think 0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.load_test import SCENARIOS, LoadResult, Stage, p50_p95, protocol_session
from benchmarks.protocol_viewer import ProtocolViewer
from benchmarks.usage import MemorySampler, rss_mb, server_cpu
from tests.browser.harness import ROOT, free_port

SCRIPT = ROOT / "deploy" / "vae-lab.sh"


def consecutive_ports(n: int) -> int:
    import socket

    for _ in range(100):
        first = free_port()
        try:
            for k in range(1, n):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", first + k))
            return first
        except OSError:
            continue
    raise RuntimeError(f"no {n} free ports in a row")


async def drive(url: str, sessions: int, moves: int, think: float, result: LoadResult) -> None:
    scenario = SCENARIOS["home"]
    loaded, moved = Stage(sessions, None), Stage(sessions, None)
    await asyncio.gather(*(protocol_session(url, scenario, i, moves, result, loaded, moved, think)
                           for i in range(sessions)))


async def first_visit(url: str) -> None:
    viewer = ProtocolViewer(url)
    await viewer.open(SCENARIOS["home"].page, SCENARIOS["home"].query)
    await viewer.close()


def case(replicas: int, sessions: int, moves: int, think: float) -> dict:
    data = Path(tempfile.mkdtemp(prefix="vae-lab-replicas-"))
    first, port = consecutive_ports(replicas), free_port()
    env = {**os.environ, "VAE_LAB_DATA": str(data), "VAE_LAB_STORE": str(data / "store"), "VAE_LAB_PORT": str(port),
           "VAE_LAB_FIRST_PORT": str(first)}
    subprocess.run(["bash", str(SCRIPT), "start", str(replicas)], env=env, check=True, capture_output=True, timeout=300)
    url = f"http://127.0.0.1:{port}/"
    try:
        pids = [int((data / "run" / f"replica-{first + k}.pid").read_text()) for k in range(replicas)]
        for k in range(replicas):  # one visitor first on each: the starting model (trained once, loaded by the other)
            asyncio.run(first_visit(f"http://127.0.0.1:{first + k}/"))
        start_mb = [rss_mb(pid) for pid in pids]
        samplers = [MemorySampler(pid) for pid in pids]
        for sampler in samplers:
            sampler.start()
        files, cpu, started = len(list((data / "store").glob("*.npz"))), sum(server_cpu(p) for p in pids), time.perf_counter()
        result = LoadResult(sessions, moves, 0)
        asyncio.run(drive(url, sessions, moves, think, result))
        wall = time.perf_counter() - started
        time.sleep(3)  # the prefetch the last moves asked for
        cpu = sum(server_cpu(p) for p in pids) - cpu
        for sampler in samplers:
            sampler.running = False
        trained = len(list((data / "store").glob("*.npz"))) - files
        log = (data / "run" / "nginx-access.log").read_text()
        spread = [len(re.findall(rf'"GET /_stcore/stream[^"]*" 101 .*-> 127\.0\.0\.1:{first + k}\b', log))
                  for k in range(replicas)]
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=env, capture_output=True, timeout=120)
    return {"replicas": replicas, "latency": p50_p95(result.protocol_latencies), "errors": len(result.errors),
            "error_list": result.errors[:5], "trained": trained, "cpu": cpu, "wall": wall, "spread": spread,
            "start_mb": start_mb, "peak_mb": [s.peak for s in samplers]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--moves", type=int, default=3)
    parser.add_argument("--think", type=float, default=0.0, help="seconds (at most) a session waits before a move")
    args = parser.parse_args()
    rows = [case(n, args.sessions, args.moves, args.think) for n in (1, 2)]
    print("| replicas | sessions per replica | move → updated page p50 / p95 | errors | models trained | "
          "CPU-s (replicas + workers) | memory per replica: start / peak |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        memory = ", ".join(f"{a:.0f} / {b:.0f} MB" for a, b in zip(r["start_mb"], r["peak_mb"]))
        print(f"| {r['replicas']} | {' + '.join(map(str, r['spread']))} | {r['latency']} | {r['errors']} | "
              f"{r['trained']} | {r['cpu']:.1f} | {memory} |")
    for r in rows:
        for e in r["error_list"]:
            print(f"  {r['replicas']} replica(s): {e}")


if __name__ == "__main__":
    main()
