"""Every right answer in the shipped course deck, computed with the core on the scene's own set-up.

A scene's question is found by its title; each test reads the scene's control values (not the deck's text) and
trains or evaluates what the page would, then checks that the deck's answer is the one the numbers give.
"""

from pathlib import Path

import numpy as np
import pytest

import vae_core as vc
from vae_core import theory
from vae_ui import configs, deck, runs, settings
from vae_ui.data import generated

COURSE = deck.read((Path(__file__).resolve().parents[1] / "decks" / "course.toml").read_bytes())


def scene(title: str) -> tuple[deck.Scene, dict]:
    found = [s for s in COURSE.scenes if s.title == title]
    assert len(found) == 1, title
    return found[0], found[0].values()




def train(config: runs.RunConfig, X: np.ndarray) -> vc.Model:
    return runs.store().train(config, X).model()


def test_every_question_with_an_answer_is_proven_here():
    """A new question in the deck needs a test in this file: the list of proven titles is kept here."""
    asked = {s.title for s in COURSE.scenes if s.question is not None and s.question.answer is not None}
    assert asked == PROVEN


def test_a_bottleneck_of_one_puts_every_reconstruction_on_one_curve():
    s, v = scene("An autoencoder squeezes x through a bottleneck")
    data = generated(v["dataset"], v["seed"])
    ae = train(runs.RunConfig("autoencoder", data.spec, latent_dim=v["ae_latent"], hidden=(v["ae_width"],) * 2,
                              epochs=v["ae_epochs"], lr=v["ae_lr"], seed=v["seed"]), data.X)
    recon = ae.reconstruct(data.X_test)
    z = ae.encode(data.X)
    curve = ae.decode(np.linspace(z.min() - 1, z.max() + 1, 20_001)[:, None])
    to_curve = np.min(np.linalg.norm(recon[:, None, :] - curve[None], axis=2), axis=1)
    to_data = np.linalg.norm(recon - data.X_test, axis=1)
    assert v["ae_latent"] == 1 and to_curve.max() < 1e-2  # on the curve z -> g(z) ...
    assert to_data.mean() > 10 * to_curve.max()  # ... not on the data points
    centres = np.array([data.X_test[data.y_test == c].mean(axis=0) for c in np.unique(data.y_test)])
    to_centre = np.min(np.linalg.norm(recon[:, None, :] - centres[None], axis=2), axis=1)
    assert np.median(to_centre) > 0.2  # ... nor gathered at the cluster centres
    assert s.question.answer == "On one curve through the clusters"


def test_the_denoising_autoencoder_puts_noisy_points_back_near_the_data():
    s, v = scene("A denoising autoencoder learns to undo noise")
    data = generated(v["dataset"], v["seed"])
    sigma = v["dae_sigma"]
    dae_config, _ = configs.denoising(v, data.spec)  # what the page trains: d = 2, no bottleneck on 2-D data
    assert dae_config.latent_dim == 2 == data.X.shape[1]
    dae = train(dae_config, data.X)
    noise = vc.losses.corruption(data.X_test.shape, sigma, settings.rng(v["seed"], "test corruption"))
    noisy = data.X_test + noise
    cleaned = dae.reconstruct(noisy)

    def to_data(P: np.ndarray) -> float:  # mean distance to the nearest training point
        return float(np.min(np.linalg.norm(P[:, None] - data.X[None], axis=2), axis=1).mean())
    assert to_data(cleaned) < 0.5 * to_data(noisy)  # back where the data lies, not on the noisy points
    assert to_data(cleaned) < to_data(data.X_test)  # closer even than the clean test points are
    to_own = np.linalg.norm(cleaned - data.X_test, axis=1)
    assert np.median(to_own) > 0.1 and np.mean(to_own < 0.01) < 0.05  # not exactly on each point's own clean x
    error = vc.evaluate.reconstruction_error(dae, data.X_test, noise).mean()
    nothing = vc.evaluate.reconstruction_error(vc.evaluate.DoNothing(), data.X_test, noise).mean()
    bayes = vc.losses.squared_error(data.X_test, vc.data.bayes_denoiser(v["dataset"], noisy, sigma))[0].mean()
    nearer = vc.evaluate.share_nearer(data.X_test, noisy, cleaned)
    assert bayes < error < nothing  # it denoises, and does not beat the floor
    for said in (f"only {nearer:.0%} of the outputs", f"is {error:.4f}, against {nothing:.4f} for returning x̃",
                 f"gets {bayes:.4f}"):
        assert said in s.question.explain, said
    assert s.question.answer == "Back where the data lies"
    assert "Exactly on each point's own clean x" in s.question.choices


