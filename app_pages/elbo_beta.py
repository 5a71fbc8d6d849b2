"""The ELBO & KL explorer's third section: a β-VAE on the chosen data.

Rate (KL) against distortion as β varies, the KL each latent dimension carries, ELBO ≤ IWAE_k ≤ log p(x),
the exact posterior against the encoder's q, the aggregate posterior and its holes, two β side by side.
"""

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

import vae_core as vc
from vae_core import theory
from vae_ui import configs, settings
from vae_ui.charts import axes, curves, images, spaces
from vae_ui.lecture import present
from vae_ui.page import figures, focus_area, shell, training, truth
from vae_ui.page.text import formula, source
from vae_ui.service import measures, model_views, runs
from vae_ui.service.datasets import Data
from vae_ui.session import controls, stage

SWEEP = configs.BETA_SWEEP  # β values of the rate-distortion sweep
POLL_SECONDS = 1.0  # while the sweep trains in the background, the figures look for new models this often


@dataclass(frozen=True)
class Summary:
    """Rate and distortion (nats) and the KL of each latent dimension over the evaluation points."""

    rate: float
    distortion: float
    kl_dims: np.ndarray  # (latent_dim,)
    active: int  # active units on the training points (the worked example's definition, vc.evaluate.active_units)
    activity: np.ndarray  # (latent_dim,) Var_x μ_j over the training points: unit j is active when above the threshold


def summary(run: runs.Run, data: Data) -> Summary:
    vae, X_eval = run.model(), data.X_test[:truth.eval_points(data)]
    rate, distortion = vc.evaluate.rate_distortion(vae, X_eval, 20, np.random.default_rng(run.config.seed))
    active, activity = vc.evaluate.active_units(vae, data.X)
    return Summary(rate, distortion, vc.evaluate.kl_by_dimension(vae, X_eval), active, activity)


def reconstructions_and_samples(run: runs.Run, data: Data) -> tuple[np.ndarray, np.ndarray]:
    """The model's reconstructions of the test points and 200 samples from the prior."""
    model = run.model()
    return model.reconstruct(data.X_test), model.sample(200, settings.rng(run.config.seed, "prior samples"))


SLOW_DATA_SECONDS = 180  # the section on MNIST here: the sweep's six models, each evaluated (measured, one tab)


def section(data: Data) -> None:
    if data.spec.name in settings.MAX_EPOCHS:  # MNIST: six models and their evaluations would take minutes
        st.info(f"On {settings.DATASETS[data.spec.name]} this section would train six β-VAEs and evaluate each "
                f"(bounds, posteriors, the amortisation gap): about {SLOW_DATA_SECONDS // 60} minutes here. It runs on "
                "the 8×8 digits in seconds; the worked example and the autoencoder pages show MNIST.",
                icon=":material/timer:")
        return
    # -- controls -> config -> run ---------------------------------------------------------------------
    last_point = truth.eval_points(data) - 1
    beta, latent, k, beta2, point, *_ = shell.control_row(
        ["vb_beta", "vb_latent"], ["vb_k", "vb_beta2", "vb_point", "vb_warmup", "vb_free_bits"],
        overrides={"vb_point": {"max_value": last_point}})
    config = configs.beta_vae(controls.values(), data.spec)
    run = training.train(config, data.X, f"the β-VAE (β = {beta:g})")
    if run is None:
        return
    # The sweep and the compared β train in the background (served first: wished last), and the figures fill in
    # as they arrive; β two steps either side after them, for the next move of the slider. The bounds and the gap's
    # split (about 2 s of Monte Carlo and fitting) are made by threads and fill in too.
    others = awaited(config, beta2)
    nearby = [replace(config, beta=b) for b in settings.neighbours("vb_beta", beta) if b not in SWEEP]
    runs.prefetch(nearby, data.X)
    runs.train_soon(others, data.X)  # after the guesses: served first
    tab = Tab(data, run, beta2, k, point)
    waiting = tab.pending()
    st.fragment(_figures, run_every=POLL_SECONDS if waiting else None)(tab, waiting)


