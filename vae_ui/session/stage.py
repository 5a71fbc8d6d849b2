"""The scene presented, as state: which deck is in use and which of its scenes is presented, what its question keeps
back until Reveal, and the moves between scenes (button callbacks: they set the controls, and draw nothing).

The deck and the scene are two controls like any other (``deck``, ``scene``: in the URL on every page), so a link
opens a lecture at its scene and a bookmark keeps the place. Stepping to a scene sets every control of the app to the
scene's values (:meth:`vae_ui.deck.Scene.values`); the lecturer may then move sliders live, and "Reset scene" puts
them back. A question scene keeps back the figures and numbers it names (:func:`kept_back`) until Reveal. The lecture
draws all of it (:mod:`vae_ui.lecture.present`); the page kit asks this module what to hold back and what to show first.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from vae_ui import deck
from vae_ui.deck_file import read
from vae_ui.session import controls, state
from vae_ui.settings import REGISTRY, SHARED

DECKS_DIR = Path(__file__).resolve().parents[2] / "decks"
PRESENTATION = ("deck", "scene", "lecture")  # the controls a scene leaves as they are


@st.cache_resource(max_entries=8)
def shipped(name: str) -> deck.Deck:
    """A deck that ships with the app (decks/<name>.toml), read once for every session."""
    return read((DECKS_DIR / f"{name}.toml").read_bytes())


def active() -> deck.Deck | None:
    """The deck in use: a shipped one, or the one this session built or uploaded."""
    name = controls.value("deck")
    if name == "yours":
        return state.YOUR_DECK.get()
    return shipped(name) if name else None


def current() -> tuple[int, deck.Scene] | None:
    """The scene presented now (its number from 1) or None."""
    used, number = active(), controls.value("scene")
    if used is None or not 1 <= number <= len(used.scenes):
        return None
    return number, used.scenes[number - 1]


def page_path(page: str) -> str:
    """A deck's page name as the URL path of the page ("home" is the root)."""
    return "" if page == "home" else page


def page_name(path: str) -> str:
    """The deck's name of the page at URL path ``path`` (the inverse of :func:`page_path`)."""
    return path or "home"


def begin() -> None:
    """At the top of every run, before any widget: check the deck and scene a link asked for, and set up the scene
    once when a session opens on it (unless the link also carries the lecturer's own moves of the page controls)."""
    name, number = controls.value("deck"), controls.value("scene")
    if name == "yours" and not state.YOUR_DECK.held():
        state.URL_NOTES.setdefault().append("that deck was made in another session; open it with 'Upload a deck'")
        controls.set_value("deck", "")
    used = active()
    if number and (used is None or number > len(used.scenes)):
        if used is not None:
            state.URL_NOTES.setdefault().append(f"scene {number}: the deck has {len(used.scenes)} scenes")
        controls.set_value("scene", 0)
    found = current()
    if found is None or state.APPLIED.held():
        return
    own_moves = any(key in REGISTRY and key not in SHARED for key in st.query_params)  # a page control in the link
    if own_moves:
        state.APPLIED.set((controls.value("deck"), found[0]))
    else:
        set_up(*found)


def set_up(number: int, scene: deck.Scene) -> None:
    """Every control to the scene's value (widgets forget what they showed, so they draw the new values)."""
    for key, value in scene.values().items():
        if key not in PRESENTATION:
            controls.set_value(key, value)
    for key in [k for k in st.session_state if str(k).startswith(state.WIDGET) and k != state.JUMP.name]:
        del st.session_state[key]  # (the jump list stays: its callback may be the next to run in this same batch)
    state.WIDGET_IDENTITIES.pop()
    state.APPLIED.set((controls.value("deck"), number))


def go(number: int) -> None:
    """Step to scene ``number`` (a button callback: it runs before the next run draws anything)."""
    used = active()
    if used is None or not 1 <= number <= len(used.scenes):
        return
    controls.set_value("scene", number)
    set_up(number, used.scenes[number - 1])


def start(name: str, number: int = 1) -> None:
    """Present deck ``name`` from scene ``number``, in lecture mode."""
    controls.set_value("deck", name)
    controls.set_value("lecture", True)
    st.session_state.pop(state.widget_key("lecture"), None)
    go(number)


def stop() -> None:
    controls.set_value("scene", 0)


def jumped() -> None:
    """The jump list's callback. A click on it and a clicker's press can arrive in one batch; whatever ran first,
    the list's value is read only if it is still there (it was not: the KeyError seen mid-lecture)."""
    chosen = state.JUMP.get()
    if chosen is not None:
        go(int(chosen))


def revealed(number: int) -> bool:
    return (controls.value("deck"), number) in state.REVEALED.get()


def set_revealed(number: int, shown: bool) -> None:
    done = state.REVEALED.setdefault()
    token = (controls.value("deck"), number)
    if shown:
        done.add(token)
    else:
        done.discard(token)


def kept_back(name: str) -> bool:
    """Whether the figure or number ``name`` is kept back on this page until the question is revealed."""
    found = current()
    if found is None:
        return False
    number, scene = found
    return (scene.question is not None and not revealed(number) and deck.covers(scene.hide, name)
            and state.PAGE_PATH.get() == page_path(scene.page))


def shows() -> tuple[str, ...]:
    """The parts of this page the presented scene shows first (none when no scene is presented on this page)."""
    found = current()
    if found is None or state.PAGE_PATH.get() != page_path(found[1].page):
        return ()
    return found[1].show
