"""A scene names the parts of its page it is about (``show``): checked like ``hide``, written back by to_toml, given
to a scene the lecturer saves, and the header's talking point folds to its first sentence."""

import pytest

from vae_ui import deck, deck_file
from vae_ui.lecture import present
from vae_ui.session import stage

COURSE = deck_file.read((stage.DECKS_DIR / "course.toml").read_bytes())


def _one(fields: str) -> str:
    return f'title = "t"\n[[scenes]]\npage = "autoencoder"\ntitle = "s"\n{fields}\n'


def test_every_course_scene_shows_parts_of_its_page():
    for number, scene in enumerate(COURSE.scenes, start=1):
        assert scene.show, f"scene {number} names no part to show first"
        assert set(scene.show) <= set(deck.FIGURES[scene.page]) - set(deck.NOT_SHOWN), number


@pytest.mark.parametrize("fields, said", [
    ('show = ["ae_nothing"]', "'ae_nothing' is not a figure of the autoencoder page"),
    ('show = ["numbers"]', "'numbers' is not a figure"),
    ('show = "ae_compare"', "field 'show': a list of figure names"),
    ('show = ["ae_compare", "ae_compare"]', "a figure named twice"),
])
def test_a_show_that_is_not_parts_of_the_page_is_refused_with_a_sentence(fields, said):
    with pytest.raises(deck_file.DeckError) as err:
        deck_file.read(_one(fields).encode())
    assert any(said in p for p in err.value.problems), err.value.problems


def test_show_is_written_back_and_read_the_same():
    again = deck_file.read(deck_file.to_toml(COURSE).encode())
    assert [s.show for s in again.scenes] == [s.show for s in COURSE.scenes]


def test_a_saved_view_shows_its_pages_main_figures():
    assert deck.first_screen("autoencoder", {}) == ("ae_reconstruction", "ae_manifold")
    assert deck.first_screen("elbo", {"el_tab": "β-VAE"}) == ("rate_distortion", "kl_per_dimension")
    assert deck.first_screen("elbo", {}) == ("kl_densities", "kl_convergence")
    for page in deck.PAGES:
        assert set(deck.first_screen(page, {})) <= set(deck.FIGURES[page])


def test_a_long_talking_point_folds_to_its_first_sentence():
    assert present.lead("One. Two three.") == "One."
    long = "word " * 60
    cut = present.lead(long)
    assert len(cut) <= present.FIRST_SENTENCE + 2 and cut.endswith("…")
    assert present.lead("Vincent et al. (2008) showed it. Next.") == "Vincent et al. (2008) showed it."


def test_a_scene_the_lecturer_saves_shows_its_views_main_figures():
    from tests.apptest_helpers import app, assert_clean

    at = app("elbo", el_tab="β-VAE")
    at.text_input(key="deck_title").input("Rate and distortion")
    at.button(key="FormSubmitter:deck_form-Save the scene").click().run()
    assert_clean(at)
    scene = at.session_state["your_deck"].scenes[0]
    assert scene.page == "elbo" and scene.show == ("rate_distortion", "kl_per_dimension")


def test_a_poll_offers_to_show_the_results_not_an_answer():
    from tests.apptest_helpers import app, assert_clean

    number = next(i for i, s in enumerate(COURSE.scenes, 1) if s.question and s.question.answer is None)
    at = app("home", deck="course", scene=str(number))
    assert_clean(at)
    assert "results" in at.button(key="scene_reveal").proto.help and "answer" not in at.button(key="scene_reveal").proto.help
    at.button(key="scene_reveal").click().run()
    assert "results" in at.button(key="scene_hide").proto.help
    assert any("no choice is right" in i.value for i in at.info)
