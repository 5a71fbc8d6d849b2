r"""Optimisers on a flat parameter buffer: Adam and plain SGD, each one fused update per step.

Reference: Kingma & Ba, *Adam: A Method for Stochastic Optimization* (ICLR 2015), Algorithm 1.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


class Adam:
    r"""Adam (Kingma & Ba, Algorithm 1) on a flat buffer:

    .. math:: m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
              \theta \leftarrow \theta - \alpha\, \hat m / (\sqrt{\hat v} + \epsilon)

    with :math:`\hat m = m/(1-\beta_1^t)` and :math:`\hat v = v/(1-\beta_2^t)`.

    To save two passes over the buffer per step, it stores :math:`m/(1-\beta_1)` and
    :math:`v/(1-\beta_2)` (then each moving average is two in-place operations,
    ``m *= β1; m += g``) and folds all the constants into one step size and one ε;
    the update is the same number (tests check it against Algorithm 1 as written).
    """

    def __init__(self, size: int, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = np.zeros(size), np.zeros(size), 0  # m/(1-β1), v/(1-β2)
        self._tmp = np.empty(size)  # preallocated scratch: no allocation per step

    def step(self, theta: Array, g: Array) -> None:
        self.t += 1
        b1, b2, m, v, tmp = self.beta1, self.beta2, self.m, self.v, self._tmp
        m *= b1
        m += g
        np.multiply(g, g, out=tmp)
        v *= b2
        v += tmp
        # m_hat = (1-b1)/(1-b1^t) m  and  sqrt(v_hat) = scale * sqrt(v), scale = sqrt((1-b2)/(1-b2^t))
        scale = np.sqrt((1.0 - b2) / (1.0 - b2**self.t))
        step_size = self.lr * (1.0 - b1) / (1.0 - b1**self.t) / scale
        np.sqrt(v, out=tmp)
        tmp += self.eps / scale
        np.divide(m, tmp, out=tmp)
        tmp *= step_size
        theta -= tmp


class SGD:
    r"""Plain stochastic gradient descent :math:`\theta \leftarrow \theta - \alpha g`."""

    def __init__(self, size: int, lr: float) -> None:
        self.lr = lr

    def step(self, theta: Array, g: Array) -> None:
        theta -= self.lr * g


OPTIMIZERS = {"adam": Adam, "sgd": SGD}
