"""What the server allows: bytes of memory for runs, views and figures (:data:`BUDGET`, ``VAE_LAB_CACHE_MB``), and
the work budget: about how many seconds a set-up costs to train on one core here, and the refusal of a set-up
that costs more than the server allows (``VAE_LAB_WORK_BUDGET``).

A set-up is everything a page trains for one move: its own model and the ones it shows beside it (the autoencoder
page's comparisons, the plain AE beside the denoising one). Each alone may fit the budget while together they do not:
MNIST with width 256 trains three models of about 21 s on the autoencoder page, a minute in all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import vae_core as vc
from vae_ui.service.lru import Budget
from vae_ui.service.records import RunConfig

__all__ = ["BUDGET", "WEIGHT_STEPS_PER_SECOND", "WORK_BUDGET", "estimated_seconds", "too_costly"]

BUDGET = Budget(int(float(os.environ.get("VAE_LAB_CACHE_MB", "256")) * 2**20))  # runs, views and figures together
WORK_BUDGET = float(os.environ.get("VAE_LAB_WORK_BUDGET", "30"))  # seconds of training a set-up may cost at most
WEIGHT_STEPS_PER_SECOND = 3.0e9  # epochs × rows × weights per second on one core here (benchmarks/work_estimate.py)


def estimated_seconds(config: RunConfig, rows: int, columns: int) -> float:
    """About how long training ``config`` on ``rows`` × ``columns`` data takes on one core of this machine: epochs ×
    rows × weights (an epoch's forward and backward pass over every weight), at the rate measured by
    ``benchmarks/work_estimate.py`` (:data:`WEIGHT_STEPS_PER_SECOND`) on every data set, MNIST included."""
    weights = vc.models.weights_about(columns, config.hidden, config.latent_dim)
    return config.epochs * rows * weights / WEIGHT_STEPS_PER_SECOND


def too_costly(config: RunConfig, rows: int, columns: int, together: Iterable[RunConfig] = ()) -> str | None:
    """Why a set-up is refused (its estimated seconds against :data:`WORK_BUDGET`, and what to lower), or None.
    ``together``: the other models not trained yet that the page trains for the same move."""
    others = [c for c in dict.fromkeys(together) if c != config]
    seconds = estimated_seconds(config, rows, columns) + sum(estimated_seconds(c, rows, columns) for c in others)
    if seconds <= WORK_BUDGET:
        return None
    models = f" for {len(others) + 1} models" if others else ""
    return (f"This set-up would take about {seconds:,.0f} s to train{models} (epochs {config.epochs} × {rows:,} rows × "
            f"layers {' → '.join(str(w) for w in (columns, *config.hidden, config.latent_dim))}), more than the "
            f"{WORK_BUDGET:g} s this server allows a set-up. Lower the epochs or the hidden width, or use fewer rows"
            + (", or compare fewer models." if others else "."))
