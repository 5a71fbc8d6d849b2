"""Home — the worked example: a VAE in NumPy, trained on three clusters.

controls -> config -> run -> cached view -> figures, as every page. The figures that follow the replay slider
are a fragment: a replay step redraws them, not the page. Play sends them once with every snapshot in, and the
browser plays them by itself, ten a second (vae_ui.page.player).
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace

import altair as alt
import numpy as np
import streamlit as st

import vae_core as vc
from vae_ui import configs, settings
from vae_ui.charts import axes, curves, images, latents, play, spaces
from vae_ui.lecture import present
from vae_ui.page import figures, focus_area, player, shell, training, truth
from vae_ui.page.data import page_data
from vae_ui.page.example import show_example_file
from vae_ui.page.text import formula, source
from vae_ui.service import measures, runs
from vae_ui.service.datasets import Data
from vae_ui.session import controls, state

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
LADDER_K = 100  # importance samples of the IWAE bound in "How far from the truth"
MOSAIC = 9  # the decoded latent manifold: a MOSAIC × MOSAIC grid of images (56 px each)
IMAGES_PX = 520  # while playing, an image row or the mosaic is at most this wide (half of a 1280 px screen, less margins)


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
    samples: np.ndarray  # decoder means g(z), z ~ N(0, I)
    full_samples: np.ndarray  # x ~ p(x|z) for the same z: g(z) plus the decoder's noise (Bernoulli: 0 or 1)
    recon: np.ndarray
    decoder_std: float | None  # σₓ in use (learned or fixed); None for a Bernoulli decoder
    grid: np.ndarray | None  # images with d = 2: z on the prior's quantile grid (MOSAIC, MOSAIC, 2) ...
    manifold: np.ndarray | None  # ... and g(z) there (MOSAIC, MOSAIC, D): the decoded latent manifold


def view_of(run: runs.Run, data: Data, epoch: int) -> View:
    """The encodings, test ELBO, KL per dimension, active units, prior samples and reconstructions at ``epoch``."""
    vae = run.model(epoch=epoch)
    mu, log_var = vae.encode(data.X)
    test_elbo = float(vae.elbo(data.X_test, n_samples=10, rng=np.random.default_rng(run.config.seed)).mean())
    active, _ = vc.evaluate.active_units(vae, data.X)
    samples = vae.sample(300, settings.rng(run.config.seed, "prior samples"))
    full = vae.sample(300, settings.rng(run.config.seed, "prior samples"), noise=True)  # the same z as the means
    std = vae.decoder_std if vae.likelihood == "gaussian" else None
    grid, manifold = (vc.generate.decoded_manifold(vae, MOSAIC) if data.image_shape and vae.latent_dim == 2
                      else (None, None))
    return View(mu, log_var, test_elbo, vc.evaluate.kl_by_dimension(vae, data.X), active, samples, full,
                vae.reconstruct(data.X), std, grid, manifold)


def _play(playing: bool, at: int | None = None) -> None:
    """The Play and Pause buttons. Play starts again from the start when at the end; a pause keeps the epoch the
    browser showed (``at``, from the Pause button's click, else by Play's clock). Each press makes new buttons and,
    after Play, a new replay slider."""
    state.PLAYING.set(playing)
    state.PLAY_ROUND.set(state.PLAY_ROUND.get() + 1)
    if playing and controls.value("h_replay") >= settings.MAX_REPLAY:
        controls.set_value("h_replay", 0)
    shown = at if at is not None else player.shown()
    if not playing and shown is not None:
        controls.set_value("h_replay", shown)
    player.stop()


@dataclass(frozen=True)
class Snapshot:
    """What one step of the replay shows: the run at one of its snapshots."""

    run: runs.Run
    data: Data
    epoch: int
    view: View


def replay(run: runs.Run, data: Data, latent: int, timed: bool) -> None:
    """The model at one snapshot: its numbers, latent space, curves, reconstructions and samples, with the replay
    slider and Play (while playing, :func:`replay_playing` draws them).

    The buttons and the slider are new widgets after every press (keys by ``play_round``): a request the browser
    sent before the press can carry an old button's click, or the old slider's last value, and must find no widget
    to act on.
    """
    playing = state.PLAYING.get()
    if playing != timed:  # Play or Pause was pressed: a run of the whole page sets or stops the end's timer (timed)
        st.rerun()
    if playing and (at := player.paused(state.PLAY_ROUND.get())) is not None:  # Pause was clicked, on epoch ``at``
        _play(False, at)
        st.rerun()
    if playing:
        replay_playing(run, data, latent)
        return
    _advance(run)
    present.focus()  # a scene's parts first (this fragment draws them: it opens its own focus area)
    left, middle, right = shell.columns([1.1, 1.3, 1.2], [1.15, 1.3, 1.15])
    with left, focus_area.part("replay"):
        epoch = _slider(run)
        shown = Snapshot(run, data, epoch, runs.view(view_of, run, data, epoch))
        _numbers(shown, latent)
    _pictures(shown, middle, right)
    _after(shown)


def _advance(run: runs.Run) -> None:
    """The snapshot to show, kept as the replay control's value: the one nearest the epoch chosen."""
    controls.set_value("h_replay", run.snapshot_epoch(min(controls.value("h_replay"), run.config.epochs)))


