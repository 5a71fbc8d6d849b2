"""A lecture deck as records (no Streamlit here): an ordered list of scenes, and what a scene may name.

A scene is one set-up of one page, exactly what a "Link to this slide" URL holds (the page and its control values,
checked as the URL's are), with a title, a talking point and, optionally, a question the class answers before the
reveal; it may name the parts of its page it is about (``show``) and those a question keeps back (``hide``). Decks are
read from and written to TOML files by :mod:`vae_ui.deck_file`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vae_ui.settings import REGISTRY, Control

# The pages a scene may show (the URL path of each) and the prefixes of the controls that belong to each.
PAGES: dict[str, tuple[str, ...]] = {
    "home": ("h_",),
    "autoencoder": ("ae_",),
    "denoising": ("dae_",),
    "elbo": ("el_", "kl_", "lg_", "vb_", "ls_"),
    "reparameterisation": ("rp_",),
}
FIGURES = {  # the parts of each page by name: what a scene shows first (``show``) and what a question scene may keep
    # back until Reveal (``hide``): its figures, and its numbers
    "home": ("replay", "latent_space", "training_curves", "data", "reconstructions", "prior_samples", "numbers"),
    "autoencoder": ("ae_reconstruction", "ae_manifold", "ae_latent", "ae_loss", "ae_compare", "numbers"),
    "denoising": ("dae_clean", "dae_noisy", "dae_reconstructed", "dae_field", "dae_vs_ae", "score_samples", "numbers"),
    "elbo": ("kl_densities", "kl_convergence", "gap_densities", "gap_bar", "rate_distortion", "kl_per_dimension",
             "bounds", "posterior_vs_q", "aggregate_posterior", "holes_decoded", "beta_side", "effective_beta",
             "kl_direction", "numbers"),
    "reparameterisation": ("eps_to_z", "sampling_graph", "estimator_variance", "estimate_histograms", "numbers"),
}
NOT_SHOWN = ("numbers",)  # names ``hide`` takes that are not one part of the page (``show`` refuses them)
FIRST_SCREEN = {  # what a scene a lecturer saves shows first: its page's (or the ELBO page's tab's) main figures
    "home": ("replay", "latent_space", "training_curves"),
    "autoencoder": ("ae_reconstruction", "ae_manifold"),
    "denoising": ("dae_clean", "dae_noisy", "dae_reconstructed"),
    "reparameterisation": ("eps_to_z", "sampling_graph"),
    "KL in closed form": ("kl_densities", "kl_convergence"),
    "The ELBO gap": ("gap_densities", "gap_bar"),
    "β-VAE": ("rate_distortion", "kl_per_dimension"),
    "Hidden β": ("effective_beta",),
}
SCENE_SHARED = ("dataset", "seed")  # the shared controls a scene may set (not the deck, the scene or lecture mode)
MAX_TEXT = {"title": 120, "talk": 1200, "prompt": 300, "choice": 120, "explain": 1200}
LETTERS = "ABCDE"  # the choices' letters, on the lecturer's screen and the students'


@dataclass(frozen=True)
class Question:
    """A question put to the class before the reveal; ``answer`` is None for an opinion poll."""

    prompt: str
    choices: tuple[str, ...]
    answer: str | None = None
    explain: str = ""

    @property
    def right(self) -> int | None:
        """The index of the right choice (None for a poll)."""
        return None if self.answer is None else self.choices.index(self.answer)


@dataclass(frozen=True)
class Scene:
    """One page set up for one point of the lecture."""

    page: str
    title: str
    talk: str = ""
    controls: tuple[tuple[str, Any], ...] = ()  # (key, value) in the file's order; the others keep their defaults
    question: Question | None = None
    hide: tuple[str, ...] = ()
    show: tuple[str, ...] = ()  # the parts of the page the scene is about, drawn first (in this order)

    def values(self) -> dict[str, Any]:
        """Every control of the app set for this scene: its own values, the defaults for the rest."""
        return {key: c.default for key, c in REGISTRY.items()} | dict(self.controls)

    def link(self) -> str:
        """The page's URL path and query, as "Link to this slide" writes it (non-default values only)."""
        path = "" if self.page == "home" else self.page
        query = "&".join(f"{key}={Control.encode(v)}" for key, v in self.controls if v != REGISTRY[key].default)
        return path + ("?" + query if query else "")


@dataclass(frozen=True)
class Deck:
    title: str
    scenes: tuple[Scene, ...] = field(default_factory=tuple)


def settable(key: str, page: str) -> bool:
    """Whether a scene of ``page`` may set control ``key``: the page's own controls, and the data and seed."""
    return key in SCENE_SHARED or (key in REGISTRY and key.startswith(PAGES[page]))


def first_screen(page: str, values: Mapping[str, Any]) -> tuple[str, ...]:
    """The parts a new scene of ``page`` with these control values shows first (see FIRST_SCREEN)."""
    if page == "elbo":
        return FIRST_SCREEN.get(str(values.get("el_tab", REGISTRY["el_tab"].default)), ())
    return FIRST_SCREEN.get(page, ())


def covers(hidden: tuple[str, ...], name: str) -> bool:
    """Whether keeping back ``hidden`` keeps back the figure ``name`` ("ae_compare" covers "ae_compare_d2")."""
    return any(name == h or name.startswith(h + "_") for h in hidden)
