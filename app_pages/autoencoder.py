"""Autoencoder — encoder f, bottleneck d ≪ D, decoder g, reconstruction loss."""

from dataclasses import dataclass

import numpy as np
import streamlit as st

import vae_core as vc
from app_pages import ae_generation
from vae_ui import configs, deck, settings
from vae_ui.charts import curves, images, spaces
from vae_ui.lecture import present
from vae_ui.page import figures, focus_area, shell, training
from vae_ui.page.data import page_data
from vae_ui.page.text import formula, source
from vae_ui.service import runs
from vae_ui.service.datasets import Data
from vae_ui.session import controls, stage

N_COMPARE = 4  # images per row in each column of the side-by-side comparison
N_PAIRS = 150  # test points joined to their reconstructions in the side-by-side comparison
COMPARE_SPARE = 110  # px of the comparison on a slide besides its charts: its numbers and look-for


@dataclass(frozen=True)
class View:
    """What the page shows of one trained autoencoder."""

    z: np.ndarray  # (n, d) codes of the training points
    recon: np.ndarray  # (n, D) their reconstructions
    test_error: float  # mean ½‖x − g(f(x))‖² over the test points
    test_recon: np.ndarray  # reconstructions of the first test points shown side by side
    curve: np.ndarray | None  # d = 1 on 2-D data: the decoder's curve g(z) over the codes' range
    pca_angle: float | None  # a linear AE with d < D: the angle (degrees) between its decoder's subspace and PCA's
    pca_line: np.ndarray | None  # ... on 2-D data with d = 1: PCA's first axis through the mean, (2, 2)
    pca_eigen: tuple[float, float] | None  # the covariance's eigenvalues λ_d and λ_(d+1): the gap that defines PCA's d


def view_of(run: runs.Run, data: Data) -> View:
    ae = run.model()
    z = ae.encode(data.X)
    curve = None
    if data.is_2d and z.shape[1] == 1:
        lo, hi = z.min(), z.max()
        curve = ae.decode(np.linspace(lo - 0.25 * (hi - lo), hi + 0.25 * (hi - lo), 300)[:, None])
    shown = data.X_test[: images.ROW if data.image_shape else N_PAIRS]
    angle = line = eigen = None
    if run.config.activation == "linear" and z.shape[1] < data.X.shape[1]:
        pca = vc.evaluate.principal_subspace(data.X, z.shape[1])
        lam = np.linalg.eigvalsh(np.cov(data.X.T))[::-1]
        eigen = (float(lam[z.shape[1] - 1]), float(lam[z.shape[1]]))
        angle = vc.evaluate.subspace_angle(vc.evaluate.decoder_subspace(ae, np.median(z, axis=0)), pca)
        if curve is not None:
            mean, spread = data.X.mean(axis=0), 3 * data.X.std(axis=0).max()
            line = np.stack([mean - spread * pca[:, 0], mean + spread * pca[:, 0]])
    return View(z, ae.reconstruct(data.X), float(vc.evaluate.reconstruction_error(ae, data.X_test).mean()),
                ae.reconstruct(shown), curve, angle, line, eigen)


shell.title("The autoencoder",
            "An encoder f squeezes x through a bottleneck of d numbers, a decoder g rebuilds it; training minimises "
            "the reconstruction error. With d smaller than the data's dimension D, the autoencoder must find the few "
            "directions that matter.")
data = page_data()

# -- controls -> config -> run ---------------------------------------------------------------------
latent, *_ = shell.control_row(["ae_latent"], ["ae_width", "ae_activation", "ae_epochs", "ae_lr"])
present.focus()


def config(d: int) -> runs.RunConfig:
    return configs.autoencoder(controls.values(), data.spec, d)


run = training.train(config(latent), data.X, f"the autoencoder (d = {latent})",
                     together=[config(d) for d in controls.values()["ae_compare"]])  # one budget for the set-up
if run is None:
    st.stop()
# the bottlenecks two steps either side, trained in the background: a sweep of d finds them ready
runs.prefetch([config(d) for d in settings.neighbours("ae_latent", latent)], data.X)
view = runs.view(view_of, run, data)
z, recon = view.z, view.recon


def latent_chart():
    if latent == 1:
        return spaces.selectable(spaces.latent_strip(z[:, 0], data.y, "Latent codes z = f(x): click one", data.label_name),
                                 size=spaces.TICK)
    return spaces.selectable(spaces.points(z[:, :2], data.y, "Latent codes (dims 1, 2): click one", x="z1", y="z2",
                                           label_title=data.label_name))


# -- figures -----------------------------------------------------------------------------------------
picked = figures.picked("ae_latent", len(z))  # a code clicked in the latent chart below: decoded and marked
tall = shell.height(360, 470)
if data.image_shape:
    left, right = shell.columns([1, 2], [1, 1.9])
else:
    left, middle, right = shell.columns([1, 1.3, 1.3], [1, 1.35, 1.35])
