"""Equal axes and the layers drawn on them: the box around some points, :class:`EqualAxes` (one unit on both axes,
whatever the column's shape), the labels' colours, a scatter and the faint data beneath what is compared with it.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from vae_ui.charts.look import FAINT, PALETTE, layer, thin

Box = tuple[tuple[float, float], tuple[float, float]]  # ((x0, x1), (y0, y1)) in data units


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


def labelled(df: pd.DataFrame, labels: np.ndarray, field: str) -> pd.DataFrame:
    df[field] = labels.astype(str)
    return df


def scatter(X: np.ndarray, labels: np.ndarray | None, axes: EqualAxes, x: str = "x₁", y: str = "x₂",
             label_title: str = "cluster", size: float = 40, color: str = "#000") -> alt.Chart:
    """The layer of :func:`points`: the first two columns of X, coloured by label (or all ``color``)."""
    keep = thin(len(X))
    df = pd.DataFrame({x: X[keep, 0], y: X[keep, 1], "idx": keep})
    enc = {"x": axes.x(x), "y": axes.y(y)}
    if labels is not None:
        labelled(df, labels[keep], label_title)
        enc["color"] = colour(label_title, label_title, beside=len(np.unique(labels)) > 3)  # (ten digits: 5 rows)
    return alt.Chart(df).mark_circle(size=size, opacity=0.75, **({} if labels is not None else {"color": color})).encode(**enc)


def faint(X: np.ndarray, axes: EqualAxes, x: str = "x₁", y: str = "x₂", size: float = 40) -> alt.Chart:
    """The data drawn faint grey, beneath what is compared with it."""
    under = thin(len(X), 600)
    frame = pd.DataFrame({x: X[under, 0], y: X[under, 1]})
    return alt.Chart(frame).mark_circle(size=size * 0.6, color=FAINT, opacity=0.6).encode(x=axes.x(x), y=axes.y(y))