@dataclass(frozen=True)
class Tab:
    """What the section shows, as its controls set it: the data, the β-VAE trained, the β compared with it, IWAE's k
    and the test point whose posterior is drawn."""

    data: Data
    run: runs.Run
    beta2: float
    k: int
    point: int

    @property
    def config(self) -> runs.RunConfig:
        return self.run.config

    @property
    def beta(self) -> float:
        return self.run.config.beta

    def pending(self) -> bool:
        """Whether models of the sweep are still training in the background, or threads still measuring the bounds."""
        return bool(_waiting(awaited(self.config, self.beta2))) or _measuring(self.run, self.data, self.k)


def awaited(config: runs.RunConfig, beta2: float) -> list[runs.RunConfig]:
    """What the section trains in the background, the most wanted last (served first): with warm-up or free bits
    on, the sweep without them (for the comparison); then the sweep and the compared β."""
    others = [replace(config, beta=b) for b in sorted(set(SWEEP) | {beta2}) if b != config.beta]
    plain = [configs.unguarded(c) for c in [config, *others] if c != configs.unguarded(c)]
    return plain + others


def sweep_runs(run: runs.Run, beta: float) -> list[runs.Run]:
    """The trained models of the sweep (and the current β), in order of β: those the background has finished."""
    found = []
    for b in sorted(set(SWEEP) | {beta}):
        r = run if b == beta else runs.store().get(replace(run.config, beta=b))
        if r is not None:
            found.append(r)
    return found


def frame_active(trained: list[runs.Run], data: Data) -> pd.DataFrame:
    return pd.DataFrame({"β": [r.config.beta for r in trained],
                         "active": [runs.view(summary, r, data).active for r in trained]})


def _collapse(data: Data, trained: pd.DataFrame, latent: int, config: runs.RunConfig,
              without: pd.DataFrame | None = None) -> None:
    """Active units against β for the trained sweep, and linear theory's prediction: dimension i collapses once
    β·σₓ² ≥ λᵢ (σₓ = 1 here). With warm-up or free bits on, ``without`` holds the same sweep trained without them."""
    thresholds = theory.collapse_betas(data.X)
    grid = np.geomspace(0.05, 20, 200)
    predicted = pd.DataFrame({"β": grid, "active": [theory.predicted_active_units(thresholds, b, latent) for b in grid]})
    shown = [float(t) for t in thresholds[:latent] if 0.05 <= t <= 20]
    left, right = shell.columns([1.3, 1])
    with left:
        plain = None if without is None else without[without["β"] > 0]
        figures.show(lambda: curves.active_vs_beta(trained[trained["β"] > 0], predicted, shown, plain), "active_vs_beta",
                     (config, tuple(trained["β"]), None if plain is None else tuple(plain["β"])),
                     height=shell.height(320, 400))
    with right:
        eigen = ", ".join(f"{t:.2f}" for t in thresholds[:min(latent, 6)])
        bernoulli = runs.likelihood_for(data.X) == "bernoulli"
        here = ("This decoder is Bernoulli, with no σₓ: the theory is for a Gaussian decoder, and the orange rules "
                f"put σₓ = 1, at the largest eigenvalues {eigen}; read them as a rough guide only" if bernoulli else
                f"Here σₓ = 1 and the largest eigenvalues are {eigen}: the orange rules")
        st.markdown(f"**Linear theory** (probabilistic PCA; Lucas et al. 2019): latent dimension i collapses to the "
                    f"prior once β·σₓ² ≥ λᵢ, an eigenvalue of the data's covariance. {here}. The decoder is not "
                    "linear, so the trained dots may part from the dashed prediction; where they do, either the network "
                    "found structure a line cannot, or its training ended somewhere other than the optimum the theory "
                    "describes.")
        if not bernoulli:  # (a Bernoulli decoder has no σₓ to calibrate β against)
            st.caption(calibrated(data))
        if without is not None:
            why = ([f"free bits let each dimension keep {config.free_bits:g} nats for nothing, so fewer collapse"]
                   if config.free_bits else []) + (["a warm-up lets the decoder learn to use z before the KL weighs "
                                                    "in, but where collapse is the optimum (β·σₓ² ≥ λᵢ) no start "
                                                    "escapes it: a warm-up only saves a training that would collapse "
                                                    "early by accident"] if config.warmup_epochs else [])
            st.markdown(f"Trained with {configs.guards(config)} (filled dots) and without (rings): "
                        f"{'; '.join(why)}.")
            if len(without) < len(trained):
                st.caption(f"The sweep without them: {len(without)} of {len(trained)} models trained; the others are "
                           "training in the background and appear here as they finish.")
            shell.look_for("where the filled dots stay above the rings: units the guards kept from collapsing.")
        else:
            shell.look_for("the step where the dots drop to 0 active units, against the orange rules.")


