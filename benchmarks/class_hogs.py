"""A pool that no one can hog (issue 31 §4): students keep asking for the heaviest set-ups the work budget allows,
while the lecturer and one other student ask for small new set-ups. How long do the small ones wait?

Sessions are protocol viewers (benchmarks/protocol_viewer.py): the server does a browser session's work. The heavy
students each open a heavy page on their own seed and move its learning rate at once after every answer, so every
move is a new heavy training: the digits autoencoder of width 256, MNIST's of width 128, the digits denoising AE at
1,000 epochs. After ``--warm`` seconds of that, the lecturer (a session that typed the presenter secret) and a student
each move the worked example's β to a value nobody has trained, ``--moves`` times, and the seconds from the move to
the page's first figure and to the page done are measured. The targets: the lecturer's within 10 s, the student's
within 20 s, on two cores. ``--alone`` also measures the same small moves with no heavy student.

Run: python -m benchmarks.class_hogs [--heavy 8] [--warm 20] [--moves 4] [--alone]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time

from streamlit.proto.WidgetStates_pb2 import WidgetState

from benchmarks.protocol_viewer import ProtocolViewer
from benchmarks.usage import CORES, cpu_seconds, server_cpu
from tests.browser.harness import free_port, start_server
from vae_ui import settings

SECRET = "bench-presenter-secret"
HEAVY = (  # page, link: near the heaviest set-ups the work budget allows (30 s for all a move trains), each model
    # 8-12 s on one core: the digits AE of width 256 (d = 2 and the comparison's d = 1), MNIST's AE of width 128, the
    # digits denoising AE at 1,000 epochs (and its plain AE)
    ("autoencoder", "dataset=digits&ae_width=256&ae_epochs=150&ae_latent=2"),
    ("autoencoder", "dataset=mnist&ae_width=128&ae_latent=2"),
    ("denoising", "dataset=digits&dae_epochs=1000"),
)
LR = {"autoencoder": "ae_lr", "denoising": None}  # the control each heavy student moves
BETAS = (0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 1.25, 1.5)  # the small moves: β values, a new one each time


async def _heavy(url: str, index: int, until: float, refused: list[str]) -> None:
    page, link = HEAVY[index % len(HEAVY)]
    viewer = ProtocolViewer(url)
    await viewer.open(page, f"{link}&seed={100 + index}")
    moves = 0
    while time.monotonic() < until:
        moves += 1
        if LR[page]:
            rate = settings.RATES[(moves + index) % 5 + 1]  # 3e-4 … 3e-2: every move a new set-up
            await viewer.select(settings.REGISTRY[LR[page]].label, f"{rate:g}")
        else:  # the denoising AE: its noise level, a new set-up each move
            await viewer.slide(settings.REGISTRY["dae_sigma"].label, 0.05 + 0.05 * (moves % 10))
        refused += [t for t in viewer.texts if "would take about" in t][:1]
    await viewer.close()


async def _presenter(viewer: ProtocolViewer) -> None:
    """Type the presenter secret into the sidebar and start a class vote: this session has first place now."""
    box = next(e.text_input for e in viewer.elements.get("text_input", []) if e.text_input.label == "Presenter secret")
    await viewer.send(WidgetState(id=box.id, string_value=SECRET))
    await viewer.click("Start a class vote")
    assert any("Your class" in t for t in viewer.texts), "the benchmark's session did not become the presenter"


async def _small(url: str, seed: int, lecturer: bool, start: float, moves: int, out: list) -> None:
    viewer = ProtocolViewer(url)
    await viewer.open("", f"seed={seed}")
    if lecturer:
        await _presenter(viewer)
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    label = settings.REGISTRY["h_beta"].label
    for beta in BETAS[:moves]:
        final = await viewer.select(label, f"{beta:g}")
        out.append((viewer.first_picture if viewer.first_picture is not None else final, final))
        await asyncio.sleep(3.0)  # the lecturer talks; the class keeps asking
    await viewer.close()


async def _class(url: str, heavy: int, warm: float, moves: int) -> dict:
    start = time.monotonic() + warm
    until = start + moves * 25.0  # the heavy students go on until the small moves are done (at most)
    lecturer, student, refused = [], [], []
    small = asyncio.gather(_small(url, 7, True, start, moves, lecturer), _small(url, 8, False, start + 1.0, moves, student))
    hogs = [asyncio.create_task(_heavy(url, i, until, refused)) for i in range(heavy)]
    await small
    for task in hogs:
        task.cancel()
    await asyncio.gather(*hogs, return_exceptions=True)
    return {"lecturer": lecturer, "student": student, "refused": len(refused)}


def run(heavy: int, warm: float, moves: int) -> dict:
    port = free_port()
    folder = tempfile.mkdtemp(prefix="vae-lab-hogs-")
    env = {"VAE_LAB_PRESENTER_SECRET": SECRET, "VAE_LAB_DATA": folder, "VAE_LAB_STORE": "off"}
    server = start_server(port, env=env)
    try:
        time.sleep(1.0)
        cpu0, own0, t0 = server_cpu(server.pid), cpu_seconds(server.pid), time.monotonic()
        found = asyncio.run(_class(f"http://127.0.0.1:{port}", heavy, warm if heavy else 0.0, moves))
        took = time.monotonic() - t0
        found["cores"] = (server_cpu(server.pid) - cpu0) / took
        found["own"] = (cpu_seconds(server.pid) - own0) / took
    finally:
        server.kill()
        server.wait()
    return found


def _row(heavy: int, who: str, times: list[tuple[float, float]], target: float) -> str:
    firsts, finals = [f for f, _ in times], [f for _, f in times]
    worst = max(finals)
    return (f"| {heavy} | {who} | {len(times)} | {min(firsts):.1f} / {max(firsts):.1f} s | "
            f"{sorted(finals)[len(finals) // 2]:.1f} / {worst:.1f} s | {target:g} s | {'yes' if worst <= target else 'no'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heavy", type=int, default=8, help="students on the heaviest set-ups")
    parser.add_argument("--warm", type=float, default=20.0, help="seconds of heavy asking before the small moves")
    parser.add_argument("--moves", type=int, default=4, help="small moves of the lecturer and of the student")
    parser.add_argument("--alone", action="store_true", help="also the small moves with no heavy student")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    rows = [(args.heavy, run(args.heavy, args.warm, args.moves))]
    if args.alone:
        rows.append((0, run(0, 0.0, args.moves)))
    print(f"{CORES} cores, load average before: {load:.2f}, after: {os.getloadavg()[0]:.2f}")
    print("| heavy students | who | small moves | move → first figure min / max | move → page done median / max "
          "| target | met |")
    print("|---|---|---|---|---|---|---|")
    for heavy, found in rows:
        print(_row(heavy, "lecturer (presenter secret)", found["lecturer"], 10.0))
        print(_row(heavy, "a student", found["student"], 20.0))
    for heavy, found in rows:
        print(f"heavy {heavy}: server cores busy {found['cores']:.2f} (its own process {found['own']:.2f}); "
              f"heavy moves refused by the work budget: {found['refused']}")


if __name__ == "__main__":
    main()
