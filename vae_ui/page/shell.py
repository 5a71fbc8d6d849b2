"""The page frame: the shared sidebar (data, seed, lecture mode, reset, the link to this slide), the notes on a
link's values, the page's CSS, its title, control rows, columns, metrics and "look for" sentences, and what stands in
for a figure a question scene keeps back until Reveal (:func:`vae_ui.session.stage.kept_back`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

import streamlit as st

from vae_ui.page import data, focus_area
from vae_ui.session import controls, stage, state
from vae_ui.session.user_text import escape
from vae_ui.settings import DATASETS, MAX_EPOCHS, SHARED

# While a rerun runs, Streamlit dims the page's elements that are not yet redrawn: after 0.5 s each fades to a
# third of its opacity over 1 s. Without a GPU (Chromium here; many a projector's laptop) every frame of that
# fade repaints the page. Keep the dim and its delay, drop the fade: 20 tabs on this machine's 2 cores moving
# β together, 3 runs of each alternated, the moves took 22-23 s instead of 26-29 s (p95 6.5-8.6 s, not 9.0-10.2).
STALE_CSS = "<style>[data-testid=stElementContainer], details, summary { transition-duration: 0s !important; }</style>"
SCENE_CSS = "<style>.st-key-scene_title .stMarkdown p { font-size: 1.5rem !important; line-height: 1.25; }</style>"
# Lecture mode is for a projector of 1280×720: the sidebar folded away, little padding, a compact title, type a
# back row can read. The page's main slider and its figure share the first screen (each page lays itself out so).
LECTURE_CSS = """
<style>
html, body { font-size: 20px; }
[data-testid=stMainBlockContainer] { padding: 3.4rem 1.2rem 3rem 1.2rem !important; max-width: none !important; }
h1 { font-size: 1.9rem !important; padding: 0 0 0.2rem 0 !important; line-height: 1.2 !important; }
h2 { font-size: 1.55rem !important; padding: 0.4rem 0 0.2rem 0 !important; }
h3 { font-size: 1.3rem !important; padding: 0.3rem 0 0.2rem 0 !important; }
.stMarkdown p, .stMarkdown li, label p, [data-testid=stCaptionContainer] p { font-size: 1rem !important; }
[data-testid=stMetricValue] { font-size: 1.9rem !important; }
[data-testid=stMetricLabel] p { font-size: 0.9rem !important; }
.katex { font-size: 1.3em !important; }
[data-testid=stTable] td, [data-testid=stTable] th { font-size: 1rem !important; }
[data-testid=stCode] code { font-size: 0.85rem !important; }
[data-testid=stGraphVizChart] svg text { font-size: 22px !important; }
[data-testid=stCheckbox] label p, [data-testid=stCheckbox] .stMarkdownEllipsis { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; }  /* a toggle's label wraps, never "…" */
</style>
"""
# Formulas and metric values fit their column: where one is wider than its box, its type is scaled down until
# it fits (a KaTeX formula cannot wrap; Streamlit cuts a metric with "…"). Our own script, no user content.
FIT_SCRIPT = """
<script>
(() => {
  if (window.__vaeLabFit) return;
  window.__vaeLabFit = true;
  const fit = el => {  // el: a formula (.katex) or a metric's value; its text must fit its box
    const text = el.querySelector('.stMarkdownEllipsis') || el;
    el.style.removeProperty('font-size');
    const room = el.matches('.katex') ? el.parentElement.clientWidth : text.clientWidth;
    const need = text.scrollWidth;
    if (room > 0 && need > room) {
      const px = parseFloat(getComputedStyle(el).fontSize) * room / need * 0.96;
      el.style.setProperty('font-size', px + 'px', 'important');  // over the page's own !important sizes
    }
  };
  let queued = false;
  const all = () => {
    queued = false;
    document.querySelectorAll('.katex-display > .katex, [data-testid=stMetricValue]').forEach(fit);
  };
  const queue = () => { if (!queued) { queued = true; requestAnimationFrame(all); } };
  new MutationObserver(queue).observe(document.body, {childList: true, subtree: true, characterData: true});
  window.addEventListener('resize', queue);
  queue();
})();
</script>
"""
# A metric's label wraps instead of being cut with "…". Graphviz labels at the size the graph was laid out for
# (GRAPH_FONT; Streamlit's own style sets 12 px).
METRIC_CSS = """<style>[data-testid=stMetricLabel] .stMarkdownEllipsis, [data-testid=stMetricLabel] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
[data-testid=stGraphVizChart] svg text { font-size: 16px !important; }</style>"""


def lecture() -> bool:
    return bool(controls.value("lecture"))


def sidebar() -> None:
    """The controls every page shares."""
    sb = st.sidebar
    sb.header("Set-up")
    controls.widget("dataset", sb)
    if controls.value("dataset") == "csv":
        data.upload(sb)
    controls.widget("seed", sb)
    controls.widget("lecture", sb)
    sb.button("Reset to defaults", on_click=controls.reset, key="reset", icon=":material/restart_alt:",
              help="Every control back to its default (the uploaded CSV is kept).")
    sb.html(STALE_CSS + SCENE_CSS + METRIC_CSS + (LECTURE_CSS if lecture() else "") + FIT_SCRIPT, unsafe_allow_javascript=True)


def link_box() -> None:
    """The link that restores this slide (drawn after the page, when its controls are known)."""
    with st.sidebar.expander("Link to this slide", icon=":material/link:"):
        st.caption("Bookmark or share it: it restores this page, its controls and so its picture.")
        st.code(current_link(), language=None, wrap_lines=True)


def base_url() -> str:
    """``scheme://host:port`` as this session's browser reached the app ("" when it is not known)."""
    try:
        parts = urlsplit(st.context.url or "")
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    except (AttributeError, ValueError):
        return ""


