"""The worked example's β slider and five figures like its own, nothing else: drawn by the browser as
Vega-Lite charts (the app's way), or, run with ``-- png``, drawn on the server as PNG images (vl-convert,
each image made once per β and cached, so the server's drawing is not in the browser's numbers).

benchmarks/browser_cost.py runs both beside the worked example: would server-drawn pictures make a β move
cheaper for the browser? The data is the three clusters, moved by β so that every figure changes.

Run alone: streamlit run benchmarks/figures_app.py [-- png]
"""

import sys

import numpy as np
import streamlit as st

import vae_core as vc
from vae_ui.charts import axes, look, spaces
from vae_ui.page import figures
from vae_ui.settings import BETAS

PNG = "png" in sys.argv[1:]


@st.cache_data(max_entries=256, show_spinner=False)
def picture(spec_json: str) -> bytes:
    return figures.png(spec_json)


def show(chart) -> None:
    figure = figures.prepare(look.style(chart))
    if PNG:
        st.image(picture(figure.with_values()), width="stretch")
    else:
        st.vega_lite_chart(figure.to_vega_lite(), width="stretch")


st.set_page_config(layout="wide")  # as the app
beta = st.select_slider("β (weight of the KL term)", options=list(BETAS), value=1.0)
data = vc.data.load("three_clusters", n=600, seed=0)
X, y = data.X, data.y
shrink = 1.0 / (1.0 + beta)  # stands in for what β does to the model: every figure's data changes
epochs = np.arange(1, 301)
samples = np.random.default_rng(0).standard_normal((300, 2)) * (1.0 + shrink)
domain = axes.domain(X)

left, right = st.columns(2)
with left:
    show(spaces.latent_space(X * shrink, np.full_like(X, np.log(0.05 + shrink)), y, "Latent space"))
with right:
    curves = {"reconstruction": 3 * shrink + 2 / np.sqrt(epochs), "KL": shrink + 1 / epochs,
              "loss": 4 * shrink + 3 / np.sqrt(epochs)}
    show(spaces.loss_curves(curves))
cols = st.columns(3)
with cols[0]:
    show(spaces.points(X, y, "Data", domain=domain))
with cols[1]:
    show(spaces.points(X * (0.5 + shrink), y, "Reconstructions", domain=domain))
with cols[2]:
    show(spaces.points(samples, None, "Samples"))