def units_said(now: Summary) -> str:
    """What the KL-per-unit chart shows, by the count's rule: which units are counted active, and what they carry."""
    active = now.kl_dims[now.activity > vc.evaluate.ACTIVE_THRESHOLD]
    said = (f"blue bars are the {len(active)} units the count calls active ({vc.evaluate.ACTIVE_RULE}: μⱼ moves "
            "with x), grey ones have collapsed to the prior; a bar's height is the nats the unit carries")
    if len(active) and active.max() < LITTLE_KL:
        said += (f". The active ones here carry {active.min():.3f}–{active.max():.3f} nats each: they move with x, "
                 "but say almost nothing about it")
    return said + "."


LITTLE_KL = 0.05  # nats: an active unit carrying less says almost nothing about x


def calibrated(data: Data) -> str:
    """The β this tab's β = 1 is for a decoder whose σₓ is learned, as the worked example's is (its σₓ when trained)."""
    said = ("σₓ is fixed at 1 here; the loss ‖x − x̂‖²/2σₓ² + β·KL has the same minimiser as ½‖x − x̂‖² + β·σₓ²·KL, so "
            "with a learned σₓ, β = 1 here is β = 1/σₓ² there")
    home = runs.store().get(configs.home(settings_defaults() | {"dataset": data.spec.name, "seed": data.spec.seed},
                                         data.spec)) if not data.spec.csv_digest else None
    if home is not None and home.likelihood == "gaussian":
        model = home.model()
        std = model.decoder_std
        said += f": the worked example learns σₓ = {std:.3f} on these data, so β = 1 here is β ≈ {1 / std**2:.1f} there"
        carried = float(vc.evaluate.kl_by_dimension(model, data.X).sum())
        if carried < LITTLE_KL:
            _, single = theory.best_isotropic_gaussian(data.X)
            said += (f". There, its code carries {carried:.3f} nats: it has collapsed, and its σₓ is the best single "
                     f"Gaussian's σ = {single:.3f}, the data explained as noise around one point (Lucas et al. 2019). "
                     "The worked example with a small fixed σₓ keeps its code")
    return (said + ". The two losses share their minimiser over the networks for a fixed σₓ; their values differ "
            "(a factor 1/σₓ² and the constant (D/2)·log 2πσₓ²), so their ELBOs, in nats, do not compare.")


def settings_defaults() -> dict:
    """Every control at its default: the worked example as it first opens."""
    return {key: control.default for key, control in settings.REGISTRY.items()}


def _measuring(run: runs.Run, data: Data, k: int) -> bool:
    """Whether the bounds or the gap's split (seconds of Monte Carlo and of fitting, made by threads while the
    figures above are drawn: a β move does not wait for them) are still being made. Asking starts them."""
    if run.config.latent_dim > 2:
        return False
    asked = [runs.view_soon(measures.ladder, run, data, k), runs.view_soon(measures.gap_split, run, data)]  # both, at once
    return any(found is None for found in asked)


def _bounds(run: runs.Run, data: Data, k: int) -> None:
    """ELBO ≤ IWAE_k ≤ log p(x) against the truth, once a thread has measured them."""
    found = runs.view_soon(measures.ladder, run, data, k)
    with focus_area.part("bounds"):  # (on a slide: the numbers; their formula and caption follow below)
        if not focus_area.in_focus():
            st.subheader("ELBO ≤ IWAE_k ≤ log p(x), and the truth")
        if found is None:
            truth.show_measuring(data, k)
        else:
            truth.show(found)
    formula(r"\mathrm{IWAE}_k = \mathbb E\Big[\log\frac1k\sum_{i=1}^k\frac{p(x,z_i)}{q(z_i|x)}\Big],"
            r"\qquad \mathrm{ELBO} = \mathrm{IWAE}_1 \le \mathrm{IWAE}_k \le \log p(x)")
    if found is None:
        return
    held = "" if stage.kept_back("numbers") else "The ordering holds for the expectations, not for each estimate: "
    st.caption(f"Mean over {truth.eval_points(data)} test points. {held}"
               f"ELBO and IWAE_k are Monte Carlo estimates (the mean of {truth.REPEATS} "
               "independent repeats, ± two standard errors), and log p(x) is exact (quadrature). When two intervals "
               "overlap, the estimates cannot tell the two apart. "
               + (f"On average log p_model ≤ log p_data (Gibbs' inequality): the gap is {truth.DISTANCE}, the nats "
                  "per example this model is from the distribution the data was drawn from; its decoder's σₓ is "
                  "fixed at 1 here, so that β alone moves the balance." if truth.TRUTH in found else
                  "The true density of this data is not known, so the distance to it cannot be shown. "
                  + (truth.misspecified(data, run.likelihood) or "")))


