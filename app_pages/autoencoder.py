"""Autoencoder — encoder f, bottleneck d ≪ D, decoder g, reconstruction loss."""

import numpy as np
import streamlit as st

import vae_core as vc
from vae_ui import charts, controls, runs, shell

st.title("The autoencoder")
st.markdown("An encoder f squeezes x through a bottleneck of d numbers, a decoder g rebuilds it; "
            "training minimises the reconstruction error. With d smaller than the data's dimension D, "
            "the autoencoder must find the few directions that matter.")
data = shell.data()
seed = int(controls.value("seed"))

latent = controls.widget("ae_latent")
with shell.secondary():
    width, epochs, lr = controls.row("ae_width", "ae_epochs", "ae_lr")


def config(d: int) -> runs.RunConfig:
    return runs.RunConfig("autoencoder", data.spec, latent_dim=d, hidden=(width, width), epochs=epochs, lr=lr, seed=seed)


run = shell.train_with_progress(config(latent), data.X, f"the autoencoder (d = {latent})")
if run is None:
    st.stop()
# the bottlenecks two steps either side, trained in the background: a sweep of d finds them ready
runs.prefetch([config(d) for d in controls.neighbours("ae_latent", latent)], data.X)
ae = run.model()
z = ae.encode(data.X)  # (n, d)
recon = ae.reconstruct(data.X)
test_error = float(vc.evaluate.reconstruction_error(ae, data.X_test).mean())

m1, m2, m3 = st.columns(3)
m1.metric("Test reconstruction error", f"{test_error:.4f}", help="Mean of ½‖x − g(f(x))‖² over the test points.")
m2.metric("Bottleneck", f"d = {latent} of D = {data.X.shape[1]}")
m3.metric("Training time", f"{run.seconds:.2f} s")
shell.formula(r"\hat x = g_\theta\big(f_\phi(x)\big),\qquad \mathcal L(\theta,\phi) = \tfrac12\,\lVert x - \hat x\rVert^2")

cols = shell.columns(2)
with cols[0]:
    if data.image_shape:
        st.subheader("Originals (top) and reconstructions")
        st.image(charts.image_rows([data.X_test[:12], ae.reconstruct(data.X_test[:12])], data.image_shape), output_format="PNG")
    else:
        shell.figure(lambda: charts.reconstruction_pairs(data.X, recon, data.y, "Data → reconstruction (hollow)"),
                     "ae_reconstruction", run.config)
with cols[1]:
    def latent_chart():
        if latent == 1:
            return charts.selectable(charts.latent_strip(z[:, 0], data.y, "Latent codes z = f(x) — click one to decode it"))
        return charts.selectable(charts.points(z[:, :2], data.y, "Latent codes (first two dims) — click one", x="z1", y="z2"))

    picked = shell.figure(latent_chart, "ae_latent", run.config, select=True)

if picked is not None:
    i = picked
    st.success(f"Point {i}: z = {np.array2string(z[i], precision=3)} decodes to "
               f"x̂ = {np.array2string(recon[i][:6], precision=3)}{' …' if recon.shape[1] > 6 else ''} "
               f"(x = {np.array2string(data.X[i][:6], precision=3)})", icon=":material/ads_click:")

cols = shell.columns(2)
with cols[0]:
    if data.is_2d and latent == 1:
        lo, hi = z.min(), z.max()
        grid = np.linspace(lo - 0.25 * (hi - lo), hi + 0.25 * (hi - lo), 300)[:, None]
        curve = ae.decode(grid)
        def manifold():
            chart = charts.curve_over_data(data.X, data.y, curve, "The learned manifold: the curve g(z)")
            return chart + charts.highlight(recon[picked:picked + 1]) if picked is not None else chart

        shell.figure(manifold, "ae_manifold", (run.config, picked))
        shell.source(vc.Autoencoder.decode)
    elif data.is_2d:
        st.caption("With d ≥ 2 on 2-D data the bottleneck is no bottleneck: g(f(x)) can copy x. "
                   "Set d = 1 to see the learned manifold as a curve.")
with cols[1]:
    shell.figure(lambda: charts.loss_curves({"reconstruction ½‖x − x̂‖²": run.recon}, "Training loss", log_y=True),
                 "ae_loss", run.config)
    shell.model_download(run, f"autoencoder_d{latent}")

# -- side by side: several bottlenecks on the same points ------------------------------------------
st.header("Side by side: how big must the bottleneck be?")
compare = sorted(controls.widget("ae_compare"))
cols = st.columns(len(compare))
n_show = 12 if data.image_shape else 150
for col, d in zip(cols, compare):
    with col:
        r = shell.train_with_progress(config(d), data.X, f"d = {d}")
        if r is None:
            continue
        model = r.model()
        shown = data.X_test[:n_show]
        error = float(vc.evaluate.reconstruction_error(model, data.X_test).mean())
        if data.image_shape:
            st.image(charts.image_rows([shown, model.reconstruct(shown)], data.image_shape, scale=3), output_format="PNG")
        else:
            shell.figure(lambda: charts.reconstruction_pairs(shown, model.reconstruct(shown), data.y_test[:n_show], f"d = {d}"),
                         f"ae_compare_d{d}", r.config, height=260)
        st.metric(f"Test error, d = {d}", f"{error:.4f}")
shell.source(vc.Autoencoder.backward, vc.layers.linear_backward)
