"""The two larger sections of the ELBO & KL explorer page: the ELBO gap and β-VAE."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import vae_core as vc
from vae_core import theory

from . import charts, controls, runs, shell

# The linear-Gaussian model of the gap section: 1-D latent, 2-D data.
MODEL = theory.LinearGaussianModel(W=np.array([[2.0], [1.0]]), b=np.array([0.0, 0.0]), sigma_x=0.7)
POINTS = np.array([[1.5, 0.5], [-2.0, -0.8], [0.3, 1.2], [3.0, 1.8], [-0.5, 0.6]])
SWEEP = (0.1, 0.3, 1.0, 3.0, 10.0)  # β values of the rate-distortion sweep
EVAL_POINTS = 100  # test points for the bounds and the posterior


def _set_q_to_posterior() -> None:
    """Button callback: move q's sliders to the exact posterior of the chosen point."""
    m, S = MODEL.posterior(POINTS[int(controls.value("lg_point"))])
    for key, value in (("lg_mu", float(m[0])), ("lg_sigma", float(np.sqrt(S[0, 0])))):
        controls.set_value(key, value)
        st.session_state[f"w_{key}"] = value


def gap_section() -> None:
    st.markdown("A model we can solve exactly: z ~ N(0, 1), x | z ~ N(Wz + b, σₓ² I) with x in 2-D. "
                "Move q's μ and σ: the ELBO never exceeds log p(x), and the gap is exactly KL(q ‖ p(z|x)).")
    i, mu, sigma = controls.row("lg_point", "lg_mu", "lg_sigma")
    st.button("Set q to the exact posterior", on_click=_set_q_to_posterior, key="q_to_posterior",
              icon=":material/my_location:")
    x = POINTS[i]
    m, S = MODEL.posterior(x)
    q_m, q_S = np.array([mu]), np.array([[sigma**2]])
    log_px, elbo, gap = MODEL.log_marginal(x), MODEL.elbo(x, q_m, q_S), MODEL.gap(x, q_m, q_S)
    cols = st.columns(4)
    cols[0].metric("log p(x)", f"{log_px:.5f}")
    cols[1].metric("ELBO(q)", f"{elbo:.5f}")
    cols[2].metric("Gap = KL(q ‖ p(z|x))", f"{gap:.3g}")
    cols[3].metric("ELBO + gap − log p(x)", f"{elbo + gap - log_px:.1e}", help="Zero up to rounding: the identity holds.")
    st.caption(f"x = ({x[0]:g}, {x[1]:g}); exact posterior p(z|x) = N({m[0]:.4f}, {np.sqrt(S[0, 0]):.4f}²).")
    left, right = shell.columns(2)
    with left:
        z = np.linspace(-3, 3, 601)
        dens = pd.DataFrame({"z": np.tile(z, 3), "density": np.concatenate([
            theory.normal_pdf(z, mu, sigma), theory.normal_pdf(z, m[0], np.sqrt(S[0, 0])), theory.normal_pdf(z, 0, 1)]),
            "curve": np.repeat(["q(z)", "posterior p(z|x)", "prior p(z)"], len(z))})
        shell.figure(lambda: charts.lines(dens, "z", "density", "curve", "q against the exact posterior", point=False),
                     "gap_densities", (i, mu, sigma))
    with right:
        shell.figure(lambda: charts.decomposition(elbo, gap, log_px), "gap_bar", (i, mu, sigma), height=220)
    shell.formula(r"\log p(x) = \log \mathbb E_{q(z)}\Big[\frac{p(x,z)}{q(z)}\Big] \;\ge\;"
                  r"\mathbb E_{q(z)}\Big[\log\frac{p(x,z)}{q(z)}\Big] = \mathrm{ELBO}(q)",
                  "Jensen's inequality: log is concave, so the log of a mean is at least the mean of the log.")
    shell.formula(r"\log p(x) = \mathrm{ELBO}(q) + \mathrm{KL}\big(q(z)\,\|\,p(z|x)\big)",
                  "The gap is a KL divergence: zero exactly when q is the posterior.")
    shell.source(theory.LinearGaussianModel.elbo, theory.LinearGaussianModel.posterior)


def _vae_config(data: shell.Data, beta: float, latent: int) -> runs.RunConfig:
    return runs.RunConfig("vae", data.spec, latent_dim=latent, beta=beta, seed=int(controls.value("seed")))


