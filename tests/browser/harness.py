"""The browser harness the browser tests and the benchmarks share: start the app, launch Debian's Chromium
with the network closed, and know when Streamlit's page has finished drawing.

Works with Playwright's sync API (the tests) and its async API (the load test, the browser-cost
benchmark): ``launch`` and ``offline_route`` return what the API in use returns (an awaitable in async).
"""

from __future__ import annotations

import asyncio
import ctypes
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# As root, on a closed network: no sandbox (root), no GPU (none), no background requests (refused here).
LAUNCH = {"executable_path": CHROMIUM, "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]}
LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
READY = "[data-testid=stApp][data-test-script-state=notRunning]"
# What a page says while a part of it is still being made in the background (a β-VAE sweep, the worked example's
# ladder); SETTLED holds once it says none of them.
FILLING_IN = ("training in the background", "Measuring the bounds", "Measuring the gap")
SETTLED = ("() => { const text = document.querySelector('[data-testid=stMain]').innerText; "
           f"return !{list(FILLING_IN)!r}.some(s => text.includes(s)); }}")

# Per chart: the number of drawn data marks (SVG renderer), or of inked pixels (canvas renderer).
CHART_INK = """() => Array.from(document.querySelectorAll('[data-testid=stVegaLiteChart]')).map(el => {
  const c = el.querySelector('canvas');
  if (c) {
    const ctx = c.getContext('2d'); const d = ctx.getImageData(0, 0, c.width, c.height).data; let ink = 0;
    for (let i = 0; i < d.length; i += 16) { if (d[i + 3] > 0 && (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235)) ink++; }
    return ink;
  }
  return el.querySelectorAll('svg g.role-mark > *').length;  // data marks only, not axes or legends
})"""


# What Vega drew on each chart's canvas in its last frame, recorded as it draws (installed before the app loads,
# with ``context.add_init_script(CANVAS_PROBE)``): every text with its font size in CSS pixels, colour and
# position, every circle's radius and every rectangle, in CSS pixels of the page. A redraw clears the part of
# the canvas it redraws (clearRect): what was recorded there is forgotten.
CANVAS_PROBE = """
(() => {
  const frames = new WeakMap();  // canvas -> {texts: [], arcs: [], rects: []}
  window.__canvasFrame = c => frames.get(c) || {texts: [], arcs: [], rects: [], fills: []};
  const P = CanvasRenderingContext2D.prototype;
  const css = (ctx, x, y) => {  // canvas user space -> CSS pixels of the page, relative to the canvas
    const t = ctx.getTransform(), k = ctx.canvas.clientWidth / ctx.canvas.width;
    return [(t.a * x + t.c * y + t.e) * k, (t.b * x + t.d * y + t.f) * k, Math.hypot(t.a, t.b) * k];
  };
  const frame = ctx => { let f = frames.get(ctx.canvas);
                         if (!f) { f = {texts: [], arcs: [], rects: [], fills: []}; frames.set(ctx.canvas, f); }
                         return f; };
  const clip = new WeakMap();  // context -> the rectangle a redraw is clipped to (Vega redraws a dirty region)
  const rect = P.rect;
  P.rect = function (x, y, w, h) {
    const [px, py, k] = css(this, x, y);
    frame(this).rects.push({x: px, y: py, w: Math.abs(w * k), h: Math.abs(h * k)});
    return rect.apply(this, arguments);
  };
  const clipTo = P.clip;
  P.clip = function () {  // the last rectangle was a clip region, not a mark
    const r = frame(this).rects.pop();
    if (r) clip.set(this, r);
    return clipTo.apply(this, arguments);
  };
  const restore = P.restore;
  P.restore = function () { clip.delete(this); return restore.apply(this, arguments); };
  const clear = P.clearRect;
  P.clearRect = function (x, y, w, h) {
    let [x0, y0] = css(this, x, y), [x1, y1] = css(this, x + w, y + h);
    const c = clip.get(this);
    if (c) { x0 = Math.max(x0, c.x); y0 = Math.max(y0, c.y); x1 = Math.min(x1, c.x + c.w); y1 = Math.min(y1, c.y + c.h); }
    const f = frame(this), outside = p => p.x < x0 - 1 || p.x > x1 + 1 || p.y < y0 - 1 || p.y > y1 + 1;
    f.texts = f.texts.filter(outside); f.arcs = f.arcs.filter(outside); f.rects = f.rects.filter(outside);
    if (x0 <= 1 && y0 <= 1) f.fills = [];  // a redraw of the whole canvas: its colours start again
    return clear.apply(this, arguments);
  };
  const fillText = P.fillText;
  P.fillText = function (text, x, y) {
    const [px, py, k] = css(this, x, y), size = parseFloat((this.font.match(/([\\d.]+)px/) || [0, 0])[1]);
    const w = this.measureText(String(text)).width * k, t = this.getTransform();
    const rotated = Math.abs(t.b) > 1e-6;  // an axis title turned on its side
    const left = rotated ? px : px - w * ({center: 0.5, right: 1, end: 1}[this.textAlign] || 0);
    frame(this).texts.push({text: String(text), x: px, y: py, size: size * k, fill: String(this.fillStyle),
                            font: this.font, align: this.textAlign, left: left, right: rotated ? px : left + w,
                            rotated: rotated});
    return fillText.apply(this, arguments);
  };
  const fill = P.fill;
  P.fill = function () { frame(this).fills.push(String(this.fillStyle)); return fill.apply(this, arguments); };
  const arc = P.arc;
  P.arc = function (x, y, r) {
    const [px, py, k] = css(this, x, y); frame(this).arcs.push({x: px, y: py, r: r * k});
    return arc.apply(this, arguments);
  };
})();
"""
# Every chart on the page: its box on the page, its title (its largest text), what its canvas's last frame holds.
CHARTS = """() => Array.from(document.querySelectorAll('[data-testid=stVegaLiteChart]')).map(el => {
  const c = el.querySelector('canvas'), box = el.getBoundingClientRect();
  const f = c ? window.__canvasFrame(c) : {texts: [], arcs: [], rects: [], fills: []};
  return {box: {x: box.x, y: box.y, width: box.width, height: box.height}, ...f, canvasWidth: c ? c.clientWidth : 0,
          title: f.texts.reduce((a, t) => (t.size > a.size ? t : a), {text: '', size: 0}).text};
})"""


# ------------------------------------------------------------------------------ the server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, extra: tuple[str, ...] = (), script: str = "serve.py",
                 env: dict[str, str] | None = None, log: Path | None = None) -> subprocess.Popen:
    """``streamlit run script`` (a path from the repository root) on 127.0.0.1:port, once it is healthy; ``env``
    adds to the environment; ``log`` receives its output (else it is dropped)."""
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", *extra]
    out = open(log, "w") if log is not None else subprocess.DEVNULL  # noqa: SIM115 - the server's life long
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT if log is not None else out,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}, preexec_fn=_ends_with_parent)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the app did not become healthy within 60 s")


