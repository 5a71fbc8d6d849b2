r"""The true distributions of the generated data sets: the truth a trained model is measured against.

Every 2-D data set of :mod:`vae_core.data` is isotropic Gaussian noise around something: three points (the
clusters), or a curve (moons, rings, spiral). So each one's density is a mixture of isotropic Gaussians of one
variance :math:`s^2` around *nodes* :math:`c_j` with weights :math:`w_j`:

.. math:: p_\text{data}(x) = \sum_j w_j\, \mathcal N(x;\, c_j,\, s^2 I)

exactly, with three nodes, for the clusters; for a curve :math:`c(t)`, :math:`t \sim p(t)`, the integral
:math:`\int p(t)\,\mathcal N(x; c(t), s^2 I)\,dt` by composite Gauss–Legendre quadrature along t (512 panels of
8 nodes), whose nodes and weights make the mixture. With 4,096 nodes the quadrature agrees with 8,192 to better
than 1e-10 nats wherever the density is above e^-30 (``tests/test_truth.py``; the nodes are 10-50 times closer
than the noise's s).

The same mixture gives the Bayes-optimal denoiser of :math:`\tilde x = x + \varepsilon`,
:math:`\varepsilon \sim \mathcal N(0, \sigma^2 I)`: given the node, x and :math:`\tilde x` are jointly Gaussian, so

.. math:: \mathbb E[x \mid \tilde x] = \sum_j r_j(\tilde x)\Big(c_j + \frac{s^2}{s^2 + \sigma^2}(\tilde x - c_j)\Big),
          \qquad r_j \propto w_j\,\mathcal N(\tilde x;\, c_j,\, (s^2 + \sigma^2) I)

(Bishop, *PRML* §2.3.3 for each node; the responsibilities :math:`r_j` weigh them). No denoiser has a lower
expected squared error on these data.

Its arrow is a score (Tweedie's formula; Vincent 2011): the noisy points are drawn from the data blurred by the
noise, :math:`p_\sigma = p * \mathcal N(0, \sigma^2 I)`, again a mixture of the same nodes with variance
:math:`s^2 + \sigma^2`, and

.. math:: \mathbb E[x \mid \tilde x] - \tilde x = \sigma^2\,\nabla\log p_\sigma(\tilde x)
          = \sigma^2 \sum_j r_j(\tilde x)\,\frac{c_j - \tilde x}{s^2 + \sigma^2}.

It is the score of :math:`p_\sigma`, not of p; :math:`p_\sigma \to p` only as :math:`\sigma \to 0` (Alain & Bengio,
*What regularized auto-encoders learn from the data-generating distribution*, JMLR 2014).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .losses import LOG_2PI, logsumexp

Array = np.ndarray
NODES = 4096  # Gauss–Legendre nodes along a curve
CHUNK = 256  # rows at a time: a chunk's (rows, nodes) table stays below 20 MB


@dataclass(frozen=True)
class GaussianMixture:
    """:math:`\\sum_j w_j \\mathcal N(c_j, s^2 I)`: nodes (M, D), log weights (M,) summing to 1, and the noise's s."""

    nodes: Array
    log_weights: Array
    noise: float

    def _log_components(self, x: Array, var: float) -> Array:
        """log w_j + log N(x_i; c_j, var·I): (n, M)."""
        x = np.asarray(x, dtype=np.float64)
        sq = np.sum(x * x, axis=1)[:, None] - 2.0 * x @ self.nodes.T + np.sum(self.nodes**2, axis=1)[None, :]
        sq = np.maximum(sq, 0.0)  # round-off of the expanded square
        D = x.shape[1]
        return self.log_weights[None, :] - 0.5 * sq / var - 0.5 * D * (LOG_2PI + np.log(var))

    def log_density(self, x: Array) -> Array:
        """log p(x) per row, nats: x (n, D) -> (n,)."""
        x = np.asarray(x, dtype=np.float64)
        return np.concatenate([logsumexp(self._log_components(x[i:i + CHUNK], self.noise**2), axis=1)
                               for i in range(0, len(x), CHUNK)] or [np.zeros(0)])

    def blurred(self, sigma: float) -> GaussianMixture:
        """p_σ = p * N(0, σ²I), the density of x̃ = x + ε, ε ~ N(0, σ²I): the same nodes and weights, the noise's
        variance s² + σ²."""
        return GaussianMixture(self.nodes, self.log_weights, float(np.sqrt(self.noise**2 + sigma**2)))

    def score(self, x: Array) -> Array:
        """The score ∇ log p(x) = Σⱼ rⱼ(x) (cⱼ − x)/s², rⱼ the responsibilities: (n, D) -> (n, D)."""
        x = np.asarray(x, dtype=np.float64)
        out = np.empty_like(x)
        for i in range(0, len(x), CHUNK):
            log_r = self._log_components(x[i:i + CHUNK], self.noise**2)
            r = np.exp(log_r - logsumexp(log_r, axis=1)[:, None])  # (rows, M)
            out[i:i + CHUNK] = (r @ self.nodes - x[i:i + CHUNK]) / self.noise**2
        return out

    def denoise(self, x_noisy: Array, sigma: float) -> Array:
        """The Bayes-optimal denoiser E[x | x̃] for x̃ = x + N(0, σ²I): (n, D) -> (n, D)."""
        x_noisy = np.asarray(x_noisy, dtype=np.float64)
        var = self.noise**2 + sigma**2
        shrink = self.noise**2 / var  # how far each node's estimate moves from c_j towards x̃
        out = np.empty_like(x_noisy)
        for i in range(0, len(x_noisy), CHUNK):
            log_r = self._log_components(x_noisy[i:i + CHUNK], var)
            r = np.exp(log_r - logsumexp(log_r, axis=1)[:, None])  # (rows, M) responsibilities
            out[i:i + CHUNK] = (1.0 - shrink) * (r @ self.nodes) + shrink * x_noisy[i:i + CHUNK]
        return out


