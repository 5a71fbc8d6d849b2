"""Figures as sent to the browser: a data-free spec plus Arrow datasets (vae_ui.page.figures.prepare)."""

import json

import numpy as np
import pandas as pd
import pyarrow as pa

from vae_ui.charts import look, spaces
from vae_ui.page import figures


def _latent_figure(seed: int) -> figures.Figure:
    rng = np.random.default_rng(seed)
    mu, log_var = rng.normal(size=(300, 2)) * (1 + seed), rng.normal(size=(300, 2)) - 1
    labels = np.repeat(np.arange(3), 100)
    return figures.prepare(look.style(spaces.latent_space(mu, log_var, labels, "Latent space")))


def test_a_figure_keeps_its_spec_and_dataset_order_when_only_the_data_changes():
    # The browser builds a new view (and throws the old one away) when the spec text or the order of
    # the datasets changes; when only the data changes it swaps the data into the drawn view.
    figures = [_latent_figure(seed) for seed in range(8)]
    for fig in figures:
        assert fig.spec == figures[0].spec
        assert list(fig.datasets) == ["figure_data_0", "figure_data_1", "equal_axes"]  # in order of use in the spec
    used = [name for name in ("figure_data_0", "figure_data_1") if f'"name":"{name}"' in figures[0].spec]
    assert figures[0].spec.index(f'"name":"{used[0]}"') < figures[0].spec.index(f'"name":"{used[1]}"')
    assert "values" not in figures[0].spec


def test_the_datasets_hold_the_chart_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    fig = figures.prepare(spaces.points(X, np.zeros(50, dtype=int), "Data"))
    [(name, data)] = [(n, d) for n, d in fig.datasets.items() if n != "equal_axes"]
    cx, cy, hx, hy = pa.ipc.open_stream(fig.datasets["equal_axes"]).read_all().to_pylist()[0].values()  # the box, as data
    np.testing.assert_allclose([cx - hx, cx + hx], [X[:, 0].min() - 0.5, X[:, 0].max() + 0.5], atol=1e-9)
    table = pa.ipc.open_stream(data).read_all()
    np.testing.assert_allclose(table.column("x₁").to_numpy(), X[:, 0], atol=5e-5)
    np.testing.assert_allclose(table.column("x₂").to_numpy(), X[:, 1], atol=5e-5)
    full = json.loads(fig.with_values())  # for PNG/SVG export: the same rows written into the spec
    assert [round(r["x₁"], 4) for r in full["datasets"][name]] == [round(v, 4) for v in X[:, 0]]


def test_values_written_into_a_layered_chart_travel_as_a_dataset_too():
    import altair as alt

    frame = alt.Chart(pd.DataFrame({"a": [1.0]})).mark_point().encode(x="a:Q")
    written = alt.Chart(alt.InlineData(values=[{"a": 2.0}])).mark_point().encode(x="a:Q")  # Altair moves these up
    fig = figures.prepare(alt.layer(frame, written))
    assert len(fig.datasets) == 2 and "values" not in fig.spec
    assert all(f'"name":"{name}"' in fig.spec for name in fig.datasets)
    rows = [pa.ipc.open_stream(data).read_all().to_pylist() for data in fig.datasets.values()]
    assert rows == [[{"a": 1.0}], [{"a": 2.0}]]


def test_the_latent_ellipses_are_the_one_sigma_contours_each_a_closed_piece_of_its_cluster_line():
    rng = np.random.default_rng(2)
    mu, log_var = rng.normal(size=(90, 3)), rng.normal(size=(90, 3)) - 1
    labels = np.repeat(np.arange(3), 30)
    chart = spaces.latent_space(mu, log_var, labels, dims=(0, 2), n_ellipses=12)
    frame = chart.layer[0].data
    ex, ey = frame["ex"].to_numpy().reshape(12, 34), frame["ey"].to_numpy().reshape(12, 34)
    assert np.isnan(ex[:, -1]).all() and not np.isnan(ex[:, :-1]).any()  # each piece ends in a break
    k = look.thin(90, 12)  # the examples whose ellipses are drawn
    std = np.exp(0.5 * log_var)
    radius = ((ex[:, :-1] - mu[k, 0, None]) / std[k, 0, None]) ** 2 + ((ey[:, :-1] - mu[k, 2, None]) / std[k, 2, None]) ** 2
    np.testing.assert_allclose(radius, 1.0, atol=1e-12)  # on the 1-σ contour of q(z|x) in dims 1 and 3
    np.testing.assert_allclose(ex[:, 0], ex[:, -2], atol=1e-12)  # closed
    assert (frame["cluster"].to_numpy().reshape(12, 34) == labels[k, None].astype(str)).all()
    assert list(frame["order"]) == sorted(frame["order"])  # drawn in row order within each cluster's line
    fig = figures.prepare(look.style(chart))
    table = pa.ipc.open_stream(fig.datasets["figure_data_0"]).read_all()
    assert table.column("ex").null_count == 12  # the breaks reach the browser as nulls (a line gap in Vega)
    assert '"aria":false' in fig.spec


def _line_boxes(scenegraph: dict) -> list[tuple[float, float]]:
    """The pixel width and height of every line item group drawn (one per line mark item list)."""
    boxes = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("marktype") == "line" and node.get("items"):
                xs = [i["x"] for i in node["items"] if "x" in i and i["x"] is not None]
                ys = [i["y"] for i in node["items"] if "y" in i and i["y"] is not None]
                boxes.append((max(xs) - min(xs), max(ys) - min(ys)))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(scenegraph)
    return boxes


def test_scatters_keep_equal_units_on_both_axes_at_any_size():
    """A circle of radius 1 in data units is drawn as a circle in pixels, in a wide chart and in a tall one: the
    prior's 1σ circle on the aggregate-posterior chart, whose box is carried as data."""
    import vl_convert

    z = np.random.default_rng(3).normal(size=(200, 2)) * [2.5, 0.5]  # a wide cloud: the axes' ranges differ a lot
    chart = spaces.aggregate_posterior(z, np.zeros(200, dtype=int), np.zeros((3, 2)))
    for width, height in ((600, 250), (250, 600)):
        fig = figures.prepare(look.style(chart.properties(width=width), height=height))
        circles = _line_boxes(vl_convert.vegalite_to_scenegraph(fig.with_values()))
        assert circles, "the prior's circles are drawn"
        for w, h in circles:
            assert abs(w - h) < 0.01 * max(w, h), (width, height, w, h)
