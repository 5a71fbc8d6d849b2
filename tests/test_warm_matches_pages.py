"""The warm command trains what the course's pages train and prefetch (vae_ui.warm.needs mirrors the pages)."""

from __future__ import annotations

import pytest

from tests.apptest_helpers import app, assert_clean
from vae_ui import deck_file, warm
from vae_ui.service import runs
from vae_ui.session import stage

COURSE = deck_file.read((stage.DECKS_DIR / "course.toml").read_bytes())


@pytest.mark.slow
@pytest.mark.parametrize("number", [n for n in range(1, len(COURSE.scenes) + 1)
                                    if any(need.scene == n for need in warm.needs(COURSE))])
def test_warming_a_scene_covers_what_its_page_asks_for(number, monkeypatch):
    asked: list[runs.RunConfig] = []
    real_train = runs.train

    def train(config, X, *args, **kwargs):
        asked.append(config)
        return real_train(config, X, *args, **kwargs)

    monkeypatch.setattr(runs, "train", train)
    monkeypatch.setattr(runs, "prefetch", lambda configs, *args, **kwargs: asked.extend(configs))
    monkeypatch.setattr(runs, "train_soon", lambda configs, *args, **kwargs: asked.extend(configs))
    at = app("home", deck="course", scene=str(number))
    at.run()
    assert_clean(at)
    needs = warm.needs(COURSE)
    wanted = {need.config for need in needs if need.scene == number}  # (a model two scenes need is named by the first)
    warmed = {need.config for need in needs if need.scene <= number + 1}  # (the page also prefetches the next scene)
    assert wanted <= set(asked), wanted - set(asked)  # nothing warmed that the page does not ask for
    assert set(asked) <= warmed, set(asked) - warmed  # everything the page asks for is warmed
