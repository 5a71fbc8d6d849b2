"""The page frame: the shared sidebar (data, seed, lecture mode, reset, the link to this slide), the notes
on a link's values, the page's CSS, and where a page puts its columns and secondary controls."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

import streamlit as st

from . import controls, data, present
from .settings import DATASETS, MAX_EPOCHS, SHARED
from .text import escape

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


def columns(spec: int | list[float], lecture_spec: int | list[float] | None = None) -> list:
    """Side-by-side columns (``st.columns(spec)``), another split in lecture mode if given."""
    return st.columns(lecture_spec if lecture() and lecture_spec is not None else spec, gap="medium")


def graph_font() -> int:
    """The font size (px, and Graphviz points) of a diagram's labels: the CSS above sets the same."""
    return 22 if lecture() else 16


def height(normal: int, lecture_px: int) -> int:
    """A figure's height in px: ``lecture_px`` in lecture mode (sized for a 1280×720 projector), else ``normal``."""
    return lecture_px if lecture() else normal


def secondary() -> Any:
    """Where secondary controls go: folded into an expander in lecture mode."""
    return st.expander("More controls", icon=":material/tune:") if lecture() else st.container()


def title(text: str, intro: str = "") -> None:
    """The page's title and its opening paragraph; in lecture mode the paragraph is the title's tooltip (the
    lecturer says it), so that the page's controls and figures start high on the screen."""
    if present.current() is not None:
        return  # the scene's title, on top, stands for the page's
    if lecture():
        st.title(text, help=intro or None)
    else:
        st.title(text)
        if intro:
            st.markdown(intro)


def control_row(main: Sequence[str], more: Sequence[str] = (), overrides: dict[str, dict] | None = None,
                focus_below: bool = True) -> tuple:
    """The page's controls side by side, their values in order (``main``, then ``more``): all in one row, or in
    lecture mode the main ones and, at the row's end, the others folded into "More controls". Under the page's first
    row, a presented scene's focus area (:func:`focus`; not with ``focus_below=False``: a fragment below makes its own)."""
    overrides = {key: _epochs_capped(key) | (overrides or {}).get(key, {}) for key in [*main, *more]}
    if not lecture() or not more:
        cols = st.columns(len(main) + len(more), gap="medium")
        values = [controls.widget(k, col, **overrides.get(k, {})) for k, col in zip([*main, *more], cols)]
    else:
        cols = st.columns([2] * len(main) + [1.3], gap="medium", vertical_alignment="bottom")
        values = [controls.widget(k, col, **overrides.get(k, {})) for k, col in zip(main, cols)]
        with cols[-1].expander("More controls", icon=":material/tune:"):
            values += [controls.widget(k, **overrides.get(k, {})) for k in more]
    if focus_below and _run.__dict__.get("box") is None:
        focus()
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
    if present.kept_back("numbers"):
        value, args, kwargs = "?", (), {"help": "Kept back until the reveal: what do you predict?"}
    if in_focus() and lecture():  # on a slide, a number is one line under its figure
        container.markdown(f"{escape(label)}: **{escape(value)}**")
        return
    container.metric(label, value, *args, **kwargs)


def shown(name: str, height: int = 200) -> bool:
    """Whether the picture ``name`` may be drawn now; if not, a placeholder of its height stands in for it."""
    if present.kept_back(name):
        present.placeholder(fit(height))
        return False
    return True


# ------------------------------------------------------------------------------ a scene's focus
# A presented scene names the parts of its page it is about (deck.Scene.show). The page draws its parts where it
# always does, each inside ``with part(name):``; a part the scene shows goes instead into the focus area, opened
# near the top of the page (under its first control row, or at the top of the fragment that draws the parts), side
# by side with the other shown parts and, on a question scene with a class vote, the vote's panel. So the slide is on
# the first screen of a 1280×720 projector, and the rest of the page follows below. The area belongs to one run of
# the script (or of a fragment: a fragment opens its own, as it may write outside itself only where it wrote on the
# last full run): it is kept per thread, and every run begins with :func:`new_run`.
# What stands above the focus area on a 1280×720 projector in lecture mode, in px (measured in Chromium by
# tests/browser/test_one_screen.py): the page's top padding, the scene's header (with a question, without), the page's
# control row and the ELBO page's tabs, with the gaps between them. A figure in the focus area is as tall as what is
# left of the first screen (less a margin), and never taller than the page draws it.
SCREEN_PX, MARGIN_PX = 720, 10
ABOVE_PX = {"top": 68, "header": 112, "header_question": 150, "control_row": 127, "tabs": 20}
FOCUS_PX_NORMAL = 480  # (not lecture mode: the page's own heights, up to this)
_run = threading.local()


def new_run() -> None:
    """At the top of every full run: no focus area yet."""
    _run.box = _run.parts = _run.inside = None


def shows() -> tuple[str, ...]:
    """The parts of this page the presented scene shows first (none when no scene is presented on this page)."""
    found = present.current()
    if found is None or st.session_state.get("page_path", "") != present.page_path(found[1].page):
        return ()
    return found[1].show


def focus() -> None:
    """Open the scene's focus area here (once per run, or at the top of a fragment that draws shown parts)."""
    if not shows():
        _run.box = None
        return
    area = st.container(gap="small", key="scene_focus")
    outer = area.container(horizontal=True, gap="medium", vertical_alignment="top")
    _run.box = outer
    found = present.current()
    above = ABOVE_PX["top"] + ABOVE_PX["header_question" if found[1].question else "header"] + ABOVE_PX["control_row"]
    _run.room = SCREEN_PX - MARGIN_PX - above - (ABOVE_PX["tabs"] if found[1].page == "elbo" else 0)
    _run.parts = outer.container(horizontal=True, gap="medium", width="stretch", key="scene_focus_parts")
    if found[1].question is not None and classroom_on():
        present.vote_panel(outer.container(width=VOTE_WIDTH, key="scene_focus_vote"))
    with area:
        present.explain_below()  # (after Reveal: under the parts, not above them)


def classroom_on() -> bool:
    return bool(st.session_state.get("class_code"))


VOTE_WIDTH = 380  # px: the class vote's column beside the shown parts


@contextmanager
def part(name: str) -> Iterator[None]:
    """Draw the part ``name`` of the page: into the focus area if the presented scene shows it, else in place."""
    parts = _run.__dict__.get("parts")
    if parts is None or in_focus() or not deck_covers(shows(), name):  # (a part inside a shown part: drawn with it)
        yield
        return
    _run.inside = name
    try:
        with parts.container(key=f"part_{name}", width="stretch"):
            yield
    finally:
        _run.inside = None


def deck_covers(names: tuple[str, ...], name: str) -> bool:
    from .deck import covers

    return covers(names, name)


def in_focus() -> bool:
    return _run.__dict__.get("inside") is not None


def fitted(name: str, px: int) -> int:
    """The height the figure ``name`` will be drawn at in this run (for what is made ahead by a thread)."""
    if _run.__dict__.get("parts") is None or not deck_covers(shows(), name):
        return px
    _run.inside = name
    try:
        return fit(px)
    finally:
        _run.inside = None


def fit(px: int, spare: int = 0) -> int:
    """A figure's height: at most what the focus area has room for (less ``spare`` px for what the part draws
    besides), when the figure is drawn there."""
    if not in_focus():
        return px
    return max(min(px, 160), min(px, (_run.room if lecture() else FOCUS_PX_NORMAL) - spare))
