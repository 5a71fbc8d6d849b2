r"""Generating from a trained model: why a VAE can and an autoencoder cannot.

A VAE's KL term pulls its codes, pooled over the data (the aggregate posterior), towards the prior
:math:`p(z) = \mathcal N(0, I)`, so most z drawn from the prior decode to something like the data; the pooled codes
need not fill the prior, though, and a z drawn in one of its holes (:func:`vae_core.evaluate.prior_holes`) decodes
to what no data was. An autoencoder's codes go wherever the training put them; to draw a z it needs a density
fitted to its codes after training. The simplest is one Gaussian, and a z drawn from it can land between the
codes, where the decoder was never trained; a mixture of Gaussians (or a flow) fits the codes better (Ghosh et al.
2020). This module holds what the pages show of both:

* :func:`codes` — where a model puts each x: f(x) for an autoencoder, the posterior mean μ(x) for a VAE;
* :func:`fitted_gaussian` — z from :math:`\mathcal N(\bar z, \hat\Sigma)` fitted to an autoencoder's codes;
* :func:`fitted_mixture` — z from a mixture of Gaussians fitted to them by EM;
* :func:`interpolate` — decode the straight line between two points' codes;
* :func:`prior_quantile_grid` and :func:`normal_quantile` — z on a grid of the prior's quantiles, decoded into the
  latent manifold's mosaic (Kingma & Welling 2014, Fig. 4).

References: Kingma & Welling, *Auto-Encoding Variational Bayes*, ICLR 2014; Ghosh et al., *From Variational to
Deterministic Autoencoders*, ICLR 2020; Acklam (2003), an algorithm for the
inverse normal CDF; Bishop, *PRML* (2006) §2.3.
"""

from __future__ import annotations

import math

import numpy as np

from .models import VAE, Model

Array = np.ndarray


def codes(model: Model, X: Array) -> Array:
    """Where the model puts each row of X: the autoencoder's f(x), or the VAE's posterior mean μ(x): (n, d)."""
    z = model.encode(X)
    return z[0] if isinstance(model, VAE) else z


def fitted_gaussian(z: Array, n: int, rng: np.random.Generator) -> Array:
    r"""n draws from the Gaussian fitted to codes z (n_codes, d) by its sample mean and covariance:
    :math:`z = \bar z + L\varepsilon`, :math:`L L^\top = \hat\Sigma` (Cholesky), :math:`\varepsilon \sim \mathcal N(0, I)`.
    Returns (n, d)."""
    z = np.asarray(z, dtype=np.float64)
    mean = z.mean(axis=0)
    cov = np.atleast_2d(np.cov(z, rowvar=False))
    jitter = 1e-9 * max(1.0, float(np.trace(cov)))  # a collapsed code (zero variance) still has a Cholesky factor
    L = np.linalg.cholesky(cov + jitter * np.eye(len(cov)))
    return mean + rng.standard_normal((n, z.shape[1])) @ L.T


def fitted_mixture(z: Array, k: int, n: int, rng: np.random.Generator, steps: int = 200) -> Array:
    r"""n draws from a mixture of k Gaussians fitted to codes z (n_codes, d) by expectation-maximisation
    (Bishop, *PRML* §9.2.2), started from k codes drawn at random: a density that can leave the space between
    clusters of codes empty, as one Gaussian cannot (Ghosh et al., *From Variational to Deterministic
    Autoencoders*, ICLR 2020: ex-post density estimation).

    E step: :math:`r_{ij} \propto \pi_j\,\mathcal N(z_i; m_j, S_j)`; M step: :math:`\pi_j = \bar r_j`,
    :math:`m_j = \sum_i r_{ij} z_i / \sum_i r_{ij}`, :math:`S_j` the weighted covariance (plus a small ridge).
    Returns (n, d)."""
    z = np.asarray(z, dtype=np.float64)
    m, d = z.shape
    ridge = 1e-6 * max(1.0, float(np.trace(np.atleast_2d(np.cov(z, rowvar=False)))))
    means = z[rng.choice(m, size=k, replace=False)]  # (k, d)
    covs = np.repeat(np.atleast_2d(np.cov(z, rowvar=False))[None] + ridge * np.eye(d), k, axis=0)  # (k, d, d)
    log_pi = np.full(k, -np.log(k))
    for _ in range(steps):
        L = np.linalg.cholesky(covs)  # (k, d, d)
        diff = z[None] - means[:, None]  # (k, m, d)
        solved = np.linalg.solve(L, diff.transpose(0, 2, 1))  # (k, d, m): L⁻¹ (z − m_j)
        log_det = 2 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)  # (k,)
        log_r = log_pi[:, None] - 0.5 * (np.sum(solved**2, axis=1) + log_det[:, None] + d * np.log(2 * np.pi))
        r = np.exp(log_r - log_r.max(axis=0))
        r /= r.sum(axis=0)  # (k, m) responsibilities
        weight = r.sum(axis=1) + 1e-12  # (k,)
        means = (r @ z) / weight[:, None]
        diff = z[None] - means[:, None]
        covs = np.einsum("km,kmi,kmj->kij", r, diff, diff) / weight[:, None, None] + ridge * np.eye(d)
        log_pi = np.log(weight / m)
    which = rng.choice(k, size=n, p=np.exp(log_pi) / np.exp(log_pi).sum())  # (n,) a component per draw
    eps = rng.standard_normal((n, d))
    return means[which] + np.einsum("nij,nj->ni", np.linalg.cholesky(covs)[which], eps)


