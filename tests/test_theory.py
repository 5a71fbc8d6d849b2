"""The theory helpers (vae_core.theory) against independent truths: quadrature, Monte Carlo, finite differences."""

import numpy as np
import pytest

import vae_core as vc
from vae_core import theory
from vae_core.theory import TEST_FUNCTIONS, LinearGaussianModel, reparam_gradient, score_gradient

MODEL = LinearGaussianModel(W=np.array([[1.5], [-0.7]]), b=np.array([0.3, -0.2]), sigma_x=0.8)
X = np.array([1.2, -0.9])


def test_log_marginal_matches_quadrature():
    z = np.linspace(-10, 10, 200_001)
    mean = z[:, None] * MODEL.W[:, 0] + MODEL.b  # (G, 2)
    log_lik = -0.5 * np.sum((X - mean) ** 2, axis=1) / 0.64 - np.log(2 * np.pi * 0.64)
    log_joint = log_lik - 0.5 * z**2 - 0.5 * np.log(2 * np.pi)
    assert MODEL.log_marginal(X) == pytest.approx(np.log(np.trapezoid(np.exp(log_joint), z)), abs=1e-10)


def test_posterior_matches_quadrature_moments():
    z = np.linspace(-10, 10, 200_001)
    log_joint = -0.5 * np.sum((X - (z[:, None] * MODEL.W[:, 0] + MODEL.b)) ** 2, axis=1) / 0.64 - 0.5 * z**2
    w = np.exp(log_joint - log_joint.max())
    w /= w.sum()
    m, S = MODEL.posterior(X)
    assert m[0] == pytest.approx(np.sum(w * z), abs=1e-9)
    assert S[0, 0] == pytest.approx(np.sum(w * z**2) - np.sum(w * z) ** 2, abs=1e-9)


@pytest.mark.parametrize("m, var", [(0.0, 1.0), (0.4, 0.1), (-1.0, 2.0), (0.9, 0.02)])
def test_elbo_plus_posterior_kl_is_log_marginal(m, var):
    m, S = np.array([m]), np.array([[var]])
    total = MODEL.elbo(X, m, S) + MODEL.gap(X, m, S)
    assert total == pytest.approx(MODEL.log_marginal(X), abs=1e-12)
    assert MODEL.gap(X, m, S) >= 0


def test_elbo_is_tight_at_the_posterior():
    m, S = MODEL.posterior(X)
    assert MODEL.gap(X, m, S) == pytest.approx(0.0, abs=1e-12)
    assert MODEL.elbo(X, m, S) == pytest.approx(MODEL.log_marginal(X), abs=1e-12)


def test_closed_form_elbo_matches_monte_carlo():
    m, S = np.array([0.3]), np.array([[0.2]])
    rng = np.random.default_rng(0)
    z = m + np.sqrt(S[0, 0]) * rng.standard_normal((400_000, 1))
    mean = z @ MODEL.W.T + MODEL.b
    log_lik = -0.5 * np.sum((X - mean) ** 2, axis=1) / 0.64 - np.log(2 * np.pi * 0.64)
    log_prior = -0.5 * z[:, 0] ** 2 - 0.5 * np.log(2 * np.pi)
    log_q = -0.5 * (z[:, 0] - m[0]) ** 2 / S[0, 0] - 0.5 * np.log(2 * np.pi * S[0, 0])
    samples = log_lik + log_prior - log_q
    assert abs(samples.mean() - MODEL.elbo(X, m, S)) < 4 * samples.std() / np.sqrt(len(samples))


def test_gaussian_kl_is_zero_for_equal_gaussians_and_matches_1d_formula():
    S = np.array([[2.0, 0.3], [0.3, 1.0]])
    assert theory.gaussian_kl(np.ones(2), S, np.ones(2), S) == pytest.approx(0.0, abs=1e-12)
    mq, vq, mp, vp = 0.5, 0.3, -0.2, 1.7
    one_d = 0.5 * (vq / vp + (mq - mp) ** 2 / vp - 1 + np.log(vp / vq))
    assert theory.gaussian_kl(np.array([mq]), np.array([[vq]]), np.array([mp]), np.array([[vp]])) == pytest.approx(one_d)


@pytest.mark.parametrize("name", sorted(TEST_FUNCTIONS))
def test_exact_gradients_are_the_derivatives_of_the_exact_expectation(name):
    f = TEST_FUNCTIONS[name]
    mu, sigma, h = 0.4, 0.7, 1e-6
    d_mu = (f.expectation(mu + h, sigma) - f.expectation(mu - h, sigma)) / (2 * h)
    d_sigma = (f.expectation(mu, sigma + h) - f.expectation(mu, sigma - h)) / (2 * h)
    assert f.grad(mu, sigma) == pytest.approx((d_mu, d_sigma), rel=1e-6, abs=1e-9)
    z = mu + sigma * np.random.default_rng(0).standard_normal(1_000_000)
    values = f.f(z)
    assert abs(values.mean() - f.expectation(mu, sigma)) < 4 * values.std() / 1000


