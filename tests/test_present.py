"""Presenting a deck, driven with AppTest: stepping sets each scene's page and controls, Reveal, Reset scene,
adding the current view to a deck, uploading a deck (a bad one leaves the deck in use as it was)."""

import pytest

from tests.apptest_helpers import app, assert_clean, charts, metrics, texts
from vae_ui import deck, deck_file, settings
from vae_ui.session import stage
from vae_ui.session.user_text import escape

COURSE = stage.shipped("course")



def values(at) -> dict:
    return at.session_state["values"]


def shows(at, number: int, scene: deck.Scene) -> None:
    """The app is on scene ``number``: its page, every control at the scene's value, its title on top."""
    assert_clean(at)
    assert values(at)["scene"] == number
    assert at.session_state["page_path"] == stage.page_path(scene.page), (number, scene.title)
    wanted = scene.values()
    assert {k: values(at)[k] for k, _ in scene.controls} == {k: wanted[k] for k, _ in scene.controls}
    assert f"**{escape(scene.title)}**" == at.markdown[0].value  # its title on top, as text
    assert at.selectbox(key="w_jump").value == number


@pytest.mark.slow
def test_stepping_through_the_course_sets_every_scene_and_back():
    at = app("home", deck="course", scene="1")
    shows(at, 1, COURSE.scenes[0])
    for number, scene in enumerate(COURSE.scenes[1:], start=2):
        at.button(key="scene_next").click().run()
        shows(at, number, scene)  # every shipped scene renders, with no exception
    assert at.button(key="scene_next").disabled
    at.button(key="scene_previous").click().run()
    shows(at, len(COURSE.scenes) - 1, COURSE.scenes[-2])
    at.selectbox(key="w_jump").set_value(3).run()  # the jump list
    shows(at, 3, COURSE.scenes[2])
    assert at.query_params["deck"] in ("course", ["course"]) and at.query_params["scene"] in ("3", ["3"])


def test_a_question_keeps_its_figures_and_numbers_back_until_reveal():
    at = app("home", deck="course", scene="1")  # the autoencoder with d = 1; hides the reconstructions and numbers
    titles = [c["title"] for c in charts(at)]
    assert not any("reconstruction" in t.lower() or "manifold" in t.lower() for t in titles), titles
    assert set(metrics(at).values()) == {"?"}
    assert not at.success and at.button(key="scene_reveal")
    at.button(key="scene_reveal").click().run()
    assert_clean(at)
    titles = [c["title"] for c in charts(at)]
    assert any("manifold" in t.lower() for t in titles), titles
    assert "?" not in metrics(at).values() and float(metrics(at)["Test reconstruction error"]) > 0
    assert COURSE.scenes[0].question.explain[:30] in texts(at, "success")[0].replace("\\", "")
    at.button(key="scene_hide").click().run()
    assert set(metrics(at).values()) == {"?"}


def test_reset_scene_puts_back_what_the_lecturer_moved():
    at = app("home", deck="course", scene="1")
    at.slider(key="w_ae_latent").set_value(3).run()
    assert values(at)["ae_latent"] == 3
    at.button(key="scene_reset").click().run()
    assert values(at)["ae_latent"] == 1 and at.slider(key="w_ae_latent").value == 1
    assert_clean(at)


def test_a_link_to_a_missing_scene_or_deck_says_so_and_presents_nothing():
    at = app("home", deck="course", scene="40")
    assert_clean(at)
    assert values(at)["scene"] == 0 and any(f"the deck has {len(COURSE.scenes)} scenes" in w for w in texts(at, "warning"))
    at = app("home", deck="yours", scene="2")
    assert values(at)["deck"] == "" and any("made in another session" in w for w in texts(at, "warning"))
    at = app("home", deck="<b>x</b>")
    assert values(at)["deck"] == "" and any("not allowed" in w for w in texts(at, "warning"))


def _save_scene(at, title: str, talk: str = "", prompt: str = "", choices: str = "", answer: int = 0):
    at.text_input(key="deck_title").input(title)
    at.text_area(key="deck_talk").input(talk)
    at.text_input(key="deck_prompt").input(prompt)
    at.text_area(key="deck_choices").input(choices)
    at.number_input(key="deck_answer").set_value(answer)
    if prompt:
        at.checkbox(key="deck_hide").check()
    return at.button(key="FormSubmitter:deck_form-Save the scene").click().run()


def test_adding_this_view_then_presenting_it():
    at = app("home")
    at.select_slider(key="w_h_beta").set_value(4.0).run()
    _save_scene(at, "β = 4 squeezes the codes", "Look at the latent space.", "Will the clusters overlap?",
                "yes\nno", 1)
    assert_clean(at)
    yours = at.session_state["your_deck"]
    assert len(yours.scenes) == 1
    scene = yours.scenes[0]
    assert scene.page == "home" and dict(scene.controls) == {"h_beta": 4.0}
    assert scene.question.answer == "yes" and scene.hide  # kept back until the reveal
    at.select_slider(key="w_h_beta").set_value(1.0).run()
    at.button(key="present_yours").click().run()
    assert_clean(at)
    assert values(at)["h_beta"] == 4.0 and values(at)["deck"] == "yours" and values(at)["scene"] == 1
    assert values(at)["lecture"] is True


def test_a_scene_that_breaks_a_rule_is_not_saved_and_says_why():
    at = app("home")
    _save_scene(at, "Two choices needed", prompt="A question?", choices="only one")
    assert "your_deck" not in at.session_state or not at.session_state["your_deck"].scenes
    assert any("a list of 2 to 5 texts" in e for e in texts(at, "error"))


