"""The look every chart shares, styled to be read from the back of a lecture hall: large, plain, dark type, the
Okabe–Ito palette (safe for colour-blind viewers, with two more for ten classes), legends below the plot; and two
helpers every builder uses (:func:`layer` without Altair's copies, :func:`thin` to bound the points drawn).
"""

from __future__ import annotations

import altair as alt
import numpy as np

alt.data_transformers.disable_max_rows()  # our own caps (MAX_POINTS) keep charts small; histograms bin in Vega
# Altair checks every Scale, Axis, ... against the Vega-Lite schema as it is made: a third of the cost of a new
# figure (each Play frame is one). The figures are tested (tests/test_figures.py, the pages' tests) instead.
alt.utils.schemapi.DEBUG_MODE = False


OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

PALETTE = [*OKABE_ITO, "#882255", "#999999"]  # ten distinct colours: the ten digits

TEXT = "#31333F"  # axis and legend text: 12.6:1 against white (Streamlit's own axis grey, #808495, is 3.7:1)

FAINT = "#b8b8b8"  # the data drawn beneath reconstructions and samples, for comparison

MAX_POINTS = 1500  # points drawn per scatter; the browser is the bottleneck


def _config(lecture: bool) -> alt.Config:
    """The look of every chart: large, plain, dark type (20 px and more in lecture mode), legends below the plot."""
    size = 20 if lecture else 14
    return alt.Config(
        aria=False,  # no description text built for every mark: a canvas does not use it
        axis=alt.AxisConfig(labelFontSize=size, titleFontSize=size + 2, labelColor=TEXT, titleColor=TEXT,
                            titleFontWeight="normal", labelLimit=0, labelBound=True, grid=True,
                            gridOpacity=0.4),  # a label past the axis's end by > 0.5 px is hidden
        legend=alt.LegendConfig(labelFontSize=size, titleFontSize=size, labelColor=TEXT, titleColor=TEXT, labelLimit=0,
                                symbolSize=160 if lecture else 80, orient="bottom", direction="horizontal", columns=5,
                                titleOrient="left", titleAnchor="middle"),  # below the plot: the width is for data
        title=alt.TitleConfig(fontSize=size + 4, anchor="start", color=TEXT, subtitleFontSize=size, subtitleColor=TEXT),
        text=alt.MarkConfig(fontSize=size, color=TEXT),
        view=alt.ViewConfig(strokeWidth=0))

CONFIGS = {lecture: _config(lecture) for lecture in (False, True)}


def style(chart: alt.TopLevelMixin, lecture: bool = False, height: int = 320) -> alt.TopLevelMixin:
    """The chart with the app's look (:func:`_config`); ``height`` is the whole chart's, in px. The chart is styled in
    place (it is fresh from a builder): Altair's ``configure_*`` would copy it whole, once per call."""
    chart.height = height
    chart.usermeta = {"embedOptions": {"renderer": "canvas"}}  # far cheaper than SVG to redraw
    chart.config = CONFIGS[lecture]
    return chart


def layer(*charts: alt.TopLevelMixin, title: str | list[str] = "") -> alt.LayerChart:
    """``alt.layer(*charts, title=title)``, without its copies: Altair deep-copies every layer twice to merge their
    selection parameters, a third of the cost of a new figure. Layers with parameters go through ``alt.layer``."""
    if any(getattr(chart, "params", alt.Undefined) is not alt.Undefined for chart in charts):
        return alt.layer(*charts, title=title)
    chart = alt.LayerChart(title=title)
    chart.layer = list(charts)
    return chart


def thin(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``limit`` evenly spread rows."""
    return np.arange(n) if n <= limit else np.linspace(0, n - 1, limit).astype(int)
