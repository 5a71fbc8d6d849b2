"""Text on a page: formulas with their caption, and the real source of the core functions they name (a user's text
is shown through :mod:`vae_ui.session.user_text`)."""

from __future__ import annotations

import functools
import inspect
import textwrap
from collections.abc import Callable

import streamlit as st

from vae_ui.page.mathtext import readable


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
    (:func:`vae_ui.page.mathtext.readable`). Read once: reading it tokenizes the whole module, which took a seventh of the
    script's time in a warm rerun of the worked example (the code does not change while the app runs)."""
    return readable(textwrap.dedent(inspect.getsource(function)))


