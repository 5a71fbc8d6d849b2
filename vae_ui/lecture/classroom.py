"""The class vote on the lecturer's side: becoming the presenter, the join link with its QR code, the live count of
votes and, after Reveal, their histogram beside the right answer (:mod:`vae_ui.lecture.votes` keeps the votes).

A session becomes the presenter by typing the presenter secret (printed in the terminal where the app was started,
or set as ``VAE_LAB_PRESENTER_SECRET``); only then does the scene it presents reach the class. A store that does not
work (:meth:`VoteStore.problem`) is said in one sentence in the sidebar; the rest of the app goes on without it.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from vae_ui import deck
from vae_ui.charts import curves
from vae_ui.lecture import throttle
from vae_ui.lecture.vote_file import Refused, Unavailable
from vae_ui.lecture.votes import VoteStore
from vae_ui.page import figures, shell
from vae_ui.service import network, runs
from vae_ui.session import controls, stage, state
from vae_ui.session.user_text import escape

COUNT_SECONDS = 1.0  # the lecturer's count of votes is read this often


_ANNOUNCED: set[str] = set()  # the store files whose presenter secret this process has printed


@st.cache_resource
def store() -> VoteStore:
    """The vote store of this server process (never raises: a store that does not work says so in the sidebar);
    its presenter secret is printed where the app was started."""
    made = VoteStore()
    _announce(made)
    return made


def announce() -> None:
    """Print the presenter secret where the app was started (serve.py calls it as the server starts)."""
    _announce(VoteStore())


def _announce(made: VoteStore) -> None:
    """Print the presenter secret once, or, while the store does not work, what is wrong with it."""
    if str(made.path) in _ANNOUNCED:
        return
    try:
        secret, _ = made.presenter_secret()
    except Unavailable:
        print(f"VAE Lab: {made.problem()}", flush=True)
        return
    _ANNOUNCED.add(str(made.path))
    print(f"VAE Lab: the presenter secret for class votes is {secret} (sidebar: Lecture deck → Class vote)", flush=True)


def problem() -> str | None:
    """What is wrong with the vote store and what to do, in one sentence (None when it works)."""
    made = store()
    found = made.problem()
    if found is None:
        _announce(made)  # (a store put right while the app ran: its secret is printed now)
    return found


def secret() -> str:
    return state.PRESENTER_SECRET.get()


def class_code() -> str | None:
    return state.CLASS_CODE.get()


def presenter_box() -> None:
    """In the sidebar's deck box: become the presenter, open a class."""
    st.markdown("**Class vote**")
    note = state.CLASS_NOTE.pop()
    if note:  # (from Start or from Vote again)
        st.error(escape(note))
    if class_code() and _class_gone():
        st.error(f"Your class {class_code()} is gone from the vote store: start a class vote again.")
        _end()
    if class_code():
        st.caption(f"Your class: {class_code()}. Its join link is on every question scene.")
        st.button("End the class vote", key="class_end", on_click=_end, icon=":material/stop_circle:")
        return
    st.text_input("Presenter secret", type="password", key=state.SECRET_INPUT.name, max_chars=64,
                  help="Printed in the terminal where the app was started (or set as VAE_LAB_PRESENTER_SECRET).")
    st.button("Start a class vote", key="class_start", on_click=_start, icon=":material/how_to_vote:")


def _start() -> None:
    typed = state.SECRET_INPUT.get()
    state.SECRET_INPUT.set("")
    keys = guesser()
    wait = throttle.SECRETS.wait(keys)
    if wait:  # refused unchecked: a wrong secret costs a try, a right one never does (throttle.SECRETS)
        state.CLASS_NOTE.set(f"Not started: {throttle.refusal('presenter secrets', wait)}.")
        return
    try:
        code = store().open_class(typed)
    except Unavailable as err:
        state.CLASS_NOTE.set(f"Not started: {err}.")
        return
    except Refused as err:  # a wrong secret
        throttle.SECRETS.spend(keys)
        state.CLASS_NOTE.set(f"Not started: {err}.")
        return
    state.PRESENTER_SECRET.set(typed)
    state.CLASS_CODE.set(code)
    runs.give_first_place(session_id())  # the lecturer's trainings and views go before everyone else's


def session_id() -> str:
    """This session's id (the pool gives the presenter's session first place by it)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx else ""


def guesser() -> tuple[str, str]:
    """Who is guessing (:mod:`vae_ui.lecture.throttle`): this session, and its client's address (every tab of this
    machine is one address, "local")."""
    return f"session {session_id()}", f"address {st.context.ip_address or 'local'}"


def _end() -> None:
    runs.give_first_place(session_id(), given=False)
    state.CLASS_CODE.pop()
    state.PUBLISHED.pop()


def _class_gone() -> bool:
    """Whether this session's class is no longer in the store (its file was deleted and made again)."""
    try:
        store().showing(class_code())
    except Unavailable:
        return False  # (not known: the store says what is wrong)
    except Refused:
        return True
    return False


