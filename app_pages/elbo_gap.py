"""The ELBO & KL explorer's second section: the ELBO gap on a model we can solve exactly.

z ~ N(0, 1), x | z ~ N(Wz + b, σₓ² I) in 2-D (probabilistic PCA): log p(x), the posterior and the ELBO of
any Gaussian q are closed forms (vae_core.theory), so log p(x) = ELBO(q) + KL(q ‖ p(z|x)) holds to the digit.
"""

import numpy as np
import streamlit as st

from vae_core import theory
from vae_ui.charts import curves, latents
from vae_ui.lecture import present
from vae_ui.page import figures, shell
from vae_ui.page.text import formula, source
from vae_ui.session import controls, stage, state

MODEL = theory.LinearGaussianModel(W=np.array([[2.0], [1.0]]), b=np.array([0.0, 0.0]), sigma_x=0.7)
POINTS = np.array([[1.5, 0.5], [-2.0, -0.8], [0.3, 1.2], [3.0, 1.8], [-0.5, 0.6]])  # the data points x to choose from
# Two latent numbers that explain nearly the same direction of x: their posterior is strongly correlated (−0.84)
MODEL_2D = theory.LinearGaussianModel(W=np.array([[1.0, 0.9], [0.6, 0.7], [0.3, 0.2]]), b=np.zeros(3), sigma_x=0.5)
POINT_2D = np.array([1.2, 0.8, 0.3])


def _set_q_to_posterior() -> None:
    """Button callback: move q's sliders to the exact posterior of the chosen point."""
    m, S = MODEL.posterior(POINTS[int(controls.value("lg_point"))])
    for key, value in (("lg_mu", float(m[0])), ("lg_sigma", float(np.sqrt(S[0, 0])))):
        controls.set_value(key, value)
        st.session_state[state.widget_key(key)] = value


INTRO = ("A model we can solve exactly: z ~ N(0, 1), x | z ~ N(Wz + b, σₓ² I) with x in 2-D. Move q's μ and σ: "
         "the ELBO never exceeds log p(x), and the gap is exactly KL(q ‖ p(z|x)).")


def section() -> None:
    if not shell.lecture():
        st.markdown(INTRO)
    i, mu, sigma = shell.control_row(["lg_point", "lg_mu", "lg_sigma"])
    present.focus()
    x = POINTS[i]
    m, S = MODEL.posterior(x)
    q_m, q_S = np.array([mu]), np.array([[sigma**2]])
    log_px, elbo, gap = MODEL.log_marginal(x), MODEL.elbo(x, q_m, q_S), MODEL.gap(x, q_m, q_S)
    left, middle, right = shell.columns([1.25, 1.15, 0.8])
    with left:
        z = np.linspace(-3, 3, 601)
        figures.show(lambda: curves.densities(z, {"prior p(z)": theory.normal_pdf(z, 0, 1),
                                                  "posterior p(z|x)": theory.normal_pdf(z, m[0], np.sqrt(S[0, 0])),
                                                  "q(z)": theory.normal_pdf(z, mu, sigma)},
                                              "q against the exact posterior"),
                     "gap_densities", (i, mu, sigma), height=shell.height(340, 420))
        shell.look_for("move q onto the posterior (dashed): the gap on the right closes to zero.")
    with middle:
        figures.show(lambda: curves.decomposition(elbo, gap, log_px), "gap_bar", (i, mu, sigma),
                     height=shell.height(300, 420))
        shell.look_for("both bars are equally long: the loss −ELBO is −log p(x) plus the gap.")
    with right:
        st.button("Set q to the exact posterior", on_click=_set_q_to_posterior, key="q_to_posterior",
                  icon=":material/my_location:")
        shell.metric(st, "log p(x)", f"{log_px:.5f}")
        shell.metric(st, "ELBO(q)", f"{elbo:.5f}")
        shell.metric(st, "Gap = KL(q ‖ p(z|x))", f"{gap:.3g}")
        shell.metric(st, "ELBO + gap − log p(x)", f"{elbo + gap - log_px:.1e}", help="Zero up to rounding: the identity holds.")
    st.caption(f"x = ({x[0]:g}, {x[1]:g}); exact posterior p(z|x) = N({m[0]:.4f}, {np.sqrt(S[0, 0]):.4f}²)."
               + (f" {INTRO}" if shell.lecture() else ""))
    formula(r"\log p(x) = \log \mathbb E_{q(z)}\Big[\frac{p(x,z)}{q(z)}\Big] \;\ge\;"
            r"\mathbb E_{q(z)}\Big[\log\frac{p(x,z)}{q(z)}\Big] = \mathrm{ELBO}(q)",
            "Jensen's inequality: log is concave, so the log of a mean is at least the mean of the log.")
    formula(r"\log p(x) = \mathrm{ELBO}(q) + \mathrm{KL}\big(q(z)\,\|\,p(z|x)\big)",
            "The gap is a KL divergence" + (": what is it when q is the posterior?" if stage.kept_back("numbers")
                                            else ": zero exactly when q is the posterior."))
    source(theory.LinearGaussianModel.elbo, theory.LinearGaussianModel.posterior)
    direction()


