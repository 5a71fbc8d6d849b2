r"""Autoencoder, denoising autoencoder and β-VAE, with explicit backward passes.

Each model keeps its weights in one flat buffer (:class:`~vae_core.params.ParamStore`);
``model.params`` is a live, dict-like view of it. ``model.backward(x, noise)`` runs the
forward pass, the loss, and the backward pass by hand, layer by layer, and writes the
gradient into ``model.grads`` (a buffer of the same layout); ``loss_and_grads`` returns a copy.

References: Hinton & Salakhutdinov, *Science* (2006) (autoencoders); Vincent et al.,
ICML 2008 (denoising autoencoders); Kingma & Welling, ICLR 2014 (VAE);
Higgins et al., ICLR 2017 (β-VAE).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import evaluate
from .layers import ACTIVATIONS, mlp_backward, mlp_forward, sigmoid
from .losses import (
    bernoulli_nll,
    corruption,
    free_bits,
    gaussian_nll,
    kl_per_dimension,
    kl_standard_normal,
    reparameterize,
    reparameterize_backward,
    squared_error,
)
from .params import ParamStore

Array = np.ndarray
LIKELIHOODS = ("gaussian", "bernoulli")
LEARNED = "learned"  # decoder_std="learned": the Gaussian decoder's σₓ is a parameter, trained with the rest
NOISE_STREAM = 1  # a model draws its own noise (when the caller gives none) from default_rng(seed + 1)


def _mlp_layout(prefix: str, sizes: list[int]) -> list[tuple[str, tuple[int, ...]]]:
    """Parameter names and shapes of an MLP with the given layer sizes: W0, b0, W1, b1, ..."""
    layout: list[tuple[str, tuple[int, ...]]] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layout += [(f"{prefix}.W{i}", (n_in, n_out)), (f"{prefix}.b{i}", (n_out,))]
    return layout


def weights_about(input_dim: int, hidden: tuple[int, ...], latent_dim: int) -> int:
    """About how many weights an encoder and a decoder of these widths hold, before building one:
    2 × Σ of the products of consecutive widths (input → hidden … → latent; the VAE's encoder has twice the last)."""
    widths = [input_dim, *hidden, latent_dim]
    return 2 * sum(a * b for a, b in zip(widths, widths[1:]))


class Model:
    """What every model shares: a flat parameter buffer, a gradient buffer, encoder and decoder MLPs.

    ``encoder`` and ``decoder`` are lists of layers ``{"W", "b"}``, live views into ``params``
    (``encoder_grads`` and ``decoder_grads`` likewise into ``grads``).
    """

    kind = "model"

    def __init__(self, input_dim: int, latent_dim: int, hidden: tuple[int, ...], activation: str,
                 seed: int, encoder_out: int, extra: tuple[tuple[str, tuple[int, ...]], ...] = ()) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
        if input_dim < 1 or latent_dim < 1 or any(h < 1 for h in hidden):
            raise ValueError("input_dim, latent_dim and every hidden width must be at least 1")
        self.input_dim, self.latent_dim = int(input_dim), int(latent_dim)
        self.hidden, self.activation, self.seed = tuple(int(h) for h in hidden), activation, int(seed)
        enc_sizes = [self.input_dim, *self.hidden, encoder_out]
        dec_sizes = [self.latent_dim, *reversed(self.hidden), self.input_dim]
        layout = _mlp_layout("enc", enc_sizes) + _mlp_layout("dec", dec_sizes) + list(extra)  # extra: start at 0
        self.params = ParamStore(layout)
        self.grads = ParamStore(layout)  # preallocated: the training loop writes gradients here
        self.encoder = self._layer_views(self.params, "enc", len(enc_sizes) - 1)
        self.decoder = self._layer_views(self.params, "dec", len(dec_sizes) - 1)
        self.encoder_grads = self._layer_views(self.grads, "enc", len(enc_sizes) - 1)
        self.decoder_grads = self._layer_views(self.grads, "dec", len(dec_sizes) - 1)
        rng = np.random.default_rng(self.seed)
        gain = 2.0 if activation in ("relu", "leaky_relu") else 1.0  # He vs LeCun scaling
        for name, shape in self.params.layout:
            if len(shape) == 2:
                self.params[name] = rng.normal(0.0, np.sqrt(gain / shape[0]), size=shape)
        self._rng = np.random.default_rng(self.seed + NOISE_STREAM)  # noise when the caller gives none

    @staticmethod
    def _layer_views(store: ParamStore, prefix: str, n_layers: int) -> list[dict[str, Array]]:
        return [{"W": store[f"{prefix}.W{i}"], "b": store[f"{prefix}.b{i}"]} for i in range(n_layers)]

    # -- public API -------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """Everything needed to rebuild the model (not the weights)."""
        return {"kind": self.kind, "input_dim": self.input_dim, "latent_dim": self.latent_dim,
                "hidden": list(self.hidden), "activation": self.activation, "seed": self.seed}

    @property
    def n_params(self) -> int:
        return self.params.flat.size

    def loss_and_grads(self, x: Array, noise: Array | None = None,
                       rng: np.random.Generator | None = None) -> tuple[dict[str, float], dict[str, Array]]:
        """Mean loss over the batch and its exact gradient (a dict shaped like ``params``, a copy).

        ``noise`` makes the call deterministic; without it the noise is drawn from ``rng``
        (or the model's own generator).
        """
        x = np.asarray(x, dtype=np.float64)
        if noise is None:
            noise = self.draw_noise(len(x), rng if rng is not None else self._rng)
        with np.errstate(over="ignore", invalid="ignore"):  # extreme weights give inf, not warnings
            terms = self.backward(x, noise)
        return terms, {name: g.copy() for name, g in self.grads.items()}

    def decoder_output(self, z: Array) -> Array:
        """The decoder's last layer, before any output function: z (n, latent_dim) -> (n, input_dim)."""
        out, _ = mlp_forward(np.asarray(z, dtype=np.float64), self.decoder, self.activation)
        return out

    def decode(self, z: Array) -> Array:
        """z: (n, latent_dim) -> x_hat: (n, input_dim)."""
        return self.decoder_output(z)

    def reconstruct(self, x: Array) -> Array:
        """decode(encode(x)): (n, input_dim)."""
        return self.decode(self.encode(x))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config()})"

    # -- for subclasses ---------------------------------------------------------------------
    def begin_epoch(self, epoch: int | None) -> None:
        """``fit`` calls this before each epoch (from 1), and with None when the training ends: a schedule over
        the epochs (the VAE's KL warm-up) reads it here. Nothing for the autoencoders."""

    def draw_noise(self, n: int, rng: np.random.Generator) -> Array | None:
        """The noise one pass over n examples needs (DAE: the corruption; VAE: ε), or None."""
        return None

    def backward(self, x: Array, noise: Array | None) -> dict[str, float]:
        """Forward pass, loss and backward pass on the batch x (the noise given): writes the exact gradient
        of the mean loss into ``self.grads`` and returns the mean loss terms. The training loop calls this."""
        raise NotImplementedError

    def encode(self, x: Array) -> Any:
        raise NotImplementedError


