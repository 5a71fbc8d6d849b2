"""Altair figures for the pages, styled to be read from the back of a lecture hall.

Every function takes arrays and returns an ``alt.Chart``; none trains or evaluates a model.
Colours are the Okabe–Ito palette (safe for colour-blind viewers).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

alt.data_transformers.disable_max_rows()  # our own caps (MAX_POINTS) keep charts small; histograms bin in Vega

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
MAX_POINTS = 1500  # points drawn per scatter; the browser is the bottleneck


def style(chart: alt.Chart, lecture: bool = False, height: int = 320) -> alt.Chart:
    """Large, plain type; bigger still in lecture mode."""
    size = 20 if lecture else 14
    return (chart.properties(height=height + (80 if lecture else 0),
                             usermeta={"embedOptions": {"renderer": "canvas"}})  # far cheaper than SVG to redraw
            .configure(aria=False)  # no description text built for every mark: a canvas does not use it
            .configure_axis(labelFontSize=size, titleFontSize=size + 2, grid=True, gridOpacity=0.4)
            .configure_legend(labelFontSize=size, titleFontSize=size, symbolSize=120 if lecture else 80)
            .configure_title(fontSize=size + 4, anchor="start")
            .configure_view(strokeWidth=0))


def thin(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``limit`` evenly spread rows."""
    return np.arange(n) if n <= limit else np.linspace(0, n - 1, limit).astype(int)


