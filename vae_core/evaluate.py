r"""How good is a trained VAE? The ELBO, the IWAE bound, and log p(x) by quadrature.

For every x:  ELBO ≤ IWAE_k ≤ IWAE_{k+1} ≤ log p(x)  (Burda, Grosse & Salakhutdinov,
*Importance Weighted Autoencoders*, ICLR 2016). With a latent space of one or two
dimensions the marginal likelihood :math:`\log p(x) = \log\int p(x|z)p(z)\,dz` can be
computed on a grid, which gives the exact value the bounds are measured against.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .layers import softplus
from .losses import (
    LOG_2PI,
    corruption,
    gaussian_log_density,
    kl_per_dimension,
    kl_standard_normal,
    logsumexp,
    reparameterize,
    squared_error,
    standard_normal_log_density,
)

Array = np.ndarray


class VAE(Protocol):
    """The VAE as the bounds read it (``vae_core.models.VAE`` is one): this module needs no import of the models,
    which import it for their ``elbo``, ``log_likelihood_iwae`` and ``log_likelihood_exact``."""

    input_dim: int
    latent_dim: int
    likelihood: str

    @property
    def decoder_log_var(self) -> float: ...
    def encode(self, x: Array) -> tuple[Array, Array]: ...
    def decode(self, z: Array) -> Array: ...
    def decoder_output(self, z: Array) -> Array: ...
    def reconstruct(self, x: Array) -> Array: ...
    def neg_log_likelihood(self, x: Array, z: Array) -> Array: ...


def _posterior_samples(model: VAE, x: Array, k: int, rng: np.random.Generator):
    """k reparameterised samples per example: z (k, n, d), plus mu and log_var (n, d)."""
    mu, log_var = model.encode(x)
    eps = rng.standard_normal((k, *mu.shape))
    z, _ = reparameterize(mu, log_var, eps)  # (k, n, d): mu and log_var broadcast over the k draws
    return z, mu, log_var


def _nll_of_samples(model: VAE, x: Array, z: Array) -> Array:
    """-log p(x|z) for z of shape (k, n, d): (k, n)."""
    k, n, d = z.shape
    x_rep = np.broadcast_to(x, (k, *x.shape)).reshape(k * n, -1)
    return model.neg_log_likelihood(x_rep, z.reshape(k * n, d)).reshape(k, n)


def elbo(model: VAE, x: Array, n_samples: int, rng: np.random.Generator) -> Array:
    r"""Per-example ELBO :math:`\mathbb E_q[\log p(x|z)] - \mathrm{KL}(q(z|x)\,\|\,p(z))` in nats (β = 1).

    The expectation is a Monte-Carlo mean over ``n_samples`` draws; the KL is closed form.
    x: (n, D) -> (n,).
    """
    x = np.asarray(x, dtype=np.float64)
    z, mu, log_var = _posterior_samples(model, x, n_samples, rng)
    kl, _, _ = kl_standard_normal(mu, log_var)
    return -_nll_of_samples(model, x, z).mean(axis=0) - kl


def rate_distortion(model: VAE, x: Array, n_samples: int, rng: np.random.Generator) -> tuple[float, float]:
    r"""Mean rate :math:`\mathrm{KL}(q(z|x)\,\|\,p(z))` (closed form) and distortion :math:`\mathbb E_q[-\log p(x|z)]`
    (Monte Carlo, ``n_samples`` per example) over x, in nats. Their sum is minus the mean ELBO."""
    x = np.asarray(x, dtype=np.float64)
    z, mu, log_var = _posterior_samples(model, x, n_samples, rng)
    kl, _, _ = kl_standard_normal(mu, log_var)
    return float(kl.mean()), float(_nll_of_samples(model, x, z).mean())


def iwae_bound(model: VAE, x: Array, k: int, rng: np.random.Generator, chunk: int = 50) -> Array:
    r"""Importance-weighted bound :math:`\log \frac1k \sum_{i=1}^k \frac{p(x, z_i)}{q(z_i|x)}`, :math:`z_i \sim q(z|x)`.

    Computed with a stable log-sum-exp; k = 1 gives a single-sample ELBO. x: (n, D) -> (n,).
    """
    x = np.asarray(x, dtype=np.float64)
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    log_w = []
    for start in range(0, k, chunk):  # chunks bound the memory to chunk * n decoder rows
        z, mu, log_var = _posterior_samples(model, x, min(chunk, k - start), rng)  # (c, n, d)
        log_prior = standard_normal_log_density(z)  # (c, n)
        log_q = gaussian_log_density(z, mu, log_var)  # (c, n)
        log_w.append(-_nll_of_samples(model, x, z) + log_prior - log_q)
    return logsumexp(np.concatenate(log_w, axis=0), axis=0) - np.log(k)


# --------------------------------------------------------------------- quadrature
DIRECT_LIMIT = 2_000_000  # up to this many n * G * D entries, squared distances are taken directly


def log_joint_on_grid(model: VAE, x: Array, grid: Array) -> Array:
    r""":math:`\log p(x|z) + \log p(z)` for every pair (x_i, z_g): x (n, D), grid (G, d) -> (n, G).

    Both likelihoods are linear in x once the decoder output is known, so one decoder pass
    over the grid serves every x (a matrix product instead of n * G decoder rows).
    """
    out = model.decoder_output(grid)  # (G, D): the mean, or the logits
    if model.likelihood == "bernoulli":
        log_lik = x @ out.T - np.sum(softplus(out), axis=1)  # (n, G)
    else:
        if x.size * len(out) <= DIRECT_LIMIT:  # exact differences: no cancellation
            diff = x[:, None, :] - out[None, :, :]  # (n, G, D)
            sq = np.einsum("ngd,ngd->ng", diff, diff)
        else:  # ‖x‖² − 2 x·x̂ + ‖x̂‖²: a matrix product, fine unless ‖x̂‖ is huge
            sq = np.sum(x * x, axis=1)[:, None] - 2.0 * x @ out.T + np.sum(out * out, axis=1)[None, :]
        log_var = model.decoder_log_var  # log σₓ²
        log_lik = -0.5 * sq * np.exp(-log_var) - 0.5 * x.shape[1] * (LOG_2PI + log_var)
    return log_lik + standard_normal_log_density(grid)  # (n, G) + (G,)


def _box_grid(lo: Array, hi: Array, m: int) -> tuple[Array, float]:
    """A regular grid of m points per dimension over the box [lo, hi]: (m**d, d), cell volume."""
    axes = [np.linspace(a, b, m) for a, b in zip(lo, hi)]
    mesh = np.meshgrid(*axes, indexing="ij")
    volume = float(np.prod([(b - a) / (m - 1) for a, b in zip(lo, hi)]))
    return np.stack([g.ravel() for g in mesh], axis=1), volume


def _posterior_moments(log_joint: Array, grid: Array) -> tuple[Array, Array]:
    """Mean (n, d) and covariance (n, d, d) of the grid weights normalised per row."""
    w = np.exp(log_joint - log_joint.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    mean = w @ grid
    second = np.einsum("ng,gi,gj->nij", w, grid, grid)
    return mean, second - mean[:, :, None] * mean[:, None, :]


RADIUS = 8.0  # the prior N(0, I) puts less than e^-32 of its mass beyond |z_j| = 8
COARSE_POINTS = {1: 1601, 2: 161}  # grid points per dimension of the grid shared by every x
FITTED_POINTS = {1: 401, 2: 61}  # points per dimension of a grid fitted to one posterior
RESOLVED = 1.5  # a posterior is resolved when its smallest standard deviation spans 1.5 steps


def log_likelihood_quadrature(model: VAE, x: Array, chunk: int = 256, max_rounds: int = 12) -> Array:
    r"""Exact :math:`\log p(x) = \log \int p(x|z)\,\mathcal N(z; 0, I)\,dz` by quadrature, latent_dim ≤ 2.

    Method: the trapezoid rule, which converges exponentially fast for a smooth integrand that
    vanishes at the edges of the grid once the step is below the posterior's width.

    1. A regular grid over :math:`[-8, 8]^d` shared by all x (1-D: step 0.01; 2-D: step 0.1).
       Where the posterior's smallest standard deviation spans at least 1.5 steps, this is the answer.
    2. Otherwise the grid is fitted to that example's posterior (adaptive quadrature, as in
       Liu & Pierce 1994): :math:`z = m + Lu` with :math:`LL^\top` the posterior covariance
       measured on the previous grid and u on a regular grid over :math:`[-8, 8]^d`
       (401 or 61² points); repeated until the measured covariance agrees with the fitted one
       within [0.5, 1.25] in standard deviation (each round shrinks an unresolved grid 7 to 50-fold).

    Accuracy (measured against the closed form of linear-Gaussian models, see
    ``tests/test_evaluate.py``): below 1e-8 nats for posterior standard deviations from 1 down
    to 3e-5, correlated posteriors included, in 1-D and 2-D. Much narrower posteriors (std
    1e-7 and below, decoder weights ~1e7) lose digits to float64 round-off. A posterior with
    several modes far apart relative to their widths can be under-resolved. Truncation
    outside :math:`[-8, 8]^d` costs less than e^-32 of the prior mass.

    x: (n, D) -> (n,) log p(x) in nats.
    """
    x = np.asarray(x, dtype=np.float64)
    d = model.latent_dim
    if d > 2:
        raise ValueError(f"exact log p(x) by quadrature needs latent_dim <= 2, this model has {d}")
    grid, volume = _box_grid(np.full(d, -RADIUS), np.full(d, RADIUS), COARSE_POINTS[d])
    step = 2 * RADIUS / (COARSE_POINTS[d] - 1)
    result = np.empty(len(x))
    for start in range(0, len(x), chunk):
        xs = x[start:start + chunk]
        log_joint = log_joint_on_grid(model, xs, grid)  # (c, G)
        result[start:start + chunk] = logsumexp(log_joint, axis=1) + np.log(volume)
        means, covs = _posterior_moments(log_joint, grid)  # (c, d), (c, d, d)
        smallest_std = np.sqrt(np.maximum(np.linalg.eigvalsh(covs)[:, 0], 0.0))  # (c,)
        for i in np.nonzero(smallest_std < RESOLVED * step)[0]:
            cov = covs[i] + (step / 2) ** 2 * np.eye(d)  # unresolved: at least a cell wide
            result[start + i] = _fitted_quadrature(model, xs[i:i + 1], means[i], cov, max_rounds)
    return result


def _fitted_quadrature(model: VAE, x: Array, mean: Array, cov: Array, max_rounds: int) -> float:
    """log p(x) on grids z = mean + L u fitted to one example's posterior (see above)."""
    d = len(mean)
    u_grid, u_volume = _box_grid(np.full(d, -RADIUS), np.full(d, RADIUS), FITTED_POINTS[d])
    u_step = 2 * RADIUS / (FITTED_POINTS[d] - 1)
    value = np.nan
    for _ in range(max_rounds):
        L = np.linalg.cholesky(cov)
        grid = mean + u_grid @ L.T  # (G, d)
        log_joint = log_joint_on_grid(model, x, grid)  # (1, G)
        value = float(logsumexp(log_joint, axis=1)[0] + np.log(u_volume * abs(np.linalg.det(L))))
        new_mean, new_cov = _posterior_moments(log_joint, grid)
        # the measured covariance in the whitened coordinates u: identity when the grid fits
        L_inv = np.linalg.inv(L)
        eig, vec = np.linalg.eigh(L_inv @ new_cov[0] @ L_inv.T)
        if np.all((eig > 0.25) & (eig < 1.5625)):  # std within [0.5, 1.25]: covered to 6.4 std
            break
        eig = np.maximum(eig, (u_step / 2) ** 2)  # an unresolved direction: shrink, keep a cell
        mean, cov = new_mean[0], L @ (vec * eig) @ vec.T @ L.T
    return value


