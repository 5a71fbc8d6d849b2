"""What the pages show of a trained model, made in the training pool's workers (:func:`vae_ui.service.views.
view_in_pool`) rather than in the server's threads, so they import NumPy and the core only:

- :func:`generator`: the autoencoder page's last section, why a VAE can generate and an autoencoder cannot (its codes,
  the Gaussian its z are drawn from, samples, a decoded path, and how likely the samples are under the truth);
- :func:`denoised`: the denoising page's view of a (denoising) autoencoder on noisy test points;
- :func:`posterior`, :func:`holes` and :func:`surgery`: the β-VAE section's exact posterior of one test point, the
  prior's holes and the rate split into I(x; z) and KL(q(z) ‖ p(z)).

Each takes a :class:`~vae_ui.service.measures.Fitted` (a run's final model) and a
:class:`~vae_ui.service.measures.Rows` (the page's data). Each is a second or more of Monte Carlo or of density
evaluation when twenty students explore at once; in a worker it is ordered and budgeted like a training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import vae_core as vc
from vae_core import generate, theory
from vae_ui import settings
from vae_ui.service.measures import LARGE_D, Fitted, Rows, field_grid

N_SAMPLES = 300  # z drawn for each model's samples
STEPS = 9  # points of the interpolated path, ends included
MIXTURE = 10  # components of the mixture fitted to the autoencoder's codes, to compare with one Gaussian
CANDIDATES = 2000  # z drawn from the prior to count those in its holes
SURGERY_POINTS = 2000  # training rows the rate's split pools (its Monte Carlo costs their number squared)
WINDOW_MASS = 0.999  # the posterior picture's window holds at least this share of p(z|x)
TEST_SIGMAS = np.linspace(0.0, 1.5, 16)  # the denoising page's test noise levels of the error curve
FIELD_POINTS = 11  # grid points per axis of the denoising field
DRAWS = 5  # noise draws per test point and σ of the error curve
CURVE_POINTS_LARGE = 200  # test points of the curve on large images (MNIST: 80 passes over 1,000 would take 2 s)


@dataclass(frozen=True)
class Generator:
    """What the generation section shows of one model: its codes, the Gaussian its z are drawn from, samples, a
    decoded path."""

    codes: np.ndarray  # (n, 2): f(x) or μ(x) of the training points
    mean: np.ndarray  # (2,) and cov (2, 2): the Gaussian the samples' z come from
    cov: np.ndarray
    samples: np.ndarray  # (N_SAMPLES, D): g(z) for those z
    path: np.ndarray  # (STEPS, 2): z along the line between the two test points' codes
    decoded: np.ndarray  # (STEPS, D): g(z) along it
    log_p_data: float | None  # mean log p_data(g(z)) of the samples, nats (None: the data's density is not known)
    log_p_test: float | None  # ... and of the test points themselves: what samples as likely as the data score
    in_holes: float | None  # VAE: share of z from the prior in its holes (vc.evaluate.prior_holes)
    log_p_mixture: float | None  # autoencoder: mean log p_data of samples from a mixture fitted to its codes


def generator(run: Fitted, data: Rows, start: int, end: int) -> Generator:
    """One model (an autoencoder or a VAE, d = 2) as a generator: z from its prior (VAE) or from one Gaussian fitted
    to its codes (autoencoder), decoded; the path between test points ``start`` and ``end``."""
    model = run.model()
    is_vae = isinstance(model, vc.VAE)
    z = generate.codes(model, data.X)
    rng = settings.rng(run.seed, "generation")
    if is_vae:
        mean, cov = np.zeros(2), np.eye(2)
        drawn = rng.standard_normal((N_SAMPLES, 2))  # z ~ p(z) = N(0, I)
    else:
        mean, cov = z.mean(axis=0), np.cov(z, rowvar=False)
        drawn = generate.fitted_gaussian(z, N_SAMPLES, rng)  # z ~ N(mean, cov) fitted to the codes
    samples = model.decode(drawn)
    path, decoded = generate.interpolate(model, data.X_test[start], data.X_test[end], STEPS)
    in_holes = None
    if is_vae:
        found, _ = vc.evaluate.prior_holes(model, data.X, CANDIDATES, rng, candidates=CANDIDATES)
        in_holes = len(found) / CANDIDATES
    if data.name not in vc.truth.DISTRIBUTIONS:  # an upload, or the digits: no known density
        return Generator(z, mean, cov, samples, path, decoded, None, None, in_holes, None)
    log_p = [float(vc.data.log_density(data.name, x).mean()) for x in (samples, data.X_test)]
    mixture = None
    if not is_vae:
        mixed = model.decode(generate.fitted_mixture(z, MIXTURE, N_SAMPLES, rng))
        mixture = float(vc.data.log_density(data.name, mixed).mean())
    return Generator(z, mean, cov, samples, path, decoded, *log_p, in_holes, mixture)


def posterior(run: Fitted, data: Rows, point: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                             np.ndarray | None, float]:
    """The exact posterior of one test point on a grid over a window holding ≥ WINDOW_MASS of it; q's mean and σ,
    q's density on the grid (1-D), and the share of the posterior the window holds."""
    vae, x = run.model(), data.X_test[point]
    mu, log_var = vae.encode(x[None])
    std = np.exp(0.5 * log_var[0])
    lo, hi, held = vc.evaluate.posterior_window(vae, x, WINDOW_MASS)
    grid, density = vc.evaluate.posterior_on_grid(vae, x, lo, hi, m=61 if vae.latent_dim == 2 else 401)
    q = theory.normal_pdf(grid[:, 0], mu[0, 0], std[0]) if vae.latent_dim == 1 else None
    return grid, density, mu[0], std, q, held