def _slider(run: runs.Run) -> int:
    """The replay slider and Play; the epoch to show."""
    epochs, round_ = run.config.epochs, state.PLAY_ROUND.get()
    slider, button = st.columns([3, 1], vertical_alignment="bottom")
    with slider:
        epoch = controls.widget("h_replay", max_value=epochs, step=runs.snapshot_every(epochs), instance=round_)
    with button:
        st.button("", on_click=_play, args=(True,), key=f"play_{round_}", icon=":material/play_arrow:",
                  help="Play: the snapshots one after another, ten a second, played by your browser.")
    return epoch


def _numbers(shown: Snapshot, latent: int) -> None:
    """The snapshot's test ELBO, KL and active units, and which epoch of which run they are."""
    view, config = shown.view, shown.run.config
    c1, c2, c3 = st.columns(3)
    shell.metric(c1, "Test ELBO", f"{view.test_elbo:.3f}",
                 help="Nats per example: mean over the test points, 10 samples each (β = 1).")
    shell.metric(c2, "KL (nats)", f"{view.kl_dims.sum():.3f}", help="Mean KL(q(z|x) ‖ N(0, I)) on the training data.")
    shell.metric(c3, "Active units", f"{view.active} / {latent}", help=vc.evaluate.ACTIVE_HELP)
    st.caption(f"Showing epoch {shown.epoch} of {config.epochs} epochs; trained in {shown.run.seconds:.2f} s "
               f"({shown.run.params.size:,} parameters, {_decoder(shown.run, view)}).")


def _pictures(shown: Snapshot, middle, right) -> None:
    """The latent space and the training curves beside the numbers; under them the images (digits, MNIST), or the
    data, reconstructions and samples (2-D data)."""
    made = frame(shown.run, shown.data, shown.view, shown.epoch, shell.lecture())
    with middle:
        figures.show(*made["latent_space"])
        shell.look_for(f"one cloud per {shown.data.label_name}; raise β and they crowd towards 0 as q(z|x) is pulled to "
                       "N(0, I).")
    with right:
        figures.show(*made["training_curves"])
        shell.look_for("the reconstruction term falls while the KL rises: the two pull against each other.")
    if shown.data.image_shape:
        _images(shown)
        return
    cols = shell.columns(3)
    with cols[0]:
        figures.show(*made["data"])
    with cols[1]:
        figures.show(*made["reconstructions"])
        shell.look_for("reconstructions (colour) against the data (grey): how much of each cluster survives.")
    with cols[2]:
        figures.show(*made["prior_samples"])
        shell.look_for("the decoder means g(z) (black) trace where the model puts its mass; full samples "
                       "x ~ p(x|z) (orange) add σₓ of noise: do they cover the data (grey), no more, no less?")