# ------------------------------------------------------------------ latent usage
def kl_by_dimension(model: VAE, x: Array) -> Array:
    r"""Average over x of each latent dimension's KL term (nats): (latent_dim,).

    Dimensions with KL ≈ 0 have collapsed to the prior: they carry no information about x.
    """
    mu, log_var = model.encode(np.asarray(x, dtype=np.float64))
    return kl_per_dimension(mu, log_var).mean(axis=0)


ACTIVE_THRESHOLD = 0.01  # a unit is active when Var_x μ_j(x) exceeds this (Burda et al. 2016)
ACTIVE_RULE = f"Var_x μⱼ > {ACTIVE_THRESHOLD:g}"  # the rule in words, for the count and the chart that colours by it
ACTIVE_HELP = (f"Dimensions whose posterior mean μ varies with x: {ACTIVE_RULE} over the training points (Burda et al. "
               "2016). Such a unit carries at least half that, 0.005 nats, of KL on those points, and may carry little more.")


def active_units(model: VAE, x: Array, threshold: float = ACTIVE_THRESHOLD) -> tuple[int, Array]:
    r"""Number of active latent units: :math:`\operatorname{Cov}_x(\mathbb E_{q(z|x)}[z_j]) > 0.01`.

    (Burda et al. 2016, §5.2.) Returns (count, the variance per dimension (latent_dim,)). The unit's mean KL is at
    least half its activity, :math:`\overline{\mathrm{KL}}_j = \tfrac12\mathbb E_x[\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2]
    \ge \tfrac12\operatorname{Var}_x\mu_j`, so an active unit carries more than 0.005 nats, but it may carry little more:
    activity says that μ moves with x, not that the code says much about x.
    """
    mu, _ = model.encode(np.asarray(x, dtype=np.float64))
    activity = mu.var(axis=0)
    return int(np.sum(activity > threshold)), activity