def _ends_with_parent() -> None:
    """In the server's process, before it runs: the kernel sends it SIGTERM when the process that started it (the
    test run, a benchmark) ends, however it ends (Ctrl+C, kill -9): no server of a test outlives its run."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


# ----------------------------------------------------------------------------- the browser
def launch(playwright):
    """Debian's Chromium (Playwright cannot download a browser here)."""
    return playwright.chromium.launch(**LAUNCH)


def offline(url: str) -> bool:
    """Whether a request stays on this machine (loopback, data: and blob: URLs)."""
    return url.startswith(("data:", "blob:")) or (urlsplit(url).hostname or "") in LOOPBACK


def offline_route(blocked: list[str]):
    """A route handler for ``context.route("**/*", ...)``: requests off this machine are aborted and recorded
    in ``blocked``."""
    def route(r):
        if offline(r.request.url):
            return r.continue_()
        blocked.append(r.request.url)
        return r.abort()

    return route


def offline_context(browser, viewport: tuple[int, int] = (1400, 1000), probe: bool = True, **kwargs):
    """A browser context in which every request off this machine is aborted (``context.blocked`` lists them), and
    every chart's canvas is probed (:data:`CANVAS_PROBE`, read with :func:`charts`). A benchmark timing what the
    browser draws passes ``probe=False``: the probe asks each canvas for its layout on every draw call, which
    costs the tab a lecturer's browser does not pay."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True,
                                  **kwargs)
    context.blocked = []
    context.route("**/*", offline_route(context.blocked))
    if probe:
        context.add_init_script(CANVAS_PROBE)
    return context


# ------------------------------------------------------------------------------ the page
def wait_ready(page, timeout: float = 90_000) -> None:
    """Wait until the script has finished, nothing is loading, and every chart has drawn."""
    page.wait_for_selector(READY, timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')", polling=100, timeout=timeout)
    page.wait_for_function(f"() => ({CHART_INK})().every(n => n > 0)", polling=100, timeout=timeout)
    page.wait_for_timeout(300)


def wait_settled(page, timeout: float = 180_000) -> None:
    """Wait until the page is ready and nothing on it is still filling in from the background (:data:`SETTLED`)."""
    wait_ready(page, timeout=timeout)
    page.wait_for_function(SETTLED, polling=200, timeout=timeout)
    wait_ready(page, timeout=timeout)


def goto(page, url: str) -> None:
    page.goto(url)
    wait_ready(page)


def assert_healthy(page) -> None:
    exceptions = page.locator("[data-testid=stException]")
    assert exceptions.count() == 0, exceptions.all_inner_texts()
    text = page.inner_text("[data-testid=stApp]")
    assert "Traceback" not in text
    assert "could not be read" not in text and "is not allowed; kept" not in text, \
        "a value this browser sent was refused as a crafted one (vae_ui.session.guard, controls.widget)"


def charts(page) -> list[dict]:
    """Every chart on the page, in page order: ``box``, ``title`` (its largest text) and what its last frame
    drew: ``texts`` (text, x, y, size in CSS px, fill, font, align, and its ``left`` and ``right`` ends), ``arcs``
    (x, y, r), ``rects`` (x, y, w, h) and the colours it filled (``fills``), positions in CSS pixels from the
    canvas's top left."""
    return page.evaluate(CHARTS)