class Autoencoder(Model):
    r"""Deterministic autoencoder :math:`\hat x = g_\theta(f_\phi(x))`.

    Loss per example: :math:`\tfrac12 \lVert x - \hat x \rVert^2`, averaged over the batch.
    """

    kind = "autoencoder"

    def __init__(self, input_dim: int = 2, latent_dim: int = 1, hidden: tuple[int, ...] = (64, 64),
                 activation: str = "tanh", seed: int = 0) -> None:
        super().__init__(input_dim, latent_dim, hidden, activation, seed, encoder_out=latent_dim)

    def encode(self, x: Array) -> Array:
        """x: (n, input_dim) -> z: (n, latent_dim)."""
        z, _ = mlp_forward(np.asarray(x, dtype=np.float64), self.encoder, self.activation)
        return z

    def backward(self, x: Array, noise: Array | None) -> dict[str, float]:
        x_in = x if noise is None else x + noise  # (batch, D), corrupted input for the DAE
        z, enc_caches = mlp_forward(x_in, self.encoder, self.activation)  # (batch, d)
        x_hat, dec_caches = mlp_forward(z, self.decoder, self.activation)  # (batch, D)
        per_example, d_x_hat = squared_error(x, x_hat)  # target is the clean x
        d_x_hat /= len(x)
        d_z, _ = mlp_backward(d_x_hat, dec_caches, self.activation, out=self.decoder_grads)
        mlp_backward(d_z, enc_caches, self.activation, out=self.encoder_grads, need_d_x=False)
        loss = float(np.add.reduce(per_example)) / len(x)
        return {"loss": loss, "recon": loss}


