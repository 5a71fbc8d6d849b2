"""Presenting a deck: the scene's page with its controls set, its title, talking point and question on top,
stepped with a presentation clicker (PageDown / PageUp, or → / ← where no slider has the focus); the scene's parts
first on the screen with the class vote beside them (:func:`focus`).

Which scene is presented, what it keeps back and the steps between scenes are state, in
:mod:`vae_ui.session.stage`: this module draws them, and opens the scene's page once per step. Deck text is shown as
text, never as markdown or HTML.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from vae_ui import configs, deck
from vae_ui.lecture import classroom
from vae_ui.page import focus_area
from vae_ui.service import runs
from vae_ui.service.datasets import generated
from vae_ui.session import stage, state
from vae_ui.session.user_text import escape

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


def follow(pages: dict[str, Any], here: str) -> None:
    """After navigation: open the scene's page once per step (the lecturer may then wander), draw the scene."""
    focus_area.new_run()
    found = stage.current()
    if found is None:
        return
    number, scene = found
    token = state.APPLIED.get()
    if state.FOLLOWED.get() != token:
        state.FOLLOWED.set(token)
        if stage.page_path(scene.page) != here:
            st.switch_page(pages[scene.page])
    header(number, scene, stage.active())


def prepare_next() -> None:
    """While the lecturer talks, the next scene's models train in the background (wished after the page's own
    neighbours, so served first; before every student's wish when this session holds the presenter secret):
    stepping to it is then instant."""
    found, used = stage.current(), stage.active()
    if found is None or found[0] >= len(used.scenes):
        return
    upcoming = used.scenes[found[0]]
    values = upcoming.values()
    data = generated(values["dataset"], int(values["seed"]))
    runs.prefetch(list(reversed(configs.of_scene(upcoming.page, values, data.spec))), data.X,  # its own first
                  session=classroom.session_id())


def header(number: int, scene: deck.Scene, used: deck.Deck) -> None:
    """The scene on top of its page, in at most a quarter of a 1280×720 screen (HEADER_CSS, HEADER_SCRIPT): where we
    are, the clicker's buttons (and Reveal), the title, the talking point's first sentence (all of it behind "More"),
    the question with its choices (after Reveal, the answer marked and its explanation behind "Why")."""
    n = len(used.scenes)
    state.JUMP.set(number)
    shown = stage.revealed(number)
    with st.container(border=True, key="scene_header", gap="small"):
        st.html(HEADER_CSS + HEADER_SCRIPT + KEYS_SCRIPT, unsafe_allow_javascript=True)  # (no room of their own)
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            st.selectbox("Scene", range(1, n + 1), key=state.JUMP.name, on_change=stage.jumped, label_visibility="collapsed",
                         format_func=lambda i: f"{i} / {n} · {used.scenes[i - 1].title}", width=JUMP_PX,
                         help="Jump to a scene of the deck.")
            st.container(key="scene_title", width="stretch").markdown(f"**{escape(scene.title)}**")
            with st.container(horizontal=True, gap="small", horizontal_alignment="right", width="content"):
                if scene.question is not None:
                    reveal_button(number, scene.question, shown)
                st.button("", on_click=stage.go, args=(number - 1,), key="scene_previous", shortcut="PageUp",
                          disabled=number <= 1, icon=":material/navigate_before:", help="Previous scene (PageUp, ←)")
                st.button("Next", on_click=stage.go, args=(number + 1,), key="scene_next", shortcut="PageDown",
                          disabled=number >= n, icon=":material/navigate_next:", type="primary",
                          help="Next scene (PageDown, →)")
                st.button("", on_click=stage.go, args=(number,), key="scene_reset", icon=":material/restart_alt:",
                          help="Reset scene: every control back to this scene's set-up.")
                st.button("", on_click=stage.stop, key="scene_end", icon=":material/close:", help="End: stop presenting.")
        if scene.talk:
            talk(scene.talk)
        if scene.question is not None:
            question(scene.question, shown)
    classroom.publish(number, scene, shown)
    if not stage.shows():  # (else beside the scene's parts, on the first screen: focus)
        vote_panel(None)


def vote_panel(box: Any) -> None:
    """The class vote's panel of the scene presented (a question scene, a class vote on) in ``box``."""
    found = stage.current()
    if found is None or found[1].question is None:
        return
    if classroom.class_code():
        classroom.panel(found[0], found[1], stage.revealed(found[0]), box)


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
        st.button("Hide", on_click=stage.set_revealed, args=(number, False), key="scene_hide", icon=":material/visibility_off:",
                  help=f"Keep the {what} back again.")
    else:
        st.button("Reveal", on_click=stage.set_revealed, args=(number, True), key="scene_reveal", type="primary",
                  icon=":material/visibility:", help=f"Show the {what} and what was kept back.")


def question(q: deck.Question, shown: bool) -> None:
    """The question and its choices, a line each (the right one marked after Reveal). The explanation follows the
    scene's parts, under them (:func:`answer`), or here when the scene shows none."""
    choices = "\u2003".join(f"**{deck.LETTERS[i]}. {escape(choice)}** :material/check_circle: the answer"
                            if shown and i == q.right else f"**{deck.LETTERS[i]}.** {escape(choice)}"
                            for i, choice in enumerate(q.choices))
    st.markdown(f"**Question:** {escape(q.prompt)}  \n{choices}")
    if not stage.shows():
        answer(q, shown)


def answer(q: deck.Question, shown: bool) -> None:
    """After Reveal: why the right choice is right (a poll: that no choice is)."""
    if shown and q.explain:
        st.success(escape(q.explain), icon=":material/lightbulb:")
    elif shown and q.answer is None:
        st.info("An opinion poll: no choice is right.", icon=":material/how_to_vote:")


def explain_below() -> None:
    """The presented scene's explanation, where the scene's parts end (:func:`focus` puts it there)."""
    found = stage.current()
    if found is not None and found[1].question is not None:
        answer(found[1].question, stage.revealed(found[0]))


VOTE_WIDTH = 380  # px: the class vote's column beside the shown parts


def focus() -> None:
    """Open the presented scene's focus area here (:func:`vae_ui.page.focus_area.open_area`): the parts it shows, the
    class vote beside them on a question scene, and under them, after Reveal, the explanation. A page calls it under
    its first control row; a fragment that draws the shown parts, at its top (it opens its own)."""
    opened = focus_area.open_area()
    if opened is None:
        return
    area, beside = opened
    _, shown = stage.current()
    if shown.question is not None and classroom.class_code():
        vote_panel(beside.container(width=VOTE_WIDTH, key="scene_focus_vote"))
    with area:
        explain_below()  # (after Reveal: under the parts, not above them)
