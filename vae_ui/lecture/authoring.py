"""The sidebar's "Lecture deck" box: present a deck; add this view to your deck as a scene; reorder, edit and delete
scenes; download and upload the deck file (checked as :func:`vae_ui.deck_file.read` checks it).

"Your deck" lives in this session (:data:`vae_ui.session.state.YOUR_DECK`) until it is downloaded; an upload that is not
a valid deck leaves it as it was and says why.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from vae_ui import deck, deck_file, settings
from vae_ui.lecture import classroom
from vae_ui.service import disk
from vae_ui.session import controls, stage, state
from vae_ui.session.user_text import escape, shorten
from vae_ui.settings import REGISTRY

NEW = 0  # the editor's "a new scene at the end"


def deck_box() -> None:
    """Drawn after the page, when its controls are known (``page_keys``)."""
    yours: deck.Deck | None = state.YOUR_DECK.get()
    trouble = classroom.problem()
    if trouble:  # (outside the folded box: the lecturer sees it without opening it)
        st.sidebar.warning(escape(trouble), icon=":material/how_to_vote:")
    unstored = disk.store().problem()
    if unstored:  # (models trained now live in this process only: the app goes on from memory)
        st.sidebar.warning(escape(unstored), icon=":material/save:")
    with st.sidebar.expander("Lecture deck", icon=":material/slideshow:", expanded=False):
        left, right = st.columns(2)
        left.button("Present the course", on_click=stage.start, args=("course",), key="present_course",
                    icon=":material/play_circle:", help="The shipped deck: the whole course in lecture order.")
        right.button("Present yours", on_click=stage.start, args=("yours",), key="present_yours",
                     disabled=not (yours and yours.scenes), icon=":material/play_circle:")
        for kind, text in state.DECK_MESSAGES.pop():
            (st.success if kind == "ok" else st.error)(escape(text))
        _editor(yours)
        if yours and yours.scenes:
            _scene_list(yours)
            st.download_button("Download your deck (.toml)", data=deck_file.to_toml(yours), file_name="deck.toml",
                               mime="application/toml", key="deck_download", icon=":material/download:",
                               on_click="ignore")
        st.button("Copy the course into your deck", key="deck_copy", on_click=_copy_course, icon=":material/content_copy:",
                  help="Then edit it scene by scene.")
        classroom.presenter_box()
        st.file_uploader("Upload a deck (.toml)", type=["toml"], key=state.DECK_FILE.name, on_change=_uploaded,
                         help="A deck file as 'Download your deck' writes it; the README explains the format.")


def _use(new: deck.Deck, message: str) -> None:
    state.YOUR_DECK.set(new)
    state.DECK_MESSAGES.setdefault().append(("ok", message))
    if controls.value("deck") == "yours" and controls.value("scene") > len(new.scenes):
        controls.set_value("scene", len(new.scenes))


def _copy_course() -> None:
    _use(stage.shipped("course"), "The course deck is now your deck: edit it scene by scene.")


def _uploaded() -> None:
    file = state.DECK_FILE.get()
    if file is None:
        return
    try:
        new = deck_file.read(file.getvalue())
    except deck_file.DeckError as err:
        problems = err.problems[:6] + ([f"… and {len(err.problems) - 6} more"] if len(err.problems) > 6 else [])
        state.DECK_MESSAGES.setdefault().append(
            ("error", f"{shorten(file.name)} was not loaded; your deck is unchanged. " + "; ".join(problems)))
        return
    _use(new, f"Loaded '{shorten(new.title)}': {len(new.scenes)} scenes.")


def this_view() -> tuple[str, tuple[tuple[str, object], ...]]:
    """The page shown now (a deck's page name) and its controls that differ from their defaults."""
    page = stage.page_name(state.PAGE_PATH.get())
    keys = list(deck.SCENE_SHARED) + [k for k in state.PAGE_KEYS.get()
                                      if k not in deck.SCENE_SHARED and deck.settable(k, page)]
    values = tuple((k, controls.value(k)) for k in keys if controls.value(k) != REGISTRY[k].default)
    return page, values


def _editor(yours: deck.Deck | None) -> None:
    n = len(yours.scenes) if yours else 0
    if not state.DECK_TAKE_VIEW.held():
        state.DECK_TAKE_VIEW.set(True)
    st.selectbox("Scene to write", range(0, n + 1), key=state.DECK_TARGET.name, on_change=_load_target,
                 format_func=lambda i: "A new scene: this view" if i == NEW else f"Scene {i}: {yours.scenes[i - 1].title}")
    with st.form("deck_form", clear_on_submit=False, border=False):
        st.text_input("Title", max_chars=deck.MAX_TEXT["title"], key=state.DECK_TITLE.name)
        st.text_area("Talking point", max_chars=deck.MAX_TEXT["talk"], key=state.DECK_TALK.name, height=90)
        st.text_input("Question (optional)", max_chars=deck.MAX_TEXT["prompt"], key=state.DECK_PROMPT.name)
        st.text_area("Choices, one per line (2–5)", key=state.DECK_CHOICES.name, height=90)
        st.number_input("The right choice (0: none, an opinion poll)", 0, 5, key=state.DECK_ANSWER.name)
        st.checkbox("Keep the figures and numbers back until Reveal", key=state.DECK_HIDE.name)
        st.checkbox("Set the scene to this view (its page and controls)", key=state.DECK_TAKE_VIEW.name)
        st.form_submit_button("Save the scene", on_click=_save, icon=":material/add:")


def _load_target() -> None:
    """Choosing a scene to edit fills the form with its text."""
    target, yours = state.DECK_TARGET.get(), state.YOUR_DECK.get()
    scene = yours.scenes[target - 1] if yours and target != NEW else None
    q = scene.question if scene else None
    state.DECK_TITLE.set(scene.title if scene else "")
    state.DECK_TALK.set(scene.talk if scene else "")
    state.DECK_PROMPT.set(q.prompt if q else "")
    state.DECK_CHOICES.set("\n".join(q.choices) if q else "")
    state.DECK_ANSWER.set((q.right + 1 if q.right is not None else 0) if q else 0)
    state.DECK_HIDE.set(bool(scene and scene.hide))
    state.DECK_TAKE_VIEW.set(scene is None)


def _save() -> None:
    yours: deck.Deck = state.YOUR_DECK.get() or deck.Deck("My lecture")
    target = state.DECK_TARGET.get()
    old = yours.scenes[target - 1] if target != NEW and target <= len(yours.scenes) else None
    page, values = this_view()
    if old is not None and not state.DECK_TAKE_VIEW.get():
        page, values = old.page, old.controls
    document = {"page": page, "title": state.DECK_TITLE.get(), "talk": state.DECK_TALK.get(),
                "controls": {k: list(v) if isinstance(v, tuple) else v for k, v in values},
                "show": list(old.show if old is not None and not state.DECK_TAKE_VIEW.get()
                             else deck.first_screen(page, dict(values)))}  # the view's main figures, first
    prompt = state.DECK_PROMPT.get().strip()
    if prompt:
        choices = [c.strip() for c in state.DECK_CHOICES.get().splitlines() if c.strip()]
        question = {"prompt": prompt, "choices": choices}
        answer = int(state.DECK_ANSWER.get())
        if answer:
            question["answer"] = choices[answer - 1] if answer <= len(choices) else f"choice {answer}"
        document["question"] = question
        if state.DECK_HIDE.get():
            document["hide"] = list(deck.FIGURES[page])
    try:
        scene = deck_file.parse({"title": "x", "scenes": [document]}).scenes[0]
    except deck_file.DeckError as err:
        state.DECK_MESSAGES.setdefault().append(("error", "The scene was not saved: " + "; ".join(err.problems)))
        return
    scenes = list(yours.scenes)
    if old is None:
        if len(scenes) >= settings.MAX_SCENES:
            state.DECK_MESSAGES.setdefault().append(("error", f"A deck holds at most {settings.MAX_SCENES} scenes."))
            return
        scenes.append(scene)
    else:
        scenes[target - 1] = scene
    _use(dataclasses.replace(yours, scenes=tuple(scenes)),
         f"Scene {target if old else len(scenes)} saved: {scene.title}.")


def _scene_list(yours: deck.Deck) -> None:
    st.caption(f"Your deck: {len(yours.scenes)} scenes")
    for i, scene in enumerate(yours.scenes):
        text, up, down, drop = st.columns([5, 1, 1, 1], vertical_alignment="center")
        text.text(f"{i + 1}. {scene.title}")
        up.button("", key=f"deck_up_{i}", on_click=_move, args=(i, -1), disabled=i == 0, icon=":material/arrow_upward:",
                  help="Move up")
        down.button("", key=f"deck_down_{i}", on_click=_move, args=(i, 1), disabled=i == len(yours.scenes) - 1,
                    icon=":material/arrow_downward:", help="Move down")
        drop.button("", key=f"deck_delete_{i}", on_click=_delete, args=(i,), icon=":material/delete:", help="Delete")


def _move(i: int, by: int) -> None:
    yours: deck.Deck = state.YOUR_DECK.get()
    scenes = list(yours.scenes)
    scenes[i], scenes[i + by] = scenes[i + by], scenes[i]
    state.YOUR_DECK.set(dataclasses.replace(yours, scenes=tuple(scenes)))


def _delete(i: int) -> None:
    yours: deck.Deck = state.YOUR_DECK.get()
    _use(dataclasses.replace(yours, scenes=yours.scenes[:i] + yours.scenes[i + 1:]),
         f"Scene {i + 1} deleted: {yours.scenes[i].title}.")
