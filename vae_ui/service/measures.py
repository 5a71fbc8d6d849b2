"""The heavy views of a trained VAE: seconds of Monte Carlo or of fitting each, made in the training pool's workers
(:func:`vae_ui.service.views.view_soon`), so they import NumPy and the core only.

- :func:`ladder`: ELBO ≤ IWAE_k ≤ log p_model(x) on the held-out points, against the truth log p_data(x) where the
  data's density is known (Burda, Grosse & Salakhutdinov 2016).
- :func:`gap_split`: log p(x) − ELBO split into the approximation and the amortisation gap (Cremer, Li & Duvenaud
  2018).
- :func:`bayes`: the Bayes-optimal denoiser E[x | x̃] of the data's true distribution; :func:`made_by_score`: points
  made from noise by its score alone (annealed Langevin dynamics; Song & Ermon 2019).

Each takes a :class:`Fitted` (a run's final model, as bytes, and its seed) and a :class:`Rows` (the data's rows and
name): what a worker needs of a run and of a page's data, and no more (a run's snapshots stay here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import vae_core as vc
from vae_ui import settings

EVAL_POINTS = 100  # test points the ladder is measured on ...
LARGE_EVAL_POINTS = 20  # ... or on data of more than LARGE_D dimensions (MNIST: exact log p(x) costs 0.07 s a point)
LARGE_D = 64
REPEATS = 10  # independent repeats of each Monte Carlo estimate, for its standard error
AMORTISED_POINTS = 25  # test points whose own best q* is fitted (about 1 s for the worked example)
TRUTH = "log p_data(x): the truth"
DISTANCE = "KL(p_data ‖ p_model)"


@dataclass(frozen=True)
class Fitted:
    """A trained run as a worker gets it: its final model (``vae_core.model_to_bytes``) and its seed."""

    model_bytes: bytes
    seed: int

    @classmethod
    def of(cls, run: Any) -> Fitted:
        return cls(vc.model_to_bytes(run.model()), run.config.seed)

    def model(self) -> vc.Model:
        return vc.load_model(self.model_bytes)


@dataclass(frozen=True)
class Rows:
    """What a view made in a worker reads of a page's data (``vae_ui.service.datasets.Data``, which a worker does not
    import): its training and test rows with their labels, its images' shape, and its known density's name ("" for
    an upload)."""

    name: str
    X: np.ndarray  # (n_train, D)
    y: np.ndarray  # (n_train,)
    X_test: np.ndarray  # (n_test, D)
    y_test: np.ndarray  # (n_test,)
    image_shape: tuple[int, int] | None = None

    @classmethod
    def of(cls, data: Any) -> Rows | None:
        if data is None:
            return None
        name = data.spec.name if not data.spec.csv_digest else ""
        return cls(name, data.X, data.y, data.X_test, data.y_test, data.image_shape)

    @property
    def is_2d(self) -> bool:
        return self.X.shape[1] == 2


def eval_points(dim: int, available: int) -> int:
    """How many test points the bounds are measured on: EVAL_POINTS, fewer for large images (MNIST)."""
    return min(available, EVAL_POINTS if dim <= LARGE_D else LARGE_EVAL_POINTS)


def mean_and_2se(values: np.ndarray | list[float]) -> tuple[float, float]:
    """The mean of the values and two standard errors of it."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()), float(2 * values.std(ddof=1) / np.sqrt(len(values)))


