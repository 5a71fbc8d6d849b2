"""The app shell: shared sidebar (data, seed, lecture mode, link, reset), data loading,
training with live progress, formulas with their source, and figure/model downloads."""

from __future__ import annotations

import functools
import inspect
import json
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import vae_core as vc

from . import charts, controls, runs
from .lru import LRU
from .settings import DATASETS, SHARED

LIVE_CHART_EVERY = 1.0  # seconds between redraws of the live loss curve while training
TEST_FRACTION = 0.2  # of every dataset, held out to test on

# While a rerun runs, Streamlit dims the page's elements that are not yet redrawn: after 0.5 s each fades to a
# third of its opacity over 1 s. Without a GPU (Chromium here; many a projector's laptop) every frame of that
# fade repaints the page. Keep the dim and its delay, drop the fade: 20 tabs on this machine's 2 cores moving
# β together, 3 runs of each alternated, the moves took 22-23 s instead of 26-29 s (p95 6.5-8.6 s, not 9.0-10.2).
STALE_CSS = "<style>[data-testid=stElementContainer], details, summary { transition-duration: 0s !important; }</style>"
LECTURE_CSS = """
<style>
html, body { font-size: 21px; }
.stMarkdown p, .stMarkdown li, .stCaption, label p { font-size: 1.25rem !important; }
.katex { font-size: 1.55em !important; }
h1 { font-size: 3rem !important; } h2 { font-size: 2.3rem !important; } h3 { font-size: 1.8rem !important; }
[data-testid="stMetricValue"] { font-size: 3rem !important; }
</style>
"""


@dataclass(frozen=True)
class Data:
    """The dataset a page works on, split into train and test."""

    spec: runs.DataSpec
    title: str
    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple[int, int] | None

    @property
    def is_2d(self) -> bool:
        return self.X.shape[1] == 2


@st.cache_resource(max_entries=32)
def _generated(name: str, seed: int) -> Data:
    n = 1797 if name == "digits" else runs.N_POINTS
    ds = vc.data.load(name, n=n, seed=seed)
    return _split(runs.DataSpec(name, seed), DATASETS[name], ds.X, ds.y, ds.image_shape, seed)


def _split(spec: runs.DataSpec, title: str, X: np.ndarray, y: np.ndarray, shape: Any, seed: int) -> Data:
    X_tr, X_te, y_tr, y_te = vc.data.train_test_split(X, y, TEST_FRACTION, seed=seed)
    runs.read_only(X_tr, X_te, y_tr, y_te)
    return Data(spec, title, X_tr, y_tr, X_te, y_te, shape)


def lecture() -> bool:
    return bool(controls.value("lecture"))


def sidebar() -> None:
    """The controls every page shares."""
    sb = st.sidebar
    sb.header("Set-up")
    controls.widget("dataset", sb)
    if controls.value("dataset") == "csv":
        _upload(sb)
    controls.widget("seed", sb)
    controls.widget("lecture", sb)
    sb.button("Reset to defaults", on_click=controls.reset, key="reset", icon=":material/restart_alt:",
              help="Every control back to its default (the uploaded CSV is kept).")
    st.html(STALE_CSS + (LECTURE_CSS if lecture() else ""))


def _upload(container: Any) -> None:
    """Upload a CSV; a bad file gets a clear message and the previous data stays."""
    file = container.file_uploader("CSV file (numbers, ≥ 2 columns)", type=["csv", "txt"], key="csv_file")
    if file is None:
        return
    content = file.getvalue()
    digest = runs.digest(content)
    if st.session_state.get("csv", {}).get("digest") == digest:
        return
    try:
        ds = vc.data.from_csv(content, name=file.name)
    except ValueError as err:
        st.session_state["csv_error"] = f"{controls.shorten(file.name)}: {err}"
        return
    X = ds.X
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)  # standardise each column
    st.session_state["csv"] = {"digest": digest, "name": controls.shorten(file.name), "X": X}
    st.session_state.pop("csv_error", None)


def data() -> Data:
    """The current dataset, or the default with a note when an uploaded CSV is missing or bad."""
    name, seed = controls.value("dataset"), int(controls.value("seed"))
    if name != "csv":
        return _generated(name, seed)
    error = st.session_state.get("csv_error")
    if error:
        st.error(f"That file was not loaded — {error}. The previous data is kept.", icon=":material/error:")
    upload = st.session_state.get("csv")
    if upload is None:
        st.info("Upload a CSV in the sidebar (its columns are standardised). Until then: three clusters.",
                icon=":material/upload_file:")
        return _generated("three_clusters", seed)
    X = upload["X"]
    spec = runs.DataSpec("csv", seed, upload["digest"])
    title = f"Your CSV: {upload['name']}"
    st.caption(f"Data: {escape(title)} — {len(X):,} rows × {X.shape[1]} columns, each column standardised; "
               f"{1 - TEST_FRACTION:.0%} to train, {TEST_FRACTION:.0%} to test.")
    return _split(spec, title, X, np.zeros(len(X), dtype=int), None, seed)


def link_box() -> None:
    """The link that restores this slide (drawn after the page, when its controls are known)."""
    with st.sidebar.expander("Link to this slide", icon=":material/link:"):
        st.caption("Bookmark or share it: it restores this page, its controls and so its picture.")
        st.code(current_link(), language=None, wrap_lines=True)


def current_link() -> str:
    """The address that restores this page and its controls."""
    try:
        parts = urlsplit(st.context.url or "")
        base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    except (AttributeError, ValueError):
        base = ""
    page = st.session_state.get("page_path", "")
    keys = list(SHARED) + [k for k in st.session_state.get("page_keys", []) if k not in SHARED]
    query = urlencode(controls.url_params(keys))
    return f"{base}/{page}" + (f"?{query}" if query else "")


