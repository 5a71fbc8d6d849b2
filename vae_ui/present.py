"""Presenting a deck: the scene's page with its controls set, its title, talking point and question on top,
stepped with a presentation clicker (PageDown / PageUp, or → / ← where no slider has the focus).

The deck and the scene are two controls like any other (``deck``, ``scene``: in the URL on every page), so a link
opens a lecture at its scene and a bookmark keeps the place. Stepping to a scene sets every control of the app to
the scene's values (:meth:`vae_ui.deck.Scene.values`) and opens its page; the lecturer may then move sliders live,
and "Reset scene" puts them back. A question scene keeps back the figures and numbers it names until Reveal.
Deck text is shown as text, never as markdown or HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from . import controls, deck
from .settings import REGISTRY, SHARED
from .text import escape

DECKS_DIR = Path(__file__).resolve().parents[1] / "decks"
PRESENTATION = ("deck", "scene", "lecture")  # the controls a scene leaves as they are
KEYS_SCRIPT = """<script>
// The clicker's PageDown / PageUp step the scenes whatever has the focus: caught on the way down (the capture
// phase, before a focused slider would move by a page) and kept from everything else, Streamlit's own shortcut
// included, so that one press is one step. → and ← step them too, unless the focus is on something arrows move.
if (!window.__vaeLabSceneKeys) {
  window.__vaeLabSceneKeys = true;
  const step = (event, key) => {
    const button = document.querySelector(`.st-key-${key} button`);
    if (!button) return;  // not presenting: the keys do what they always do
    event.preventDefault();
    event.stopImmediatePropagation();
    if (!button.disabled && !event.repeat) button.click();
  };
  window.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key === "PageDown" || event.key === "PageUp") {
      step(event, event.key === "PageDown" ? "scene_next" : "scene_previous");
    } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      const at = document.activeElement;
      if (at && at.closest("[role=slider], input, textarea, select, [contenteditable=true], [role=tab]")) return;
      step(event, event.key === "ArrowRight" ? "scene_next" : "scene_previous");
    }
  }, {capture: true});
}
</script>"""


@st.cache_resource(max_entries=8)
def shipped(name: str) -> deck.Deck:
    """A deck that ships with the app (decks/<name>.toml), read once for every session."""
    return deck.read((DECKS_DIR / f"{name}.toml").read_bytes())


def active() -> deck.Deck | None:
    """The deck in use: a shipped one, or the one this session built or uploaded."""
    name = controls.value("deck")
    if name == "yours":
        return st.session_state.get("your_deck")
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
    ss = st.session_state
    name, number = controls.value("deck"), controls.value("scene")
    if name == "yours" and "your_deck" not in ss:
        ss.setdefault("url_notes", []).append("that deck was made in another session; open it with 'Upload a deck'")
        controls.set_value("deck", "")
    used = active()
    if number and (used is None or number > len(used.scenes)):
        if used is not None:
            ss.setdefault("url_notes", []).append(f"scene {number}: the deck has {len(used.scenes)} scenes")
        controls.set_value("scene", 0)
    found = current()
    if found is None or "applied" in ss:
        return
    own_moves = any(key in REGISTRY and key not in SHARED for key in st.query_params)  # a page control in the link
    if own_moves:
        ss["applied"] = (controls.value("deck"), found[0])
    else:
        set_up(*found)


def set_up(number: int, scene: deck.Scene) -> None:
    """Every control to the scene's value (widgets forget what they showed, so they draw the new values)."""
    for key, value in scene.values().items():
        if key not in PRESENTATION:
            controls.set_value(key, value)
    for key in [k for k in st.session_state if str(k).startswith("w_") and k != "w_jump"]:
        del st.session_state[key]  # (the jump list stays: its callback may be the next to run in this same batch)
    st.session_state.pop("widget_identities", None)
    st.session_state["applied"] = (controls.value("deck"), number)


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
    st.session_state.pop("w_lecture", None)
    go(number)


def stop() -> None:
    controls.set_value("scene", 0)


def _jumped() -> None:
    """The jump list's callback. A click on it and a clicker's press can arrive in one batch; whatever ran first,
    the list's value is read only if it is still there (it was not: the KeyError seen mid-lecture)."""
    chosen = st.session_state.get("w_jump")
    if chosen is not None:
        go(int(chosen))


def revealed(number: int) -> bool:
    return (controls.value("deck"), number) in st.session_state.get("revealed", set())


def set_revealed(number: int, shown: bool) -> None:
    done = st.session_state.setdefault("revealed", set())
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
            and st.session_state.get("page_path", "") == page_path(scene.page))


