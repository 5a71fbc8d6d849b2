"""Numbers a lecture scene says that are not a question's answer, computed from the scene's own set-up."""

import numpy as np

from vae_core import theory
from vae_ui import deck_file, settings
from vae_ui.session import stage

COURSE = deck_file.read((stage.DECKS_DIR / "course.toml").read_bytes())


def test_scene_11_says_the_estimators_variances_of_its_own_set_up():
    """f = z², q = N(μ, σ²) with the page's μ₁, σ₁: one sample's ∂/∂μ estimate has variance 4σ² (reparameterisation),
    8μ² + 10σ² (score function, baseline E_q f) and μ⁴/σ² + 14μ² + 15σ² (without): checked against a million draws;
    and the page's table (100 draws) gives the ratios the explanation quotes."""
    scene = COURSE.scenes[10]
    values = scene.values()
    assert values["rp_f"] == "square" and scene.page == "reparameterisation"
    mu, sigma, seed, n = values["rp_mu1"], values["rp_s1"], int(values["seed"]), values["rp_n"]
    exact = {"reparameterisation": 4 * sigma**2, "score function + baseline": 8 * mu**2 + 10 * sigma**2,
             "score function": mu**4 / sigma**2 + 14 * mu**2 + 15 * sigma**2}
    f = theory.TEST_FUNCTIONS["square"]
    many = theory.gradient_estimates(f, mu, sigma, np.random.default_rng(1).standard_normal(1_000_000))
    for name, variance in exact.items():
        assert abs(many[name][:, 0].var() / variance - 1) < 0.03, name
    base = exact["reparameterisation"]
    explain = scene.question.explain
    assert f"{exact['score function + baseline'] / base:.1f}×" in explain and f"= {exact['score function + baseline']:g}" in explain
    assert f"{exact['score function'] / base:.1f}×" in explain and f"= {exact['score function']:.1f}" in explain
    page = theory.gradient_estimates(f, mu, sigma, settings.rng(seed, "gradient estimates").standard_normal(n))
    var = {name: g[:, 0].var(ddof=1) for name, g in page.items()}
    for name in ("score function + baseline", "score function"):
        assert f"{var[name] / var['reparameterisation']:.1f}×" in explain, name
