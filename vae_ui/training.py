"""Training on a page: the run for a config, trained now with a progress bar and a live loss curve when
nobody has trained it yet, or a clear message when it diverges."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import numpy as np
import streamlit as st

import vae_core as vc

from . import charts, curves, runs, shell

LIVE_CHART_EVERY = 1.0  # seconds between redraws of the live loss curve while training
LIVE_CHART_HEIGHT = 300  # px, the whole chart: Streamlit fits title, axes and plot into it


def train(config: runs.RunConfig, X: np.ndarray, label: str) -> runs.Run | None:
    """The run for ``config`` on X: from the store, or trained now with live progress (``label`` names it).

    A diverged run shows a clear message and advice, and returns None.
    """
    try:
        return runs.train(config, X, lambda: _live_progress(config, label))
    except vc.TrainingDiverged as err:
        st.error(f"{err}", icon=":material/warning:")
        return None


@contextlib.contextmanager
def _live_progress(config: runs.RunConfig, label: str) -> Iterator[runs.Progress]:
    """A progress bar and a live loss curve while ``config`` trains; both go when it ends."""
    bar = st.progress(0.0, text=f"Training {label}…")
    live = st.empty()
    last_drawn = [0.0]

    def progress(epoch: int, epochs: int, recon: np.ndarray, kl: np.ndarray) -> None:
        bar.progress(epoch / epochs, text=f"Training {label}: epoch {epoch} of {epochs}")
        if time.perf_counter() - last_drawn[0] < LIVE_CHART_EVERY:  # drawing costs more than training
            return
        terms = {"reconstruction": recon} | ({"KL": kl} if config.kind == "vae" else {})
        chart = curves.loss_curves(terms, "Loss while training", fit_y=True)  # the y axis follows the loss down
        live.altair_chart(charts.style(chart, shell.lecture(), LIVE_CHART_HEIGHT), width="stretch")
        last_drawn[0] = time.perf_counter()

    try:
        yield progress
    finally:
        bar.empty()
        live.empty()