def domain(X: np.ndarray, pad: float = 0.5) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis ranges around the first two columns of X, for charts that must share their axes."""
    lo, hi = X.min(axis=0)[:2] - pad, X.max(axis=0)[:2] + pad
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _colour(field: str, title: str) -> alt.Color:
    return alt.Color(f"{field}:N", title=title, scale=alt.Scale(range=OKABE_ITO))


def points(X: np.ndarray, labels: np.ndarray | None = None, title: str = "", x: str = "x₁", y: str = "x₂",
           label_title: str = "cluster", size: int = 40, domain: tuple | None = None, color: str = "#000") -> alt.Chart:
    """A scatter of the first two columns of X, coloured by label."""
    keep = thin(len(X))
    df = pd.DataFrame({x: X[keep, 0], y: X[keep, 1], "idx": keep})
    enc = {"x": alt.X(f"{x}:Q", scale=alt.Scale(domain=domain[0]) if domain else alt.Undefined),
           "y": alt.Y(f"{y}:Q", scale=alt.Scale(domain=domain[1]) if domain else alt.Undefined)}
    if labels is not None:
        df[label_title] = labels[keep].astype(str)
        enc["color"] = _colour(label_title, label_title)
    mark = alt.Chart(df, title=title).mark_circle(size=size, opacity=0.75, **({} if labels is not None else {"color": color}))
    return mark.encode(**enc)


def latent_space(mu: np.ndarray, log_var: np.ndarray, labels: np.ndarray, title: str = "Latent space: μ(x) and 1σ ellipses",
                 n_ellipses: int = 40, dims: tuple[int, int] = (0, 1)) -> alt.LayerChart:
    """Encoder means coloured by label, with the 1-σ ellipse of q(z|x) around a few of them."""
    i, j = dims
    std = np.exp(0.5 * log_var)
    base = points(np.stack([mu[:, i], mu[:, j]], axis=1), labels, title, x=f"z{i + 1}", y=f"z{j + 1}")
    t = np.append(np.linspace(0, 2 * np.pi, 33), np.nan)  # the NaN ends each ellipse: the line breaks there
    chosen = thin(len(mu), n_ellipses)  # (m,)
    ex = mu[chosen, i, None] + std[chosen, i, None] * np.cos(t)  # (m, 34)
    ey = mu[chosen, j, None] + std[chosen, j, None] * np.sin(t)
    # one broken line per cluster through all its ellipses, not one line per ellipse: three paths
    # for the browser to redraw instead of forty
    frame = pd.DataFrame({"ex": ex.ravel(), "ey": ey.ravel(), "order": np.arange(ex.size),
                          "cluster": np.repeat(labels[chosen].astype(str), len(t))})
    ellipses = alt.Chart(frame).mark_line(strokeWidth=1.2, opacity=0.6).encode(
        x=alt.X("ex:Q", title=f"z{i + 1}"), y=alt.Y("ey:Q", title=f"z{j + 1}"), order="order:Q",
        color=_colour("cluster", "cluster"))
    return alt.layer(ellipses, base)


TICK = 22  # length of a latent strip's tick, px


def latent_strip(z: np.ndarray, labels: np.ndarray, title: str = "Latent codes z") -> alt.Chart:
    """A 1-D latent space: each code on the horizontal axis, one row per label."""
    keep = thin(len(z))
    df = pd.DataFrame({"z": z[keep], "cluster": labels[keep].astype(str), "idx": keep})
    return alt.Chart(df, title=title).mark_tick(thickness=1.5, size=TICK, opacity=0.5).encode(
        x="z:Q", y=alt.Y("cluster:N", title="label"), color=_colour("cluster", "cluster"))


def selectable(chart: alt.Chart, size: float = 40) -> alt.Chart:
    """Let a click pick the nearest point: the selection ``pick`` holds its row index ``idx``. The picked mark is
    drawn larger; before any click (an empty selection) every mark keeps its ``size`` (a circle's area, a
    tick's length)."""
    pick = alt.selection_point(name="pick", fields=["idx"], on="click", nearest=True)
    return chart.add_params(pick).encode(
        size=alt.condition(pick, alt.value(2 * size if size < 30 else 4 * size), alt.value(size), empty=False),
        tooltip=["idx:Q"])


def highlight(X: np.ndarray, title: str = "") -> alt.Chart:
    """Large black diamonds at the rows of X (a decoded point)."""
    df = pd.DataFrame({"x₁": X[:, 0], "x₂": X[:, 1]})
    return alt.Chart(df, title=title).mark_point(shape="diamond", size=400, filled=True, color="#000").encode(
        x="x₁:Q", y="x₂:Q")


def reconstruction_pairs(X: np.ndarray, X_hat: np.ndarray, labels: np.ndarray, title: str) -> alt.LayerChart:
    """Each point joined by a grey line to its reconstruction (hollow marker)."""
    keep = thin(len(X), 400)
    df = pd.DataFrame({"x₁": X[keep, 0], "x₂": X[keep, 1], "r1": X_hat[keep, 0], "r2": X_hat[keep, 1],
                       "cluster": labels[keep].astype(str)})
    x, y = alt.X("x₁:Q", title="x₁"), alt.Y("x₂:Q", title="x₂")
    lines = alt.Chart(df).mark_rule(color="#888", opacity=0.5).encode(x=x, y=y, x2="r1:Q", y2="r2:Q")
    data = alt.Chart(df).mark_circle(size=30, opacity=0.6).encode(x="x₁:Q", y="x₂:Q", color=_colour("cluster", "cluster"))
    recon = alt.Chart(df).mark_point(size=40, filled=False, color="#000", opacity=0.8).encode(x="r1:Q", y="r2:Q")
    return alt.layer(lines, data, recon, title=title)


def curve_over_data(X: np.ndarray, labels: np.ndarray, curve: np.ndarray, title: str) -> alt.LayerChart:
    """The decoder's learned manifold g(z), a curve (m, 2), drawn over the data."""
    df = pd.DataFrame({"x₁": curve[:, 0], "x₂": curve[:, 1], "order": np.arange(len(curve))})
    line = alt.Chart(df).mark_line(color="#000", strokeWidth=3).encode(x="x₁:Q", y="x₂:Q", order="order:Q")
    return alt.layer(points(X, labels, title, size=25), line)


def loss_curves(curves: dict[str, np.ndarray], title: str = "Training curves", log_y: bool = False,
                fit_y: bool = False) -> alt.Chart:
    """One line per named per-epoch curve; with ``fit_y`` the y axis spans the curves' values, not from 0."""
    frames = [pd.DataFrame({"epoch": np.arange(1, len(v) + 1), "nats": v, "term": name}) for name, v in curves.items()]
    df = pd.concat(frames) if frames else pd.DataFrame({"epoch": [], "nats": [], "term": []})
    scale = alt.Scale(type="symlog") if log_y else alt.Scale(zero=False) if fit_y else alt.Undefined
    y = alt.Y("nats:Q", title="per example", scale=scale)
    return alt.Chart(df, title=title).mark_line(strokeWidth=3).encode(
        x="epoch:Q", y=y, color=alt.Color("term:N", title="", scale=alt.Scale(range=OKABE_ITO)))


def arrows(starts: np.ndarray, ends: np.ndarray, X: np.ndarray, labels: np.ndarray, title: str) -> alt.LayerChart:
    """A vector field: an arrow from each grid point x̃ to g(f(x̃)), over the data."""
    d = ends - starts
    df = pd.DataFrame({"x₁": starts[:, 0], "x₂": starts[:, 1], "e1": ends[:, 0], "e2": ends[:, 1],
                       "angle": (90 - np.degrees(np.arctan2(d[:, 1], d[:, 0]))) % 360})
    x, y = alt.X("x₁:Q", title="x₁"), alt.Y("x₂:Q", title="x₂")
    shafts = alt.Chart(df).mark_rule(color="#333", strokeWidth=1.2, opacity=0.6).encode(x=x, y=y, x2="e1:Q", y2="e2:Q")
    heads = alt.Chart(df).mark_point(shape="triangle", filled=True, size=50, color="#333").encode(
        x=alt.X("e1:Q", title="x₁"), y=alt.Y("e2:Q", title="x₂"), angle=alt.Angle("angle:Q", scale=None))
    return alt.layer(points(X, labels, title, size=20), shafts, heads)


def lines(df: pd.DataFrame, x: str, y: str, series: str, title: str, log_x: bool = False, log_y: bool = False,
          point: bool = True) -> alt.Chart:
    """A generic multi-series line chart from a long-form frame."""
    return alt.Chart(df, title=title).mark_line(point=point, strokeWidth=3).encode(
        x=alt.X(f"{x}:Q", scale=alt.Scale(type="log") if log_x else alt.Undefined),
        y=alt.Y(f"{y}:Q", scale=alt.Scale(type="log") if log_y else alt.Undefined),
        color=alt.Color(f"{series}:N", title="", scale=alt.Scale(range=OKABE_ITO)))


def image_rows(rows: list[np.ndarray], shape: tuple[int, int], scale: int = 6, gap: int = 1) -> np.ndarray:
    """Tile rows of flattened images (each (k, h*w), values in [0, 1]) into one grey image array."""
    h, w = shape
    k = max(len(r) for r in rows)
    tile = np.zeros(((h + gap) * len(rows) - gap, (w + gap) * k - gap))  # gaps stay white
    for i, row in enumerate(rows):
        for j, image in enumerate(row):
            tile[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = np.clip(image.reshape(h, w), 0, 1)
    return np.kron(1.0 - tile, np.ones((scale, scale)))  # dark ink on white, enlarged


def rule_at(x: float, label: str) -> alt.Chart:
    """A dashed vertical line at x, labelled in the tooltip."""
    frame = pd.DataFrame({"at": [x], "what": [label]})
    return alt.Chart(frame).mark_rule(strokeDash=[6, 4], color="#555", strokeWidth=2).encode(
        x=alt.X("at:Q", title=None), tooltip=["what:N"])


def running_mean(mean: np.ndarray, se: np.ndarray, exact: float, title: str) -> alt.LayerChart:
    """A Monte-Carlo running mean with a ±2 standard-error band and the exact value, on a log sample axis."""
    n = np.unique(np.geomspace(2, len(mean), 300).astype(int))
    df = pd.DataFrame({"samples": n, "estimate": mean[n - 1], "lo": mean[n - 1] - 2 * se[n - 1],
                       "hi": mean[n - 1] + 2 * se[n - 1]})
    x = alt.X("samples:Q", scale=alt.Scale(type="log"), title="number of samples")
    band = alt.Chart(df).mark_area(opacity=0.25, color=OKABE_ITO[0]).encode(x=x, y=alt.Y("lo:Q", title="KL (nats)"), y2="hi:Q")
    line = alt.Chart(df).mark_line(color=OKABE_ITO[0], strokeWidth=3).encode(x=x, y="estimate:Q")
    rule = alt.Chart(pd.DataFrame({"exact": [exact]})).mark_rule(color="#000", strokeDash=[6, 4], strokeWidth=2).encode(
        y="exact:Q")
    return alt.layer(band, line, rule, title=title)


def decomposition(elbo: float, gap: float, log_px: float) -> alt.LayerChart:
    """log p(x) = ELBO + KL(q ‖ p(z|x)) as a waterfall: the ELBO bar, then the gap up to log p(x)."""
    df = pd.DataFrame({"term": ["ELBO(q)", "+ KL(q ‖ p(z|x))", "= log p(x)"],
                       "start": [0.0, elbo, 0.0], "end": [elbo, elbo + gap, log_px]})
    order = list(df["term"])
    bars = alt.Chart(df, title="log p(x) = ELBO + gap").mark_bar(height=34).encode(
        y=alt.Y("term:N", sort=order, title=""), x=alt.X("start:Q", title="nats"), x2="end:Q",
        color=alt.Color("term:N", sort=order, legend=None, scale=alt.Scale(range=[OKABE_ITO[0], OKABE_ITO[5], "#444"])))
    return bars


def rate_distortion(frame: pd.DataFrame) -> alt.LayerChart:
    """The β sweep as a rate–distortion curve, the current β ringed."""
    base = alt.Chart(frame, title="Rate–distortion as β varies").encode(
        x=alt.X("rate:Q", title="rate: KL (nats)"), y=alt.Y("distortion:Q", title="distortion (nats)"))
    curve = base.mark_line(point=True, strokeWidth=3, color=OKABE_ITO[0]).encode(order="β:Q", tooltip=["β:Q"])
    labels = base.mark_text(dx=14, dy=-12, fontSize=14).encode(text=alt.Text("β:Q", format="~g"))
    current = base.transform_filter("datum.current").mark_point(size=500, strokeWidth=3, color=OKABE_ITO[5])
    return alt.layer(curve, labels, current)


def bars(df: pd.DataFrame, x: str, y: str, title: str) -> alt.Chart:
    return alt.Chart(df, title=title).mark_bar(color=OKABE_ITO[0]).encode(x=alt.X(f"{x}:O"), y=f"{y}:Q")


def posterior_vs_q(grid: np.ndarray, density: np.ndarray, mu: np.ndarray, std: np.ndarray,
                   q: np.ndarray | None = None) -> alt.LayerChart:
    """The exact posterior on a grid (heat map, or a curve in 1-D) with the encoder's q(z|x) over it: its 1σ and
    2σ ellipses (mean ``mu``, standard deviations ``std``), or in 1-D its density ``q`` on the grid."""
    if grid.shape[1] == 1:
        z = grid[:, 0]
        df = pd.DataFrame({"z": np.tile(z, 2), "density": np.concatenate([density, q]),
                           "curve": np.repeat(["exact p(z|x)", "encoder q(z|x)"], len(z))})
        return lines(df, "z", "density", "curve", "Encoder q(z|x) against the exact posterior", point=False)
    m = int(round(np.sqrt(len(grid))))
    step = (grid[-1] - grid[0]) / (m - 1)
    df = pd.DataFrame({"z1": grid[:, 0], "z2": grid[:, 1], "z1b": grid[:, 0] + step[0], "z2b": grid[:, 1] + step[1],
                       "density": density})
    heat = alt.Chart(df, title="Exact p(z|x) (shade) and q(z|x) (1σ, 2σ)").mark_rect().encode(
        x=alt.X("z1:Q", title="z1"), x2="z1b:Q", y=alt.Y("z2:Q", title="z2"), y2="z2b:Q",
        color=alt.Color("density:Q", scale=alt.Scale(scheme="blues"), legend=None))
    t = np.linspace(0, 2 * np.pi, 81)
    rings = pd.concat([pd.DataFrame({"e1": mu[0] + k * std[0] * np.cos(t), "e2": mu[1] + k * std[1] * np.sin(t),
                                     "k": f"{k}σ", "order": np.arange(len(t))}) for k in (1, 2)])
    ellipse = alt.Chart(rings).mark_line(color=OKABE_ITO[5], strokeWidth=3).encode(
        x=alt.X("e1:Q", title="z1"), y=alt.Y("e2:Q", title="z2"), detail="k:N", order="order:Q")
    return alt.layer(heat, ellipse)


def aggregate_posterior(z: np.ndarray, labels: np.ndarray, holes: np.ndarray) -> alt.LayerChart:
    """One sample of q(z|x) per example (the aggregate posterior) over the prior's 1-, 2-, 3-σ circles."""
    t = np.linspace(0, 2 * np.pi, 121)
    circles = pd.concat([pd.DataFrame({"c1": r * np.cos(t), "c2": r * np.sin(t), "r": r, "order": np.arange(len(t))})
                         for r in (1, 2, 3)])
    prior = alt.Chart(circles).mark_line(color="#999", strokeDash=[4, 4]).encode(
        x=alt.X("c1:Q", title="z1"), y=alt.Y("c2:Q", title="z2"), detail="r:N", order="order:Q")
    if z.shape[1] == 1:
        z = np.hstack([z, np.zeros_like(z)])
        holes = np.hstack([holes, np.zeros_like(holes)])
    cloud = points(z, labels, "Aggregate posterior vs prior N(0, I); ◆ = prior holes", x="z1", y="z2", size=20)
    hole_marks = alt.Chart(pd.DataFrame({"z1": holes[:, 0], "z2": holes[:, 1]})).mark_point(
        shape="diamond", size=160, filled=True, color="#000").encode(x="z1:Q", y="z2:Q")
    return alt.layer(prior, cloud, hole_marks)


def epsilon_to_z(eps: np.ndarray, z: np.ndarray) -> alt.LayerChart:
    """The ε cloud (grey) and its image z (colour), a few pairs joined."""
    df = pd.DataFrame({"x1": eps[:, 0], "x2": eps[:, 1], "z1": z[:, 0], "z2": z[:, 1]})
    joined = df.iloc[::10]
    x, y = alt.X("x1:Q", title="coordinate 1", scale=alt.Scale(domain=[-9, 9])), alt.Y("x2:Q", title="coordinate 2",
                                                                                        scale=alt.Scale(domain=[-9, 9]))
    grey = alt.Chart(df).mark_circle(size=40, color="#aaa", opacity=0.7).encode(x=x, y=y)
    lines_ = alt.Chart(joined).mark_rule(color=OKABE_ITO[1], opacity=0.6).encode(x=x, y=y, x2="z1:Q", y2="z2:Q")
    coloured = alt.Chart(df).mark_circle(size=45, color=OKABE_ITO[0], opacity=0.8).encode(x="z1:Q", y="z2:Q")
    return alt.layer(grey, lines_, coloured, title="ε (grey) ↦ z = μ + σ ⊙ ε (blue)")


def histograms(df: pd.DataFrame, value: str, series: str, exact: float, title: str, bins: int = 60) -> alt.LayerChart:
    """Overlaid histograms of one column per series, with the exact value as a dashed line.

    Binned here with NumPy, the same ``bins`` bins for every series between the 1st and 99th percentile of
    all values: the browser draws a hundred bars instead of binning thousands of rows on every move.
    """
    lo, hi = np.percentile(df[value], [1, 99])
    if not hi > lo:  # all (or nearly all) estimates equal, e.g. a step function's reparameterisation estimate
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    binned = pd.concat([pd.DataFrame({"start": edges[:-1], "end": edges[1:],
                                      "count": np.histogram(group[value], bins=edges)[0], series: name})
                        for name, group in df.groupby(series, sort=False)])
    binned["zero"] = 0  # each bar stands on the axis: from 0 up to its count (without y2 Vega draws a dash)
    hist = alt.Chart(binned, title=title).mark_bar(opacity=0.5, binSpacing=0).encode(
        x=alt.X("start:Q", title="estimate"), x2="end:Q", y=alt.Y("count:Q", stack=None, title="count"), y2="zero:Q",
        color=alt.Color(f"{series}:N", title="", scale=alt.Scale(range=OKABE_ITO)))
    return alt.layer(hist, rule_at(exact, "exact"))
