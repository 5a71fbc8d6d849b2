"""Generating from a model (vae_core.generate): codes, a Gaussian fitted to them, interpolation, the prior's
quantile grid and the decoded manifold — each against an independent truth."""

import math

import numpy as np
import pytest

import vae_core as vc
from vae_core import generate


def _phi(z):
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def test_normal_quantile_inverts_the_normal_cdf_to_1e_13():
    p = np.unique(np.concatenate([np.logspace(-12, -1, 40), np.linspace(0.02, 0.98, 97), 1 - np.logspace(-10, -1, 40)]))
    z = generate.normal_quantile(p)
    assert np.all(np.diff(z) > 0)  # p is sorted: the quantile increases
    errors = [abs(_phi(zi) - pi) / min(pi, 1 - pi) for zi, pi in zip(z, p)]
    assert max(errors) < 1e-11
    assert generate.normal_quantile(np.array([0.975]))[0] == pytest.approx(1.959963984540054, abs=1e-13)
    assert generate.normal_quantile(np.array([0.5]))[0] == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError, match="needs 0 < p < 1"):
        generate.normal_quantile(np.array([0.0, 0.5]))


def test_the_grid_sits_at_the_prior_quantiles_and_reads_like_the_latent_chart():
    m = 7
    grid = generate.prior_quantile_grid(m)
    assert grid.shape == (m, m, 2)
    levels = (np.arange(m) + 0.5) / m
    np.testing.assert_allclose([_phi(v) for v in grid[0, :, 0]], levels, atol=1e-13)  # z₁ grows to the right
    np.testing.assert_allclose([_phi(v) for v in grid[:, 0, 1]], levels[::-1], atol=1e-13)  # z₂ grows upwards
    assert np.all(grid[:, :, 0] == grid[0, :, 0]) and np.all(grid[:, 0, 1] == grid[:, :, 1].T)
    # every cell between the grid's midpoints holds the same prior mass 1/m² (Monte Carlo over the prior)
    z = np.random.default_rng(0).standard_normal((200_000, 2))
    cells = np.floor(np.vectorize(_phi)(z) * m).astype(int)
    counts = np.bincount(cells[:, 0] * m + cells[:, 1], minlength=m * m) / len(z)
    assert np.max(np.abs(counts - 1 / m**2)) < 4 * math.sqrt(1 / m**2 / len(z))
    with pytest.raises(ValueError, match="for a 2-D latent space"):
        generate.prior_quantile_grid(5, d=3)


@pytest.fixture(scope="module")
def trained():
    X, _ = vc.data.three_clusters(n=300, seed=0)
    ae = vc.Autoencoder(latent_dim=2, hidden=(16,), seed=0)
    vae = vc.VAE(latent_dim=2, hidden=(16,), decoder_std="learned", seed=0)
    vc.fit(ae, X, epochs=30, lr=3e-3)
    vc.fit(vae, X, epochs=30, lr=3e-3)
    return X, ae, vae


def test_codes_are_the_encoders_output(trained):
    X, ae, vae = trained
    np.testing.assert_array_equal(generate.codes(ae, X), ae.encode(X))
    np.testing.assert_array_equal(generate.codes(vae, X), vae.encode(X)[0])


@pytest.mark.parametrize("which", ["ae", "vae"])
def test_interpolation_ends_at_the_endpoints_reconstructions(trained, which):
    X, ae, vae = trained
    model = ae if which == "ae" else vae
    path, decoded = generate.interpolate(model, X[3], X[250], steps=9)
    assert path.shape == (9, 2) and decoded.shape == (9, 2)
    np.testing.assert_allclose(decoded[0], model.reconstruct(X[3:4])[0], rtol=1e-12)
    np.testing.assert_allclose(decoded[-1], model.reconstruct(X[250:251])[0], rtol=1e-12)
    codes = generate.codes(model, X[[3, 250]])
    np.testing.assert_allclose(path[4], codes.mean(axis=0), rtol=1e-12)  # the middle step is halfway
    np.testing.assert_allclose(np.diff(path, axis=0), np.diff(path, axis=0)[:1].repeat(8, 0), atol=1e-12)  # a line
    with pytest.raises(ValueError, match="at least 2 steps, got 1"):
        generate.interpolate(model, X[0], X[1], steps=1)


def test_the_fitted_gaussian_has_the_codes_mean_and_covariance():
    rng = np.random.default_rng(1)
    codes = rng.standard_normal((500, 2)) @ np.array([[2.0, 0.0], [1.2, 0.5]]) + np.array([3.0, -1.0])
    z = generate.fitted_gaussian(codes, 100_000, np.random.default_rng(2))
    np.testing.assert_allclose(z.mean(axis=0), codes.mean(axis=0), atol=0.03)
    np.testing.assert_allclose(np.cov(z, rowvar=False), np.cov(codes, rowvar=False), rtol=0.03, atol=0.01)
    flat = generate.fitted_gaussian(np.c_[codes[:, 0], np.zeros(500)], 10, rng)  # a collapsed code still draws
    assert np.all(np.isfinite(flat)) and np.allclose(flat[:, 1], 0.0, atol=1e-3)


def test_the_decoded_manifold_is_the_decoder_on_the_grid(trained):
    _, _, vae = trained
    grid, images = generate.decoded_manifold(vae, 5)
    assert images.shape == (5, 5, 2)
    np.testing.assert_allclose(images[1, 3], vae.decode(grid[1, 3][None])[0], rtol=1e-12)
