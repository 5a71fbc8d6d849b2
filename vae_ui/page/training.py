"""Training on a page: the run for a config, trained in the pool while the page shows its progress (its place in
the queue, the loss falling, and a first picture of the model so far), or a clear message when it diverges or
would cost more than the server allows."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

import vae_core as vc
from vae_ui.charts import curves, images, look, spaces
from vae_ui.page import shell
from vae_ui.service import runs

LIVE_CHART_EVERY = 1.0  # seconds between redraws of the live loss curve and the first picture while training
LIVE_CHART_HEIGHT = 300  # px, the whole chart: Streamlit fits title, axes and plot into it
PREVIEW_ROWS = 300  # training rows a first picture reconstructs
PICTURE_EVERY = 3.0  # seconds between two pictures of the model so far (a new image each time: the browser loads it)


def train(config: runs.RunConfig, X: np.ndarray, label: str, together: Sequence[runs.RunConfig] = ()) -> runs.Run | None:
    """The run for ``config`` on X: from the store, or trained now with live progress (``label`` names it).

    A diverged run shows a clear message and advice, and returns None; so does a set-up over the work budget,
    with the seconds it would take and what to lower. The budget is for the set-up: ``config`` and the models
    ``together`` the page trains beside it for the same move (those not trained yet).
    """
    missing = [c for c in dict.fromkeys((config, *together)) if runs.store().get(c) is None]
    if missing:
        refusal = runs.too_costly(missing[0], *X.shape, missing[1:])
        if refusal is not None:
            st.warning(refusal, icon=":material/hourglass_disabled:")
            return None
    ctx = get_script_run_ctx(suppress_warning=True)
    try:
        return runs.train(config, X, lambda: _live_progress(config, X, label), ctx.session_id if ctx else None)
    except vc.TrainingDiverged as err:
        st.error(f"{err}", icon=":material/warning:")
        return None


@contextlib.contextmanager
def _live_progress(config: runs.RunConfig, X: np.ndarray, label: str) -> Iterator[runs.Progress]:
    """A progress bar, a live loss curve and a first picture while ``config`` trains; all go when it ends."""
    bar = st.progress(0.0, text=f"Training {label}…")
    box = st.empty()  # the loss curve and the first picture, side by side in lecture mode: all of it goes at the end
    with box.container():
        live, picture = (st.empty(), st.empty()) if not shell.lecture() else (c.empty() for c in st.columns(2))
    last_drawn, last_picture = [0.0], [-PICTURE_EVERY]
    rows = X[look.thin(len(X), PREVIEW_ROWS)]

    def progress(status: runs.Status) -> None:
        if status.ahead or not status.epoch:
            ahead = f": {status.ahead} training{'s' if status.ahead > 1 else ''} of other set-ups first" if status.ahead else ""
            bar.progress(0.0, text=f"Training {label}: waiting for a free trainer{ahead}…")
            return
        bar.progress(status.epoch / status.epochs, text=f"Training {label}: epoch {status.epoch} of {status.epochs}")
        if time.perf_counter() - last_drawn[0] < LIVE_CHART_EVERY:  # drawing costs more than training
            return
        terms = {"reconstruction": status.recon} | ({"KL": status.kl} if config.kind == "vae" else {})
        chart = curves.loss_curves(terms, "Loss while training", fit_y=True)  # the y axis follows the loss down
        live.altair_chart(look.style(chart, shell.lecture(), LIVE_CHART_HEIGHT), width="stretch")
        last_drawn[0] = time.perf_counter()
        if status.snapshot is not None and last_drawn[0] - last_picture[0] >= PICTURE_EVERY:
            _first_picture(picture, status.snapshot_model(), rows, status.epoch)
            last_picture[0] = time.perf_counter()

    try:
        yield progress
    finally:
        bar.empty()
        box.empty()


def _first_picture(place, model: vc.Model, rows: np.ndarray, epoch: int) -> None:
    """The model so far (its newest snapshot) on a few training rows: reconstructions over the data in 2-D, a row
    of images for the digits; nothing for other data."""
    recon = model.reconstruct(rows)
    if rows.shape[1] == 2:
        chart = spaces.reconstruction_pairs(rows, recon, np.zeros(len(rows), dtype=int),
                                            f"The model so far (epoch {epoch}): data → reconstruction")
        place.altair_chart(look.style(chart, shell.lecture(), LIVE_CHART_HEIGHT), width="content")
    elif rows.shape[1] == 64:
        place.image(images.image_rows([rows[:10], recon[:10]], (8, 8), scale=7), clamp=True, output_format="PNG",
                    caption=f"The model so far (epoch {epoch}): digits (top), reconstructions (bottom)")