def _images(shown: Snapshot) -> None:
    """Images (digits, MNIST): a row of data over its reconstructions, a row of samples, and with d = 2 the decoded
    latent manifold."""
    data, view, row = shown.data, shown.view, images.ROW
    cols = shell.columns(2)
    with cols[0], focus_area.part("reconstructions"):
        st.subheader("Data (top) and reconstructions")
        if shell.shown("reconstructions"):
            st.image(images.image_rows([data.X[:row], view.recon[:row]], data.image_shape), output_format="PNG")
        shell.look_for("each reconstruction keeps its digit's shape, blurred: the decoder's probability per pixel.")
    with cols[1], focus_area.part("prior_samples"):
        st.subheader("New samples from the prior")
        if shell.shown("prior_samples"):
            st.image(images.image_rows([view.samples[:row], view.full_samples[:row]], data.image_shape),
                     output_format="PNG")
        shell.look_for("top: the decoder's probabilities g(z) for z ~ N(0, I), digit-like, some between two digits; "
                       "bottom: full samples x ~ p(x|z) of the same z, each pixel on with its probability.")
    if view.manifold is not None:
        _manifold(shown)


def _after(shown: Snapshot) -> None:
    """After a step: "the end" stays out of the URL, which a replay step (a run of this fragment alone) keeps
    true."""
    epochs = shown.run.config.epochs
    if shown.epoch == epochs:
        controls.set_value("h_replay", settings.MAX_REPLAY)
    controls.sync_page_url()


def _manifold(shown: Snapshot) -> None:
    """The decoded latent manifold (Kingma & Welling 2014, Fig. 4): g(z) on the prior's quantile grid, one mosaic,
    beside the codes with the grid's nodes on them."""
    view, data = shown.view, shown.data
    st.subheader("The latent manifold: g(z) on a grid of the prior's quantiles")
    left, right = shell.columns([1, 1])
    with left:
        figures.show(lambda: latents.grid_over_codes(view.mu, data.y, view.grid, "digit",
                                                     ["Codes μ(x), and the grid's z (+)", "each + is one image →"]),
                     "manifold_grid", (shown.run.config, shown.epoch), height=shell.height(420, 470))
    with right:
        if shell.shown("manifold", 420):
            st.image(images.mosaic(view.manifold, data.image_shape), output_format="PNG")
    grid_formula = r"z_{rc} = \big(\Phi^{-1}(\tfrac{c + 1/2}{m}),\ \Phi^{-1}(\tfrac{m - r - 1/2}{m})\big)"
    formula(grid_formula, f"Row r, column c of the mosaic (m = {MOSAIC}): each cell of the grid holds the same prior "
                          "mass 1/m², so the mosaic shows the decoder where the prior puts its mass.")
    shell.look_for("each digit owns a region of the mosaic, as its colour owns a region of the codes, and between two "
                   "regions one digit morphs into the other.")


def far_from_truth(run: runs.Run, data: Data, timed: bool) -> None:
    """The ladder ELBO ≤ IWAE ≤ log p_model(x) against the truth. Its Monte Carlo takes a second or two, so it is
    made by a thread while the page above is drawn (a scene step or a β move does not wait for it); meanwhile this
    fragment says so and looks again every truth.POLL_SECONDS (``timed``), and one full run shows it."""
    found = runs.view_soon(measures.ladder, run, data, LADDER_K)
    if found is None:
        truth.show_measuring(data, LADDER_K)
        return
    if timed:  # it arrived: one full run draws the page and stops the timer
        st.rerun()
    truth.show(found)
    if truth.TRUTH in found:
        st.caption(f"Mean over {truth.eval_points(data)} test points, nats per example, of the trained "
                   f"model at its last epoch, {run.config.epochs}, whichever epoch the replay above shows. "
                   f"ELBO ≤ IWAE_{LADDER_K} ≤ log p_model(x) hold in expectation, and on average log p_model(x) ≤ "
                   f"log p_data(x) (Gibbs' inequality): the data were drawn from a known distribution, so the model's "
                   f"distance from it, {truth.DISTANCE}, is a number. Fix σₓ at 1 and see it grow.")
    else:
        st.caption(f"Mean over {truth.eval_points(data)} test points, nats per example, of the trained model at its "
                   f"last epoch, {run.config.epochs}. The true density "
                   "of this data is not known, so the distance to it cannot be shown.")


