"""Screenshots of every page and section as a lecturer's projector shows them: 1280×720 in lecture mode (the
first screen, and the whole page), into the git-ignored screenshots folder.

Run: python -m tests.browser.screenshots [--out screenshots/after] [--normal] [name ...]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tests.browser.harness import SCREENSHOTS, free_port, launch, offline_context, start_server, wait_ready, wait_settled

VIEWS = {  # name: the page's path and query (lecture mode is added)
    "home": "", "home_digits": "?dataset=digits",
    "autoencoder": "autoencoder", "autoencoder_digits": "autoencoder?dataset=digits&ae_epochs=50",
    "autoencoder_pca": "autoencoder?dataset=two_moons&ae_activation=linear",
    "denoising": "denoising", "denoising_digits": "denoising?dataset=digits&dae_epochs=50",
    "elbo_kl": "elbo", "elbo_gap": "elbo?el_tab=The+ELBO+gap", "elbo_beta": "elbo?el_tab=%CE%B2-VAE",
    "elbo_hidden": "elbo?el_tab=Hidden+%CE%B2", "reparameterisation": "reparameterisation",
    "home_mnist": "?dataset=mnist", "autoencoder_mnist": "autoencoder?dataset=mnist",
    "elbo_beta_free_bits": "elbo?el_tab=%CE%B2-VAE&vb_free_bits=1",
}
SCREEN = (1280, 720)


def with_lecture(path: str, lecture: bool) -> str:
    if not lecture:
        return path
    return path + ("&" if "?" in path else "?") + "lecture=1"


def page_height(page) -> int:
    """The height of the app's scrolling main area (the document itself does not scroll in Streamlit)."""
    return int(page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=SCREENSHOTS / "after")
    parser.add_argument("--normal", action="store_true", help="normal mode, not lecture mode")
    parser.add_argument("names", nargs="*", default=list(VIEWS))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = start_server(port)
    try:
        with sync_playwright() as p:
            browser = launch(p)
            context = offline_context(browser, viewport=SCREEN)
            page = context.new_page()
            for name in args.names:
                started = time.perf_counter()
                page.set_viewport_size({"width": SCREEN[0], "height": SCREEN[1]})
                page.goto(f"http://127.0.0.1:{port}/{with_lecture(VIEWS[name], not args.normal)}")
                wait_settled(page, timeout=300_000)  # a sweep and the ladder filled in, not half-drawn
                suffix = "_normal" if args.normal else ""
                page.screenshot(path=str(args.out / f"{name}{suffix}.png"))
                page.set_viewport_size({"width": SCREEN[0], "height": min(page_height(page) + 80, 12_000)})
                page.wait_for_timeout(800)
                wait_ready(page, timeout=300_000)
                page.screenshot(path=str(args.out / f"{name}{suffix}_full.png"))
                print(f"{name}: {time.perf_counter() - started:.1f} s", flush=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
