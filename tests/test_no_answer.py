"""No answer before Reveal: on every question scene of the course deck, nothing on the page states the answer (its
explanation, or the sentences and numbers that give it away) until the lecturer reveals it; after Reveal it is there.

Run on the whole page, not only the first screen: the look-fors, captions, metrics, formulas and chart titles of
every part, with the question's own prompt and choices set aside (a choice is the answer's text by design).
"""

import pytest

from tests.apptest_helpers import app, assert_clean, charts
from vae_ui.session import stage

COURSE = stage.shipped("course")
QUESTIONS = [(number, scene) for number, scene in enumerate(COURSE.scenes, 1)
             if scene.question is not None and scene.question.answer is not None]
# What states each answer, beyond its explanation: what the rehearsal saw on screen before Reveal (issue 28 §2).
GIVEAWAYS = {
    "An autoencoder squeezes x through a bottleneck": ["onto one curve", "Every reconstruction is g(z)"],
    "A denoising autoencoder learns to undo noise": ["back near the clean data", "pulls every point back"],
    "β pulls the codes to the prior": ["the data's mean", "no longer depends on x"],
    "The KL divergence in closed form": ["0.807", "0.318", "not symmetric"],
    "The ELBO and its gap": ["zero exactly when"],
    "Two estimators of one gradient": ["lower variance than the score function"],
    "The hidden β of a mean": ["β = 64", "β = D", "beta_text{eff}"],  # (the last: β_eff's formula, as LaTeX)
    "Importance sampling inside the log": ["only in expectation", "38%"],
    "A learned σₓ on the rings": ["has collapsed", "carries 0.013"],
    "Which way the KL points": ["too narrow", "mode-seeking", "narrower than the posterior"],
    "The pooled codes and the prior's holes": ["points off the data"],
    "From denoising to generating": ["end on the data", "is a generator"],
}
KINDS = ("markdown", "caption", "latex", "info", "success", "warning", "error", "text", "code", "title", "header",
         "subheader", "expander", "tab")


def page_text(at) -> str:
    """Every text the page shows (its metrics as label and value, its charts by their titles), in one string."""
    parts = []
    for kind in KINDS:
        for element in at.get(kind):
            for attribute in ("value", "label", "body"):
                found = getattr(element, attribute, None)
                if isinstance(found, str):
                    parts.append(found)
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [c["title"] for c in charts(at)]
    return "\n".join(parts).replace("\\", "")  # as read: markdown's escapes gone


def without_the_question(text: str, scene) -> str:
    for said in (scene.question.prompt, *scene.question.choices):
        text = text.replace(said, "")
    return text


def test_every_graded_question_has_its_giveaways_listed_here():
    assert {scene.title for _, scene in QUESTIONS} == set(GIVEAWAYS)


@pytest.mark.parametrize("number, scene", QUESTIONS, ids=[s.title for _, s in QUESTIONS])
def test_the_page_keeps_the_answer_back_until_reveal(number, scene):
    at = app(scene.page, deck="course", scene=str(number), lecture="1")
    assert_clean(at)
    before = without_the_question(page_text(at), scene).lower()
    told = [s for s in [scene.question.explain, *GIVEAWAYS[scene.title]] if s and s.lower() in before]
    assert not told, f"scene {number} states its answer before Reveal: {told}"
    at.button(key="scene_reveal").click().run()
    assert_clean(at)
    after = page_text(at).lower()
    assert scene.question.explain.lower() in after, f"scene {number}: the explanation after Reveal"
