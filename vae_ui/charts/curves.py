"""Altair figures of curves and bars: training curves, densities, estimator variance, the ELBO
decomposition, rate against distortion. Scatters in data space are in :mod:`vae_ui.charts.spaces`.

Every function takes arrays (or a long-form frame) and returns an ``alt.Chart``; none evaluates a model.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from vae_ui.charts.look import OKABE_ITO, layer


def loss_curves(curves: dict[str, np.ndarray], title: str = "Training curves", log_y: bool = False,
                fit_y: bool = False, epoch: int | None = None) -> alt.TopLevelMixin:
    """One line per named per-epoch curve; with ``fit_y`` the y axis spans the curves' values, not from 0; with
    ``epoch``, a dashed line marks the epoch shown."""
    frames = [pd.DataFrame({"epoch": np.arange(1, len(v) + 1), "nats": v, "term": name}) for name, v in curves.items()]
    df = pd.concat(frames) if frames else pd.DataFrame({"epoch": [], "nats": [], "term": []})
    scale = alt.Scale(type="symlog") if log_y else alt.Scale(zero=False) if fit_y else alt.Undefined
    y = alt.Y("nats:Q", title="per example", scale=scale)
    chart = alt.Chart(df).mark_line(strokeWidth=3).encode(
        x=alt.X("epoch:Q"), y=y, color=alt.Color("term:N", title="", sort=list(curves), scale=alt.Scale(range=OKABE_ITO),
                                          legend=alt.Legend(columns=2)))
    if epoch is None:
        return chart.properties(title=title)
    align = "left" if epoch < 0.6 * max(len(v) for v in curves.values()) else "right"
    return layer(chart, rule_at(epoch, f"epoch {epoch}", align, "epoch"), title=title)


def lines(df: pd.DataFrame, x: str, y: str, series: str, title: str | list[str], log_x: bool = False,
          log_y: bool = False, point: bool = True, x_title: str | None = None, y_title: str | None = None,
          order: list[str] | None = None) -> alt.Chart:
    """A generic multi-series line chart from a long-form frame; the series coloured in ``order`` (by default,
    alphabetically). Four series and more list in two columns: a column of four took the plot's height."""
    columns = 2 if df[series].nunique() > 3 else 1
    return alt.Chart(df, title=title).mark_line(point=point, strokeWidth=3).encode(
        x=alt.X(f"{x}:Q", title=x if x_title is None else x_title, scale=alt.Scale(type="log") if log_x else alt.Undefined),
        y=alt.Y(f"{y}:Q", title=y if y_title is None else y_title, scale=alt.Scale(type="log") if log_y else alt.Undefined),
        color=alt.Color(f"{series}:N", title="", scale=alt.Scale(range=OKABE_ITO), legend=alt.Legend(columns=columns),
                        sort=order or "ascending"))


def densities(z: np.ndarray, curves: dict[str, np.ndarray], title: str) -> alt.LayerChart:
    """Two or three densities on a grid z: the last (q) as a wide pale band underneath, the others (the prior
    dotted, the posterior dashed) as thin lines on top, so that each stays visible when q lies exactly on it."""
    names = list(curves)
    band, dotted, dashed = (OKABE_ITO[0], [1, 0], 7, 0.45), ("#333", [2, 3], 2.5, 1), (OKABE_ITO[5], [8, 5], 3, 1)
    styles = dict(zip(names, [dotted, dashed, band] if len(names) == 3 else [dotted, band][-len(names):]))
    df = pd.concat([pd.DataFrame({"z": z, "density": v, "curve": name}) for name, v in curves.items()])
    colour = alt.Color("curve:N", title="", sort=names, scale=alt.Scale(domain=names, range=[styles[n][0] for n in names]),
                       legend=alt.Legend(columns=1))
    dash = alt.StrokeDash("curve:N", sort=names, scale=alt.Scale(domain=names, range=[styles[n][1] for n in names]))
    order = [names[-1], *names[:-1]]  # the band first, underneath
    layers = [alt.Chart(df[df["curve"] == name]).mark_line(strokeWidth=styles[name][2], opacity=styles[name][3]).encode(
        x=alt.X("z:Q"), y=alt.Y("density:Q"), color=colour, strokeDash=dash) for name in order]
    return layer(*layers, title=title)


