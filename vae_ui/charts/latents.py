"""Figures of latent spaces and of what a model generates from them: codes with the Gaussian a sampler draws from,
samples and an interpolated path over the data, and the grid the decoded latent manifold is made on, drawn over the
codes (its mosaic is :func:`vae_ui.charts.images.mosaic`).

Like :mod:`vae_ui.charts.spaces` (whose axes, colours and layers these reuse), every function takes arrays and returns
a chart; none trains or evaluates a model.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from vae_ui.charts.axes import Box, EqualAxes, domain, faint, scatter
from vae_ui.charts.look import OKABE_ITO

PATH = OKABE_ITO[5]  # the interpolated path, in both spaces


def _ellipses(mean: np.ndarray, cov: np.ndarray, radii: tuple[float, ...] = (1.0, 2.0)) -> pd.DataFrame:
    """The 1σ and 2σ ellipses of N(mean, cov) in 2-D as one frame of lines (column ``r``: which ellipse)."""
    values, vectors = np.linalg.eigh(cov)
    t = np.linspace(0, 2 * np.pi, 97)
    circle = np.stack([np.cos(t), np.sin(t)])  # (2, 97)
    frames = []
    for r in radii:
        e = mean[:, None] + r * vectors @ (np.sqrt(np.maximum(values, 0))[:, None] * circle)  # (2, 97)
        frames.append(pd.DataFrame({"e1": e[0], "e2": e[1], "r": f"{r:g}σ", "order": np.arange(len(t))}))
    return pd.concat(frames)


def _path_layers(path: np.ndarray, axes: EqualAxes, x: str, y: str) -> list[alt.Chart]:
    """The path (steps, 2) as an orange line with a dot at each step and a diamond at each end."""
    df = pd.DataFrame({x: path[:, 0], y: path[:, 1], "order": np.arange(len(path))})
    line = alt.Chart(df).mark_line(color=PATH, strokeWidth=4).encode(x=axes.x(x), y=axes.y(y), order=alt.Order("order:Q"))
    steps = alt.Chart(df).mark_circle(color=PATH, size=90, opacity=1).encode(x=axes.x(x), y=axes.y(y))
    ends = alt.Chart(df.iloc[[0, -1]]).mark_point(shape="diamond", size=420, filled=True, color="#000").encode(
        x=axes.x(x), y=axes.y(y))
    return [line, steps, ends]


def codes(z: np.ndarray, labels: np.ndarray, label_title: str, title: str | list[str], mean: np.ndarray,
          cov: np.ndarray, path: np.ndarray | None = None) -> alt.LayerChart:
    """The codes z (n, 2) coloured by label, the 1σ and 2σ ellipses of the Gaussian N(mean, cov) a sampler draws z
    from (dashed: the prior N(0, I) for a VAE, a Gaussian fitted to the codes for an autoencoder), and the straight
    ``path`` between two codes (steps, 2)."""
    rings = _ellipses(mean, cov)
    extra = [path] if path is not None else []
    axes = EqualAxes(domain(z, rings[["e1", "e2"]].to_numpy(), *extra, pad=0.2))
    gauss = alt.Chart(rings).mark_line(color="#444", strokeWidth=2.5, strokeDash=[6, 4]).encode(
        x=axes.x("e1", "z1"), y=axes.y("e2", "z2"), detail=alt.Detail("r:N"), order=alt.Order("order:Q"))
    layers = [scatter(z, labels, axes, "z1", "z2", label_title, size=25), gauss]
    if path is not None:
        layers += _path_layers(path, axes, "z1", "z2")
    return axes.layer(*layers, title=title)


def samples_and_path(samples: np.ndarray, decoded_path: np.ndarray, data: np.ndarray, box: Box,
                     title: str | list[str]) -> alt.LayerChart:
    """What a model generates (black) and its decoded path (orange; diamonds: the two ends' reconstructions), over the
    data (faint)."""
    axes = EqualAxes(box)
    return axes.layer(faint(data, axes), scatter(samples, None, axes, size=18),
                      *_path_layers(decoded_path, axes, "x₁", "x₂"), title=title)


def grid_over_codes(mu: np.ndarray, labels: np.ndarray, grid: np.ndarray, label_title: str,
                    title: str | list[str]) -> alt.LayerChart:
    """The codes μ(x) coloured by label, with the nodes of the mosaic's grid (m, m, 2) as black crosses: the node in
    row r, column c of the grid is the image in row r, column c of the mosaic."""
    nodes = grid.reshape(-1, 2)
    axes = EqualAxes(domain(mu, nodes, pad=0.3))
    df = pd.DataFrame({"z1": nodes[:, 0], "z2": nodes[:, 1]})
    crosses = alt.Chart(df).mark_point(shape="cross", size=90, filled=True, color="#000", opacity=0.8).encode(
        x=axes.x("z1"), y=axes.y("z2"))
    return axes.layer(scatter(mu, labels, axes, "z1", "z2", label_title, size=25), crosses, title=title)


def gaussians(named: dict[str, tuple[np.ndarray, np.ndarray]], title: str | list[str],
              x: str = "z1", y: str = "z2") -> alt.LayerChart:
    """The 1σ and 2σ ellipses of a few named 2-D Gaussians (mean (2,), cov (2, 2)), one colour each, the first grey
    and filled beneath the others (the distribution the others approximate), the others dashed or solid lines. The
    legend beside the plot: below, its long names took the height that equal units need (a plot 60 px tall)."""
    names = list(named)
    frames = [_ellipses(mean, cov).assign(g=name) for name, (mean, cov) in named.items()]
    df = pd.concat(frames)
    axes = EqualAxes(domain(df[["e1", "e2"]].to_numpy(), pad=0.3))
    colour = alt.Color("g:N", title="", sort=names, legend=alt.Legend(orient="right", columns=1, labelLimit=0),
                       scale=alt.Scale(domain=names, range=["#777", OKABE_ITO[5], OKABE_ITO[0], OKABE_ITO[2]][:len(names)]))
    dash = alt.StrokeDash("g:N", sort=names, legend=None,
                          scale=alt.Scale(domain=names, range=[[1, 0], [1, 0], [7, 4], [2, 3]][:len(names)]))
    lines = alt.Chart(df).mark_line(strokeWidth=3).encode(
        x=axes.x("e1", x), y=axes.y("e2", y), color=colour, strokeDash=dash, detail=alt.Detail("r:N"),
        order=alt.Order("order:Q"))
    centres = pd.DataFrame({"e1": [named[n][0][0] for n in names], "e2": [named[n][0][1] for n in names], "g": names})
    dots = alt.Chart(centres).mark_point(shape="cross", size=160, filled=True).encode(
        x=axes.x("e1", x), y=axes.y("e2", y), color=colour)
    return axes.layer(lines, dots, title=title)


