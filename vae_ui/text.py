"""Text on a page: formulas with their caption, the real source of the core functions they name, and a
user's text made safe to show (escaped for Streamlit's Markdown, cut to a length)."""

from __future__ import annotations

import functools
import inspect
import re
import textwrap
from collections.abc import Callable

import streamlit as st

from .mathtext import readable


def formula(latex: str, caption: str | None = None) -> None:
    st.latex(latex)
    if caption:
        st.caption(caption)


def source(*functions: Callable) -> None:
    """An expander with the real source of the core functions that compute what is shown."""
    names = ", ".join(f"{f.__module__}.{f.__qualname__}" for f in functions)
    with st.expander(f"Source: {names}", icon=":material/code:"):
        for f in functions:
            st.code(source_text(f), language="python", wrap_lines=True)


@functools.cache
def source_text(function: Callable) -> str:
    """A function's source as it is in its file, a method's dedented, its docstring's math written out in Unicode
    (:func:`vae_ui.mathtext.readable`). Read once: reading it tokenizes the whole module, which took a seventh of the
    script's time in a warm rerun of the worked example (the code does not change while the app runs)."""
    return readable(textwrap.dedent(inspect.getsource(function)))


AUTOLINK = re.compile(r"(\\:)(?=//)|(?i:(www))(?=\\\.)|(@)")  # where GFM's autolinks begin, once escaped
ZERO_WIDTH = "\u200b"  # a zero-width space: invisible, and no autolink runs across it


def escape(text: str) -> str:
    """Text a user typed, made safe for Streamlit's Markdown: every markup character escaped, and the autolinks of
    GitHub-flavoured Markdown (``http://…``, ``www.…``, ``a@b.c``, which escaping does not stop) broken by a
    zero-width space, so a URL in a link's value or a CSV cell stays text, never a link to follow."""
    escaped = "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$&:" else c for c in text)
    return AUTOLINK.sub(lambda m: m.group(0) + ZERO_WIDTH, escaped)


def shorten(text: str, limit: int = 40) -> str:
    """A user's text, cut to ``limit`` characters, for messages (shown as plain text)."""
    return text if len(text) <= limit else text[:limit] + "…"