def test_a_deck_file_round_trips_and_a_bad_upload_leaves_the_deck_in_use():
    at = app("home")
    at.button(key="deck_copy").click().run()
    assert at.session_state["your_deck"] == COURSE
    good = deck_file.to_toml(COURSE).encode()
    upload = at.get("file_uploader")
    uploader = next(u for u in upload if u.proto.id.endswith("deck_file") or "deck" in u.label.lower())
    uploader.set_value(("broken.toml", b"[[scenes]]\npage = 'nowhere'\ntitle = 'x'", "application/toml")).run()
    assert_clean(at)
    assert at.session_state["your_deck"] == COURSE  # unchanged
    errors = texts(at, "error")
    assert any("was not loaded" in e and "nowhere" in e for e in errors), errors
    small = deck.Deck("<b>mine</b> **bold**", COURSE.scenes[:2])
    uploader = next(u for u in at.get("file_uploader") if "deck" in u.label.lower())
    uploader.set_value(("mine.toml", deck_file.to_toml(small).encode(), "application/toml")).run()
    assert at.session_state["your_deck"] == small and len(good) > 0
    assert any("Loaded" in s and "\\<b\\>mine" in s for s in texts(at, "success"))  # shown as text


@pytest.mark.slow
@pytest.mark.prefetch
def test_the_next_scenes_models_train_in_the_background_while_the_lecturer_talks():
    from tests.apptest_helpers import wait_idle
    from vae_ui import configs
    from vae_ui.service import runs
    from vae_ui.service.datasets import generated

    number = next(i for i, s in enumerate(COURSE.scenes, 1) if s.title == "The worked example: a VAE in NumPy") - 1
    following = COURSE.scenes[number]  # the scene after ``number``: the worked example
    upcoming = following.values() | {"h_beta": 1.25}  # a set-up no other test trained
    edited = deck.Deck("t", COURSE.scenes[:number] + (deck.Scene("home", "β 1.25", controls=(("h_beta", 1.25),)),))
    at = app("home")
    at.session_state["your_deck"] = edited
    at.run()
    at.button(key="present_yours").click().run()
    at.selectbox(key="w_jump").set_value(number).run()
    assert_clean(at)
    data = generated(upcoming["dataset"], upcoming["seed"])
    wait_idle()
    assert runs.store().get(configs.home(upcoming, data.spec)) is not None
    before = runs.store().trainings
    at.button(key="scene_next").click().run()  # the step finds its model trained
    assert_clean(at)
    assert runs.store().trainings == before and values(at)["h_beta"] == 1.25


BAD_DECKS = {  # one file per family of mistakes (tests/test_deck.py checks each message)
    "not TOML": b"this is [not toml",
    "not a deck": b'title = "no scenes"',
    "unknown page": b"[[scenes]]\npage = 'nowhere'\ntitle = 'x'",
    "unknown control": b"[[scenes]]\npage = 'home'\ntitle = 'x'\n[scenes.controls]\nh_wibble = 1",
    "out of range": b"[[scenes]]\npage = 'home'\ntitle = 'x'\n[scenes.controls]\nh_latent = 99",
    "wrong type": b"[[scenes]]\npage = 'home'\ntitle = 'x'\n[scenes.controls]\nh_beta = 'big'",
    "answer not a choice": b"[[scenes]]\npage = 'home'\ntitle = 'x'\n[scenes.question]\nprompt = 'q'\n"
                           b"choices = ['a', 'b']\nanswer = 'c'",
    "too many scenes": b"[[scenes]]\npage = 'home'\ntitle = 'x'\n" * (settings.MAX_SCENES + 1),
    "text too long": b"[[scenes]]\npage = 'home'\ntitle = '" + b"x" * 500 + b"'",
    "not UTF-8": b'title = "\xff\xfe"',
}


def test_the_deck_in_use_survives_every_kind_of_bad_file():
    at = app("home")
    at.button(key="deck_copy").click().run()
    at.button(key="present_yours").click().run()
    at.button(key="scene_next").click().run()
    for name, content in BAD_DECKS.items():
        uploader = next(u for u in at.get("file_uploader") if "deck" in u.label.lower())
        uploader.set_value((f"{name}.toml", content, "application/toml")).run()
        assert_clean(at)
        assert at.session_state["your_deck"] == COURSE, name  # unchanged, and still presented
        assert values(at)["deck"] == "yours" and values(at)["scene"] == 2, name
        assert any("was not loaded; your deck is unchanged" in e for e in texts(at, "error")), name


def test_vote_again_opens_round_two_and_keeps_the_answer_back_again(monkeypatch):
    from vae_ui.lecture import classroom

    monkeypatch.setenv("VAE_LAB_PRESENTER_SECRET", "lecture-test")
    at = app("home", deck="course", scene="1")
    at.text_input(key="class_secret_input").input("lecture-test")
    at.button(key="class_start").click().run()
    code = at.session_state["class_code"]
    assert classroom.store().showing(code).scene == 1  # the class sees scene 1's question
    at.button(key="scene_reveal").click().run()
    assert classroom.store().showing(code).revealed
    at.button(key="class_again").click().run()
    assert_clean(at)
    now = classroom.store().showing(code)
    assert now.round == 2 and not now.revealed
    assert at.button(key="scene_reveal") and set(metrics(at).values()) == {"?"}  # kept back again
