"""The models each page trains, from its control values: one rule for the page that trains them and for a deck that
trains the next scene's models in the background while the lecturer talks.

``values`` maps every control's key to its value (:func:`vae_ui.session.controls.values` on a page, or
:meth:`vae_ui.deck.Scene.values` for a scene not shown yet); ``spec`` names the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from vae_ui.service.datasets import DataSpec
from vae_ui.service.runs import RunConfig
from vae_ui.settings import FREE_BITS, MAX_EPOCHS, WARMUP_SHARE

Values = Mapping[str, Any]
BETA_SWEEP = (0.1, 0.3, 1.0, 3.0, 10.0)  # β values of the ELBO page's rate-distortion sweep


def epochs(chosen: int, spec: DataSpec) -> int:
    """The epochs a model trains: the chosen number, or fewer on a data set with a cap (MNIST: settings.MAX_EPOCHS)."""
    return min(int(chosen), MAX_EPOCHS.get(spec.name, int(chosen)))


def home(values: Values, spec: DataSpec) -> RunConfig:
    """The worked example's VAE."""
    std = values["h_sigma_x"]
    return RunConfig("vae", spec, latent_dim=values["h_latent"], beta=values["h_beta"], epochs=epochs(values["h_epochs"], spec),
                     lr=values["h_lr"], decoder_std=std if std == "learned" else float(std), seed=int(values["seed"]))


def autoencoder(values: Values, spec: DataSpec, latent: int | None = None) -> RunConfig:
    """The autoencoder page's model, with ``latent`` numbers in its bottleneck (the page's own by default)."""
    width = values["ae_width"]
    return RunConfig("autoencoder", spec, latent_dim=latent or values["ae_latent"], hidden=(width, width),
                     activation=values["ae_activation"], epochs=epochs(values["ae_epochs"], spec), lr=values["ae_lr"],
                     seed=int(values["seed"]))


def generation(values: Values, spec: DataSpec) -> tuple[RunConfig, RunConfig]:
    """The autoencoder and the VAE compared as generators: the same widths, epochs and data, d = 2 for both (their
    codes drawn as they are); the VAE at β = 1 with a learned σₓ."""
    ae = autoencoder(values, spec, latent=2)
    return replace(ae, activation="tanh"), replace(ae, kind="vae", activation="tanh", decoder_std="learned")


def denoising(values: Values, spec: DataSpec) -> tuple[RunConfig, RunConfig]:
    """The denoising autoencoder, and the plain autoencoder it is compared with (the same but for the noise)."""
    dae = RunConfig("denoising_autoencoder", spec, latent_dim=values["dae_latent"], noise_sigma=values["dae_sigma"],
                    epochs=epochs(values["dae_epochs"], spec), lr=3e-3, seed=int(values["seed"]))
    return dae, replace(dae, kind="autoencoder", noise_sigma=0.0)


def beta_vae(values: Values, spec: DataSpec, beta: float | None = None) -> RunConfig:
    """The ELBO page's β-VAE, with the KL warm-up and free bits when their toggles are on."""
    n = epochs(RunConfig.epochs, spec)
    return RunConfig("vae", spec, latent_dim=values["vb_latent"], beta=values["vb_beta"] if beta is None else beta,
                     epochs=n, warmup_epochs=n // WARMUP_SHARE if values["vb_warmup"] else 0,
                     free_bits=FREE_BITS if values["vb_free_bits"] else 0.0, seed=int(values["seed"]))


def unguarded(config: RunConfig) -> RunConfig:
    """The same β-VAE without the KL warm-up and free bits."""
    return replace(config, warmup_epochs=0, free_bits=0.0)


def guards(config: RunConfig) -> str:
    """The guards against posterior collapse a config trains with, in words ("" for none)."""
    named = ([f"KL warm-up over {config.warmup_epochs} epochs"] if config.warmup_epochs else []) + (
        [f"free bits λ = {config.free_bits:g} nats"] if config.free_bits else [])
    return " and ".join(named)


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
