"""Play in the browser: the snapshots of one figure in one Vega-Lite spec that plays them by itself.

Each snapshot's figure is the chart the replay slider shows; all share one look and differ in their data.
:func:`animate` writes every snapshot's data into one spec (packed: one row per frame), keeps in each mark the
frame ``play_frame`` shows, and :func:`playing` gives the spec the signal ``play_frame`` that Vega's own timer
moves on: the browser plays the replay with no message from the server, no rerun, no React. :func:`images` and
:func:`text` play image rows and lines of numbers the same way; :func:`pause_button` is the epoch shown, whose
click tells the server the frame it was on.

The frame shown is a function of the clock, ``frame = ⌊(now − start) / step⌋`` clamped to the last, with the
same ``start`` (a wall-clock time in ms chosen by the server) in every figure of the page: figures drawn at
different moments show the same frame (:func:`frame_at` is the server's reading of it). A browser whose clock is
far from the server's (more than :data:`SKEW_MS`) starts from its own clock instead (the figures then keep step
within one frame).

Why not Vega-Lite's ``time`` encoding with a timer selection (Vega-Lite ≥ 5.23): in Streamlit 1.67 it
animates one single view only (layer or concat: "Animation involving facet, layer, or concat is currently
unsupported", and the chart is not drawn), it loops for ever, and it has no pause nor a frame the server can
know. The signal here is plain Vega: a timer event stream on a variable parameter (Vega-Lite passes a
parameter's ``on`` through to its Vega signal). See docs/play.md.
"""


from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Iterator

import altair as alt
import numpy as np
import pandas as pd
from PIL import Image

from vae_ui.charts.axes import EqualAxes

FRAME = "play_frame"  # the column that tags each row with its frame, and the signal of the frame shown
Union = Callable[[list[pd.DataFrame]], pd.DataFrame]  # every frame's dataset -> the replay's one
STEP_MS = 100  # one frame every 0.1 s: 10 frames a second
SKEW_MS = 2000  # a browser clock this far from the server's starts from its own clock
_PARTS = ("layer", "hconcat", "vconcat", "concat")