def placeholder(height: int = 200) -> None:
    """What stands where a kept-back figure will be."""
    with st.container(height=height, border=True, vertical_alignment="center", horizontal_alignment="center"):
        st.markdown("**Kept back until the reveal.** What do you predict?")


def follow(pages: dict[str, Any], here: str) -> None:
    """After navigation: open the scene's page once per step (the lecturer may then wander), draw the scene."""
    from . import shell

    shell.new_run()
    found = current()
    if found is None:
        return
    number, scene = found
    token = st.session_state.get("applied")
    if st.session_state.get("followed") != token:
        st.session_state["followed"] = token
        if page_path(scene.page) != here:
            st.switch_page(pages[scene.page])
    header(number, scene, active())


def prepare_next() -> None:
    """While the lecturer talks, the next scene's models train in the background (wished after the page's own
    neighbours, so served first): stepping to it is then instant."""
    found, used = current(), active()
    if found is None or found[0] >= len(used.scenes):
        return
    from . import configs, runs
    from .data import generated

    upcoming = used.scenes[found[0]]
    values = upcoming.values()
    data = generated(values["dataset"], int(values["seed"]))
    runs.prefetch(list(reversed(configs.of_scene(upcoming.page, values, data.spec))), data.X)  # its own first


def header(number: int, scene: deck.Scene, used: deck.Deck) -> None:
    """The scene on top of its page, in at most a quarter of a 1280×720 screen (HEADER_CSS, HEADER_SCRIPT): where we
    are, the clicker's buttons (and Reveal), the title, the talking point's first sentence (all of it behind "More"),
    the question with its choices (after Reveal, the answer marked and its explanation behind "Why")."""
    n = len(used.scenes)
    st.session_state["w_jump"] = number
    shown = revealed(number)
    with st.container(border=True, key="scene_header", gap="small"):
        st.html(HEADER_CSS + HEADER_SCRIPT + KEYS_SCRIPT, unsafe_allow_javascript=True)  # (no room of their own)
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            st.selectbox("Scene", range(1, n + 1), key="w_jump", on_change=_jumped, label_visibility="collapsed",
                         format_func=lambda i: f"{i} / {n} · {used.scenes[i - 1].title}", width=JUMP_PX,
                         help="Jump to a scene of the deck.")
            st.container(key="scene_title", width="stretch").markdown(f"**{escape(scene.title)}**")
            with st.container(horizontal=True, gap="small", horizontal_alignment="right", width="content"):
                if scene.question is not None:
                    reveal_button(number, scene.question, shown)
                st.button("", on_click=go, args=(number - 1,), key="scene_previous", shortcut="PageUp",
                          disabled=number <= 1, icon=":material/navigate_before:", help="Previous scene (PageUp, ←)")
                st.button("Next", on_click=go, args=(number + 1,), key="scene_next", shortcut="PageDown",
                          disabled=number >= n, icon=":material/navigate_next:", type="primary",
                          help="Next scene (PageDown, →)")
                st.button("", on_click=go, args=(number,), key="scene_reset", icon=":material/restart_alt:",
                          help="Reset scene: every control back to this scene's set-up.")
                st.button("", on_click=stop, key="scene_end", icon=":material/close:", help="End: stop presenting.")
        if scene.talk:
            talk(scene.talk)
        if scene.question is not None:
            question(scene.question, shown)
    from . import classroom, shell  # (imported here: classroom draws figures, and figures ask this module what is hidden)

    classroom.publish(number, scene, shown)
    if not shell.shows():  # (else beside the scene's parts, on the first screen: shell.focus)
        vote_panel(None)


def vote_panel(box: Any) -> None:
    """The class vote's panel of the scene presented (a question scene, a class vote on) in ``box``."""
    found = current()
    if found is None or found[1].question is None:
        return
    from . import classroom

    if classroom.class_code():
        classroom.panel(found[0], found[1], revealed(found[0]), box)


