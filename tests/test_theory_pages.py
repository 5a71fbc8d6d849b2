"""Core functions behind the ELBO and reparameterisation pages, each against an independent truth."""

import numpy as np
import pytest

import vae_core as vc
from vae_core import evaluate, theory
from vae_core.theory import TEST_FUNCTIONS, LinearGaussianModel


@pytest.mark.parametrize("mu, log_var", [([1.0], [np.log(0.25)]), ([1.0, -0.5], [np.log(0.25), np.log(2.25)])])
def test_monte_carlo_kl_converges_to_the_closed_form(mu, log_var):
    mu, log_var = np.array(mu), np.array(log_var)
    samples = theory.kl_monte_carlo(mu, log_var, 200_000, np.random.default_rng(0))
    exact = vc.losses.kl_standard_normal(mu[None], log_var[None])[0][0]
    mean, se = theory.running_mean(samples)
    assert abs(mean[-1] - exact) < 4 * se[-1]
    assert se[1000] > se[-1]  # the band narrows as samples grow


def test_running_mean_and_standard_error():
    s = np.random.default_rng(1).standard_normal(50)
    mean, se = theory.running_mean(s)
    assert mean[9] == pytest.approx(s[:10].mean())
    assert se[9] == pytest.approx(s[:10].std(ddof=1) / np.sqrt(10))
    assert np.isnan(se[0])


def test_normal_pdf_integrates_to_one():
    z = np.linspace(-20, 20, 400_001)
    assert np.trapezoid(theory.normal_pdf(z, 1.3, 0.7), z) == pytest.approx(1.0, abs=1e-10)


def test_effective_beta():
    assert theory.effective_beta(1.0, 1.0, "sum", 64) == 1.0
    assert theory.effective_beta(2.0, 0.5, "sum", 64) == pytest.approx(0.5)
    assert theory.effective_beta(1.0, 1.0, "mean", 64) == 64.0
    with pytest.raises(ValueError):
        theory.effective_beta(1.0, 1.0, "max", 2)


def test_effective_beta_gives_the_same_minimiser():
    """The scaled loss and the β_eff loss differ by a constant factor, so their gradients are parallel."""
    rng = np.random.default_rng(2)
    x, x_hat = rng.standard_normal(5), rng.standard_normal(5)
    kl, beta, sigma_x = 0.7, 1.5, 0.4
    scaled = np.sum((x - x_hat) ** 2) / (2 * sigma_x**2) + beta * kl
    plain = 0.5 * np.sum((x - x_hat) ** 2) + theory.effective_beta(beta, sigma_x, "sum", 5) * kl
    assert scaled * sigma_x**2 == pytest.approx(plain)
    mean_loss = np.mean((x - x_hat) ** 2) / 2 + beta * kl
    assert mean_loss * 5 == pytest.approx(0.5 * np.sum((x - x_hat) ** 2) + theory.effective_beta(beta, 1, "mean", 5) * kl)


def test_reparam_jacobians_match_finite_differences():
    eps = np.array([0.3, -1.2, 2.0])
    j = theory.reparam_jacobians(np.array([0.1, 0.2, 0.3]), np.array([1.0, 0.5, 2.0]), eps)
    np.testing.assert_allclose(j["dz_dmu"], j["dz_dmu_fd"], atol=1e-8)
    np.testing.assert_allclose(j["dz_dsigma"], j["dz_dsigma_fd"], atol=1e-8)
    np.testing.assert_array_equal(j["dz_dsigma"], np.diag(eps))


@pytest.mark.parametrize("name", ["square", "sin", "exp"])
def test_estimator_variance_falls_as_one_over_n_and_reparam_is_lowest(name):
    f = TEST_FUNCTIONS[name]
    var = theory.estimator_variance(f, 0.4, 0.7, (10, 100), reps=400, rng=np.random.default_rng(3))
    for v in var.values():
        assert 4 < v[0] / v[1] < 25  # ~10x per 10x samples, within sampling noise
    assert var["reparameterisation"][1] < min(var["score function + baseline"][1], var["score function"][1])


def test_all_estimators_unbiased_on_the_same_eps():
    f = TEST_FUNCTIONS["sin"]
    est = theory.gradient_estimates(f, 0.4, 0.7, np.random.default_rng(4).standard_normal(300_000))
    for g in est.values():
        se = g.std(axis=0) / np.sqrt(len(g))
        assert np.all(np.abs(g.mean(axis=0) - f.grad(0.4, 0.7)) < 4 * se)


def _linear_vae(seed=0):
    rng = np.random.default_rng(seed)
    vae = vc.VAE(input_dim=2, latent_dim=2, hidden=(), seed=seed)
    vae.params["dec.W0"] = 2 * rng.standard_normal((2, 2))
    vae.params["dec.b0"] = rng.standard_normal(2)
    return vae, LinearGaussianModel(W=vae.params["dec.W0"].T.copy(), b=vae.params["dec.b0"].copy())


def test_posterior_on_grid_matches_the_exact_posterior():
    vae, truth = _linear_vae()
    x = np.array([0.5, -1.0])
    m, S = truth.posterior(x)
    half = 6 * np.sqrt(np.diag(S))
    grid, density = evaluate.posterior_on_grid(vae, x, m - half, m + half, m=161)
    cell = np.prod(2 * half / 160)
    w = density * cell
    assert w.sum() == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(w @ grid, m, atol=1e-6)
    centred = grid - m
    np.testing.assert_allclose((w[:, None, None] * centred[:, :, None] * centred[:, None, :]).sum(0), S, atol=1e-6)


def test_aggregate_posterior_is_a_density_and_holes_are_where_it_is_thin():
    X, _ = vc.data.three_clusters(n=300, seed=0)
    vae = vc.VAE(seed=0)
    vc.fit(vae, X, epochs=60, lr=3e-3, seed=0)
    g = np.linspace(-7, 7, 281)
    Z = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    q = evaluate.aggregate_posterior_density(vae, X, Z)
    assert q.sum() * (g[1] - g[0]) ** 2 == pytest.approx(1.0, abs=1e-3)
    holes, decoded = evaluate.prior_holes(vae, X, 10, np.random.default_rng(0))
    assert holes.shape == (10, 2) and decoded.shape == (10, 2)
    typical = np.random.default_rng(1).standard_normal((500, 2))
    ratio = lambda z: evaluate.aggregate_posterior_density(vae, X, z) / np.exp(-0.5 * (z**2).sum(1))  # noqa: E731
    assert np.median(ratio(holes)) < np.median(ratio(typical))
