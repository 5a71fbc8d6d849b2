"""Many viewers at once: N concurrent sessions against one server, each moving sliders.

Each session opens the worked example, then steps the β slider (with ``--page``: the denoising page and
its σ slider, the autoencoder page and its latent dimension, the ELBO page's β-VAE section and its β;
or, with nothing to train, the ELBO page's KL section and its μ, the reparameterisation page and its
μ₁): even-numbered sessions step right, odd ones left (two new configurations per round, as a class
following the lecturer with a few going their own way). Measured: errors, whether each session sees
its own controls, the time from a key press to the updated chart (p50/p95), the CPU a move costs the
browsers and the server, and the server's memory (resident set, with its training process, sampled
every 0.1 s): at start, peak, and after the sessions close and expire.

By default every session is a Chromium tab, and all of them share this machine's 2 cores with the
server, which a lecture hall never does: there each browser draws on its own laptop. With
``--browsers R`` only R sessions are Chromium tabs; the other N - R speak the app's websocket protocol
(benchmarks/protocol_viewer.py): the server does the same work for them, but nobody draws. Their
time is key press -> the server has sent the whole rerun; the tabs' time is still key press -> chart
redrawn, now with the server under N sessions and the tabs' own drawing not starved of CPU.

Run: python -m benchmarks.load_test [--sessions 20] [--moves 3] [--think T] [--browsers R] [--page home]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from playwright.async_api import TimeoutError as PlaywrightTimeout

from benchmarks.protocol_viewer import ProtocolViewer
from benchmarks.usage import CORES, MemorySampler, chromium_cpu, harness_cpu, rss_mb, server_cpu
from tests.browser.harness import CHART_INK, READY, free_port, launch, offline_route, start_server
from vae_ui import settings


@dataclass(frozen=True)
class Scenario:
    """The page every session opens, from a link that sets one slider to ``start`` (and the controls in
    ``extra``, URL-encoded), and that slider, which each session then steps with the arrow keys (a control
    of vae_ui.settings, by key)."""

    page: str  # the page's URL path ("" is the worked example)
    key: str
    start: Any
    extra: str = ""  # more of the link's query, e.g. the ELBO page's section

    @property
    def label(self) -> str:
        return settings.REGISTRY[self.key].label

    @property
    def query(self) -> str:
        default = settings.REGISTRY[self.key].default
        own = "" if self.start == default else f"{self.key}={settings.Control.encode(self.start)}"
        return "&".join(part for part in (self.extra, own) if part)

    def link(self, url: str) -> str:
        return f"{url}{self.page}" + (f"?{self.query}" if self.query else "")

    def after(self, presses: int) -> Any:
        """The slider's value after ``presses`` key presses from the start (negative: to the left)."""
        value = settings.step(self.key, self.start, presses)
        assert value is not None, f"{presses} presses from {self.start} leave the range of {self.key}"
        return value

    def shows(self, text: str | None, presses: int) -> bool:
        """Whether a slider's text (its aria-valuetext, or the value in the page's URL) is the value
        ``presses`` key presses from the start."""
        try:
            return math.isclose(float(text), float(self.after(presses)))
        except (TypeError, ValueError):
            return False


SCENARIOS = {
    # a new slider value is a training, unless the background has made it already
    "home": Scenario("", "h_beta", 1.0),
    "denoising": Scenario("denoising", "dae_sigma", 0.3),
    "autoencoder": Scenario("autoencoder", "ae_latent", 4),  # from d = 4: sessions can step both ways
    "beta-vae": Scenario("elbo", "vb_beta", 1.0, extra=urlencode({"el_tab": "β-VAE"})),
    # nothing to train: each step only redraws
    "kl": Scenario("elbo", "kl_mu", 1.0),  # the ELBO page's first section: KL in closed form and by Monte Carlo
    "reparameterisation": Scenario("reparameterisation", "rp_mu1", 0.5),
}
BETA = SCENARIOS["home"].label  # the worked example's β slider, as a user reads it