def holes(run: Fitted, data: Rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The prior's holes with their decodings, and one sample of the aggregate posterior per training point."""
    vae = run.model()
    found, decoded = vc.evaluate.prior_holes(vae, data.X, 15, np.random.default_rng(run.seed))
    mu, log_var = vae.encode(data.X)
    z_agg, _ = vc.losses.reparameterize(mu, log_var, np.random.default_rng(run.seed).standard_normal(mu.shape))
    return found, decoded, z_agg


def surgery(run: Fitted, data: Rows) -> dict[str, float]:
    """The rate split into I(x; z) and KL(q(z) ‖ p(z)) over the training points (vc.evaluate.rate_split)."""
    rows = data.X[:SURGERY_POINTS]  # its Monte Carlo costs rows² (an upload of 20,000 rows: minutes)
    return vc.evaluate.rate_split(run.model(), rows, np.random.default_rng(run.seed)) | {"rows": len(rows)}


@dataclass(frozen=True)
class Denoised:
    """What the page shows of one trained (denoising) autoencoder, on test points corrupted with noise σ."""

    noisy: np.ndarray  # (n_test, D) x̃ = x + ε, ε ~ N(0, σ²I), seeded
    cleaned: np.ndarray  # g(f(x̃))
    noisy_error: float  # mean ½‖x − g(f(x̃))‖²
    curve: np.ndarray  # (len(TEST_SIGMAS),) that error as the test noise grows
    field: tuple[np.ndarray, np.ndarray] | None  # 2-D data: grid points and where g∘f sends them
    nothing_error: float  # mean ½‖x − x̃‖² = ½‖ε‖² on the same inputs: the do-nothing denoiser's (D·σ²/2 expected)
    nothing_curve: np.ndarray  # (len(TEST_SIGMAS),) its error as the test noise grows (the curve's draws)
    nearer: float  # share of outputs g(f(x̃)) nearer their own clean x than x̃ was
    kept: tuple[float, float] | None  # images: share of outputs, and of noisy inputs, whose nearest training image
    # shows the clean image's digit (a 1-nearest-neighbour reading)


def denoised(run: Fitted, data: Rows, sigma: float) -> Denoised:
    """``sigma`` is the test corruption's: the same for the denoising AE and the plain AE it is compared with."""
    model = run.model()
    noise = vc.losses.corruption(data.X_test.shape, sigma, settings.rng(run.seed, "test corruption"))
    noisy = data.X_test + noise
    cleaned = model.reconstruct(noisy)
    shown = data.X_test[:CURVE_POINTS_LARGE] if data.X.shape[1] > LARGE_D else data.X_test  # MNIST: fewer
    curve = vc.evaluate.denoising_curve(model, shown, TEST_SIGMAS, np.random.default_rng(run.seed), DRAWS)
    nothing = vc.evaluate.DoNothing()
    nothing_curve = vc.evaluate.denoising_curve(nothing, shown, TEST_SIGMAS, np.random.default_rng(run.seed), DRAWS)
    field = None
    if data.is_2d:
        grid = field_grid(data, FIELD_POINTS)
        field = (grid, model.reconstruct(grid))
    kept = None
    if data.image_shape:
        n = len(shown)
        truth_labels = data.y_test[:n]
        kept = tuple(float(np.mean(vc.evaluate.nearest_labels(data.X, data.y, P[:n]) == truth_labels))
                     for P in (cleaned, noisy))
    error, nothing_error = (float(vc.evaluate.reconstruction_error(m, data.X_test, noise).mean()) for m in (model, nothing))
    return Denoised(noisy, cleaned, error, curve, field, nothing_error, nothing_curve,
                    vc.evaluate.share_nearer(data.X_test, noisy, cleaned), kept)
