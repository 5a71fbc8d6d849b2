"""Denoising autoencoder — train on x̃ = x + ε, ε ~ N(0, σ²I), reconstruct the clean x."""

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

import vae_core as vc
from vae_ui import configs, settings
from vae_ui.charts import axes, curves, images, spaces
from vae_ui.lecture import present
from vae_ui.page import figures, shell, training
from vae_ui.page.data import page_data
from vae_ui.page.text import formula, source
from vae_ui.service import measures, model_views, runs
from vae_ui.service.model_views import DRAWS, FIELD_POINTS, TEST_SIGMAS, Denoised
from vae_ui.session import controls, stage

NEAR = 0.3  # an arrow end this close to a data point lands "on the data"


@dataclass(frozen=True)
class Bayes:
    """The Bayes-optimal denoiser E[x | x̃] of the data's true distribution (:func:`vae_core.data.bayes_denoiser`)."""

    curve: np.ndarray  # (len(TEST_SIGMAS),) its error on the test points as the test noise grows (the same draws)
    error: float  # its error on the noisy test inputs of the page's σ
    field: np.ndarray | None  # where it sends the field's grid points (σ the training noise)
    nearer: float  # share of its outputs nearer their own clean x than x̃ was


def verdict(dae: Denoised, latent: int, D: int) -> str:
    """What the DAE does to the noisy test inputs, in the numbers: whether it beats returning x̃ itself."""
    better = dae.noisy_error < dae.nothing_error
    said = (f"the denoising AE's error {dae.noisy_error:.4f} is {'below' if better else 'above'} the "
            f"{dae.nothing_error:.4f} of returning the noisy input itself, and {dae.nearer:.0%} of its outputs lie "
            "nearer their own clean x than x̃ did")
    if not better:
        said += (f": it adds error instead of removing noise. With d = {latent} of D = {D} the bottleneck throws away "
                 "more of x than the noise did; raise d")
    return said + "."


def digits_verdict(dae: Denoised, latent: int) -> str:
    """The same for images, with the share that keep their digit (their nearest training image's label)."""
    kept, noisy_kept = dae.kept
    said = (f"compare the rows: error {dae.noisy_error:.3f} against {dae.nothing_error:.3f} for returning the noisy "
            f"image; read by its nearest training image, {kept:.0%} of the reconstructions show the clean image's digit, "
            f"{noisy_kept:.0%} of the noisy inputs do.")
    if kept < noisy_kept - 0.05:
        said += (f" The squared error falls, but with d = {latent} {1 - kept:.0%} of the reconstructions read as "
                 f"another digit ({1 - noisy_kept:.0%} of the noisy inputs do): the bottleneck smooths the noise away "
                 "and with it, often, the digit. Raise d.")
    return said


shell.title("The denoising autoencoder",
            "Corrupt every training input with Gaussian noise and ask for the **clean** input back. The network cannot "
            "copy its input any more: it must learn where the data lives and pull noisy points back towards it.")
data = page_data()

# -- controls -> config -> runs ----------------------------------------------------------------------
sigma, *_ = shell.control_row(["dae_sigma"], ["dae_latent", "dae_epochs"])
present.focus()

dae_config, ae_config = configs.denoising(controls.values(), data.spec)
dae_run = training.train(dae_config, data.X, f"the denoising AE (σ = {sigma:g})", together=[ae_config])
ae_run = training.train(ae_config, data.X, "the plain AE, for comparison")
if dae_run is None or ae_run is None:
    st.stop()
# the noise levels two steps either side, trained in the background: a sweep of σ finds them ready
runs.prefetch([replace(dae_config, noise_sigma=s) for s in settings.neighbours("dae_sigma", sigma)], data.X)
known = not data.spec.csv_digest and data.spec.name in vc.truth.DISTRIBUTIONS  # the data's true density
asked = [(model_views.denoised, dae_run, data, sigma), (model_views.denoised, ae_run, data, sigma)]
if known:  # the Bayes denoiser: by the plain AE's run, the same for every σ
    asked.append((measures.bayes, ae_run, data, sigma, tuple(map(float, TEST_SIGMAS)), DRAWS, FIELD_POINTS))
dae, ae, *found = runs.views_in_pool(*asked)  # made in the pool, side by side
bayes = Bayes(*found[0]) if known else None

# -- figures -----------------------------------------------------------------------------------------
latent, D = dae_config.latent_dim, data.X.shape[1]
if data.image_shape:
    cols = shell.columns([2, 1])
    with cols[0]:
        st.subheader("Clean (top), noisy, reconstructed")
        if shell.shown("dae_reconstructed"):
            row = images.ROW
            st.image(images.image_rows([data.X_test[:row], dae.noisy[:row], dae.cleaned[:row]], data.image_shape),
                     clamp=True, output_format="PNG")
        shell.look_for("the rows: clean, noisy, reconstructed." if stage.kept_back("numbers")
                       else digits_verdict(dae, latent))
    metrics_column = cols[1]