with left:
    shell.metric(st, "Test reconstruction error", f"{view.test_error:.4f}", help="Mean of ½‖x − g(f(x))‖² over the test points.")
    shell.metric(st, "Bottleneck", f"d = {latent} of D = {data.X.shape[1]}")
    shell.metric(st, "Training time", f"{run.seconds:.2f} s")
    if view.pca_angle is not None:
        shell.metric(st, "Angle to PCA's subspace", f"{view.pca_angle:.2f}°",
                     help=f"The largest principal angle between the span of the linear decoder (its Jacobian) and the "
                          f"data's top {latent} principal directions: 0° when the autoencoder found PCA's subspace.")
        high, low = view.pca_eigen
        if high < 1.2 * low:
            st.caption(f"PCA's subspace is barely defined here: the covariance's eigenvalues λ{latent} = {high:.2f} and "
                       f"λ{latent + 1} = {low:.2f} are nearly equal, so almost any {latent}-D subspace keeps as much "
                       "variance, and the angle means little. Try two moons or the digits.")
    formula(r"\hat x = g_\theta\big(f_\phi(x)\big),\qquad \mathcal L = \tfrac12\,\lVert x - \hat x\rVert^2")
if data.image_shape:
    with right:
        st.subheader("Test images (top) and their reconstructions")
        if shell.shown("ae_reconstruction"):
            row = images.ROW
            st.image(images.image_rows([data.X_test[:row], view.test_recon[:row]], data.image_shape), output_format="PNG")
        shell.look_for("with a small d only the digit's rough shape survives; raise d and the strokes come back.")
else:
    with middle:
        figures.show(lambda: spaces.reconstruction_pairs(data.X, recon, data.y, "Data → reconstruction (hollow)"),
                     "ae_reconstruction", run.config, height=tall)
        held = stage.kept_back("ae_reconstruction")  # (the question asks where they land)
        shell.look_for("each point's line to its reconstruction"
                       + (": where do they land?" if held else ": with d = 1 every point is moved onto one curve."))
    with right:
        if view.curve is not None:
            title = ("The learned line g(z)" if view.pca_line is not None else "The learned manifold: the curve g(z)")
            figures.show(lambda: spaces.curve_over_data(data.X, data.y, view.curve, title,
                                                        None if picked is None else recon[picked:picked + 1],
                                                        view.pca_line),
                         "ae_manifold", (run.config, picked), height=tall)
            if view.pca_line is not None:
                shell.look_for("a linear autoencoder can only draw a straight line (black), and it draws PCA's first "
                               f"axis (orange, dashed): {view.pca_angle:.2f}° apart.")
            else:
                shell.look_for("the curve g(z) threads through the clusters: all that a 1-number code can say.")
        else:
            st.subheader("No bottleneck left")
            st.markdown("With d ≥ 2 on 2-D data the bottleneck is no bottleneck: g(f(x)) can copy x. "
                        "Set d = 1 to see the learned manifold as a curve.")

cols = shell.columns(2)
with cols[0]:
    figures.show(latent_chart, "ae_latent", run.config, select=True, height=shell.height(300, 380))
    if picked is not None:
        i = picked
        st.success(f"Point {i}: z = {np.array2string(z[i], precision=3)} decodes to "
                   f"x̂ = {np.array2string(recon[i][:6], precision=3)}{' …' if recon.shape[1] > 6 else ''} "
                   f"(x = {np.array2string(data.X[i][:6], precision=3)})", icon=":material/ads_click:")
with cols[1]:
    figures.show(lambda: curves.loss_curves({"reconstruction ½‖x − x̂‖²": run.recon}, "Training loss", log_y=True),
                 "ae_loss", run.config, height=shell.height(300, 380))
    figures.model_download(run, f"autoencoder_d{latent}")
if view.curve is not None:
    source(vc.Autoencoder.decode)

# -- side by side: several bottlenecks on the same points ------------------------------------------
on_slide = deck.covers(stage.shows(), "ae_compare")
if on_slide:  # (a slide shows the comparison, its choice of d is set by the scene and stays here, below)
    compare = sorted(controls.widget("ae_compare"))
with focus_area.part("ae_compare"):
    if not on_slide:
        st.header("Side by side: how big must the bottleneck be?")
        compare = sorted(controls.widget("ae_compare"))
    cols = st.columns(len(compare))
    side_height = focus_area.fit(shell.height(min(460, max(260, 1000 // len(compare))),
                                         min(520, max(300, 1200 // len(compare)))), spare=COMPARE_SPARE)
    for col, d in zip(cols, compare):
        with col:
            r = training.train(config(d), data.X, f"d = {d}")
            if r is None:
                continue
            v = runs.view(view_of, r, data)
            shown = data.X_test[:len(v.test_recon)]
            if data.image_shape:
                if shell.shown(f"ae_compare_d{d}", 120):
                    st.image(images.image_rows([shown[:N_COMPARE], v.test_recon[:N_COMPARE]], data.image_shape),
                             output_format="PNG")
            else:
                figures.show(lambda: spaces.reconstruction_pairs(shown, v.test_recon, data.y_test[:len(shown)],
                                                                 f"d = {d}"),
                             f"ae_compare_d{d}", r.config, height=side_height)
            shell.metric(st, f"Test error, d = {d}", f"{v.test_error:.4f}")
    shell.look_for("the error falls as d grows, until d reaches the data's own dimension and there is nothing left to "
                   "squeeze.")
source(vc.Autoencoder.backward, vc.layers.linear_backward)

# -- generating: an autoencoder against a VAE ----------------------------------------------------------
ae_generation.section(data)
source(vc.generate.fitted_gaussian, vc.generate.interpolate)
