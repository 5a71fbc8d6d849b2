"""Play in the browser (vae_ui.charts.play): one spec holds every snapshot, in order, and a clock picks the frame."""

import json

import numpy as np
import pytest

from vae_ui.charts import curves, images, play, spaces

FRAMES = 5


def _latent_frames(n: int = 30) -> list:
    """Latent-space charts of FRAMES snapshots whose codes move apart, frame by frame."""
    rng = np.random.default_rng(0)
    labels = np.arange(n) % 3
    base = rng.normal(size=(n, 2))
    return [spaces.latent_space(base * (1 + k), np.full((n, 2), -1.0), labels, "Latent space") for k in range(FRAMES)]


def _leaves(node: dict) -> list[dict]:
    found = [node] if "mark" in node else []
    for part in ("layer", "hconcat", "vconcat", "concat"):
        for child in node.get(part) or []:
            found += _leaves(child)
    return found


MOVES = {"filter": f"datum.{play.FRAME} === {play.FRAME}"}


def test_every_snapshots_data_is_in_the_spec_in_order_and_each_mark_shows_the_frames_own():
    own = [play.spec_of(c)[1] for c in _latent_frames()]  # each frame's own data, by name
    spec = play.animate(_latent_frames())
    moving = [view for view in _leaves(spec) if "values" in view.get("data", {})]
    assert len(moving) == 2  # the ellipses and the points; the box of the axes is one for the replay
    for view in moving:
        rows = view["data"]["values"]
        assert [row[play.FRAME] for row in rows] == list(range(FRAMES))  # frames in order, none missing
        columns = [c for c in rows[0] if c != play.FRAME]
        assert view["transform"][:2] == [MOVES, {"flatten": columns}]  # the frame shown, unpacked
        name = next(n for n, d in own[0].items() if list(d.columns) == columns)
        for k, frames in enumerate(own):
            for c in columns:
                values = frames[name][c].round(4) if frames[name][c].dtype.kind == "f" else frames[name][c]
                assert rows[k][c] == [None if isinstance(v, float) and np.isnan(v) else v for v in values.tolist()]
    assert json.dumps(spec["layer"], allow_nan=False)  # NaN (an ellipse's end) written as null: valid JSON


def test_marks_drawing_moving_data_show_only_the_frame_shown_and_static_data_is_sent_once():
    steps = [curves.loss_curves({"recon": np.linspace(3, 1, 20), "KL": np.linspace(0, 1, 20)}, epoch=e)
             for e in range(0, 20, 4)]
    spec = play.animate(steps)
    assert [len(d) for d in spec["datasets"].values()] == [40]  # the two whole curves, once (not once per frame)
    marker = spec["layer"][1]["layer"]  # the epoch's rule and its label
    assert all(view["transform"][0] == MOVES for view in marker)
    assert [row["what"] for row in marker[1]["data"]["values"]] == [[f"epoch {e}"] for e in range(0, 20, 4)]
    assert "transform" not in spec["layer"][0]  # the curves do not move
    align = marker[1]["mark"]["align"]["expr"]  # the label, left of the rule early and right of it late
    assert align == f'["left", "left", "left", "right", "right"][{play.FRAME}]'


def test_equal_axes_hold_every_frame():
    """The latent space's box (one row read by the scales' expressions) is the union of the frames' boxes."""
    charts = _latent_frames()
    boxes = [play.spec_of(c)[1]["equal_axes"] for c in _latent_frames()]
    box = play.animate(charts)["datasets"]["equal_axes"].iloc[0]
    assert len(play.animate(_latent_frames())["datasets"]["equal_axes"]) == 1
    assert box.cx - box.hx <= min((b.cx - b.hx).min() for b in boxes) + 1e-12
    assert box.cx + box.hx >= max((b.cx + b.hx).max() for b in boxes) - 1e-12
    assert box.cy + box.hy >= max((b.cy + b.hy).max() for b in boxes) - 1e-12


def test_the_clock_starts_at_the_servers_time_and_stops_at_the_last_frame():
    spec = play.playing(play.animate(_latent_frames()), FRAMES, start_ms=10_000, sent_ms=9_000)
    params = {p["name"]: p for p in spec["params"]}
    assert "10000" in params["play_start"]["init"]
    update = params[play.FRAME]["on"][0]
    assert update["events"]["type"] == "timer"
    assert f"clamp(floor((now() - play_start) / {play.STEP_MS}), 0, {FRAMES - 1})" == update["update"]
    # the server reads the same clock (what Pause keeps)
    assert play.frame_at(9_999, 10_000, FRAMES) == 0
    assert play.frame_at(10_000 + 2.5 * play.STEP_MS, 10_000, FRAMES) == 2
    assert play.frame_at(10_000 + 99 * play.STEP_MS, 10_000, FRAMES) == FRAMES - 1


def test_the_clock_is_added_to_a_copy():
    made = play.animate(_latent_frames())
    before = list(made.get("params", []))
    play.playing(made, FRAMES, 1.0, 0.0)
    assert made.get("params", []) == before  # the cached figure is not changed


def test_images_and_text_one_row_per_frame_in_order():
    frames = [images.image_rows([np.full((2, 16), k / FRAMES)], (4, 4), scale=1) for k in range(FRAMES)]
    spec = play.images(frames, 64, 16)
    rows = spec["datasets"]["play_images"]
    assert list(rows[play.FRAME]) == list(range(FRAMES))
    assert all(url.startswith("data:image/png;base64,") for url in rows["url"])  # no network
    assert len(set(rows["url"])) == FRAMES
    lines = play.text([f"epoch {2 * k}" for k in range(FRAMES)], 30, 14)["datasets"]["play_text"]
    assert list(lines["text"]) == [f"epoch {2 * k}" for k in range(FRAMES)]


def test_frames_of_another_shape_are_refused():
    with pytest.raises(ValueError):
        play.animate([])
    curve = curves.loss_curves({"recon": np.ones(5)})
    with pytest.raises(ValueError):
        play.animate([curve, curves.loss_curves({"recon": np.ones(5)}, epoch=2)])


def test_the_pause_button_reports_the_frame_clicked_and_nothing_else():
    spec = play.pause_button([f"Epoch {2 * k}" for k in range(FRAMES)], 40, 20)
    select = spec["layer"][0]["params"][0]
    assert select["name"] == play.PAUSE and select["select"] == {"type": "point", "fields": [play.FRAME], "on": "click"}
    assert spec["transform"] == [{"filter": f"datum.{play.FRAME} === {play.FRAME}"}]  # only the frame shown is there
    event = {"selection": {play.PAUSE: [{play.FRAME: 3}]}}
    assert play.paused_frame(event, FRAMES) == 3
    for odd in (None, {}, {"selection": {}}, {"selection": {play.PAUSE: []}},
                {"selection": {play.PAUSE: [{play.FRAME: FRAMES}]}}, {"selection": {play.PAUSE: [{play.FRAME: 1.5}]}},
                {"selection": {play.PAUSE: [{play.FRAME: True}]}}, {"selection": {play.PAUSE: ["3"]}}):
        assert play.paused_frame(odd, FRAMES) is None, odd