else:
    box = axes.domain(data.X_test, dae.noisy, dae.cleaned, pad=0.2)
    for col, X, title, name in zip(shell.columns(3), (data.X_test, dae.noisy, dae.cleaned),
                                   ("Clean x", f"Noisy x̃ = x + ε (σ = {sigma:g})", "Reconstructed g(f(x̃))"),
                                   ("clean", "noisy", "reconstructed")):
        with col:
            figures.show(lambda: spaces.points(X, data.y_test, title, box=box, beneath=None if name == "clean" else data.X_test),
                         f"dae_{name}", dae_run.config, height=shell.height(360, 440))
    shell.look_for("the noisy points (middle) spread off the clean data (grey, beneath)"
                   + ("." if stage.kept_back("numbers") else "; on the right, " + verdict(dae, latent, D)))
    metrics_column = None

left, middle, right = shell.columns([1.2, 1.2, 0.8])
with right if metrics_column is None else metrics_column:
    shell.metric(st, "Denoising AE error on noisy test inputs", f"{dae.noisy_error:.4f}",
                     help="Mean ½‖x − g(f(x + ε))‖², ε ~ N(0, σ²I).")
    shell.metric(st, "Returning x̃ itself (doing nothing)", f"{dae.nothing_error:.4f}",
                 help=f"Mean ½‖x − x̃‖² = ½‖ε‖² on the same inputs; in expectation D·σ²/2 = {D * sigma**2 / 2:.4f}. "
                      "A denoiser above it adds error.")
    shell.metric(st, "Plain AE error on the same inputs", f"{ae.noisy_error:.4f}",
                     delta=f"{ae.noisy_error - dae.noisy_error:+.4f} vs DAE", delta_color="off")
    if bayes is not None:
        shell.metric(st, "Bayes-optimal E[x | x̃]: the floor", f"{bayes.error:.4f}",
                     help="The error of the best possible denoiser, the mean of the clean x given x̃ under the "
                          "distribution the data was drawn from, on the same inputs. No denoiser beats it on average.")
        shell.metric(st, "The DAE's excess over the Bayes-optimal denoiser", f"{dae.noisy_error - bayes.error:.4f}",
                     help=f"DAE error − error of E[x | x̃] under the true distribution ({bayes.error:.4f}) on the same "
                          "inputs: what the DAE could still gain. No denoiser beats E[x | x̃] on average.")
    shell.metric(st, "Training noise σ", f"{sigma:g}")


def _share_near_data(ends: np.ndarray, X: np.ndarray) -> float:
    """The share of the field's arrow ends within NEAR of some data point."""
    nearest = np.sqrt(((ends[:, None, :] - X[None, :, :]) ** 2).sum(axis=2).min(axis=1))
    return float(np.mean(nearest <= NEAR))


with left:
    if dae.field is not None:
        optimal = bayes is not None and controls.widget("dae_bayes")
        grid, ends = dae.field
        title = (["Bayes-optimal field x̃ → E[x | x̃] (orange)", "over the DAE's x̃ → g(f(x̃)) (black)"] if optimal
                 else "Denoising field: x̃ → g(f(x̃))")
        figures.show(lambda: spaces.arrows(grid, ends, data.X, data.y, title, second=bayes.field if optimal else None),
                     "dae_field", (dae_run.config, optimal), height=shell.height(420, 460))
        near = _share_near_data(ends, data.X)
        if optimal:
            apart = float(np.mean(np.linalg.norm(bayes.field - ends, axis=1)))
            shell.look_for(f"the best any denoiser can do at this σ (orange): each grid point moves to the mean of the "
                           f"clean x that could have made it, E[x | x̃] = x̃ + σ²∇log p_σ(x̃): the score of the data "
                           f"blurred by the noise (Tweedie), not of the data itself. {_share_near_data(bayes.field, data.X):.0%} "
                           f"of its ends land within {NEAR} of a data point, {near:.0%} of the DAE's (black); the two "
                           f"ends lie {apart:.2f} apart on average.")
        elif latent < D:
            shell.look_for(f"each arrow starts at a grid point x̃ and ends at g(f(x̃)), on the decoder's learned "
                           f"{latent}-D manifold: {near:.0%} of the ends land within {NEAR} of a data point; the others "
                           "lie on the manifold where no data is (with d = 1, the curve's bridges between the data's parts).")
        else:
            shell.look_for(f"each arrow starts at a grid point x̃ and ends at g(f(x̃)); with d = {latent} ≥ D = {D} "
                           f"there is no bottleneck, only the noise to undo: {near:.0%} of the ends land within {NEAR} "
                           "of a data point.")
    else:
        st.caption("The denoising vector field is drawn for 2-D data.")
