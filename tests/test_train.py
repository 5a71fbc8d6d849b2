"""Training: it learns, it is reproducible, it stops clearly when it diverges."""

import numpy as np
import pytest

import vae_core as vc


@pytest.fixture(scope="module")
def lecture_run():
    """The default lecture VAE on the worked example."""
    X, y = vc.data.three_clusters(n=600, seed=0)
    vae = vc.VAE(input_dim=2, latent_dim=2, hidden=(64, 64), activation="tanh", seed=0)
    history = vc.fit(vae, X, epochs=300, batch_size=64, lr=1e-3, seed=0, snapshot_every=50)
    return vae, history, X, y


def test_default_vae_lowers_its_loss(lecture_run):
    _, history, _, _ = lecture_run
    assert history.epochs == 300
    assert history.loss[-1] < history.loss[0] - 0.5
    assert np.mean(history.loss[-10:]) < np.mean(history.loss[:10])
    np.testing.assert_allclose(history.loss, history.recon + history.kl)


def test_default_vae_separates_the_clusters_in_latent_space(lecture_run):
    vae, _, X, y = lecture_run
    mu, _ = vae.encode(X)
    centres = np.stack([mu[y == k].mean(axis=0) for k in range(3)])
    nearest = np.argmin(((mu[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    assert np.mean(nearest == y) > 0.97  # nearest-centroid accuracy in the latent space
    within = np.mean([mu[y == k].std(axis=0).mean() for k in range(3)])
    between = np.min([np.linalg.norm(centres[i] - centres[j]) for i in range(3) for j in range(i)])
    assert between > 3 * within


def test_same_seed_gives_an_identical_history():
    X, _ = vc.data.three_clusters(n=200, seed=1)
    runs = []
    for _ in range(2):
        model = vc.VAE(seed=4)
        runs.append((vc.fit(model, X, epochs=20, seed=7), model.params.flat.copy()))
    np.testing.assert_array_equal(runs[0][0].loss, runs[1][0].loss)
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    other = vc.fit(vc.VAE(seed=4), X, epochs=20, seed=8)
    assert not np.array_equal(other.loss, runs[0][0].loss)


def test_snapshots_replay_training(lecture_run):
    vae, history, X, _ = lecture_run
    epochs = [epoch for epoch, _ in history.snapshots]
    assert epochs == [0, 50, 100, 150, 200, 250, 300]
    np.testing.assert_array_equal(history.snapshots[-1][1], vae.params.flat)
    replay = vc.VAE(seed=0)
    replay.params.flat[...] = history.snapshots[0][1]
    np.testing.assert_array_equal(replay.params.flat, vc.VAE(seed=0).params.flat)


def test_callback_sees_every_epoch():
    seen = []
    X, _ = vc.data.three_clusters(n=100, seed=0)
    vc.fit(vc.Autoencoder(seed=0), X, epochs=5, callback=lambda epoch, terms: seen.append((epoch, terms["loss"])))
    assert [epoch for epoch, _ in seen] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("make", [lambda: vc.VAE(seed=0), lambda: vc.VAE(seed=0, beta=4.0)])
def test_huge_learning_rate_raises_training_diverged(make):
    X, _ = vc.data.three_clusters(n=600, seed=0)
    model = make()
    with pytest.raises(vc.TrainingDiverged, match=r"epoch \d+.*lower the learning rate \(now 10\)") as info:
        vc.fit(model, X, epochs=300, lr=10.0, seed=0)
    assert np.all(np.isfinite(model.params.flat)), "the model keeps its last finite parameters"
    if model.beta > 1:
        assert "β" in str(info.value)


@pytest.mark.parametrize("model", [vc.Autoencoder(seed=0), vc.DenoisingAutoencoder(noise_sigma=0.3, seed=0)])
def test_autoencoders_learn_with_adam_and_sgd(model):
    X, _ = vc.data.two_moons(n=300, seed=0)
    adam = vc.fit(model, X, epochs=40, lr=3e-3, seed=0)
    assert adam.loss[-1] < 0.5 * adam.loss[0]
    assert np.all(adam.kl == 0)
    sgd = vc.fit(vc.Autoencoder(seed=1), X, epochs=40, lr=0.05, seed=0, optimizer="sgd")
    assert sgd.loss[-1] < sgd.loss[0]


def test_fit_checks_its_input():
    with pytest.raises(ValueError, match="shape"):
        vc.fit(vc.VAE(), np.zeros((10, 3)), epochs=1)
    with pytest.raises(ValueError, match="optimizer"):
        vc.fit(vc.VAE(), np.zeros((10, 2)), epochs=1, optimizer="lbfgs")


def test_adam_is_algorithm_1_of_kingma_and_ba():
    """The fused Adam (scaled moments, folded constants) takes the textbook steps."""
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(50)
    reference = theta.copy()
    m, v = np.zeros(50), np.zeros(50)
    lr, b1, b2, eps = 1e-2, 0.9, 0.999, 1e-8
    adam = vc.train.Adam(50, lr, b1, b2, eps)
    for t in range(1, 201):
        g = rng.standard_normal(50) * rng.choice([1e-6, 1.0, 1e3], size=50)  # gradients of every scale
        adam.step(theta, g)
        m = b1 * m + (1 - b1) * g  # Algorithm 1, line by line
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        reference = reference - lr * m_hat / (np.sqrt(v_hat) + eps)
    np.testing.assert_allclose(theta, reference, rtol=1e-12, atol=1e-14)


def test_a_learned_sigma_x_reaches_probabilistic_pca():
    """A linear VAE with a learned σₓ is probabilistic PCA (Tipping & Bishop 1999; Lucas et al. 2019): at the
    optimum σₓ² is the mean of the discarded eigenvalues of the data covariance (here the smaller one, d = 1 of
    D = 2) and the ELBO is tight, equal to pPCA's maximum log-likelihood −½(D log 2π + Σ log λᵢ + D)."""
    rng = np.random.default_rng(0)
    rotation = np.array([[np.cos(0.5), -np.sin(0.5)], [np.sin(0.5), np.cos(0.5)]])
    X = rng.standard_normal((1000, 2)) * [2.0, 0.5] @ rotation.T + [1.0, -0.5]
    lam = np.linalg.eigvalsh(np.cov(X.T, bias=True))  # ascending
    vae = vc.VAE(input_dim=2, latent_dim=1, hidden=(), decoder_std="learned", seed=0)
    vc.fit(vae, X, epochs=1000, lr=3e-2, batch_size=len(X), seed=0)
    assert vae.decoder_std**2 == pytest.approx(lam[0], rel=0.01)
    best = -0.5 * (2 * np.log(2 * np.pi) + np.sum(np.log(lam)) + 2)
    assert vae.elbo(X, n_samples=200, rng=np.random.default_rng(1)).mean() == pytest.approx(best, abs=0.01)
    assert vae.log_likelihood_exact(X).mean() == pytest.approx(best, abs=0.005)


def test_the_warm_up_beta_is_what_each_epoch_of_fit_used():
    """Each epoch's loss is recon + β_t · KL with the schedule's β_t = β·min(1, t/W) (the history's means), and the
    model's KL weight is β again once the training ends."""
    X, _ = vc.data.three_clusters(n=120, seed=0)
    vae = vc.VAE(hidden=(8,), beta=2.0, warmup_epochs=5, seed=0)
    history = vc.fit(vae, X, epochs=8, batch_size=32, lr=3e-3, seed=0)
    betas = np.array([vae.warmup_beta(t) for t in range(1, 9)])
    np.testing.assert_allclose(betas, [0.4, 0.8, 1.2, 1.6, 2.0, 2.0, 2.0, 2.0])
    np.testing.assert_allclose(history.loss, history.recon + betas * history.kl, rtol=1e-12)
    assert vae.kl_weight == 2.0


def test_a_warm_up_cut_short_by_a_divergence_leaves_the_full_beta():
    X, _ = vc.data.three_clusters(n=64, seed=0)
    vae = vc.VAE(hidden=(8,), beta=1.5, warmup_epochs=50, seed=0)
    with pytest.raises(vc.TrainingDiverged):
        vc.fit(vae, X * 1e6, epochs=5, lr=10.0, seed=0)
    assert vae.kl_weight == 1.5


def test_free_bits_keep_the_units_a_large_beta_collapses():
    """What the β-VAE tab shows of free bits: at β = 10, far above the collapse β of both dimensions (≈ 2.1 on the
    worked example), the plain β-VAE keeps no active unit; with λ = 0.5 nats free per dimension both stay active,
    each carrying about λ (the floor costs nothing below it, and more is not worth β = 10 a nat)."""
    X, _ = vc.data.three_clusters(n=480, seed=0)
    found = {}
    for floor in (0.0, 0.5):
        vae = vc.VAE(latent_dim=2, beta=10.0, free_bits=floor, seed=0)
        vc.fit(vae, X, epochs=150, lr=1e-3, seed=0)
        found[floor] = (vc.evaluate.active_units(vae, X)[0], vc.evaluate.kl_by_dimension(vae, X))
    assert found[0.0][0] == 0 and found[0.0][1].sum() < 0.05
    assert found[0.5][0] == 2
    np.testing.assert_allclose(found[0.5][1], 0.5, atol=0.1)