def current_link() -> str:
    """The address that restores this page and its controls."""
    base = base_url()
    page = state.PAGE_PATH.get()
    keys = list(SHARED) + [k for k in state.PAGE_KEYS.get() if k not in SHARED]
    query = urlencode(controls.url_params(keys))
    return f"{base}/{page}" + (f"?{query}" if query else "")


def show_notes() -> None:
    """One message listing the link parameters that were not allowed (shown as plain text)."""
    notes = state.URL_NOTES.get()
    if notes:
        lines = "\n".join(f"- {escape(note)}" for note in notes)
        st.warning(f"Some settings in this link were not used:\n{lines}", icon=":material/link_off:")


def columns(spec: int | list[float], lecture_spec: int | list[float] | None = None) -> list:
    """Side-by-side columns (``st.columns(spec)``), another split in lecture mode if given."""
    return st.columns(lecture_spec if lecture() and lecture_spec is not None else spec, gap="medium")


def graph_font() -> int:
    """The font size (px, and Graphviz points) of a diagram's labels: the CSS above sets the same."""
    return 22 if lecture() else 16


def height(normal: int, lecture_px: int) -> int:
    """A figure's height in px: ``lecture_px`` in lecture mode (sized for a 1280×720 projector), else ``normal``."""
    return lecture_px if lecture() else normal



def title(text: str, intro: str = "") -> None:
    """The page's title and its opening paragraph; in lecture mode the paragraph is the title's tooltip (the
    lecturer says it), so that the page's controls and figures start high on the screen."""
    if stage.current() is not None:
        return  # the scene's title, on top, stands for the page's
    if lecture():
        st.title(text, help=intro or None)
    else:
        st.title(text)
        if intro:
            st.markdown(intro)


def control_row(main: Sequence[str], more: Sequence[str] = (), overrides: dict[str, dict] | None = None) -> tuple:
    """The page's controls side by side, their values in order (``main``, then ``more``): all in one row, or in
    lecture mode the main ones and, at the row's end, the others folded into "More controls"."""
    overrides = {key: _epochs_capped(key) | (overrides or {}).get(key, {}) for key in [*main, *more]}
    if not lecture() or not more:
        cols = st.columns(len(main) + len(more), gap="medium")
        values = [controls.widget(k, col, **overrides.get(k, {})) for k, col in zip([*main, *more], cols)]
    else:
        cols = st.columns([2] * len(main) + [1.3], gap="medium", vertical_alignment="bottom")
        values = [controls.widget(k, col, **overrides.get(k, {})) for k, col in zip(main, cols)]
        with cols[-1].expander("More controls", icon=":material/tune:"):
            values += [controls.widget(k, **overrides.get(k, {})) for k in more]
    return tuple(values)


EPOCH_CONTROLS = ("h_epochs", "ae_epochs", "dae_epochs")


def _epochs_capped(key: str) -> dict[str, Any]:
    """An Epochs control on a data set that trains fewer epochs (MNIST): disabled, its label saying how many."""
    cap = MAX_EPOCHS.get(controls.value("dataset"))
    if key not in EPOCH_CONTROLS or cap is None:
        return {}
    return {"disabled": True, "label": f"Epochs: {cap} on this data",
            "help": f"{DATASETS[controls.value('dataset')]} trains {cap} epochs, so that a model is ready in seconds."}


def look_for(text: str) -> None:
    """The one sentence under a figure that says what to look for in it."""
    st.caption(f"**Look for:** {text}")


def metric(container: Any, label: str, value: str, *args: Any, **kwargs: Any) -> None:
    """``container.metric``, unless a question scene keeps the page's numbers back until the reveal."""
    if stage.kept_back("numbers"):
        value, args, kwargs = "?", (), {"help": "Kept back until the reveal: what do you predict?"}
    if focus_area.in_focus() and lecture():  # on a slide, a number is one line under its figure
        container.markdown(f"{escape(label)}: **{escape(value)}**")
        return
    container.metric(label, value, *args, **kwargs)


def shown(name: str, height: int = 200) -> bool:
    """Whether the picture ``name`` may be drawn now; if not, a placeholder of its height stands in for it."""
    if stage.kept_back(name):
        placeholder(focus_area.fit(height))
        return False
    return True


def placeholder(height: int = 200) -> None:
    """What stands where a kept-back figure will be."""
    with st.container(height=height, border=True, vertical_alignment="center", horizontal_alignment="center"):
        st.markdown("**Kept back until the reveal.** What do you predict?")