def _amortisation(run: runs.Run, data: Data, config: runs.RunConfig) -> None:
    """log p(x) − ELBO split into the approximation gap and the amortisation gap, as a stacked bar."""
    split = runs.view_soon(measures.gap_split, run, data)
    if split is None:
        st.caption(f"Measuring the gap's split: fitting each of {measures.AMORTISED_POINTS} test points its own best q* …")
        return
    (approximation, e_approx), (amortisation, e_amort) = split["approximation"], split["amortisation"]
    left, right = shell.columns([1.3, 1])
    with left:
        figures.show(lambda: curves.gap_split(approximation, amortisation), "gap_split", config,
                     height=shell.height(220, 280))
    with right:
        st.markdown(f"**Why is the ELBO below log p(x)?** For each of {measures.AMORTISED_POINTS} test points, its own best "
                    "diagonal Gaussian q*(z|x) is fitted by gradient ascent on its ELBO (Cremer, Li & Duvenaud 2018). "
                    f"The **approximation gap** log p(x) − ELBO(q*) = {approximation:.3f} ± {e_approx:.3f} nats is "
                    "what no diagonal Gaussian q (the encoder's family) can close; the **amortisation gap** "
                    "ELBO(q*) − ELBO(encoder) = "
                    f"{amortisation:.3f} ± {e_amort:.3f} nats is what sharing one encoder network among all x costs.")
        shell.look_for("which piece is larger: a better family of q, or a better encoder, would help more?")


def _waiting(configs: list[runs.RunConfig]) -> list[runs.RunConfig]:
    """The configs not trained yet (and not diverged): the background has them."""
    store = runs.store()
    return [c for c in configs if store.get(c) is None and runs.failure(c) is None]


def _figures(tab: Tab, timed: bool) -> None:
    """Everything the section shows of the β-VAE and its sweep; while models of the sweep are still training in the
    background, or threads are measuring the bounds (``timed``), this fragment reruns every POLL_SECONDS and draws
    each as it arrives."""
    if timed and not tab.pending():  # the last one arrived: one full run draws the page and stops the timer
        st.rerun()
    present.focus()  # a scene's parts first (this fragment draws them: it opens its own focus area)
    trained = sweep_runs(tab.run, tab.beta)
    _sweep(tab, trained)
    _guarded(tab, trained)
    if tab.config.latent_dim <= 2:
        _bounds(tab.run, tab.data, tab.k)
        _amortisation(tab.run, tab.data, tab.config)
        _posteriors(tab)
        source(vc.evaluate.iwae_bound, vc.evaluate.log_likelihood_quadrature)
    else:
        st.info("Exact log p(x) by quadrature and the posterior grid need a latent dimension of 1 or 2.")
    _side_by_side(tab)


