"""Altair figures in data space (scatters of x and of z, fields, posteriors, images), styled to be read from the
back of a lecture hall. Curves, bars and histograms are in :mod:`vae_ui.curves`.

Every function takes arrays and returns an ``alt.Chart``; none trains or evaluates a model. Scatters keep equal
units on both axes (:class:`EqualAxes`): a round cluster stays round and a 1σ circle a circle, whatever the
column's shape. Colours are the Okabe–Ito palette (safe for colour-blind viewers), with two more for ten classes.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

alt.data_transformers.disable_max_rows()  # our own caps (MAX_POINTS) keep charts small; histograms bin in Vega
# Altair checks every Scale, Axis, ... against the Vega-Lite schema as it is made: a third of the cost of a new
# figure (each Play frame is one). The figures are tested (tests/test_figures.py, the pages' tests) instead.
alt.utils.schemapi.DEBUG_MODE = False

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
PALETTE = [*OKABE_ITO, "#882255", "#999999"]  # ten distinct colours: the ten digits
TEXT = "#31333F"  # axis and legend text: 12.6:1 against white (Streamlit's own axis grey, #808495, is 3.7:1)
FAINT = "#b8b8b8"  # the data drawn beneath reconstructions and samples, for comparison
MAX_POINTS = 1500  # points drawn per scatter; the browser is the bottleneck
Box = tuple[tuple[float, float], tuple[float, float]]  # ((x0, x1), (y0, y1)) in data units


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


def domain(*arrays: np.ndarray, pad: float = 0.5) -> Box:
    """The box around the first two columns of the arrays, ``pad`` wider on every side: for charts that must
    share their axes."""
    X = np.vstack([a[:, :2] for a in arrays])
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


class EqualAxes:
    """The x and y encodings of a chart whose two axes share one unit: a circle stays a circle.

    The data box is centred in the plot and the axis with room to spare shows more range. The scales' domains are
    Vega expressions of the plot's size (the signals ``width`` and ``height``), so they follow the column the
    chart is drawn in: one pixel is the same length of x and of z on both axes at any size. The box itself travels
    as a one-row dataset named ``equal_axes`` (the expressions read it), so a chart whose box changes with its data
    keeps the same spec, and the browser swaps the data into the drawn view instead of building a new one. Draw
    the layers with :meth:`layer`, which adds the (invisible) layer that carries that dataset.
    """

    NAME = "equal_axes"
    AXIS = alt.Axis(labelBound=0.5)  # the domain ends anywhere: a tick near the end would stick out by up to 1 px

    def __init__(self, box: Box) -> None:
        (x0, x1), (y0, y1) = box
        self.frame = pd.DataFrame({"cx": [(x0 + x1) / 2], "cy": [(y0 + y1) / 2],
                                   "hx": [max((x1 - x0) / 2, 1e-9)], "hy": [max((y1 - y0) / 2, 1e-9)]})
        self.frame.attrs["dataset_name"] = self.NAME  # figures.prepare sends it under this name
        self._titles: dict[str, str | None] = {"x": None, "y": None}  # the axes' titles, as the layers give them

    @classmethod
    def _domain(cls, axis: str) -> dict:
        box = f"data('{cls.NAME}')[0]"
        per_px = f"max({box}.hx / max(width, 1), {box}.hy / max(height, 1))"  # half-range per pixel, on both axes
        size = "width" if axis == "x" else "height"
        return {"expr": f"[{box}.c{axis} - {per_px} * {size}, {box}.c{axis} + {per_px} * {size}]"}

    def x(self, field: str, title: str | None = None) -> alt.X:
        self._titles["x"] = field if title is None else title
        return alt.X(f"{field}:Q", title=self._titles["x"], scale=alt.Scale(domain=self._domain("x"), nice=False, zero=False),
                     axis=self.AXIS)

    def y(self, field: str, title: str | None = None) -> alt.Y:
        self._titles["y"] = field if title is None else title
        return alt.Y(f"{field}:Q", title=self._titles["y"], scale=alt.Scale(domain=self._domain("y"), nice=False, zero=False),
                     axis=self.AXIS)

    def layer(self, *layers: alt.TopLevelMixin, title: str | list[str] = "") -> alt.LayerChart:
        """The layers on these axes, with the invisible layer that carries the box (titled as the others' axes, so
        that it adds no title of its own: Vega-Lite joins differing titles of one axis with a comma)."""
        x, y = self.x("cx", self._titles["x"]), self.y("cy", self._titles["y"])
        anchor = alt.Chart(self.frame).mark_point(opacity=0).encode(x=x, y=y)
        return layer(*layers, anchor, title=title)


def colour(field: str, title: str, beside: bool = False) -> alt.Color:
    """Labels (clusters, digits: 0 … 9, in order as text) in ten distinct colours; their legend ``beside`` the plot
    (two columns) where a legend below would take the height a scatter of equal units needs."""
    legend = alt.Legend(orient="right", columns=2) if beside else alt.Undefined
    return alt.Color(f"{field}:N", title=title, scale=alt.Scale(range=PALETTE), legend=legend)


def _labelled(df: pd.DataFrame, labels: np.ndarray, field: str) -> pd.DataFrame:
    df[field] = labels.astype(str)
    return df


def points(X: np.ndarray, labels: np.ndarray | None = None, title: str | list[str] = "", x: str = "x₁",
           y: str = "x₂", label_title: str = "cluster", size: int = 40, box: Box | None = None,
           color: str = "#000", beneath: np.ndarray | None = None) -> alt.LayerChart:
    """A scatter of the first two columns of X, coloured by label, over the data ``beneath`` drawn faint (if
    given, for comparison). Equal units on both axes, spanning ``box`` (or the points)."""
    axes = EqualAxes(box or domain(X, *(() if beneath is None else (beneath,))))
    under = [] if beneath is None else [_faint(beneath, axes, x, y, size)]
    return axes.layer(*under, _scatter(X, labels, axes, x, y, label_title, size, color), title=title)


def _scatter(X: np.ndarray, labels: np.ndarray | None, axes: EqualAxes, x: str = "x₁", y: str = "x₂",
             label_title: str = "cluster", size: float = 40, color: str = "#000") -> alt.Chart:
    """The layer of :func:`points`: the first two columns of X, coloured by label (or all ``color``)."""
    keep = thin(len(X))
    df = pd.DataFrame({x: X[keep, 0], y: X[keep, 1], "idx": keep})
    enc = {"x": axes.x(x), "y": axes.y(y)}
    if labels is not None:
        _labelled(df, labels[keep], label_title)
        enc["color"] = colour(label_title, label_title, beside=len(np.unique(labels)) > 3)  # (ten digits: 5 rows)
    return alt.Chart(df).mark_circle(size=size, opacity=0.75, **({} if labels is not None else {"color": color})).encode(**enc)


def _faint(X: np.ndarray, axes: EqualAxes, x: str = "x₁", y: str = "x₂", size: float = 40) -> alt.Chart:
    """The data drawn faint grey, beneath what is compared with it."""
    under = thin(len(X), 600)
    frame = pd.DataFrame({x: X[under, 0], y: X[under, 1]})
    return alt.Chart(frame).mark_circle(size=size * 0.6, color=FAINT, opacity=0.6).encode(x=axes.x(x), y=axes.y(y))


def reconstructions_and_samples(recon: np.ndarray, labels: np.ndarray, samples: np.ndarray, data: np.ndarray,
                                box: Box, title: str | list[str]) -> alt.LayerChart:
    """A model's reconstructions (colour) on top of its prior samples (black, small), over the data (faint)."""
    axes = EqualAxes(box)
    return axes.layer(_faint(data, axes), _scatter(samples, None, axes, size=15), _scatter(recon, labels, axes),
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
    return axes.layer(_faint(data, axes), dots, title=title)


def holes_decoded(X: np.ndarray, labels: np.ndarray, decoded: np.ndarray, title: str | list[str]) -> alt.LayerChart:
    """The data, and black diamonds where the decoder sends the prior's holes."""
    axes = EqualAxes(domain(X, decoded))
    return axes.layer(_scatter(X, labels, axes), highlight(decoded, axes), title=title)


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
    base = _scatter(centres, labels, axes, f"z{i + 1}", f"z{j + 1}", label_title)
    t = np.append(np.linspace(0, 2 * np.pi, 33), np.nan)  # the NaN ends each ellipse: the line breaks there
    ex = mu[chosen, i, None] + std[chosen, i, None] * np.cos(t)  # (m, 34)
    ey = mu[chosen, j, None] + std[chosen, j, None] * np.sin(t)
    # one broken line per cluster through all its ellipses, not one line per ellipse: three paths
    # for the browser to redraw instead of forty
    frame = _labelled(pd.DataFrame({"ex": ex.ravel(), "ey": ey.ravel(), "order": np.arange(ex.size)}),
                      np.repeat(labels[chosen], len(t)), label_title)
    ellipses = alt.Chart(frame).mark_line(strokeWidth=1.2, opacity=0.6).encode(
        x=axes.x("ex", f"z{i + 1}"), y=axes.y("ey", f"z{j + 1}"), order=alt.Order("order:Q"),
        color=colour(label_title, label_title))
    return axes.layer(ellipses, base, title=title)


TICK = 22  # length of a latent strip's tick, px


def latent_strip(z: np.ndarray, labels: np.ndarray, title: str = "Latent codes z", label_title: str = "cluster") -> alt.Chart:
    """A 1-D latent space: each code on the horizontal axis, one row per label."""
    keep = thin(len(z))
    df = _labelled(pd.DataFrame({"z": z[keep], "idx": keep}), labels[keep], label_title)
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
    df = _labelled(pd.DataFrame({"x₁": X[keep, 0], "x₂": X[keep, 1], "r1": X_hat[keep, 0], "r2": X_hat[keep, 1]}),
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
    layers = [_scatter(X, labels, axes, size=25)]
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
    return axes.layer(_scatter(X, labels, axes, size=30), *layers, title=title)


IMAGE_PX = 64  # about this many pixels per image: 8 × 8 digits at scale 8, MNIST's 28 × 28 at scale 2 (56 px)


def image_rows(rows: list[np.ndarray], shape: tuple[int, int], scale: int | None = None, gap: int = 1) -> np.ndarray:
    """Tile rows of flattened images (each (k, h*w), values in [0, 1]) into one grey image array, each pixel
    ``scale`` pixels wide (by default about IMAGE_PX pixels an image, at least 2 pixels a pixel)."""
    h, w = shape
    scale = scale or max(2, round(IMAGE_PX / h))
    k = max(len(r) for r in rows)
    tile = np.zeros(((h + gap) * len(rows) - gap, (w + gap) * k - gap))  # gaps stay white
    for i, row in enumerate(rows):
        for j, image in enumerate(row):
            tile[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = np.clip(image.reshape(h, w), 0, 1)
    return np.kron(1.0 - tile, np.ones((scale, scale)))  # dark ink on white, enlarged


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
    cloud = _scatter(z, labels, axes, "z1", "z2", size=20)
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
