"""The students' page: the lecturer's current question and its choices, and nothing else of the app.

Opened from the join link (``/?code=ABCDE``) or its QR code on the lecturer's screen. It asks the vote store what
the class shows every POLL_SECONDS; a vote can be changed until the reveal. A student never sees the others' votes.

A voter is this browser, not this connection: its signed token (:meth:`VoteStore.new_voter`) is kept in a cookie (a
reload, or the join link opened again, is the same voter) and in the URL (so is a session whose state was wiped by
"Clear cache"); a token changed by hand is no voter's, and a fresh one is made. Where the server asks for sign-in
(``VAE_LAB_VOTE_SIGN_IN`` with Streamlit's ``st.login``: docs/hosting.md), a voter is the signed-in person instead.
Wrong join codes from one session or address are slowed (vae_ui.lecture.throttle).
"""

import streamlit as st

from vae_ui.deck import LETTERS
from vae_ui.lecture import classroom, signin, throttle
from vae_ui.lecture.vote_file import Refused, Unavailable
from vae_ui.session import state
from vae_ui.session.user_text import escape

POLL_SECONDS = 2.0
COOKIE, PARAM = "vae_lab_voter", "voter"  # where this browser keeps its voter token
COOKIE_SCRIPT = "<script>document.cookie = '{name}={token}; path=/; max-age=31536000; SameSite=Lax';</script>"


def voter_token() -> str:
    """This student's voter token: the signed-in person's where the server asks for sign-in (vae_ui.lecture.signin,
    off by default: a student not signed in is asked to, and the page stops there), else this browser's."""
    if not (signin.wanted() and signin.configured(st.user)):
        return browser_voter()
    if not st.user.is_logged_in:
        st.info("Sign in to vote: one vote per person.", icon=":material/login:")
        st.button("Sign in", key="vote_sign_in", on_click=st.login, icon=":material/login:")
        st.stop()
    person = signin.person(st.user)
    if person is None:  # (a provider that names no subject: a vote per browser)
        return browser_voter()
    token = store.sign(person)
    _join(token)
    return token


def browser_voter() -> str:
    """This browser's voter token: its cookie's, else its URL's, else a new one; kept in both."""
    kept = (st.context.cookies.get(COOKIE), st.query_params.get(PARAM), state.VOTER.get())
    token = next((t for t in kept if store.voter(t)), None) or store.new_voter()
    state.VOTER.set(token)
    if st.query_params.get(PARAM) != token:
        st.query_params[PARAM] = token
    if st.context.cookies.get(COOKIE) != token:  # (a token is hex digits and a dot: nothing to escape)
        st.html(COOKIE_SCRIPT.format(name=COOKIE, token=token), unsafe_allow_javascript=True)
    _join(token)
    return token


def _join(token: str) -> None:
    if state.JOINED.get() != (code, token):
        try:
            store.join(code, token)
            state.JOINED.set((code, token))
        except Unavailable:
            pass  # (the count of who joined can wait: the question and the vote say what is wrong)


def cast(scene: int, round_: int, choice: int) -> None:
    try:
        store.vote(code, scene, round_, voter, choice)
        state.VOTE_NOTE.set(None)
    except Refused as err:
        state.VOTE_NOTE.set(str(err))


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
    note = state.VOTE_NOTE.get()
    if note:
        st.warning(escape(note), icon=":material/block:")
    if mine is not None:  # (after the reveal too: the disabled buttons no longer show it)
        st.success(f"Your vote: {LETTERS[mine]}" + (f" (round {now.round})" if now.round > 1 else "")
                   + ("." if now.revealed else ". You can change it until the reveal."), icon=":material/how_to_vote:")
    if now.revealed:
        st.info("The results are on the lecturer's screen: voting is closed.", icon=":material/visibility:")


store = classroom.store()
code = state.JOIN_CODE.get()
st.title("Class vote")
guesser = classroom.guesser()
wait = throttle.JOIN_CODES.wait(guesser)
if wait and not state.JOINED.get():  # wrong codes from here: this one is refused unchecked (probing is slowed)
    st.error(escape(throttle.refusal("join codes", wait)), icon=":material/block:")
    st.stop()
try:
    voter = voter_token()
except Unavailable as err:  # (a store that does not work)
    st.error(escape(str(err)), icon=":material/error:")
    st.stop()
except Refused as err:  # no such class: a wrong code costs a try
    throttle.JOIN_CODES.spend(guesser)
    st.error(escape(str(err)), icon=":material/error:")
    st.stop()
question()