def rule_at(x: float, label: str, align: str = "left", axis_title: str | None = None) -> alt.LayerChart:
    """A dashed vertical line at x, labelled on the chart at its top (to its right, or with ``align="right"`` to
    its left: near the right end of the axis). ``axis_title`` is the x axis's title in the chart it is drawn over
    (so that it adds none of its own: Vega-Lite joins an axis's differing titles with a comma)."""
    frame = pd.DataFrame({"at": [x], "what": [label]})
    x = alt.X("at:Q", title=axis_title)
    rule = alt.Chart(frame).mark_rule(strokeDash=[6, 4], color="#555", strokeWidth=2).encode(x=x)
    text = alt.Chart(frame).mark_text(align=align, baseline="top", dx=6 if align == "left" else -6, dy=4).encode(
        x=x, y=alt.YValue(0), text=alt.Text("what:N"))
    return layer(rule, text)


def running_mean(mean: np.ndarray, se: np.ndarray, exact: float, title: str | list[str]) -> alt.LayerChart:
    """A Monte-Carlo running mean with a ±2 standard-error band and the exact value, on a log sample axis."""
    n = np.unique(np.geomspace(2, len(mean), 300).astype(int))
    df = pd.DataFrame({"samples": n, "estimate": mean[n - 1], "lo": mean[n - 1] - 2 * se[n - 1],
                       "hi": mean[n - 1] + 2 * se[n - 1]})
    x = alt.X("samples:Q", scale=alt.Scale(type="log"), title="number of samples")
    band = alt.Chart(df).mark_area(opacity=0.25, color=OKABE_ITO[0]).encode(
        x=x, y=alt.Y("lo:Q", title="KL (nats)"), y2=alt.Y2("hi:Q"))
    line = alt.Chart(df).mark_line(color=OKABE_ITO[0], strokeWidth=3).encode(x=x, y=alt.Y("estimate:Q"))
    rule = alt.Chart(pd.DataFrame({"exact": [exact]})).mark_rule(color="#000", strokeDash=[6, 4], strokeWidth=2).encode(
        y=alt.Y("exact:Q"))
    return layer(band, line, rule, title=title)


def decomposition(elbo: float, gap: float, log_px: float) -> alt.LayerChart:
    """The identity log p(x) = ELBO + KL(q ‖ p(z|x)) as lengths: log-probabilities are negative, so both sides are
    drawn negated, −ELBO = −log p(x) + KL. The top bar (the loss, −ELBO) is as long as the bottom bar's two pieces
    together; the KL piece is the gap, and it vanishes when q is the posterior."""
    rows = [("−ELBO(q)", "−ELBO(q)", 0.0, -elbo),
            ("−log p(x) + KL", "−log p(x)", 0.0, -log_px),
            ("−log p(x) + KL", "KL(q ‖ p(z|x)): the gap", -log_px, -log_px + gap)]
    df = pd.DataFrame(rows, columns=["row", "piece", "start", "end"])
    df["value"] = [f"{-elbo:.3f}", f"{-log_px:.3f}", f"{gap:.3g}"]
    pieces = list(dict.fromkeys(df["piece"]))
    y = alt.Y("row:N", sort=["−ELBO(q)", "−log p(x) + KL"], title="")
    bars = alt.Chart(df).mark_bar(height=38).encode(
        y=y, x=alt.X("start:Q", title="nats (negated log-probabilities)"), x2=alt.X2("end:Q"),
        color=alt.Color("piece:N", sort=pieces, title="", legend=alt.Legend(orient="bottom", columns=1),
                        scale=alt.Scale(domain=pieces, range=[OKABE_ITO[0], "#444", OKABE_ITO[5]])))
    labels = alt.Chart(df).mark_text(align="left", dx=4, color="#fff", baseline="middle").encode(
        y=y, x=alt.X("start:Q"), text=alt.Text("value:N"))
    return layer(bars, labels, title="−ELBO = −log p(x) + gap")


