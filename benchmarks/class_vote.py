"""The class vote under a class: N student sessions (protocol sessions: the app's own websocket messages, as each
student's browser sends them from their own laptop) join through the join link and vote, spread over 10 s.

Each student's page then keeps asking what the class shows, every POLL_SECONDS, as its browser's timer would.
It prints one table: every vote counted exactly once; the seconds until all N had voted; vote → the lecturer's
count (the lecturer's screen reads the count every COUNT_SECONDS: here the same read, on the same file, at the same
pace, so the figure leaves out only the lecturer's browser drawing one number); the server's memory before, with
the N sessions open and idle, and per session; and, in one Chromium tab, a scene step (PageDown) to a scene whose
models were prefetched while the lecturer talked → its page done, charts drawn.

Run: python -m benchmarks.class_vote [--students 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks.protocol_viewer import ProtocolViewer
from tests.browser.harness import CHART_INK, READY, free_port, launch, offline_context, start_server
from vae_ui.lecture.classroom import COUNT_SECONDS
from vae_ui.lecture.votes import VoteStore

SECRET = "benchmark-secret"
CHOICES = ("A", "B", "C", "D")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def students(url: str, code: str, n: int, spread: float, voted_at: list[float], idle: asyncio.Event,
                   opened: list[ProtocolViewer]) -> None:
    async def one(i: int) -> None:
        await asyncio.sleep(random.Random(i).uniform(0, spread))
        viewer = ProtocolViewer(url)
        await viewer.open(query=f"code={code}")
        opened.append(viewer)
        await viewer.click(CHOICES[i % len(CHOICES)] + ".")
        voted_at.append(time.time())
        while not idle.is_set():  # stay connected until the memory is read, the page asking what the class shows
            await asyncio.sleep(min(viewer.timers.values(), default=2.0))  # every POLL_SECONDS, as a browser does
            if not idle.is_set() and viewer.timers:
                await viewer.tick()
        await viewer.close()

    await asyncio.gather(*(one(i) for i in range(n)))


def counted_when(store: VoteStore, code: str, n: int, stop: threading.Event, seen: list[tuple[float, int]]) -> None:
    """The lecturer's count, read every COUNT_SECONDS (as the lecturer's screen does)."""
    while not stop.is_set():
        seen.append((time.time(), sum(store.counts(SECRET, code, 3, 1).values())))
        if seen[-1][1] >= n:
            return
        time.sleep(COUNT_SECONDS)


def scene_step(port: int) -> tuple[float, float]:
    """Seconds from PageDown to the next scene's link in the address bar (the server's run done), and to its page
    done in the tab (every chart drawn), its models prefetched while the lecturer talked."""
    from playwright.sync_api import sync_playwright

    done = f"() => !!document.querySelector('{READY}') && ({CHART_INK})().every(n => n > 0)"
    with sync_playwright() as p:
        browser = launch(p)
        page = offline_context(browser, viewport=(1280, 720), probe=False).new_page()
        page.goto(f"http://127.0.0.1:{port}/denoising?deck=course&scene=4&lecture=1")
        page.wait_for_function(done, timeout=300_000)
        page.wait_for_timeout(20_000)  # the lecturer talks; the next scene (the worked example) trains meanwhile
        page.mouse.click(5, 700)
        started = time.perf_counter()
        page.keyboard.press("PageDown")
        page.wait_for_function("() => /[?&]scene=5(&|$)/.test(location.search)", polling=20, timeout=60_000)
        served = time.perf_counter() - started  # the server's part: the page's run ends with the new link
        page.wait_for_function(done, polling=20, timeout=300_000)
        seconds = time.perf_counter() - started
        browser.close()
    return served, seconds


async def protocol_step(url: str) -> float:
    """The server's part of a scene step: a protocol session presents scene 4, waits while the next scene's models
    train in the background, then presses Next (the page switch and the worked example's whole run)."""
    viewer = ProtocolViewer(url)
    await viewer.open(page="denoising", query="deck=course&scene=4&lecture=1")
    await asyncio.sleep(20)
    seconds = await viewer.click("Next")
    assert "scene=5" in viewer.query and viewer.exceptions == [], (viewer.query, viewer.exceptions)
    await viewer.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--spread", type=float, default=10.0, help="seconds over which the students arrive")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="vae-lab-votes-"))
    os.environ["VAE_LAB_PRESENTER_SECRET"] = SECRET
    store = VoteStore(data / "votes.sqlite3")
    code = store.open_class(SECRET)
    store.show(SECRET, code, 3, "Which?", CHOICES, revealed=False)
    port = free_port()
    server = start_server(port, env={"VAE_LAB_DATA": str(data), "VAE_LAB_PRESENTER_SECRET": SECRET})
    try:
        before = rss_mb(server.pid)
        voted_at: list[float] = []
        seen: list[tuple[float, int]] = []
        opened: list[ProtocolViewer] = []
        stop = threading.Event()
        memory: dict[str, float] = {}
        poller = threading.Thread(target=counted_when, args=(store, code, args.students, stop, seen))

        async def run() -> float:
            idle = asyncio.Event()
            started = time.time()
            poller.start()
            task = asyncio.create_task(students(f"http://127.0.0.1:{port}", code, args.students, args.spread,
                                                voted_at, idle, opened))
            while len(voted_at) < args.students and not task.done():
                await asyncio.sleep(0.1)
            all_voted = time.time() - started
            await asyncio.sleep(3)  # idle
            memory["idle"] = rss_mb(server.pid)
            idle.set()
            await task
            return all_voted

        all_voted = asyncio.run(run())
        stop.set()
        poller.join()
        counts = store.counts(SECRET, code, 3, 1)
        expected = {i: sum(1 for k in range(args.students) if k % len(CHOICES) == i) for i in range(len(CHOICES))}
        latencies = []
        for rank, t in enumerate(sorted(voted_at), start=1):  # the first read of the count that includes the vote
            shown = next((at for at, n in seen if at >= t and n >= rank), None)
            if shown is not None:
                latencies.append(shown - t)
        errors = sum(len(v.exceptions) for v in opened)
        served = asyncio.run(protocol_step(f"http://127.0.0.1:{port}"))
        step = scene_step(port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    p50, p95 = (np.percentile(latencies, q) for q in (50, 95))
    print("| students | every vote counted once | all voted after | vote → lecturer's count p50 / p95 | "
          "server memory: before / N idle sessions / per session | scene step, prefetched: server (protocol) / one tab "
          "(link shown, charts drawn) | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {args.students} (arriving over {args.spread:g} s) | {'yes' if counts == expected else f'no: {dict(counts)}'} "
          f"| {all_voted:.1f} s | {p50:.2f} / {p95:.2f} s | {before:.0f} / {memory['idle']:.0f} MB / "
          f"{(memory['idle'] - before) / args.students:.2f} MB | {served:.2f} s / {step[0]:.2f} s, {step[1]:.2f} s | {errors} |")


if __name__ == "__main__":
    main()
