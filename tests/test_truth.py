"""The generated data sets' true densities and their Bayes denoiser, against independent computations: a density
integrates to 1 on a grid, agrees with a Monte Carlo average over the generator's own draws, and its quadrature has
converged; the denoiser agrees with a Monte Carlo posterior mean and beats every other denoiser tried."""

import numpy as np
import pytest

import vae_core as vc
from vae_core import truth

NAMES = tuple(truth.DISTRIBUTIONS)
# The rings and the spiral integrate along curves (seconds each): their cases of the costlier checks are slow tests.
SLOW_NAMES = [pytest.param(n, marks=pytest.mark.slow) if n in ("rings", "spiral") else n for n in NAMES]


@pytest.mark.parametrize("name", SLOW_NAMES)
def test_each_density_integrates_to_one(name):
    """On a grid of step s/3 over the data's box and 8 s around it (the mixture with fewer nodes along its curve:
    how fast the nodes converge is the next tests' business); and the weights sum to 1."""
    dist = truth.distribution(name) if name == "three_clusters" else truth.DISTRIBUTIONS[name](nodes=512)
    assert np.exp(truth.distribution(name).log_weights).sum() == pytest.approx(1.0, abs=1e-12)
    X, _ = vc.data.GENERATORS[name](2000, seed=1)
    pad = 8 * dist.noise
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    m = int(np.max(hi - lo) / (dist.noise / 3)) + 1
    axes = [np.linspace(a, b, m) for a, b in zip(lo, hi)]
    grid = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    cell = np.prod([(b - a) / (m - 1) for a, b in zip(lo, hi)])
    total = np.exp(dist.log_density(grid)).sum() * cell
    assert total == pytest.approx(1.0, abs=1e-3)


def _monte_carlo_density(name: str, x: np.ndarray, draws: int = 400_000) -> tuple[np.ndarray, np.ndarray]:
    """p(x) = E_t[N(x; c(t), s²I)] with the curve's t (or the cluster) drawn the way the generator draws it (the
    noise-free generator gives the points of the curve, independent of the quadrature's nodes), and its standard
    error."""
    rng = np.random.default_rng(2)
    dist = truth.distribution(name)
    noise = dist.noise
    generator = vc.data.GENERATORS[name]
    kwargs = {"spread": 0.0} if name == "three_clusters" else {"noise": 0.0}
    centres, _ = generator(draws, seed=int(rng.integers(1 << 30)), **kwargs)
    sq = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    values = np.exp(-0.5 * sq / noise**2) / (2 * np.pi * noise**2)
    return values.mean(axis=1), values.std(axis=1) / np.sqrt(draws)


@pytest.mark.parametrize("name", NAMES)
def test_each_density_matches_a_monte_carlo_average_over_the_generator(name):
    X, _ = vc.data.GENERATORS[name](20, seed=3)  # where the data is
    mc, se = _monte_carlo_density(name, X)
    exact = np.exp(vc.data.log_density(name, X))
    assert np.all(np.abs(exact - mc) < 4.5 * se), np.max(np.abs(exact - mc) / se)


@pytest.mark.parametrize("name", ["two_moons", "rings", "spiral"])
def test_the_quadrature_has_converged(name):
    """With NODES nodes the density agrees with twice as many to 1e-10 nats wherever it is above e^-30."""
    X, _ = vc.data.GENERATORS[name](500, seed=4)
    X = np.concatenate([X, np.random.default_rng(5).uniform(-4, 4, (500, 2))])  # off the data too
    fine = truth.DISTRIBUTIONS[name](nodes=2 * truth.NODES).log_density(X)
    coarse = vc.data.log_density(name, X)
    where = fine > -30
    assert where.sum() > 500
    np.testing.assert_allclose(coarse[where], fine[where], atol=1e-10, rtol=0)


def test_unknown_densities_are_refused():
    with pytest.raises(ValueError, match="not known"):
        vc.data.log_density("digits", np.zeros((1, 64)))


@pytest.mark.parametrize("name", SLOW_NAMES)
def test_the_bayes_denoiser_is_the_posterior_mean(name):
    """E[x | x̃] against a Monte Carlo posterior mean: draw (x, x̃) pairs from the generator, keep those whose x̃ falls
    in a small box, and average their clean x."""
    sigma = 0.3
    X, _ = vc.data.GENERATORS[name](2_000_000, seed=6)
    noisy = X + sigma * np.random.default_rng(7).standard_normal(X.shape)
    probes = X[:6] + 0.1
    for probe in probes:
        near = np.all(np.abs(noisy - probe) < 0.03, axis=1)
        assert near.sum() > 300
        # the box's centre against the mean of the x̃ that fell in it: correct the probe to that mean
        estimate = vc.data.bayes_denoiser(name, noisy[near], sigma).mean(axis=0)
        np.testing.assert_allclose(estimate, X[near].mean(axis=0), atol=4 * X[near].std(axis=0).max() / np.sqrt(near.sum()) + 0.01)


@pytest.mark.parametrize("name", SLOW_NAMES)
def test_no_other_denoiser_has_a_lower_error(name):
    sigma = 0.4
    X, _ = vc.data.GENERATORS[name](2000, seed=8)
    noisy = X + sigma * np.random.default_rng(9).standard_normal(X.shape)
    bayes = np.mean(np.sum((vc.data.bayes_denoiser(name, noisy, sigma) - X) ** 2, axis=1))
    for other in (noisy, 0.8 * noisy, vc.data.bayes_denoiser(name, noisy, 0.7 * sigma),
                  vc.data.bayes_denoiser(name, noisy, 1.4 * sigma)):
        assert bayes < np.mean(np.sum((other - X) ** 2, axis=1))


def test_three_clusters_in_closed_form():
    x = np.array([[0.3, -1.2]])
    centres = 2.0 * np.array([[np.cos(a), np.sin(a)] for a in np.deg2rad([90.0, 210.0, 330.0])])
    s2 = 0.35**2
    p = np.mean(np.exp(-0.5 * ((x - centres) ** 2).sum(1) / s2)) / (2 * np.pi * s2)
    assert np.exp(vc.data.log_density("three_clusters", x))[0] == pytest.approx(p, rel=1e-12)
