"""Play's frame rate in one Chromium tab at 1280×720 in lecture mode (the lecturer's screen), beside a timer.

Play sends the replay's figures once, each holding every snapshot, and the browser plays them (vae_ui.page.player).
For each view this opens the page, presses Play twice (the first round makes the snapshots' views and figures on
the server, the second finds them made) and records, as Vega draws them, the epochs the training curves' marker
shows ("epoch N", written on the curves' canvas: a hook on fillText, installed before the app loads, notes each
with its time). Two rates: frames seen / seconds from the press to the last frame (what the class waits, with the
figures' making and sending), and the playback's own, steps / seconds from the first step to the last. The reference page
(benchmarks/play_reference_app.py) reruns a Streamlit fragment every 0.1 s and draws no figure: what the old Play,
a frame per rerun, could at best reach; it is read as before ("Showing epoch N of 50", every 15 ms).

Run: python -m benchmarks.play_rate [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import re
import time

from tests.browser.harness import READY, free_port, launch, offline_context, start_server, wait_settled

EPOCHS = 50  # 25 snapshots (every 2 epochs) after the first, epoch 0
VIEWS = {  # name: (script, link)
    "reference: the timer and one line, no figure": ("benchmarks/play_reference_app.py", ""),
    "worked example, three clusters (5 charts)": ("dashboard.py", f"?h_epochs={EPOCHS}&lecture=1"),
    "worked example, digits (2 charts, 2 image rows, mosaic)": ("dashboard.py",
                                                                 f"?dataset=digits&h_epochs={EPOCHS}&lecture=1"),
}
SHOWN = re.compile(r"Showing epoch (\d+) of \d+")
PLAY = "[data-testid=stButton] button:has-text('play_arrow')"
MARKER = """window.__marks = [];  // [ms, epoch] of every "epoch N" Vega writes on a canvas
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text) {
  const m = /^epoch (\\d+)$/.exec(String(text)); if (m) window.__marks.push([performance.now(), +m[1]]);
  return fillText.apply(this, arguments);
};"""


def _shown(page) -> int | None:
    found = SHOWN.search(page.inner_text("[data-testid=stMain]"))
    return int(found.group(1)) if found else None


def _press_play(page) -> None:
    icon = page.locator(PLAY)  # the worked example's icon button
    button = icon.first if icon.count() else page.get_by_role("button", name="Play", exact=True)
    box = button.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _round_by_text(page) -> tuple[int, float, float]:
    """The reference: (frames seen, seconds from the press to the last, frames a second from the first to the last)."""
    _press_play(page)
    seen, started = [], time.perf_counter()
    while time.perf_counter() - started < 60:
        epoch = _shown(page)
        first = not seen and epoch is not None and epoch < EPOCHS  # Play has started
        if first or (seen and epoch is not None and epoch != seen[-1][0]):
            seen.append((epoch, time.perf_counter()))
        if seen and seen[-1][0] == EPOCHS:
            break
        page.wait_for_timeout(15)
    end = seen[-1][1] if seen else time.perf_counter()
    return len(seen), end - started, (len(seen) - 1) / max(end - seen[0][1], 1e-9) if seen else 0.0


def _round_by_marker(page) -> tuple[int, float, float]:
    """Play in the browser: the same three numbers, from the epochs the curves' marker was drawn at. The first, epoch
    0, is drawn as the figures arrive and stands until the clock starts: the playback's rate is counted from the
    first step (epoch 0 to 2) to the last."""
    page.evaluate("window.__marks = []")
    pressed = page.evaluate("performance.now()")
    _press_play(page)
    page.wait_for_function(f"() => window.__marks.some(m => m[1] === {EPOCHS})", timeout=120_000)
    page.wait_for_timeout(300)
    marks = page.evaluate(f"window.__marks.filter(m => m[0] > {pressed})")
    seen = []
    for ms, epoch in marks:
        if not seen or seen[-1][1] != epoch:
            seen.append((ms, epoch))
    seen = [mark for mark in seen[:next(i for i, (_, e) in enumerate(seen) if e == EPOCHS) + 1]]
    last = seen[-1][0]
    page.locator(PLAY).first.wait_for(timeout=60_000)  # Play ended: the page looked once more, Play is back
    page.wait_for_selector(READY, timeout=30_000)
    return len(seen), (last - pressed) / 1000, (len(seen) - 2) / max((last - seen[1][0]) / 1000, 1e-9)


def play_rounds(script: str, link: str, rounds: int) -> list[tuple[int, float, float]]:
    """(frames seen, seconds from the press, frames a second of playback) of each round of Play on a fresh server."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = start_server(port, script=script)
    reference = script.endswith("play_reference_app.py")
    try:
        with sync_playwright() as p:
            browser = launch(p)
            context = offline_context(browser, viewport=(1280, 720), probe=False)
            context.add_init_script(MARKER)
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/{link}")
            page.wait_for_selector(READY, timeout=300_000)
            page.wait_for_function("() => /Showing epoch/.test(document.body.innerText)", timeout=300_000)
            if not reference:
                wait_settled(page)  # the ladder measured: its arrival's rerun of the page does not fall mid-Play
            page.wait_for_timeout(3000)  # the page drawn, the background's first wishes under way
            found = []
            for _ in range(rounds):
                found.append(_round_by_text(page) if reference else _round_by_marker(page))
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
          + " | ".join(f"round {i + 1}: frames / s from press / fps from press / fps of playback"
                       for i in range(args.rounds)) + " |")
    print("|---|" + "---|" * args.rounds)
    for name, (script, link) in VIEWS.items():
        rounds = play_rounds(script, link, args.rounds)
        print(f"| {name} | " + " | ".join(f"{n} / {s:.2f} / {n / s:.1f} / {rate:.1f}" for n, s, rate in rounds) + " |",
              flush=True)
    print(f"(load average of the machine's 1, 5, 15 minutes at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())};"
          f" {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
