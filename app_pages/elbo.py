"""ELBO & KL explorer — the KL in closed form, the ELBO gap on a solvable model, β-VAE, the hidden β."""

import numpy as np
import streamlit as st

import vae_core as vc
from app_pages import elbo_beta, elbo_gap
from vae_core import theory
from vae_ui.charts import curves
from vae_ui.lecture import present
from vae_ui.page import figures, focus_area, shell
from vae_ui.page.data import page_data
from vae_ui.page.text import formula, source
from vae_ui.service import runs
from vae_ui.session import controls, stage

shell.title("The ELBO and the KL divergence")
kl_tab, gap_tab, beta_tab, scale_tab = controls.tabs("el_tab")

# -- 1. KL in closed form against Monte Carlo ---------------------------------------------------------
if kl_tab.open:
    with kl_tab:
        mu, sigma, mu2, sigma2, n = shell.control_row(["kl_mu", "kl_sigma"], ["kl_mu2", "kl_sigma2", "kl_n"])
        present.focus()
        log_var = np.log(np.array([sigma, sigma2]) ** 2)
        means = np.array([mu, mu2])
        kl_1d = float(vc.losses.kl_standard_normal(means[None, :1], log_var[None, :1])[0][0])
        kl_2d = float(vc.losses.kl_standard_normal(means[None], log_var[None])[0][0])
        samples = theory.kl_monte_carlo(means[:1], log_var[:1], n, np.random.default_rng(int(controls.value("seed"))))
        running, se = theory.running_mean(samples)
        left, middle, right = shell.columns([1.25, 1.25, 0.8])
        with left:
            z = np.linspace(-5, 5, 401)
            figures.show(lambda: curves.densities(z, {"p = N(0, 1)": theory.normal_pdf(z, 0.0, 1.0),
                                                      f"q = N({mu:g}, {sigma:g}²)": theory.normal_pdf(z, mu, sigma)},
                                                  "Densities of q and the prior p"),
                         "kl_densities", (mu, sigma), height=shell.height(340, 420))
            shell.look_for("the further q's mean sits from 0, or its σ from 1 (narrower or wider), the larger the KL.")
        with middle:
            figures.show(lambda: curves.running_mean(running, se, kl_1d, ["Monte-Carlo KL → closed form", "(±2 s.e.)"]),
                         "kl_convergence", (mu, sigma, n, int(controls.value("seed"))), height=shell.height(340, 420))
            shell.look_for("the estimate's band narrows like 1/√n around the dashed closed form.")
        with right:
            shell.metric(st, "KL(q ‖ p), closed form (1-D)", f"{kl_1d:.4f}")
            shell.metric(st, f"Monte-Carlo estimate, {n:,} samples", f"{running[-1]:.4f}", f"± {2 * se[-1]:.4f} (2 s.e.)",
                             delta_color="off")
            shell.metric(st, "KL for the 2-D diagonal q", f"{kl_2d:.4f}", help="Sum of the per-dimension terms.")
        st.subheader("The closed form, step by step")
        formula(r"\mathrm{KL}(q\,\|\,p) = \mathbb E_q\big[\log q(z) - \log p(z)\big]")
        formula(r"\log q(z) = -\tfrac12\log 2\pi\sigma^2 - \tfrac{(z-\mu)^2}{2\sigma^2},\qquad"
                r"\log p(z) = -\tfrac12\log 2\pi - \tfrac{z^2}{2}")
        formula(r"\mathbb E_q\big[(z-\mu)^2\big] = \sigma^2,\qquad \mathbb E_q\big[z^2\big] = \mu^2 + \sigma^2")
        formula(r"\mathrm{KL} = -\tfrac12\log\sigma^2 - \tfrac12 + \tfrac12(\mu^2 + \sigma^2)"
                r" = -\tfrac12\big(1 + \log\sigma^2 - \mu^2 - \sigma^2\big)",
                "For a diagonal q in d dimensions, sum this over j = 1 … d.")
        source(vc.losses.kl_standard_normal, theory.kl_monte_carlo)

# -- 2. The ELBO gap on the linear-Gaussian model ------------------------------------------------------
if gap_tab.open:
    with gap_tab:
        elbo_gap.section()

# -- 3. β-VAE on the chosen data -------------------------------------------------------------------------
if beta_tab.open:
    with beta_tab:
        elbo_beta.section(page_data())

# -- 4. The loss scale is a hidden β ----------------------------------------------------------------
if scale_tab.open:
    with scale_tab:
        data = page_data()
        bernoulli = runs.likelihood_for(data.X) == "bernoulli"
        D = data.X.shape[1]
        if bernoulli:  # a Bernoulli decoder has no variance: only the reduction hides a β
            reduction = controls.widget("ls_reduction")
            beta_eff = theory.effective_beta(1.0, 1.0, reduction, D)
        else:
            reduction, sigma_x = shell.control_row(["ls_reduction", "ls_sigma_x"])
            beta_eff = theory.effective_beta(1.0, sigma_x, reduction, D)
        present.focus()
        with focus_area.part("effective_beta"):
            shell.metric(st, f"Effective β of a loss written with β = 1 (D = {D})", f"{beta_eff:.4g}")
            held = stage.kept_back("numbers")  # (a question asks for β_eff: its formula is the answer)
            if bernoulli:
                formula(r"-\sum_d \big[x_d\log\hat x_d + (1-x_d)\log(1-\hat x_d)\big] + \beta\,\mathrm{KL}")
                if not held:
                    formula(r"\beta_\text{eff} = \beta \;(\text{sum over } D),\quad \beta\,D \;(\text{mean over } D)")
            elif held:
                formula(r"-\log\mathcal N(x;\hat x,\sigma_x^2 I) + \beta\,\mathrm{KL}")
            else:
                formula(r"-\log\mathcal N(x;\hat x,\sigma_x^2 I) + \beta\,\mathrm{KL} = "
                        r"\frac{1}{\sigma_x^2}\Big(\tfrac12\lVert x-\hat x\rVert^2 + \beta\,\sigma_x^2\,\mathrm{KL}\Big)"
                        r" + \text{const}")
                formula(r"\beta_\text{eff} = \beta\,\sigma_x^2 \quad(\text{sum over } D),\qquad"
                        r"\beta_\text{eff} = \beta\,\sigma_x^2\,D \quad(\text{mean over } D)")
            if shell.shown("numbers", 80):
                if bernoulli:
                    st.markdown("These images have a Bernoulli decoder (a probability per pixel): it has no variance σₓ, so "
                                "only the reduction can hide a β. Written with `mean` over the pixels instead of `sum`, β = 1 "
                                f"behaves like β = **{beta_eff:.4g}** in this app's convention (the binary cross-entropy "
                                f"summed over the D = {D} pixels).")
                else:
                    st.markdown("The same code with `mean` instead of `sum`, or with a different decoder variance, trains "
                                f"a different β-VAE. Here, β = 1 behaves like β = **{beta_eff:.4g}** in this app's "
                                "convention (Gaussian decoder: ½‖x − x̂‖² summed over dimensions, σₓ = 1). PyTorch's "
                                "`mse_loss` is a mean with no ½: written with it, β = 1 is β = D/2 here.")
                    st.caption("β and σₓ trade places only for a fixed σₓ, and only in where the loss is lowest: the "
                               "losses' values differ (a factor 1/σₓ² and a constant), so their ELBOs in nats do not "
                               "compare. With a learned σₓ the factor is no longer a constant.")
        source(theory.effective_beta)
