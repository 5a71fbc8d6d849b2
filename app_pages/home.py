"""Home — the worked example: a VAE in NumPy, trained on three clusters.

controls -> config -> run -> cached view -> figures, as every page.
"""

from dataclasses import dataclass

import numpy as np
import streamlit as st

import vae_core as vc
from vae_ui import charts, controls, figures, runs, settings, shell, training
from vae_ui.data import Data, page_data
from vae_ui.text import formula, source

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def space(n: int) -> str:
    """ℝⁿ as the textbook writes it: ℝ², ℝ⁶⁴."""
    return "ℝ" + str(n).translate(SUPERSCRIPT)


@dataclass(frozen=True)
class View:
    """What the page shows of one model at one epoch."""

    mu: np.ndarray
    log_var: np.ndarray
    test_elbo: float
    kl_dims: np.ndarray
    active: int
    samples: np.ndarray
    recon: np.ndarray


def view_of(run: runs.Run, data: Data, epoch: int) -> View:
    """The encodings, test ELBO, KL per dimension, active units, prior samples and reconstructions at ``epoch``."""
    vae = run.model(epoch=epoch)
    mu, log_var = vae.encode(data.X)
    test_elbo = float(vae.elbo(data.X_test, n_samples=10, rng=np.random.default_rng(run.config.seed)).mean())
    active, _ = vc.evaluate.active_units(vae, data.X)
    samples = vae.sample(300, settings.rng(run.config.seed, "prior samples"))
    return View(mu, log_var, test_elbo, vc.evaluate.kl_by_dimension(vae, data.X), active, samples, vae.reconstruct(data.X))


st.title("The worked example: a VAE in NumPy")
st.markdown(
    "A variational autoencoder with hand-written backpropagation, trained on the chosen data "
    "(three clusters by default). The encoder maps each x to a Gaussian q(z|x) = N(μ, σ²); "
    "a sample z = μ + σ⊙ε goes through the decoder; the loss is reconstruction + β·KL."
)
data = page_data()

# -- controls -> config -> run ---------------------------------------------------------------------
left, right = st.columns(2) if not shell.lecture() else (st.container(), st.container())
with left:
    beta = controls.widget("h_beta")
    latent = controls.widget("h_latent")
with shell.secondary():
    epochs, lr = controls.row("h_epochs", "h_lr")

config = runs.RunConfig("vae", data.spec, latent_dim=latent, beta=beta, epochs=epochs, lr=lr,
                        seed=int(controls.value("seed")))
run = training.train(config, data.X, "the VAE")
if run is None:
    st.stop()
# Train in the background the models a key press or two away: β two steps either side, then the latent
# dimension one step (the newest wish is served first). A lecturer sweeping β finds each next model ready.
betas, dims = settings.neighbours("h_beta", beta), settings.neighbours("h_latent", latent, steps=1)
runs.prefetch([runs.replace(config, latent_dim=d) for d in dims] + [runs.replace(config, beta=b) for b in betas], data.X)

# -- the cached view: the model at any snapshot epoch (the control's default, its maximum, means "the end") --
controls.set_value("h_replay", run.snapshot_epoch(min(controls.value("h_replay"), epochs)))  # one press, one snapshot
shown = controls.widget("h_replay", max_value=epochs, step=runs.snapshot_every(epochs))
if shown == epochs:
    controls.set_value("h_replay", settings.MAX_REPLAY)  # "the end" stays out of the URL
view = runs.view(view_of, run, data, shown)
key = (run.config, shown)  # what every figure below depends on
mu, log_var, kl_dims = view.mu, view.log_var, view.kl_dims

with right:
    c1, c2, c3 = st.columns(3)
    c1.metric("Test ELBO", f"{view.test_elbo:.3f}", help="Nats per example: mean over the test points, 10 samples each (β = 1).")
    c2.metric("KL (nats)", f"{kl_dims.sum():.3f}", help="Mean KL(q(z|x) ‖ N(0, I)) on the training data.")
    c3.metric("Active units", f"{view.active} / {latent}", help="Dimensions whose μ varies with x (Cov > 0.01).")
    st.caption(f"Showing epoch {shown} of {epochs}; trained in {run.seconds:.2f} s "
               f"({run.params.size:,} parameters, {run.likelihood} decoder).")

