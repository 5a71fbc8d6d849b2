"""Every right answer in the shipped course deck, computed with the core on the scene's own set-up.

A scene's question is found by its title; each test reads the scene's control values (not the deck's text) and
trains or evaluates what the page would, then checks that the deck's answer is the one the numbers give.
"""

from pathlib import Path

import numpy as np
import pytest

import vae_core as vc
from vae_core import theory
from vae_ui import configs, deck, deck_file, settings
from vae_ui.page import truth
from vae_ui.service import runs
from vae_ui.service.datasets import generated

COURSE = deck_file.read((Path(__file__).resolve().parents[1] / "decks" / "course.toml").read_bytes())


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


def test_once_both_directions_collapse_every_reconstruction_sits_at_the_data_mean():
    s, v = scene("β pulls the codes to the prior")
    data = generated(v["dataset"], v["seed"])
    eigenvalues = np.linalg.eigvalsh(np.cov(data.X.T))
    assert f"λ = {eigenvalues[0]:.2f} and {eigenvalues[1]:.2f}" in s.talk  # the rule is taught before the question
    assert v["h_beta"] * 1.0**2 >= eigenvalues.max()  # β·σₓ² ≥ λᵢ for both: the talk's "both have collapsed"
    active = {}
    for beta in [b for b in settings.BETAS if 1.5 <= b <= 3.0]:
        vae = train(configs.home(v | {"h_beta": beta}, data.spec), data.X)  # what the scene trains, σₓ fixed at 1
        assert vae.decoder_std == 1.0
        active[beta], _ = vc.evaluate.active_units(vae, data.X)
    collapse = min(b for b, n in active.items() if n == 0)
    assert all(active[b] > 0 for b in active if b < collapse)  # and stays collapsed above
    assert all(active[b] == 0 for b in active if b >= collapse), active
    assert 2 < collapse <= v["h_beta"] and active[2.0] == 2, active
    assert "at β = 2 both directions still carry" in s.question.explain
    assert f"at β = {collapse:g} none is active" in s.question.explain
    vae = train(configs.home(v, data.spec), data.X)
    recon = vae.reconstruct(data.X)  # the page's reconstructions g(μ(x))
    spread, data_spread = vc.evaluate.spread(recon), vc.evaluate.spread(data.X)
    off = float(np.linalg.norm(recon.mean(axis=0) - data.X.mean(axis=0)))
    assert spread < 0.01 * data_spread and off < 0.05, (spread, off)  # one point, at the data's mean
    centres = np.array([data.X[data.y == c].mean(axis=0) for c in np.unique(data.y)])
    assert np.min(np.linalg.norm(recon[:, None] - centres[None], axis=2)) > 1.0  # nowhere near a cluster's centre
    for said in (f"within {spread:.3f} of one point", f"the data spread {data_spread:.2f}",
                 f"{off:.3f} from the data's mean"):
        assert said in s.question.explain, said
    assert s.question.answer == "All at one point: the data's mean"
    assert "mean" not in s.title and "mean" not in s.talk  # the question's title and talk keep its answer


def test_twice_as_wide_is_further_from_the_prior_than_half_as_wide():
    s, v = scene("The KL divergence in closed form")

    def kl(mu: float, sigma: float) -> float:
        return float(vc.losses.kl_standard_normal(np.array([[mu]]), np.log(np.array([[sigma**2]])))[0][0])
    narrow, wide = kl(v["kl_mu"], v["kl_sigma"]), kl(0.0, 2.0)
    assert v["kl_mu"] == 0.0 and v["kl_sigma"] == 0.5  # the scene shows the narrow one
    assert wide > narrow and f"{narrow:.3f} nats for σ = 0.5 and {wide:.3f} for σ = 2" in s.question.explain
    assert kl(-1.0, 0.5) == pytest.approx(kl(1.0, 0.5), rel=1e-12) and "mirror image changes nothing" in s.talk
    assert s.question.answer == "N(0, 2²), twice as wide"
    for told in (s.title, s.talk):  # neither gives the answer away
        assert f"{wide:.3f}" not in told and f"{narrow:.3f}" not in told and "2²" not in told


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
    assert runs.likelihood_for(data.X) == "bernoulli"  # the app's loss here: binary cross-entropy summed over pixels
    assert "binary cross-entropy averaged over the 64 pixels" in s.question.prompt and "summed" in s.question.prompt
    assert D == 64 and theory.effective_beta(1.0, v["ls_sigma_x"], v["ls_reduction"], D) == 64
    rng = np.random.default_rng(0)  # the two losses differ by the factor D alone, so they share every minimiser
    x, logits = rng.random((5, D)), rng.standard_normal((5, D))
    mu, log_var = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    bce_sum, _ = vc.losses.bernoulli_nll(x, logits)
    kl = vc.losses.kl_standard_normal(mu, log_var)[0]
    assert np.allclose(D * (bce_sum / D + kl), bce_sum + 64 * kl)
    x_hat = rng.random((5, D))  # PyTorch's mse_loss: a mean of squares with no ½; here ½‖x − x̂‖² summed
    mse = np.mean((x - x_hat) ** 2, axis=1)
    half_sum = 0.5 * np.sum((x - x_hat) ** 2, axis=1)
    assert np.allclose((D / 2) * (mse + kl), half_sum + (D / 2) * kl) and "β = D/2 = 32" in s.question.explain
    assert s.question.answer == "β = 64"