def chart_titled(page, title_part: str) -> dict:
    found = [c for c in charts(page) if title_part in c["title"]]
    assert found, f"no chart titled like {title_part!r}: {[c['title'] for c in charts(page)]}"
    return found[0]


def chart_ink(page) -> list[int]:
    return page.evaluate(CHART_INK)


def charts_digest(page) -> str:
    """A fingerprint of what every chart canvas shows."""
    data = page.evaluate("""() => Array.from(document.querySelectorAll('[data-testid=stVegaLiteChart]'))
                                 .map(el => { const c = el.querySelector('canvas');
                                              return c ? c.toDataURL() : el.innerHTML; }).join('|')""")
    return hashlib.sha256(data.encode()).hexdigest()


def metric_values(page) -> list[str]:
    return page.locator("[data-testid=stMetricValue]").all_inner_texts()


def slider(page, label: str):
    """The thumb of the slider with this label (aria role slider)."""
    return page.locator(f'input[type=range][aria-label="{label}"]')  # by its exact label: role names match substrings


def step_slider(page, label: str, key: str = "ArrowRight", times: int = 1) -> None:
    thumb = slider(page, label)
    thumb.focus()
    for _ in range(times):
        thumb.press(key)
    page.wait_for_timeout(400)
    wait_ready(page)


PRESENTER_SECRET = "browser-test-presenter-secret"  # the class-vote servers' (conftest.vote_server)


def start_class_vote(page, secret: str = PRESENTER_SECRET) -> None:
    """On the lecturer's page (the sidebar open, a question scene presented): type the presenter secret and start a
    class vote; returns once the join code shows."""
    page.get_by_text("Lecture deck").click()
    page.get_by_role("textbox", name="Presenter secret").fill(secret)
    page.get_by_role("textbox", name="Presenter secret").press("Enter")
    wait_ready(page)
    page.get_by_role("button", name="Start a class vote").click()
    page.wait_for_function("() => /Code: [A-Z0-9]{5}/.test(document.body.innerText)", timeout=30_000)



def in_a_thread(coroutine: Any) -> Any:
    """Run a protocol client's coroutine to its end in a thread of its own, and return what it returns: in a session
    that has opened Chromium, Playwright's sync API keeps an event loop running in this one (asyncio.run here refuses)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
