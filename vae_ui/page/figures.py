"""The figure pipeline: an Altair chart -> a data-free Vega-Lite spec and Arrow datasets, cached and shared
by every session, shown with its PNG and SVG downloads (and a trained model's .npz download)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

import vae_core as vc
from vae_ui.charts import look
from vae_ui.page import focus_area, shell
from vae_ui.service import runs
from vae_ui.service.lru import LRU
from vae_ui.session import state

MAX_FIGURES = 1024  # figures kept by count; the real bound is the bytes of runs.BUDGET


@st.cache_resource
def spec_store() -> LRU:
    """Figures already drawn (:class:`Figure` by key), shared by all sessions: a warm rerun skips building charts.
    In :data:`vae_ui.service.runs.BUDGET` with the runs and their views."""
    return LRU(MAX_FIGURES, runs.BUDGET)


@dataclass(frozen=True)
class Figure:
    """A chart ready to send: its Vega-Lite spec without data, and its data as Arrow bytes.

    The datasets get names by position (``figure_data_0``, ...), not by content, so a figure whose data
    changes but whose look does not (β moved, same axes) keeps the same spec text: the browser then
    swaps the data in the drawn view instead of building a new one. The Arrow bytes are made once;
    Streamlit passes bytes through without converting them again on every rerun.
    """

    spec: str
    datasets: dict[str, bytes]

    def to_vega_lite(self) -> dict:
        return {**json.loads(self.spec), "datasets": dict(self.datasets)}

    def with_values(self) -> str:
        """The full spec with the data written in (for PNG/SVG export)."""
        import pyarrow as pa

        rows = {name: pa.ipc.open_stream(data).read_all().to_pylist() for name, data in self.datasets.items()}
        return json.dumps({**json.loads(self.spec), "datasets": rows}, separators=(",", ":"), ensure_ascii=False)


def prepare(chart: alt.TopLevelMixin, digits: int = 4) -> Figure:
    """Split an Altair chart into a data-free spec (numbers rounded to ``digits``) and Arrow datasets.

    Each DataFrame in the chart is swapped for a reference by name before Altair writes the spec, so the
    data goes straight to Arrow instead of through JSON and back (that round trip was most of the cost of
    a new figure). Names follow the chart's structure (``figure_data_0`` is the first DataFrame met), so
    the same chart with other data gets the same names in the same order: the browser keys its view on
    them. The chart is changed in place; pass a fresh one.
    """
    import pyarrow as pa

    frames: dict[int, tuple[str, pd.DataFrame]] = {}  # id of a DataFrame -> its name (a frame used twice is sent once)

    def detach(node: Any) -> None:
        data = getattr(node, "data", alt.Undefined)
        if isinstance(data, pd.DataFrame):  # named by position (data_N is Vega-Lite's own), or by its attrs
            name = data.attrs.get("dataset_name") or f"figure_data_{len(frames)}"
            name, _ = frames.setdefault(id(data), (name, data))
            node.data = alt.NamedData(name=name)
        for part in ("layer", "hconcat", "vconcat", "concat"):
            children = getattr(node, part, alt.Undefined)
            for child in children if isinstance(children, list) else ():
                detach(child)

    detach(chart)
    spec = json.loads(chart.to_json(validate=False, indent=None), parse_float=lambda t: round(float(t), digits))
    inline = {name: pd.DataFrame(rows) for name, rows in spec.pop("datasets", {}).items()}  # values written in the chart
    arrow = {}
    for name, frame in [*frames.values(), *inline.items()]:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:  # the Arrow IPC stream Streamlit sends
            writer.write_table(table)
        arrow[name] = sink.getvalue().to_pybytes()
    return Figure(json.dumps(spec, separators=(",", ":"), ensure_ascii=False), arrow)


def picked(name: str, rows: int) -> int | None:
    """The row (0 … rows − 1) last clicked in the selectable chart ``name`` (see :func:`show`), or None. Readable
    before the chart is drawn, so a figure above it can mark the point; a row the chart no longer has is None."""
    event = st.session_state.get(state.chart_key(name)) or {}  # the chart's last selection event (a dict)
    pick = (event.get("selection") or {}).get("pick") or []
    index = pick[0].get("idx") if pick and isinstance(pick[0], dict) else None
    if (isinstance(index, (int, float)) and not isinstance(index, bool) and math.isfinite(index)  # 1e400 is inf
            and index == int(index) and 0 <= index < rows):
        return int(index)
    return None


def figure(build: Callable[[], alt.TopLevelMixin], name: str, key: Hashable, height: int, lecture: bool,
           store: LRU | None = None) -> Figure:
    """The figure ``build()`` makes, styled for the mode; made once per (name, key, mode, height) and shared by every
    session (``key`` names everything the chart depends on: run config, epoch, ...). No session state is read, so
    a thread may make figures ahead of time (pass it ``store``, :func:`spec_store`'s value)."""
    def make() -> Figure:
        return prepare(look.style(build(), lecture, height))

    if key is None:
        return make()
    return (store or spec_store()).get_or_make((name, key, lecture, height), make)


def show(build: Callable[[], alt.Chart], name: str, key: Hashable = None, height: int = 320,
         select: bool = False, downloads: bool = True) -> None:
    """Show the chart ``build()`` makes (see :func:`figure`), with PNG and SVG downloads (unless ``downloads`` is
    False: an animation's frames). With ``select``, a click picks a row: read it with :func:`picked`. A chart the
    presented scene shows (its ``show``) is drawn in the scene's focus area (:func:`vae_ui.page.focus_area.part`)."""
    with focus_area.part(name):
        _show(build, name, key, focus_area.fit(height), select, downloads)


def _show(build: Callable[[], alt.Chart], name: str, key: Hashable, height: int, select: bool, downloads: bool) -> None:
    if not shell.shown(name, height):
        return
    fig = figure(build, name, key, height, shell.lecture())
    if select:
        st.vega_lite_chart(fig.to_vega_lite(), width="stretch", on_select="rerun", key=state.chart_key(name),
                           selection_mode="pick")
    else:
        st.vega_lite_chart(fig.to_vega_lite(), width="stretch")
    if not downloads or (focus_area.in_focus() and shell.lecture()):  # (a slide's figure: its room is the screen's)
        return
    with st.container(horizontal=True, gap="small"):
        st.download_button("PNG", data=lambda: png(fig.with_values()), file_name=f"{name}.png", mime="image/png",
                           key=f"png_{name}", icon=":material/download:", on_click="ignore", width="content")
        st.download_button("SVG", data=lambda: svg(fig.with_values()), file_name=f"{name}.svg",
                           mime="image/svg+xml", key=f"svg_{name}", icon=":material/download:", on_click="ignore",
                           width="content")


def png(spec_json: str) -> bytes:
    import vl_convert

    return vl_convert.vegalite_to_png(spec_json, scale=2)


def svg(spec_json: str) -> str:
    import vl_convert

    return vl_convert.vegalite_to_svg(spec_json)


def model_download(run: runs.Run, name: str) -> None:
    st.download_button("Model (.npz)", data=lambda: vc.model_to_bytes(run.model()), file_name=f"{name}.npz",
                       mime="application/octet-stream", key=f"npz_{name}", icon=":material/download:",
                       on_click="ignore")
