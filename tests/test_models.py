"""Each model's loss_and_grads is the exact gradient of its loss (float64 finite differences)."""

import re

import numpy as np
import pytest

import vae_core as vc
from tests.gradcheck import numerical_gradient, relative_error

TOL = 1e-6


def _randomise(model, rng):
    """Non-zero random weights and biases: zero biases can hide a wrong backward."""
    for name in model.params:
        model.params[name] = 0.8 * rng.standard_normal(model.params[name].shape)


def _check(model, x, noise):
    terms, grads = model.loss_and_grads(x, noise=noise)
    assert set(grads) == set(model.params)
    for name, value in model.params.items():
        assert grads[name].shape == value.shape
        numeric = numerical_gradient(lambda: model.loss_and_grads(x, noise=noise)[0]["loss"], value)
        assert relative_error(grads[name], numeric) < TOL, name
    return terms


@pytest.mark.parametrize("activation", ["tanh", "relu", "leaky_relu", "sigmoid", "softplus", "linear"])
def test_autoencoder_gradients(activation):
    rng = np.random.default_rng(10)
    D, d = rng.integers(2, 5), rng.integers(1, 3)
    model = vc.Autoencoder(input_dim=D, latent_dim=d, hidden=tuple(rng.integers(2, 6, size=2)), activation=activation)
    _randomise(model, rng)
    terms = _check(model, rng.standard_normal((6, D)), None)
    assert terms["loss"] == terms["recon"]


def test_denoising_autoencoder_gradients_and_clean_target():
    rng = np.random.default_rng(11)
    model = vc.DenoisingAutoencoder(input_dim=3, latent_dim=1, hidden=(5, 4), noise_sigma=0.5)
    _randomise(model, rng)
    x, noise = rng.standard_normal((6, 3)), 0.5 * rng.standard_normal((6, 3))
    _check(model, x, noise)
    # the target is the clean x: the loss is ½‖x − g(f(x + noise))‖²
    x_hat = model.decode(model.encode(x + noise))
    expected = 0.5 * np.sum((x - x_hat) ** 2, axis=1).mean()
    assert model.loss_and_grads(x, noise=noise)[0]["loss"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("likelihood", ["gaussian", "bernoulli"])
@pytest.mark.parametrize("activation", ["tanh", "relu", "softplus"])
def test_vae_gradients(likelihood, activation):
    rng = np.random.default_rng(12)
    D, d = rng.integers(2, 5), rng.integers(1, 4)
    model = vc.VAE(input_dim=D, latent_dim=d, hidden=(4, 3), activation=activation, beta=1.7, likelihood=likelihood)
    _randomise(model, rng)
    x = rng.uniform(size=(5, D))
    eps = rng.standard_normal((5, d))
    terms = _check(model, x, eps)
    assert terms["loss"] == pytest.approx(terms["recon"] + 1.7 * terms["kl"])


def test_vae_loss_is_recon_plus_beta_kl_with_constants():
    rng = np.random.default_rng(13)
    model = vc.VAE(input_dim=2, latent_dim=2, hidden=(5,), beta=0.5)
    _randomise(model, rng)
    x, eps = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    terms, _ = model.loss_and_grads(x, noise=eps)
    mu, log_var = model.encode(x)
    z = mu + np.exp(0.5 * log_var) * eps
    recon = 0.5 * np.sum((x - model.decode(z)) ** 2, axis=1) + np.log(2 * np.pi)
    kl = -0.5 * np.sum(1 + log_var - mu**2 - np.exp(log_var), axis=1)
    assert terms["recon"] == pytest.approx(recon.mean(), rel=1e-12)
    assert terms["kl"] == pytest.approx(kl.mean(), rel=1e-12)
    assert terms["loss"] == pytest.approx((recon + 0.5 * kl).mean(), rel=1e-12)


def test_linear_vae_gradients():
    rng = np.random.default_rng(14)
    model = vc.VAE(input_dim=3, latent_dim=2, hidden=())
    _randomise(model, rng)
    _check(model, rng.standard_normal((4, 3)), rng.standard_normal((4, 2)))


def test_noise_makes_calls_deterministic_and_rng_draws_it():
    model = vc.VAE(seed=3)
    x = np.random.default_rng(0).standard_normal((8, 2))
    eps = np.ones((8, 2))
    assert model.loss_and_grads(x, noise=eps)[0] == model.loss_and_grads(x, noise=eps)[0]
    a = model.loss_and_grads(x, rng=np.random.default_rng(1))[0]
    b = model.loss_and_grads(x, rng=np.random.default_rng(1))[0]
    assert a == b


def test_params_are_live_storage():
    model = vc.Autoencoder(seed=0)
    x = np.ones((1, 2))
    before = model.reconstruct(x)
    model.params["dec.b2"][0] += 1.0  # changing an array changes the model
    assert model.reconstruct(x)[0, 0] == pytest.approx(before[0, 0] + 1.0)
    model.params["dec.b2"] = np.zeros(2)  # assigning copies into the live buffer
    assert model.params.flat[-2:].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="shape"):
        model.params["dec.b2"] = np.zeros(3)