def ladder(run: Fitted, data: Rows, k: int) -> dict[str, tuple[float, float]]:
    """Mean ELBO, IWAE_k and exact log p_model(x) over the evaluation points, and where the data's density is known
    the truth E log p_data(x) and the distance KL(p_data ‖ p_model), each (value, two standard errors).

    ELBO and IWAE_k are the mean of REPEATS independent repeats, each estimator with its own random stream; their
    ± is Monte Carlo error on these points. log p_model(x) is exact (quadrature, d ≤ 2), log p_data(x) exact (closed
    form or quadrature): their ± is how far another draw of test points would move the mean. With d > 2 there is
    no exact log p_model; the distance is then bounded above with IWAE_k (≤ log p_model in expectation)."""
    X_eval = data.X_test[:eval_points(data.X_test.shape[1], len(data.X_test))]
    vae = run.model()
    streams = np.random.SeedSequence([run.seed, k]).spawn(2 * REPEATS)
    elbo = [vae.elbo(X_eval, n_samples=50, rng=np.random.default_rng(s)).mean() for s in streams[:REPEATS]]
    iwae_runs = [vae.log_likelihood_iwae(X_eval, k=k, rng=np.random.default_rng(s)) for s in streams[REPEATS:]]
    out = {"ELBO": mean_and_2se(elbo), f"IWAE, k = {k}": mean_and_2se([r.mean() for r in iwae_runs])}
    model = None
    if vae.latent_dim <= 2:
        model = vae.log_likelihood_exact(X_eval)
        out["exact log p(x)"] = (float(model.mean()), 0.0)
    if data.name in vc.truth.DISTRIBUTIONS:
        truth = vc.data.log_density(data.name, X_eval)
        out[TRUTH] = mean_and_2se(truth)
        if model is not None:
            out[DISTANCE] = mean_and_2se(truth - model)
        else:
            out[DISTANCE + " ≤"] = mean_and_2se(truth - np.mean(iwae_runs, axis=0))
    return out


def gap_split(run: Fitted, data: Rows) -> dict[str, tuple[float, float]]:
    """The mean approximation and amortisation gaps over AMORTISED_POINTS test points, each ± two standard errors
    over the points (vae_core.amortisation.amortisation_split)."""
    split = vc.amortisation.amortisation_split(run.model(), data.X_test[:AMORTISED_POINTS],
                                               np.random.default_rng(run.seed), steps=300, samples=16)
    return {key: mean_and_2se(split[key]) for key in ("approximation", "amortisation")}


def bayes(run: Fitted, data: Rows, sigma: float, test_sigmas: tuple[float, ...], draws: int,
          field_points: int) -> tuple[np.ndarray, float, np.ndarray, float]:
    """The Bayes denoiser on the denoising page's noise (``run`` gives the seed): its error curve over
    ``test_sigmas`` (``draws`` noise draws each), its error at ``sigma``, where it sends a ``field_points``² grid over
    the training rows' box, and the share of its outputs nearer their clean x than x̃ was."""
    name, X_test = data.name, data.X_test
    noise = vc.losses.corruption(X_test.shape, sigma, settings.rng(run.seed, "test corruption"))
    base = vc.losses.corruption((draws, *X_test.shape), 1.0, np.random.default_rng(run.seed))  # denoising_curve's

    def error(noisy: np.ndarray, s: float) -> float:
        return float(vc.losses.squared_error(X_test, vc.data.bayes_denoiser(name, noisy, s))[0].mean())

    curve = np.array([np.mean([error(X_test + s * e, s) for e in base]) for s in test_sigmas])
    grid, noisy = field_grid(data, field_points), X_test + noise
    nearer = vc.evaluate.share_nearer(X_test, noisy, vc.data.bayes_denoiser(name, noisy, sigma))
    return curve, error(noisy, sigma), vc.data.bayes_denoiser(name, grid, sigma), nearer


def field_grid(data: Rows, points: int) -> np.ndarray:
    """(points², 2) a grid over the training rows' box, 0.3 wider on each side: where a denoising field's arrows
    start."""
    lo, hi = data.X.min(axis=0) - 0.3, data.X.max(axis=0) + 0.3
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], points), np.linspace(lo[1], hi[1], points))
    return np.stack([g1.ravel(), g2.ravel()], axis=1)


def made_by_score(run: Fitted, data: Rows, sampled: int) -> tuple[np.ndarray, np.ndarray, float, float]:
    """``sampled`` points made from noise with the data's blurred scores alone (vc.truth.sample_by_score): the start,
    the end, and the mean log p_data of the end and of the test points."""
    found = vc.truth.sample_by_score(data.name, sampled, settings.rng(run.seed, "generation"))
    return (found[0], found[-1], float(vc.data.log_density(data.name, found[-1]).mean()),
            float(vc.data.log_density(data.name, data.X_test).mean()))
