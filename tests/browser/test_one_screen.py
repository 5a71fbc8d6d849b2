"""Each scene of the course deck is one screen: at 1280×720 in lecture mode, the parts the scene shows (its ``show``)
lie on the first screen, before and after Reveal, under a header of at most a quarter of it.

Run as a script to measure every scene and take its screenshots (before and after Reveal) into screenshots/scenes:
python -m tests.browser.test_one_screen
"""

from __future__ import annotations

import sys

import pytest

from tests.browser.harness import SCREENSHOTS, assert_healthy, free_port, launch, offline_context, start_server, wait_settled
from vae_ui import deck as deck_module
from vae_ui.present import DECKS_DIR, HEADER_PX

SCREEN = (1280, 720)
COURSE = deck_module.read((DECKS_DIR / "course.toml").read_bytes())
# The box of the scene's shown parts, and of its header, in CSS px from the top of the screen.
MEASURE = """names => {
  const boxes = names.map(n => document.querySelector(`.st-key-part_${n}`)).filter(Boolean)
                     .map(el => el.getBoundingClientRect());
  const header = document.querySelector('.st-key-scene_header').getBoundingClientRect();
  const votes = Array.from(document.querySelectorAll('.st-key-scene_focus_vote')).map(el => el.getBoundingClientRect());
  return {found: boxes.length, top: Math.min(...boxes.map(b => b.top)), bottom: Math.max(...boxes.map(b => b.bottom)),
          width: boxes.reduce((w, b) => w + b.width, 0), header: header.height, headerTop: header.top,
          votes: votes.map(b => [b.top, b.bottom])};
}"""


def open_scene(page, base: str, number: int) -> None:
    scene = COURSE.scenes[number - 1]
    path = "" if scene.page == "home" else scene.page
    page.goto(f"{base}/{path}?deck=course&scene={number}&lecture=1")
    wait_settled(page, timeout=300_000)


def reveal(page) -> None:
    page.get_by_role("button", name="Reveal", exact=True).click()
    page.wait_for_selector(".st-key-scene_hide", timeout=60_000)
    wait_settled(page, timeout=300_000)


def measure(page, number: int) -> dict:
    return page.evaluate(MEASURE, list(COURSE.scenes[number - 1].show))


def check(found: dict, number: int, when: str) -> None:
    scene = COURSE.scenes[number - 1]
    assert found["found"] == len(scene.show), f"scene {number} {when}: {found['found']} of the parts {scene.show} drawn"
    assert found["bottom"] <= SCREEN[1], f"scene {number} {when}: its parts end at {found['bottom']:.0f} px"
    assert found["header"] <= HEADER_PX, f"scene {number} {when}: the header is {found['header']:.0f} px tall"


@pytest.fixture(scope="module")
def projector(browser):
    context = offline_context(browser, viewport=SCREEN)
    yield context.new_page()
    context.close()


@pytest.mark.slow
@pytest.mark.parametrize("number", range(1, len(COURSE.scenes) + 1))
def test_a_scene_shows_its_parts_on_the_first_screen_before_and_after_reveal(server, projector, number):
    open_scene(projector, server, number)
    assert_healthy(projector)
    check(measure(projector, number), number, "before Reveal")
    if COURSE.scenes[number - 1].question is not None:
        reveal(projector)
        assert_healthy(projector)
        check(measure(projector, number), number, "after Reveal")


def main(numbers: list[int]) -> None:
    """Measure each scene and screenshot it (its first screen) before and after Reveal."""
    from playwright.sync_api import sync_playwright

    out = SCREENSHOTS / "scenes"
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    print("scene | header px | parts top–bottom before | after Reveal")
    try:
        with sync_playwright() as p:
            browser = launch(p)
            page = offline_context(browser, viewport=SCREEN).new_page()
            for number in numbers:
                open_scene(page, base, number)
                before = measure(page, number)
                page.screenshot(path=str(out / f"scene{number:02d}.png"))
                after = None
                if COURSE.scenes[number - 1].question is not None:
                    reveal(page)
                    after = measure(page, number)
                    page.screenshot(path=str(out / f"scene{number:02d}_revealed.png"))
                said = lambda m: f"{m['top']:.0f}–{m['bottom']:.0f} ({m['found']} parts)" if m else "–"  # noqa: E731
                print(f"{number:2d} | {before['header']:.0f} | {said(before)} | {said(after)}"
                      + (f" | header after {after['header']:.0f}" if after else ""), flush=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or list(range(1, len(COURSE.scenes) + 1)))
