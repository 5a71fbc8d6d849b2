r"""Models you can solve exactly, for the ELBO and reparameterisation pages.

1. The linear-Gaussian latent model (probabilistic PCA; Tipping & Bishop 1999):
   :math:`z \sim \mathcal N(0, I_d)`, :math:`x\,|\,z \sim \mathcal N(Wz + b, \sigma_x^2 I_D)`.
   Its posterior, its marginal likelihood and the ELBO of any Gaussian q are closed forms,
   so :math:`\log p(x) = \mathrm{ELBO}(q) + \mathrm{KL}(q \,\|\, p(z|x))` can be checked to the last digit.
2. Estimators of :math:`\nabla_{\mu,\sigma}\, \mathbb E_{z\sim\mathcal N(\mu,\sigma^2)}[f(z)]`:
   the reparameterisation (pathwise) estimator and the score-function (REINFORCE) estimator,
   with exact values for a few test functions f (Mohamed et al., *Monte Carlo Gradient
   Estimation in Machine Learning*, JMLR 2020).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .losses import LOG_2PI, reparameterize, standard_normal_log_density

Array = np.ndarray


# ------------------------------------------------------------ linear-Gaussian model
def gaussian_kl(m_q: Array, S_q: Array, m_p: Array, S_p: Array) -> float:
    r""":math:`\mathrm{KL}(\mathcal N(m_q, S_q)\,\|\,\mathcal N(m_p, S_p)) =
    \tfrac12\big[\operatorname{tr}(S_p^{-1}S_q) + (m_p-m_q)^\top S_p^{-1}(m_p-m_q) - d + \log\frac{|S_p|}{|S_q|}\big]`."""
    d = len(m_q)
    S_p_inv = np.linalg.inv(S_p)
    diff = m_p - m_q
    _, logdet_p = np.linalg.slogdet(S_p)
    _, logdet_q = np.linalg.slogdet(S_q)
    return float(0.5 * (np.trace(S_p_inv @ S_q) + diff @ S_p_inv @ diff - d + logdet_p - logdet_q))


@dataclass(frozen=True)
class LinearGaussianModel:
    r""":math:`p(z) = \mathcal N(0, I_d)`, :math:`p(x|z) = \mathcal N(Wz + b, \sigma_x^2 I_D)`.

    W: (D, d), b: (D,), sigma_x > 0.
    """

    W: Array
    b: Array
    sigma_x: float = 1.0

    @property
    def latent_dim(self) -> int:
        return self.W.shape[1]

    def posterior(self, x: Array) -> tuple[Array, Array]:
        r"""Exact :math:`p(z|x) = \mathcal N(m, S)`, :math:`S = (I + W^\top W/\sigma_x^2)^{-1}`,
        :math:`m = S W^\top (x - b)/\sigma_x^2`. x: (D,) -> m (d,), S (d, d)."""
        s2 = self.sigma_x**2
        S = np.linalg.inv(np.eye(self.latent_dim) + self.W.T @ self.W / s2)
        return S @ self.W.T @ (x - self.b) / s2, S

    def log_marginal(self, x: Array) -> float:
        r"""Exact :math:`\log p(x) = \log \mathcal N(x; b, WW^\top + \sigma_x^2 I)`. x: (D,)."""
        C = self.W @ self.W.T + self.sigma_x**2 * np.eye(len(self.b))
        diff = x - self.b
        _, logdet = np.linalg.slogdet(C)
        return float(-0.5 * (len(diff) * LOG_2PI + logdet + diff @ np.linalg.solve(C, diff)))

    def expected_log_likelihood(self, x: Array, m: Array, S: Array) -> float:
        r""":math:`\mathbb E_{q}[\log p(x|z)]` for :math:`q = \mathcal N(m, S)`:
        :math:`-\tfrac D2\log 2\pi\sigma_x^2 - \big(\lVert x - b - Wm\rVert^2 + \operatorname{tr}(W S W^\top)\big)/2\sigma_x^2`."""
        s2 = self.sigma_x**2
        r = x - self.b - self.W @ m
        return float(-0.5 * len(x) * (LOG_2PI + np.log(s2)) - (r @ r + np.trace(self.W @ S @ self.W.T)) / (2 * s2))

    def elbo(self, x: Array, m: Array, S: Array) -> float:
        r"""Closed-form :math:`\mathrm{ELBO}(q) = \mathbb E_q[\log p(x|z)] - \mathrm{KL}(q\,\|\,p(z))` of any Gaussian q."""
        d = self.latent_dim
        return self.expected_log_likelihood(x, m, S) - gaussian_kl(m, S, np.zeros(d), np.eye(d))

    def gap(self, x: Array, m: Array, S: Array) -> float:
        r""":math:`\mathrm{KL}(q \,\|\, p(z|x))`: how far the ELBO lies below log p(x)."""
        m_post, S_post = self.posterior(x)
        return gaussian_kl(m, S, m_post, S_post)

    def sample(self, n: int, rng: np.random.Generator) -> Array:
        """n draws of x from the model: (n, D)."""
        z = rng.standard_normal((n, self.latent_dim))
        return z @ self.W.T + self.b + self.sigma_x * rng.standard_normal((n, len(self.b)))


def best_diagonal_gaussian(m: Array, S: Array, direction: str = "reverse") -> tuple[Array, Array]:
    r"""The diagonal Gaussian q closest to :math:`p = \mathcal N(m, S)`, in either direction of the KL.

    * ``"reverse"``, :math:`\min_q \mathrm{KL}(q\,\|\,p)`, what maximising the ELBO does when p is the posterior:
      :math:`q_j = \mathcal N(m_j, 1/\Lambda_{jj})`, :math:`\Lambda = S^{-1}`. Each variance is the conditional
      one, never above the marginal :math:`S_{jj}`: q sits inside p, too narrow when p is correlated
      (mode-seeking, zero-forcing).
    * ``"forward"``, :math:`\min_q \mathrm{KL}(p\,\|\,q)`: :math:`q_j = \mathcal N(m_j, S_{jj})`, the marginals
      (moment matching): q covers p and more.

    (Bishop, *PRML* §10.1.2.) m: (d,), S: (d, d) -> the mean (d,) and the diagonal covariance (d, d)."""
    if direction == "reverse":
        return np.asarray(m, dtype=np.float64), np.diag(1.0 / np.diag(np.linalg.inv(S)))
    if direction == "forward":
        return np.asarray(m, dtype=np.float64), np.diag(np.diag(S))
    raise ValueError(f"direction must be 'reverse' or 'forward', got {direction!r}")


# ------------------------------------------------------------- gradient estimators
@dataclass(frozen=True)
class TestFunction:
    r"""A function f with its derivative and the exact :math:`\mathbb E[f(z)]` and its gradient
    under :math:`z \sim \mathcal N(\mu, \sigma^2)` (1-D)."""

    name: str
    latex: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    expectation: Callable[[float, float], float]
    grad: Callable[[float, float], tuple[float, float]]  # (d/dmu, d/dsigma) of the expectation
    smooth: bool = True  # False: f' is 0 almost everywhere and the pathwise estimator is biased


def _phi(t: float) -> float:
    return math.exp(-0.5 * t * t) / math.sqrt(2 * math.pi)


TEST_FUNCTIONS: dict[str, TestFunction] = {
    "square": TestFunction(
        "square", r"f(z) = z^2", lambda z: z**2, lambda z: 2 * z,
        lambda m, s: m * m + s * s, lambda m, s: (2 * m, 2 * s)),
    "sin": TestFunction(
        "sin", r"f(z) = \sin z", np.sin, np.cos,
        lambda m, s: math.sin(m) * math.exp(-s * s / 2),
        lambda m, s: (math.cos(m) * math.exp(-s * s / 2), -s * math.sin(m) * math.exp(-s * s / 2))),
    "exp": TestFunction(
        "exp", r"f(z) = e^{z}", np.exp, np.exp,
        lambda m, s: math.exp(m + s * s / 2), lambda m, s: (math.exp(m + s * s / 2), s * math.exp(m + s * s / 2))),
    "step": TestFunction(
        "step", r"f(z) = [z > 0]", lambda z: (z > 0).astype(float), lambda z: np.zeros_like(z),
        lambda m, s: 0.5 * (1 + math.erf(m / (s * math.sqrt(2)))),
        lambda m, s: (_phi(m / s) / s, -m / (s * s) * _phi(m / s)), smooth=False),
}


def reparam_gradient(f: TestFunction, mu: float, sigma: float, eps: Array) -> Array:
    r"""Pathwise estimates, one per ε: :math:`z = \mu + \sigma\varepsilon`,
    :math:`\hat g_\mu = f'(z)`, :math:`\hat g_\sigma = f'(z)\,\varepsilon`. eps: (n,) -> (n, 2)."""
    z = mu + sigma * eps
    df = f.df(z)
    return np.stack([df, df * eps], axis=1)


def score_gradient(f: TestFunction, mu: float, sigma: float, eps: Array, baseline: float | None = None) -> Array:
    r"""Score-function (REINFORCE) estimates, one per ε:
    :math:`\hat g = (f(z) - b)\,\nabla \log q(z)`, with
    :math:`\partial_\mu \log q = \varepsilon/\sigma` and :math:`\partial_\sigma \log q = (\varepsilon^2 - 1)/\sigma`.

    A constant baseline b (not depending on z) keeps the estimate unbiased, since
    :math:`\mathbb E_q[\nabla\log q] = 0`. eps: (n,) -> (n, 2).
    """
    z = mu + sigma * eps
    weight = f.f(z) - (0.0 if baseline is None else baseline)
    return np.stack([weight * eps / sigma, weight * (eps * eps - 1.0) / sigma], axis=1)


def normal_pdf(z: Array, mu: float, sigma: float) -> Array:
    r""":math:`\mathcal N(z; \mu, \sigma^2) = \exp(-(z-\mu)^2/2\sigma^2)/\sqrt{2\pi}\sigma`."""
    return np.exp(-0.5 * ((z - mu) / sigma) ** 2) / (np.sqrt(2 * np.pi) * sigma)


def kl_monte_carlo(mu: Array, log_var: Array, n: int, rng: np.random.Generator) -> Array:
    r"""n single-sample estimates of :math:`\mathrm{KL}(q\,\|\,\mathcal N(0, I))`: :math:`\log q(z) - \log p(z)`,
    :math:`z = \mu + \sigma\odot\varepsilon \sim q`. Their mean converges to the closed form. mu, log_var: (d,) -> (n,)."""
    eps = rng.standard_normal((n, len(mu)))
    z, _ = reparameterize(mu, log_var, eps)  # (n, d)
    log_q = -0.5 * np.sum(LOG_2PI + log_var + eps**2, axis=1)  # (z - mu)^2 / sigma^2 = eps^2
    log_p = standard_normal_log_density(z)
    return log_q - log_p


def running_mean(samples: Array) -> tuple[Array, Array]:
    r"""Running mean :math:`\bar s_n` and its standard error :math:`\hat\sigma_n/\sqrt n` after each sample: (n,), (n,).

    The first standard error (one sample) is reported as NaN.
    """
    n = np.arange(1, len(samples) + 1)
    mean = np.cumsum(samples) / n
    second = np.cumsum(samples**2) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.maximum(second - mean**2, 0.0) * n / (n - 1)  # unbiased sample variance
        se = np.sqrt(var / n)
    se[0] = np.nan
    return mean, se


def effective_beta(beta: float, sigma_x: float, reduction: str, dim: int) -> float:
    r"""The β that a loss scale hides. With a decoder :math:`\mathcal N(\hat x, \sigma_x^2 I)` the loss
    :math:`\lVert x-\hat x\rVert^2/2\sigma_x^2 + \beta\,\mathrm{KL}` has the same minimiser as
    :math:`\tfrac12\lVert x-\hat x\rVert^2 + \beta\sigma_x^2\,\mathrm{KL}`; averaging the reconstruction over the D
    dimensions instead of summing multiplies the KL's relative weight by D once more.

    .. math:: \beta_\text{eff} = \beta\,\sigma_x^2 \;(\text{sum}), \qquad \beta\,\sigma_x^2 D \;(\text{mean})
    """
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
    return beta * sigma_x**2 * (dim if reduction == "mean" else 1)


def reparam_jacobians(mu: Array, sigma: Array, eps: Array, h: float = 1e-6) -> dict[str, Array]:
    r""":math:`\partial z/\partial\mu` and :math:`\partial z/\partial\sigma` of :math:`z = \mu + \sigma\odot\varepsilon`:
    the formulas (I and diag ε) beside central finite differences. mu, sigma, eps: (d,) -> four (d, d) arrays."""
    d = len(mu)

    def z_of(m: Array, s: Array) -> Array:
        return m + s * eps

    fd_mu, fd_sigma = np.zeros((d, d)), np.zeros((d, d))
    for j in range(d):
        step = np.zeros(d)
        step[j] = h
        fd_mu[:, j] = (z_of(mu + step, sigma) - z_of(mu - step, sigma)) / (2 * h)
        fd_sigma[:, j] = (z_of(mu, sigma + step) - z_of(mu, sigma - step)) / (2 * h)
    return {"dz_dmu": np.eye(d), "dz_dmu_fd": fd_mu, "dz_dsigma": np.diag(eps), "dz_dsigma_fd": fd_sigma}


ESTIMATORS = ("reparameterisation", "score function", "score function + baseline")


def gradient_estimates(f: TestFunction, mu: float, sigma: float, eps: Array) -> dict[str, Array]:
    r"""Single-sample estimates of :math:`(\partial_\mu, \partial_\sigma)\,\mathbb E[f(z)]` by each estimator,
    from the same ε. The baseline is the mean :math:`b = \mathbb E_q[f(z)]`, a constant (known exactly here; in
    practice a running mean of f). eps: (n,) -> name -> (n, 2)."""
    return {
        "reparameterisation": reparam_gradient(f, mu, sigma, eps),
        "score function": score_gradient(f, mu, sigma, eps),
        "score function + baseline": score_gradient(f, mu, sigma, eps, baseline=f.expectation(mu, sigma)),
    }


def estimator_variance(f: TestFunction, mu: float, sigma: float, sizes: tuple[int, ...], reps: int,
                       rng: np.random.Generator) -> dict[str, Array]:
    r"""Variance of the n-sample mean estimate of :math:`\partial_\mu\mathbb E[f]` for each n in ``sizes``,
    measured over ``reps`` repetitions: name -> (len(sizes),). It falls as 1/n; the estimators differ by a factor."""
    out = {name: np.zeros(len(sizes)) for name in ESTIMATORS}
    for i, n in enumerate(sizes):
        eps = rng.standard_normal(reps * n)
        for name, g in gradient_estimates(f, mu, sigma, eps).items():
            means = g[:, 0].reshape(reps, n).mean(axis=1)  # (reps,) n-sample estimates of d/dmu
            out[name][i] = means.var(ddof=1)
    return out


def collapse_betas(X: Array, sigma_x: float = 1.0) -> Array:
    r"""The β at which each latent dimension of a β-VAE collapses, by linear theory: :math:`\lambda_i / \sigma_x^2`,
    the data covariance's eigenvalues :math:`\lambda_i` in decreasing order. For a linear decoder (probabilistic PCA,
    Tipping & Bishop 1999; its β-VAE, Lucas et al. 2019) the β-weighted loss divided by β is the ELBO of
    probabilistic PCA with noise variance :math:`\beta\sigma_x^2` (the decoder's normalising constant does not depend
    on W), so its maximum is PCA's maximum likelihood with that noise: direction i keeps a column of length
    :math:`\lVert w_i\rVert^2 = \lambda_i - \beta\sigma_x^2` while :math:`\beta\sigma_x^2 < \lambda_i`, and is 0
    (collapsed to the prior) from :math:`\beta\sigma_x^2 \ge \lambda_i` on. X: (n, D) -> (D,)."""
    eigenvalues = np.linalg.eigvalsh(np.cov(np.asarray(X, dtype=np.float64).T).reshape(X.shape[1], X.shape[1]))
    return eigenvalues[::-1] / sigma_x**2


def best_isotropic_gaussian(X: Array) -> tuple[Array, float]:
    r"""The maximum-likelihood :math:`\mathcal N(m, s^2 I)` of the rows of X: their mean, and
    :math:`s^2 = \tfrac1{nD}\sum_i\lVert x_i - m\rVert^2 = \operatorname{tr}\hat C/D`. A VAE whose latent has
    collapsed and whose σₓ is learned is this model: its decoder gives one point, its σₓ the spread.
    X: (n, D) -> the mean (D,), s."""
    X = np.asarray(X, dtype=np.float64)
    m = X.mean(axis=0)
    return m, float(np.sqrt(np.mean(np.sum((X - m) ** 2, axis=1)) / X.shape[1]))


def predicted_active_units(thresholds: Array, beta: float, latent_dim: int) -> int:
    """Active latent dimensions at ``beta`` by linear theory: those of the ``latent_dim`` largest thresholds
    (:func:`collapse_betas`) above β."""
    return int(np.sum(np.asarray(thresholds)[:latent_dim] > beta))