@pytest.mark.parametrize("name", sorted(TEST_FUNCTIONS))
@pytest.mark.parametrize("baseline", [False, True])
def test_score_function_estimator_is_unbiased(name, baseline):
    f = TEST_FUNCTIONS[name]
    mu, sigma = 0.4, 0.7
    eps = np.random.default_rng(1).standard_normal(400_000)
    b = float(f.f(np.array(mu))) if baseline else None
    g = score_gradient(f, mu, sigma, eps, baseline=b)
    se = g.std(axis=0) / np.sqrt(len(g))
    assert np.all(np.abs(g.mean(axis=0) - f.grad(mu, sigma)) < 4 * se)


@pytest.mark.parametrize("name", [n for n, f in TEST_FUNCTIONS.items() if f.smooth])
def test_reparameterisation_is_unbiased_and_has_lower_variance_for_smooth_f(name):
    f = TEST_FUNCTIONS[name]
    mu, sigma = 0.4, 0.7
    eps = np.random.default_rng(2).standard_normal(400_000)
    g = reparam_gradient(f, mu, sigma, eps)
    se = g.std(axis=0) / np.sqrt(len(g))
    assert np.all(np.abs(g.mean(axis=0) - f.grad(mu, sigma)) < 4 * se)
    score = score_gradient(f, mu, sigma, eps, baseline=float(f.f(np.array(mu))))
    assert np.all(g.var(axis=0) < score.var(axis=0))


def test_reparameterisation_is_biased_for_a_step_function():
    f = TEST_FUNCTIONS["step"]
    g = reparam_gradient(f, 0.4, 0.7, np.random.default_rng(3).standard_normal(1000))
    assert np.all(g == 0) and f.grad(0.4, 0.7)[0] > 0.3  # f' = 0 almost everywhere


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
    with pytest.raises(ValueError, match="reduction must be 'sum' or 'mean', got 'max'"):
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


@pytest.mark.parametrize("name, mu, sigma, helps", [("square", 0.5, 1.0, True), ("square", 0.4, 0.7, True),
                                                   ("exp", 0.5, 1.0, True), ("exp", 0.4, 0.7, True),
                                                   ("sin", 0.5, 1.0, False)])
def test_the_mean_baseline_helps_when_f_is_far_from_zero_on_average(name, mu, sigma, helps):
    """The page's sentence: subtracting b = E_q[f] keeps the score function unbiased; it lowers the variance for f = z²
    and eᶻ (far from 0 on average) and can raise it for sin z (at the page's default μ₁ = 0.5, σ₁ = 1 it does)."""
    f = TEST_FUNCTIONS[name]
    g = theory.gradient_estimates(f, mu, sigma, np.random.default_rng(5).standard_normal(400_000))
    plain, based = g["score function"], g["score function + baseline"]
    assert np.all(based.var(axis=0) < plain.var(axis=0)) == helps
    assert np.all(based.var(axis=0) > plain.var(axis=0)) == (not helps)
    se = based.std(axis=0) / np.sqrt(len(based))
    assert np.all(np.abs(based.mean(axis=0) - f.grad(mu, sigma)) < 4 * se)


def test_linear_theory_predicts_where_a_linear_beta_vae_collapses():
    """Dimension i of a linear β-VAE (σₓ = 1) collapses once β ≥ λᵢ: trained models on data of covariance eigenvalues
    about 4 and 0.5 keep 2, 1, 0 active units at β = 0.25, 1.5 and 8, as collapse_betas predicts."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((600, 2)) * [2.0, np.sqrt(0.5)] @ np.array([[0.8, -0.6], [0.6, 0.8]])
    thresholds = theory.collapse_betas(X)
    assert thresholds[0] == pytest.approx(4.0, rel=0.15) and thresholds[1] == pytest.approx(0.5, rel=0.15)
    for beta in (0.25, 1.5, 8.0):
        vae = vc.VAE(input_dim=2, latent_dim=2, hidden=(), beta=beta, seed=0)
        vc.fit(vae, X, epochs=300, lr=1e-2, batch_size=600, seed=0)
        active, _ = vc.evaluate.active_units(vae, X)
        assert active == theory.predicted_active_units(thresholds, beta, 2), beta