def test_both_latent_dimensions_of_the_worked_example_collapse_between_beta_2_and_3():
    s, v = scene("β pulls the codes to the prior")
    data = generated(v["dataset"], v["seed"])
    eigenvalues = np.linalg.eigvalsh(np.cov(data.X.T))
    theory_beta = eigenvalues.max()  # linear theory: dimension j collapses once beta * sigma_x^2 >= lambda_j
    active = {}
    for beta in [b for b in settings.BETAS if 1.5 <= b <= 3.0]:
        vae = train(configs.home(v | {"h_beta": beta}, data.spec), data.X)  # what the scene trains, σₓ fixed at 1
        assert vae.decoder_std == 1.0
        active[beta], _ = vc.evaluate.active_units(vae, data.X)
    collapse = min(b for b, n in active.items() if n == 0)
    assert all(active[b] > 0 for b in active if b < collapse)  # and stays collapsed above
    assert all(active[b] == 0 for b in active if b >= collapse), active
    assert 2 < collapse <= 3 and 2 < theory_beta <= 3, (collapse, theory_beta)
    assert s.question.answer == "2 < β ≤ 3"
    assert f"{eigenvalues[0]:.2f} and {eigenvalues[1]:.2f}" in s.question.explain  # the numbers the reveal states
    assert "at β = 2 both dimensions still carry" in s.question.explain and active[2.0] == 2
    assert f"at β = {collapse:g} none is active" in s.question.explain


def test_the_kl_of_the_mirrored_q_is_the_same():
    s, v = scene("The KL divergence in closed form")
    log_var = np.log(np.array([[v["kl_sigma"] ** 2]]))
    kl_now = vc.losses.kl_standard_normal(np.array([[v["kl_mu"]]]), log_var)[0][0]
    kl_before = vc.losses.kl_standard_normal(np.array([[-v["kl_mu"]]]), log_var)[0][0]
    assert kl_now == pytest.approx(kl_before, rel=1e-12) and v["kl_mu"] == -1.0
    assert f"KL = {kl_before:.3f}" in s.talk  # the number the scene quotes for μ = +1
    assert s.question.answer == "the same"


def test_the_gap_is_zero_when_q_is_the_exact_posterior():
    s, v = scene("The ELBO and its gap")
    from app_pages.elbo_gap import MODEL, POINTS

    x = POINTS[v["lg_point"]]
    m, S = MODEL.posterior(x)
    assert MODEL.gap(x, m, S) == pytest.approx(0.0, abs=1e-12)
    assert MODEL.elbo(x, m, S) == pytest.approx(MODEL.log_marginal(x), abs=1e-12)
    q_m, q_S = np.array([v["lg_mu"]]), np.array([[v["lg_sigma"] ** 2]])
    assert MODEL.gap(x, q_m, q_S) > 0.01  # where the scene starts, the gap is open
    assert s.question.answer == "zero"


def test_reparameterisation_has_the_lower_variance_for_a_square():
    s, v = scene("Two estimators of one gradient")
    f = theory.TEST_FUNCTIONS[v["rp_f"]]
    var = theory.estimator_variance(f, v["rp_mu1"], v["rp_s1"], (v["rp_n"],), 4000, np.random.default_rng(v["seed"]))
    with_baseline = var["score function + baseline"][0] / var["reparameterisation"][0]
    without = var["score function"][0] / var["reparameterisation"][0]
    assert 2.5 < with_baseline < 3.5 and 4 < without < 5.5, var  # "about three times ..., four to five times without"
    assert s.question.answer == "Reparameterisation"


def test_a_mean_over_64_pixels_hides_a_beta_of_64():
    s, v = scene("The hidden β of a mean")
    data = generated(v["dataset"], v["seed"])
    D = data.X.shape[1]
    assert D == 64 and theory.effective_beta(1.0, v["ls_sigma_x"], v["ls_reduction"], D) == 64
    rng = np.random.default_rng(0)  # the two losses differ by the factor D alone, so they share every minimiser
    x, x_hat = rng.random((5, D)), rng.random((5, D))
    mu, log_var = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    recon_sum = 0.5 * np.sum((x - x_hat) ** 2, axis=1)
    kl = vc.losses.kl_standard_normal(mu, log_var)[0]
    mean_loss = recon_sum / D + kl
    assert np.allclose(D * mean_loss, recon_sum + 64 * kl)
    assert s.question.answer == "β = 64"


def test_elbo_below_iwae_below_log_px_for_the_scenes_vae():
    s, v = scene("ELBO ≤ IWAE ≤ log p(x)")
    data = generated(v["dataset"], v["seed"])
    vae = train(runs.RunConfig("vae", data.spec, latent_dim=v["vb_latent"], beta=v["vb_beta"], seed=v["seed"]), data.X)
    x, rng = data.X_test[:50], np.random.default_rng(0)
    elbo = vae.elbo(x, n_samples=1000, rng=rng).mean()
    iwae = vae.log_likelihood_iwae(x, k=v["vb_k"], rng=rng).mean()
    exact = vae.log_likelihood_exact(x).mean()
    assert elbo < iwae < exact + 1e-3, (elbo, iwae, exact)
    assert s.question.answer == "ELBO ≤ IWAE ≤ log p(x)"


PROVEN = {"An autoencoder squeezes x through a bottleneck", "A denoising autoencoder learns to undo noise",
          "β pulls the codes to the prior", "The KL divergence in closed form", "The ELBO and its gap",
          "Two estimators of one gradient", "The hidden β of a mean", "ELBO ≤ IWAE ≤ log p(x)"}