# -- figures: the latent space, reconstructions and prior samples -----------------------------------
cols = shell.columns(2)
with cols[0]:
    if latent == 1:
        figures.show(lambda: charts.latent_strip(mu[:, 0], data.y, "Latent space: μ(x)"), "latent_space", key)
    else:
        dims = tuple(int(i) for i in np.sort(np.argsort(kl_dims)[::-1][:2]))
        title = "Latent space: μ(x) and 1σ ellipses" + ("" if latent == 2 else f" (dims {dims[0] + 1}, {dims[1] + 1}: most KL)")
        figures.show(lambda: charts.latent_space(mu, log_var, data.y, title, dims=dims), "latent_space", key)
with cols[1]:
    figures.show(lambda: charts.loss_curves({"reconstruction": run.recon, "KL": run.kl, "loss = recon + β·KL": run.loss}),
                 "training_curves", run.config)

samples, recon = view.samples, view.recon
cols = shell.columns(3)
if data.image_shape:
    with cols[0]:
        st.subheader("Data (top) and reconstructions")
        st.image(charts.image_rows([data.X[:12], recon[:12]], data.image_shape), clamp=True, output_format="PNG")
    with cols[1]:
        st.subheader("New samples from the prior")
        st.image(charts.image_rows([samples[:12], samples[12:24]], data.image_shape), clamp=True, output_format="PNG")
else:
    domain = charts.domain(data.X)
    with cols[0]:
        figures.show(lambda: charts.points(data.X, data.y, "Data", domain=domain), "data", key)
    with cols[1]:
        figures.show(lambda: charts.points(recon, data.y, "Reconstructions g(μ(x))", domain=domain), "reconstructions", key)
    with cols[2]:
        figures.show(lambda: charts.points(samples, None, "Samples: g(z), z ~ N(0, I)", domain=domain), "prior_samples", key)

# -- the model, its formulas and its code ------------------------------------------------------
st.subheader("Architecture")
hidden = " → ".join(str(h) for h in config.hidden)
hidden_back = " → ".join(str(h) for h in reversed(config.hidden))
st.graphviz_chart(f"""digraph VAE {{
    rankdir=LR; node [shape=box, style="rounded,filled", fillcolor="#eef4fb", fontsize=18];
    x [label="x ∈ {space(data.X.shape[1])}"]; enc [label="encoder\\n{hidden}, {config.activation}"];
    mu [label="μ ∈ {space(latent)}"]; lv [label="log σ² ∈ {space(latent)}"];
    eps [label="ε ~ N(0, I)", shape=ellipse, fillcolor="#fdf1dc"];
    z [label="z = μ + σ ⊙ ε", fillcolor="#e3f4ea"]; dec [label="decoder\\n{hidden_back}, {config.activation}"];
    xh [label="x̂ ({run.likelihood})"];
    x -> enc; enc -> mu; enc -> lv; mu -> z; lv -> z; eps -> z [style=dashed]; z -> dec; dec -> xh;
}}""", width="stretch")
figures.model_download(run, "vae")
st.subheader("The objective")
formula(r"\log p(x) \;\ge\; \mathrm{ELBO} = \mathbb{E}_{q_\phi(z|x)}[\log p_\theta(x|z)]"
        r" - \mathrm{KL}\big(q_\phi(z|x)\,\|\,p(z)\big)",
        "Jensen's inequality; equality when q(z|x) is the true posterior p(z|x).")
formula(r"\mathrm{KL}\big(\mathcal N(\mu,\sigma^2)\,\|\,\mathcal N(0,I)\big)"
        r" = -\tfrac12\sum_j\big(1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2\big)")
formula(r"\mathcal L_\beta = \tfrac12\lVert x-\hat x\rVert^2 + \tfrac D2\log 2\pi + \beta\,\mathrm{KL},"
        r"\qquad z = \mu + \sigma\odot\varepsilon,\quad \varepsilon\sim\mathcal N(0, I)")
source(vc.VAE.backward, vc.losses.kl_standard_normal, vc.losses.reparameterize)