Made = tuple[Callable[[], alt.TopLevelMixin], str, Hashable, int]  # figures.show's build, name, key and height


def frame(run: runs.Run, data: Data, view: View, epoch: int, lecture: bool) -> dict[str, Made]:
    """The charts of one snapshot, by name (reading no session state: a thread makes them ahead of Play)."""
    key, latent = (run.config, epoch), run.config.latent_dim  # what every figure depends on
    tall, low = (470, 420) if lecture else (380, 340)
    if latent == 1:
        def latent_chart() -> alt.TopLevelMixin:
            return spaces.latent_strip(view.mu[:, 0], data.y, "Latent space: μ(x)", data.label_name)
    else:
        dims = tuple(int(i) for i in np.sort(np.argsort(view.kl_dims)[::-1][:2]))
        title = ["Latent space: μ(x), 1σ of q(z|x)"] + ([] if latent == 2 else [f"dims {dims[0] + 1}, {dims[1] + 1}: "
                                                                               "the two with most KL"])

        def latent_chart() -> alt.TopLevelMixin:
            return spaces.latent_space(view.mu, view.log_var, data.y, title, dims=dims, label_title=data.label_name)
    made: dict[str, Made] = {
        "latent_space": (latent_chart, "latent_space", key, tall),
        "training_curves": (lambda: curves.loss_curves({"recon": run.recon, "KL": run.kl, "recon + β·KL": run.loss},
                                                       epoch=epoch), "training_curves", key, tall)}
    if not data.image_shape:
        box = axes.domain(data.X, view.recon, view.samples, view.full_samples, pad=0.3)
        made |= {
            "data": (lambda: spaces.points(data.X, data.y, "Data", box=box), "data", key, low),
            "reconstructions": (lambda: spaces.points(view.recon, data.y, "Reconstructions g(μ(x))", box=box,
                                                      beneath=data.X), "reconstructions", key, low),
            "prior_samples": (lambda: spaces.prior_samples(view.samples, view.full_samples, data.X, box,
                                                           "Samples, z ~ N(0, I)"), "prior_samples", key, low)}
    return made


def _reel_epochs(run: runs.Run) -> tuple[int, ...]:
    """The snapshots Play shows: from the one the slider is at (the first if it is at the end) to the last."""
    epochs, first = run.config.epochs, controls.value("h_replay")
    first = 0 if first >= epochs else first
    every = runs.snapshot_every(epochs)
    return tuple(sorted({run.snapshot_epoch(e) for e in range(first, epochs + 1, every)} | {run.snapshot_epoch(epochs)}))


def _decoder(run: runs.Run, view: View) -> str:
    if view.decoder_std is None:
        return "Bernoulli decoder"
    return f"Gaussian decoder, σₓ = {view.decoder_std:.3f}{' learned' if run.config.decoder_std == 'learned' else ' fixed'}"