def _beta_labels(frame: pd.DataFrame, near: tuple[float, float] = (0.22, 0.12)) -> pd.DataFrame:
    """One label per group of sweep points whose labels would overlap, each within ``near`` of the group's first
    point along x and along y (fractions of the axes' ranges: a label 'β = 1.25' is about a fifth of a chart's
    width wide and a tenth of its height tall): 'β = 1, 1.25' instead of two labels printed over each other."""
    ordered = frame.sort_values("β").reset_index(drop=True)
    span = np.array([np.ptp(ordered["rate"]) or 1.0, np.ptp(ordered["distortion"]) or 1.0])
    xy = ordered[["rate", "distortion"]].to_numpy() / span
    groups: list[list[int]] = []
    for i in range(len(ordered)):
        if groups and np.all(np.abs(xy[i] - xy[groups[-1][0]]) < near):
            groups[-1].append(i)
        else:
            groups.append([i])
    rows = [{"rate": ordered["rate"][g[0]], "distortion": ordered["distortion"][g[0]],
             "label": "β = " + ", ".join(f"{ordered['β'][i]:g}" for i in g)} for g in groups]
    return pd.DataFrame(rows)


def rate_distortion(frame: pd.DataFrame) -> alt.LayerChart:
    """The β sweep as a rate–distortion curve (nats per example), each point labelled with its β, the current one
    ringed."""
    x = alt.X("rate:Q", title="rate: KL, nats")
    y = alt.Y("distortion:Q", title="distortion, nats", scale=alt.Scale(zero=False, padding=12))
    base = alt.Chart(frame).encode(x=x, y=y)
    curve = base.mark_line(point=True, strokeWidth=3, color=OKABE_ITO[0]).encode(
        order=alt.Order("β:Q"), tooltip=[alt.Tooltip("β:Q")])
    labels = alt.Chart(_beta_labels(frame)).mark_text(align="left", dx=10, dy=-10).encode(
        x=x, y=y, text=alt.Text("label:N"))
    current = base.transform_filter("datum.current").mark_point(size=500, strokeWidth=3, color=OKABE_ITO[5])
    return layer(curve, labels, current, title=["Rate–distortion", "as β varies"])


def gap_split(approximation: float, amortisation: float) -> alt.Chart:
    """log p(x) − ELBO as one bar of two stacked lengths (nats): the approximation gap, then the amortisation gap
    (Cremer, Li & Duvenaud 2018), each named with its value in the legend (a thin piece has no room for a label)."""
    pieces = [f"approximation gap {approximation:.3f}: the best q* misses it",
              f"amortisation gap {amortisation:.3f}: one shared encoder"]
    df = pd.DataFrame({"row": ["log p(x) − ELBO"] * 2, "piece": pieces, "start": [0.0, approximation],
                       "end": [approximation, approximation + amortisation]})
    return alt.Chart(df, title="Where the gap log p(x) − ELBO goes").mark_bar(height=46).encode(
        y=alt.Y("row:N", title=""), x=alt.X("start:Q", title="nats per example"), x2=alt.X2("end:Q"),
        color=alt.Color("piece:N", sort=pieces, title="", legend=alt.Legend(orient="bottom", columns=1),
                        scale=alt.Scale(domain=pieces, range=[OKABE_ITO[0], OKABE_ITO[5]])))


def active_vs_beta(trained: pd.DataFrame, predicted: pd.DataFrame, thresholds: list[float],
                   without: pd.DataFrame | None = None) -> alt.LayerChart:
    """Active units of the trained sweep (points) against β on a log axis, over linear theory's prediction (a step
    line) and a dashed rule at each dimension's collapse β = λᵢ/σₓ². ``without``: the same sweep trained without
    warm-up and free bits, drawn as rings."""
    x = alt.X("β:Q", scale=alt.Scale(type="log", domain=[0.05, 20], nice=False), title="β (log scale)")
    y = alt.Y("active:Q", title="active units", axis=alt.Axis(tickMinStep=1, format="d"))
    theory = alt.Chart(predicted).mark_line(interpolate="step-after", strokeWidth=3, color="#555", strokeDash=[6, 4]
                                            ).encode(x=x, y=y)
    points = alt.Chart(trained).mark_circle(size=220, color=OKABE_ITO[0], opacity=1).encode(
        x=x, y=y, tooltip=[alt.Tooltip("β:Q"), alt.Tooltip("active:Q")])
    rules = alt.Chart(pd.DataFrame({"β": thresholds})).mark_rule(color=OKABE_ITO[5], strokeWidth=2).encode(x=x)
    if without is None:
        return layer(rules, theory, points, title=["Active units vs β", "dots: trained · dashed: linear theory"])
    rings = alt.Chart(without).mark_point(size=420, strokeWidth=3, color="#555", filled=False).encode(
        x=x, y=y, tooltip=[alt.Tooltip("β:Q"), alt.Tooltip("active:Q")])
    return layer(rules, theory, rings, points, title=["Active units vs β", "dots: with the guards · rings: without"])


