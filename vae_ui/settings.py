"""Every control of every page, in one place: defaults, ranges, labels (widgets and tests read them here).

A UI-free module (no Streamlit): :mod:`vae_ui.session.controls` binds these to widgets and to the URL, the
benchmarks and tests read them as they are. (tensorflow/playground's ``state.ts`` plays this part.)
URL keys are short and page-prefixed: ``h_`` home, ``ae_`` autoencoder, ``dae_`` denoising AE,
``kl_``/``lg_``/``vb_``/``ls_`` ELBO & KL explorer, ``rp_`` reparameterisation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_URL_VALUE = 200  # longer query values are not parsed at all
JOIN = "code"  # the one link parameter that is not a control: a class's join code (the students' vote page)

# The random streams the pages draw from, each offset from the seed, so that no two pictures share their numbers
# (the data and the initial weights use the seed itself; a model's own noise is vae_core's NOISE_STREAM, 1).
STREAMS = {"prior samples": 1, "gradient estimates": 3, "single estimates": 4, "test corruption": 7, "generation": 11}


def rng(seed: int, stream: str) -> np.random.Generator:
    """The generator of one of the :data:`STREAMS` for this seed."""
    return np.random.default_rng(seed + STREAMS[stream])


@dataclass(frozen=True)
class Control:
    """One widget: its URL key, label, default and the values it may take."""

    key: str
    label: str
    default: Any
    kind: str  # "slider", "select_slider", "select", "toggle", "number", "multiselect"
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    options: tuple = ()
    help: str | None = None
    fmt: Callable[[Any], str] | None = field(default=None, compare=False)

    def parse(self, raw: str) -> Any:
        """The value a URL string stands for; ValueError when it is not allowed."""
        if len(raw) > MAX_URL_VALUE:
            raise ValueError("too long")
        if self.kind == "toggle":
            if raw.lower() in ("1", "true", "on", "yes"):
                return True
            if raw.lower() in ("0", "false", "off", "no"):
                return False
            raise ValueError("not on/off")
        if self.kind == "multiselect":
            values = tuple(self._one(part) for part in raw.split(",") if part != "")
            if not values or len(set(values)) != len(values):
                raise ValueError("empty or repeated")
            return values
        return self._one(raw)

    def _one(self, raw: str) -> Any:
        if self.options:
            for option in self.options:
                if raw == self.encode(option):
                    return option
            raise ValueError("not one of the choices")
        number = float(raw)  # ValueError for text
        if not math.isfinite(number) or number < self.lo or number > self.hi:
            raise ValueError(f"outside {self.lo:g}..{self.hi:g}")
        if isinstance(self.default, int) and not isinstance(self.default, bool):
            if number != int(number):
                raise ValueError("not a whole number")
            return int(number)
        return number

    def allows(self, value: Any, lo: float | None = None, hi: float | None = None) -> bool:
        """Whether ``value`` is one this control may take (within ``lo``..``hi`` when a page narrows its range): what
        a widget returns is checked, as a crafted client may send NaN to a number or a repeated choice."""
        if self.kind == "toggle":
            return isinstance(value, bool)
        if self.kind == "multiselect":
            return (isinstance(value, tuple) and 0 < len(value) == len(set(value))
                    and all(v in self.options for v in value))
        if self.options:
            return any(value == option and type(value) is type(option) for option in self.options)
        lo, hi = self.lo if lo is None else lo, self.hi if hi is None else hi
        whole = isinstance(self.default, int) and not isinstance(self.default, bool)
        return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                and lo <= value <= hi and (not whole or value == int(value)))

    @staticmethod
    def encode(value: Any) -> str:
        """The URL string of a value (the inverse of ``parse``)."""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, tuple):
            return ",".join(Control.encode(v) for v in value)
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)


DATASETS = {"three_clusters": "Three clusters", "two_moons": "Two moons", "rings": "Rings", "spiral": "Spiral",
            "digits": "Digits (8×8 images)", "mnist": "MNIST (28×28, 5,000 images)", "csv": "Your CSV (upload)"}
# Epochs a model trains at most on a data set (the Epochs controls show it): MNIST's 4,000 training images of 784
# pixels cost about 0.2 s an epoch here, so a VAE of 30 epochs takes about 6 s (python -m benchmarks.mnist).
MAX_EPOCHS = {"mnist": 30}
BETAS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
         1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)  # fine steps below 1
EPOCHS = (50, 100, 150, 200, 300, 400, 600, 800, 1000)
RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
WIDTHS = (8, 16, 32, 64, 128, 256)
SAMPLE_SIZES = (100, 1_000, 10_000, 100_000)
IWAE_KS = (1, 2, 5, 10, 50, 100, 500, 1000)
MAX_REPLAY = 1000
DECODER_STDS = {"learned": "learned", "1": "fixed at 1", "0.5": "fixed at 0.5", "0.3": "fixed at 0.3",
                "0.1": "fixed at 0.1"}
FREE_BITS = 0.5  # nats per latent dimension of the β-VAE's free-bits toggle
WARMUP_SHARE = 3  # the β-VAE's KL warm-up lasts the first 1/WARMUP_SHARE of the epochs
ELBO_TABS = ("KL in closed form", "The ELBO gap", "β-VAE", "Hidden β")

SHARED = ("dataset", "seed", "lecture", "deck", "scene")  # in the URL on every page
DECKS = {"": "none", "course": "The course deck", "yours": "Your deck (this session)"}
MAX_SCENES = 40  # the scenes a deck holds at most

CONTROLS = (
    # shared sidebar
    Control("dataset", "Dataset", "three_clusters", "select", options=tuple(DATASETS), fmt=DATASETS.get),
    Control("seed", "Seed", 0, "number", lo=0, hi=9999, step=1, help="Seeds the data, the initial weights and the noise."),
    Control("lecture", "Lecture mode", False, "toggle", help="Larger type, fewer controls, full-width figures."),
    Control("deck", "Deck", "", "select", options=tuple(DECKS), fmt=DECKS.get),
    Control("scene", "Scene", 0, "number", lo=0, hi=MAX_SCENES, step=1, help="The scene presented (0: none)."),
    # home: the worked example
    Control("h_beta", "β (weight of the KL term)", 1.0, "select_slider", options=BETAS),
    Control("h_latent", "Latent dimension d", 2, "slider", lo=1, hi=8, step=1),
    Control("h_epochs", "Epochs", 300, "select_slider", options=EPOCHS),
    Control("h_lr", "Learning rate", 3e-3, "select_slider", options=RATES, fmt=lambda v: f"{v:g}",
            help="Adam's step size. Too large and training diverges: try 1 to see it happen."),
    Control("h_sigma_x", "Decoder σₓ", "learned", "select", options=tuple(DECODER_STDS), fmt=DECODER_STDS.get,
            help="The spread of p(x|z) = N(g(z), σₓ²I): learned with the weights, or fixed. Fixed at 1 on clusters of "
                 "spread 0.35, the decoder explains the spread as noise: reconstructions crowd to the centres. "
                 "(A Bernoulli decoder, on images, has no σₓ.)"),
    Control("h_replay", "Replay training: epoch", MAX_REPLAY, "slider", lo=0, hi=MAX_REPLAY, step=1,
            help="Show the model as it was at this epoch: one step is one of the snapshots taken while training."),
    # autoencoder
    Control("ae_latent", "Latent dimension d", 1, "slider", lo=1, hi=16, step=1),
    Control("ae_width", "Hidden width", 64, "select_slider", options=WIDTHS),
    Control("ae_activation", "Activation", "tanh", "select", options=("tanh", "linear"),
            help="linear: no activation at all, so encoder and decoder are linear maps; such an autoencoder finds the "
                 "data's principal subspace, as PCA does (Baldi & Hornik 1989)."),
    Control("ae_epochs", "Epochs", 300, "select_slider", options=EPOCHS),
    Control("ae_lr", "Learning rate", 3e-3, "select_slider", options=RATES, fmt=lambda v: f"{v:g}"),
    Control("ae_compare", "Compare latent dimensions", (1, 2), "multiselect", options=tuple(range(1, 17)),
            help="The same test points reconstructed by one autoencoder per latent dimension."),
    Control("ae_from", "Interpolate from test point", 0, "slider", lo=0, hi=99, step=1),
    Control("ae_to", "… to test point", 1, "slider", lo=0, hi=99, step=1),
    # denoising autoencoder
    Control("dae_sigma", "Noise σ (training corruption)", 0.3, "slider", lo=0.0, hi=1.5, step=0.05),
    Control("dae_latent", "Latent dimension d", 1, "slider", lo=1, hi=16, step=1),
    Control("dae_epochs", "Epochs", 300, "select_slider", options=EPOCHS),
    Control("dae_bayes", "Field of the Bayes-optimal denoiser E[x | x̃]", False, "toggle",
            help="What no denoiser can beat: the mean of the clean x given the noisy one, under the distribution the "
                 "data was drawn from (known for the generated data)."),
    # ELBO & KL explorer
    Control("el_tab", "Section", ELBO_TABS[0], "select", options=ELBO_TABS),
    Control("kl_mu", "μ of q", 1.0, "slider", lo=-3.0, hi=3.0, step=0.1),
    Control("kl_sigma", "σ of q", 0.5, "slider", lo=0.1, hi=3.0, step=0.05),
    Control("kl_mu2", "μ₂ of q (2-D)", -0.5, "slider", lo=-3.0, hi=3.0, step=0.1),
    Control("kl_sigma2", "σ₂ of q (2-D)", 1.5, "slider", lo=0.1, hi=3.0, step=0.05),
    Control("kl_n", "Monte-Carlo samples", 10_000, "select_slider", options=SAMPLE_SIZES),
    Control("lg_point", "Data point x", 0, "slider", lo=0, hi=4, step=1),
    Control("lg_mu", "μ of q(z)", 0.0, "slider", lo=-3.0, hi=3.0, step=0.01),
    Control("lg_sigma", "σ of q(z)", 1.0, "slider", lo=0.05, hi=2.0, step=0.01),
    Control("vb_beta", "β", 1.0, "select_slider", options=BETAS),
    Control("vb_latent", "Latent dimension d", 2, "slider", lo=1, hi=8, step=1),
    Control("vb_k", "IWAE samples k", 100, "select_slider", options=IWAE_KS),
    Control("vb_beta2", "Compare with β", 4.0, "select_slider", options=BETAS),
    Control("vb_point", "Test point for the posterior", 0, "slider", lo=0, hi=99, step=1),
    Control("vb_warmup", "KL warm-up", False, "toggle",
            help="The KL's weight rises linearly from 0 to β over the first third of the epochs (Bowman et al. 2016): "
                 "the decoder learns to use z before the KL pulls q(z|x) to the prior."),
    Control("vb_free_bits", f"Free bits (λ = {FREE_BITS:g} nats)", False, "toggle",
            help=f"Each latent dimension's first {FREE_BITS:g} nats of KL cost nothing (Kingma et al. 2016): the loss "
                 "uses Σⱼ max(λ, KLⱼ), so a dimension gains nothing by collapsing below λ."),
    Control("ls_reduction", "Reduction over the D dimensions", "sum", "select", options=("sum", "mean")),
    Control("ls_sigma_x", "Decoder standard deviation σₓ", 1.0, "slider", lo=0.05, hi=3.0, step=0.05),
    # reparameterisation
    Control("rp_mu1", "μ₁", 0.5, "slider", lo=-3.0, hi=3.0, step=0.1),
    Control("rp_mu2", "μ₂", -0.5, "slider", lo=-3.0, hi=3.0, step=0.1),
    Control("rp_s1", "σ₁", 1.0, "slider", lo=0.1, hi=3.0, step=0.05),
    Control("rp_s2", "σ₂", 0.5, "slider", lo=0.1, hi=3.0, step=0.05),
    Control("rp_naive", "Show naive sampling (no gradient path)", False, "toggle"),
    Control("rp_f", "Test function f", "square", "select", options=("square", "sin", "exp", "step")),
    Control("rp_n", "Samples per estimate", 100, "select_slider", options=(1, 10, 100, 1000, 10_000)),
)
REGISTRY: dict[str, Control] = {control.key: control for control in CONTROLS}


def step(key: str, current: Any, presses: int) -> Any:
    """The value control ``key`` takes ``presses`` arrow-key presses from ``current`` (negative: to the
    left), or None past either end. A slider's value is rounded to its step, as the browser sends it
    (0.35, not 0.35000000000000003).
    """
    control = REGISTRY[key]
    if control.options:
        at = control.options.index(current) + presses
        return control.options[at] if 0 <= at < len(control.options) else None
    decimals = len(f"{control.step:g}".partition(".")[2])
    value = round(current + presses * control.step, decimals)
    return type(control.default)(value) if control.lo <= value <= control.hi else None


def neighbours(key: str, current: Any, steps: int = 2) -> list:
    """The values control ``key`` takes 1 … ``steps`` arrow-key presses either side of ``current``,
    farthest first: :func:`vae_ui.service.runs.prefetch` serves its newest wish first, so the nearest ones are
    trained first.
    """
    offsets = [d for k in range(steps, 0, -1) for d in (-k, k)]
    return [v for v in (step(key, current, d) for d in offsets) if v is not None]
