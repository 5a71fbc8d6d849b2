"""The reparameterisation trick — z = μ + σ ⊙ ε makes sampling differentiable in μ and σ."""

import numpy as np
import pandas as pd
import streamlit as st

import vae_core as vc
from vae_core import theory
from vae_ui import settings
from vae_ui.charts import curves, spaces
from vae_ui.lecture import present
from vae_ui.page import figures, focus_area, shell
from vae_ui.page.text import formula, source
from vae_ui.session import controls

shell.title("The reparameterisation trick",
            "Sampling z ~ N(μ, σ²) directly is a dead end for gradients: the sample does not say how it depends on μ "
            "and σ. Draw ε ~ N(0, I) once, outside the model, and **compute** z = μ + σ ⊙ ε: now z is a deterministic, "
            "differentiable function of (μ, σ), and backpropagation goes through it.")
seed = int(controls.value("seed"))


def graph(name: str, body: str) -> str:
    """A computation graph in Graphviz's dot language, laid out for the page's column and type size."""
    across = "TB" if shell.lecture() and not focus_area.in_focus() else "LR"
    return (f"digraph {name} {{ rankdir={across}; nodesep=0.35; ranksep=0.35; "
            f'node [shape=box, style="rounded,filled", fillcolor="#eef4fb", fontname="Helvetica", '
            f"fontsize={shell.graph_font()}]; edge [fontname=\"Helvetica\", fontsize={shell.graph_font()}]; {body} }}")


NAIVE_GRAPH = """mu [label="μ"]; sigma [label="σ"]; z [label="z ~ N(μ, σ²)", shape=ellipse, fillcolor="#f9d9d9"];
    dec [label="decoder"]; L [label="loss L"];
    mu -> z; sigma -> z; z -> dec -> L;
    L -> z [style=dashed, color="#cc3333", label="∂L/∂z"];
    z -> mu [style=dotted, color="#cc3333", label="∂z/∂μ = ?"];
    z -> sigma [style=dotted, color="#cc3333", label="∂z/∂σ = ?"];"""
REPARAM_GRAPH = """eps [label="ε ~ N(0, I)", shape=ellipse, fillcolor="#fdf1dc"];
    mu [label="μ"]; sigma [label="σ"]; z [label="z = μ + σ ⊙ ε", fillcolor="#e3f4ea"];
    dec [label="decoder"]; L [label="loss L"];
    mu -> z; sigma -> z; eps -> z [style=dashed]; z -> dec -> L;
    L -> z [color="#2a7a3b", label="∂L/∂z"]; z -> mu [color="#2a7a3b", label="I"];
    z -> sigma [color="#2a7a3b", label="diag(ε)"];"""

mu1, mu2, s1, s2 = shell.control_row(["rp_mu1", "rp_mu2", "rp_s1", "rp_s2"])
present.focus()
mu, sigma = np.array([mu1, mu2]), np.array([s1, s2])

# -- 1. the same ε cloud, mapped by (μ, σ) -------------------------------------------------------------
eps = np.random.default_rng(seed).standard_normal((300, 2))  # persistent for a given seed
z, _ = vc.losses.reparameterize(mu[None], np.log(sigma**2)[None], eps)
left, right = shell.columns([1.2, 1], [1.25, 1])
with left:
    figures.show(lambda: spaces.epsilon_to_z(eps, z), "eps_to_z", (seed, mu1, mu2, s1, s2), height=shell.height(400, 480))
    shell.look_for("the same grey ε points, moved: μ shifts the blue cloud, σ stretches it, axis by axis.")
with right, focus_area.part("sampling_graph"):
    naive = controls.widget("rp_naive")
    if naive:
        st.graphviz_chart(graph("naive", NAIVE_GRAPH), width="content")
        st.error("Naive sampling: z is a random draw, not a function of μ and σ — no gradient reaches them through "
                 "z: there is no pathwise gradient. (The score function below still estimates ∇ E_q[f(z)] without "
                 "one, from f's values alone, at a higher variance.)", icon=":material/block:")
    else:
        st.graphviz_chart(graph("reparam", REPARAM_GRAPH), width="content")
        st.success("The random node ε sits outside the gradient path: ∂L/∂μ = ∂L/∂z and ∂L/∂σ = ∂L/∂z ⊙ ε.",
                   icon=":material/check_circle:")

formula(r"z = \mu + \sigma\odot\varepsilon,\quad \varepsilon\sim\mathcal N(0, I)\qquad\Rightarrow\qquad"
        r"\frac{\partial z}{\partial\mu} = I,\quad \frac{\partial z}{\partial\sigma} = \operatorname{diag}(\varepsilon)")

# -- 2. the Jacobians, checked numerically -------------------------------------------------------------
st.subheader("∂z/∂μ = I and ∂z/∂σ = diag(ε), checked by finite differences")
jac = theory.reparam_jacobians(mu, sigma, eps[0])
table = pd.DataFrame({
    "entry": ["∂z₁/∂·₁", "∂z₁/∂·₂", "∂z₂/∂·₁", "∂z₂/∂·₂"],
    "∂z/∂μ formula": jac["dz_dmu"].ravel(), "∂z/∂μ finite diff.": jac["dz_dmu_fd"].ravel(),
    "∂z/∂σ formula": jac["dz_dsigma"].ravel(), "∂z/∂σ finite diff.": jac["dz_dsigma_fd"].ravel()})