with middle:
    named = {"denoising AE": dae.curve, "plain AE": ae.curve} | ({"optimal E[x | x̃]": bayes.curve} if bayes else {})
    top = 1.15 * max(float(np.max(c)) for c in named.values())  # the do-nothing line, Dσ²/2, is cut here
    nothing = np.where(dae.nothing_curve <= top, dae.nothing_curve, np.nan)
    named["doing nothing: x̃"] = nothing
    curves_frame = pd.DataFrame({"test noise σ": np.tile(TEST_SIGMAS, len(named)), "error": np.concatenate(list(named.values())),
                                 "model": np.repeat(list(named), len(TEST_SIGMAS))}).dropna()
    figures.show(lambda: curves.lines(curves_frame, "test noise σ", "error", "model",
                                      ["Error on noisy test inputs", "½‖x − g(f(x̃))‖²"], x_title="σ of the test noise",
                                      order=list(named))
                 + curves.rule_at(sigma, f"training σ = {sigma:g}", "left" if sigma < 1.0 else "right", "σ of the test noise"),
                 "dae_vs_ae", dae_run.config, height=shell.height(420, 460))
    below = int(np.sum(dae.curve < dae.nothing_curve))
    shell.look_for(f"where a curve lies under the do-nothing line (D·σ²/2, cut at the top), that model removes noise: "
                   f"the denoising AE does at {below} of {len(TEST_SIGMAS)} test noise levels"
                   + ("; no curve can fall below the Bayes-optimal one, the floor set by the data itself." if bayes else "."))
SAMPLED = 300  # points made from noise by the score


def score_section() -> None:
    """From denoising to generating: annealed Langevin dynamics with the Bayes denoiser's arrows as the score."""
    st.subheader("From denoising to generating: follow the score")
    _, end, log_p, log_p_test = runs.view_in_pool(measures.made_by_score, ae_run, data, SAMPLED)  # every σ and d
    left, right = shell.columns([1.2, 1])
    with left:
        figures.show(lambda: spaces.points(end, None, ["Made from noise by the score alone", "(grey: the data)"],
                                           box=axes.domain(data.X, end, pad=0.3), beneath=data.X),
                     "score_samples", ae_run.config, height=shell.height(380, 440))
    with right:
        levels = vc.truth.LANGEVIN_SIGMAS
        st.markdown(f"The Bayes denoiser's arrow divided by σ² is the score ∇log p_σ. Start {SAMPLED} points as noise "
                    f"N(0, 3²I); at each σ from {levels[0]:g} down to {levels[-1]:g} take {vc.truth.LANGEVIN_STEPS} "
                    "small steps along the score plus fresh noise (annealed Langevin dynamics; Song & Ermon 2019). "
                    + ("Where do the points end?" if stage.kept_back("score_samples") else
                       "The points end on the data: a denoiser, trained at every noise level, is a generator. That is "
                       "the idea of diffusion models (Ho et al. 2020), whose network is a denoiser like this page's "
                       "DAE."))
        shell.metric(st, "Mean log p_data of the points made", f"{log_p:.2f} nats",
                     help=f"The test points themselves score {log_p_test:.2f}: points drawn as the data is score "
                          "about that, give or take the sampling error of a few hundred points.")
    formula(r"x \leftarrow x + \tfrac{\alpha_i}{2}\,\nabla\log p_{\sigma_i}(x) + \sqrt{\alpha_i}\,\varepsilon,"
            r"\qquad \nabla\log p_{\sigma}(\tilde x) = \frac{\mathbb E[x\mid\tilde x] - \tilde x}{\sigma^2}")


if bayes is not None:
    score_section()
formula(r"\tilde x = x + \varepsilon,\quad \varepsilon\sim\mathcal N(0,\sigma^2 I),\qquad"
        r"\mathcal L = \tfrac12\,\big\lVert x - g_\theta(f_\phi(\tilde x))\big\rVert^2")
if bayes is not None:
    formula(r"\mathbb E[x\mid\tilde x] - \tilde x = \sigma^2\,\nabla_{\tilde x}\log p_\sigma(\tilde x),\qquad"
            r"p_\sigma = p * \mathcal N(0, \sigma^2 I)",
            "Tweedie's formula: the best denoiser's arrow is σ² times the score of the data blurred by the noise "
            "(Vincent 2011); p_σ becomes p only as σ → 0 (Alain & Bengio 2014).")
figures.model_download(dae_run, f"denoising_ae_sigma{sigma:g}")
source(vc.DenoisingAutoencoder.draw_noise, vc.Autoencoder.backward, vc.evaluate.denoising_curve, vc.evaluate.DoNothing,
       vc.truth.annealed_langevin)
