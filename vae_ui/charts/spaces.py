"""Altair figures in data space and latent space on equal axes: scatters of x and of z, reconstructions and samples
over the data, vector fields, posteriors on a grid, ε mapped to z. Curves and bars are in
:mod:`vae_ui.charts.curves`; codes, paths and Gaussians of a generator in :mod:`vae_ui.charts.latents`.

Every function takes arrays and returns an ``alt.Chart``; none trains or evaluates a model. Scatters keep equal
units on both axes (:class:`vae_ui.charts.axes.EqualAxes`): a round cluster stays round and a 1σ circle a circle,
whatever the column's shape.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from vae_ui.charts.axes import Box, EqualAxes, colour, domain, faint, labelled, scatter
from vae_ui.charts.look import OKABE_ITO, thin


def points(X: np.ndarray, labels: np.ndarray | None = None, title: str | list[str] = "", x: str = "x₁",
           y: str = "x₂", label_title: str = "cluster", size: int = 40, box: Box | None = None,
           color: str = "#000", beneath: np.ndarray | None = None) -> alt.LayerChart:
    """A scatter of the first two columns of X, coloured by label, over the data ``beneath`` drawn faint (if
    given, for comparison). Equal units on both axes, spanning ``box`` (or the points)."""
    axes = EqualAxes(box or domain(X, *(() if beneath is None else (beneath,))))
    under = [] if beneath is None else [faint(beneath, axes, x, y, size)]
    return axes.layer(*under, scatter(X, labels, axes, x, y, label_title, size, color), title=title)


def reconstructions_and_samples(recon: np.ndarray, labels: np.ndarray, samples: np.ndarray, data: np.ndarray,
                                box: Box, title: str | list[str]) -> alt.LayerChart:
    """A model's reconstructions (colour) on top of its prior samples (black, small), over the data (faint)."""
    axes = EqualAxes(box)
    return axes.layer(faint(data, axes), scatter(samples, None, axes, size=15), scatter(recon, labels, axes),
                      title=title)


SAMPLE_KINDS = ("g(z), the decoder's mean", "x ~ p(x|z), with its noise")


def prior_samples(means: np.ndarray, full: np.ndarray, data: np.ndarray, box: Box,
                  title: str | list[str]) -> alt.LayerChart:
    """Samples from the prior, two ways, over the data (faint): the decoder means g(z) (black) and full samples
    x ~ p(x|z) of the same z (orange), the noise of the decoder added: what the model really generates."""
    axes = EqualAxes(box)
    keep = thin(len(means), 600)
    df = pd.DataFrame({"x₁": np.concatenate([full[keep, 0], means[keep, 0]]),
                       "x₂": np.concatenate([full[keep, 1], means[keep, 1]]),
                       "sample": np.repeat([SAMPLE_KINDS[1], SAMPLE_KINDS[0]], len(keep))})
    scale = alt.Scale(domain=list(SAMPLE_KINDS), range=["#000000", OKABE_ITO[5]])
    dots = alt.Chart(df).mark_circle(size=22, opacity=0.7).encode(
        x=axes.x("x₁"), y=axes.y("x₂"), color=alt.Color("sample:N", title=None, scale=scale,
                                                         legend=alt.Legend(columns=1)))
    return axes.layer(faint(data, axes), dots, title=title)


def holes_decoded(X: np.ndarray, labels: np.ndarray, decoded: np.ndarray, title: str | list[str]) -> alt.LayerChart:
    """The data, and black diamonds where the decoder sends the prior's holes."""
    axes = EqualAxes(domain(X, decoded))
    return axes.layer(scatter(X, labels, axes), highlight(decoded, axes), title=title)


def latent_space(mu: np.ndarray, log_var: np.ndarray, labels: np.ndarray, title: str = "Latent space: μ(x) and 1σ ellipses",
                 n_ellipses: int = 40, dims: tuple[int, int] = (0, 1), label_title: str = "cluster") -> alt.LayerChart:
    """Encoder means coloured by label, with the 1-σ ellipse of q(z|x) around a few of them (equal units: an
    isotropic q is drawn as a circle)."""
    i, j = dims
    std = np.exp(0.5 * log_var)
    centres = np.stack([mu[:, i], mu[:, j]], axis=1)
    chosen = thin(len(mu), n_ellipses)  # (m,)
    reach = np.stack([std[chosen, i], std[chosen, j]], axis=1)
    axes = EqualAxes(domain(centres, centres[chosen] - reach, centres[chosen] + reach, pad=0.3))
    base = scatter(centres, labels, axes, f"z{i + 1}", f"z{j + 1}", label_title)
    t = np.append(np.linspace(0, 2 * np.pi, 33), np.nan)  # the NaN ends each ellipse: the line breaks there
    ex = mu[chosen, i, None] + std[chosen, i, None] * np.cos(t)  # (m, 34)
    ey = mu[chosen, j, None] + std[chosen, j, None] * np.sin(t)
    # one broken line per cluster through all its ellipses, not one line per ellipse: three paths
    # for the browser to redraw instead of forty
    frame = labelled(pd.DataFrame({"ex": ex.ravel(), "ey": ey.ravel(), "order": np.arange(ex.size)}),
                      np.repeat(labels[chosen], len(t)), label_title)
    ellipses = alt.Chart(frame).mark_line(strokeWidth=1.2, opacity=0.6).encode(
        x=axes.x("ex", f"z{i + 1}"), y=axes.y("ey", f"z{j + 1}"), order=alt.Order("order:Q"),
        color=colour(label_title, label_title))
    return axes.layer(ellipses, base, title=title)


