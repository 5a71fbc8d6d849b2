"""Losses and the KL term: gradients by finite differences, values against known truths."""

import numpy as np
import pytest

from tests.gradcheck import numerical_gradient, relative_error
from vae_core import losses

TOL = 1e-6


def test_gaussian_nll_has_its_constants():
    x = np.array([[1.0, 2.0, 3.0]])
    nll, _, _ = losses.gaussian_nll(x, x)
    assert nll[0] == pytest.approx(1.5 * np.log(2 * np.pi))
    # with σₓ² = e^{log_var}: ‖x − x̂‖²/(2σₓ²) + (D/2) log 2πσₓ², against scipy-free direct arithmetic
    x_hat = x + np.array([[0.5, -1.0, 2.0]])
    nll, _, _ = losses.gaussian_nll(x, x_hat, log_var=np.log(0.09))
    assert nll[0] == pytest.approx(5.25 / (2 * 0.09) + 1.5 * np.log(2 * np.pi * 0.09), rel=1e-12)


@pytest.mark.parametrize("log_var", [0.0, -2.3, 1.1])
def test_gaussian_nll_gradients_in_the_mean_and_the_log_variance(log_var):
    rng = np.random.default_rng(6)
    x, out = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    _, d_out, d_log_var = losses.gaussian_nll(x, out, log_var)
    numeric = numerical_gradient(lambda: float(losses.gaussian_nll(x, out, log_var)[0].sum()), out)
    assert relative_error(d_out, numeric) < TOL
    per_row = [numerical_gradient(lambda: float(losses.gaussian_nll(x[i:i + 1], out[i:i + 1], lv[0])[0][0]), lv)[0]
               for i in range(3) for lv in [np.array([log_var])]]
    assert relative_error(d_log_var, np.array(per_row)) < TOL


def test_bernoulli_nll_matches_the_naive_formula_and_is_stable():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(4, 3))
    logits = rng.standard_normal((4, 3))
    p = 1 / (1 + np.exp(-logits))
    naive = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=1)
    np.testing.assert_allclose(losses.bernoulli_nll(x, logits)[0], naive, rtol=1e-12)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        nll, _ = losses.bernoulli_nll(np.array([[1.0, 0.0]]), np.array([[800.0, -800.0]]))
    assert nll[0] == pytest.approx(0.0)


@pytest.mark.parametrize("fn", ["gaussian_nll", "bernoulli_nll", "squared_error"])
def test_reconstruction_gradients(fn):
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(3, 4))
    out = rng.standard_normal((3, 4))
    f = getattr(losses, fn)
    _, d_out = f(x, out)[:2]
    assert relative_error(d_out, numerical_gradient(lambda: float(f(x, out)[0].sum()), out)) < TOL


def test_kl_is_zero_at_the_prior_and_never_negative():
    kl, _, _ = losses.kl_standard_normal(np.zeros((1, 3)), np.zeros((1, 3)))
    assert kl[0] == 0.0
    rng = np.random.default_rng(4)
    kl, _, _ = losses.kl_standard_normal(3 * rng.standard_normal((1000, 2)), 3 * rng.standard_normal((1000, 2)))
    assert np.all(kl >= 0)


def test_kl_gradients():
    rng = np.random.default_rng(5)
    mu, log_var = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    _, d_mu, d_log_var = losses.kl_standard_normal(mu, log_var)

    def total():
        return float(losses.kl_standard_normal(mu, log_var)[0].sum())

    assert relative_error(d_mu, numerical_gradient(total, mu)) < TOL
    assert relative_error(d_log_var, numerical_gradient(total, log_var)) < TOL


def test_kl_matches_monte_carlo():
    mu, log_var = np.array([[0.7, -1.2]]), np.array([[-0.5, 0.8]])
    rng = np.random.default_rng(6)
    z, _ = losses.reparameterize(mu, log_var, rng.standard_normal((400_000, 2)))
    log_q = losses.gaussian_log_density(z, mu, log_var)
    log_p = losses.gaussian_log_density(z, np.zeros(2), np.zeros(2))
    samples = log_q - log_p
    exact = losses.kl_standard_normal(mu, log_var)[0][0]
    assert abs(samples.mean() - exact) < 4 * samples.std() / np.sqrt(len(samples))


def test_reparameterised_samples_have_mean_mu_and_variance_sigma_squared():
    mu, log_var = np.array([1.5, -2.0]), np.log(np.array([0.25, 4.0]))
    rng = np.random.default_rng(7)
    n = 200_000
    z, std = losses.reparameterize(mu, log_var, rng.standard_normal((n, 2)))
    np.testing.assert_allclose(std, [0.5, 2.0])
    assert np.all(np.abs(z.mean(axis=0) - mu) < 4 * np.sqrt(np.exp(log_var) / n))
    # the sample variance has standard error sigma^2 * sqrt(2 / n)
    assert np.all(np.abs(z.var(axis=0) - np.exp(log_var)) < 4 * np.exp(log_var) * np.sqrt(2 / n))


def test_reparameterize_backward():
    rng = np.random.default_rng(8)
    mu, log_var, eps, r = (rng.standard_normal((3, 2)) for _ in range(4))

    def total():
        return float(np.sum(losses.reparameterize(mu, log_var, eps)[0] * r))

    _, std = losses.reparameterize(mu, log_var, eps)
    d_mu, d_log_var = losses.reparameterize_backward(r, eps, std)
    assert relative_error(d_mu, numerical_gradient(total, mu)) < TOL
    assert relative_error(d_log_var, numerical_gradient(total, log_var)) < TOL


def test_logsumexp_is_stable():
    a = np.array([[1000.0, 1000.0], [-np.inf, 0.0]])
    np.testing.assert_allclose(losses.logsumexp(a, axis=1), [1000 + np.log(2), 0.0])


def test_the_dae_corruption_has_mean_zero_and_variance_sigma_squared():
    eps = losses.corruption((200_000, 3), 0.4, np.random.default_rng(0))
    assert eps.shape == (200_000, 3)
    np.testing.assert_allclose(eps.mean(axis=0), 0.0, atol=4 * 0.4 / np.sqrt(200_000))
    np.testing.assert_allclose(eps.var(axis=0), 0.16, rtol=0.02)
    assert np.all(losses.corruption((5, 2), 0.0, np.random.default_rng(0)) == 0)
