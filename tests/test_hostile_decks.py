"""Hostile deck files (issue 31): nesting that breaks the TOML reader's recursion, numbers too long for Python to
read, fields of the wrong type. Each is refused with the "not loaded" sentence naming its scene and field; the deck in
use stays (AppTest, through the sidebar's uploader)."""

import pytest

from tests.apptest_helpers import app, assert_clean, texts
from vae_ui import deck_file
from vae_ui.session import stage


def unescaped(text: str) -> str:
    return text.replace("\\", "").replace("\u200b", "")


SCENE = b"[[scenes]]\npage = 'home'\ntitle = 'Hostile'\n"
HOSTILE_DECKS = {  # name -> (file, what the message names)
    "deep_array": (b"x = " + b"[" * 20_000 + b"]" * 20_000, "field 'x' (line 1)"),
    "deep_inline_table": (b"x = " + b"{a = " * 5_000 + b"1" + b"}" * 5_000, "field 'x' (line 1)"),
    "deep_controls": (SCENE + b"[scenes.controls]\nh_beta = " + b"[" * 3_000 + b"]" * 3_000,
                      "scene 1, field 'controls.h_beta' (line 5)"),
    "shallow_deep_controls": (SCENE + b"[scenes.controls]\nh_beta = " + b"[" * 200 + b"1" + b"]" * 200,
                              "scene 1, field 'controls.h_beta' (line 5)"),
    "deep_dotted_controls": (SCENE + b"[scenes.controls]\nh_beta" + b".a" * 5_000 + b" = 1",
                             "scene 1 'Hostile', field 'controls.h_beta'"),
    "page_a_list": (b"[[scenes]]\npage = ['home']\ntitle = 'x'", "scene 1 'x', field 'page'"),
    "page_a_table": (b"[[scenes]]\npage = {a = 1}\ntitle = 'x'", "scene 1 'x', field 'page'"),
    "answer_a_list": (SCENE + b"[scenes.question]\nprompt = 'q'\nchoices = ['a', 'b']\nanswer = ['a']",
                      "scene 1 'Hostile', question, field 'answer'"),
    "huge_number": (SCENE + b"[scenes.controls]\nseed = " + b"9" * 5_000, "scene 1, field 'controls.seed' (line 5)"),
    "huge_title_number": (b"title = " + b"9" * 5_000, "field 'title' (line 1)"),
}


@pytest.mark.parametrize("name", HOSTILE_DECKS)
def test_a_hostile_deck_is_refused_with_a_sentence_naming_its_scene_and_field(name):
    content, where = HOSTILE_DECKS[name]
    with pytest.raises(deck_file.DeckError) as refused:
        deck_file.read(content)
    assert any(where in problem for problem in refused.value.problems), refused.value.problems
    assert all(len(problem) < 400 for problem in refused.value.problems), "a message shows a value, not all of it"


def test_the_deck_in_use_stays_when_a_hostile_deck_is_uploaded():
    course = stage.shipped("course")
    at = app("home")
    at.button(key="deck_copy").click().run()
    at.button(key="present_yours").click().run()
    at.button(key="scene_next").click().run()
    for name, (content, _) in HOSTILE_DECKS.items():
        uploader = next(u for u in at.get("file_uploader") if "deck" in u.label.lower())
        uploader.set_value((f"{name}.toml", content, "application/toml")).run()
        assert_clean(at)
        assert at.session_state["your_deck"] == course, name  # unchanged, and still presented
        assert at.session_state["values"]["deck"] == "yours" and at.session_state["values"]["scene"] == 2, name
        assert any(f"{name}.toml was not loaded; your deck is unchanged" in unescaped(e)
                   for e in texts(at, "error")), (name, texts(at, "error"))
