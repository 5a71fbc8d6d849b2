"""First visits: each page on each data set, opened in one Chromium tab on a freshly started server (nothing
trained, nothing cached), as a lecturer's first click on a set-up meets it.

For each it prints: the seconds until something moves (a progress bar or a chart), until the first chart is
drawn, until the page is done (the script finished, every chart drawn, nothing left training in the background),
and the longest stretch in which nothing on the page moved (no element added, removed or retyped, no chart
redrawn) before it was done: the target is 5 s at most.

Run: python -m benchmarks.first_visit [name ...]
"""

from __future__ import annotations

import argparse
import time

from tests.browser.harness import CHART_INK, READY, SETTLED, free_port, launch, offline_context, start_server

VIEWS = {  # name: the link
    "home, three clusters": "",
    "home, digits": "?dataset=digits",
    "autoencoder, three clusters": "autoencoder",
    "autoencoder, digits": "autoencoder?dataset=digits",
    "denoising, three clusters": "denoising",
    "denoising, digits": "denoising?dataset=digits",
    "ELBO β-VAE, three clusters": "elbo?el_tab=%CE%B2-VAE",
    "ELBO β-VAE, digits": "elbo?el_tab=%CE%B2-VAE&dataset=digits",
    "ELBO KL (nothing to train)": "elbo",
    "reparameterisation (nothing to train)": "reparameterisation",
}
# The time of the page's last change, on the page's clock: a mutation of the main area, or a chart's canvas redrawn.
PROBE = """
window.__changed = performance.now();
const clear = CanvasRenderingContext2D.prototype.clearRect;
CanvasRenderingContext2D.prototype.clearRect = function (...a) {
  window.__changed = performance.now(); return clear.apply(this, a); };
const inMain = node => { const el = node.nodeType === 1 ? node : node.parentElement;
                        return !!(el && el.closest('[data-testid=stMain]')); };  // not the header's running icon
new MutationObserver(records => { if (records.some(r => inMain(r.target))) window.__changed = performance.now(); })
  .observe(document, {subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['style']});
"""
MOVING = ("() => !!document.querySelector("
          "'[data-testid=stProgress], [data-testid=stVegaLiteChart] canvas, [data-testid=stImage] img')")
DONE = f"() => !!document.querySelector('{READY}') && ({CHART_INK})().every(n => n > 0) && ({SETTLED})()"


def visit(link: str, timeout: float = 600.0) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = start_server(port)
    try:
        with sync_playwright() as p:
            browser = launch(p)
            context = offline_context(browser, viewport=(1280, 720))
            context.add_init_script(PROBE)
            page = context.new_page()
            started = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/{link}", wait_until="domcontentloaded")
            first_move = first_chart = None
            still, last_change, done = 0.0, 0.0, None
            while time.perf_counter() - started < timeout:
                now = time.perf_counter() - started
                if first_move is None and page.evaluate(MOVING):
                    first_move = now
                if first_chart is None and any(n > 0 for n in page.evaluate(CHART_INK)):
                    first_chart = now
                changed = (page.evaluate("performance.now() - window.__changed")) / 1000  # seconds since the last change
                still = max(still, changed)
                last_change = now - changed
                if page.evaluate(DONE):
                    page.wait_for_timeout(1500)  # still done a moment later (a fragment polling for the sweep)
                    if page.evaluate(DONE):
                        done = time.perf_counter() - started - 1.5
                        break
                page.wait_for_timeout(200)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    return {"move": first_move, "chart": first_chart, "done": done, "still": still, "last": last_change}


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", default=list(VIEWS))
    args = parser.parse_args()
    print("| first visit (fresh server, one tab, 1280×720) | something moves, s | first chart, s | done, s | "
          "longest still stretch before done, s | ≤ 5 s still |")
    print("|---|---|---|---|---|---|")
    for name in args.names:
        r = visit(VIEWS[name])
        ok = r["done"] is not None and r["still"] <= 5.0
        print(f"| {name} | {_s(r['move'])} | {_s(r['chart'])} | {_s(r['done'])} | {r['still']:.1f} | "
              f"{'yes' if ok else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
