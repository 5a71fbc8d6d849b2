r"""Losses, the KL term, and the two ways noise enters a model (the DAE's corruption, the VAE's
reparameterisation), each with its gradient where training needs one.

All functions work per example: they return one value per row, and their
gradients are those of the *sum* over rows (divide by the batch size for a mean).

References: Kingma & Welling, *Auto-Encoding Variational Bayes* (ICLR 2014),
Appendix B (the closed-form KL); Bishop, *PRML* (2006) §2.3 (Gaussians).
"""

from __future__ import annotations

import numpy as np

from .layers import sigmoid, softplus

Array = np.ndarray

LOG_2PI = float(np.log(2.0 * np.pi))


def squared_error(x: Array, x_hat: Array) -> tuple[Array, Array]:
    r"""Autoencoder reconstruction loss :math:`\tfrac12\lVert x - \hat x\rVert^2` per example.

    x, x_hat: (n, D) -> loss: (n,), d_x_hat = x_hat - x: (n, D).
    """
    diff = x_hat - x
    return 0.5 * np.einsum("nd,nd->n", diff, diff), diff


def gaussian_nll(x: Array, x_hat: Array, log_var: float = 0.0) -> tuple[Array, Array, Array]:
    r"""Negative log-likelihood of x under :math:`\mathcal N(\hat x, \sigma_x^2 I)`, with all constants.

    .. math:: -\log p(x \mid z) = \frac{\lVert x - \hat x\rVert^2}{2\sigma_x^2} + \tfrac D2 \log 2\pi\sigma_x^2,
              \qquad \frac{\partial}{\partial \hat x} = \frac{\hat x - x}{\sigma_x^2},\qquad
              \frac{\partial}{\partial \log\sigma_x^2} = \tfrac D2 - \frac{\lVert x - \hat x\rVert^2}{2\sigma_x^2}

    x, x_hat: (n, D), ``log_var`` = :math:`\log\sigma_x^2` (0: σₓ = 1) -> nll: (n,), d_x_hat: (n, D),
    d_log_var: (n,) (one value per example; the gradient of a shared σₓ is their sum).
    """
    half_sq, d_x_hat = squared_error(x, x_hat)
    D = x.shape[1]
    if log_var == 0.0:  # σₓ = 1: no scaling (the numbers are those of the unit-variance formula, bit for bit)
        return half_sq + 0.5 * D * LOG_2PI, d_x_hat, 0.5 * D - half_sq
    precision = np.exp(-log_var)
    scaled = half_sq * precision
    d_x_hat *= precision
    return scaled + 0.5 * D * (LOG_2PI + log_var), d_x_hat, 0.5 * D - scaled


def bernoulli_nll(x: Array, logits: Array) -> tuple[Array, Array]:
    r"""Binary cross-entropy from logits :math:`\ell`, summed over dimensions, numerically stable.

    .. math:: -\log p(x \mid z) = \sum_d \big[\operatorname{softplus}(\ell_d) - x_d \ell_d\big],
              \qquad \partial/\partial \ell = \sigma(\ell) - x

    x in [0, 1], logits: (n, D) -> nll: (n,), d_logits: (n, D).
    """
    nll = np.sum(softplus(logits) - x * logits, axis=1)
    return nll, sigmoid(logits) - x


def kl_standard_normal(mu: Array, log_var: Array) -> tuple[Array, Array, Array]:
    r"""KL divergence of :math:`q = \mathcal N(\mu, \operatorname{diag}\sigma^2)` from :math:`\mathcal N(0, I)`.

    .. math:: \mathrm{KL}(q \,\|\, p) = -\tfrac12 \sum_j \big(1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2\big)

    with :math:`\partial/\partial\mu_j = \mu_j` and
    :math:`\partial/\partial \log\sigma_j^2 = \tfrac12(\sigma_j^2 - 1)`.

    mu, log_var: (n, d) -> kl: (n,), d_mu: (n, d), d_log_var: (n, d).
    """
    var = np.exp(log_var)
    kl = 0.5 * np.add.reduce(mu * mu + var - log_var - 1.0, axis=1)  # the same sum, sign folded in
    return kl, mu, 0.5 * (var - 1.0)  # d_mu is mu itself (not a copy)


