"""The real app in Chromium, with the network closed: every page loads and draws, the sliders
move the figures, links restore slides, uploads and downloads work, nothing leaks as HTML."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.harness import (
    SCREENSHOTS,
    assert_healthy,
    chart_ink,
    chart_titled,
    charts,
    charts_digest,
    goto,
    metric_values,
    offline_context,
    slider,
    step_slider,
    wait_ready,
    wait_settled,
)

PAGES = {"home": "", "autoencoder": "autoencoder", "denoising": "denoising", "elbo": "elbo",
         "reparameterisation": "reparameterisation"}


def _formulas_render(page) -> None:
    widths = page.locator(".katex").evaluate_all("els => els.map(e => e.getBoundingClientRect().width)")
    assert widths and all(w > 10 for w in widths), widths
    assert page.locator(".katex-error").count() == 0


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_loads_draws_and_is_screenshotted(server, page, name):
    """In normal mode; tests/browser/test_projector.py does the same for every page and section in lecture mode."""
    lecture = False
    goto(page, f"{server}/{PAGES[name]}")
    assert_healthy(page)
    ink = chart_ink(page)
    assert ink and all(n > 0 for n in ink), ink  # every chart has drawn marks
    _formulas_render(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 3200})
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"{name}{'_lecture' if lecture else ''}.png"))
    assert page.context.blocked == [], page.context.blocked  # nothing asked of the internet


@pytest.mark.slow
def test_elbo_tabs_all_render(server, page):
    for tab in ("The ELBO gap", "β-VAE", "Hidden β"):
        goto(page, f"{server}/elbo?el_tab={tab}")
        assert_healthy(page)
        assert page.get_by_role("tab", name=tab).get_attribute("aria-selected") == "true"
        _formulas_render(page)


@pytest.mark.slow
def test_digits_images_render(server, page):
    goto(page, f"{server}/autoencoder?dataset=digits&ae_epochs=50&ae_compare=2")
    assert_healthy(page)
    sizes = page.locator("[data-testid=stImage] img").evaluate_all("els => els.map(e => e.naturalWidth)")
    assert len(sizes) >= 2 and all(w > 0 for w in sizes)


@pytest.mark.parametrize("path, label", [("", "β (weight of the KL term)"), ("denoising", "Noise σ (training corruption)"),
                                         ("autoencoder", "Latent dimension d"), ("", "Latent dimension d")])
def test_key_stepping_a_main_slider_changes_the_figure(server, page, path, label):
    goto(page, f"{server}/{path}")
    before_value = slider(page, label).get_attribute("aria-valuetext")
    before_charts, before_metrics = charts_digest(page), metric_values(page)
    step_slider(page, label)
    assert_healthy(page)
    assert slider(page, label).get_attribute("aria-valuetext") != before_value
    assert charts_digest(page) != before_charts
    assert metric_values(page) != before_metrics


@pytest.mark.slow
def test_controls_survive_a_page_switch_and_a_copied_link(server, browser, page):
    goto(page, f"{server}/")
    step_slider(page, "β (weight of the KL term)", times=2)
    beta = slider(page, "β (weight of the KL term)").get_attribute("aria-valuetext")
    page.get_by_role("link", name="Denoising AE").click()
    wait_ready(page)
    step_slider(page, "Noise σ (training corruption)")
    sigma = slider(page, "Noise σ (training corruption)").get_attribute("aria-valuetext")
    page.get_by_role("link", name="Worked example: a VAE").click()
    wait_ready(page)
    assert slider(page, "β (weight of the KL term)").get_attribute("aria-valuetext") == beta
    page.get_by_role("link", name="Denoising AE").click()
    wait_ready(page)
    assert slider(page, "Noise σ (training corruption)").get_attribute("aria-valuetext") == sigma
    link = page.url
    assert "dae_sigma=" in link
    fresh = offline_context(browser)
    try:
        other = fresh.new_page()
        goto(other, link)
        assert slider(other, "Noise σ (training corruption)").get_attribute("aria-valuetext") == sigma
        assert charts_digest(other) == charts_digest(page)  # the same picture
    finally:
        fresh.close()


GOOD = "a,b\n" + "".join(f"{i % 9},{(i * 7) % 13}\n" for i in range(300))


CSV_UPLOAD = ".st-key-csv_file [data-testid=stFileUploaderDropzoneInput]"  # (the deck box has an uploader too)


@pytest.mark.slow
def test_upload_a_good_then_a_bad_csv(server, page, tmp_path):
    goto(page, f"{server}/?dataset=csv")
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD)
    bad.write_text("a,b\n1,hello\n")
    page.locator(CSV_UPLOAD).set_input_files(str(good))
    page.wait_for_timeout(500)
    wait_settled(page)  # the ladder's metrics fill in from a thread
    assert_healthy(page)
    trained = metric_values(page)
    assert trained and "Data: Your CSV: good.csv — 300 rows × 2 columns" in page.inner_text("[data-testid=stApp]")
    page.locator(CSV_UPLOAD).set_input_files(str(bad))
    page.wait_for_timeout(500)
    wait_settled(page)
    assert_healthy(page)
    text = page.inner_text("[data-testid=stApp]")
    assert "not a number" in text and "previous data is kept" in text
    assert metric_values(page) == trained and "Your CSV: good.csv" in text


def test_an_oversized_upload_is_refused_and_the_app_keeps_working(server, page, tmp_path):
    goto(page, f"{server}/?dataset=csv")
    big = tmp_path / "big.csv"
    big.write_text("1,2\n" * 1_600_000)  # 6.4 MB > the 5 MB limit
    page.locator(CSV_UPLOAD).set_input_files(str(big))
    page.wait_for_timeout(1000)
    wait_ready(page)
    assert_healthy(page)
    assert "5.0MB" in page.inner_text("[data-testid=stApp]").replace(" ", "")


def test_download_a_figure_as_png_and_svg(server, page):
    goto(page, f"{server}/denoising")
    buttons = page.locator("[data-testid=stDownloadButton] button")
    with page.expect_download() as png:
        buttons.filter(has_text="PNG").first.click()
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        buttons.filter(has_text="SVG").first.click()
    assert b"<svg" in Path(svg.value.path()).read_bytes()[:2000]
    assert_healthy(page)


def test_html_in_the_url_is_text(server, page):
    goto(page, f"{server}/?dataset=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&h_beta=%3Cb%3Ebold%3C%2Fb%3E")
    assert_healthy(page)
    assert page.locator("img[src=x]").count() == 0 and page.locator("[data-testid=stApp] b", has_text="bold").count() == 0
    text = page.inner_text("[data-testid=stApp]")
    assert "<img src=x" in text and "not allowed" in text


def test_links_and_images_in_the_url_or_a_csv_are_text_not_links(server, page, tmp_path):
    """A note built from a link's value, and a bad upload's file name and cell, reach the page as text: no link to
    follow, no image fetched from elsewhere (the page would make an outbound request)."""
    goto(page, f"{server}/?h_beta=http://e.vil/x&www.e.vil=1&dataset=csv")
    bad = tmp_path / "[X](http:__e.vil).csv"
    bad.write_text("a,b\n![](http://e.vil/pixel.png),2\n" * 12)
    page.locator(CSV_UPLOAD).set_input_files(str(bad))
    page.wait_for_timeout(500)
    wait_settled(page)
    assert_healthy(page)
    text = page.inner_text("[data-testid=stApp]").replace("\u200b", "")  # (zero-width spaces break the autolinks)
    assert "http://e.vil/x" in text and "![](http://e.vil/pix" in text and "not a number" in text  # (a cell: 20 chars)
    assert page.locator("a[href*='e.vil']").count() == 0 and page.locator("img[src*='e.vil']").count() == 0


def test_icons_and_text_render_without_the_font_host(server, page):
    goto(page, f"{server}/")
    fonts = page.evaluate("""async () => { await document.fonts.ready;
        return Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family); }""")
    assert any("Material" in f for f in fonts), fonts  # the icon font is served by the app itself
    assert any("KaTeX" in f for f in fonts), fonts
    assert page.context.blocked == [], page.context.blocked


PICKED = re.compile(r"Point (\d+): z = \[\s*(-?[\d.]+(?:e[+-]?\d+)?)\s*\] decodes to")


def _picked(page) -> tuple[int, float] | None:
    """The test point the page says was clicked, and its code z (the autoencoder's default d = 1), or None."""
    found = PICKED.search(page.inner_text("[data-testid=stApp]"))
    return (int(found[1]), float(found[2])) if found else None


def _click_code(page, at: float, before: tuple[int, float] | None) -> tuple[int, float]:
    """Click the latent strip ``at`` (a share of its width: z grows to the right); wait until the page names another
    point than ``before``."""
    box = chart_titled(page, "Latent codes")["box"]  # the nearest code to the click is picked
    page.mouse.click(box["x"] + box["width"] * at, box["y"] + box["height"] * 0.5)
    deadline = time.monotonic() + 60
    while (now := _picked(page)) is None or now == before:
        assert time.monotonic() < deadline, "the click decoded no other code"
        page.wait_for_timeout(100)
    wait_ready(page)
    return _picked(page)


def test_clicking_a_latent_code_decodes_it(server, page):
    """A click on a code names its point, its z and what z decodes to; a click further right picks a larger z."""
    goto(page, f"{server}/autoencoder")
    assert _picked(page) is None  # nothing is decoded before a click
    left = _click_code(page, 0.25, None)
    right = _click_code(page, 0.85, left)
    assert right[1] > left[1], (left, right)
    assert_healthy(page)


STALE = """() => { const s = Array.from(document.querySelectorAll('[data-testid=stElementContainer]'))
                                .map(e => getComputedStyle(e)).find(s => s.opacity === '0.33');
                   return s ? [s.transitionDuration, s.transitionDelay] : null; }"""


@pytest.mark.slow
def test_a_long_rerun_dims_the_page_in_one_step(server, page):
    """While a new model trains, what is not yet redrawn is dimmed (the page is busy), but without Streamlit's
    1-s fade: on a machine without a GPU every frame of the fade repaints the page."""
    goto(page, f"{server}/?seed=4242&h_epochs=1000")
    thumb = slider(page, "β (weight of the KL term)")
    thumb.focus()
    thumb.press("End")  # β = 10 for this seed: a model of 1000 epochs trains for a few seconds
    dimmed = page.wait_for_function(STALE, polling=50, timeout=20_000).json_value()
    assert dimmed == ["0s", "0.5s"]  # Streamlit's own delay before the dim, then the dim at once
    wait_ready(page)
    assert_healthy(page)
    assert page.evaluate(STALE) is None  # all redrawn: nothing dimmed


def _shown(page) -> int | None:
    """The epoch shown: the caption's while the replay stands; while Play runs, the training curves' marker (the
    caption names none then: it would run a frame ahead of the chart the browser redraws)."""
    found = re.search(r"Showing epoch (\d+) of \d+", page.inner_text("[data-testid=stMain]"))
    if found:
        return int(found.group(1))
    mark = page.evaluate(MARKER)
    return int(mark.split()[1]) if mark else None


MARKER = """() => { for (const el of document.querySelectorAll('[data-testid=stVegaLiteChart] canvas')) {
  const t = window.__canvasFrame(el).texts.find(t => /^epoch \\d+$/.test(t.text)); if (t) return t.text; }
  return null; }"""  # the training curves' marker, as its canvas last drew it


def _replay_slider_shows(page, epoch: int) -> bool:
    """The replay slider is drawn (Play shows a progress bar instead) and shows ``epoch`` (waits 10 s for it)."""
    try:
        page.wait_for_function("(epoch) => Array.from(document.querySelectorAll('[data-testid=stSlider] input'))"
                               ".some(e => e.getAttribute('aria-label') === 'Replay training: epoch' "
                               "&& e.getAttribute('aria-valuetext') === String(epoch))", arg=epoch, timeout=10_000)
    except PlaywrightTimeout:
        print("the sliders:", page.locator("[data-testid=stSlider] input").evaluate_all(
            "els => els.map(e => e.getAttribute('aria-label') + ' = ' + e.getAttribute('aria-valuetext'))"),
            page.locator("[data-testid=stProgress]").count(), "progress bars")
        return False
    return True


def _play_button(page, icon: str):
    return page.locator(f"[data-testid=stButton] button:has-text('{icon}')").first


def _click(page, locator) -> None:
    """A click where the element is, as a person clicks (Playwright's own waits for the element to stop redrawing,
    which it does ten times a second while Play runs)."""
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


@pytest.mark.slow
def test_play_animates_the_training_then_pause_holds_it(server, page):
    goto(page, f"{server}/?h_epochs=50")
    wait_settled(page)  # (a click while the ladder's fragment reruns could be lost on a loaded machine)
    _click(page, _play_button(page, "play_arrow"))
    seen, started = [], time.perf_counter()
    while time.perf_counter() - started < 30:
        epoch = _shown(page)
        if epoch is not None and (seen or epoch < 50) and (not seen or seen[-1] != epoch):  # from the first frame on
            seen.append(epoch)
        if seen and seen[-1] == 50:
            break
        page.wait_for_timeout(40)
    seconds = time.perf_counter() - started
    assert seen == sorted(seen) and seen[-1] == 50, seen
    assert len(seen) >= 12, f"only {len(seen)} of 25 frames seen: {seen}"
    print(f"Play: {len(seen)} frames seen in {seconds:.1f} s")
    wait_ready(page)
    page.locator("[data-testid=stVegaLiteChart]", has_text="to pause").wait_for(state="detached", timeout=10_000)
    wait_ready(page)  # it stopped by itself (the page looks once, a little after the last frame)
    assert "h_replay" not in page.url and _replay_slider_shows(page, 50)
    _click(page, _play_button(page, "play_arrow"))  # again, and pause it on the way (the server may be a few
    page.wait_for_function("() => document.body.innerText.includes('Replaying epochs')", timeout=30_000)
    page.wait_for_function(f"() => {{ const e = ({MARKER})(); const n = e === null ? -1 : +e.split(' ')[1];"
                           " return n >= 6 && n < 50; }", timeout=30_000)  # a few frames in (not round 1's last)
    _click(page, page.locator("[data-testid=stVegaLiteChart]", has_text="to pause").first)  # the epoch shown
    page.wait_for_timeout(800)
    wait_ready(page)
    held = _shown(page)
    page.wait_for_timeout(1500)
    assert _shown(page) == held and 0 < held < 50
    assert _replay_slider_shows(page, held)  # the slider is back, at the paused snapshot
    assert f"h_replay={held}" in page.url
    assert_healthy(page)


def test_the_bayes_optimal_denoiser_is_drawn_as_a_curve_and_on_its_toggle_as_a_field(server, page):
    goto(page, f"{server}/denoising")
    assert_healthy(page)
    errors = chart_titled(page, "Error on noisy test inputs")
    assert any("optimal E[x | x̃]" in t["text"] for t in errors["texts"]), [t["text"] for t in errors["texts"]]
    field, before = chart_titled(page, "Denoising field"), charts_digest(page)
    page.get_by_text("Field of the Bayes-optimal denoiser").click()
    page.wait_for_function("() => document.body.innerText.includes('the best any denoiser can do')", timeout=60_000)
    wait_ready(page)
    assert_healthy(page)
    bayes = chart_titled(page, "Bayes-optimal field")
    assert not [c for c in charts(page) if "Denoising field" in c["title"]]  # the field changed, not a second one
    assert field["box"] and bayes["box"] and charts_digest(page) != before  # drawn anew