def kl_per_unit(kl: np.ndarray, active: np.ndarray, rule: str) -> alt.Chart:
    """The KL each latent unit carries (nats), one bar a unit, coloured by the count's own rule (``active``, one
    bool a unit; ``rule`` says it in words): the chart and the "Active units" count cannot disagree."""
    names = [f"active: {rule}", "collapsed"]
    df = pd.DataFrame({"unit": np.arange(1, len(kl) + 1), "KL (nats)": kl,
                       "counted": [names[0] if a else names[1] for a in active]})
    return alt.Chart(df, title=["KL per latent dimension", f"coloured: active units, {rule}"]).mark_bar().encode(
        x=alt.X("unit:O", axis=alt.Axis(labelAngle=0), title="latent unit"), y=alt.Y("KL (nats):Q"),
        color=alt.Color("counted:N", title="", scale=alt.Scale(domain=names, range=[OKABE_ITO[0], "#999"]),
                        legend=alt.Legend(columns=1)),
        tooltip=[alt.Tooltip("unit:O"), alt.Tooltip("KL (nats):Q", format=".4f"), alt.Tooltip("counted:N")])


def bars(df: pd.DataFrame, x: str, y: str, title: str | list[str], counts: bool = False) -> alt.Chart:
    """One bar per row; with ``counts`` the y axis has whole-number ticks (votes, not nats)."""
    y_axis = alt.Axis(tickMinStep=1, format="d") if counts else alt.Axis()
    return alt.Chart(df, title=title).mark_bar(color=OKABE_ITO[0]).encode(
        x=alt.X(f"{x}:O", axis=alt.Axis(labelAngle=0)), y=alt.Y(f"{y}:Q", axis=y_axis))


def votes(df: pd.DataFrame, title: str) -> alt.LayerChart:
    """The class's votes: one tall bar per choice (``choice``, ``votes``; ``right`` marks the right one, green), its
    count written on it, whole-number ticks."""
    colour = alt.condition("datum.right", alt.value(OKABE_ITO[2]), alt.value(OKABE_ITO[0]))
    base = alt.Chart(df).encode(x=alt.X("choice:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
                                y=alt.Y("votes:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d"),
                                        scale=alt.Scale(domainMin=0, nice=True)))
    bars_ = base.mark_bar().encode(color=colour)
    text = base.mark_text(dy=-12, fontWeight="bold").encode(text="votes:Q")
    return alt.layer(bars_, text, title=title)


def spreads(df: pd.DataFrame, value: str, series: str, exact: float, title: str | list[str]) -> alt.LayerChart:
    """How far each series' values stray, one row per series on one shared axis: a thick bar over mean ± 1 standard
    deviation (its width is the spread, at a glance), a thin line over the 5th to 95th percentile, a tick at the
    mean, the standard deviation written beside it, and the exact value as a dashed line."""
    rows = []
    for name, group in df.groupby(series, sort=False):
        v = group[value].to_numpy()
        mean, sd = float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0
        lo, hi = np.percentile(v, [5, 95])
        rows.append({series: name, "mean": mean, "low": mean - sd, "high": mean + sd, "p5": float(lo), "p95": float(hi),
                     "said": f"s.d. {sd:.2f}"})
    frame = pd.DataFrame(rows)
    y = alt.Y(f"{series}:N", sort=None, title=None, axis=alt.Axis(labelLimit=0))
    colour = alt.Color(f"{series}:N", scale=alt.Scale(range=OKABE_ITO), legend=None)
    base = alt.Chart(frame).encode(y=y)
    whisker = base.mark_rule(strokeWidth=2, color="#555").encode(x=alt.X("p5:Q", title=value), x2="p95:Q")
    bar = base.mark_bar(size=26, opacity=0.75).encode(x="low:Q", x2="high:Q", color=colour)
    tick = base.mark_tick(thickness=3, size=34, color="#000").encode(x="mean:Q")
    text = base.mark_text(align="left", dx=8).encode(x="p95:Q", text="said:N")
    return layer(whisker, bar, tick, text, rule_at(exact, "exact", axis_title=value), title=title)