# Installed in every tab before the app loads: count Vega's canvas redraws (each starts with one
# clearRect on the chart's canvas) and note the time of the last one and of the last key press, on
# the page's own clock. Waiting then reads a few numbers instead of pixels: with 20 tabs on 2 cores,
# polling every chart's pixels 20 times a second was itself a large part of the load.
PROBE = """
window.__renders = 0; window.__lastRender = 0; window.__pressedAt = 0;
const clear = CanvasRenderingContext2D.prototype.clearRect;
CanvasRenderingContext2D.prototype.clearRect = function (...args) {
  window.__renders++; window.__lastRender = performance.now(); return clear.apply(this, args); };
document.addEventListener('keydown', () => { window.__pressedAt = performance.now(); }, true);
"""
QUIET_MS = 500  # the charts are done when the script has finished and none has redrawn for this long
SINCE_PRESS = "(window.__lastRender - window.__pressedAt) / 1000"  # seconds from the key press to the last redraw
DIGEST = """() => Array.from(document.querySelectorAll('[data-testid=stVegaLiteChart]'))
    .map(el => { const c = el.querySelector('canvas'); if (!c) return el.innerHTML.length;
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let h = 0;
                 for (let i = 0; i < d.length; i += 97) h = (h * 31 + d[i]) | 0;  // a cheap pixel checksum
                 return h; })
    .join('|')"""
SESSION_TTL = 5  # seconds a closed tab's session lives on (Streamlit's default is 120)

CpuReading = tuple[float, float, float, float]  # cpu_now(): time, and the CPU seconds of browsers, server, harness


@dataclass
class LoadResult:
    """Every number one run measures (:func:`run` returns it, :func:`main` prints it)."""

    sessions: int
    moves: int
    browsers: int  # how many of the sessions were Chromium tabs (the rest spoke the protocol)
    latencies: list[float] = field(default_factory=list)  # tabs: key press -> last chart redrawn, s
    protocol_latencies: list[float] = field(default_factory=list)  # protocol sessions: key press -> rerun sent, s
    loads: list[float] = field(default_factory=list)  # tabs: page opened -> every chart drawn, s
    protocol_loads: list[float] = field(default_factory=list)  # protocol sessions: page opened -> script finished
    errors: list[str] = field(default_factory=list)
    values: dict[int, str] = field(default_factory=dict)  # each session's slider value at the end
    late_redraws: int = 0  # moves whose last chart redrew after the others had gone quiet
    moves_from: CpuReading | None = None  # when every session had loaded
    moves_to: CpuReading | None = None  # when every session had moved
    wall: float = 0.0  # seconds from the first session's load to the last one's close
    server_cpu: float = 0.0  # CPU seconds of the server (and its training process) over that time
    baseline_mb: float = 0.0  # the server's resident memory before the sessions, after one visitor
    peak_mb: float = 0.0
    after_mb: float = 0.0  # once the sessions have closed and expired
    expected: dict[int, str] = field(default_factory=dict)  # each session's slider value if it moved as told
    isolated: bool = False  # every session ended on its own expected value


def cpu_now(server_pid: int | None) -> CpuReading:
    """(time, the browsers' CPU seconds, the server's, this harness's) so far."""
    return time.perf_counter(), chromium_cpu(), server_cpu(server_pid) if server_pid else 0.0, harness_cpu()


async def _settled(page, renders_before: int) -> None:
    """The script has finished, the charts redrew after ``renders_before`` redraws, then stayed still."""
    await page.wait_for_function(
        f"""(before) => !!document.querySelector('{READY}') && window.__renders > before
                       && performance.now() - window.__lastRender > {QUIET_MS}""",
        arg=renders_before, polling=100, timeout=240_000)