def test_a_single_iwae_estimate_can_exceed_log_px_its_mean_cannot():
    s, v = scene("Importance sampling inside the log")
    data = generated(v["dataset"], v["seed"])
    vae = train(configs.beta_vae(v, data.spec), data.X)
    x = data.X_test[:truth.eval_points(data)]
    exact = vae.log_likelihood_exact(x)
    streams = np.random.SeedSequence([v["seed"], v["vb_k"]]).spawn(2 * truth.REPEATS)  # the page's ladder draws
    single = np.array([vae.log_likelihood_iwae(x, k=v["vb_k"], rng=np.random.default_rng(t))
                       for t in streams[truth.REPEATS:]])  # (10, 100) single IWAE_100 estimates
    above = float(np.mean(single > exact))
    assert 0.2 < above < 0.5 and single.mean() < exact.mean(), above  # some above, the mean below
    assert f"{above:.0%} of the {single.size:,} single IWAE₁₀₀ estimates" in s.question.explain
    elbo = vae.elbo(x, n_samples=1000, rng=np.random.default_rng(0)).mean()
    assert elbo < single.mean() < exact.mean()  # ELBO ≤ IWAE ≤ log p(x) in expectation
    assert s.question.answer == "Yes: it is a lower bound only in expectation"
    assert "expectation" not in s.title and "≤" not in s.title  # the title no longer states the answer


PROVEN = {"An autoencoder squeezes x through a bottleneck", "A denoising autoencoder learns to undo noise",
          "β pulls the codes to the prior", "The KL divergence in closed form", "The ELBO and its gap",
          "Two estimators of one gradient", "The hidden β of a mean", "Importance sampling inside the log",
          "A learned σₓ on the rings", "Which way the KL points", "The pooled codes and the prior's holes",
          "From denoising to generating"}


def test_with_sigma_x_learned_the_rings_code_carries_almost_nothing():
    s, v = scene("A learned σₓ on the rings")
    data = generated(v["dataset"], v["seed"])
    vae = train(configs.home(v, data.spec), data.X)
    carried = float(vc.evaluate.kl_by_dimension(vae, data.X).sum())
    _, spread = theory.best_isotropic_gaussian(data.X)
    assert v["h_sigma_x"] == "learned" and carried < 0.05  # almost nothing: the answer
    assert f"{carried:.3f} nats" in s.question.explain and f"{vae.decoder_std:.3f}" in s.question.explain
    assert vae.decoder_std == pytest.approx(spread, rel=0.02) and f"{spread:.3f}" in s.question.explain
    fixed = train(configs.home(v | {"h_sigma_x": "0.1"}, data.spec), data.X)  # "with σₓ fixed at 0.1 ..."
    x = data.X_test[:100]
    assert vc.evaluate.active_units(fixed, data.X)[0] == 2
    assert fixed.log_likelihood_exact(x).mean() > vae.log_likelihood_exact(x).mean()


def test_the_elbos_diagonal_q_sits_inside_a_tilted_posterior():
    from app_pages.elbo_gap import MODEL_2D, POINT_2D

    s, v = scene("Which way the KL points")
    assert v["el_tab"] == "The ELBO gap"
    m, S = MODEL_2D.posterior(POINT_2D)
    _, Q = theory.best_diagonal_gaussian(m, S, "reverse")
    ratios = np.sqrt(np.diag(Q) / np.diag(S))
    assert np.all(ratios < 1) and s.question.answer.startswith("Narrower")
    assert f"{ratios[0]:.0%}".replace("%", " %") in s.question.explain and ratios[0] == pytest.approx(ratios[1])
    assert f"{S[0, 1] / np.sqrt(S[0, 0] * S[1, 1]):.2f}".replace("-", "−") in s.talk


def test_a_prior_draw_in_a_hole_decodes_off_the_data():
    s, v = scene("The pooled codes and the prior's holes")
    data = generated(v["dataset"], v["seed"])
    vae = train(configs.beta_vae(v, data.spec), data.X)
    holes, decoded = vc.evaluate.prior_holes(vae, data.X, 2000, np.random.default_rng(0))
    share = len(holes) / 2000
    assert 0.12 < share < 0.3, share  # "about a fifth of the prior's draws"
    off = vc.data.log_density(v["dataset"], decoded).mean()
    on = vc.data.log_density(v["dataset"], data.X_test).mean()
    assert off < on - 2, (off, on)  # far less likely than the data: off it, not on a cluster
    centres = 2.0 * np.array([[0.0, 1.0], [-np.cos(np.pi / 6), -0.5], [np.cos(np.pi / 6), -0.5]])
    nearest = np.min(np.linalg.norm(decoded[:, None] - centres[None], axis=2), axis=1)
    assert np.median(nearest) > 0.7  # not at a cluster (each has σ = 0.35)
    assert np.linalg.norm(decoded.mean(0) - data.X.mean(0)) > 0.1 or np.std(decoded) > 0.5  # not one point at the mean
    assert s.question.answer == "A point off the data, where no data lies"


def test_following_the_score_from_noise_ends_spread_like_the_data():
    s, v = scene("From denoising to generating")
    made = vc.truth.sample_by_score(v["dataset"], 300, settings.rng(v["seed"], "generation"))
    data = generated(v["dataset"], v["seed"])
    start, end = (vc.data.log_density(v["dataset"], x).mean() for x in (made[0], made[-1]))
    test = vc.data.log_density(v["dataset"], data.X_test).mean()
    assert abs(end - test) < 0.25 and end > start + 20  # on the data, from the noise
    assert np.linalg.norm(np.cov(made[-1].T) - np.cov(data.X.T)) < 0.5  # spread like it, not one point
    explain = s.question.explain
    assert f"{end:.2f}".replace("-", "−") in explain and f"{test:.2f}".replace("-", "−") in explain
    assert f"{start:.0f}".replace("-", "−") in explain

