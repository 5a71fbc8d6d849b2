"""The autoencoder page's last section: why a VAE can generate and an autoencoder cannot.

The same data, widths and epochs for both, d = 2: the codes of each, what each makes from a z it draws (the
autoencoder from a Gaussian fitted to its codes, the VAE from its prior), and the straight line between two test
points' codes, decoded. What each model shows is made in the training pool (vae_ui.service.model_views.generator).
"""

import numpy as np
import streamlit as st

import vae_core as vc
from vae_ui import configs
from vae_ui.charts import axes, images, latents
from vae_ui.page import figures, shell, training
from vae_ui.service import model_views, runs
from vae_ui.service.datasets import Data
from vae_ui.service.model_views import CANDIDATES, MIXTURE
from vae_ui.session import controls

CODES_LEGEND_PX = 70  # the digits' ten-label legend: this much taller, so that the plot itself is not flattened (its equal
# axes then spread x over three times the codes' range: −18 to 20 for codes in −5 to 8)


def section(data: Data) -> None:
    st.header("Why a VAE can generate and an autoencoder cannot")
    st.markdown("To make a new x, draw a z and decode it. A VAE's training pulls its codes towards the prior N(0, I), "
                "so most z from the prior land among them, though its codes can leave holes in the prior. An "
                "autoencoder's codes go wherever training put them; to draw a z it needs a density fitted to its "
                "codes afterwards. The simplest is one Gaussian, and such a z can land between the codes, where its "
                "decoder never learnt anything (a mixture of Gaussians or a flow fits them better: Ghosh et al. 2020). "
                "Both here: the same data and widths, d = 2; the autoencoder drawing from one fitted Gaussian.")
    last = min(100, len(data.X_test)) - 1
    start, end = controls.row("ae_from", "ae_to", overrides={"ae_from": {"max_value": last}, "ae_to": {"max_value": last}})
    ae_config, vae_config = configs.generation(controls.values(), data.spec)
    trained = {}
    for name, config in (("autoencoder", ae_config), ("VAE", vae_config)):
        run = training.train(config, data.X, f"the {name} (d = 2) to compare", together=(ae_config, vae_config))
        if run is None:
            return
        trained[name] = run
    made = runs.views_in_pool(*[(model_views.generator, run, data, start, end) for run in trained.values()])
    found = {name: (run, g) for (name, run), g in zip(trained.items(), made)}
    _codes(data, found, start, end)
    if data.image_shape:
        _image_samples(data, found, start, end)
    else:
        _samples(data, found, start, end)


Found = dict[str, tuple[runs.Run, model_views.Generator]]  # "autoencoder" and "VAE": each model and its view


def _codes(data: Data, found: Found, start: int, end: int) -> None:
    """Each model's codes, with the Gaussian its z are drawn from and the path between the two test points."""
    titles = {"autoencoder": ("Autoencoder codes f(x)", "dashed: a Gaussian fitted to them"),
              "VAE": ("VAE codes μ(x)", "dashed: the prior N(0, I), 1σ and 2σ")}
    cols = shell.columns(2)
    for col, (name, (run, g)) in zip(cols, found.items()):
        with col:
            figures.show(lambda g=g, name=name: latents.codes(g.codes, data.y, data.label_name, list(titles[name]), g.mean, g.cov,
                                                             g.path),
                         f"codes_{name}", (run.config, start, end),
                         height=shell.height(380, 440) + (CODES_LEGEND_PX if data.image_shape else 0))
    vae_view = found["VAE"][1]
    inside = float(np.mean(np.linalg.norm(vae_view.codes, axis=1) < 2))
    count, drawn = round(vae_view.in_holes * CANDIDATES), f"{CANDIDATES:,} z drawn from the prior"
    if count >= 0.01 * CANDIDATES:
        holes = f"yet {vae_view.in_holes:.0%} of {drawn} land in its holes"
    elif count:  # a share that would round to 0%: the count
        holes = f"and only {count} of {drawn} land in its holes"
    else:
        holes = f"and none of {drawn} lands in its holes"
    shell.look_for("the autoencoder's codes sit wherever training put them, and the Gaussian fitted to them (dashed) "
                   f"covers the empty space between them; {inside:.0%} of the VAE's sit inside its prior's 2σ circle, "
                   f"where its z are drawn from, {holes} (where the codes' density q(z) is under "
                   f"{vc.evaluate.HOLE_RATIO:g} × the prior's). The orange line joins the two chosen points' codes.")


def _image_samples(data: Data, found: Found, start: int, end: int) -> None:
    """Images: each model's samples over its decoded path, a row of each."""
    for col, (name, (_, g)) in zip(shell.columns(2), found.items()):
        with col:
            st.subheader(f"{name}: samples, and the path")
            if shell.shown(f"generated_{name}", 160):
                st.image(images.image_rows([g.samples[:images.ROW], g.decoded], data.image_shape), output_format="PNG")
            st.caption(f"Top: g(z) for {images.ROW} z drawn from {'the prior' if name == 'VAE' else 'the fitted Gaussian'}"
                       f". Bottom: g(z) along the line from test point {start} to test point {end}.")
    shell.look_for("how many images of each top row you can name: where the fitted Gaussian covers space the "
                   "autoencoder's codes leave empty, its samples blur into no digit; the VAE's decoder was trained "
                   "on z spread over its prior. With d = 2 both are blurred: two numbers hold little of a digit.")


def _samples(data: Data, found: Found, start: int, end: int) -> None:
    """2-D data: each model's samples and decoded path over the data, how likely they are under the truth."""
    cols = shell.columns(2)
    box = axes.domain(data.X, *(g.samples for _, g in found.values()), *(g.decoded for _, g in found.values()), pad=0.3)
    for col, (name, (run, g)) in zip(cols, found.items()):
        with col:
            source = "from the fitted Gaussian" if name == "autoencoder" else "from the prior"
            figures.show(lambda g=g, name=name, source=source: latents.samples_and_path(
                             g.samples, g.decoded, data.X, box, [f"{name}: g(z), z {source}", "orange: the decoded path"]),
                         f"generated_{name}", (run.config, start, end), height=shell.height(380, 440))
            if g.log_p_data is not None:
                shell.metric(st, f"Mean log p_data of the {name}'s samples", f"{g.log_p_data:.2f} nats",
                             help="The true density of the data (known: this data set is generated) at each sample "
                                  "g(z), averaged: higher means the samples land where the data lives.")
    if found["VAE"][1].log_p_test is not None:
        st.caption(f"The test points themselves score {found['VAE'][1].log_p_test:.2f} nats on average (the "
                   "data's negative entropy): samples as likely as the data would score about that. Drawn from a "
                   f"mixture of {MIXTURE} Gaussians fitted to the same codes instead of one, the autoencoder's samples "
                   f"score {found['autoencoder'][1].log_p_mixture:.2f}: one Gaussian is the simplest density to fit "
                   "to the codes, not the best.")
    shell.look_for("the autoencoder's samples scatter over the space between the clusters, the VAE's land on them "
                   "(compare their log p_data with the data's own). Between two clusters both paths cross empty "
                   "space: a continuous decoder cannot jump.")
