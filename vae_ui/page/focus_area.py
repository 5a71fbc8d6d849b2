"""A presented scene's focus area: the parts of its page the scene is about, first on the screen.

A scene names the parts of its page it is about (:attr:`vae_ui.deck.Scene.show`). The page draws its parts where it
always does, each inside ``with part(name):``; a part the scene shows goes instead into the focus area, opened near
the top of the page (under its first control row, or at the top of the fragment that draws the parts: the lecture
opens it, :func:`vae_ui.lecture.present.focus`), side by side with the other shown parts and, on a question scene
with a class vote, the vote's panel. So the slide is on the first screen of a 1280×720 projector, and the rest of the
page follows below. The area belongs to one run of the script (or of a fragment: a fragment opens its own, as it may
write outside itself only where it wrote on the last full run): it is kept per thread, and every run begins with
:func:`new_run`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from vae_ui.deck import covers
from vae_ui.session import controls, stage

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
    _run.parts = _run.inside = None


def open_area() -> tuple[Any, Any] | None:
    """Open the scene's focus area here (once per run, or at the top of a fragment that draws shown parts): the area,
    and the row its parts are drawn in, for what the lecture puts beside them; None when the scene shows no parts."""
    if not stage.shows():
        _run.parts = None
        return None
    area = st.container(gap="small", key="scene_focus")
    outer = area.container(horizontal=True, gap="medium", vertical_alignment="top")
    _, shown = stage.current()
    above = ABOVE_PX["top"] + ABOVE_PX["header_question" if shown.question else "header"] + ABOVE_PX["control_row"]
    _run.room = SCREEN_PX - MARGIN_PX - above - (ABOVE_PX["tabs"] if shown.page == "elbo" else 0)
    _run.parts = outer.container(horizontal=True, gap="medium", width="stretch", key="scene_focus_parts")
    return area, outer


@contextmanager
def part(name: str) -> Iterator[None]:
    """Draw the part ``name`` of the page: into the focus area if the presented scene shows it, else in place."""
    parts = _run.__dict__.get("parts")
    if parts is None or in_focus() or not covers(stage.shows(), name):  # (a part inside a shown part: drawn with it)
        yield
        return
    _run.inside = name
    try:
        with parts.container(key=f"part_{name}", width="stretch"):
            yield
    finally:
        _run.inside = None


def in_focus() -> bool:
    return _run.__dict__.get("inside") is not None


def fitted(name: str, px: int) -> int:
    """The height the figure ``name`` will be drawn at in this run (for what is made ahead by a thread)."""
    if _run.__dict__.get("parts") is None or not covers(stage.shows(), name):
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
    return max(min(px, 160), min(px, (_run.room if controls.value("lecture") else FOCUS_PX_NORMAL) - spare))