class DenoisingAutoencoder(Autoencoder):
    r"""Denoising autoencoder: train on :math:`\tilde x = x + \varepsilon`, :math:`\varepsilon\sim\mathcal N(0,\sigma^2 I)`.

    Loss per example: :math:`\tfrac12 \lVert x - g_\theta(f_\phi(\tilde x)) \rVert^2` (the *clean* x).
    ``noise`` in ``loss_and_grads`` is the corruption ε itself (shape of x, already scaled by σ).
    """

    kind = "denoising_autoencoder"

    def __init__(self, input_dim: int = 2, latent_dim: int = 1, hidden: tuple[int, ...] = (64, 64),
                 activation: str = "tanh", noise_sigma: float = 0.3, seed: int = 0) -> None:
        if not noise_sigma >= 0:
            raise ValueError(f"noise_sigma must be >= 0, got {noise_sigma}")
        self.noise_sigma = float(noise_sigma)
        super().__init__(input_dim, latent_dim, hidden, activation, seed)

    def config(self) -> dict[str, Any]:
        return {**super().config(), "noise_sigma": self.noise_sigma}

    def draw_noise(self, n: int, rng: np.random.Generator) -> Array:
        return corruption((n, self.input_dim), self.noise_sigma, rng)


class VAE(Model):
    r"""β-VAE with a Gaussian encoder :math:`q_\phi(z|x) = \mathcal N(\mu, \operatorname{diag}\sigma^2)`.

    ::

        x (n, D) ── encoder MLP ──┬── μ (n, d) ───────┐
                                  └── log σ² (n, d) ──┼── z = μ + exp(½ log σ²) ⊙ ε ── decoder MLP ── x̂ (n, D)
                                      ε ~ N(0, I) ────┘   (n, d)                                   mean or probabilities

    Loss per example (nats): :math:`-\log p_\theta(x|z) + \beta\, \mathrm{KL}(q_\phi(z|x)\,\|\,\mathcal N(0, I))`
    with one reparameterised sample :math:`z = \mu + \sigma\odot\varepsilon`. The likelihood is
    ``"gaussian"`` (:math:`\mathcal N(\hat x, \sigma_x^2 I)`, all constants) or ``"bernoulli"`` (data in [0, 1]).
    At β = 1, −loss is a lower bound on log p(x).

    The Gaussian decoder's standard deviation ``decoder_std`` is a fixed σₓ > 0 (1 by default) or ``"learned"``:
    then one scalar :math:`\log\sigma_x^2` (parameter ``dec.log_var``, starting at 0, σₓ = 1) is trained with the
    weights. A σₓ fixed at 1 on data of spread 0.35 makes the decoder explain the data as noise of spread 1: the
    reconstructions crowd to the clusters' centres and the prior's samples spread out (a mis-specified likelihood,
    not a flaw of VAEs). ``vae.decoder_std`` is the value in use.

    Two guards against posterior collapse change the training objective only (the ELBO is unchanged):
    **KL warm-up** (Bowman et al. 2016; Sønderby et al. 2016) weights the KL by :math:`\beta_t = \beta\min(1, t/W)`
    in epoch t of ``warmup_epochs`` = W (``fit`` tells the model the epoch through :meth:`begin_epoch`);
    **free bits** (Kingma et al. 2016) replace the KL by :math:`\sum_j \max(\lambda, \overline{\mathrm{KL}}_j)`, the
    batch's mean KL of each latent dimension j floored at λ = ``free_bits`` nats (:func:`~vae_core.losses.free_bits`).
    """

    kind = "vae"

    def __init__(self, input_dim: int = 2, latent_dim: int = 2, hidden: tuple[int, ...] = (64, 64),
                 activation: str = "tanh", beta: float = 1.0, likelihood: str = "gaussian",
                 decoder_std: float | str = 1.0, free_bits: float = 0.0, warmup_epochs: int = 0,
                 seed: int = 0) -> None:
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}")
        if not beta >= 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        learned = decoder_std == LEARNED
        if not learned and not (isinstance(decoder_std, (int, float)) and 0 < decoder_std < float("inf")):
            raise ValueError(f"decoder_std must be a number > 0 or {LEARNED!r}, got {decoder_std!r}")
        if learned and likelihood != "gaussian":
            raise ValueError("a learned decoder_std needs the Gaussian likelihood (a Bernoulli decoder has no σₓ)")
        if not 0 <= free_bits < float("inf"):
            raise ValueError(f"free_bits must be a number of nats >= 0, got {free_bits}")
        if int(warmup_epochs) != warmup_epochs or warmup_epochs < 0:
            raise ValueError(f"warmup_epochs must be a whole number >= 0, got {warmup_epochs}")
        self.beta, self.likelihood = float(beta), likelihood
        self.free_bits, self.warmup_epochs = float(free_bits), int(warmup_epochs)
        self.kl_weight = self.beta  # the β the loss uses now: β_t during a warm-up (begin_epoch), else β
        self.learns_std = learned
        self._fixed_log_var = 0.0 if learned else float(2.0 * np.log(decoder_std))
        extra = (("dec.log_var", (1,)),) if learned else ()
        super().__init__(input_dim, latent_dim, hidden, activation, seed, encoder_out=2 * latent_dim, extra=extra)

    def config(self) -> dict[str, Any]:
        std = LEARNED if self.learns_std else float(np.exp(0.5 * self._fixed_log_var))
        return {**super().config(), "beta": self.beta, "likelihood": self.likelihood, "decoder_std": std,
                "free_bits": self.free_bits, "warmup_epochs": self.warmup_epochs}

    def warmup_beta(self, epoch: int) -> float:
        r"""The KL's weight in epoch ``epoch`` (from 1) of a training: :math:`\beta_t = \beta\min(1, t/W)`, W the
        warm-up's epochs (β itself without a warm-up)."""
        if self.warmup_epochs == 0:
            return self.beta
        return self.beta * min(1.0, epoch / self.warmup_epochs)

    def begin_epoch(self, epoch: int | None) -> None:
        self.kl_weight = self.beta if epoch is None else self.warmup_beta(epoch)

    @property
    def decoder_log_var(self) -> float:
        r""":math:`\log\sigma_x^2` of the Gaussian decoder, learned or fixed."""
        return float(self.params["dec.log_var"][0]) if self.learns_std else self._fixed_log_var

    @property
    def decoder_std(self) -> float:
        """σₓ of the Gaussian decoder in use (the learned value, or the fixed one)."""
        return float(np.exp(0.5 * self.decoder_log_var))

    def draw_noise(self, n: int, rng: np.random.Generator) -> Array:
        return rng.standard_normal((n, self.latent_dim))  # eps ~ N(0, I)

    def encode(self, x: Array) -> tuple[Array, Array]:
        """x: (n, input_dim) -> (mu, log_var), each (n, latent_dim)."""
        h, _ = mlp_forward(np.asarray(x, dtype=np.float64), self.encoder, self.activation)
        d = self.latent_dim
        return h[:, :d], h[:, d:]

    def decode(self, z: Array) -> Array:
        """z: (n, d) -> the Gaussian mean, or the Bernoulli probabilities: (n, input_dim)."""
        out = self.decoder_output(z)  # the mean, or the logits
        return sigmoid(out) if self.likelihood == "bernoulli" else out

    def reconstruct(self, x: Array) -> Array:
        """decode(mu(x)): the decoder at the posterior mean."""
        return self.decode(self.encode(x)[0])

    def sample(self, n: int, rng: np.random.Generator | None = None, noise: bool = False) -> Array:
        """n new points from z ~ N(0, I): the decoder means g(z), or with ``noise`` full samples x ~ p(x|z)
        (Gaussian: g(z) + σₓ·ε; Bernoulli: each pixel 0 or 1 with its probability): (n, input_dim)."""
        rng = rng if rng is not None else self._rng
        mean = self.decode(rng.standard_normal((n, self.latent_dim)))
        if not noise:
            return mean
        if self.likelihood == "bernoulli":
            return (rng.uniform(size=mean.shape) < mean).astype(np.float64)
        return mean + self.decoder_std * rng.standard_normal(mean.shape)

    def _nll(self, x: Array, out: Array) -> tuple[Array, Array, Array | None]:
        """-log p(x|z) per row and its gradients, from the decoder output (mean or logits): in the output, and
        (Gaussian) in log σₓ² per row; None for the Bernoulli decoder, which has no σₓ."""
        if self.likelihood == "bernoulli":
            return (*bernoulli_nll(x, out), None)
        return gaussian_nll(x, out, self.decoder_log_var)

    def neg_log_likelihood(self, x: Array, z: Array) -> Array:
        """-log p(x|z) per row, nats: x (n, D), z (n, d) -> (n,)."""
        return self._nll(x, self.decoder_output(z))[0]

    def backward(self, x: Array, eps: Array | None) -> dict[str, float]:
        # callers silence overflow warnings: a diverging run is reported by fit, not by NumPy
        n, d, beta = len(x), self.latent_dim, self.kl_weight
        h, enc_caches = mlp_forward(x, self.encoder, self.activation)  # (n, 2d)
        mu, log_var = h[:, :d].copy(), h[:, d:].copy()  # (n, d) each; contiguous copies are faster below
        z, std = reparameterize(mu, log_var, eps)  # (n, d)
        out, dec_caches = mlp_forward(z, self.decoder, self.activation)  # (n, D)
        recon, d_out, d_log_var_x = self._nll(x, out)  # (n,), (n, D), (n,) or None
        if self.learns_std:  # the learned log σₓ² is shared by every example: its gradient is the batch mean
            self.grads["dec.log_var"][0] = float(np.add.reduce(d_log_var_x)) / n
        kl, d_mu_kl, d_log_var_kl = kl_standard_normal(mu, log_var)  # (n,), (n, d), (n, d)
        kl_term = float(np.add.reduce(kl)) / n  # the KL the loss uses: the batch mean, or with free bits
        if self.free_bits > 0:
            kl_term, carries = free_bits(kl_per_dimension(mu, log_var), self.free_bits)  # carries: (d,) of 0 or 1
            d_mu_kl, d_log_var_kl = d_mu_kl * carries, d_log_var_kl * carries  # copies: d_mu_kl is mu itself
        d_out /= n  # the loss is a mean over the batch
        d_z, _ = mlp_backward(d_out, dec_caches, self.activation, out=self.decoder_grads)  # (n, d)
        d_mu, d_log_var = reparameterize_backward(d_z, eps, std)  # through z = mu + std * eps
        d_mu += (beta / n) * d_mu_kl  # add the KL's gradient, weighted by β / n (d_mu is d_z: no longer needed)
        d_log_var += (beta / n) * d_log_var_kl
        d_h = np.concatenate([d_mu, d_log_var], axis=1)  # (n, 2d): ∂L/∂[mu | log_var]
        mlp_backward(d_h, enc_caches, self.activation, out=self.encoder_grads, need_d_x=False)
        recon_mean, kl_mean = float(np.add.reduce(recon)) / n, float(np.add.reduce(kl)) / n
        return {"loss": recon_mean + beta * kl_term, "recon": recon_mean, "kl": kl_mean}

    # -- evaluation (see vae_core.evaluate) ------------------------------------------------------
    def elbo(self, x: Array, n_samples: int = 1, rng: np.random.Generator | None = None) -> Array:
        """Per-example ELBO in nats (β = 1, whatever the training β): (n,)."""
        return evaluate.elbo(self, x, n_samples, rng if rng is not None else self._rng)

    def log_likelihood_iwae(self, x: Array, k: int = 100, rng: np.random.Generator | None = None) -> Array:
        """Per-example importance-weighted bound on log p(x) with k samples: (n,)."""
        return evaluate.iwae_bound(self, x, k, rng if rng is not None else self._rng)

    def log_likelihood_exact(self, x: Array) -> Array:
        """Per-example log p(x) by quadrature over z (latent_dim <= 2): (n,)."""
        return evaluate.log_likelihood_quadrature(self, x)


#: kind -> class, for rebuilding a model from its config (vae_core.io.load_model).
KINDS: dict[str, type[Model]] = {cls.kind: cls for cls in (Autoencoder, DenoisingAutoencoder, VAE)}
