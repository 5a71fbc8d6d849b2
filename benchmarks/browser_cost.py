"""What a β move costs the browser: the worked example beside a one-slider Streamlit page, and five
figures like the worked example's drawn as Vega-Lite charts or as server-drawn images.

For each page, N Chromium tabs are opened one after another on this machine; then
  * one tab moves β alone a few times: the browser's CPU per move (all Chromium processes),
  * all N tabs move β at once, twice: the time from each key press to the page's last change
    (p50 / p95 by nearest rank) and the browser's CPU per move. The first round is each tab's first
    move (JavaScript not yet optimised for it), the second a warm one.
The reference page (benchmarks/reference_app.py: the same slider and one line of text) is the floor
of Streamlit's front end: no page of ours can cost the browser less per rerun. Its numbers show how much
of the load test's latency with N tabs on one machine is the browsers' own work, not the server's.
The two figure pages (benchmarks/figures_app.py) show what five charts cost, and whether pictures drawn
on the server (PNG) would cost the browser less.

Run: python -m benchmarks.browser_cost [--tabs 20] [--pages reference charts images home]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from benchmarks.load_test import BETA, p50_p95
from benchmarks.usage import chromium_cpu, server_cpu
from tests.browser.harness import READY, free_port, launch, start_server

PAGES = {  # name: (title, script and its arguments)
    "reference": ("one slider and a line of text (reference)", ("benchmarks/reference_app.py",)),
    "charts": ("the slider and five figures, Vega-Lite charts", ("benchmarks/figures_app.py",)),
    "images": ("the same five figures as server-drawn PNG images", ("benchmarks/figures_app.py", "png")),
    "home": ("the worked example (home page)", ("dashboard.py",)),
}
# The time of the page's last change, on the page's own clock: an element added, removed or retyped
# outside the slider and the header (the slider redraws its own value at once; the header shows the
# running indicator), a chart canvas redrawn (Vega redraws a canvas without touching the DOM; each
# redraw starts with one clearRect), or an image loaded (a new picture can come in the same <img>).
PROBE = """
window.__changed = 0; window.__pressedAt = 0;
const clear = CanvasRenderingContext2D.prototype.clearRect;
CanvasRenderingContext2D.prototype.clearRect = function (...args) {
  window.__changed = performance.now(); return clear.apply(this, args); };
document.addEventListener('keydown', () => { window.__pressedAt = performance.now(); }, true);
document.addEventListener('load', e => { if (e.target.tagName === 'IMG') window.__changed = performance.now(); }, true);
const aside = node => { const el = node.nodeType === 1 ? node : node.parentElement;
                        return !!(el && el.closest('[data-testid=stSlider], header')); };
new MutationObserver(records => { if (records.some(r => !aside(r.target))) window.__changed = performance.now(); })
  .observe(document, {subtree: true, childList: true, characterData: true});
"""
QUIET_MS = 500  # done: the script has finished and nothing has changed for this long


async def _quiet(page) -> None:
    await page.wait_for_function(
        f"() => !!document.querySelector('{READY}') && performance.now() - window.__changed > {QUIET_MS}",
        polling=100, timeout=600_000)


async def _move(page, key: str) -> float:
    """Press ``key`` on the β slider; seconds from the press to the page's last change."""
    thumb = page.get_by_role("slider", name=BETA)
    await thumb.focus()
    await thumb.press(key)
    await page.wait_for_function("() => window.__changed > window.__pressedAt", polling=100, timeout=600_000)
    await _quiet(page)
    return await page.evaluate("(window.__changed - window.__pressedAt) / 1000")


async def measure(script: tuple[str, ...], tabs: int) -> dict:
    from playwright.async_api import async_playwright

    port = free_port()
    server = start_server(port, ("--", *script[1:]) if script[1:] else (), script=script[0])
    try:
        async with async_playwright() as p:
            browser = await launch(p)

            async def open_tab():
                context = await browser.new_context(viewport={"width": 1200, "height": 900})
                await context.add_init_script(PROBE)
                page = await context.new_page()
                await page.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
                await _quiet(page)
                return page

            pages = [await open_tab()]
            for key in ("ArrowRight", "ArrowLeft"):  # the β values both sides are trained (server warm)
                await _move(pages[0], key)
            keys = ("ArrowRight", "ArrowLeft") * 3
            cpu = chromium_cpu()
            for key in keys:  # before the other tabs exist: their idle CPU is not counted
                await _move(pages[0], key)
            result = {"alone_cpu": (chromium_cpu() - cpu) / len(keys)}
            for _ in range(tabs - 1):  # one after another: loading is not what is measured here
                pages.append(await open_tab())
            for name, key in (("first", "ArrowLeft"), ("warm", "ArrowRight")):  # tab 0 is warm in both
                cpu, server_before = chromium_cpu(), server_cpu(server.pid)
                result[name] = await asyncio.gather(*(_move(page, key) for page in pages))
                result[name + "_cpu"] = (chromium_cpu() - cpu) / tabs
                result[name + "_server_cpu"] = (server_cpu(server.pid) - server_before) / tabs
            await browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tabs", type=int, default=20)
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES))
    args = parser.parse_args()
    print(f"\nβ moves in Chromium tabs on this machine (2 cores, server included); {args.tabs} tabs per page")
    print("| page | one tab alone: browser CPU per move | all tabs at once, first move: p50 / p95 · browser CPU "
          "per move | all at once, warm: p50 / p95 · browser CPU per move | server CPU per move (warm) |")
    print("|---|---|---|---|---|")
    for title, script in (PAGES[name] for name in args.pages):
        r = asyncio.run(measure(script, args.tabs))
        print(f"| {title} | {r['alone_cpu']:.3f} s | {p50_p95(r['first'])} · {r['first_cpu']:.3f} s | "
              f"{p50_p95(r['warm'])} · {r['warm_cpu']:.3f} s | {r['warm_server_cpu']:.3f} s |", flush=True)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"({time.perf_counter() - started:.0f} s)")