def direction() -> None:
    """Which way the KL points: the diagonal q the ELBO picks for a correlated 2-D posterior, against the one that
    matches its marginals."""
    st.subheader("Which way the KL points: a diagonal q for a correlated posterior")
    m, S = MODEL_2D.posterior(POINT_2D)
    fits = {name: theory.best_diagonal_gaussian(m, S, way) for name, way in
            (("q minimising KL(q ‖ p): the ELBO's", "reverse"), ("q minimising KL(p ‖ q): the marginals", "forward"))}
    named = {"exact posterior p(z|x)": (m, S)} | fits
    gaps = {name: MODEL_2D.gap(POINT_2D, *q) for name, q in fits.items()}
    left, right = shell.columns([1.25, 1])
    with left:
        figures.show(lambda: latents.gaussians(named, ["A correlated posterior (grey)", "and two diagonal q"]),
                     "kl_direction", "kl_direction", height=shell.height(380, 440))
    with right:
        (_, S_rev), _ = fits.values()
        ratios = np.sqrt(np.diag(S_rev) / np.diag(S))
        area = float(np.sqrt(np.linalg.det(S_rev) / np.linalg.det(S)))
        held = stage.kept_back("kl_direction")  # (a question asks how wide the ELBO's q is)
        st.markdown(f"z ~ N(0, I₂), x | z ~ N(Wz, {MODEL_2D.sigma_x:g}² I₃): both latent numbers explain nearly the "
                    f"same direction of x, so given x = ({', '.join(f'{v:g}' for v in POINT_2D)}) they are "
                    f"correlated {S[0, 1] / np.sqrt(S[0, 0] * S[1, 1]):.2f}. A diagonal q cannot tilt. The ELBO "
                    + ("minimises KL(q ‖ p): how wide is its best diagonal q?" if held else
                       f"minimises KL(q ‖ p): its best diagonal q (orange) is {ratios[0]:.0%} and {ratios[1]:.0%} as "
                       f"wide as the posterior along z₁ and z₂, and {area:.0%} of its area: too narrow, it "
                       "underestimates the uncertainty (mode-seeking). Matching the marginals, KL(p ‖ q), gives the "
                       "wide blue one."))
        for name, gap in gaps.items():
            shell.metric(st, f"ELBO gap KL(q ‖ p(z|x)), {name.split(':')[0]}", f"{gap:.3f} nats")
        if not held:
            shell.look_for("along each axis the ELBO's q (orange) is narrower than the posterior; only across the "
                           "posterior's tilt, where the posterior is thinnest, is it wider.")
    formula(r"\min_{q\ \text{diagonal}} \mathrm{KL}(q\,\|\,p):\ \sigma_j^2 = 1/\Lambda_{jj},\qquad"
            r"\min_{q\ \text{diagonal}} \mathrm{KL}(p\,\|\,q):\ \sigma_j^2 = S_{jj},\qquad \Lambda = S^{-1}",
            "Bishop, PRML §10.1.2: 1/Λⱼⱼ, the variance of zⱼ given the other coordinate, is never above Sⱼⱼ.")
    if not stage.kept_back("kl_direction"):  # its docstring says what the question asks
        source(theory.best_diagonal_gaussian)