def spread(points: Array, labels: Array | None = None) -> float:
    r"""How far points lie from their mean, as one length: :math:`\sqrt{\tfrac1n\sum_i \lVert p_i - \bar p\rVert^2}`;
    with ``labels``, each point from the mean of its own label (pooled over the labels). points (n, D) -> a length."""
    points = np.asarray(points, dtype=np.float64)
    groups = [np.arange(len(points))] if labels is None else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    squares = [np.sum((points[g] - points[g].mean(axis=0)) ** 2) for g in groups]
    return float(np.sqrt(np.sum(squares) / len(points)))


# ------------------------------------------------------------- autoencoders
def principal_subspace(X: Array, d: int) -> Array:
    r"""An orthonormal basis (D, d) of the data's principal subspace: the top d eigenvectors of its covariance."""
    X = np.asarray(X, dtype=np.float64)
    _, _, vt = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    return vt[:d].T


def decoder_subspace(model, z: Array, h: float = 1e-5) -> Array:
    r"""An orthonormal basis (D, d) of the directions the decoder moves in at the code z (d,): the column space of
    its Jacobian :math:`\partial g/\partial z` (central differences). For a linear decoder it is the same at every z:
    the subspace its reconstructions lie in."""
    z = np.asarray(z, dtype=np.float64)
    steps = h * np.eye(len(z))
    jacobian = (model.decode(z + steps) - model.decode(z - steps)).T / (2 * h)  # (D, d)
    q, _ = np.linalg.qr(jacobian)
    return q


