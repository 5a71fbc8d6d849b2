"""Five defects that broke a live lecture, each driven as a lecturer meets it in Chromium: tabs clicked in
sequence, Epochs then the replay slider, the live loss chart while a model trains, the clickable latent chart
before any click, the reparameterisation histograms."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.harness import assert_healthy, chart_titled, charts, goto, slider, wait_ready, wait_settled


def _tab(page, name: str):
    return page.get_by_role("tab", name=name)


@pytest.mark.slow
def test_every_click_on_an_elbo_tab_opens_it(server, page):
    goto(page, f"{server}/elbo")
    for name, shows in [("The ELBO gap", "Set q to the exact posterior"), ("Hidden β", "Effective β"),
                        ("KL in closed form", "Monte-Carlo estimate"), ("The ELBO gap", "Set q to the exact posterior"),
                        ("Hidden β", "Effective β"), ("KL in closed form", "Monte-Carlo estimate")]:
        _tab(page, name).click()
        page.wait_for_timeout(300)
        wait_ready(page)
        assert _tab(page, name).get_attribute("aria-selected") == "true", f"the click on {name!r} was lost"
        assert shows in page.inner_text("[data-testid=stMain]")
        assert parse_qs(urlsplit(page.url).query).get("el_tab", ["KL in closed form"]) == [name]  # the URL says so too
    assert_healthy(page)


def _caption(page) -> str:
    return re.search(r"Showing epoch \d+ of \d+", page.inner_text("[data-testid=stMain]")).group(0)


@pytest.mark.slow
def test_changing_epochs_keeps_the_replay_at_the_end_and_each_replay_step_moves(server, page):
    goto(page, f"{server}/")
    assert _caption(page) == "Showing epoch 300 of 300"
    thumb = slider(page, "Epochs")
    thumb.focus()
    thumb.press("ArrowRight")  # 300 -> 400 epochs: a new model, trained now
    page.wait_for_timeout(400)
    # settled, not just ready: the new model's bounds are measured in the background and their arrival reruns the
    # page once, which, on a loaded machine, can start after a first "ready" (two replay sliders while it redraws)
    wait_settled(page)
    assert _caption(page) == "Showing epoch 400 of 400", "a new number of epochs shows the trained model, not epoch 0"
    assert "h_replay" not in page.url
    replay = page.get_by_role("slider", name=re.compile("Replay training"))
    shown = []
    for _ in range(3):  # each press of the replay slider shows another snapshot
        replay.focus()
        replay.press("ArrowLeft")
        page.wait_for_timeout(400)
        wait_ready(page)
        shown.append(_caption(page))
    assert len(set(shown)) == 3 and "Showing epoch 400 of 400" not in shown, shown
    assert "h_replay=" in page.url
    assert_healthy(page)


def _y_axis_labels(chart: dict) -> list[float]:
    """The numbers Vega drew right-aligned in one column at the chart's left: the y axis's tick labels."""
    numbers = [t for t in chart["texts"] if re.fullmatch(r"[−-]?[\d.,]+", t["text"]) and t["align"] == "right"]
    columns: dict[int, list[float]] = {}
    for t in numbers:
        columns.setdefault(round(t["x"]), []).append(float(t["text"].replace("−", "-").replace(",", "")))
    return max(columns.values(), key=len, default=[])


@pytest.mark.slow
def test_the_live_loss_chart_has_a_y_axis_that_follows_the_loss(server, page):
    page.goto(f"{server}/?seed=4243&h_epochs=1000")  # a new model: it trains for several seconds
    page.wait_for_selector("[data-testid=stProgress]", timeout=60_000)
    seen = []
    while page.locator("[data-testid=stProgress]").count():  # while it trains
        live = [c for c in charts(page) if "Loss while training" in c["title"]]
        if live and len(_y_axis_labels(live[0])) >= 3:
            seen.append(_y_axis_labels(live[0]))
        page.wait_for_timeout(250)
    wait_ready(page)
    assert seen, "the live chart never showed a y axis with three or more tick labels"
    final = chart_titled(page, "Training curves")  # the finished curves, drawn on the same scale of nats
    labels = _y_axis_labels(final)
    assert labels and max(seen[-1]) > 0.5 * max(labels), (seen[-1], labels)  # the live axis spans the loss's range


@pytest.mark.slow
def test_the_clickable_latent_chart_draws_small_marks_before_any_click(server, page):
    goto(page, f"{server}/autoencoder")  # d = 1: one tick per code
    ticks = [r for r in chart_titled(page, "Latent codes")["rects"] if r["w"] < 5]  # a tick: a thin upright rect
    assert ticks and max(r["h"] for r in ticks) < 40, sorted({round(r["h"]) for r in ticks})
    goto(page, f"{server}/autoencoder?ae_latent=2")  # d = 2: one circle per code
    circles = chart_titled(page, "Latent codes")["arcs"]
    assert circles and max(c["r"] for c in circles) < 5, sorted({round(c["r"], 1) for c in circles})


def test_the_reparameterisation_estimates_show_their_spread_at_a_glance(server, page):
    """One bar per estimator over mean ± 1 s.d., on one axis: the wider the bar, the larger the variance (a histogram's
    tall narrow spike read as the low-variance estimator; it was the score function's)."""
    goto(page, f"{server}/reparameterisation")
    bars = sorted((r for r in chart_titled(page, "Single-sample")["rects"] if 20 < r["h"] < 30 and r["w"] > 5),
                  key=lambda r: r["y"])  # the bars (26 px thick), not the plot's frame nor the mean's ticks
    assert len(bars) == 3, bars
    reparam, score, baseline = (r["w"] for r in bars)  # rows in the page's order
    assert reparam < baseline < score, (reparam, baseline, score)