def frame_at(now_ms: float, start_ms: float, frames: int, step_ms: float = STEP_MS) -> int:
    r"""The frame a spec made by :func:`animate` shows at ``now_ms``:
    :math:`\min(\max(\lfloor (t - t_0) / \Delta \rfloor, 0), n - 1)`."""
    return int(min(max((now_ms - start_ms) // step_ms, 0), frames - 1))


def spec_of(chart: alt.TopLevelMixin) -> tuple[dict, dict[str, pd.DataFrame]]:
    """A chart's Vega-Lite spec with its DataFrames by name, named as :func:`vae_ui.page.figures.prepare` names them
    (by position, ``figure_data_0`` …, or by ``attrs["dataset_name"]``): the same chart with other data gets the
    same names. The chart is changed in place; pass a fresh one."""
    frames: dict[int, tuple[str, pd.DataFrame]] = {}

    def detach(node) -> None:
        data = getattr(node, "data", alt.Undefined)
        if isinstance(data, pd.DataFrame):
            name = data.attrs.get("dataset_name") or f"figure_data_{len(frames)}"
            name, _ = frames.setdefault(id(data), (name, data))
            node.data = alt.NamedData(name=name)
        for part in _PARTS:
            children = getattr(node, part, alt.Undefined)
            for child in children if isinstance(children, list) else ():
                detach(child)

    detach(chart)
    spec = chart.to_dict(validate=False)
    inline = {name: pd.DataFrame(rows) for name, rows in spec.pop("datasets", {}).items()}
    return spec, {**dict(frames.values()), **inline}


def _views(node: dict, inherited: str | None = None) -> Iterator[tuple[dict, str | None]]:
    """(view, the name of the data it draws) of every view with a mark; a view without data has its parent's."""
    if isinstance(node.get("data"), dict) and "name" in node["data"]:
        inherited = node["data"]["name"]
    if "mark" in node:
        yield node, inherited
    for part in _PARTS:
        for child in node.get(part) or []:
            yield from _views(child, inherited)


def _same(frames: list[pd.DataFrame]) -> bool:
    return all(f.shape == frames[0].shape and f.equals(frames[0]) for f in frames[1:])


def animate(charts: list[alt.TopLevelMixin], union: dict[str, Union] | None = None) -> dict:
    """One spec holding every frame of ``charts`` (one chart per frame, one look, their own data), each mark
    showing the frame ``play_frame``: give it a clock with :func:`playing` (the spec itself is the same for every
    Play, and can be cached).

    A dataset equal in every frame (the data behind the reconstructions, the whole training curves) is sent once
    and not filtered; a dataset named in ``union`` is one for the whole replay (``union[name](frames)``: the box
    of equal axes holding every frame, by default). The others move: each mark drawing one holds it written in
    (:func:`packed`: one row per frame, each column a list) and keeps the frame shown, then unpacks it
    (``flatten``). Filtering 26 packed rows and flattening one costs the browser far less each frame than
    filtering every frame's rows one by one (Streamlit evaluates Vega's expressions with an interpreter).
    """
    if not charts:
        raise ValueError("no frames to animate")
    union = {EqualAxes.NAME: box_union} if union is None else union
    specs = [spec_of(chart) for chart in charts]
    spec, names = specs[0][0], list(specs[0][1])
    if any(list(data) != names for _, data in specs):
        raise ValueError("the frames' charts differ in their data")
    datasets, moving = {}, {}
    for name in names:
        frames = [data[name] for _, data in specs]
        if name in union:
            datasets[name] = union[name](frames)
        elif _same(frames):
            datasets[name] = frames[0]
        else:
            moving[name] = packed(frames)
    spec["datasets"] = datasets
    others = [list(_views(s)) for s, _ in specs]
    for i, (view, name) in enumerate(_views(spec)):
        if name in moving:
            columns = [c for c in moving[name][0] if c != FRAME]
            view["data"] = {"values": moving[name]}
            view["transform"] = [{"filter": f"datum.{FRAME} === {FRAME}"}, {"flatten": columns},
                                 *view.get("transform", [])]
        _moving_marks(view, [views[i][0] for views in others])
    return spec


def packed(frames: list[pd.DataFrame], digits: int = 4) -> list[dict]:
    """One row per frame, ``{"play_frame": k, column: [its values], ...}``: floats rounded to ``digits``, NaN
    (which ends an ellipse's line) written as null, JSON's word for it."""
    rows = []
    for k, frame in enumerate(frames):
        row: dict = {FRAME: k}
        for column in frame.columns:
            values = frame[column]
            if pd.api.types.is_float_dtype(values):
                values = values.round(digits)
            row[str(column)] = [None if isinstance(v, float) and np.isnan(v) else v for v in values.tolist()]
        rows.append(row)
    return rows


def _moving_marks(view: dict, frames: list[dict]) -> None:
    """A mark property that differs between the frames (the epoch's label aligned left early, right late) becomes
    the frame's own: an expression indexing the frames' values by ``play_frame``."""
    if not isinstance(view.get("mark"), dict):
        return
    marks = [f["mark"] if isinstance(f.get("mark"), dict) else {} for f in frames]
    for key in view["mark"]:
        values = [m.get(key) for m in marks]
        if any(v != values[0] for v in values) and all(isinstance(v, (int, float, str)) for v in values):
            view["mark"][key] = {"expr": f"{json.dumps(values)}[{FRAME}]"}


def clock(start_ms: float, sent_ms: float, last: int, step_ms: float = STEP_MS) -> list[dict]:
    """The parameters that move the frame: ``play_start`` (the server's start, or the browser's own clock when
    the two clocks disagree by more than SKEW_MS) and ``play_frame``, set again on every tick of Vega's timer."""
    lead = start_ms - sent_ms
    return [
        {"name": "play_start", "init": f"abs(now() - {sent_ms:.0f}) < {SKEW_MS} ? {start_ms:.0f} : now() + {lead:.0f}"},
        {"name": FRAME, "value": 0,
         "on": [{"events": {"type": "timer", "throttle": step_ms / 4},
                 "update": f"clamp(floor((now() - play_start) / {step_ms}), 0, {last})"}]},
    ]


def box_union(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The one-row box (cx, cy, hx, hy) of :class:`vae_ui.charts.axes.EqualAxes` holding every frame's box: the
    replay's axes stay still while the points move."""
    x0, x1 = min((f.cx - f.hx).min() for f in frames), max((f.cx + f.hx).max() for f in frames)
    y0, y1 = min((f.cy - f.hy).min() for f in frames), max((f.cy + f.hy).max() for f in frames)
    return pd.DataFrame({"cx": [(x0 + x1) / 2], "cy": [(y0 + y1) / 2], "hx": [(x1 - x0) / 2], "hy": [(y1 - y0) / 2]})


def _png(image: np.ndarray) -> str:
    """A grey image (values in [0, 1], 1 white) as a PNG data URL."""
    buffer = io.BytesIO()
    Image.fromarray(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8), mode="L").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def images(frames: list[np.ndarray], width: int, height: int) -> dict:
    """A chart of one image per frame (grey arrays of one shape, values in [0, 1], 1 white), drawn ``width`` ×
    ``height`` px with its pixels square and sharp. Give it a clock with :func:`playing`."""
    rows = pd.DataFrame({"url": [_png(f) for f in frames], FRAME: np.arange(len(frames))})
    return {"width": width, "height": height, "data": {"name": "play_images"}, "datasets": {"play_images": rows},
            "transform": [{"filter": f"datum.{FRAME} === {FRAME}"}],
            "mark": {"type": "image", "width": width, "height": height, "aspect": False, "smooth": False,
                     "align": "left", "baseline": "top"},
            "encoding": {"url": {"field": "url", "type": "nominal"}, "x": {"value": 0}, "y": {"value": 0}},
            "config": {"view": {"stroke": None}}, "autosize": {"type": "pad"}}


def text(lines: list[str], height: int, size: int) -> dict:
    """A chart of one line of text per frame (the numbers that follow the frame shown)."""
    rows = pd.DataFrame({"text": lines, FRAME: np.arange(len(lines))})
    return {"height": height, "data": {"name": "play_text"}, "datasets": {"play_text": rows},
            "transform": [{"filter": f"datum.{FRAME} === {FRAME}"}],
            "mark": {"type": "text", "align": "left", "baseline": "middle", "fontSize": size},
            "encoding": {"text": {"field": "text", "type": "nominal"}, "x": {"value": 0}, "y": {"value": height / 2}},
            "config": {"view": {"stroke": None}}, "autosize": {"type": "pad"}}


PAUSE = "pause"  # the selection of :func:`pause_button`: the frame shown when it was clicked


def pause_button(lines: list[str], height: int, size: int) -> dict:
    """A chart of one line per frame that is a Pause button: a click anywhere on it selects the frame shown then
    (the point selection ``pause`` holds ``play_frame``), so the server learns the frame the class saw, not the one
    its clock reached when the click arrived (a tenth of a second or more later, on a browser busy drawing)."""
    rows = pd.DataFrame({"text": lines, FRAME: np.arange(len(lines))})
    shown = {"filter": f"datum.{FRAME} === {FRAME}"}
    return {"height": height, "data": {"name": "play_pause"}, "datasets": {"play_pause": rows},
            "transform": [shown],
            "layer": [
                {"params": [{"name": PAUSE, "select": {"type": "point", "fields": [FRAME], "on": "click"}}],
                 "mark": {"type": "rect", "opacity": 0.001, "cursor": "pointer"},
                 "encoding": {"x": {"value": 0}, "x2": {"value": "width"}, "y": {"value": 0}, "y2": {"value": height}}},
                {"mark": {"type": "text", "align": "left", "baseline": "middle", "fontSize": size, "cursor": "pointer"},
                 "encoding": {"text": {"field": "text", "type": "nominal"}, "x": {"value": 0},
                              "y": {"value": height / 2}}}],
            "config": {"view": {"stroke": None}}, "autosize": {"type": "pad"}}


def paused_frame(event: dict | None, frames: int) -> int | None:
    """The frame a click on :func:`pause_button` selected (from Streamlit's selection event), or None."""
    chosen = ((event or {}).get("selection") or {}).get(PAUSE) or []
    frame = chosen[0].get(FRAME) if chosen and isinstance(chosen[0], dict) else None
    if isinstance(frame, (int, float)) and not isinstance(frame, bool) and frame == int(frame) and 0 <= frame < frames:
        return int(frame)
    return None


def playing(spec: dict, frames: int, start_ms: float, sent_ms: float, step_ms: float = STEP_MS) -> dict:
    """``spec`` (from :func:`animate`, :func:`images` or :func:`text`; not changed) with the clock that plays its
    ``frames`` frames from ``start_ms``."""
    return {**spec, "params": [*spec.get("params", []), *clock(start_ms, sent_ms, frames - 1, step_ms)]}
