"""The page frame: the shared sidebar (data, seed, lecture mode, reset, the link to this slide), the notes
on a link's values, the page's CSS, and where a page puts its columns and secondary controls."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import streamlit as st

from . import controls, data
from .settings import SHARED
from .text import escape

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
    st.html(STALE_CSS + (LECTURE_CSS if lecture() else ""))


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


def columns(n: int) -> list:
    """n side-by-side columns, or the page itself n times in lecture mode (figures full width)."""
    return [st.container() for _ in range(n)] if lecture() else st.columns(n)


def secondary() -> Any:
    """Where secondary controls go: folded into an expander in lecture mode."""
    return st.expander("More controls", icon=":material/tune:") if lecture() else st.container()
