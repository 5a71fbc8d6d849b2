"""A lecturer steps through the whole course deck on a server started cold, before and after warming the model store.

For each case a fresh server (its own empty model store, or one filled by ``python -m vae_ui.warm decks/course.toml``)
and one protocol session (benchmarks/protocol_viewer.py: the server's work for a browser session) that opens scene 1
in lecture mode and presses Next through the last scene, with ``--talk`` seconds between presses (0: a lecturer
rehearsing at speed; the page's prefetch of the next scene then has no time to help). Measured per step: the
server's time from Next to the new scene's run finished; the models trained during the walk (files the server added
to the store); errors on the pages.

Run: python -m benchmarks.deck_walk [--talk 0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.protocol_viewer import ProtocolViewer
from tests.browser.harness import free_port, start_server
from vae_ui import deck_file

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "decks" / "course.toml"


async def walk(url: str, scenes: int, talk: float) -> tuple[list[float], list[str]]:
    """Seconds per scene (scene 1's opening, then each Next) and the pages' errors."""
    viewer = ProtocolViewer(url)
    first = deck_file.read(COURSE.read_bytes()).scenes[0]
    seconds = [await viewer.open(page="" if first.page == "home" else first.page, query="deck=course&scene=1&lecture=1")]
    errors = list(viewer.exceptions)
    for number in range(2, scenes + 1):
        await asyncio.sleep(talk)
        seconds.append(await viewer.click("Next"))
        if f"scene={number}" not in viewer.query:
            errors.append(f"scene {number}: the link says {viewer.query}")
        errors += viewer.exceptions
        viewer.exceptions = []
    await viewer.close()
    return seconds, errors


def case(warmed: bool, talk: float) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="vae-lab-walk-"))
    env = {"VAE_LAB_STORE": str(folder / "store"), "VAE_LAB_DATA": str(folder)}
    warm_seconds = 0.0
    if warmed:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "vae_ui.warm", str(COURSE)], cwd=ROOT, env={**os.environ, **env},
                       check=True, capture_output=True)
        warm_seconds = time.perf_counter() - started
    before = len(list((folder / "store").glob("*.npz")))
    port = free_port()
    server = start_server(port, env=env)
    try:
        scenes = len(deck_file.read(COURSE.read_bytes()).scenes)
        seconds, errors = asyncio.run(walk(f"http://127.0.0.1:{port}", scenes, talk))
    finally:
        server.terminate()
        server.wait(30)
    trained = len(list((folder / "store").glob("*.npz"))) - before
    return {"warmed": warmed, "seconds": seconds, "errors": errors, "trained": trained, "warm": warm_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--talk", type=float, default=0.0, help="seconds the lecturer talks before each Next")
    args = parser.parse_args()
    results = [case(False, args.talk), case(True, args.talk)]
    print("| store | models trained during the walk | step p50 | step p95 | slowest step | whole walk | errors |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        s = sorted(r["seconds"][1:])
        p95 = s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]
        name = f"warmed ({r['warm']:.0f} s before)" if r["warmed"] else "cold (empty)"
        print(f"| {name} | {r['trained']} | {statistics.median(s):.2f} s | {p95:.2f} s | {max(s):.2f} s | "
              f"{sum(r['seconds']):.1f} s | {len(r['errors'])} |")
    for r in results:
        print(("warmed" if r["warmed"] else "cold") + " per scene (s): " + " ".join(f"{x:.2f}" for x in r["seconds"]))
        for e in r["errors"][:5]:
            print("  error:", e)


if __name__ == "__main__":
    main()
