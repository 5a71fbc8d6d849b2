"""The records of the compute service: a run's config (what determines a trained model), a finished run, and the
status of a training a page waits for. Frozen dataclasses, no Streamlit: a worker of the pool unpickles a run to
measure it (:mod:`vae_ui.service.measures`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np

import vae_core as vc
from vae_ui.service.datasets import DataSpec

__all__ = ["SNAPSHOTS", "LiveProgress", "Progress", "Run", "RunConfig", "Status", "likelihood_for", "snapshot_every"]

SNAPSHOTS = 25  # snapshots per run after epoch 0, for the replay slider: 25 divides every choice of Epochs


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a trained model. Frozen, so it hashes by value."""

    kind: str  # "vae", "autoencoder" or "denoising_autoencoder"
    data: DataSpec = DataSpec()
    latent_dim: int = 2
    hidden: tuple[int, ...] = (64, 64)
    activation: str = "tanh"
    beta: float = 1.0  # VAE only
    decoder_std: float | str = 1.0  # VAE only: the Gaussian decoder's σₓ, fixed or "learned" (a Bernoulli one has none)
    warmup_epochs: int = 0  # VAE only: the KL's weight rises linearly from 0 to β over these first epochs
    free_bits: float = 0.0  # VAE only: nats of KL per latent dimension that cost nothing (a floor on each)
    noise_sigma: float = 0.0  # denoising AE only
    epochs: int = 300
    lr: float = 1e-3
    batch_size: int = 64
    seed: int = 0

    def build(self, input_dim: int, likelihood: str = "gaussian") -> vc.Model:
        """A fresh, untrained model of this config."""
        common = {"input_dim": input_dim, "latent_dim": self.latent_dim, "hidden": self.hidden,
                  "activation": self.activation, "seed": self.seed}
        if self.kind == "vae":
            std = self.decoder_std if likelihood == "gaussian" else 1.0
            return vc.VAE(beta=self.beta, likelihood=likelihood, decoder_std=std, free_bits=self.free_bits,
                          warmup_epochs=self.warmup_epochs, **common)
        if self.kind == "denoising_autoencoder":
            return vc.DenoisingAutoencoder(noise_sigma=self.noise_sigma, **common)
        return vc.Autoencoder(**common)


def snapshot_every(epochs: int) -> int:
    """Epochs between two snapshots (the replay slider's step)."""
    return max(1, epochs // SNAPSHOTS)


@dataclass(frozen=True)
class Run:
    """A finished training run: the final parameters, the history, the snapshots."""

    config: RunConfig
    likelihood: str
    input_dim: int
    params: np.ndarray  # flat, read-only
    loss: np.ndarray
    recon: np.ndarray
    kl: np.ndarray
    snapshots: tuple[tuple[int, np.ndarray], ...]
    seconds: float  # time spent training (not drawing progress or waiting)

    def snapshot_epoch(self, epoch: int) -> int:
        """The epoch of the snapshot nearest ``epoch`` (the last epoch when there are none)."""
        return min((e for e, _ in self.snapshots), key=lambda e: abs(e - epoch), default=self.config.epochs)

    def model(self, epoch: int | None = None) -> vc.Model:
        """A model with the final parameters, or those of the snapshot nearest ``epoch``."""
        model = self.config.build(self.input_dim, self.likelihood)
        flat = self.params
        if epoch is not None and self.snapshots:
            flat = dict(self.snapshots)[self.snapshot_epoch(epoch)]
        model.params.flat[...] = flat
        return model


def likelihood_for(X: np.ndarray) -> str:
    """Bernoulli for data in [0, 1] with an image's many dimensions (the digits), else Gaussian."""
    return "bernoulli" if X.shape[1] > 16 and X.min() >= 0.0 and X.max() <= 1.0 else "gaussian"


@dataclass(frozen=True)
class Status:
    """How a training a page waits for is doing: waiting for a worker (``ahead`` trainings before it), or at
    ``epoch`` of ``epochs`` with its loss terms so far and, once it has one, its newest snapshot's parameters."""

    ahead: int
    epoch: int
    epochs: int
    recon: np.ndarray
    kl: np.ndarray
    snapshot: np.ndarray | None
    untrained: vc.Model  # the model being trained, before its first step (its shape, to rebuild the snapshot in)

    def snapshot_model(self) -> vc.Model:
        """A model with the newest snapshot's parameters (built when a page draws it, not at every report). Rebuilt
        from the untrained model's config, not through its ``.npz`` bytes: reading an ``.npy`` header in a script's
        thread races Streamlit's compiling of another (the SystemError of issue 18 item 10)."""
        config = self.untrained.config()
        model = vc.models.KINDS[config.pop("kind")](**config)
        model.params.flat[...] = self.snapshot
        return model


Progress = Callable[[Status], None]
LiveProgress = Callable[[], AbstractContextManager[Progress]]  # opened only when a page really waits for a training