TICK = 22  # length of a latent strip's tick, px


def latent_strip(z: np.ndarray, labels: np.ndarray, title: str = "Latent codes z", label_title: str = "cluster") -> alt.Chart:
    """A 1-D latent space: each code on the horizontal axis, one row per label."""
    keep = thin(len(z))
    df = labelled(pd.DataFrame({"z": z[keep], "idx": keep}), labels[keep], label_title)
    return alt.Chart(df, title=title).mark_tick(thickness=1.5, size=TICK, opacity=0.5).encode(
        x=alt.X("z:Q"), y=alt.Y(f"{label_title}:N", title="label"), color=colour(label_title, label_title))


def selectable(chart: alt.TopLevelMixin, size: float = 40) -> alt.TopLevelMixin:
    """Let a click pick the nearest point: the selection ``pick`` holds its row index ``idx``. The picked mark is
    drawn larger; before any click (an empty selection) every mark keeps its ``size`` (a circle's area, a
    tick's length). On a layered chart the layer of the points (the one with ``idx``) is made selectable."""
    pick = alt.selection_point(name="pick", fields=["idx"], on="click", nearest=True)
    larger = alt.condition(pick, alt.value(2 * size if size < 30 else 4 * size), alt.value(size), empty=False)
    if isinstance(chart, alt.LayerChart):
        at = next(i for i, layer in enumerate(chart.layer) if "idx" in getattr(layer, "data", pd.DataFrame()))
        chart.layer[at] = chart.layer[at].add_params(pick).encode(size=larger, tooltip=[alt.Tooltip("idx:Q")])
        return chart
    return chart.add_params(pick).encode(size=larger, tooltip=[alt.Tooltip("idx:Q")])


def highlight(X: np.ndarray, axes: EqualAxes) -> alt.Chart:
    """Large black diamonds at the rows of X (a decoded point), on the axes of the chart it is drawn over."""
    df = pd.DataFrame({"x₁": X[:, 0], "x₂": X[:, 1]})
    return alt.Chart(df).mark_point(shape="diamond", size=400, filled=True, color="#000").encode(
        x=axes.x("x₁"), y=axes.y("x₂"))


def reconstruction_pairs(X: np.ndarray, X_hat: np.ndarray, labels: np.ndarray, title: str | list[str]) -> alt.LayerChart:
    """Each point joined by a grey line to its reconstruction (hollow marker)."""
    keep = thin(len(X), 400)
    axes = EqualAxes(domain(X[keep], X_hat[keep], pad=0.3))
    df = labelled(pd.DataFrame({"x₁": X[keep, 0], "x₂": X[keep, 1], "r1": X_hat[keep, 0], "r2": X_hat[keep, 1]}),
                   labels[keep], "cluster")
    x, y = axes.x("x₁"), axes.y("x₂")
    lines = alt.Chart(df).mark_rule(color="#888", opacity=0.5).encode(x=x, y=y, x2=alt.X2("r1:Q"), y2=alt.Y2("r2:Q"))
    data = alt.Chart(df).mark_circle(size=30, opacity=0.6).encode(x=x, y=y, color=colour("cluster", "cluster"))
    recon = alt.Chart(df).mark_point(size=40, filled=False, color="#000", opacity=0.8).encode(
        x=axes.x("r1", "x₁"), y=axes.y("r2", "x₂"))
    return axes.layer(lines, data, recon, title=title)


