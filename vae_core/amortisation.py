r"""Why the ELBO lies below log p(x): the approximation gap and the amortisation gap (Cremer, Li & Duvenaud,
*Inference Suboptimality in Variational Autoencoders*, ICML 2018), for a latent space of one or two dimensions.

Each example gets its own best Gaussian q*(z|x), fitted by gradient ascent on its ELBO; every ELBO here is
computed by quadrature (Gauss–Hermite), so the split has no Monte Carlo noise beyond q*'s fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .evaluate import _nll_of_samples, log_likelihood_quadrature
from .layers import mlp_backward, mlp_forward
from .losses import kl_standard_normal
from .optim import Adam

if TYPE_CHECKING:
    from .models import VAE

Array = np.ndarray

HERMITE_NODES = 24  # Gauss–Hermite nodes per latent dimension for an expectation under a Gaussian q


def elbo_by_quadrature(model: VAE, x: Array, mu: Array, log_var: Array, nodes: int = HERMITE_NODES) -> Array:
    r"""The ELBO of any diagonal Gaussian :math:`q = \mathcal N(\mu, \operatorname{diag} e^{\log\sigma^2})` per example,
    without Monte Carlo: :math:`\mathbb E_q[\log p(x|z)]` by Gauss–Hermite quadrature (``nodes`` per dimension, a
    tensor grid: latent_dim ≤ 2 keeps it small) at :math:`z = \mu + \sigma u`, minus the closed-form KL.
    x: (n, D), mu, log_var: (n, d) -> (n,)."""
    x, mu, log_var = (np.asarray(a, dtype=np.float64) for a in (x, mu, log_var))
    u, w = np.polynomial.hermite_e.hermegauss(nodes)  # ∫ f(u) e^{-u²/2} du ≈ Σ w f(u)
    w = w / np.sqrt(2 * np.pi)  # weights of N(0, 1)
    d = mu.shape[1]
    grid = np.stack([g.ravel() for g in np.meshgrid(*[u] * d, indexing="ij")], axis=1)  # (G, d)
    weight = np.prod(np.stack([g.ravel() for g in np.meshgrid(*[w] * d, indexing="ij")], axis=1), axis=1)  # (G,)
    z = mu[None] + np.exp(0.5 * log_var)[None] * grid[:, None, :]  # (G, n, d)
    expected = -(weight[:, None] * _nll_of_samples(model, x, z)).sum(axis=0)
    return expected - kl_standard_normal(mu, log_var)[0]


def fitted_posterior(model: VAE, x: Array, rng: np.random.Generator, steps: int = 500, lr: float = 0.05,
                     samples: int = 32) -> tuple[Array, Array]:
    r"""For each example its own best Gaussian :math:`q^*(z|x) = \mathcal N(\mu^*, \operatorname{diag}\sigma^{*2})`:
    gradient ascent (Adam, ``steps`` steps of a step size decayed linearly from ``lr`` to 0, ``samples`` fresh
    reparameterised draws a step) on that example's ELBO, started from the encoder's q. The encoder shares one
    network among all x (it *amortises* inference); q* is
    what inference without that constraint reaches (Cremer, Li & Duvenaud, *Inference Suboptimality in VAEs*,
    ICML 2018). Returns mu, log_var: (n, d) each."""
    x = np.asarray(x, dtype=np.float64)
    mu, log_var = model.encode(x)
    n, d = mu.shape
    theta = np.concatenate([mu, log_var], axis=1).ravel()  # (n · 2d): every example's own parameters
    opt = Adam(theta.size, lr)
    x_rep = np.broadcast_to(x, (samples, *x.shape)).reshape(samples * n, -1)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps):
            opt.lr = lr * (1.0 - step / steps)  # decayed to 0: the last steps settle instead of jittering
            params = theta.reshape(n, 2 * d)
            mu, log_var = params[:, :d], params[:, d:]
            eps = rng.standard_normal((samples, n, d))
            std = np.exp(0.5 * log_var)
            z = (mu[None] + std[None] * eps).reshape(samples * n, d)
            out, caches = mlp_forward(z, model.decoder, model.activation)
            _, d_out, _ = model._nll(x_rep, out)
            d_z, _ = mlp_backward(d_out, caches, model.activation)  # (samples · n, d)
            d_z = d_z.reshape(samples, n, d)
            d_mu = d_z.mean(axis=0) + mu  # −ELBO's gradient: the likelihood's, then the KL's
            d_log_var = (d_z * eps).mean(axis=0) * 0.5 * std + 0.5 * (std**2 - 1.0)
            opt.step(theta, np.concatenate([d_mu, d_log_var], axis=1).ravel())
    params = theta.reshape(n, 2 * d)
    return params[:, :d].copy(), params[:, d:].copy()


def amortisation_split(model: VAE, x: Array, rng: np.random.Generator, steps: int = 500,
                       samples: int = 32) -> dict[str, Array]:
    r"""log p(x) − ELBO(q_encoder), split in two (per example, nats, latent_dim ≤ 2, all by quadrature):

    * the **approximation gap** :math:`\log p(x) - \mathrm{ELBO}(q^*)`: what the best Gaussian q still misses;
    * the **amortisation gap** :math:`\mathrm{ELBO}(q^*) - \mathrm{ELBO}(q_\text{encoder})`: what one shared encoder
      network costs.

    q* is the better (by its quadrature ELBO) of the encoder's q and :func:`fitted_posterior`'s, so both gaps are
    ≥ 0 up to quadrature error; with the default ``steps`` and ``samples`` q* is within about 0.005 nats of the best
    Gaussian's ELBO (``tests/test_evaluate.py``: a linear-Gaussian model, whose posterior is Gaussian).
    Returns {"log p(x)", "ELBO(q*)", "ELBO(encoder)", "approximation", "amortisation"}."""
    x = np.asarray(x, dtype=np.float64)
    mu_enc, log_var_enc = model.encode(x)
    encoder = elbo_by_quadrature(model, x, mu_enc, log_var_enc)
    fitted = elbo_by_quadrature(model, x, *fitted_posterior(model, x, rng, steps=steps, samples=samples))
    best = np.maximum(encoder, np.where(np.isfinite(fitted), fitted, -np.inf))
    log_px = log_likelihood_quadrature(model, x)
    return {"log p(x)": log_px, "ELBO(q*)": best, "ELBO(encoder)": encoder, "approximation": log_px - best,
            "amortisation": best - encoder}
