"""Figures as sent to the browser: a data-free spec plus Arrow datasets (vae_ui.shell.prepare)."""

import json

import numpy as np
import pyarrow as pa

from vae_ui import charts, shell


def _latent_figure(seed: int) -> shell.Figure:
    rng = np.random.default_rng(seed)
    mu, log_var = rng.normal(size=(300, 2)) * (1 + seed), rng.normal(size=(300, 2)) - 1
    labels = np.repeat(np.arange(3), 100)
    return shell.prepare(charts.style(charts.latent_space(mu, log_var, labels, "Latent space")))


def test_a_figure_keeps_its_spec_and_dataset_order_when_only_the_data_changes():
    # The browser builds a new view (and throws the old one away) when the spec text or the order of
    # the datasets changes; when only the data changes it swaps the data into the drawn view.
    figures = [_latent_figure(seed) for seed in range(8)]
    for fig in figures:
        assert fig.spec == figures[0].spec
        assert list(fig.datasets) == ["figure_data_0", "figure_data_1"]  # in order of use in the spec
    used = [name for name in ("figure_data_0", "figure_data_1") if f'"name":"{name}"' in figures[0].spec]
    assert figures[0].spec.index(f'"name":"{used[0]}"') < figures[0].spec.index(f'"name":"{used[1]}"')
    assert "values" not in figures[0].spec


def test_the_datasets_hold_the_chart_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    fig = shell.prepare(charts.points(X, np.zeros(50, dtype=int), "Data"))
    (name, data), = fig.datasets.items()
    table = pa.ipc.open_stream(data).read_all()
    np.testing.assert_allclose(table.column("x₁").to_numpy(), X[:, 0], atol=5e-5)
    np.testing.assert_allclose(table.column("x₂").to_numpy(), X[:, 1], atol=5e-5)
    full = json.loads(fig.with_values())  # for PNG/SVG export: the same rows written into the spec
    assert [round(r["x₁"], 4) for r in full["datasets"][name]] == [round(v, 4) for v in X[:, 0]]


def test_values_written_into_a_layered_chart_travel_as_a_dataset_too():
    import altair as alt
    import pandas as pd

    frame = alt.Chart(pd.DataFrame({"a": [1.0]})).mark_point().encode(x="a:Q")
    written = alt.Chart(alt.InlineData(values=[{"a": 2.0}])).mark_point().encode(x="a:Q")  # Altair moves these up
    fig = shell.prepare(alt.layer(frame, written))
    assert len(fig.datasets) == 2 and "values" not in fig.spec
    assert all(f'"name":"{name}"' in fig.spec for name in fig.datasets)
    rows = [pa.ipc.open_stream(data).read_all().to_pylist() for data in fig.datasets.values()]
    assert rows == [[{"a": 1.0}], [{"a": 2.0}]]