def join_base() -> tuple[str, str]:
    """The address students reach the app at (``scheme://host:port``) and, when it is not the tab's own, a sentence
    for the lecturer saying why. A tab on localhost or 127.0.0.1 is the lecturer's machine, which students' laptops
    cannot reach by that name: Streamlit's ``browser.serverAddress`` when it was set, else this machine's LAN address
    (:func:`vae_ui.service.network.lan_address`), on the tab's port."""
    base = shell.base_url()
    parts = urlsplit(base)
    if not parts.hostname or not network.is_loopback(parts.hostname):
        return base, ""
    port = f":{parts.port}" if parts.port else ""
    configured = network.configured_address()
    if configured:
        return f"{parts.scheme}://{configured}{port}", (f"This tab is on {parts.hostname}; the join link uses "
                                                        f"{configured}, the server's browser.serverAddress.")
    lan = network.lan_address()
    if lan is None:
        return base, (f"This tab is on {parts.hostname}, which students cannot reach, and this machine has no network "
                      "address: students need this machine's name or address on their network.")
    said = f"This tab is on {parts.hostname}; students reach this machine at {lan}."
    if network.listens_on_loopback():
        said += " The server listens on this machine only: start it with --server.address 0.0.0.0 for them."
    return f"{parts.scheme}://{lan}{port}", said


@st.cache_data(max_entries=16)  # drawn once per join link, not on every run of a question scene
def qr_png(text: str) -> bytes:
    """The QR code of ``text`` as a PNG (segno: made for the job, pure Python, offline)."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=6, border=2)
    return out.getvalue()


def publish(number: int, scene: deck.Scene, revealed: bool) -> None:
    """What the class sees follows the scene presented (a scene without a question shows none)."""
    code = class_code()
    if not code:
        return
    q = scene.question
    wanted = (code, number if q else 0, revealed)
    if state.PUBLISHED.get() == wanted:
        return
    try:
        store().show(secret(), code, number if q else 0, q.prompt if q else "", q.choices if q else (), revealed)
        state.PUBLISHED.set(wanted)
    except Refused as err:
        st.error(escape(str(err)))


JOIN_CSS = """<style>.st-key-class_join p, .st-key-class_join code { font-size: max(20px, 1rem) !important; }
.st-key-class_join code { overflow-wrap: anywhere; white-space: normal; }</style>"""


def panel(number: int, scene: deck.Scene, revealed: bool, box=None) -> None:
    """Beside a question (in ``box``): how to join (link, QR code, in type a back row reads), the votes so far; after
    Reveal, the votes of each round as tall bars, the right answer marked."""
    code = class_code()
    if not code or scene.question is None:
        return
    link, note = join_base()
    link = f"{link}/?code={code}"
    with box if box is not None else st.container():
        if revealed:  # voting is closed: the votes, tall (the join link is no longer needed)
            counts(number, scene, revealed)
            return
        with st.container(key="class_join", gap="small"):
            st.html(JOIN_CSS)
            qr, said = st.columns([1, 1.4], vertical_alignment="center")
            qr.image(qr_png(link), width=130)
            with said:
                st.markdown(f"**Code:** `{code}`")
                counts(number, scene, revealed)
            st.markdown(f"**Join:** `{link}`")
            if note:
                st.caption(escape(note), help="Students' laptops reach the app by its network address, not localhost.")


VOTE_CHART_PX = 270  # the votes' bars after Reveal: tall, their labels 20 px and more on a projector


@st.fragment(run_every=COUNT_SECONDS)
def counts(number: int, scene: deck.Scene, revealed: bool) -> None:
    code, q = class_code(), scene.question
    trouble = store().problem()  # (said here too: this part reruns by itself, the sidebar does not)
    if trouble:
        st.warning(escape(trouble), icon=":material/how_to_vote:")
    try:
        now = store().showing(code)
        rounds = {r: store().counts(secret(), code, number, r) for r in range(1, now.round + 1)}
        joined = store().joined(secret(), code)  # browsers, not connections: a reload is the same student
    except Refused as err:
        if not trouble:
            st.warning(escape(str(err)))
        return
    latest = rounds[now.round]
    label = f"round {now.round}: " if now.round > 1 else ""
    st.markdown(f"**Votes, {label}{sum(latest.values())}** of {joined} joined")
    if not revealed:
        return
    shown = list(rounds.items())[-2:]  # the last two rounds, side by side
    columns = st.columns(len(shown))
    for col, (r, c) in zip(columns, shown):
        frame = pd.DataFrame({"choice": [deck.LETTERS[i] + (" ✓" if i == q.right else "") for i in range(len(q.choices))],
                              "votes": [c.get(i, 0) for i in range(len(q.choices))],
                              "right": [i == q.right for i in range(len(q.choices))]})
        with col:
            figures.show(lambda: curves.votes(frame, f"Round {r}"), f"votes_round_{r}",
                         (code, number, r, tuple(frame["votes"])), height=VOTE_CHART_PX, downloads=False)
    if st.button("Vote again", key="class_again", icon=":material/replay:",
                 help="A second round of the same question: discuss with your neighbour, then vote again."):
        _again()
        st.rerun(scope="app")  # the whole page: the answer and explanation above this fragment go back too


def _again() -> None:
    try:
        store().vote_again(secret(), class_code())
    except Refused as err:
        state.CLASS_NOTE.set(str(err))
    state.PUBLISHED.pop()
    stage.set_revealed(controls.value("scene"), False)  # the new round's answer is kept back again
