"""The floor of Play: a fragment rerun every FRAME_SECONDS, as the worked example's Play reruns its own, that draws
only a progress bar and the line "Showing epoch N of 50" (no chart, no image).

benchmarks/play_rate.py runs it beside the worked example: its frames per second are what Streamlit's timer and
front end allow before any figure is drawn.
"""

import streamlit as st

FRAME_SECONDS = 0.1  # app_pages/home.py's
EPOCHS, EVERY = 50, 2


def _play() -> None:
    st.session_state["epoch"] = 0
    st.session_state["playing"] = True


def frames(timed: bool) -> None:
    if st.session_state.get("playing", False) != timed:  # Play was pressed: a full run starts the timer
        st.rerun()
    if not timed:
        st.button("Play", on_click=_play)
        st.caption(f"Showing epoch {EPOCHS} of {EPOCHS}")
        return
    epoch = st.session_state["epoch"] = min(st.session_state["epoch"] + EVERY, EPOCHS)
    st.progress(epoch / EPOCHS, text=f"Replaying the training: epoch {epoch}")
    st.caption(f"Showing epoch {epoch} of {EPOCHS}")
    if epoch >= EPOCHS:
        st.session_state["playing"] = False
        st.rerun()


playing = st.session_state.get("playing", False)
st.fragment(frames, run_every=FRAME_SECONDS if playing else None)(playing)
