"""Autoencoder — encoder f, bottleneck d ≪ D, decoder g, reconstruction loss."""

from dataclasses import dataclass

import numpy as np
import streamlit as st

import vae_core as vc
from vae_ui import charts, controls, figures, runs, settings, shell, training
from vae_ui.data import Data, page_data
from vae_ui.text import formula, source

N_IMAGES = 12  # images shown per row
N_PAIRS = 150  # test points joined to their reconstructions in the side-by-side comparison


@dataclass(frozen=True)
class View:
    """What the page shows of one trained autoencoder."""

    z: np.ndarray  # (n, d) codes of the training points
    recon: np.ndarray  # (n, D) their reconstructions
    test_error: float  # mean ½‖x − g(f(x))‖² over the test points
    test_recon: np.ndarray  # reconstructions of the first test points shown side by side
    curve: np.ndarray | None  # d = 1 on 2-D data: the decoder's curve g(z) over the codes' range


def view_of(run: runs.Run, data: Data) -> View:
    ae = run.model()
    z = ae.encode(data.X)
    curve = None
    if data.is_2d and z.shape[1] == 1:
        lo, hi = z.min(), z.max()
        curve = ae.decode(np.linspace(lo - 0.25 * (hi - lo), hi + 0.25 * (hi - lo), 300)[:, None])
    shown = data.X_test[: N_IMAGES if data.image_shape else N_PAIRS]
    return View(z, ae.reconstruct(data.X), float(vc.evaluate.reconstruction_error(ae, data.X_test).mean()),
                ae.reconstruct(shown), curve)


st.title("The autoencoder")
st.markdown("An encoder f squeezes x through a bottleneck of d numbers, a decoder g rebuilds it; "
            "training minimises the reconstruction error. With d smaller than the data's dimension D, "
            "the autoencoder must find the few directions that matter.")
data = page_data()
seed = int(controls.value("seed"))

# -- controls -> config -> run ---------------------------------------------------------------------
latent = controls.widget("ae_latent")
with shell.secondary():
    width, epochs, lr = controls.row("ae_width", "ae_epochs", "ae_lr")


def config(d: int) -> runs.RunConfig:
    return runs.RunConfig("autoencoder", data.spec, latent_dim=d, hidden=(width, width), epochs=epochs, lr=lr, seed=seed)


run = training.train(config(latent), data.X, f"the autoencoder (d = {latent})")
if run is None:
    st.stop()
# the bottlenecks two steps either side, trained in the background: a sweep of d finds them ready
runs.prefetch([config(d) for d in settings.neighbours("ae_latent", latent)], data.X)
view = runs.view(view_of, run, data)
z, recon = view.z, view.recon

# -- figures -----------------------------------------------------------------------------------------
m1, m2, m3 = st.columns(3)
m1.metric("Test reconstruction error", f"{view.test_error:.4f}", help="Mean of ½‖x − g(f(x))‖² over the test points.")
m2.metric("Bottleneck", f"d = {latent} of D = {data.X.shape[1]}")
m3.metric("Training time", f"{run.seconds:.2f} s")
formula(r"\hat x = g_\theta\big(f_\phi(x)\big),\qquad \mathcal L(\theta,\phi) = \tfrac12\,\lVert x - \hat x\rVert^2")

cols = shell.columns(2)
with cols[0]:
    if data.image_shape:
        st.subheader("Originals (top) and reconstructions")
        st.image(charts.image_rows([data.X_test[:N_IMAGES], view.test_recon], data.image_shape), output_format="PNG")
    else:
        figures.show(lambda: charts.reconstruction_pairs(data.X, recon, data.y, "Data → reconstruction (hollow)"),
                     "ae_reconstruction", run.config)
with cols[1]:
    def latent_chart():
        if latent == 1:
            return charts.selectable(charts.latent_strip(z[:, 0], data.y, "Latent codes z = f(x) — click one to decode it"),
                                     size=charts.TICK)
        return charts.selectable(charts.points(z[:, :2], data.y, "Latent codes (first two dims) — click one", x="z1", y="z2"))

    picked = figures.show(latent_chart, "ae_latent", run.config, select=True)

if picked is not None:
    i = picked
    st.success(f"Point {i}: z = {np.array2string(z[i], precision=3)} decodes to "
               f"x̂ = {np.array2string(recon[i][:6], precision=3)}{' …' if recon.shape[1] > 6 else ''} "
               f"(x = {np.array2string(data.X[i][:6], precision=3)})", icon=":material/ads_click:")

cols = shell.columns(2)
with cols[0]:
    if view.curve is not None:
        def manifold():
            chart = charts.curve_over_data(data.X, data.y, view.curve, "The learned manifold: the curve g(z)")
            return chart + charts.highlight(recon[picked:picked + 1]) if picked is not None else chart

        figures.show(manifold, "ae_manifold", (run.config, picked))
        source(vc.Autoencoder.decode)
    elif data.is_2d:
        st.caption("With d ≥ 2 on 2-D data the bottleneck is no bottleneck: g(f(x)) can copy x. "
                   "Set d = 1 to see the learned manifold as a curve.")
with cols[1]:
    figures.show(lambda: charts.loss_curves({"reconstruction ½‖x − x̂‖²": run.recon}, "Training loss", log_y=True),
                 "ae_loss", run.config)
    figures.model_download(run, f"autoencoder_d{latent}")

# -- side by side: several bottlenecks on the same points ------------------------------------------
st.header("Side by side: how big must the bottleneck be?")
compare = sorted(controls.widget("ae_compare"))
cols = st.columns(len(compare))
for col, d in zip(cols, compare):
    with col:
        r = training.train(config(d), data.X, f"d = {d}")
        if r is None:
            continue
        v = runs.view(view_of, r, data)
        shown = data.X_test[:len(v.test_recon)]
        if data.image_shape:
            st.image(charts.image_rows([shown, v.test_recon], data.image_shape, scale=3), output_format="PNG")
        else:
            figures.show(lambda: charts.reconstruction_pairs(shown, v.test_recon, data.y_test[:len(shown)], f"d = {d}"),
                         f"ae_compare_d{d}", r.config, height=260)
        st.metric(f"Test error, d = {d}", f"{v.test_error:.4f}")
source(vc.Autoencoder.backward, vc.layers.linear_backward)
