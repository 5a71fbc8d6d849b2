"""The lecture deck file: a round trip, and one test per family of mistakes a deck file can hold."""

from pathlib import Path

import pytest

from vae_ui import deck, deck_file, settings
from vae_ui.settings import REGISTRY

COURSE = Path(__file__).resolve().parents[1] / "decks" / "course.toml"

GOOD = """
title = "A small deck"

[[scenes]]
page = "autoencoder"
title = "A bottleneck of one number"
talk = "With d = 1 the decoder draws a *curve*: <b>not bold</b>."
hide = ["ae_manifold", "numbers"]
[scenes.controls]
ae_latent = 3
ae_compare = [1, 3]
seed = 7
[scenes.question]
prompt = "What do the reconstructions look like?"
choices = ["three points", "one curve"]
answer = "one curve"
explain = "g(z) for one number z traces a curve."

[[scenes]]
page = "elbo"
title = "β-VAE"
[scenes.controls]
el_tab = "β-VAE"
vb_beta = 4.0
[scenes.question]
prompt = "Which would you rather have?"
choices = ["sharp reconstructions", "good samples", "both"]
"""


def test_a_deck_reads_and_writes_back_to_the_same_deck():
    read = deck_file.read(GOOD.encode())
    assert read.title == "A small deck" and len(read.scenes) == 2
    first, second = read.scenes
    assert first.values()["ae_latent"] == 3 and first.values()["ae_compare"] == (1, 3)
    assert first.values()["ae_epochs"] == REGISTRY["ae_epochs"].default  # the rest keep their defaults
    assert first.question.right == 1 and first.hide == ("ae_manifold", "numbers")
    assert first.talk.endswith("<b>not bold</b>.")  # kept as text: the page shows it as text
    assert second.question.answer is None and second.question.right is None  # a poll
    assert first.link() == "autoencoder?ae_latent=3&ae_compare=1,3&seed=7"
    assert second.link() == "elbo?el_tab=β-VAE&vb_beta=4"
    assert deck_file.read(deck_file.to_toml(read).encode()) == read


def test_text_with_quotes_newlines_and_control_characters_round_trips():
    text = 'He said "z = μ + σ⊙ε"\\n\tthen \\ left.\n\x7f\x01 ok'
    made = deck.Deck("t", (deck.Scene("home", "x", text),))
    assert deck_file.read(deck_file.to_toml(made).encode()) == made


def _problems(text: str) -> list[str]:
    with pytest.raises(deck_file.DeckError) as err:
        deck_file.read(text.encode() if isinstance(text, str) else text)
    return err.value.problems


def _scene(body: str) -> str:
    return f'[[scenes]]\npage = "home"\ntitle = "First"\n{body}\n'


@pytest.mark.parametrize("text, expected", [
    ("this is [not toml", "not TOML"),
    ('title = "no scenes"', "not a deck"),
    ("[[scenes]]\npage = 'nowhere'\ntitle = 'x'", "scene 1 'x', field 'page': 'nowhere' is not one of"),
    (_scene("[scenes.controls]\nh_wibble = 1"), "scene 1 'First', field 'controls.h_wibble': no such control"),
    (_scene("[scenes.controls]\nae_latent = 2"), "'controls.ae_latent': not a control of the home page"),
    (_scene("[scenes.controls]\nh_latent = 99"), "'controls.h_latent': 99 is not allowed (outside 1..8)"),
    (_scene("[scenes.controls]\nh_latent = 1.5"), "'controls.h_latent': 1.5 is not allowed (not a whole number)"),
    (_scene("[scenes.controls]\nh_beta = 0.33"), "'controls.h_beta': 0.33 is not allowed (not one of the choices)"),
    (_scene('[scenes.controls]\nh_beta = "1"'), "'controls.h_beta': '1' is not allowed (a number)"),
    ("[[scenes]]\npage = 'reparameterisation'\ntitle = 'x'\n[scenes.controls]\nrp_naive = 1",
     "'controls.rp_naive': 1 is not allowed (true or false)"),
    (_scene("[scenes.controls]\nlecture = true"), "'controls.lecture': not a control of the home page"),
    (_scene("[scenes.controls]\nscene = 3"), "'controls.scene': not a control of the home page"),
    (_scene('[scenes.controls]\ndataset = "csv"'), "a deck cannot carry an upload"),
    (_scene('[scenes.controls]\ndataset = "cifar10"'), "'controls.dataset': 'cifar10' is not allowed"),
    (_scene("[scenes.question]\nprompt = 'q'\nchoices = ['a', 'b']\nanswer = 'c'"),
     "question, field 'answer': 'c' is not one of the choices"),
    (_scene("[scenes.question]\nprompt = 'q'\nchoices = ['a']"), "question, field 'choices': a list of 2 to 5 texts"),
    (_scene("[scenes.question]\nprompt = 'q'\nchoices = ['a','b','c','d','e','f']"), "a list of 2 to 5 texts"),
    (_scene("[scenes.question]\nprompt = 'q'\nchoices = ['a', 'a']"), "two choices are the same"),
    (_scene(f"talk = '{'x' * 1201}'"), "field 'talk': a text of 0 to 1200 characters (it has 1201)"),
    ('[[scenes]]\npage = "home"\ntitle = ""', "scene 1, field 'title': a text of 1 to 120 characters"),
    (_scene("colour = 'red'"), "unknown field 'colour'"),
    (_scene("hide = ['latent_space']"), "only a scene with a question keeps figures back"),
    (_scene("hide = ['ae_manifold']\n[scenes.question]\nprompt = 'q'\nchoices = ['a', 'b']"),
     "'ae_manifold' is not a figure of the home page"),
    ("".join(_scene("") for _ in range(settings.MAX_SCENES + 1)), f"a deck has at most {settings.MAX_SCENES}"),
])
def test_each_mistake_is_named_with_its_scene_and_field(text, expected):
    problems = _problems(text)
    assert any(expected in p for p in problems), problems


def test_a_file_that_is_not_utf8_or_too_big_is_refused():
    assert "not UTF-8" in _problems(b'title = "\xff\xfe"')[0]
    assert "at most 200,000" in _problems(b"#" * (deck_file.MAX_BYTES + 1))[0]


def test_every_problem_is_listed_not_only_the_first():
    text = _scene("[scenes.controls]\nh_latent = 99\nh_beta = 'x'") + _scene("colour = 1")
    assert len(_problems(text)) == 3


def test_the_course_deck_is_valid_and_tells_the_whole_course():
    course = deck_file.read(COURSE.read_bytes())
    assert 12 <= len(course.scenes) <= 20
    assert sum(s.question is not None and s.question.answer is not None for s in course.scenes) >= 5
    assert {s.page for s in course.scenes} == set(deck.PAGES)
