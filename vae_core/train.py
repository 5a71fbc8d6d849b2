r"""Training: shuffled minibatches, Adam or SGD, a per-epoch history, snapshots for replay.

The optimiser works on the model's flat parameter buffer in one fused update, so a
step costs a handful of NumPy calls whatever the number of layers.

The optimisers are in :mod:`vae_core.optim`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .models import VAE, Model
from .optim import OPTIMIZERS, SGD, Adam  # noqa: F401  (Adam and SGD: vc.train.Adam as before)

Array = np.ndarray


BLOW_UP = 1e4  # a loss this many times its first value (or above it in absolute value) has diverged


class TrainingDiverged(RuntimeError):
    """The loss became NaN, infinite, or blew up. The model keeps its last good parameters."""

    def __init__(self, epoch: int, lr: float, model: Model) -> None:
        advice = f"lower the learning rate (now {lr:g})"
        if isinstance(model, VAE) and model.beta > 1:
            advice += f" or β (now {model.beta:g})"
        super().__init__(
            f"Training diverged at epoch {epoch}: the loss became NaN, infinite or "
            f"over {BLOW_UP:,.0f} times its starting value. "
            f"Try again and {advice}. The model keeps its parameters from epoch {epoch - 1}."
        )
        self.epoch = epoch


@dataclass
class History:
    """Per-epoch means over the training set; ``snapshots`` holds (epoch, flat parameters)."""

    loss: Array
    recon: Array
    kl: Array
    snapshots: list[tuple[int, Array]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        return len(self.loss)




@contextlib.contextmanager
def _epochs_told(model: Model) -> Iterator[None]:
    """Tells the model when the training ends (``begin_epoch(None)``), however it ends: a warm-up's β_t does not
    outlive its training."""
    try:
        yield
    finally:
        model.begin_epoch(None)


def fit(
    model: Model,
    X: Array,
    epochs: int = 300,
    batch_size: int = 64,
    lr: float = 1e-3,
    seed: int = 0,
    callback: Callable[[int, dict[str, float]], object] | None = None,
    snapshot_every: int | None = None,
    optimizer: str = "adam",
) -> History:
    """Train ``model`` in place on the rows of X and return its :class:`History`.

    Each epoch shuffles X with ``np.random.default_rng(seed)`` and takes one optimiser step
    per minibatch; the same seed gives the same history. ``callback(epoch, terms)`` runs after
    every epoch with that epoch's mean terms (epochs count from 1). ``snapshot_every=k`` keeps a
    copy of the parameters at epoch 0 and every k epochs (and the last), for replaying training.

    Raises :class:`TrainingDiverged` when the epoch's loss turns NaN or infinite, or exceeds
    ``BLOW_UP`` times max(1, |loss of the untrained model on the first batch|) (Adam can carry a
    model to losses of 1e200 that are finite but meaningless); the model is then left with its
    parameters from the last good epoch.
    """
    import time

    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != model.input_dim:
        raise ValueError(f"X must have shape (n, {model.input_dim}), got {X.shape}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {sorted(OPTIMIZERS)}")
    rng = np.random.default_rng(seed)
    theta, grad = model.params.flat, model.grads.flat
    opt = OPTIMIZERS[optimizer](theta.size, lr)
    n = len(X)
    batch_size = max(1, min(int(batch_size), n))
    history = {"loss": np.zeros(epochs), "recon": np.zeros(epochs), "kl": np.zeros(epochs)}
    snapshots: list[tuple[int, Array]] = [(0, theta.copy())] if snapshot_every else []
    last_good = theta.copy()
    limit = None  # set from the first batch's loss
    started = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"), _epochs_told(model):  # a diverging run is caught below
        for epoch in range(1, epochs + 1):
            model.begin_epoch(epoch)  # a schedule over epochs (the VAE's KL warm-up) reads the epoch here
            X_epoch = np.take(X, rng.permutation(n), axis=0)  # shuffled once: minibatches are slices
            noise = model.draw_noise(n, rng)  # the epoch's noise in one draw (the same numbers as per batch)
            sums = dict.fromkeys(history, 0.0)
            for start in range(0, n, batch_size):
                stop = start + batch_size
                xb = X_epoch[start:stop]
                terms = model.backward(xb, None if noise is None else noise[start:stop])
                if limit is None:
                    limit = BLOW_UP * max(1.0, abs(terms["loss"]))
                for key, value in terms.items():
                    sums[key] += value * len(xb)
                opt.step(theta, grad)
            means = {key: sums[key] / n for key in history}
            if not (abs(means["loss"]) <= limit and np.all(np.isfinite(theta))):  # NaN fails too
                theta[...] = last_good
                raise TrainingDiverged(epoch, lr, model)
            last_good[...] = theta
            for key in history:
                history[key][epoch - 1] = means[key]
            if snapshot_every and (epoch % snapshot_every == 0 or epoch == epochs):
                snapshots.append((epoch, theta.copy()))
            if callback is not None:
                callback(epoch, means)
    return History(history["loss"], history["recon"], history["kl"], snapshots,
                   time.perf_counter() - started)
