"""Every entry of ``st.session_state`` declared once (tensorflow/playground's ``state.ts`` plays this part): its name,
what reading it gives while it is absent, the module that owns it (writes it; others may read it) and what it holds.

The controls' values are one entry (``values``, declared in :mod:`vae_ui.settings`, kept by
:mod:`vae_ui.session.controls`); the rest of a session's state is below, grouped by owner. Code reads and writes an
entry through its :class:`Key` (``state.REVEALED.get()``), never by a string of its own, so a name is spelled once and a
reader finds here everything a session keeps. Two families of widget keys are named by a rule instead: a control's
widget (:func:`widget_key`) and a selectable chart's last selection (:func:`chart_key`). Session state has no eviction:
each entry is small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st


def _none() -> None:
    return None


@dataclass(frozen=True)
class Key:
    """One entry of ``st.session_state``: ``empty()`` is what it reads as while absent (a fresh value each time)."""

    name: str
    owner: str  # the module that writes it
    holds: str
    empty: Callable[[], Any] = _none

    def get(self) -> Any:
        """The entry's value, or ``empty()`` while it is absent (nothing is stored)."""
        return st.session_state[self.name] if self.name in st.session_state else self.empty()

    def set(self, value: Any) -> None:
        st.session_state[self.name] = value

    def setdefault(self) -> Any:
        """The entry's value, stored as ``empty()`` first if it is absent (for a set or list changed in place)."""
        if self.name not in st.session_state:
            st.session_state[self.name] = self.empty()
        return st.session_state[self.name]

    def pop(self) -> Any:
        """The entry's value (``empty()`` if absent), and the entry gone."""
        return st.session_state.pop(self.name) if self.name in st.session_state else self.empty()

    def held(self) -> bool:
        """Whether the session holds the entry now."""
        return self.name in st.session_state


def _text() -> str:
    return ""


def _zero() -> int:
    return 0


def _false() -> bool:
    return False


# -- the controls and the page (vae_ui.session.controls, dashboard.py) ---------------------------------------------
VALUES = Key("values", "vae_ui.session.controls", "every control's value by key: the one store of the controls", dict)
URL_NOTES = Key("url_notes", "vae_ui.session.controls", "what a link asked for that was not used, said on the page "
                "(vae_ui.session.stage adds a deck or scene it does not have)", list)
PAGE_KEYS = Key("page_keys", "vae_ui.session.controls", "the controls drawn in this run: the URL carries them "
                "(dashboard.py empties it at the top of each run)", list)
WIDGET_IDENTITIES = Key("widget_identities", "vae_ui.session.controls", "each control's widget as last drawn (label "
                        "and range): a changed one is a new widget and is given the stored value", dict)
JOIN_CODE = Key("join_code", "vae_ui.session.controls", "a student's class code from the join link: this session sees "
                "the vote page only")
PAGE_PATH = Key("page_path", "dashboard.py", "the URL path of the page shown (\"\" for home)", _text)
# -- the scene presented (vae_ui.session.stage, vae_ui.lecture) -----------------------------------------------------
APPLIED = Key("applied", "vae_ui.session.stage", "(deck, scene) whose set-up the controls were given last")
REVEALED = Key("revealed", "vae_ui.session.stage", "the question scenes revealed, as (deck, scene)", set)
FOLLOWED = Key("followed", "vae_ui.lecture.present", "the set-up whose page was opened: a scene opens its page once "
               "per step, then the lecturer may wander")
JUMP = Key("w_jump", "vae_ui.lecture.present", "the jump list's scene number (a widget)")
YOUR_DECK = Key("your_deck", "vae_ui.lecture.authoring", "the deck this session built or uploaded (a deck.Deck)")
DECK_MESSAGES = Key("deck_messages", "vae_ui.lecture.authoring", "what the last deck action said: (\"ok\" or \"error\", "
                    "text), shown once", list)
# the deck editor's form (widgets): the scene to write and its fields, and the deck file uploaded
DECK_TARGET = Key("deck_target", "vae_ui.lecture.authoring", "the scene the editor writes (0: a new one)", _zero)
DECK_TITLE = Key("deck_title", "vae_ui.lecture.authoring", "the scene's title in the editor", _text)
DECK_TALK = Key("deck_talk", "vae_ui.lecture.authoring", "the scene's talking point in the editor", _text)
DECK_PROMPT = Key("deck_prompt", "vae_ui.lecture.authoring", "the scene's question in the editor", _text)
DECK_CHOICES = Key("deck_choices", "vae_ui.lecture.authoring", "the question's choices, a line each", _text)
DECK_ANSWER = Key("deck_answer", "vae_ui.lecture.authoring", "the right choice's number (0: an opinion poll)", _zero)
DECK_HIDE = Key("deck_hide", "vae_ui.lecture.authoring", "whether the scene keeps its figures back until Reveal", _false)
DECK_TAKE_VIEW = Key("deck_take_view", "vae_ui.lecture.authoring", "whether the scene is set to the view shown", _false)
DECK_FILE = Key("deck_file", "vae_ui.lecture.authoring", "the deck file uploaded (a widget)")
# -- the class vote, the lecturer's side (vae_ui.lecture.classroom) -------------------------------------------------
CLASS_CODE = Key("class_code", "vae_ui.lecture.classroom", "the join code of the class this session presents to")
PRESENTER_SECRET = Key("presenter_secret", "vae_ui.lecture.classroom", "the presenter secret this session typed", _text)
SECRET_INPUT = Key("class_secret_input", "vae_ui.lecture.classroom", "the presenter secret's field (a widget)", _text)
CLASS_NOTE = Key("class_note", "vae_ui.lecture.classroom", "why the last class action failed, said once")
PUBLISHED = Key("published", "vae_ui.lecture.classroom", "(code, scene, revealed) the class was last shown")
# -- the data uploaded (vae_ui.page.data) ---------------------------------------------------------------------------
CSV = Key("csv", "vae_ui.page.data", "the CSV uploaded: its digest, name, standardised rows and notes")
CSV_ERROR = Key("csv_error", "vae_ui.page.data", "why the last file uploaded was not loaded")
CSV_ERROR_DIGEST = Key("csv_error_digest", "vae_ui.page.data", "the digest of that file (not read again)")
# -- the pages -------------------------------------------------------------------------------------------------------
PLAYING = Key("playing", "app_pages.home", "whether Play replays the training now", _false)
PLAY_ROUND = Key("play_round", "app_pages.home", "presses of Play and Pause so far: each makes new buttons and a new "
                 "slider", _zero)
PLAY_CLOCK = Key("play_clock", "vae_ui.page.player", "the clock of the Play under way: its start (ms), when it was "
                 "sent (ms) and the epochs it shows")
VOTER = Key("voter", "app_pages.vote", "this student's voter token")
JOINED = Key("joined", "app_pages.vote", "(code, voter) this student joined as")
VOTE_NOTE = Key("vote_note", "app_pages.vote", "why the last vote was refused, or None")

KEYS: dict[str, Key] = {key.name: key for key in globals().values() if isinstance(key, Key)}
WIDGET = "w_"  # a control's widget key: "w_" + the control's key (a second instance: "_<n>" after it)
CHART = "chart_"  # a selectable chart's last selection event: "chart_" + the figure's name


def widget_key(control: str, instance: int = 0) -> str:
    """The widget key of control ``control`` (its ``instance``-th widget, when a page makes it anew)."""
    return f"{WIDGET}{control}" + (f"_{instance}" if instance else "")


def chart_key(name: str) -> str:
    """The key under which Streamlit keeps the selection of the selectable chart ``name``."""
    return f"{CHART}{name}"