PANEL = 8  # Gauss–Legendre nodes per panel


def _gauss_legendre(a: float, b: float, n: int = NODES) -> tuple[Array, Array]:
    """Nodes t (n,) and log weights (n,) of composite Gauss–Legendre quadrature on [a, b]: n / PANEL equal panels,
    PANEL nodes each (one rule of n nodes would cost an n × n eigenproblem: seconds for 4,096)."""
    u, w = np.polynomial.legendre.leggauss(PANEL)
    panels = n // PANEL
    edges = np.linspace(a, b, panels + 1)
    half = (b - a) / (2 * panels)
    t = (edges[:-1, None] + half * (u + 1)[None, :]).ravel()
    return t, np.log(np.tile(w * half, panels))


def three_clusters(spread: float = 0.35) -> GaussianMixture:
    """Three equal clusters of std ``spread`` around points on a circle of radius 2 (:func:`vae_core.data.three_clusters`)."""
    angles = np.deg2rad([90.0, 210.0, 330.0])
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture(centres, np.full(3, -np.log(3.0)), spread)


def two_moons(noise: float = 0.08, nodes: int = NODES) -> GaussianMixture:
    """Two half circles, t ~ U(0, π), shifted by (−0.5, −0.25), all scaled by 1.5, noise included."""
    t, log_dt = _gauss_legendre(0.0, np.pi, nodes)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    points = 1.5 * (np.concatenate([upper, lower]) - [0.5, 0.25])
    log_w = np.log(0.5) - np.log(np.pi) + np.concatenate([log_dt, log_dt])  # p(moon) p(t) dt
    return GaussianMixture(points, log_w, 1.5 * noise)


def rings(noise: float = 0.08, nodes: int = NODES) -> GaussianMixture:
    """Two circles of radius 1 and 2, t ~ U(0, 2π)."""
    t, log_dt = _gauss_legendre(0.0, 2 * np.pi, nodes)
    circle = np.stack([np.cos(t), np.sin(t)], axis=1)
    log_w = np.log(0.5) - np.log(2 * np.pi) + np.concatenate([log_dt, log_dt])
    return GaussianMixture(np.concatenate([circle, 2.0 * circle]), log_w, noise)


def spiral(noise: float = 0.06, nodes: int = NODES) -> GaussianMixture:
    """Two arms r = t/4 at angle t and t + π, t = 3π√u with u ~ U(0, 1): p(t) = 2t/(3π)² on [0, 3π]."""
    end = 3 * np.pi
    t, log_dt = _gauss_legendre(0.0, end, nodes)
    log_p_t = np.log(2 * t / end**2)
    arms = [0.25 * t[:, None] * np.stack([np.cos(t + phase), np.sin(t + phase)], axis=1) for phase in (0.0, np.pi)]
    log_w = np.log(0.5) + np.concatenate([log_p_t + log_dt] * 2)
    return GaussianMixture(np.concatenate(arms), log_w, noise)


