"""Play's frame rate in one Chromium tab at 1280×720 in lecture mode (the lecturer's screen), beside its floor.

For each view it opens the page, presses Play twice (the first round's frames are made on the server as they are
asked for, the second finds them made) and counts the snapshots the tab showed ("Showing epoch N of 50", read every
15 ms) and the seconds from the press to the last one: frames per second = frames seen / seconds. The tab has no
canvas probe (the tests' probe costs the browser time a lecturer's does not spend). The reference page
(benchmarks/play_reference_app.py) reruns a fragment on the same timer and draws no figure: no Play can beat it.

Run: python -m benchmarks.play_rate [--rounds 2]
"""

from __future__ import annotations

import argparse
import re
import time

from tests.browser.harness import READY, free_port, launch, offline_context, start_server

EPOCHS = 50  # 25 snapshots (every 2 epochs)
VIEWS = {  # name: (script, link)
    "reference: the timer and one line, no figure": ("benchmarks/play_reference_app.py", ""),
    "worked example, three clusters (5 charts)": ("dashboard.py", f"?h_epochs={EPOCHS}&lecture=1"),
    "worked example, digits (2 charts, 2 image rows, mosaic)": ("dashboard.py",
                                                                 f"?dataset=digits&h_epochs={EPOCHS}&lecture=1"),
}
SHOWN = re.compile(r"Showing epoch (\d+) of \d+")


def _shown(page) -> int | None:
    found = SHOWN.search(page.inner_text("[data-testid=stMain]"))
    return int(found.group(1)) if found else None


def _press_play(page) -> None:
    icon = page.locator("[data-testid=stButton] button:has-text('play_arrow')")  # the worked example's icon button
    button = icon.first if icon.count() else page.get_by_role("button", name="Play", exact=True)
    box = button.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def play_rounds(script: str, link: str, rounds: int) -> list[tuple[int, float]]:
    """(frames seen, seconds) of each round of Play on a fresh server."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = start_server(port, script=script)
    try:
        with sync_playwright() as p:
            browser = launch(p)
            page = offline_context(browser, viewport=(1280, 720), probe=False).new_page()
            page.goto(f"http://127.0.0.1:{port}/{link}")
            page.wait_for_selector(READY, timeout=300_000)
            page.wait_for_function("() => /Showing epoch/.test(document.body.innerText)", timeout=300_000)
            page.wait_for_timeout(3000)  # the page drawn, the background's first wishes under way
            found = []
            for _ in range(rounds):
                _press_play(page)
                seen, started = [], time.perf_counter()
                while time.perf_counter() - started < 60:
                    epoch = _shown(page)
                    first = not seen and epoch is not None and epoch < EPOCHS  # Play has started
                    if first or (seen and epoch is not None and epoch != seen[-1]):
                        seen.append(epoch)
                    if seen and seen[-1] == EPOCHS:
                        break
                    page.wait_for_timeout(15)
                found.append((len(seen), time.perf_counter() - started))
                page.wait_for_timeout(2000)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"| Play, {EPOCHS // 2} snapshots, one tab, 1280×720 lecture mode | "
          + " | ".join(f"round {i + 1}: frames seen / s / fps" for i in range(args.rounds)) + " |")
    print("|---|" + "---|" * args.rounds)
    for name, (script, link) in VIEWS.items():
        rounds = play_rounds(script, link, args.rounds)
        print(f"| {name} | " + " | ".join(f"{n} / {s:.2f} / {n / s:.1f}" for n, s in rounds) + " |", flush=True)


if __name__ == "__main__":
    main()
