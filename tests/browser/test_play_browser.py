"""Play in the browser (vae_ui.page.player), in Chromium: the figures move by themselves, with no rerun, and stop on
Pause at the epoch the server then shows."""

from __future__ import annotations

import re

from tests.browser.harness import assert_healthy, goto, wait_ready, wait_settled

FIGURES = """() => Array.from(document.querySelectorAll('[data-testid=stVegaLiteChart] canvas'))
  .map(c => c.toDataURL().length + ':' + c.toDataURL().slice(-64)).join('|')"""  # what every chart canvas shows
MARKER = """() => { for (const el of document.querySelectorAll('[data-testid=stVegaLiteChart] canvas')) {
  const t = window.__canvasFrame(el).texts.find(t => /^epoch \\d+$/.test(t.text)); if (t) return +t.text.slice(6); }
  return null; }"""  # the epoch the training curves' marker shows, as its canvas last drew it


def _button(page, icon: str):
    return page.locator(f"[data-testid=stButton] button:has-text('{icon}')").first


def _pause(page):
    """While playing, the epoch shown is the Pause button (a click on it tells the server the frame it was on)."""
    return page.locator("[data-testid=stVegaLiteChart]", has_text="to pause").first


def _click(page, locator) -> None:
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_the_figures_move_while_playing_and_stop_on_pause(server, page):
    goto(page, f"{server}/?h_epochs=50&lecture=1")
    wait_settled(page)
    _click(page, _button(page, "play_arrow"))
    page.wait_for_function("() => document.body.innerText.includes('Replaying epochs')", timeout=60_000)
    page.wait_for_function(f"() => {{ const e = ({MARKER})(); return e !== null && e >= 4 && e < 30; }}", timeout=30_000)
    looks, marks = set(), []
    for _ in range(4):  # (each look reads every canvas whole: a few frames pass between two)
        looks.add(page.evaluate(FIGURES))
        marks.append(page.evaluate(MARKER))
        page.wait_for_timeout(100)
    assert len(looks) >= 3, f"the figures changed only {len(looks) - 1} times"
    assert marks == sorted(marks) and marks[-1] > marks[0], marks  # the epoch goes forward
    assert marks[-1] < 50
    _click(page, _pause(page))
    page.wait_for_function("() => /Showing epoch \\d+ of 50/.test(document.body.innerText)", timeout=30_000)
    wait_ready(page)
    held = int(re.search(r"Showing epoch (\d+) of 50", page.inner_text("[data-testid=stMain]")).group(1))
    assert marks[-1] <= held <= marks[-1] + 6  # the epoch shown when Pause was clicked (a frame or so after the look)
    still = page.evaluate(FIGURES)
    page.wait_for_timeout(1000)
    assert page.evaluate(FIGURES) == still  # paused: nothing moves
    assert page.evaluate(MARKER) == held  # the curves' marker at the paused epoch
    assert f"h_replay={held}" in page.url  # the link keeps it
    assert _button(page, "play_arrow").count() == 1
    assert_healthy(page)
    assert page.context.blocked == []  # nothing fetched from the network


def test_watch_it_learn_keeps_its_parts_on_one_screen_while_playing(server, browser):
    """The course's "Watch it learn" presented at 1280×720 in lecture mode: while Play runs, the replay (the epoch,
    the numbers), the latent space and the training curves all lie on the first screen, as before Play."""
    from tests.browser.harness import offline_context
    from tests.browser.test_one_screen import COURSE, SCREEN, check, measure, open_scene

    number = next(i for i, scene in enumerate(COURSE.scenes, 1) if scene.title == "Watch it learn")
    page = offline_context(browser, viewport=SCREEN).new_page()
    open_scene(page, server, number)
    check(measure(page, number), number, "before Play")
    _click(page, _button(page, "play_arrow"))
    _pause(page).wait_for(timeout=120_000)  # playing: the epoch shown is the Pause button
    page.wait_for_timeout(500)
    check(measure(page, number), number, "while playing")
    assert_healthy(page)
    page.context.close()