def test_vae_shapes_and_sampling():
    vae = vc.VAE(input_dim=3, latent_dim=2, seed=0)
    x = np.zeros((5, 3))
    mu, log_var = vae.encode(x)
    assert mu.shape == log_var.shape == (5, 2)
    assert vae.decode(mu).shape == vae.reconstruct(x).shape == (5, 3)
    assert vae.sample(7, np.random.default_rng(0)).shape == (7, 3)
    bern = vc.VAE(input_dim=3, latent_dim=2, likelihood="bernoulli")
    probs = bern.sample(50, np.random.default_rng(0))
    assert np.all((probs > 0) & (probs < 1))


@pytest.mark.parametrize("kwargs, message", [
    ({"activation": "swish"}, "unknown activation"),
    ({"likelihood": "poisson"}, "likelihood"),
    ({"beta": -1.0}, "beta"),
    ({"latent_dim": 0}, "at least 1"),
])
def test_bad_model_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        vc.VAE(**kwargs)


def test_decoder_output_is_the_mean_or_the_logits():
    z = np.random.default_rng(0).standard_normal((4, 2))
    gauss, bern = vc.VAE(input_dim=3, seed=1), vc.VAE(input_dim=3, likelihood="bernoulli", seed=1)
    np.testing.assert_array_equal(gauss.decode(z), gauss.decoder_output(z))
    np.testing.assert_allclose(bern.decode(z), 1 / (1 + np.exp(-bern.decoder_output(z))), rtol=1e-12)
    x = np.random.default_rng(1).uniform(size=(4, 3))
    np.testing.assert_allclose(bern.neg_log_likelihood(x, z), vc.losses.bernoulli_nll(x, bern.decoder_output(z))[0])


# -- the decoder's variance: fixed σₓ or a learned log σₓ² ------------------------------------------------
@pytest.mark.parametrize("decoder_std", ["learned", 0.3, 2.0])
def test_vae_gradients_with_the_decoder_variance(decoder_std):
    rng = np.random.default_rng(15)
    model = vc.VAE(input_dim=3, latent_dim=2, hidden=(4,), beta=0.7, decoder_std=decoder_std)
    _randomise(model, rng)
    _check(model, rng.standard_normal((5, 3)), rng.standard_normal((5, 2)))
    assert ("dec.log_var" in model.params) == (decoder_std == "learned")


@pytest.mark.parametrize("decoder_std", ["learned", 0.3])
def test_gaussian_recon_term_with_sigma_x(decoder_std):
    rng = np.random.default_rng(16)
    model = vc.VAE(input_dim=3, latent_dim=2, hidden=(5,), decoder_std=decoder_std)
    _randomise(model, rng)
    s2 = model.decoder_std ** 2
    if decoder_std == "learned":
        assert s2 == pytest.approx(np.exp(model.params["dec.log_var"][0]), rel=1e-12)
    else:
        assert model.decoder_std == pytest.approx(0.3, rel=1e-15)
    x, eps = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    mu, log_var = model.encode(x)
    x_hat = model.decode(mu + np.exp(0.5 * log_var) * eps)
    expected = np.sum((x - x_hat) ** 2, axis=1) / (2 * s2) + 1.5 * np.log(2 * np.pi * s2)
    assert model.loss_and_grads(x, noise=eps)[0]["recon"] == pytest.approx(expected.mean(), rel=1e-12)


def test_a_learned_sigma_starts_at_one_and_the_default_is_unchanged():
    learned, fixed = vc.VAE(seed=0, decoder_std="learned"), vc.VAE(seed=0)
    assert learned.decoder_std == fixed.decoder_std == 1.0 and fixed.config()["decoder_std"] == 1.0
    assert learned.config()["decoder_std"] == "learned"
    x, eps = np.random.default_rng(0).standard_normal((6, 2)), np.ones((6, 2))
    assert learned.loss_and_grads(x, noise=eps)[0] == fixed.loss_and_grads(x, noise=eps)[0]


@pytest.mark.parametrize("kwargs", [{"decoder_std": 0.0}, {"decoder_std": -1.0}, {"decoder_std": float("nan")},
                                    {"decoder_std": "fitted"}, {"decoder_std": "learned", "likelihood": "bernoulli"}])
def test_bad_decoder_std_is_refused(kwargs):
    with pytest.raises(ValueError, match="decoder_std"):
        vc.VAE(**kwargs)


def test_sampling_with_and_without_the_decoder_noise():
    vae = vc.VAE(input_dim=2, latent_dim=2, seed=0, decoder_std=0.4)
    means = vae.sample(20_000, np.random.default_rng(1))
    full = vae.sample(20_000, np.random.default_rng(1), noise=True)  # the same z: full − means is the noise
    noise = full - means
    assert noise.std() == pytest.approx(0.4, rel=0.02) and abs(noise.mean()) < 0.01
    bern = vc.VAE(input_dim=3, latent_dim=2, likelihood="bernoulli", seed=0)
    pixels = bern.sample(20_000, np.random.default_rng(2), noise=True)
    assert set(np.unique(pixels)) <= {0.0, 1.0}
    np.testing.assert_allclose(pixels.mean(axis=0), bern.sample(20_000, np.random.default_rng(2)).mean(axis=0),
                               atol=0.02)


