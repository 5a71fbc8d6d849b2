"""A class exploring freely: N protocol sessions on one server, each moving through many new set-ups for a while.

Each session opens a page (the worked example, the autoencoder, the denoising AE or the ELBO page's β-VAE section)
on a data set and seed drawn at random (three clusters, moons, rings, spiral or the digits), then moves that
page's sliders (β, d, epochs, learning rate, width, σ) to random values — nearly every move a set-up nobody has
trained — and now and then opens another page on other data, as a student trying their own ideas does. Sessions
are the project's protocol viewers (benchmarks/protocol_viewer.py): the server does a browser session's work, and
nobody draws (each student's laptop draws its own tab).

Measured, per move: move → first picture (the first chart or image the run sends: the training's first picture,
or the page's first figure) and move → final picture (the run has finished: every figure sent); how many moves
were refused by the work budget (with the seconds they would take); errors (exceptions on a page); the cores
the server and its training workers kept busy; the server's memory (with its workers) at start, at its peak and
after the sessions closed. ``--single`` measures one session alone on the digits autoencoder of width 256, and
``--sweep`` one session sweeping it (50 epochs) through 27 set-ups.

Run: python -m benchmarks.class_explores [--sessions 20] [--seconds 300] [--single] [--sweep]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from benchmarks.protocol_viewer import ProtocolViewer
from benchmarks.usage import CORES, MemorySampler, cpu_seconds, rss_mb, server_cpu
from tests.browser.harness import free_port, start_server
from vae_ui import settings
from vae_ui.service import runs

PAGES = {  # page path and link query -> the sliders a student moves there (control keys)
    ("", ""): ("h_beta", "h_latent", "h_epochs", "h_lr"),
    ("autoencoder", ""): ("ae_latent", "ae_width", "ae_epochs", "ae_lr"),
    ("denoising", ""): ("dae_sigma", "dae_latent", "dae_epochs"),
    ("elbo", urlencode({"el_tab": "β-VAE"})): ("vb_beta", "vb_latent"),
}
DATASETS = ("three_clusters", "two_moons", "rings", "spiral", "digits")
NEW_PAGE = 0.2  # chance that a move opens another page on other data instead of moving a slider
THINK = (1.0, 4.0)  # seconds a student looks before the next move (uniform)
SESSION_TTL = 5  # seconds a closed session lives on (Streamlit's default is 120)


@dataclass
class Tally:
    first: list[float] = field(default_factory=list)  # move -> first picture, s
    final: list[float] = field(default_factory=list)  # move -> run finished, s
    refused: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, viewer: ProtocolViewer, final: float) -> None:
        """One move of ``viewer`` whose run took ``final`` seconds: its first picture, a refusal, its errors."""
        self.final.append(final)
        self.first.append(viewer.first_picture if viewer.first_picture is not None else final)
        self.refused += any("would take about" in t for t in viewer.texts)
        self.errors += viewer.exceptions
        viewer.exceptions = []


def _value(key: str, rng: random.Random) -> tuple[str, object]:
    """A random value of a control, as its widget sends it: ("select", formatted option) or ("slide", number)."""
    control = settings.REGISTRY[key]
    if control.options:
        return "select", (control.fmt or str)(rng.choice(control.options))
    steps = round((control.hi - control.lo) / control.step)
    return "slide", control.lo + control.step * rng.randint(0, steps)


async def _student(url: str, seconds: float, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    ends = time.monotonic() + seconds
    viewer: ProtocolViewer | None = None
    keys: tuple[str, ...] = ()
    while time.monotonic() < ends:
        try:
            if viewer is None or rng.random() < NEW_PAGE:
                if viewer is not None:
                    await viewer.close()
                (page, query), keys = rng.choice(list(PAGES.items()))
                link = "&".join(q for q in (query, f"dataset={rng.choice(DATASETS)}", f"seed={rng.randint(0, 9)}") if q)
                viewer = ProtocolViewer(url)
                final = await viewer.open(page, link)
            else:
                key = rng.choice([k for k in keys if settings.REGISTRY[k].label in viewer.sliders])
                how, value = _value(key, rng)
                label = settings.REGISTRY[key].label
                final = await (viewer.select(label, value) if how == "select" else viewer.slide(label, value))
            tally.count(viewer, final)
        except (ConnectionError, OSError, KeyError, IndexError) as err:
            tally.errors.append(repr(err)[:200])
            viewer = None
        await asyncio.sleep(rng.uniform(*THINK))
    if viewer is not None:
        await viewer.close()


async def _class(url: str, sessions: int, seconds: float) -> Tally:
    tally = Tally()
    await asyncio.gather(*(_student(url, seconds, seed, tally) for seed in range(sessions)))
    return tally


async def _single(url: str) -> Tally:
    """One session: the digits autoencoder of width 256 (the freeze of 66 s measured before the pool)."""
    tally = Tally()
    viewer = ProtocolViewer(url)
    tally.count(viewer, await viewer.open("autoencoder", "dataset=digits&ae_width=256"))
    await viewer.close()
    return tally


async def _sweep(url: str) -> Tally:
    """One session sweeping the digits autoencoder of width 256 (50 epochs) through 27 set-ups: every latent
    dimension, then learning rates (the memory case: 4 GB before the byte budget)."""
    tally = Tally()
    viewer = ProtocolViewer(url)
    tally.count(viewer, await viewer.open("autoencoder", "dataset=digits&ae_width=256&ae_epochs=50"))
    label = settings.REGISTRY["ae_latent"].label
    moves = [("slide", label, d) for d in range(2, 17)] + [
        ("select", settings.REGISTRY["ae_lr"].label, f"{lr:g}") for lr in settings.RATES[:-1]] + [
        ("slide", label, d) for d in (3, 5, 7)]
    for how, what, value in moves[:26]:
        tally.count(viewer, await (viewer.slide(what, value) if how == "slide" else viewer.select(what, value)))
    await viewer.close()
    return tally


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run(sessions: int, seconds: float, single: bool = False, sweep: bool = False) -> dict[str, float]:
    port = free_port()
    server = start_server(port, ("--server.disconnectedSessionTTL", str(SESSION_TTL)))
    url = f"http://127.0.0.1:{port}"
    try:
        time.sleep(1.0)
        start_mb = rss_mb(server.pid)
        memory = MemorySampler(server.pid)
        memory.start()
        cpu0, own0, t0 = server_cpu(server.pid), cpu_seconds(server.pid), time.monotonic()
        tally = asyncio.run(_sweep(url) if sweep else _single(url) if single else _class(url, sessions, seconds))
        took = time.monotonic() - t0
        cores, own = (server_cpu(server.pid) - cpu0) / took, (cpu_seconds(server.pid) - own0) / took
        time.sleep(SESSION_TTL + 6)  # closed sessions expire
        memory.running = False
        after_mb = rss_mb(server.pid)
    finally:
        server.kill()
        server.wait()
    return {"sessions": 1 if single else sessions, "moves": len(tally.final), "errors": len(tally.errors),
            "refused": tally.refused, "first p50": _p(tally.first, 0.5), "first p95": _p(tally.first, 0.95),
            "final p50": _p(tally.final, 0.5), "final p95": _p(tally.final, 0.95), "final max": max(tally.final),
            "cores busy": cores, "server cores": own, "MB start": start_mb, "MB peak": memory.peak, "MB after": after_mb,
            "error sample": tally.errors[:3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="*", default=[20], help="class sizes (none: only --single, --sweep)")
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--single", action="store_true", help="also the digits autoencoder of width 256, alone")
    parser.add_argument("--sweep", action="store_true", help="also one session sweeping it through 27 set-ups")
    args = parser.parse_args()
    rows = [run(n, args.seconds) for n in args.sessions]
    if args.single:
        rows.append(run(1, 0, single=True))
    if args.sweep:
        rows.append(run(1, 0, sweep=True))
    print(f"cache budget {runs.BUDGET.max_bytes / 2**20:.0f} MB, work budget {runs.WORK_BUDGET:g} s, "
          f"{CORES} cores, {args.seconds:g} s per class")
    print("| sessions | moves | errors | refused | move → first picture p50 / p95 | move → final p50 / p95 / max "
          "| cores busy: all (server's own) | server MB start / peak / after close |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['sessions']} | {r['moves']} | {r['errors']} | {r['refused']} | {r['first p50']:.2f} / "
              f"{r['first p95']:.2f} s | {r['final p50']:.2f} / {r['final p95']:.2f} / {r['final max']:.1f} s | "
              f"{r['cores busy']:.2f} ({r['server cores']:.2f}) of {CORES} | "
              f"{r['MB start']:.0f} / {r['MB peak']:.0f} / {r['MB after']:.0f} |")
        if r["error sample"]:
            print("   errors:", r["error sample"])


if __name__ == "__main__":
    main()