JUMP_PX = 210  # the jump list's width
HEADER_PX = 180  # a quarter of 720: the most the scene's header takes on a projector's first screen
# The header's text is a little smaller than the page's; its widgets lower; its padding small.
HEADER_CSS = """<style>
.st-key-scene_header { padding: 0.35rem 0.6rem 0.7rem 0.6rem !important; gap: 0.25rem !important; }
.st-key-scene_header .stMarkdown p { font-size: var(--scene-text, 0.85rem) !important; line-height: 1.35 !important;
  margin-bottom: 0 !important; }
.st-key-scene_header .st-key-scene_title .stMarkdown p { font-size: 1.15rem !important; line-height: 1.2 !important; }
.st-key-scene_header kbd { display: none !important; }
.st-key-w_el_tab [role=tablist] { display: none !important; }  /* the scene chose the ELBO page's tab */
.st-key-scene_header [data-testid=stElementContainer]:has([data-testid=stHtml]) { display: none; }
.st-key-scene_header button, .st-key-scene_header [data-baseweb=select] > div { min-height: 2rem !important;
  padding-top: 0 !important; padding-bottom: 0 !important; }
.st-key-scene_talk .stMarkdown p { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.st-key-scene_talk { gap: 0.5rem !important; }
.st-key-scene_talk [data-testid=stPopover] button { min-height: 1.6rem !important; padding: 0 0.5rem !important; }
/* The jump list's drop-down (drawn at the page's end, not in the header) as wide as its longest title. */
[data-testid=stSelectboxVirtualDropdown]:has([role=listbox][aria-label=Scene]) { width: max-content !important;
  min-width: var(--trigger-width); max-width: 90vw; }
[data-testid=stSelectboxVirtualDropdown] [role=listbox][aria-label=Scene] [role=option] > div { overflow: visible; }
</style>"""
# Should the header still be taller than HEADER_PX (a long question at a narrow window), its text shrinks until it
# fits, down to 12 px. Our own script, no user content.
HEADER_SCRIPT = """<script>
(() => {
  if (window.__vaeLabHeader) return;
  window.__vaeLabHeader = true;
  const LIMIT = __LIMIT__, FLOOR = 12;
  let queued = false;
  const fit = () => {
    queued = false;
    const box = document.querySelector('.st-key-scene_header');
    if (!box) return;
    box.style.removeProperty('--scene-text');
    let px = parseFloat(getComputedStyle(document.documentElement).fontSize) * 0.85;
    while (box.getBoundingClientRect().height > LIMIT && px > FLOOR) {
      px -= 1;
      box.style.setProperty('--scene-text', px + 'px');
    }
  };
  const queue = () => { if (!queued) { queued = true; requestAnimationFrame(fit); } };
  new MutationObserver(queue).observe(document.body, {childList: true, subtree: true, characterData: true});
  window.addEventListener('resize', queue);
  queue();
})();
</script>""".replace("__LIMIT__", str(HEADER_PX))
FIRST_SENTENCE = 150  # characters of the talking point shown on the screen; the rest is behind "More"


def lead(text: str) -> str:
    """The talking point's first sentence (cut at a word near FIRST_SENTENCE characters, with "…", if longer)."""
    import re

    first = re.split(r"(?<=[.?!])\s+(?=[A-Z])", text.strip(), maxsplit=1)[0]
    if len(first) > FIRST_SENTENCE:
        first = first[:FIRST_SENTENCE].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return first


def talk(text: str) -> None:
    """The talking point: its first sentence, and the whole of it behind "More" when there is more."""
    first = lead(text)
    with st.container(horizontal=True, key="scene_talk", vertical_alignment="center"):
        st.markdown(escape(first), width="stretch")
        if first != text.strip():
            with st.popover("More", icon=":material/notes:", help="The whole talking point."):
                st.markdown(escape(text))


def reveal_button(number: int, q: deck.Question, shown: bool) -> None:
    """Reveal (after it, Hide): a question's answer, or an opinion poll's results."""
    what = "results" if q.answer is None else "answer"
    if shown:
        st.button("Hide", on_click=set_revealed, args=(number, False), key="scene_hide", icon=":material/visibility_off:",
                  help=f"Keep the {what} back again.")
    else:
        st.button("Reveal", on_click=set_revealed, args=(number, True), key="scene_reveal", type="primary",
                  icon=":material/visibility:", help=f"Show the {what} and what was kept back.")


def question(q: deck.Question, shown: bool) -> None:
    """The question and its choices, a line each (the right one marked after Reveal). The explanation follows the
    scene's parts, under them (:func:`answer`), or here when the scene shows none."""
    choices = "\u2003".join(f"**{deck.LETTERS[i]}. {escape(choice)}** :material/check_circle: the answer"
                            if shown and i == q.right else f"**{deck.LETTERS[i]}.** {escape(choice)}"
                            for i, choice in enumerate(q.choices))
    st.markdown(f"**Question:** {escape(q.prompt)}  \n{choices}")
    from . import shell

    if not shell.shows():
        answer(q, shown)


def answer(q: deck.Question, shown: bool) -> None:
    """After Reveal: why the right choice is right (a poll: that no choice is)."""
    if shown and q.explain:
        st.success(escape(q.explain), icon=":material/lightbulb:")
    elif shown and q.answer is None:
        st.info("An opinion poll: no choice is right.", icon=":material/how_to_vote:")


def explain_below() -> None:
    """The presented scene's explanation, where the scene's parts end (the focus area calls it)."""
    found = current()
    if found is not None and found[1].question is not None:
        answer(found[1].question, revealed(found[0]))