def replay_playing(run: runs.Run, data: Data, latent: int) -> None:
    """Play: every snapshot from the one shown to the last, in each figure, sent once; the browser plays them ten a
    second by one clock (vae_ui.page.player), the numbers in step with the figures. Pause keeps the epoch shown."""
    reel = _reel_epochs(run)
    if player.ended():  # played to the end: back to the slider, at the end
        _play(False)
        controls.set_value("h_replay", settings.MAX_REPLAY)
        st.rerun()
    config, label = run.config, data.label_name
    views = [runs.view(view_of, run, data, e) for e in reel]
    present.focus()  # (first: a presented scene's figures are fitted to the room its focus area leaves them)
    left, middle, right = shell.columns([1.1, 1.3, 1.2], [1.15, 1.3, 1.15])
    reels = _reels(run, data, views, reel)
    player.start(reel)  # (after every figure is made: the clock starts as they leave)

    def moving(name: str) -> None:
        player.show(name, *reels[name])

    with left, focus_area.part("replay"):
        player.pause_button([f"Epoch {e} of {config.epochs} · click here to pause" for e in reel],
                            state.PLAY_ROUND.get())
        st.vega_lite_chart(player.clocked(play.text(
            [f"Test ELBO {v.test_elbo:.3f} · KL {v.kl_dims.sum():.3f} nats · active units {v.active} / {latent}"
             for v in views], 36, 16)), width="stretch")
        st.caption(f"Replaying epochs {reel[0]} to {config.epochs} in your browser, ten a second: the numbers and "
                   f"every figure follow the epoch shown; a click on it pauses there. Trained in {run.seconds:.2f} s "
                   f"({run.params.size:,} parameters, {_decoder(run, views[-1])}).")
    with middle:
        moving("latent_space")
        shell.look_for(f"one cloud per {label}; raise β and they crowd towards 0 as q(z|x) is pulled to N(0, I).")
    with right:
        moving("training_curves")
        shell.look_for("the reconstruction term falls while the KL rises: the two pull against each other.")
    if not data.image_shape:
        for col, name in zip(shell.columns(3), ("data", "reconstructions", "prior_samples")):
            with col:
                moving(name)
        return
    for col, (name, title) in zip(shell.columns(2), (("reconstructions", "Data (top) and reconstructions"),
                                                     ("prior_samples", "New samples from the prior"))):
        with col, focus_area.part(name):
            st.subheader(title)
            moving(name)
    if "manifold" in reels:
        st.subheader("The latent manifold: g(z) on a grid of the prior's quantiles")
        for col, name in zip(shell.columns([1, 1]), ("manifold_grid", "manifold")):
            with col:
                moving(name)


def _reels(run: runs.Run, data: Data, views: list[View], reel: tuple[int, ...]) -> dict[str, tuple]:
    """Every moving figure of Play, by name: (its spec with every snapshot, its height[, width]), the image rows and
    the mosaic (digits, MNIST) as images of their own."""
    made = [frame(run, data, view, e, shell.lecture()) for view, e in zip(views, reel)]
    key = (run.config, reel)
    if data.image_shape and views[0].manifold is not None:
        made = [m | {"manifold_grid": (lambda v=v: latents.grid_over_codes(
            v.mu, data.y, v.grid, "digit", ["Codes μ(x), and the grid's z (+)", "each + is one image →"]),
            "manifold_grid", key, shell.height(420, 470))} for m, v in zip(made, views)]
    reels: dict[str, tuple] = {
        name: (player.reel([m[name][0] for m in made], name, key, focus_area.fitted(name, height)), height)
        for name, (_, _, _, height) in made[0].items()}
    if not data.image_shape:
        return reels
    row, shape = images.ROW, data.image_shape
    scale = max(2, round(images.IMAGE_PX / shape[0]))  # images.image_rows' own

    def track(frames: list[np.ndarray]) -> tuple:
        h, w = frames[0].shape
        width = min(w * scale, IMAGES_PX)  # (st.image shrinks an image to its column; a chart does not)
        return play.images(frames, width, round(h * width / w)), round(h * width / w), "content"

    reels["reconstructions"] = track([images.image_rows([data.X[:row], v.recon[:row]], shape, scale=1) for v in views])
    reels["prior_samples"] = track([images.image_rows([v.samples[:row], v.full_samples[:row]], shape, scale=1)
                                    for v in views])
    if views[0].manifold is not None:
        reels["manifold"] = track([images.mosaic(v.manifold, shape, scale=1) for v in views])
    return reels


shell.title("The worked example: a VAE in NumPy",
            "A variational autoencoder with hand-written backpropagation, trained on the chosen data "
            "(three clusters by default). The encoder maps each x to a Gaussian q(z|x) = N(μ, σ²); "
            "a sample z = μ + σ⊙ε goes through the decoder; the loss is reconstruction + β·KL.")
data = page_data()

# -- controls -> config -> run ---------------------------------------------------------------------
bernoulli = runs.likelihood_for(data.X) == "bernoulli"
beta, latent, *_ = shell.control_row(["h_beta", "h_latent", "h_sigma_x"], ["h_epochs", "h_lr"],
                                     {"h_sigma_x": {"disabled": bernoulli}})

config = configs.home(controls.values(), data.spec)
run = training.train(config, data.X, "the VAE")
if run is None:
    st.stop()