def curve_over_data(X: np.ndarray, labels: np.ndarray, curve: np.ndarray, title: str | list[str],
                    picked: np.ndarray | None = None, reference: np.ndarray | None = None) -> alt.LayerChart:
    """The decoder's learned manifold g(z), a curve (m, 2), drawn over the data; ``picked`` rows as diamonds; a
    ``reference`` line (its two ends, (2, 2)), such as PCA's first axis, dashed in orange beneath the curve."""
    box = domain(X, curve, pad=0.3)
    axes = EqualAxes(box)
    df = pd.DataFrame({"x₁": curve[:, 0], "x₂": curve[:, 1], "order": np.arange(len(curve))})
    line = alt.Chart(df).mark_line(color="#000", strokeWidth=3).encode(x=axes.x("x₁"), y=axes.y("x₂"), order=alt.Order("order:Q"))
    layers = [scatter(X, labels, axes, size=25)]
    if reference is not None:
        ends = _inside(reference, box)
        frame = pd.DataFrame({"x₁": ends[:, 0], "x₂": ends[:, 1]})
        layers.append(alt.Chart(frame).mark_line(color=OKABE_ITO[5], strokeWidth=5, strokeDash=[10, 6]).encode(
            x=axes.x("x₁"), y=axes.y("x₂")))
    layers.append(line)
    if picked is not None:
        layers.append(highlight(picked, axes))
    return axes.layer(*layers, title=title)


def _inside(ends: np.ndarray, box: Box) -> np.ndarray:
    """The line through two points (2, 2), cut where it leaves the box (its centre inside): (2, 2)."""
    centre = np.array([(box[0][0] + box[0][1]) / 2, (box[1][0] + box[1][1]) / 2])
    half = np.array([(box[0][1] - box[0][0]) / 2, (box[1][1] - box[1][0]) / 2])
    direction = (ends[1] - ends[0]) / np.linalg.norm(ends[1] - ends[0])
    point = (ends[0] + ends[1]) / 2 - centre  # a point of the line, from the centre
    reach = []
    for sign in (-1.0, 1.0):  # how far from `point` along ±direction until an edge
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(direction != 0, (sign * np.sign(direction) * half - point) / (sign * direction), np.inf)
        reach.append(np.min(np.abs(t)))
    return centre + point + np.array([-reach[0], reach[1]])[:, None] * direction


def _arrow_layers(starts: np.ndarray, ends: np.ndarray, axes: EqualAxes, color: str) -> list[alt.Chart]:
    """Arrows from each start to its end: shafts, heads turned along them, and a dot at each start."""
    d = ends - starts
    df = pd.DataFrame({"x₁": starts[:, 0], "x₂": starts[:, 1], "e1": ends[:, 0], "e2": ends[:, 1],
                       "angle": (90 - np.degrees(np.arctan2(d[:, 1], d[:, 0]))) % 360})
    x, y = axes.x("x₁"), axes.y("x₂")
    shafts = alt.Chart(df).mark_rule(color=color, strokeWidth=1.4, opacity=0.55).encode(
        x=x, y=y, x2=alt.X2("e1:Q"), y2=alt.Y2("e2:Q"))
    heads = alt.Chart(df).mark_point(shape="triangle", filled=True, size=45, color=color, opacity=0.7).encode(
        x=axes.x("e1", "x₁"), y=axes.y("e2", "x₂"), angle=alt.Angle("angle:Q", scale=None))
    starts_ = alt.Chart(df).mark_circle(size=12, color=color, opacity=0.5).encode(x=x, y=y)
    return [shafts, starts_, heads]


def arrows(starts: np.ndarray, ends: np.ndarray, X: np.ndarray, labels: np.ndarray, title: str | list[str],
           second: np.ndarray | None = None) -> alt.LayerChart:
    """A vector field: an arrow from each grid point x̃ to g(f(x̃)), thin and translucent over the data; with
    ``second``, the ends of a second field from the same starts (the Bayes-optimal denoiser's) in orange on top."""
    axes = EqualAxes(domain(starts, ends, *([] if second is None else [second]), pad=0.1))
    layers = _arrow_layers(starts, ends, axes, "#222")
    if second is not None:
        layers += _arrow_layers(starts, second, axes, OKABE_ITO[5])
    return axes.layer(scatter(X, labels, axes, size=30), *layers, title=title)