st.table(table.style.format("{:.6f}", subset=list(table.columns[1:])).hide(axis="index"))
st.caption(f"For the first ε of the cloud, ε = ({eps[0, 0]:.4f}, {eps[0, 1]:.4f}); central differences with h = 1e-6.")

# -- 3. gradient estimators: reparameterisation vs score function vs exact ------------------------------
st.subheader("Gradient of E_q[f(z)]: reparameterisation vs score function")
name, n = shell.control_row(["rp_f"], ["rp_n"])
f = theory.TEST_FUNCTIONS[name]
formula(f.latex + r",\qquad q = \mathcal N(\mu_1, \sigma_1^2)")
formula(r"\hat g_\text{reparam} = f'(\mu+\sigma\varepsilon)\,\big(1,\ \varepsilon\big),\qquad"
              r"\hat g_\text{score} = \big(f(z) - b\big)\,\nabla_{\mu,\sigma}\log q(z) = \big(f(z)-b\big)"
              r"\Big(\frac{\varepsilon}{\sigma},\ \frac{\varepsilon^2-1}{\sigma}\Big)")
exact = f.grad(mu1, s1)
draws = settings.rng(seed, "gradient estimates").standard_normal(n)
estimates = theory.gradient_estimates(f, mu1, s1, draws)
rows = [{"estimator": "exact", "∂/∂μ": exact[0], "∂/∂σ": exact[1], "s.e. ∂/∂μ": 0.0, "s.e. ∂/∂σ": 0.0}]
for est_name, g in estimates.items():
    se = g.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.array([np.nan, np.nan])
    rows.append({"estimator": est_name, "∂/∂μ": g[:, 0].mean(), "∂/∂σ": g[:, 1].mean(), "s.e. ∂/∂μ": se[0],
                 "s.e. ∂/∂σ": se[1]})
estimators = pd.DataFrame(rows)
if shell.shown("numbers"):
    st.table(estimators.style.format("{:.4f}", subset=["∂/∂μ", "∂/∂σ", "s.e. ∂/∂μ", "s.e. ∂/∂σ"], na_rep="–").hide(axis="index"))
st.caption("The baseline b is E_q[f(z)], a constant: subtracting it keeps the score function unbiased "
           "(E_q[∇ log q] = 0). It helps when f is far from 0 on average (f = z², eᶻ), since the score's noise is "
           "multiplied by f; for sin z, whose mean is near 0, it can add noise instead.")
if not f.smooth:
    st.warning("f is a step: f′ = 0 almost everywhere, so the reparameterisation estimate is 0 — biased. "
               "The score function does not differentiate f and stays unbiased.", icon=":material/warning:")


ROUNDING = 1e-15  # variances below this are float64 rounding of an estimate that does not vary


@st.cache_data(max_entries=64, show_spinner=False)
def variances(fname: str, mu: float, sigma: float, seed: int) -> pd.DataFrame:
    sizes = (1, 3, 10, 30, 100, 300, 1000)
    var = theory.estimator_variance(theory.TEST_FUNCTIONS[fname], mu, sigma, sizes, 200, np.random.default_rng(seed))
    return pd.concat([pd.DataFrame({"samples": sizes, "variance": v, "estimator": k}) for k, v in var.items()])


left, right = shell.columns(2)
with left:
    var = variances(name, mu1, s1, seed)
    shown = var[var["variance"] > ROUNDING]  # a "variance" of 1e-21 is rounding, not spread: it drew an empty chart
    if len(shown):
        figures.show(lambda: curves.lines(shown, "samples", "variance", "estimator", "Variance of the ∂/∂μ estimate",
                                          log_x=True, log_y=True), "estimator_variance", (name, mu1, s1, seed),
                     height=shell.height(360, 440))
        shell.look_for("every estimator's variance falls as 1/n; the lower line needs fewer samples for the same error.")
    else:
        st.info(f"Every estimator gives the same number on every draw here (its variance is 0, or below {ROUNDING:g}: "
                "rounding), so there is no variance to draw on a log axis. Every sample of z lands where f is flat.")
with right:
    singles = theory.gradient_estimates(f, mu1, s1, settings.rng(seed, "single estimates").standard_normal(2000))
    hist = pd.concat([pd.DataFrame({"estimate": g[:, 0], "estimator": k}) for k, g in singles.items()])
    figures.show(lambda: curves.spreads(hist, "estimate", "estimator", exact[0],
                                        ["Single-sample ∂/∂μ estimates: mean ± 1 s.d.", "thin: 5–95 %; dashed: exact"]),
                 "estimate_histograms", (name, mu1, s1, seed), height=shell.height(360, 440))
    shell.look_for("all three average to the exact gradient (dashed); the wider a bar, the further one estimate "
                   "strays from it: the larger the variance.")

st.subheader("The core's backward through z = μ + σ ⊙ ε")
st.markdown("This is the code that trains every VAE in this app: the upstream gradient ∂L/∂z becomes "
            "∂L/∂μ and ∂L/∂log σ² (since σ = exp(½ log σ²), ∂σ/∂log σ² = σ/2).")
source(vc.losses.reparameterize, vc.losses.reparameterize_backward, theory.score_gradient)