def kl_per_dimension(mu: Array, log_var: Array) -> Array:
    r"""The summand of :func:`kl_standard_normal` for each latent dimension j: (n, d)."""
    return -0.5 * (1.0 + log_var - mu * mu - np.exp(log_var))


def free_bits(kl_dims: Array, floor: float) -> tuple[float, Array]:
    r"""The KL term with free bits (Kingma et al. 2016, §C.8): each latent dimension's KL, averaged over the batch,
    floored at λ nats.

    .. math:: \mathcal R_\lambda = \sum_j \max\big(\lambda, \overline{\mathrm{KL}}_j\big),\qquad
              \overline{\mathrm{KL}}_j = \tfrac1n \sum_i \mathrm{KL}_{ij},\qquad
              \frac{\partial \mathcal R_\lambda}{\partial \mathrm{KL}_{ij}} = \tfrac1n\,[\overline{\mathrm{KL}}_j > \lambda]

    A dimension under the floor gets no push towards the prior: the encoder may use it for free up to λ nats.
    kl_dims: (n, d) per example and dimension (:func:`kl_per_dimension`) -> the term (a float), and ``carries``
    (d,): 1.0 where the dimension's mean is above the floor (its KL's gradient passes, divided by n), else 0.0.
    """
    means = np.mean(kl_dims, axis=0)  # (d,)
    carries = (means > floor).astype(np.float64)
    return float(np.sum(np.maximum(floor, means))), carries


def corruption(shape: tuple[int, ...], sigma: float, rng: np.random.Generator) -> Array:
    r"""The denoising autoencoder's corruption :math:`\varepsilon \sim \mathcal N(0, \sigma^2 I)`, added to its
    input as :math:`\tilde x = x + \varepsilon`: an array of ``shape``, e.g. (n, D)."""
    return sigma * rng.standard_normal(shape)


def reparameterize(mu: Array, log_var: Array, eps: Array) -> tuple[Array, Array]:
    r"""The reparameterisation trick :math:`z = \mu + \sigma \odot \varepsilon`, :math:`\varepsilon \sim \mathcal N(0, I)`.

    z is a deterministic, differentiable function of (mu, log_var) once eps is drawn:
    :math:`\partial z/\partial\mu = I` and :math:`\partial z/\partial\sigma = \operatorname{diag}(\varepsilon)`.

    mu, log_var, eps: (n, d) -> z: (n, d), cache std: (n, d).
    """
    std = np.exp(0.5 * log_var)
    return mu + std * eps, std


def reparameterize_backward(d_z: Array, eps: Array, std: Array) -> tuple[Array, Array]:
    r"""Backward of :func:`reparameterize`: the path from z to (mu, log_var).

    .. math:: \frac{\partial L}{\partial \mu} = \frac{\partial L}{\partial z},\qquad
              \frac{\partial L}{\partial \log\sigma^2} = \frac{\partial L}{\partial z}\odot
              \varepsilon \odot \tfrac12 \sigma

    (because :math:`\sigma = e^{\frac12 \log\sigma^2}` gives :math:`\partial\sigma/\partial\log\sigma^2 = \tfrac12\sigma`).
    d_z, eps, std: (n, d) -> d_mu: (n, d), d_log_var: (n, d).
    """
    d_mu = d_z
    d_log_var = d_z * eps * (0.5 * std)
    return d_mu, d_log_var


def gaussian_log_density(z: Array, mu: Array, log_var: Array) -> Array:
    r""":math:`\log \mathcal N(z; \mu, \operatorname{diag} e^{\log\sigma^2})` summed over the last axis."""
    return -0.5 * np.sum(LOG_2PI + log_var + (z - mu) ** 2 / np.exp(log_var), axis=-1)


def standard_normal_log_density(z: Array) -> Array:
    r""":math:`\log \mathcal N(z; 0, I) = -\tfrac12\lVert z\rVert^2 - \tfrac d2\log 2\pi`, over the last axis."""
    return -0.5 * np.sum(z * z, axis=-1) - 0.5 * z.shape[-1] * LOG_2PI


def logsumexp(a: Array, axis: int = -1) -> Array:
    r"""Stable :math:`\log\sum_i e^{a_i} = m + \log\sum_i e^{a_i - m}`, m = max a."""
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(a - m), axis=axis))
