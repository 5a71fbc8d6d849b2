"""Every control of every page, in one place: defaults, ranges, labels (widgets and tests read them here).

URL keys are short and page-prefixed: ``h_`` home, ``ae_`` autoencoder, ``dae_`` denoising AE,
``kl_``/``lg_``/``vb_``/``ls_`` ELBO & KL explorer, ``rp_`` reparameterisation.
"""

from __future__ import annotations

from .controls import REGISTRY, Control, register

DATASETS = {"three_clusters": "Three clusters", "two_moons": "Two moons", "rings": "Rings", "spiral": "Spiral",
            "digits": "Digits (8×8 images)", "csv": "Your CSV (upload)"}
BETAS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
         1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)  # fine steps below 1
EPOCHS = (50, 100, 150, 200, 300, 400, 600, 800, 1000)
RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
WIDTHS = (8, 16, 32, 64, 128, 256)
SAMPLE_SIZES = (100, 1_000, 10_000, 100_000)
IWAE_KS = (1, 2, 5, 10, 50, 100, 500, 1000)
MAX_REPLAY = 1000
ELBO_TABS = ("KL in closed form", "The ELBO gap", "β-VAE", "Hidden β")

SHARED = ("dataset", "seed", "lecture")
__all__ = ["REGISTRY", "SHARED", "DATASETS"]

register(
    # shared sidebar
    Control("dataset", "Dataset", "three_clusters", "select", options=tuple(DATASETS), fmt=DATASETS.get),
    Control("seed", "Seed", 0, "number", lo=0, hi=9999, step=1, help="Seeds the data, the initial weights and the noise."),
    Control("lecture", "Lecture mode", False, "toggle", help="Larger type, fewer controls, full-width figures."),
    # home: the worked example
    Control("h_beta", "β (weight of the KL term)", 1.0, "select_slider", options=BETAS),
    Control("h_latent", "Latent dimension d", 2, "slider", lo=1, hi=8, step=1),
    Control("h_epochs", "Epochs", 300, "select_slider", options=EPOCHS),
    Control("h_lr", "Learning rate", 1e-3, "select_slider", options=RATES, fmt=lambda v: f"{v:g}",
            help="Adam's step size. Too large and training diverges: try 1 to see it happen."),
    Control("h_replay", "Replay training: epoch", MAX_REPLAY, "slider", lo=0, hi=MAX_REPLAY, step=1,
            help="Show the model as it was at this epoch (from snapshots taken while training)."),
    # autoencoder
    Control("ae_latent", "Latent dimension d", 1, "slider", lo=1, hi=16, step=1),
    Control("ae_width", "Hidden width", 64, "select_slider", options=WIDTHS),
    Control("ae_epochs", "Epochs", 300, "select_slider", options=EPOCHS),
    Control("ae_lr", "Learning rate", 3e-3, "select_slider", options=RATES, fmt=lambda v: f"{v:g}"),
    Control("ae_compare", "Compare latent dimensions", (1, 2), "multiselect", options=tuple(range(1, 17)),
            help="The same test points reconstructed by one autoencoder per latent dimension."),
    # denoising autoencoder
    Control("dae_sigma", "Noise σ (training corruption)", 0.3, "slider", lo=0.0, hi=1.5, step=0.05),
    Control("dae_latent", "Latent dimension d", 1, "slider", lo=1, hi=16, step=1),
    Control("dae_epochs", "Epochs", 300, "select_slider", options=EPOCHS),
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
    Control("ls_reduction", "Reduction over the D dimensions", "sum", "select", options=("sum", "mean")),
    Control("ls_sigma_x", "Decoder standard deviation σₓ", 1.0, "slider", lo=0.05, hi=3.0, step=0.05),
    # reparameterisation
    Control("rp_mu1", "μ₁", 0.5, "slider", lo=-3.0, hi=3.0, step=0.1),
    Control("rp_mu2", "μ₂", -0.5, "slider", lo=-3.0, hi=3.0, step=0.1),
    Control("rp_s1", "σ₁", 1.0, "slider", lo=0.1, hi=3.0, step=0.05),
    Control("rp_s2", "σ₂", 0.5, "slider", lo=0.1, hi=3.0, step=0.05),
    Control("rp_naive", "Show naive sampling (no gradient path)", False, "toggle"),
    Control("rp_f", "Test function f", "sin", "select", options=("square", "sin", "exp", "step")),
    Control("rp_n", "Samples per estimate", 100, "select_slider", options=(1, 10, 100, 1000, 10_000)),
)
