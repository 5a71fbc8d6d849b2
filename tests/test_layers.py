"""Every layer's backward agrees with float64 central finite differences."""

import numpy as np
import pytest

from tests.gradcheck import numerical_gradient, relative_error
from vae_core import layers

TOL = 1e-6


def _away_from_kink(rng, shape):
    """Inputs with |x| > 0.05 so ReLU's kink at 0 is never within a finite-difference step."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < 0.05, 0.05 * np.sign(x) + 0.05 * (x == 0), x)


@pytest.mark.parametrize("seed", range(3))
def test_linear_backward_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    n, n_in, n_out = rng.integers(1, 6, size=3)
    x = rng.standard_normal((n, n_in))
    p = {"W": rng.standard_normal((n_in, n_out)), "b": rng.standard_normal(n_out)}
    r = rng.standard_normal((n, n_out))  # L = sum(y * r), so d_y = r

    def loss():
        return float(np.sum(layers.linear_forward(x, p)[0] * r))

    _, cache = layers.linear_forward(x, p)
    d_x, grads = layers.linear_backward(r, cache)
    assert relative_error(d_x, numerical_gradient(loss, x)) < TOL
    assert relative_error(grads["W"], numerical_gradient(loss, p["W"])) < TOL
    assert relative_error(grads["b"], numerical_gradient(loss, p["b"])) < TOL


@pytest.mark.parametrize("name", sorted(layers.ACTIVATIONS))
def test_activation_backward_matches_finite_differences(name):
    forward, backward = layers.ACTIVATIONS[name]
    rng = np.random.default_rng(1)
    x = 3 * _away_from_kink(rng, (4, 5))
    r = rng.standard_normal(x.shape)
    y, cache = forward(x)
    d_x, grads = backward(r, cache)
    assert grads == {}
    assert relative_error(d_x, numerical_gradient(lambda: float(np.sum(forward(x)[0] * r)), x)) < TOL


@pytest.mark.parametrize("name", sorted(layers.ACTIVATIONS))
def test_mlp_backward_matches_finite_differences(name):
    rng = np.random.default_rng(2)
    sizes = [3, *rng.integers(2, 6, size=2), 2]
    params = [{"W": rng.standard_normal((a, b)), "b": rng.standard_normal(b)} for a, b in zip(sizes[:-1], sizes[1:])]
    x = rng.standard_normal((5, sizes[0]))
    r = rng.standard_normal((5, sizes[-1]))

    def loss():
        return float(np.sum(layers.mlp_forward(x, params, name)[0] * r))

    _, caches = layers.mlp_forward(x, params, name)
    d_x, grads = layers.mlp_backward(r, caches, name)
    assert relative_error(d_x, numerical_gradient(loss, x)) < TOL
    for p, g in zip(params, grads):
        assert relative_error(g["W"], numerical_gradient(loss, p["W"])) < TOL
        assert relative_error(g["b"], numerical_gradient(loss, p["b"])) < TOL


def test_stable_sigmoid_and_softplus_do_not_overflow():
    x = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s, sp = layers.sigmoid(x), layers.softplus(x)
    np.testing.assert_allclose(s, [0.0, 1 / (1 + np.exp(30)), 0.5, 1 / (1 + np.exp(-30)), 1.0])
    np.testing.assert_allclose(sp, [0.0, np.log1p(np.exp(-30)), np.log(2), 30 + np.log1p(np.exp(-30)), 1000.0])
