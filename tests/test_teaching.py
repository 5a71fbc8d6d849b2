"""What the pages and the course deck teach, each sentence checked against the core (issue 29).

Every test computes the number a sentence rests on, from the core on the set-up the page or the scene shows, and
checks that the sentence on screen (or in the deck) says what the number says: not only that some words are there.
"""

from pathlib import Path

import numpy as np
import pytest

import vae_core as vc
from tests.apptest_helpers import app, assert_clean, chart, chart_rows, metrics, settled, texts
from vae_ui import configs, deck, runs, settings
from vae_ui.data import generated
from vae_ui.settings import REGISTRY

COURSE = deck.read((Path(__file__).resolve().parents[1] / "decks" / "course.toml").read_bytes())
DEFAULTS = {key: control.default for key, control in REGISTRY.items()}


def scene(title: str) -> deck.Scene:
    found = [s for s in COURSE.scenes if s.title == title]
    assert len(found) == 1, title
    return found[0]


def train(config: runs.RunConfig, X: np.ndarray) -> vc.Model:
    return runs.store().train(config, X).model()


def look_fors(at) -> list[str]:
    return [t for t in texts(at, "caption") if t.startswith("**Look for:**")]


# -- the denoising autoencoder -------------------------------------------------------------------------------
def _denoised(name: str, sigma: float, latent: int):
    """The page's DAE at (σ, d) and its numbers on the page's noisy test inputs."""
    data = generated(name, 0)
    dae_config, _ = configs.denoising(DEFAULTS | {"dataset": name, "dae_sigma": sigma, "dae_latent": latent}, data.spec)
    dae = train(dae_config, data.X)
    noise = vc.losses.corruption(data.X_test.shape, sigma, settings.rng(0, "test corruption"))
    noisy = data.X_test + noise
    cleaned = dae.reconstruct(noisy)
    return data, noisy, cleaned, {
        "dae": float(vc.evaluate.reconstruction_error(dae, data.X_test, noise).mean()),
        "nothing": float(vc.evaluate.reconstruction_error(vc.evaluate.DoNothing(), data.X_test, noise).mean()),
        "nearer": vc.evaluate.share_nearer(data.X_test, noisy, cleaned)}


def test_a_dae_with_a_bottleneck_of_one_adds_error_and_the_page_says_so():
    """d = 1 at σ = 0.3 (the page's default): worse than returning x̃; d = 2: better, above the Bayes floor."""
    data, noisy, _, one = _denoised("three_clusters", 0.3, 1)
    _, _, _, two = _denoised("three_clusters", 0.3, 2)
    bayes = float(vc.losses.squared_error(data.X_test, vc.data.bayes_denoiser("three_clusters", noisy, 0.3))[0].mean())
    assert one["dae"] > one["nothing"] and one["nearer"] < 0.5  # 0.0877 > 0.0745; 48 % nearer their own x
    assert bayes < two["dae"] < one["nothing"]  # 0.0408 < 0.0524 < 0.0745
    assert abs(one["nothing"] - 2 * 0.3**2 / 2) < 0.02  # ½‖ε‖² on these points, D·σ²/2 = 0.09 in expectation
    for latent, numbers, word in ((1, one, "above"), (2, two, "below")):
        at = settled(app("denoising", dae_latent=str(latent)))
        assert_clean(at)
        m = metrics(at)
        assert float(m["Denoising AE error on noisy test inputs"]) == pytest.approx(numbers["dae"], abs=1e-4)
        assert float(m["Returning x̃ itself (doing nothing)"]) == pytest.approx(numbers["nothing"], abs=1e-4)
        assert float(m["Bayes-optimal E[x | x̃]: the floor"]) == pytest.approx(bayes, abs=1e-4)
        said = next(t for t in look_fors(at) if "returning the noisy input" in t)
        assert (f"error {numbers['dae']:.4f} is {word} the {numbers['nothing']:.4f} of returning the noisy input" in said
                and f"{numbers['nearer']:.0%} of its outputs lie nearer" in said), said
        assert ("adds error instead of removing noise" in said) == (latent == 1)
        assert not any("the noise is removed" in t for t in texts(at, "caption"))
        series = {row["model"] for rows in chart_rows(at, "Error on noisy test inputs") for row in rows if "model" in row}
        assert "doing nothing: x̃ itself" in series and "Bayes-optimal E[x | x̃]" in series


