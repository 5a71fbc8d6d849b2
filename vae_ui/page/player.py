"""Play in the browser: a replay's figures sent once, each holding every snapshot, played by Vega's own timer.

The server sends every figure of the replay once, all with one clock (:mod:`vae_ui.charts.play`): a start time
in ms and 10 frames a second. The browser then plays them with no rerun; the server knows at any moment which
snapshot is shown (:func:`shown`), which is what Pause keeps. The clock of a Play is kept in this session
(``state.PLAY_CLOCK``: its start and the replay's epochs) from the press of Play until the press of Pause or the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

import altair as alt
import streamlit as st

from vae_ui.charts import look, play
from vae_ui.page import figures, focus_area, shell
from vae_ui.session import state

LEAD_MS = 800  # the first frame is shown this long after the server sends the figures (measured: 0.6-0.9 s to draw them)
END_MARGIN_S = 1.5  # the page looks again this long after the last frame (later than the figures take to make)


def now_ms() -> float:
    return time.time() * 1000


def start(epochs: tuple[int, ...]) -> dict:
    """The clock of this Play (made at its first drawing: the frames start LEAD_MS after it)."""
    clock = state.PLAY_CLOCK.get()
    if clock is None or clock["epochs"] != epochs:
        sent = now_ms()
        clock = {"start": sent + LEAD_MS, "sent": sent, "epochs": epochs}
        state.PLAY_CLOCK.set(clock)
    return clock


def stop() -> None:
    state.PLAY_CLOCK.pop()


def pause_button(lines: list[str], round_: int, height: int = 44, size: int = 22) -> None:
    """The epoch shown, as a Pause button (:func:`vae_ui.charts.play.pause_button`): a click reruns the page with the
    frame it was on (read by :func:`paused`). One chart per round of Play: no click of an earlier round is read."""
    st.vega_lite_chart(clocked(play.pause_button(lines, height, size)), on_select="rerun", selection_mode=play.PAUSE,
                       key=state.chart_key(f"play_pause_{round_}"), width="stretch")


def paused(round_: int) -> int | None:
    """The epoch the browser showed when its Pause was clicked in this round of Play, or None."""
    clock = state.PLAY_CLOCK.get()
    if clock is None:
        return None
    frame = play.paused_frame(st.session_state.get(state.chart_key(f"play_pause_{round_}")), len(clock["epochs"]))
    return None if frame is None else clock["epochs"][frame]


def shown() -> int | None:
    """The epoch the browser shows now, by the clock of the Play under way (None if none is): what a Pause pressed
    elsewhere than the Pause button keeps (it arrives a little late)."""
    clock = state.PLAY_CLOCK.get()
    if clock is None:
        return None
    return clock["epochs"][play.frame_at(now_ms(), clock["start"], len(clock["epochs"]))]


def ended() -> bool:
    clock = state.PLAY_CLOCK.get()
    return clock is not None and now_ms() >= clock["start"] + len(clock["epochs"]) * play.STEP_MS


def seconds(frames: int) -> float:
    """From the press of Play to a look just after its last frame (the replay fragment's one timed rerun)."""
    return (LEAD_MS + frames * play.STEP_MS) / 1000 + END_MARGIN_S


def reel(builds: list[Callable[[], alt.TopLevelMixin]], name: str, key: Hashable, height: int) -> dict:
    """The figure ``name`` with every frame (one chart builder per snapshot), styled for the mode, made once per
    (name, key, mode, height) and shared by every session, as :func:`vae_ui.page.figures.figure`."""
    lecture = shell.lecture()

    def make() -> dict:
        return play.animate([look.style(build(), lecture, height) for build in builds])

    return figures.spec_store().get_or_make(("play", name, key, lecture, height), make)


def show(name: str, spec: Callable[[int], dict] | dict, height: int, width: str = "stretch") -> None:
    """Draw the moving figure ``name`` (a spec without clock, or a function of the fitted height that makes one)
    where :func:`vae_ui.page.figures.show` would draw it, with the clock of this Play."""
    with focus_area.part(name):
        fitted = focus_area.fit(height)
        if not shell.shown(name, fitted):
            return
        st.vega_lite_chart(clocked(spec(fitted) if callable(spec) else spec), width=width)


def clocked(spec: dict) -> dict:
    """``spec`` (a figure of every frame, :mod:`vae_ui.charts.play`) with the clock of this Play."""
    clock = state.PLAY_CLOCK.get()
    return play.playing(spec, len(clock["epochs"]), clock["start"], clock["sent"])