@st.cache_resource(max_entries=128, show_spinner=False, hash_funcs=runs.HASH_FUNCS)
def _rate_distortion(config: runs.RunConfig, _run: runs.Run, _X: np.ndarray) -> tuple[float, float]:
    """Rate and distortion over the evaluation points (keyed by the config, which names the data and seed).

    Cached, like everything below that depends only on the trained model: twenty sessions stepping β
    compute each model's numbers once, not on every rerun."""
    return vc.evaluate.rate_distortion(_run.model(), _X, 20, np.random.default_rng(config.seed))


@st.cache_resource(max_entries=128, show_spinner=False, hash_funcs=runs.HASH_FUNCS)
def _kl_by_dimension(config: runs.RunConfig, _run: runs.Run, _X: np.ndarray) -> np.ndarray:
    """Mean KL(q(z_j|x) ‖ N(0, 1)) of each latent dimension over the evaluation points: (latent_dim,)."""
    kl_dims = vc.evaluate.kl_by_dimension(_run.model(), _X)
    runs.read_only(kl_dims)
    return kl_dims


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=runs.HASH_FUNCS)
def _holes(config: runs.RunConfig, _run: runs.Run, _X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The prior's holes with their decodings, and one sample of the aggregate posterior per training point."""
    vae = _run.model()
    holes, decoded = vc.evaluate.prior_holes(vae, _X, 15, np.random.default_rng(config.seed))
    mu, log_var = vae.encode(_X)
    z_agg = mu + np.exp(0.5 * log_var) * np.random.default_rng(config.seed).standard_normal(mu.shape)
    runs.read_only(holes, decoded, z_agg)
    return holes, decoded, z_agg


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=runs.HASH_FUNCS)
def _posterior(config: runs.RunConfig, point: int, _run: runs.Run, _x: np.ndarray) -> tuple:
    """The exact posterior of one test point on a grid around q's mean, and q's mean and σ there."""
    vae = _run.model()
    mu, log_var = vae.encode(_x[None])
    std = np.exp(0.5 * log_var[0])
    half = 4 * np.maximum(std, 0.25)
    grid, density = vc.evaluate.posterior_on_grid(vae, _x, mu[0] - half, mu[0] + half,
                                                  m=61 if config.latent_dim == 2 else 401)
    runs.read_only(grid, density, mu, std)
    return grid, density, mu[0], std