def test_on_the_digits_the_caption_counts_the_reconstructions_read_as_another_digit():
    """Digits, σ = 0.3: at d = 1 the error falls below doing nothing, yet many reconstructions are another digit
    (read by the nearest training image); at d = 16 they keep their digit about as often as the noisy input."""
    found = {}
    for latent in (1, 16):
        data, noisy, cleaned, numbers = _denoised("digits", 0.3, latent)
        kept = float(np.mean(vc.evaluate.nearest_labels(data.X, data.y, cleaned) == data.y_test))
        noisy_kept = float(np.mean(vc.evaluate.nearest_labels(data.X, data.y, noisy) == data.y_test))
        found[latent] = (numbers, kept, noisy_kept)
        at = settled(app("denoising", dataset="digits", dae_latent=str(latent)))
        assert_clean(at)
        said = next(t for t in look_fors(at) if "returning the noisy image" in t)
        assert f"{kept:.0%} of the reconstructions show the clean image's digit, {noisy_kept:.0%} of the noisy" in said
        assert ("read as another digit" in said) == (kept < noisy_kept - 0.05), said
        assert numbers["dae"] < numbers["nothing"]
    assert found[1][1] < 0.8 < found[16][1]  # d = 1: 72 % keep their digit; d = 16: 93 % (the noisy inputs: 96 %)
    assert found[16][0]["nearer"] == 1.0  # every d = 16 reconstruction is nearer its own image than x̃ was


def test_the_best_denoisers_arrow_is_sigma_squared_times_the_score_of_the_blurred_data():
    """Tweedie: E[x | x̃] − x̃ = σ²∇log p_σ(x̃), checked against finite differences of log p_σ; σ²∇log p (the
    unblurred data's score) is far from it at the scene's σ = 0.6 and close only for small σ. The scene shows both
    fields, the DAE's and the Bayes one, and says so."""
    s = scene("The denoising field")
    v = s.values()
    data = generated(v["dataset"], v["seed"])
    lo, hi = data.X.min(axis=0) - 0.3, data.X.max(axis=0) + 0.3
    grid = np.stack(np.meshgrid(np.linspace(lo[0], hi[0], 11), np.linspace(lo[1], hi[1], 11)), axis=-1).reshape(-1, 2)
    p = vc.truth.distribution(v["dataset"])

    def arrow_gap(sigma: float, score: np.ndarray) -> float:  # median relative distance from the Bayes arrow
        arrow = vc.data.bayes_denoiser(v["dataset"], grid, sigma) - grid
        return float(np.median(np.linalg.norm(sigma**2 * score - arrow, axis=1) / np.linalg.norm(arrow, axis=1)))

    sigma, h = v["dae_sigma"], 1e-5
    blurred = p.blurred(sigma)
    numeric = np.stack([(blurred.log_density(grid + h * e) - blurred.log_density(grid - h * e)) / (2 * h)
                        for e in np.eye(2)], axis=1)
    assert np.allclose(vc.truth.score(v["dataset"], grid, sigma), numeric, atol=1e-6)
    assert arrow_gap(sigma, numeric) < 1e-6  # exactly the blurred data's score
    assert arrow_gap(sigma, p.score(grid)) > 0.5  # not the data's own: at σ = 0.6 over half the arrow off
    assert arrow_gap(0.02, p.score(grid)) < 0.01  # ... which it approaches as σ → 0
    assert v["dae_latent"] == 2 and v["dae_bayes"] is True
    assert "blurred by the noise" in s.talk and "only as σ → 0" in s.talk and "for small σ" not in s.talk
    at = settled(app("denoising", dae_sigma=str(sigma), dae_latent="2", dae_bayes="1"))
    assert_clean(at)
    both = chart(at, "Bayes-optimal field")
    assert "DAE's" in both["title"]