def subspace_angle(A: Array, B: Array) -> float:
    r"""The largest principal angle between the column spaces of two orthonormal bases (D, d), in degrees: 0 when
    they span the same subspace. :math:`\cos\theta_\text{max}` is the smallest singular value of :math:`A^\top B`,
    :math:`\sin\theta_\text{max}` the largest of :math:`B - AA^\top B` (what of B lies outside A's span); the angle
    is taken from both, since the arccos of a cosine near 1 loses half its digits (a 1e-15 error there is 3e-6°)."""
    AtB = A.T @ B
    cos = np.linalg.svd(AtB, compute_uv=False).min()
    sin = np.linalg.svd(B - A @ AtB, compute_uv=False).max()
    return float(np.degrees(np.arctan2(sin, cos)))


def reconstruction_error(model, x: Array, noise: Array | None = None) -> Array:
    r"""Per-example :math:`\tfrac12\lVert x - g(f(x + \text{noise}))\rVert^2` (VAE: the decoder at μ).

    x: (n, D), noise: (n, D) or None -> (n,).
    """
    x = np.asarray(x, dtype=np.float64)
    return squared_error(x, model.reconstruct(x if noise is None else x + noise))[0]


class DoNothing:
    r"""The do-nothing denoiser :math:`\tilde x \mapsto \tilde x`: it returns the noisy input. Its error is
    :math:`\tfrac12\lVert x - \tilde x\rVert^2 = \tfrac12\lVert\varepsilon\rVert^2`, whose expectation is
    :math:`D\sigma^2/2`: a denoiser that does not beat it removes no noise. (Pass it wherever a model is asked for:
    :func:`reconstruction_error`, :func:`denoising_curve`.)"""

    def reconstruct(self, x: Array) -> Array:
        """x̃ itself: (n, D) -> (n, D)."""
        return np.asarray(x, dtype=np.float64)


