r"""Layers with hand-written backpropagation.

Every layer is a pair of functions that sit side by side:

* ``*_forward(x, ...) -> (y, cache)`` computes the output and keeps exactly
  what the backward pass needs;
* ``*_backward(d_y, cache) -> (d_x, grads)`` turns the upstream gradient
  ``d_y = ∂L/∂y`` into ``d_x = ∂L/∂x`` and the parameter gradients.

``d_name`` always means ∂L/∂name and has the shape of ``name``.
Backward never recomputes the forward. An optional ``out`` dict lets the
training loop write parameter gradients straight into preallocated buffers.

Reference: Goodfellow, Bengio & Courville, *Deep Learning* (2016), §6.5.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Array = np.ndarray
Params = dict[str, Array]


# --------------------------------------------------------------------- linear
_ONES: dict[int, Array] = {}


def _ones(n: int) -> Array:
    """A cached read-only vector of n ones."""
    if n not in _ONES:
        _ONES[n] = np.ones(n)
        _ONES[n].setflags(write=False)
    return _ONES[n]


def linear_forward(x: Array, p: Params) -> tuple[Array, tuple[Array, Array]]:
    r"""Affine map :math:`y = x W + b`.

    x: (batch, n_in), p["W"]: (n_in, n_out), p["b"]: (n_out,) -> y: (batch, n_out).
    """
    y = x @ p["W"]
    y += p["b"]
    return y, (x, p["W"])


def linear_backward(
    d_y: Array, cache: tuple[Array, Array], out: Params | None = None, need_d_x: bool = True
) -> tuple[Array | None, Params]:
    r"""Backward of :math:`y = xW + b`.

    .. math:: \partial L/\partial W = x^\top d_y,\quad \partial L/\partial b = \textstyle\sum_n d_y,
              \quad \partial L/\partial x = d_y W^\top

    d_y: (batch, n_out) -> d_x: (batch, n_in) (None when ``need_d_x`` is False).
    """
    x, W = cache
    if out is None:
        out = {"W": np.empty_like(W), "b": np.empty(W.shape[1])}
    np.matmul(x.T, d_y, out=out["W"])
    np.dot(_ones(len(d_y)), d_y, out=out["b"])  # the sum over the batch, as 1ᵀ d_y (BLAS is faster)
    d_x = d_y @ np.ascontiguousarray(W.T) if need_d_x else None  # BLAS: a copied Wᵀ beats a transposed view
    return d_x, out


# ---------------------------------------------------------------- activations
def tanh_forward(x: Array) -> tuple[Array, Array]:
    r""":math:`y = \tanh x`; cache y."""
    y = np.tanh(x)
    return y, y


def tanh_backward(d_y: Array, cache: Array) -> tuple[Array, Params]:
    r""":math:`\partial y/\partial x = 1 - y^2`."""
    y = cache
    d_x = y * y
    np.subtract(1.0, d_x, out=d_x)
    d_x *= d_y
    return d_x, {}


def relu_forward(x: Array) -> tuple[Array, Array]:
    r""":math:`y = \max(x, 0)`; cache the mask x > 0."""
    mask = x > 0
    return x * mask, mask


def relu_backward(d_y: Array, cache: Array) -> tuple[Array, Params]:
    r""":math:`\partial y/\partial x = [x > 0]`."""
    return d_y * cache, {}


LEAKY_SLOPE = 0.1  # slope of leaky ReLU for x < 0


def leaky_relu_forward(x: Array, slope: float = LEAKY_SLOPE) -> tuple[Array, Array]:
    r""":math:`y = x` for x > 0, else :math:`a x`; cache the local slope."""
    local_slope = np.where(x > 0, 1.0, slope)
    return x * local_slope, local_slope


def leaky_relu_backward(d_y: Array, cache: Array) -> tuple[Array, Params]:
    r""":math:`\partial y/\partial x = 1` for x > 0, else a."""
    return d_y * cache, {}


def sigmoid(x: Array) -> Array:
    r"""Numerically stable :math:`\sigma(x) = 1/(1 + e^{-x})` (no overflow for large |x|)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_forward(x: Array) -> tuple[Array, Array]:
    r""":math:`y = \sigma(x)`; cache y."""
    y = sigmoid(x)
    return y, y


def sigmoid_backward(d_y: Array, cache: Array) -> tuple[Array, Params]:
    r""":math:`\partial y/\partial x = y (1 - y)`."""
    y = cache
    return d_y * y * (1.0 - y), {}


def softplus(x: Array) -> Array:
    r"""Stable :math:`\log(1 + e^{x}) = \max(x, 0) + \log(1 + e^{-|x|})`."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def softplus_forward(x: Array) -> tuple[Array, Array]:
    r""":math:`y = \log(1 + e^x)`; cache x."""
    return softplus(x), x


def softplus_backward(d_y: Array, cache: Array) -> tuple[Array, Params]:
    r""":math:`\partial y/\partial x = \sigma(x)`."""
    return d_y * sigmoid(cache), {}


def linear_activation_forward(x: Array) -> tuple[Array, None]:
    r"""No activation, :math:`y = x`: a network of these is one linear map (a linear autoencoder is PCA). No cache:
    :func:`mlp_backward` passes the gradient straight through a layer whose activation cache is None."""
    return x, None


def linear_activation_backward(d_y: Array, cache: None) -> tuple[Array, Params]:
    r""":math:`\partial y/\partial x = I`."""
    return d_y, {}


Forward = Callable[[Array], tuple[Array, Any]]
Backward = Callable[[Array, Any], tuple[Array, Params]]

#: name -> (forward, backward); the models look activations up here.
ACTIVATIONS: dict[str, tuple[Forward, Backward]] = {
    "tanh": (tanh_forward, tanh_backward),
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "softplus": (softplus_forward, softplus_backward),
    "linear": (linear_activation_forward, linear_activation_backward),
}


# ------------------------------------------------------------------------ MLP
def mlp_forward(x: Array, layers: Sequence[Params], activation: str) -> tuple[Array, list]:
    r"""Multi-layer perceptron: linear -> activation, ..., linear (the last layer is linear).

    x: (batch, n_in), layers: list of {"W", "b"} -> y: (batch, n_out).
    The cache is a list of (linear_cache, activation_cache) per layer.
    """
    act_forward, _ = ACTIVATIONS[activation]
    caches = []
    h = x
    for i, p in enumerate(layers):
        h, lin_cache = linear_forward(h, p)
        act_cache = None
        if i < len(layers) - 1:
            h, act_cache = act_forward(h)
        caches.append((lin_cache, act_cache))
    return h, caches


def mlp_backward(
    d_y: Array,
    caches: list,
    activation: str,
    out: Sequence[Params] | None = None,
    need_d_x: bool = True,
) -> tuple[Array | None, list[Params]]:
    r"""Backward of :func:`mlp_forward`: walk the layers in reverse, chaining each backward.

    d_y: (batch, n_out) -> d_x: (batch, n_in), grads: list of {"W", "b"} in layer order.
    """
    _, act_backward = ACTIVATIONS[activation]
    grads: list[Params] = [{} for _ in caches]
    d_h = d_y
    for i in range(len(caches) - 1, -1, -1):
        lin_cache, act_cache = caches[i]
        if act_cache is not None:
            d_h, _ = act_backward(d_h, act_cache)
        need = need_d_x or i > 0
        d_h, grads[i] = linear_backward(d_h, lin_cache, None if out is None else out[i], need)
    return d_h, grads