def show_notes() -> None:
    """One message listing the link parameters that were not allowed (shown as plain text)."""
    notes = st.session_state.get("url_notes", [])
    if notes:
        lines = "\n".join(f"- {escape(note)}" for note in notes)
        st.warning(f"Some settings in this link were not used:\n{lines}", icon=":material/link_off:")


def escape(text: str) -> str:
    """Text a user typed, made safe for Streamlit's Markdown: every markup character escaped."""
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$&:" else c for c in text)


def train_with_progress(config: runs.RunConfig, X: np.ndarray, label: str) -> runs.Run | None:
    """The run for ``config``; trains it (with a progress bar and a live loss curve) when new.

    A diverged run shows a clear message and advice, and returns None.
    """
    if runs.store().get(config) is None and config not in runs.store().failures:
        bar = st.progress(0.0, text=f"Training {label}…")
        live = st.empty()

        last_drawn = [0.0]

        def progress(epoch: int, epochs: int, recon: np.ndarray, kl: np.ndarray) -> None:
            bar.progress(epoch / epochs, text=f"Training {label}: epoch {epoch} of {epochs}")
            if time.perf_counter() - last_drawn[0] < LIVE_CHART_EVERY:  # drawing costs more than training
                return
            curves = {"reconstruction": recon} | ({"KL": kl} if config.kind == "vae" else {})
            live.altair_chart(charts.style(charts.loss_curves(curves, "Loss while training"), height=160),
                              width="stretch")
            last_drawn[0] = time.perf_counter()

    else:
        progress, bar, live = None, None, None
    try:
        run = runs.train(config, X, progress)
    except vc.TrainingDiverged as err:
        st.error(f"{err}", icon=":material/warning:")
        return None
    finally:
        if bar is not None:
            bar.empty()
            live.empty()
    return run


def formula(latex: str, caption: str | None = None) -> None:
    st.latex(latex)
    if caption:
        st.caption(caption)


def source(*functions: Callable) -> None:
    """An expander with the real source of the core functions that compute what is shown."""
    names = ", ".join(f"{f.__module__}.{f.__qualname__}" for f in functions)
    with st.expander(f"Source: {names}", icon=":material/code:"):
        for f in functions:
            st.code(source_text(f), language="python")


@functools.cache
def source_text(function: Callable) -> str:
    """A function's source as it is in its file. Read once: reading it tokenizes the whole module, which took
    a seventh of the script's time in a warm rerun of the worked example (the code does not change while
    the app runs)."""
    return inspect.getsource(function)


@st.cache_resource
def spec_store() -> LRU:
    """Figures already drawn (:class:`Figure` by key), shared by all sessions: a warm rerun skips building charts."""
    return LRU(256)


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
        if isinstance(data, pd.DataFrame):
            name, _ = frames.setdefault(id(data), (f"figure_data_{len(frames)}", data))  # data_N is Vega-Lite's own
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


def figure(build: Callable[[], alt.Chart], name: str, key: Hashable = None, height: int = 320,
           select: bool = False) -> int | None:
    """Show the chart ``build()`` makes, with PNG and SVG downloads.

    ``key`` names everything the chart depends on (run config, epoch, ...): a figure drawn before
    with the same key is reused without rebuilding. With ``select``, return the clicked row (``pick``).
    """
    def make() -> Figure:
        return prepare(charts.style(build(), lecture(), height))

    fig = make() if key is None else spec_store().get_or_make((name, key, lecture(), height), make)
    if select:
        event = st.vega_lite_chart(fig.to_vega_lite(), width="stretch", on_select="rerun", key=f"chart_{name}",
                                   selection_mode="pick")
        picked = (event.selection or {}).get("pick") or []
        index = picked[0].get("idx") if picked and isinstance(picked[0], dict) else None
    else:
        st.vega_lite_chart(fig.to_vega_lite(), width="stretch")
        index = None
    with st.container(horizontal=True, gap="small"):
        st.download_button("PNG", data=lambda: _png(fig.with_values()), file_name=f"{name}.png", mime="image/png",
                           key=f"png_{name}", icon=":material/download:", on_click="ignore", width="content")
        st.download_button("SVG", data=lambda: _svg(fig.with_values()), file_name=f"{name}.svg",
                           mime="image/svg+xml", key=f"svg_{name}", icon=":material/download:", on_click="ignore",
                           width="content")
    return int(index) if index is not None else None


def _png(spec_json: str) -> bytes:
    import vl_convert

    return vl_convert.vegalite_to_png(spec_json, scale=2)


def _svg(spec_json: str) -> str:
    import vl_convert

    return vl_convert.vegalite_to_svg(spec_json)


def model_download(run: runs.Run, name: str) -> None:
    st.download_button("Model (.npz)", data=lambda: vc.model_to_bytes(run.model()), file_name=f"{name}.npz",
                       mime="application/octet-stream", key=f"npz_{name}", icon=":material/download:",
                       on_click="ignore")


def columns(n: int) -> list:
    """n side-by-side columns, or the page itself n times in lecture mode (figures full width)."""
    return [st.container() for _ in range(n)] if lecture() else st.columns(n)


def secondary() -> Any:
    """Where secondary controls go: folded into an expander in lecture mode."""
    return st.expander("More controls", icon=":material/tune:") if lecture() else st.container()


def table(rows: dict[str, list], **kwargs: Any) -> None:
    st.dataframe(pd.DataFrame(rows), hide_index=True, **kwargs)