def share_nearer(x: Array, noisy: Array, cleaned: Array) -> float:
    r"""The share of rows whose output is nearer its own clean x than the noisy input was:
    :math:`\lVert x - \hat x\rVert < \lVert x - \tilde x\rVert`. x, noisy, cleaned: (n, D) -> a share in [0, 1]."""
    return float(np.mean(np.linalg.norm(cleaned - x, axis=1) < np.linalg.norm(noisy - x, axis=1)))


def nearest_labels(X: Array, y: Array, queries: Array, chunk: int = 256) -> Array:
    r"""The label of each query's nearest row of X (Euclidean; a 1-nearest-neighbour reading, as a reader who
    knows the training images would name a picture): X (N, D), y (N,), queries (m, D) -> (m,)."""
    X, queries = np.asarray(X, dtype=np.float64), np.asarray(queries, dtype=np.float64)
    sq_X = np.sum(X * X, axis=1)
    found = [np.argmin(sq_X[None, :] - 2.0 * q @ X.T, axis=1) for q in
             (queries[i:i + chunk] for i in range(0, len(queries), chunk))]  # ‖q‖² is the same along a row
    return np.asarray(y)[np.concatenate(found)] if found else np.asarray(y)[:0]


def denoising_curve(model, x: Array, sigmas: Array, rng: np.random.Generator, draws: int = 5) -> Array:
    r"""Mean error on corrupted inputs as the test noise grows:
    :math:`\mathbb E\,\tfrac12\lVert x - g(f(x + \varepsilon))\rVert^2`, :math:`\varepsilon\sim\mathcal N(0,\sigma^2 I)`.

    The same standard-normal draws are scaled by each σ, so the curve is smooth in σ.
    x: (n, D), sigmas: (m,) -> (m,).
    """
    x = np.asarray(x, dtype=np.float64)
    base = corruption((draws, *x.shape), 1.0, rng)  # (draws, n, D): unit noise, scaled by each σ below
    return np.array([np.mean([reconstruction_error(model, x, s * e).mean() for e in base]) for s in sigmas])