async def _count_late_redraw(page, latencies: list[float], result: LoadResult) -> None:
    """A chart that redrew more than QUIET_MS after the others still belongs to the last move: its time counts."""
    if latencies:
        since_press = await page.evaluate(SINCE_PRESS)
        if since_press > latencies[-1]:
            latencies[-1] = since_press
            result.late_redraws += 1


def _failed(result: LoadResult, index: int, err: Exception) -> None:
    """A failed session is reported, not raised."""
    result.errors.append(f"session {index}: {type(err).__name__}: {str(err)[:120]}")


class Stage:
    """A point every session reaches (all loaded, all moved): the last to arrive notes the time and the CPU
    used so far, then all go on together (all sessions move at once: the worst moment for the server)."""

    def __init__(self, sessions: int, server_pid: int | None) -> None:
        self.sessions, self.server_pid, self.arrived = sessions, server_pid, 0
        self.at: CpuReading | None = None  # cpu_now() when the last session arrived
        self._everyone = asyncio.Event()

    async def arrive(self) -> None:
        self.arrived += 1
        if self.arrived == self.sessions:
            self.at = cpu_now(self.server_pid)
            self._everyone.set()
        await self._everyone.wait()


async def session(browser, url: str, scenario: Scenario, index: int, moves: int, result: LoadResult,
                  all_loaded: Stage, all_moved: Stage, think: float = 0.0) -> None:
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(240_000)  # 20 tabs share 2 cores with the server: be patient, then measure

    await context.route("**/*", offline_route([]))
    await context.add_init_script(PROBE)
    page = await context.new_page()
    latencies: list[float] = []  # this tab's, from each key press to its last chart redraw (page clock)
    try:
        started = time.perf_counter()
        await page.goto(scenario.link(url), wait_until="domcontentloaded", timeout=180_000)
        await _settled(page, 0)
        try:  # a starved tab can draw its last chart more than QUIET_MS after the others: read the pixels, once
            await page.wait_for_function(f"() => ({CHART_INK})().every(n => n > 0)", polling=500, timeout=60_000)
        except PlaywrightTimeout:
            result.errors.append(f"session {index}: a chart is still blank 60 s after loading")
        result.loads.append(time.perf_counter() - started)
    except Exception as err:
        _failed(result, index, err)
        moves = 0
    await all_loaded.arrive()
    try:
        # by its exact label: "β", not "Compare with β" (the accessible name also holds the value)
        thumb = page.get_by_role("slider").and_(page.locator(f"[aria-label={json.dumps(scenario.label, ensure_ascii=False)}]"))
        key = "ArrowRight" if index % 2 == 0 else "ArrowLeft"
        pauses = random.Random(index)
        for _ in range(moves):
            await asyncio.sleep(pauses.uniform(0, think))  # a person looks at the picture, then moves on
            await _count_late_redraw(page, latencies, result)
            before_value, before = await thumb.get_attribute("aria-valuetext"), await page.evaluate(DIGEST)
            renders = await page.evaluate("window.__renders")
            await thumb.focus()
            await thumb.press(key)
            await _settled(page, renders)
            latencies.append(await page.evaluate(SINCE_PRESS))
            if await page.evaluate(DIGEST) == before:
                result.errors.append(f"session {index}: the charts did not change")
            if await thumb.get_attribute("aria-valuetext") == before_value:
                result.errors.append(f"session {index}: the slider did not move")
        if moves:
            await page.wait_for_timeout(2000)
            await _count_late_redraw(page, latencies, result)
            result.values[index] = await thumb.get_attribute("aria-valuetext")
            if await page.locator("[data-testid=stException]").count():
                result.errors.append(f"session {index}: exception on the page")
    except Exception as err:
        _failed(result, index, err)
    finally:
        result.latencies += latencies
        await all_moved.arrive()  # the tabs stay open until all have moved: their CPU is counted in full
        await context.close()


