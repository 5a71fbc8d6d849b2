"""The ladder ELBO ≤ IWAE_k ≤ log p_model(x), set against the truth log p_data(x) where it is known: a view of a
trained VAE (measured in the pool by :mod:`vae_ui.service.measures`, once per run and k, shared by every session)
and the rows of metrics that show it.

On the generated 2-D data the true density is known (:func:`vae_core.data.log_density`), so the distance of the
model from the data, KL(p_data ‖ p_model) = E_data[log p_data(x) − log p_model(x)] ≥ 0, is a number on screen.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from vae_ui.page import shell
from vae_ui.service import measures, runs
from vae_ui.service.datasets import Data
from vae_ui.service.measures import DISTANCE, EVAL_POINTS, LARGE_D, REPEATS, TRUTH, mean_and_2se  # noqa: F401 - read here

POLL_SECONDS = 0.5  # a page waiting for the ladder (runs.view_soon) looks for it this often
PER_ROW = 3  # metrics side by side (more would cut their values at 1280 px)


def eval_points(data: Data) -> int:
    """How many test points the bounds are measured on: EVAL_POINTS, fewer for large images (MNIST)."""
    return measures.eval_points(data.X.shape[1], len(data.X_test))


def ladder(run: runs.Run, data: Data, k: int) -> dict[str, tuple[float, float]]:
    """The ladder of a run on a page's data, measured here and now (:func:`vae_ui.service.measures.ladder`); a page
    asks the pool for it instead, ``runs.view_soon(measures.ladder, run, data, k)``."""
    return measures.ladder(measures.Fitted.of(run), measures.Rows.of(data), k)


def misspecified(data: Data, likelihood: str) -> str | None:
    """For data with grey levels under a Bernoulli decoder (the digits, MNIST): the sentence that its nats are not
    a log density of the data; None for any other model."""
    if likelihood != "bernoulli":
        return None
    grey = float(np.mean((data.X > 0) & (data.X < 1)))  # pixels neither 0 nor 1
    if grey == 0:
        return None
    return (f"{grey:.0%} of these pixels are grey, neither 0 nor 1, but a Bernoulli likelihood is a distribution over 0 "
            "and 1: at a grey value x̂ˣ(1 − x̂)¹⁻ˣ is neither a probability nor a density (over [0, 1] it does not "
            "integrate to 1). The model is mis-specified, so its nats are not log p(x) of the images: compare them "
            "between models on the same images only (Loaiza-Ganem & Cunningham 2019, the continuous Bernoulli).")


def label(value: float, error: float, decimals: int = 4) -> str:
    """A value with its two standard errors, as printed: "-2.4903 ± 0.0040" (no ± for an exact value)."""
    return f"{value:.{decimals}f} ± {error:.{decimals}f}" if error else f"{value:.{decimals}f}"


HELP = {
    "ELBO": "Mean over the test points; ± two standard errors of 10 independent Monte Carlo repeats.",
    "exact log p(x)": "log p_model(x) = log ∫ p(x|z) p(z) dz by quadrature over z: exact, no Monte Carlo.",
    TRUTH: "The log density of the distribution the data was drawn from (closed form, or quadrature along its curve). "
           "± two standard errors over the test points.",
    DISTANCE: "E[log p_data(x) − log p_model(x)] over the test points: how many nats per example the model is from "
              "the truth (0 only when the two densities are equal). ± two standard errors over the points.",
    DISTANCE + " ≤": "Bounded above with IWAE_k in place of log p_model(x), which has no exact value for d > 2.",
}


def show(found: dict[str, tuple[float, float]], container: Any = None) -> None:
    """The ladder as rows of metrics, PER_ROW side by side, each value with its ± two standard errors."""
    container = container if container is not None else st
    items = list(found.items())
    for start in range(0, len(items), PER_ROW):
        cols = container.columns(PER_ROW)
        for col, (name, (value, error)) in zip(cols, items[start:start + PER_ROW]):
            shell.metric(col, name, label(value, error), help=HELP.get(name, HELP["ELBO"]))


def show_measuring(data: Data, k: int) -> None:
    """What a page says while a thread measures the ladder (runs.view_soon); the browser tests wait on its words."""
    st.caption(f"Measuring the bounds on {eval_points(data)} test points ({REPEATS} Monte Carlo repeats of the ELBO "
               f"and of IWAE_{k}) …")