# ------------------------------------------------------- posteriors in pictures
def posterior_on_grid(model: VAE, x: Array, lo: Array, hi: Array, m: int = 81) -> tuple[Array, Array]:
    r"""The exact posterior :math:`p(z|x) \propto p(x|z)p(z)` of one example on a regular grid over [lo, hi]
    (latent_dim ≤ 2), normalised to a density: grid (m**d, d), density (m**d,)."""
    grid, volume = _box_grid(np.asarray(lo, float), np.asarray(hi, float), m)
    log_joint = log_joint_on_grid(model, np.asarray(x, float).reshape(1, -1), grid)[0]
    density = np.exp(log_joint - logsumexp(log_joint[None], axis=1)[0]) / volume
    return grid, density


def posterior_window(model: VAE, x: Array, mass: float = 0.999) -> tuple[Array, Array, float]:
    r"""A box [lo, hi] that holds at least ``mass`` of the exact posterior p(z|x) of one example (latent_dim ≤ 2),
    and the share it holds: found on a coarse grid over the prior's bulk and q(z|x)'s (±RADIUS and ±8 σ around μ),
    each axis cut where its marginal leaves (1 − mass)/(2d) in each tail, then widened by a coarse cell.

    A window around q alone is cut exactly when q is wrong (the posterior elsewhere), which is what a picture of
    q against the posterior exists to show."""
    x = np.asarray(x, dtype=np.float64).reshape(1, -1)
    mu, log_var = model.encode(x)
    std = np.exp(0.5 * log_var[0])
    lo = np.minimum(-RADIUS, mu[0] - 8 * std)
    hi = np.maximum(RADIUS, mu[0] + 8 * std)
    d, m = model.latent_dim, COARSE_POINTS[model.latent_dim]
    grid, _ = _box_grid(lo, hi, m)
    log_joint = log_joint_on_grid(model, x, grid)[0]
    w = np.exp(log_joint - logsumexp(log_joint[None], axis=1)[0]).reshape((m,) * d)  # cell weights, sum 1
    axes = [np.linspace(a, b, m) for a, b in zip(lo, hi)]
    step = (hi - lo) / (m - 1)
    tail = (1.0 - mass) / (2 * d)
    box_lo, box_hi, inside = np.empty(d), np.empty(d), np.ones((m,) * d, dtype=bool)
    for j in range(d):
        marginal = w.sum(axis=tuple(k for k in range(d) if k != j))
        cdf = np.cumsum(marginal)
        first = int(np.searchsorted(cdf, tail))  # the first cell past the lower tail
        last = int(np.searchsorted(cdf, 1.0 - tail))
        first, last = max(0, first - 1), min(m - 1, last + 1)  # one cell more each side
        box_lo[j], box_hi[j] = axes[j][first] - step[j] / 2, axes[j][last] + step[j] / 2
        keep = np.zeros(m, dtype=bool)
        keep[first:last + 1] = True
        inside &= keep.reshape([m if k == j else 1 for k in range(d)])
    return box_lo, box_hi, float(w[inside].sum())


def aggregate_posterior_log_density(model: VAE, x: Array, z: Array) -> Array:
    r""":math:`\log q(z)` of the aggregate posterior :math:`q(z) = \frac1N\sum_i q(z|x_i)`: x (N, D), z (m, d) -> (m,)."""
    mu, log_var = model.encode(np.asarray(x, dtype=np.float64))  # (N, d)
    log_q = gaussian_log_density(z[:, None, :], mu[None], log_var[None])  # (m, N)
    return logsumexp(log_q, axis=1) - np.log(len(mu))


def aggregate_posterior_density(model: VAE, x: Array, z: Array) -> Array:
    r"""The aggregate posterior :math:`q(z) = \frac1N\sum_i q(z|x_i)` at the points z: x (N, D), z (m, d) -> (m,)."""
    return np.exp(aggregate_posterior_log_density(model, x, z))


RATE_BLOCK = 1024  # draws of q(z) whose density over the N rows rate_split evaluates at once


