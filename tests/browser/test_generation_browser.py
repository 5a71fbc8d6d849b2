"""Issue 20's figures in Chromium: each renders, and changes when its control moves."""

from __future__ import annotations

import pytest

from tests.browser.harness import assert_healthy, chart_titled, goto, step_slider, wait_ready, wait_settled

GENERATION = ("Autoencoder codes", "VAE codes", "autoencoder: g(z)", "VAE: g(z)")


def _drawn(page, title: str) -> tuple:
    chart = chart_titled(page, title)
    assert chart["box"] and chart["arcs"], f"{title!r} draws nothing"
    return tuple(map(tuple, (tuple(sorted(a.items())) for a in chart["arcs"])))


@pytest.mark.slow
def test_the_generators_codes_samples_and_paths_are_drawn_and_follow_the_chosen_points(server, page):
    goto(page, f"{server}/autoencoder")
    assert_healthy(page)
    before = {title: _drawn(page, title) for title in GENERATION}
    step_slider(page, "… to test point", times=3)
    page.wait_for_timeout(600)
    wait_ready(page)
    assert_healthy(page)
    for title in GENERATION:
        assert _drawn(page, title) != before[title], f"{title!r} did not follow the new end point"
    said = page.locator("[data-testid=stMetricLabel]").all_inner_texts()
    assert any("autoencoder's samples" in s for s in said) and any("VAE's samples" in s for s in said)


@pytest.mark.slow
def test_the_decoded_manifold_is_one_mosaic_beside_the_codes_and_goes_with_d_3(server, page):
    goto(page, f"{server}/?dataset=digits&h_epochs=50")
    assert_healthy(page)
    assert chart_titled(page, "the grid's z")["arcs"] is not None
    widths = page.locator("[data-testid=stImage] img").evaluate_all("els => els.map(e => e.naturalWidth)")
    assert (9 * 9 - 1) * 8 in widths, widths  # 9 tiles of 8 px and 8 gaps of 1, each pixel 8 px wide: 640
    step_slider(page, "Latent dimension d")
    page.wait_for_function("() => !document.body.innerText.includes(\"the prior's quantiles\")", timeout=90_000)
    wait_ready(page)
    assert_healthy(page)
    widths = page.locator("[data-testid=stImage] img").evaluate_all("els => els.map(e => e.naturalWidth)")
    assert (9 * 9 - 1) * 8 not in widths


@pytest.mark.slow
def test_free_bits_draw_the_sweep_with_and_without_them(server, page):
    goto(page, f"{server}/elbo?el_tab=%CE%B2-VAE")
    assert_healthy(page)
    page.get_by_text("Free bits (λ = 0.5 nats)").click()
    page.wait_for_function("() => document.body.innerText.includes('Trained with free bits')", timeout=180_000)
    wait_settled(page, timeout=240_000)
    assert_healthy(page)
    chart = chart_titled(page, "Active units vs β")
    assert chart["arcs"], "the sweep's dots"
    assert any("rings: without" in t["text"] for t in chart["texts"]), [t["text"] for t in chart["texts"]]
    assert page.get_by_text("Trained with free bits λ = 0.5 nats").count() == 1