# -- guards against posterior collapse: free bits and a KL warm-up ------------------------------------------
def _floor_between_dimensions(model, x, eps):
    """A free-bits floor between the dimensions' mean KLs (well away from each), so that some dimensions sit
    above it and some below: the finite differences then cross no kink."""
    mu, log_var = model.encode(x)
    means = np.sort(vc.losses.kl_per_dimension(mu, log_var).mean(axis=0))
    gaps = np.diff(means)
    i = int(np.argmax(gaps))
    assert gaps[i] > 0.05, "the random dimensions' KLs are too close together for this check"
    return 0.5 * (means[i] + means[i + 1])


@pytest.mark.parametrize("likelihood", ["gaussian", "bernoulli"])
def test_free_bits_gradients_through_the_floor(likelihood):
    rng = np.random.default_rng(21)
    x, eps = rng.uniform(size=(6, 3)), rng.standard_normal((6, 4))
    probe = vc.VAE(input_dim=3, latent_dim=4, hidden=(5,), likelihood=likelihood)
    _randomise(probe, rng)
    floor = _floor_between_dimensions(probe, x, eps)
    model = vc.VAE(input_dim=3, latent_dim=4, hidden=(5,), beta=1.3, likelihood=likelihood, free_bits=floor)
    model.params.flat[...] = probe.params.flat
    terms = _check(model, x, eps)
    mu, log_var = model.encode(x)
    means = vc.losses.kl_per_dimension(mu, log_var).mean(axis=0)
    assert np.any(means < floor) and np.any(means > floor)  # the floor is in use on some dimensions, not all
    # what the loss uses: recon + β Σ_j max(λ, mean_j KL), while "kl" still reports the plain KL
    assert terms["loss"] == pytest.approx(terms["recon"] + 1.3 * np.maximum(floor, means).sum(), rel=1e-12)
    assert terms["kl"] == pytest.approx(means.sum(), rel=1e-12)


def test_free_bits_under_the_floor_give_the_encoder_no_push_to_the_prior():
    """A dimension whose KL sits under the floor gets no gradient from the KL: with a floor above every dimension the
    encoder's gradient is that of the reconstruction alone (the same as β = 0)."""
    rng = np.random.default_rng(22)
    x, eps = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    floored = vc.VAE(input_dim=2, latent_dim=2, hidden=(4,), free_bits=1e6)
    _randomise(floored, rng)
    free = vc.VAE(input_dim=2, latent_dim=2, hidden=(4,), beta=0.0)
    free.params.flat[...] = floored.params.flat
    g_floored, g_free = floored.loss_and_grads(x, eps)[1], free.loss_and_grads(x, eps)[1]
    for name in g_free:
        np.testing.assert_allclose(g_floored[name], g_free[name], rtol=1e-12, err_msg=name)
    assert vc.losses.free_bits(np.full((3, 2), 0.2), 0.5) == (1.0, pytest.approx(np.zeros(2)))


def test_warm_up_schedules_beta_linearly_and_ends_at_beta():
    model = vc.VAE(beta=2.0, warmup_epochs=4)
    assert [model.warmup_beta(t) for t in (1, 2, 3, 4, 5, 40)] == [0.5, 1.0, 1.5, 2.0, 2.0, 2.0]
    assert vc.VAE(beta=2.0).warmup_beta(1) == 2.0
    assert model.kl_weight == 2.0
    model.begin_epoch(1)
    assert model.kl_weight == 0.5
    model.begin_epoch(None)
    assert model.kl_weight == 2.0


@pytest.mark.parametrize("bad, said", [({"free_bits": -0.1}, "free_bits must be a number of nats >= 0, got -0.1"),
                                      ({"free_bits": float("nan")}, "free_bits must be a number of nats >= 0, got nan"),
                                      ({"warmup_epochs": -1}, "warmup_epochs must be a whole number >= 0, got -1"),
                                      ({"warmup_epochs": 2.5}, "warmup_epochs must be a whole number >= 0, got 2.5")])
def test_bad_free_bits_or_warm_up_are_refused(bad, said):
    with pytest.raises(ValueError, match=f"^{re.escape(said)}$"):
        vc.VAE(**bad)


def test_free_bits_and_warm_up_round_trip_through_the_config():
    model = vc.VAE(free_bits=0.25, warmup_epochs=30, seed=3)
    config = model.config()
    assert config["free_bits"] == 0.25 and config["warmup_epochs"] == 30
    rebuilt = vc.models.KINDS[config.pop("kind")](**config)
    assert rebuilt.free_bits == 0.25 and rebuilt.warmup_epochs == 30