DISTRIBUTIONS = {"three_clusters": three_clusters, "two_moons": two_moons, "rings": rings, "spiral": spiral}
_made: dict[str, GaussianMixture] = {}


def distribution(name: str) -> GaussianMixture:
    """The true distribution of a generated data set at its default parameters (made once)."""
    if name not in DISTRIBUTIONS:
        raise ValueError(f"the true density of {name!r} is not known; it is for {sorted(DISTRIBUTIONS)}")
    if name not in _made:
        _made[name] = DISTRIBUTIONS[name]()
    return _made[name]


def log_density(name: str, x: Array) -> Array:
    """Exact log p_data(x) in nats of the data set ``name`` (one of :data:`DISTRIBUTIONS`): x (n, 2) -> (n,)."""
    return distribution(name).log_density(x)


def score(name: str, x: Array, sigma: float = 0.0) -> Array:
    """∇ log p_σ(x) of the data set ``name`` blurred by N(0, σ²I) (σ = 0: the data's own score): (n, 2) -> (n, 2).
    σ² times it is the Bayes denoiser's arrow E[x | x̃] − x̃ (Tweedie)."""
    return distribution(name).blurred(sigma).score(x)


def annealed_langevin(mixture: GaussianMixture, x: Array, sigmas: Array, steps: int, rng: np.random.Generator,
                      step: float = 0.05) -> list[Array]:
    r"""Samples of the data made from noise with its score alone: annealed Langevin dynamics (Song & Ermon,
    *Generative Modeling by Estimating Gradients of the Data Distribution*, NeurIPS 2019), here with the exact score
    of the blurred data, :math:`\nabla\log p_{\sigma}` (:meth:`GaussianMixture.score`), the arrow a perfect denoiser
    trained at noise σ would learn (Tweedie: :math:`(\mathbb E[x|\tilde x] - \tilde x)/\sigma^2`).

    For each :math:`\sigma_i` of ``sigmas`` (decreasing), ``steps`` times:
    :math:`x \leftarrow x + \tfrac{\alpha_i}2\nabla\log p_{\sigma_i}(x) + \sqrt{\alpha_i}\,\varepsilon`,
    :math:`\alpha_i = \text{step}\cdot\sigma_i^2` (a step size in proportion to the level's variance, as theirs),
    ε ~ N(0, I). x: (n, D) -> the points after each σ: a list of
    len(sigmas) + 1 arrays (n, D), the start first."""
    x = np.array(x, dtype=np.float64)
    found = [x.copy()]
    for sigma in sigmas:
        blurred, alpha = mixture.blurred(float(sigma)), step * float(sigma) ** 2
        for _ in range(steps):
            x += 0.5 * alpha * blurred.score(x) + np.sqrt(alpha) * rng.standard_normal(x.shape)
        found.append(x.copy())
    return found


LANGEVIN_SIGMAS = np.geomspace(3.0, 0.02, 8)  # the noise levels, largest first
LANGEVIN_STEPS, LANGEVIN_STEP = 60, 0.5  # steps per level, and α_i = LANGEVIN_STEP · σ_i²
LANGEVIN_NODES = 256  # nodes along a curve for sampling: its samples' mean log p_data is 512 nodes' to 1e-4 nats


def sample_by_score(name: str, n: int, rng: np.random.Generator) -> list[Array]:
    """n points of the data set ``name`` made from N(0, 3²I) noise by :func:`annealed_langevin` with its exact
    blurred scores (a mixture of LANGEVIN_NODES nodes along a curve): the points after each noise level, (n, 2) each."""
    if name not in DISTRIBUTIONS:
        raise ValueError(f"the true density of {name!r} is not known; it is for {sorted(DISTRIBUTIONS)}")
    mixture = distribution(name) if name == "three_clusters" else DISTRIBUTIONS[name](nodes=LANGEVIN_NODES)
    start = 3.0 * rng.standard_normal((n, 2))
    return annealed_langevin(mixture, start, LANGEVIN_SIGMAS, LANGEVIN_STEPS, rng, LANGEVIN_STEP)


def bayes_denoiser(name: str, x_noisy: Array, sigma: float) -> Array:
    """E[x | x̃] under the data set's true distribution, x̃ = x + N(0, σ²I): (n, 2) -> (n, 2)."""
    return distribution(name).denoise(x_noisy, sigma)
