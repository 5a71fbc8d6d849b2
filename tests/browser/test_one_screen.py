"""Each scene of the course deck is one screen: at 1280×720 in lecture mode, the parts the scene shows (its ``show``)
lie on the first screen, before and after Reveal, under a header of at most a quarter of it.

Run as a script to measure every scene and take its screenshots (before and after Reveal) into screenshots/scenes:
python -m tests.browser.test_one_screen
"""

from __future__ import annotations

import sys

import pytest

from tests.browser.harness import (
    SCREENSHOTS,
    assert_healthy,
    charts,
    free_port,
    launch,
    offline_context,
    start_class_vote,
    start_server,
    wait_settled,
)
from vae_ui import deck_file
from vae_ui.lecture.present import HEADER_PX
from vae_ui.session.stage import DECKS_DIR

SCREEN = (1280, 720)
COURSE = deck_file.read((DECKS_DIR / "course.toml").read_bytes())
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


@pytest.mark.slow
def test_with_a_class_vote_the_join_link_and_after_reveal_the_votes_share_the_first_screen(vote_server, browser):
    """The join link in type a back row reads (20 px and more), beside the scene's parts; after Reveal the votes as
    tall bars with labels of 20 px and more, and the parts, all inside the first 720 px."""
    context = offline_context(browser, viewport=SCREEN)
    page = context.new_page()
    page.goto(f"{vote_server}/autoencoder?deck=course&scene=1")  # the sidebar open: start a class vote
    wait_settled(page)
    start_class_vote(page)
    page.get_by_text("Lecture mode").click()  # (the same session: a new one would have no class)
    page.wait_for_function("() => /[?&]lecture=1/.test(location.search)", timeout=30_000)
    wait_settled(page)
    page.mouse.click(1000, 40)  # (the sidebar folds away on a projector; lecture mode starts with it folded)
    if page.locator("[data-testid=stSidebar]").is_visible():
        page.locator("[data-testid=stSidebar]").hover()  # (its button shows on hover)
        page.locator("[data-testid=stSidebarCollapseButton] button").click()
        page.wait_for_timeout(600)
    join = page.locator(".st-key-class_join code").first
    assert float(join.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) >= 20
    vote_box = page.locator(".st-key-scene_focus_vote").bounding_box()
    assert vote_box["y"] + vote_box["height"] <= SCREEN[1]
    check(measure(page, 1), 1, "with the class vote")
    reveal(page)
    for _ in range(40):  # the count's fragment redraws with the bars within a second or two
        votes = next((c for c in charts(page) if c["title"].startswith("Round 1")), None)
        if votes is not None and votes["texts"]:
            break
        page.wait_for_timeout(500)
    assert votes is not None, [c["title"] for c in charts(page)]
    assert votes["box"]["height"] >= 250 and votes["box"]["y"] + votes["box"]["height"] <= SCREEN[1], votes["box"]
    labels = [t for t in votes["texts"] if t["text"].startswith(("A", "B", "C"))]
    assert labels and min(t["size"] for t in labels) >= 20, labels
    assert any("✓" in t["text"] for t in labels)  # the right answer marked on its bar
    check(measure(page, 1), 1, "with the votes after Reveal")
    (SCREENSHOTS / "scenes").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "scenes" / "scene01_votes_revealed.png"))
    assert_healthy(page)
    context.close()