def posterior_vs_q(grid: np.ndarray, density: np.ndarray, mu: np.ndarray, std: np.ndarray,
                   q: np.ndarray | None = None) -> alt.TopLevelMixin:
    """The exact posterior on a grid (heat map, or a curve in 1-D) with the encoder's q(z|x) over it: its 1σ and
    2σ ellipses (mean ``mu``, standard deviations ``std``), or in 1-D its density ``q`` on the grid."""
    if grid.shape[1] == 1:
        z = grid[:, 0]
        df = pd.DataFrame({"z": np.tile(z, 2), "density": np.concatenate([density, q]),
                           "curve": np.repeat(["exact p(z|x)", "encoder q(z|x)"], len(z))})
        return alt.Chart(df, title="Encoder q(z|x) against the exact posterior").mark_line(strokeWidth=3).encode(
            x=alt.X("z:Q"), y=alt.Y("density:Q"), color=alt.Color("curve:N", title="", scale=alt.Scale(range=OKABE_ITO)),
            strokeDash=alt.StrokeDash("curve:N", legend=None, scale=alt.Scale(range=[[1, 0], [6, 4]])))
    m = int(round(np.sqrt(len(grid))))
    half = (grid[-1] - grid[0]) / (m - 1) / 2  # each cell is centred on its grid point
    axes = EqualAxes(((float(grid[0, 0]), float(grid[-1, 0])), (float(grid[0, 1]), float(grid[-1, 1]))))
    df = pd.DataFrame({"z1": grid[:, 0] - half[0], "z2": grid[:, 1] - half[1], "z1b": grid[:, 0] + half[0],
                       "z2b": grid[:, 1] + half[1], "density": density})
    heat = alt.Chart(df).mark_rect().encode(
        x=axes.x("z1"), x2=alt.X2("z1b:Q"), y=axes.y("z2"), y2=alt.Y2("z2b:Q"),
        color=alt.Color("density:Q", scale=alt.Scale(scheme="blues"), legend=None))
    t = np.linspace(0, 2 * np.pi, 81)
    rings = pd.concat([pd.DataFrame({"e1": mu[0] + k * std[0] * np.cos(t), "e2": mu[1] + k * std[1] * np.sin(t),
                                     "k": f"{k}σ", "order": np.arange(len(t))}) for k in (1, 2)])
    ellipse = alt.Chart(rings).mark_line(color=OKABE_ITO[5], strokeWidth=3).encode(
        x=axes.x("e1", "z1"), y=axes.y("e2", "z2"), detail=alt.Detail("k:N"), order=alt.Order("order:Q"))
    return axes.layer(heat, ellipse, title=["Exact p(z|x) (shade)", "and q(z|x) (1σ, 2σ)"])


def aggregate_posterior(z: np.ndarray, labels: np.ndarray, holes: np.ndarray) -> alt.LayerChart:
    """One sample of q(z|x) per example (the aggregate posterior) over the prior's 1-, 2-, 3-σ circles."""
    if z.shape[1] == 1:
        z = np.hstack([z, np.zeros_like(z)])
        holes = np.hstack([holes, np.zeros_like(holes)])
    axes = EqualAxes(((-3.3, 3.3), (-3.3, 3.3)) if len(z) == 0 else domain(z, np.array([[-3, -3], [3, 3]]), pad=0.3))
    t = np.linspace(0, 2 * np.pi, 121)
    circles = pd.concat([pd.DataFrame({"c1": r * np.cos(t), "c2": r * np.sin(t), "r": r, "order": np.arange(len(t))})
                         for r in (1, 2, 3)])
    prior = alt.Chart(circles).mark_line(color="#777", strokeDash=[4, 4]).encode(
        x=axes.x("c1", "z1"), y=axes.y("c2", "z2"), detail=alt.Detail("r:N"), order=alt.Order("order:Q"))
    cloud = scatter(z, labels, axes, "z1", "z2", size=20)
    hole_marks = alt.Chart(pd.DataFrame({"z1": holes[:, 0], "z2": holes[:, 1]})).mark_point(
        shape="diamond", size=160, filled=True, color="#000").encode(x=axes.x("z1"), y=axes.y("z2"))
    return axes.layer(prior, cloud, hole_marks, title=["Aggregate posterior vs prior N(0, I)", "◆ = prior holes"])


def epsilon_to_z(eps: np.ndarray, z: np.ndarray) -> alt.LayerChart:
    """The ε cloud (grey) and its image z (colour), a few pairs joined; both clouds in view, equal units."""
    axes = EqualAxes(domain(eps, z, pad=0.3))
    df = pd.DataFrame({"x1": eps[:, 0], "x2": eps[:, 1], "z1": z[:, 0], "z2": z[:, 1]})
    joined = df.iloc[::10]
    x, y = axes.x("x1", "coordinate 1"), axes.y("x2", "coordinate 2")
    grey = alt.Chart(df).mark_circle(size=40, color="#aaa", opacity=0.7).encode(x=x, y=y)
    lines_ = alt.Chart(joined).mark_rule(color=OKABE_ITO[1], opacity=0.6).encode(x=x, y=y, x2=alt.X2("z1:Q"), y2=alt.Y2("z2:Q"))
    coloured = alt.Chart(df).mark_circle(size=45, color=OKABE_ITO[0], opacity=0.8).encode(
        x=axes.x("z1", "coordinate 1"), y=axes.y("z2", "coordinate 2"))
    return axes.layer(grey, lines_, coloured, title="ε (grey) ↦ z = μ + σ ⊙ ε (blue)")