def interpolate(model: Model, x_a: Array, x_b: Array, steps: int = 9) -> tuple[Array, Array]:
    r"""Decode the straight line between the codes of x_a and x_b (each (D,)):
    :math:`z_t = (1 - t)\,z_a + t\,z_b` for t = 0, 1/(steps − 1), …, 1.

    Returns the path z_t (steps, d) and its decoding g(z_t) (steps, D). The ends are the two points'
    reconstructions: g(z_0) = reconstruct(x_a), g(z_1) = reconstruct(x_b)."""
    if steps < 2:
        raise ValueError(f"an interpolation needs at least 2 steps, got {steps}")
    z_a, z_b = codes(model, np.stack([x_a, x_b]).astype(np.float64))
    t = np.linspace(0.0, 1.0, steps)[:, None]  # (steps, 1)
    path = (1.0 - t) * z_a + t * z_b  # (steps, d)
    return path, model.decode(path)


# Acklam's rational approximation of the inverse normal CDF (relative error < 1.2e-9 before the refinement)
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
      -3.066479806614716e01, 2.506628277459239e00)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
      -1.328068155288572e01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
      4.374664141464968e00, 2.938163982698783e00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
_LOW = 0.02425  # below this (and above 1 − it) the tail formula


def normal_quantile(p: Array) -> Array:
    r""":math:`\Phi^{-1}(p)`, the standard normal's quantile, for p in (0, 1): Acklam's approximation, then one
    Halley step on :math:`\Phi(z) - p` (error below 1e-13)."""
    p = np.asarray(p, dtype=np.float64)
    if np.any((p <= 0) | (p >= 1)):
        raise ValueError("normal_quantile needs 0 < p < 1")
    z = np.empty_like(p)
    lower, upper = p < _LOW, p > 1 - _LOW
    middle = ~(lower | upper)
    q = p[middle] - 0.5
    r = q * q
    z[middle] = (q * np.polyval(_A, r)) / np.polyval((*_B, 1.0), r)
    for mask, sign, tail in ((lower, 1.0, p[lower]), (upper, -1.0, 1.0 - p[upper])):
        s = np.sqrt(-2.0 * np.log(tail))
        z[mask] = sign * np.polyval(_C, s) / np.polyval((*_D, 1.0), s)
    erfc = np.vectorize(math.erfc)
    error = 0.5 * erfc(-z / math.sqrt(2.0)) - p  # Φ(z) − p
    u = error * math.sqrt(2.0 * math.pi) * np.exp(0.5 * z * z)
    return z - u / (1.0 + 0.5 * z * u)


def prior_quantile_grid(m: int, d: int = 2) -> Array:
    r"""An m × m grid of z at the prior's quantiles (d = 2): coordinate :math:`\Phi^{-1}((k + \tfrac12)/m)` for
    k = 0 … m − 1 on each axis, so that each cell of the grid holds the same prior mass 1/m².

    Returns (m, m, 2): row r, column c is :math:`(z_1, z_2)` = (quantile c, quantile m − 1 − r), so the grid reads
    like the latent chart (z₁ grows to the right, z₂ upwards)."""
    if d != 2:
        raise ValueError("the latent manifold's mosaic is drawn for a 2-D latent space")
    if m < 1:
        raise ValueError(f"the grid needs m >= 1, got {m}")
    q = normal_quantile((np.arange(m) + 0.5) / m)  # (m,) increasing
    z1, z2 = np.meshgrid(q, q[::-1])  # (m, m) each: z1 along columns, z2 down the rows (largest at the top)
    return np.stack([z1, z2], axis=-1)


def decoded_manifold(model: Model, m: int) -> tuple[Array, Array]:
    """The decoder over :func:`prior_quantile_grid`: the grid (m, m, 2) and g(z) at each node (m, m, D)."""
    grid = prior_quantile_grid(m, model.latent_dim)
    return grid, model.decode(grid.reshape(-1, 2)).reshape(m, m, -1)