@st.cache_resource(max_entries=64, show_spinner=False, hash_funcs=runs.HASH_FUNCS)
def _reconstructions_and_samples(config: runs.RunConfig, _run: runs.Run, _X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The model's reconstructions of the test points and 200 samples from the prior."""
    model = _run.model()
    recon, samples = model.reconstruct(_X), model.sample(200, np.random.default_rng(config.seed + 1))
    runs.read_only(recon, samples)
    return recon, samples


@st.cache_data(max_entries=128, show_spinner=False, hash_funcs=runs.HASH_FUNCS)
def _bounds(config: runs.RunConfig, k: int, _run: runs.Run, _X: np.ndarray) -> dict[str, float]:
    """Mean ELBO, IWAE_k and exact log p(x) over the evaluation points (keyed by config and k)."""
    vae = _run.model()
    rng = np.random.default_rng(config.seed)
    out = {"ELBO": float(vae.elbo(_X, n_samples=50, rng=rng).mean()),
           f"IWAE, k = {k}": float(vae.log_likelihood_iwae(_X, k=k, rng=rng).mean())}
    if vae.latent_dim <= 2:
        out["exact log p(x)"] = float(vae.log_likelihood_exact(_X).mean())
    return out


def beta_section(data: shell.Data) -> None:
    beta, latent = controls.row("vb_beta", "vb_latent")
    with shell.secondary():
        last_point = min(EVAL_POINTS, len(data.X_test)) - 1
        k, beta2, point = controls.row("vb_k", "vb_beta2", "vb_point", overrides={"vb_point": {"max_value": last_point}})
    config = _vae_config(data, beta, latent)
    run = shell.train_with_progress(config, data.X, f"the β-VAE (β = {beta:g})")
    if run is None:
        return
    # β two steps either side, trained in the background (the sweep's values are trained below anyway)
    runs.prefetch([runs.replace(config, beta=b) for b in controls.neighbours("vb_beta", beta) if b not in SWEEP], data.X)
    X_eval = data.X_test[:EVAL_POINTS]
    rate, distortion = _rate_distortion(config, run, X_eval)
    kl_dims = _kl_by_dimension(config, run, X_eval)
    cols = st.columns(3)
    cols[0].metric("Rate: KL(q(z|x) ‖ p(z))", f"{rate:.3f} nats")
    cols[1].metric("Distortion: E_q[−log p(x|z)]", f"{distortion:.3f} nats")
    cols[2].metric("Collapsed dimensions", f"{int(np.sum(kl_dims < 0.01))} of {latent}", help="KL below 0.01 nats.")
    shell.formula(r"\mathcal L_\beta = \underbrace{\mathbb E_q[-\log p_\theta(x|z)]}_{\text{distortion}}"
                  r" + \beta\,\underbrace{\mathrm{KL}(q_\phi(z|x)\,\|\,p(z))}_{\text{rate}}")

    left, right = shell.columns(2)
    with left:
        sweep = []
        for b in sorted(set(SWEEP) | {beta}):
            r = shell.train_with_progress(runs.replace(config, beta=b), data.X, f"the β sweep (β = {b:g})")
            if r is not None:
                rate_b, dist_b = _rate_distortion(r.config, r, X_eval)
                sweep.append({"β": b, "rate": rate_b, "distortion": dist_b, "current": b == beta})
        frame = pd.DataFrame(sweep)
        shell.figure(lambda: charts.rate_distortion(frame), "rate_distortion", (config, tuple(SWEEP)))
    with right:
        dims = pd.DataFrame({"dimension": np.arange(1, latent + 1), "KL (nats)": kl_dims})
        shell.figure(lambda: charts.bars(dims, "dimension", "KL (nats)", "KL per latent dimension (≈ 0: collapsed)"),
                     "kl_per_dimension", config)

    if latent <= 2:
        bounds = _bounds(config, k, run, X_eval)
        st.subheader("ELBO ≤ IWAE_k ≤ log p(x)")
        cols = st.columns(len(bounds))
        for col, (name, value) in zip(cols, bounds.items()):
            col.metric(name, f"{value:.4f}")
        shell.formula(r"\mathrm{IWAE}_k = \mathbb E\Big[\log\frac1k\sum_{i=1}^k\frac{p(x,z_i)}{q(z_i|x)}\Big],"
                      r"\qquad \mathrm{ELBO} = \mathrm{IWAE}_1 \le \mathrm{IWAE}_k \le \log p(x)")
        left, right = shell.columns(2)
        with left:
            grid, density, mean, std = _posterior(config, point, run, X_eval[point])
            shell.figure(lambda: charts.posterior_vs_q(grid, density, mean, std), "posterior_vs_q", (config, point))
        with right:
            holes, decoded, z_agg = _holes(config, run, data.X)
            shell.figure(lambda: charts.aggregate_posterior(z_agg, data.y, holes), "aggregate_posterior", config)
        if data.is_2d:
            st.caption("Decoding the prior's empty regions (black diamonds): what the model makes where no data was.")
            shell.figure(lambda: charts.points(data.X, data.y, "Data, and g(z) for z in the holes") + charts.highlight(decoded),
                         "holes_decoded", config, height=300)
        shell.source(vc.evaluate.iwae_bound, vc.evaluate.log_likelihood_quadrature)
    else:
        st.info("Exact log p(x) by quadrature and the posterior grid need a latent dimension of 1 or 2.")

    st.subheader(f"β = {beta:g} and β = {beta2:g} side by side")
    cols = st.columns(2)
    domain = charts.domain(data.X)  # the same axes for both
    for slot, (col, b) in enumerate(zip(cols, (beta, beta2))):
        with col:
            r = shell.train_with_progress(runs.replace(config, beta=b), data.X, f"β = {b:g}")
            if r is None:
                continue
            recon, samples = _reconstructions_and_samples(r.config, r, data.X_test)
            if data.image_shape:
                st.image(charts.image_rows([data.X_test[:8], recon[:8], samples[:8]], data.image_shape, scale=4),
                         caption="data · reconstructions · prior samples", output_format="PNG")
            else:
                shell.figure(lambda: charts.points(recon, data.y_test, f"β = {b:g}: reconstructions (colour) and prior "
                                                   "samples (black)", domain=domain)
                             + charts.points(samples, None, size=15, domain=domain),
                             f"beta_side_{slot}", r.config, height=280)