async def protocol_session(url: str, scenario: Scenario, index: int, moves: int, result: LoadResult,
                           all_loaded: Stage, all_moved: Stage, think: float = 0.0) -> None:
    """A session without a browser: the same reruns, sent and received over the websocket."""
    viewer = ProtocolViewer(url)
    control = settings.REGISTRY[scenario.key]
    try:
        result.protocol_loads.append(await viewer.open(scenario.page, scenario.query))
    except Exception as err:
        _failed(result, index, err)
        moves = 0
    await all_loaded.arrive()
    try:
        if moves:
            pauses = random.Random(index)
            for k in range(1, moves + 1):
                await asyncio.sleep(pauses.uniform(0, think))
                value = scenario.after(k if index % 2 == 0 else -k)
                if control.options:  # a select-slider takes the option's text, made as controls.widget makes it
                    moved = viewer.select(scenario.label, (control.fmt or str)(value))
                else:
                    moved = viewer.slide(scenario.label, value)
                result.protocol_latencies.append(await moved)
            # the controls as the server holds them for this session: the app writes them into the URL
            shown = dict(pair.split("=", 1) for pair in viewer.query.split("&") if "=" in pair)
            result.values[index] = shown.get(scenario.key, settings.Control.encode(control.default))
        result.errors += [f"session {index}: exception on the page: {e}" for e in viewer.exceptions]
    except Exception as err:
        _failed(result, index, err)
    finally:
        await all_moved.arrive()
        await viewer.close()


async def _drive(url: str, scenario: Scenario, sessions: int, moves: int, think: float = 0.0,
                 browsers: int | None = None, server_pid: int | None = None) -> LoadResult:
    from playwright.async_api import async_playwright

    browsers = sessions if browsers is None else browsers
    result = LoadResult(sessions, moves, browsers)
    all_loaded, all_moved = Stage(sessions, server_pid), Stage(sessions, server_pid)
    async with async_playwright() as p:
        browser = await launch(p)
        tabs = [session(browser, url, scenario, i, moves, result, all_loaded, all_moved, think) for i in range(browsers)]
        others = [protocol_session(url, scenario, i, moves, result, all_loaded, all_moved, think)
                  for i in range(browsers, sessions)]
        await asyncio.gather(*tabs, *others)
        result.moves_from, result.moves_to = all_loaded.at, all_moved.at
        await browser.close()
    return result


def run(sessions: int = 20, moves: int = 3, think: float = 0.0, browsers: int | None = None,
        scenario: Scenario = SCENARIOS["home"]) -> LoadResult:
    """Start a server, measure, stop it; returns every number the table prints."""
    port = free_port()
    server = start_server(port, ("--server.disconnectedSessionTTL", str(SESSION_TTL)))
    url = f"http://127.0.0.1:{port}/"
    try:
        asyncio.run(_drive(url, scenario, 1, 0))  # one visitor first: the starting model is trained and cached
        baseline = rss_mb(server.pid)
        sampler = MemorySampler(server.pid)
        sampler.start()
        started, cpu = time.perf_counter(), server_cpu(server.pid)
        result = asyncio.run(_drive(url, scenario, sessions, moves, think, browsers, server.pid))
        result.wall = time.perf_counter() - started
        result.server_cpu = server_cpu(server.pid) - cpu
        time.sleep(SESSION_TTL + 6)  # closed sessions expire
        sampler.running = False
        result.baseline_mb, result.peak_mb, result.after_mb = baseline, sampler.peak, rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=20)
    presses = {i: moves if i % 2 == 0 else -moves for i in range(sessions)}  # even sessions step right
    result.isolated = all(scenario.shows(result.values.get(i), presses[i]) for i in range(sessions))
    result.expected = {i: settings.Control.encode(scenario.after(p)) for i, p in presses.items()}
    return result


