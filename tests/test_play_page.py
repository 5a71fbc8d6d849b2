"""Play on the digits (AppTest): the image rows and the mosaic are sent with every snapshot too, and the press makes
no error."""

import json

import pyarrow as pa
import pytest

from tests.apptest_helpers import app, assert_clean


@pytest.mark.slow
def test_play_on_the_digits_sends_the_images_of_every_snapshot():
    at = app("home", dataset="digits", h_epochs="10")
    at.button(key="play_0").click().run()
    assert_clean(at)
    assert at.session_state["playing"]
    frames = len(at.session_state["play_clock"]["epochs"])
    charts = list(at.get("vega_lite_chart"))
    tracks = [c for c in charts if any(d.name == "play_images" for d in c.proto.datasets)]
    assert len(tracks) == 3  # the data over its reconstructions, the samples, the mosaic
    for chart in tracks:
        data = next(d for d in chart.proto.datasets if d.name == "play_images")
        rows = pa.ipc.open_stream(data.data.data).read_all().to_pylist()
        assert [r["play_frame"] for r in rows] == list(range(frames))  # one image per snapshot, in order
        assert all(r["url"].startswith("data:image/png;base64,") for r in rows)
        spec = json.loads(chart.proto.spec)
        assert {p["name"] for p in spec["params"]} >= {"play_start", "play_frame"}
        assert spec["mark"]["type"] == "image" and spec["width"] <= 520  # within its column
    moving = [c for c in charts if "play_frame" in c.proto.spec]
    assert len(moving) >= 3 + 2 + 2  # the tracks, the latent space and the curves, the manifold's codes, the numbers
