"""Denoising autoencoder — train on x̃ = x + ε, ε ~ N(0, σ²I), reconstruct the clean x."""

import numpy as np
import pandas as pd
import streamlit as st

import vae_core as vc
from vae_ui import charts, controls, runs, shell

st.title("The denoising autoencoder")
st.markdown("Corrupt every training input with Gaussian noise and ask for the **clean** input back. "
            "The network cannot copy its input any more: it must learn where the data lives and pull "
            "noisy points back towards it.")
data = shell.data()
seed = int(controls.value("seed"))

sigma = controls.widget("dae_sigma")
with shell.secondary():
    latent, epochs = controls.row("dae_latent", "dae_epochs")

dae_config = runs.RunConfig("denoising_autoencoder", data.spec, latent_dim=latent, noise_sigma=sigma,
                            epochs=epochs, lr=3e-3, seed=seed)
ae_config = runs.replace(dae_config, kind="autoencoder", noise_sigma=0.0)
dae_run = shell.train_with_progress(dae_config, data.X, f"the denoising AE (σ = {sigma:g})")
ae_run = shell.train_with_progress(ae_config, data.X, "the plain AE, for comparison")
if dae_run is None or ae_run is None:
    st.stop()
# the noise levels two steps either side, trained in the background: a sweep of σ finds them ready
runs.prefetch([runs.replace(dae_config, noise_sigma=s) for s in controls.neighbours("dae_sigma", sigma)], data.X)
dae, ae = dae_run.model(), ae_run.model()

shell.formula(r"\tilde x = x + \varepsilon,\quad \varepsilon\sim\mathcal N(0,\sigma^2 I),\qquad"
              r"\mathcal L = \tfrac12\,\big\lVert x - g_\theta(f_\phi(\tilde x))\big\rVert^2")

# the same corruption for every picture on this page: seeded, scaled by σ
noise = sigma * np.random.default_rng(seed + 7).standard_normal(data.X_test.shape)
noisy = data.X_test + noise
cleaned = dae.reconstruct(noisy)
err_dae = float(vc.evaluate.reconstruction_error(dae, data.X_test, noise).mean())
err_ae = float(vc.evaluate.reconstruction_error(ae, data.X_test, noise).mean())
m1, m2, m3 = st.columns(3)
m1.metric("Denoising AE error on noisy test inputs", f"{err_dae:.4f}", help="Mean ½‖x − g(f(x + ε))‖², ε ~ N(0, σ²I).")
m2.metric("Plain AE error on the same inputs", f"{err_ae:.4f}", delta=f"{err_ae - err_dae:+.4f} vs DAE",
          delta_color="off")
m3.metric("Training noise σ", f"{sigma:g}")

cols = shell.columns(3)
if data.image_shape:
    with cols[0]:
        st.subheader("Clean | noisy | reconstructed")
        st.image(charts.image_rows([data.X_test[:10], noisy[:10], cleaned[:10]], data.image_shape), clamp=True,
                 output_format="PNG")
else:
    domain = charts.domain(np.vstack([data.X_test, noisy]), pad=0.2)
    for col, X, title, name in zip(cols, (data.X_test, noisy, cleaned),
                                   ("Clean x", f"Noisy x̃ = x + ε (σ = {sigma:g})", "Reconstructed g(f(x̃))"),
                                   ("clean", "noisy", "reconstructed")):
        with col:
            shell.figure(lambda: charts.points(X, data.y_test, title, domain=domain), f"dae_{name}", dae_run.config)


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=runs.HASH_FUNCS)
def error_curves(dae_cfg: runs.RunConfig, ae_cfg: runs.RunConfig, _dae_run: runs.Run, _ae_run: runs.Run,
                 _X_test: np.ndarray) -> pd.DataFrame:
    """AE vs DAE error on noisy test inputs as the test noise grows (keyed by the two configs)."""
    dae_model, ae_model = _dae_run.model(), _ae_run.model()
    sigmas = np.linspace(0.0, 1.5, 16)
    rows = []
    for name, model in (("denoising AE", dae_model), ("plain AE", ae_model)):
        curve = vc.evaluate.denoising_curve(model, _X_test, sigmas, np.random.default_rng(dae_cfg.seed))
        rows.append(pd.DataFrame({"test noise σ": sigmas, "error": curve, "model": name}))
    return pd.concat(rows)


cols = shell.columns(2)
with cols[0]:
    if data.is_2d:
        lo, hi = data.X.min(axis=0) - 0.3, data.X.max(axis=0) + 0.3
        g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], 13), np.linspace(lo[1], hi[1], 13))
        grid = np.stack([g1.ravel(), g2.ravel()], axis=1)
        shell.figure(lambda: charts.arrows(grid, dae.reconstruct(grid), data.X, data.y,
                                           "Denoising field: x̃ → g(f(x̃)) points back to the data"),
                     "dae_field", dae_run.config, height=420)
    else:
        st.caption("The denoising vector field is drawn for 2-D data.")
with cols[1]:
    curves = error_curves(dae_config, ae_config, dae_run, ae_run, data.X_test)
    shell.figure(lambda: charts.lines(curves, "test noise σ", "error", "model", "Error on noisy test inputs ½‖x − g(f(x̃))‖²")
                 + charts.rule_at(sigma, "training σ"), "dae_vs_ae", dae_run.config, height=420)
shell.model_download(dae_run, f"denoising_ae_sigma{sigma:g}")
shell.source(vc.DenoisingAutoencoder.draw_noise, vc.Autoencoder.backward, vc.evaluate.denoising_curve)
