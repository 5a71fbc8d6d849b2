"""Presenting the course deck in Chromium: the clicker's keys step the scenes, Reveal, and a class vote from a
student's tab that the lecturer's tab counts (and that cannot move the lecturer's scene)."""

import re

import pytest

from tests.browser.harness import SCREENSHOTS, assert_healthy, chart_titled, goto, offline_context, start_class_vote, wait_ready


def scene_of(page) -> int:
    found = re.search(r"[?&]scene=(\d+)", page.url)
    return int(found.group(1)) if found else 0


def press(page, key: str, scene: int) -> None:
    page.keyboard.press(key)
    page.wait_for_function(f"() => /[?&]scene={scene}(&|$)/.test(location.search)", timeout=30_000)
    wait_ready(page)


@pytest.mark.slow
def test_pagedown_and_pageup_step_the_scenes_and_reveal_shows_what_was_kept_back(vote_server, page):
    goto(page, f"{vote_server}/autoencoder?deck=course&scene=1&lecture=1")
    body = page.locator("[data-testid=stMain]")
    assert "Kept back until the reveal" in body.inner_text()
    assert "On one curve through the clusters" in body.inner_text()
    press(page, "PageDown", 2)
    assert "Bottlenecks side by side" in body.inner_text()
    press(page, "PageDown", 3)
    assert "/denoising" in page.url and "undo noise" in body.inner_text()
    page.mouse.click(5, 700)  # nothing focused: the arrow keys step too
    press(page, "ArrowLeft", 2)
    press(page, "PageUp", 1)
    assert "/autoencoder" in page.url
    page.get_by_role("button", name="Reveal", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('the answer')", timeout=30_000)
    wait_ready(page)
    assert "Kept back until the reveal" not in body.inner_text()
    assert "Every reconstruction is g(z)" in body.inner_text()
    assert_healthy(page)


@pytest.mark.slow
def test_a_student_votes_and_the_lecturer_sees_the_count_but_the_student_cannot_move_the_scene(
        vote_server, page, browser):
    goto(page, f"{vote_server}/autoencoder?deck=course&scene=1")  # the sidebar open (not lecture mode)
    start_class_vote(page)
    wait_ready(page)
    code = re.search(r"Code: ([A-Z0-9]{5})", page.inner_text("[data-testid=stMain]")).group(1)
    assert "Votes, 0" in page.inner_text("[data-testid=stMain]")

    student_context = browser.new_context(viewport={"width": 400, "height": 800})  # a phone
    student = student_context.new_page()
    goto(student, f"{vote_server}/?code={code}")
    text = student.inner_text("[data-testid=stApp]")
    assert "With a bottleneck of d = 1" in text and "Reveal" not in text and "Next" not in text
    assert student.locator("[data-testid=stSidebar]").count() == 0 or not student.locator(
        "[data-testid=stSidebar]").is_visible()
    student.get_by_role("button", name=re.compile("B\\.")).click()
    student.wait_for_function("() => document.body.innerText.includes('Your vote: B')", timeout=30_000)
    page.wait_for_function("() => document.body.innerText.includes('Votes, 1')", timeout=10_000)  # live, no click

    for key in ("PageDown", "ArrowRight"):  # the student's keys move nothing of the lecturer's
        student.keyboard.press(key)
    student.wait_for_timeout(2500)
    assert scene_of(page) == 1 and "With a bottleneck of d = 1" in student.inner_text("[data-testid=stApp]")

    page.get_by_role("button", name="Reveal", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('the answer')", timeout=30_000)
    wait_ready(page)
    page.wait_for_timeout(1500)  # the count's fragment redraws with the histogram
    votes = chart_titled(page, "Round 1")  # the votes beside the right answer
    assert votes["box"]["height"] > 100
    (SCREENSHOTS / "after").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "after" / "deck_vote_revealed.png"), full_page=True)
    student.screenshot(path=str(SCREENSHOTS / "after" / "deck_student.png"))
    student.wait_for_function("() => document.body.innerText.includes('voting is closed')", timeout=10_000)
    assert "Your vote: B." in student.inner_text("[data-testid=stApp]")  # still said after the reveal
    assert_healthy(page)
    assert_healthy(student)
    student_context.close()


def test_pagedown_steps_the_scene_while_a_slider_has_the_focus_and_moves_no_slider(vote_server, page):
    """A lecturer who touched a slider (keyboard focus, or a click on its track) still steps with the clicker: the
    slider keeps its value. → and ← stay with the focused slider."""
    goto(page, f"{vote_server}/?deck=course&scene=7&lecture=1")  # home, β = 2.5
    beta = page.get_by_role("slider", name="β (weight of the KL term)")
    before = beta.get_attribute("aria-valuetext")
    beta.focus()
    press(page, "PageDown", 8)
    assert "/elbo" in page.url
    goto(page, f"{vote_server}/?deck=course&scene=7&lecture=1")
    beta = page.get_by_role("slider", name="β (weight of the KL term)")
    box = beta.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)  # a click on its track: focused
    page.wait_for_timeout(500)  # (and moved to where it was clicked: a rerun)
    wait_ready(page)
    clicked = beta.get_attribute("aria-valuetext")
    press(page, "PageUp", 6)
    assert scene_of(page) == 6 and "β = 2.5" not in page.inner_text("[data-testid=stMain]")
    assert before and clicked
    goto(page, f"{vote_server}/?deck=course&scene=7&lecture=1")
    beta = page.get_by_role("slider", name="β (weight of the KL term)")
    beta.focus()
    beta.press("ArrowRight")  # the arrows move the focused slider, not the scene
    page.wait_for_timeout(500)
    wait_ready(page)
    assert scene_of(page) == 7 and beta.get_attribute("aria-valuetext") != before
    assert_healthy(page)


def test_vote_again_keeps_the_answer_back_on_the_projector(vote_server, page):
    goto(page, f"{vote_server}/autoencoder?deck=course&scene=1")
    start_class_vote(page)
    page.get_by_role("button", name="Reveal", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('the answer')", timeout=30_000)
    page.get_by_role("button", name="Vote again").click()
    page.wait_for_function("() => document.body.innerText.includes('round 2')", timeout=30_000)
    wait_ready(page)
    body = page.inner_text("[data-testid=stMain]")
    assert "the answer" not in body and "Every reconstruction is g(z)" not in body, body[:600]
    page.get_by_role("button", name="Reveal", exact=True).wait_for(timeout=10_000)
    assert_healthy(page)


def test_the_jump_list_shows_every_scene_title_whole(server, browser):
    """At 1280×720 the jump list is narrow (its box shows "3 / 20 · A denoising a…"), but its drop-down names every
    scene in full: no option's text is clipped."""
    context = offline_context(browser, viewport=(1280, 720))
    page = context.new_page()
    goto(page, f"{server}/denoising?deck=course&scene=3&lecture=1")
    page.locator(".st-key-w_jump button[aria-label=Open]").click()
    options = page.locator("[role=listbox][aria-label=Scene] [role=option]")
    options.first.wait_for(timeout=10_000)
    clipped = page.evaluate("""() => [...document.querySelectorAll('[role=listbox][aria-label=Scene] [role=option]')]
        .filter(o => [o, ...o.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1
                                                           || e.getBoundingClientRect().right > innerWidth))
        .map(o => o.innerText)""")
    assert options.count() == 20 and clipped == [], clipped
    assert "A denoising autoencoder learns to undo noise" in options.nth(2).inner_text()
    context.close()