# Train in the background the models a key press or two away: β two steps either side, then the latent
# dimension one step (the newest wish is served first). A lecturer sweeping β finds each next model ready.
betas, dims = settings.neighbours("h_beta", beta), settings.neighbours("h_latent", latent, steps=1)
runs.prefetch([replace(config, latent_dim=d) for d in dims] + [replace(config, beta=b) for b in betas], data.X)

# -- the cached views and their figures, replayable -------------------------------------------------
playing = state.PLAYING.get()
ends = player.seconds(len(_reel_epochs(run))) if playing else None  # one look at Play's end, no more
st.fragment(replay, run_every=ends)(run, data, latent, playing)

# -- the trained model against the truth -----------------------------------------------------------
st.subheader(f"How far from the truth: the trained model, epoch {run.config.epochs}")
measured = runs.view_soon(measures.ladder, run, data, LADDER_K)  # seconds of Monte Carlo: made while the page shows
st.fragment(far_from_truth, run_every=truth.POLL_SECONDS if measured is None else None)(run, data, measured is None)

# -- the model, its formulas and its code ------------------------------------------------------
left, right = shell.columns([1, 1], [0.8, 1.2])
with left:
    st.subheader("Architecture")
    hidden = " → ".join(str(h) for h in config.hidden)
    hidden_back = " → ".join(str(h) for h in reversed(config.hidden))
    st.graphviz_chart(f"""digraph VAE {{
        rankdir={"TB" if shell.lecture() else "LR"}; nodesep=0.3; ranksep=0.3;
        node [shape=box, style="rounded,filled", fillcolor="#eef4fb", fontname="Helvetica", fontsize={shell.graph_font()}];
        x [label="x ∈ {space(data.X.shape[1])}"]; enc [label="encoder\\n{hidden}, {config.activation}"];
        mu [label="μ ∈ {space(latent)}"]; lv [label="log σ² ∈ {space(latent)}"];
        eps [label="ε ~ N(0, I)", shape=ellipse, fillcolor="#fdf1dc"];
        z [label="z = μ + σ ⊙ ε", fillcolor="#e3f4ea"]; dec [label="decoder\\n{hidden_back}, {config.activation}"];
        xh [label="x̂ ({run.likelihood})"];
        x -> enc; enc -> mu; enc -> lv; mu -> z; lv -> z; eps -> z [style=dashed]; z -> dec; dec -> xh;
    }}""", width="stretch" if not shell.lecture() else "content")
    figures.model_download(run, "vae")
with right:
    st.subheader("The objective")
    formula(r"\log p(x) \;\ge\; \mathrm{ELBO} = \mathbb{E}_{q_\phi(z|x)}[\log p_\theta(x|z)]"
            r" - \mathrm{KL}\big(q_\phi(z|x)\,\|\,p(z)\big)",
            "Jensen's inequality; equality when q(z|x) is the true posterior p(z|x).")
    formula(r"\mathrm{KL}\big(\mathcal N(\mu,\sigma^2)\,\|\,\mathcal N(0,I)\big)"
            r" = -\tfrac12\sum_j\big(1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2\big)")
    if run.likelihood == "bernoulli":
        formula(r"\mathcal L_\beta = -\sum_d \big[x_d\log\hat x_d + (1-x_d)\log(1-\hat x_d)\big] + \beta\,\mathrm{KL},"
                r"\qquad z = \mu + \sigma\odot\varepsilon", "On images the decoder is Bernoulli: x̂ holds a probability per pixel.")
    else:
        formula(r"\mathcal L_\beta = \frac{\lVert x-\hat x\rVert^2}{2\sigma_x^2} + \tfrac D2\log 2\pi\sigma_x^2"
                r" + \beta\,\mathrm{KL},\qquad z = \mu + \sigma\odot\varepsilon,\quad \varepsilon\sim\mathcal N(0, I)",
                "The Gaussian decoder N(x̂, σₓ²I); a learned σₓ is one more parameter, log σₓ², trained with the rest.")
source(vc.VAE.backward, vc.losses.kl_standard_normal, vc.losses.reparameterize)
show_example_file()
