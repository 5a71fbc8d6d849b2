"""The models each page trains, from its control values: one rule for the page that trains them and for a deck that
trains the next scene's models in the background while the lecturer talks.

``values`` maps every control's key to its value (:func:`vae_ui.controls.values` on a page, or
:meth:`vae_ui.deck.Scene.values` for a scene not shown yet); ``spec`` names the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .runs import DataSpec, RunConfig, replace

Values = Mapping[str, Any]
BETA_SWEEP = (0.1, 0.3, 1.0, 3.0, 10.0)  # β values of the ELBO page's rate-distortion sweep


def home(values: Values, spec: DataSpec) -> RunConfig:
    """The worked example's VAE."""
    std = values["h_sigma_x"]
    return RunConfig("vae", spec, latent_dim=values["h_latent"], beta=values["h_beta"], epochs=values["h_epochs"],
                     lr=values["h_lr"], decoder_std=std if std == "learned" else float(std), seed=int(values["seed"]))


def autoencoder(values: Values, spec: DataSpec, latent: int | None = None) -> RunConfig:
    """The autoencoder page's model, with ``latent`` numbers in its bottleneck (the page's own by default)."""
    width = values["ae_width"]
    return RunConfig("autoencoder", spec, latent_dim=latent or values["ae_latent"], hidden=(width, width),
                     activation=values["ae_activation"], epochs=values["ae_epochs"], lr=values["ae_lr"],
                     seed=int(values["seed"]))


def denoising(values: Values, spec: DataSpec) -> tuple[RunConfig, RunConfig]:
    """The denoising autoencoder, and the plain autoencoder it is compared with (the same but for the noise)."""
    dae = RunConfig("denoising_autoencoder", spec, latent_dim=values["dae_latent"], noise_sigma=values["dae_sigma"],
                    epochs=values["dae_epochs"], lr=3e-3, seed=int(values["seed"]))
    return dae, replace(dae, kind="autoencoder", noise_sigma=0.0)


def beta_vae(values: Values, spec: DataSpec, beta: float | None = None) -> RunConfig:
    """The ELBO page's β-VAE."""
    return RunConfig("vae", spec, latent_dim=values["vb_latent"], beta=values["vb_beta"] if beta is None else beta,
                     seed=int(values["seed"]))


def of_scene(page: str, values: Values, spec: DataSpec) -> list[RunConfig]:
    """What a scene of ``page`` trains before its first picture, the page's own model first."""
    if page == "home":
        return [home(values, spec)]
    if page == "autoencoder":
        return [autoencoder(values, spec)] + [autoencoder(values, spec, d) for d in values["ae_compare"]]
    if page == "denoising":
        return list(denoising(values, spec))
    if page == "elbo" and values["el_tab"] == "β-VAE":
        betas = dict.fromkeys((values["vb_beta"], values["vb_beta2"], *BETA_SWEEP))
        return [beta_vae(values, spec, b) for b in betas]
    return []