def rate_split(model: VAE, x: Array, rng: np.random.Generator, draws: int = 4) -> dict[str, float]:
    r"""The rate split in two (Hoffman & Johnson, *ELBO surgery*, 2016): with the aggregate posterior
    :math:`q(z) = \frac1N\sum_i q(z|x_i)` over the N rows of x,

    .. math:: \underbrace{\tfrac1N\textstyle\sum_i \mathrm{KL}(q(z|x_i)\,\|\,p(z))}_{\text{rate}}
              = \underbrace{I_q(x; z)}_{\text{what the code says about }x}
              + \underbrace{\mathrm{KL}(q(z)\,\|\,p(z))}_{\text{how far the pooled codes are from the prior}}.

    The rate is closed form; :math:`\mathrm{KL}(q(z)\,\|\,p(z)) = \mathbb E_{q(z)}[\log q(z) - \log p(z)]` by Monte
    Carlo, ``draws`` z ~ q(z|x_i) per row, :math:`\log q(z)` exact over the N rows (so it can come out a few
    thousandths below 0); I is the difference, and at most log N. Only the second term is the prior's mismatch:
    where it is large the prior has holes. x: (N, D) -> {"rate", "information", "marginal_kl"} in nats."""
    x = np.asarray(x, dtype=np.float64)
    mu, log_var = model.encode(x)
    z, _ = reparameterize(mu, log_var, rng.standard_normal((draws, *mu.shape)))  # (draws, N, d)
    z = z.reshape(-1, mu.shape[1])  # (draws · N, d): draws of the aggregate posterior q(z)
    blocks = np.array_split(z, -(-len(z) // RATE_BLOCK))  # (RATE_BLOCK, N) at a time: 16,000 rows were 15 GiB at once
    log_q = np.concatenate([logsumexp(gaussian_log_density(b[:, None, :], mu[None], log_var[None]), axis=1)
                            for b in blocks])  # (draws · N,): log Σ_j q(z_k | x_j)
    marginal = float(np.mean(log_q - np.log(len(x)) - standard_normal_log_density(z)))
    rate = float(kl_standard_normal(mu, log_var)[0].mean())
    return {"rate": rate, "information": rate - marginal, "marginal_kl": marginal}


HOLE_RATIO = 0.1  # a prior hole: where the aggregate posterior has less than a tenth of the prior's density
PRIOR_BULK = 0.9  # ... inside the region holding this much of the prior's mass (nearest the origin)


def prior_holes(model: VAE, x: Array, n: int, rng: np.random.Generator, candidates: int = 2000,
                ratio: float = HOLE_RATIO, bulk: float = PRIOR_BULK) -> tuple[Array, Array]:
    r"""Where the prior sends samples but the data's codes never go: of ``candidates`` draws z ~ N(0, I), those
    inside the prior's bulk (the ``bulk`` share of the draws nearest the origin) where the aggregate posterior falls
    short of the prior, :math:`q(z)/p(z) <` ``ratio``; the (at most) n with the smallest ratio, and their
    decodings: (k, d), (k, D) with k ≤ n, and k = 0 when the prior has no hole.

    Without the two conditions the prior's far tail (|z| ≈ 3-4, where few samples ever land) and a q that matches
    the prior everywhere (q/p ≈ 1) would both show "holes"."""
    z = rng.standard_normal((candidates, model.latent_dim))
    radius2 = np.sum(z * z, axis=1)
    in_bulk = radius2 <= np.quantile(radius2, bulk)
    log_ratio = aggregate_posterior_log_density(model, x, z) - standard_normal_log_density(z)
    hole = in_bulk & (log_ratio < np.log(ratio))
    order = np.flatnonzero(hole)[np.argsort(log_ratio[hole])][:n]
    holes = z[order]
    return holes, model.decode(holes) if len(holes) else np.zeros((0, model.input_dim))