def _sweep(tab: Tab, trained: list[runs.Run]) -> None:
    """Rate against distortion over the sweep, the KL each unit of this model carries, its numbers, the objective."""
    data, config, now = tab.data, tab.config, runs.view(summary, tab.run, tab.data)
    left, middle, right = shell.columns([1.25, 1.1, 0.8])
    with left:
        sweep = [{"β": r.config.beta, "rate": s.rate, "distortion": s.distortion, "current": r.config.beta == tab.beta}
                 for r in trained for s in [runs.view(summary, r, data)]]
        frame = pd.DataFrame(sweep)
        figures.show(lambda: curves.rate_distortion(frame), "rate_distortion", (config, tuple(frame["β"])),
                     height=shell.height(360, 430))
        wanted = len(set(SWEEP) | {tab.beta})
        if len(sweep) < wanted:
            st.caption(f"The sweep: {len(sweep)} of {wanted} models trained; the others are training in the "
                       "background and appear here as they finish.")
        st.caption("Both in nats per example: the rate summed over the d latent dimensions, the distortion over the D "
                   "data dimensions (for a Gaussian decoder with its constant, D/2 · log 2π). "
                   + (truth.misspecified(data, tab.run.likelihood) or ""))
        shell.look_for("raising β trades distortion for rate: fewer nats in the code, worse reconstructions.")
    with middle:
        is_active = now.activity > vc.evaluate.ACTIVE_THRESHOLD  # the count's rule, unit by unit
        figures.show(lambda: curves.kl_per_unit(now.kl_dims, is_active, vc.evaluate.ACTIVE_RULE),
                     "kl_per_dimension", config, height=shell.height(360, 430))
        shell.look_for(units_said(now))
    with right:
        shell.metric(st, "Rate: KL(q(z|x) ‖ p(z))", f"{now.rate:.3f} nats")
        shell.metric(st, "Distortion: E_q[−log p(x|z)]", f"{now.distortion:.3f} nats")
        shell.metric(st, "Active units", f"{now.active} / {config.latent_dim}", help=vc.evaluate.ACTIVE_HELP)
    formula(r"\mathcal L_\beta = \underbrace{\mathbb E_q[-\log p_\theta(x|z)]}_{\text{distortion}}"
            r" + \beta\,\underbrace{\mathrm{KL}(q_\phi(z|x)\,\|\,p(z))}_{\text{rate}}")


def _guarded(tab: Tab, trained: list[runs.Run]) -> None:
    """With warm-up or free bits on, what the sweep trains on; then active units against β (with and without them)."""
    config, without = tab.config, None
    if configs.guards(config):
        formula(r"\mathcal L = \mathbb E_q[-\log p_\theta(x|z)] + \beta_t \sum_j \max\big(\lambda,\;"
                r"\overline{\mathrm{KL}}_j\big),\qquad \beta_t = \beta\,\min(1, t/W)",
                f"What this sweep trains on: {configs.guards(config)} (W = 0: no warm-up, λ = 0: no floor). The rate and "
                "ELBO shown are the plain ones.")
        plain = [r for r in (runs.store().get(configs.unguarded(x.config)) for x in trained) if r is not None]
        without = frame_active(plain, tab.data)
    _collapse(tab.data, frame_active(trained, tab.data), config.latent_dim, config, without)


def _posteriors(tab: Tab) -> None:
    """The exact posterior of the test point against q; the aggregate posterior with the prior's holes and the rate's
    split; on 2-D data, what the decoder makes of the holes."""
    data, config = tab.data, tab.config
    cols = shell.columns(3) if data.is_2d else shell.columns(2)
    (grid, density, mean, std, q, held), (spots, decoded, z_agg), split = runs.views_in_pool(
        (model_views.posterior, tab.run, data, tab.point), (model_views.holes, tab.run, data),
        (model_views.surgery, tab.run, data))
    with cols[0]:
        figures.show(lambda: spaces.posterior_vs_q(grid, density, mean, std, q), "posterior_vs_q", (config, tab.point),
                     height=shell.height(360, 430))
        st.caption(f"The window holds {held:.2%} of the exact posterior (at least {model_views.WINDOW_MASS:.1%}), wherever it "
                   "is, not only around q.")
        shell.look_for("where q (orange) misses the exact posterior (shade), the ELBO falls below log p(x).")
    with cols[1]:
        figures.show(lambda: spaces.aggregate_posterior(z_agg, data.y, spots), "aggregate_posterior", config,
                     height=shell.height(360, 430))
        ratio, bulk = vc.evaluate.HOLE_RATIO, vc.evaluate.PRIOR_BULK
        if len(spots):
            shell.look_for(f"prior holes (◆): inside the {bulk:.0%} of the prior nearest 0 (dashed circles: 1, 2, "
                           f"3 σ), where the data's codes are rarer than {ratio:g} × the prior, q(z)/p(z) < {ratio:g}.")
        else:
            st.caption(f"No prior holes: inside the {bulk:.0%} of the prior nearest 0, the data's codes are never "
                       f"rarer than {ratio:g} × the prior (q(z)/p(z) ≥ {ratio:g}): a sample from the prior lands "
                       "where the data's codes go.")
        st.caption(f"The rate {split['rate']:.3f} nats = I(x; z) {split['information']:.3f}, what the code says "
                   f"about x, + KL(q(z) ‖ p(z)) {split['marginal_kl']:.3f}, how far the pooled codes lie from the "
                   "prior (Hoffman & Johnson 2016; the second by Monte Carlo, ± a few thousandths): only the "
                   "second is the prior's mismatch, and the holes are where it lives."
                   + (f" Over the first {split['rows']:,} training rows." if split["rows"] < len(data.X) else ""))
    if data.is_2d and len(spots):
        with cols[2]:
            figures.show(lambda: spaces.holes_decoded(data.X, data.y, decoded, ["Data, and g(z) for", "z in the holes (◆)"]),
                         "holes_decoded", config, height=shell.height(360, 430))
            if not stage.kept_back("holes_decoded"):  # (a question asks what it makes of them)
                shell.look_for("what the decoder makes where no data was: points off the data.")


