"""The students' page: the lecturer's current question and its choices, and nothing else of the app.

Opened from the join link (``/?code=ABCDE``) or its QR code on the lecturer's screen. It asks the vote store what
the class shows every POLL_SECONDS; a vote can be changed until the reveal. A student never sees the others' votes.
"""

import secrets

import streamlit as st

from vae_ui import classroom
from vae_ui.deck import LETTERS
from vae_ui.text import escape
from vae_ui.votes import Refused

POLL_SECONDS = 2.0

store = classroom.store()
code = st.session_state["join_code"]
voter = st.session_state.setdefault("voter", secrets.token_hex(12))


def cast(scene: int, round_: int, choice: int) -> None:
    try:
        store.vote(code, scene, round_, voter, choice)
        st.session_state["vote_note"] = None
    except Refused as err:
        st.session_state["vote_note"] = str(err)


@st.fragment(run_every=POLL_SECONDS)
def question() -> None:
    try:
        now = store.showing(code)
        mine = store.my_vote(now.code, now.scene, now.round, voter) if now.scene else None
    except Refused as err:  # (a store that does not work says so too: the lecturer's screen says what to do)
        st.error(escape(str(err)), icon=":material/error:")
        return
    st.caption(f"Class {now.code}")
    if not now.scene or not now.choices:
        st.info("No question is open just now: this page shows the next one by itself.", icon=":material/hourglass_top:")
        return
    st.subheader(escape(now.prompt))
    for i, choice in enumerate(now.choices):
        st.button(f"{LETTERS[i]}.  {escape(choice)}", key=f"vote_{now.scene}_{now.round}_{i}", on_click=cast,
                  args=(now.scene, now.round, i), type="primary" if mine == i else "secondary", width="stretch",
                  disabled=now.revealed)
    note = st.session_state.get("vote_note")
    if note:
        st.warning(escape(note), icon=":material/block:")
    if mine is not None:  # (after the reveal too: the disabled buttons no longer show it)
        st.success(f"Your vote: {LETTERS[mine]}" + (f" (round {now.round})" if now.round > 1 else "")
                   + ("." if now.revealed else ". You can change it until the reveal."), icon=":material/how_to_vote:")
    if now.revealed:
        st.info("The results are on the lecturer's screen: voting is closed.", icon=":material/visibility:")


st.title("Class vote")
question()