def p50_p95(values: list[float]) -> str:
    if not values:
        return "–"
    ordered = sorted(values)  # p95 by nearest rank: the smallest value with 95 % of them at or below it
    return f"{statistics.median(ordered):.2f} / {ordered[math.ceil(0.95 * len(ordered)) - 1]:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--moves", type=int, default=3)
    parser.add_argument("--think", type=float, default=0.0,
                        help="before each move a session pauses a random 0..THINK seconds (0: all move at once)")
    parser.add_argument("--page", choices=SCENARIOS, default="home",
                        help="the page the sessions open and the slider they step (default: home, β)")
    parser.add_argument("--browsers", type=int, default=None,
                        help="how many sessions are Chromium tabs (default: all); the rest speak the protocol")
    args = parser.parse_args()
    scenario = SCENARIOS[args.page]
    r = run(args.sessions, args.moves, args.think, args.browsers, scenario)
    tabs, others = r.browsers, args.sessions - r.browsers
    print(f"\nPage /{scenario.page}, slider '{scenario.label}' from {scenario.start:g}: "
          f"{args.sessions} sessions ({tabs} Chromium tabs on this machine, {others} protocol sessions) x "
          f"{args.moves} slider moves (pause before each: 0..{args.think:g} s), one server, {CORES} cores "
          f"(wall {r.wall:.1f} s, server CPU {r.server_cpu:.1f} s)")
    print("| measure | value | target |\n|---|---|---|")
    print(f"| sessions with an error | {len(r.errors)} | 0 |")
    print(f"| each session sees its own controls | {'yes' if r.isolated else 'NO'} | yes |")
    if tabs:
        print(f"| tabs: page load → all charts drawn, p50 / p95 | {p50_p95(r.loads)} | (all open at once) |")
        print(f"| tabs: slider → updated chart, p50 / p95 | {p50_p95(r.latencies)} | p95 ≤ 3 s |")
        print(f"| tabs: moves with a chart redrawn over {QUIET_MS} ms after the others (its time counted) | "
              f"{r.late_redraws} of {len(r.latencies)} | |")
    if others:
        print(f"| protocol sessions: page run, p50 / p95 | {p50_p95(r.protocol_loads)} | (all open at once) |")
        print(f"| protocol sessions: slider → server sent the rerun, p50 / p95 | {p50_p95(r.protocol_latencies)} | |")
    if r.moves_from and r.moves_to:
        (t0, b0, s0, h0), (t1, b1, s1, h1) = r.moves_from, r.moves_to
        if not tabs:  # only Chromium processes of an earlier run, ending meanwhile
            b0 = b1 = 0.0
        n = args.sessions * args.moves
        browser_cpu, server_move = (b1 - b0) / n, (s1 - s0) / n
        print(f"| the moves: wall · CPU per move, browsers' drawing + server (reruns, training) | {t1 - t0:.1f} s · "
              f"{browser_cpu:.2f} + {server_move:.2f} s | |")
        print(f"| the cores during the moves: busy | {(b1 - b0 + s1 - s0 + h1 - h0) / ((t1 - t0) * CORES):.0%} of {CORES} "
              f"(browsers {b1 - b0:.1f} s, server {s1 - s0:.1f} s, this harness {h1 - h0:.1f} s) | |")
        if args.think == 0:
            # All sessions press at once, so for p95 ≤ 3 s nearly all of the first round's charts must be ready
            # within 3 s: that round's work has to fit in 3 s of the cores. (The CPU also holds the harness's own
            # reads between moves, and a tab's first move costs more than its later ones.)
            work = args.sessions * (browser_cpu + server_move) / CORES
            print(f"| one round's work on the cores: sessions x CPU per move / {CORES} | {work:.2f} s | "
                  f"about 3 s or less for p95 ≤ 3 s |")
    print(f"| server memory: baseline / peak / after close | {r.baseline_mb:.0f} / {r.peak_mb:.0f} / "
          f"{r.after_mb:.0f} MB | peak ≤ 1536 MB, after ≈ baseline |")
    for e in r.errors[:10]:
        print("error:", e)


if __name__ == "__main__":
    main()