def _side_by_side(tab: Tab) -> None:
    """This β and the compared one side by side: reconstructions and prior samples on the same axes (images: a row of
    each), each as soon as its model is trained."""
    data, row = tab.data, images.ROW
    st.subheader(f"β = {tab.beta:g} and β = {tab.beta2:g} side by side")
    cols = st.columns(2)
    box = axes.domain(data.X, pad=0.5)  # the same axes for both
    shown: dict[float, np.ndarray] = {}
    for slot, (col, b) in enumerate(zip(cols, (tab.beta, tab.beta2))):
        with col:
            config = replace(tab.config, beta=b)
            r = tab.run if b == tab.beta else runs.store().get(config)
            if r is None:
                if runs.failure(config) is not None:
                    st.error(str(runs.failure(config)), icon=":material/warning:")
                else:
                    st.info(f"β = {b:g} is training in the background; it appears here when it is ready.",
                            icon=":material/hourglass_top:")
                continue
            recon, samples = runs.view(reconstructions_and_samples, r, data)
            shown[b] = recon
            if data.image_shape:
                if shell.shown(f"beta_side_{slot}"):
                    st.image(images.image_rows([data.X_test[:row], recon[:row], samples[:row]], data.image_shape),
                             caption=f"β = {b:g}: data · reconstructions · prior samples", output_format="PNG")
            else:
                figures.show(lambda: spaces.reconstructions_and_samples(
                                 recon, data.y_test, samples, data.X, box,
                                 [f"β = {b:g}: reconstructions (colour)", "and prior samples (black)"]),
                             f"beta_side_{slot}", r.config, height=shell.height(440, 520))
    if len(shown) == 2:
        shell.look_for(side_by_side(data, shown))


NEAR_MEAN = 0.05  # reconstructions whose spread is below this share of the data's sit at one point
GATHERED = 0.2  # ... below this share of the data's spread within a label, at their label's centre


def side_by_side(data: Data, recon: dict[float, np.ndarray]) -> str:
    """Where each β puts the reconstructions, from their spread (vc.evaluate.spread) against the data's."""
    label = data.label_name
    whole, within = vc.evaluate.spread(data.X_test), vc.evaluate.spread(data.X_test, data.y_test)
    said = []
    for b, r in recon.items():
        total, own = vc.evaluate.spread(r), vc.evaluate.spread(r, data.y_test)
        if total < NEAR_MEAN * whole:
            off = float(np.linalg.norm(r.mean(axis=0) - data.X.mean(axis=0)))
            said.append(f"at β = {b:g} every reconstruction sits at one point, {off:.2f} from the data's mean (spread "
                        f"{total:.3f}): the code says nothing about x")
        elif own < GATHERED * within:
            said.append(f"at β = {b:g} the reconstructions gather at their {label}'s centre (spread within a {label} "
                        f"{own:.3f}, the data's {within:.3f})")
        else:
            said.append(f"at β = {b:g} the reconstructions spread {total:.2f} (the data {whole:.2f}; within a {label} "
                        f"{own:.2f}, the data's {within:.2f})")
    return "; ".join(said) + "."
