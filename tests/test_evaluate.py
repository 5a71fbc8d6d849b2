"""ELBO ≤ IWAE_k ≤ exact log p(x), and the quadrature against a closed form."""

import numpy as np
import pytest

import vae_core as vc
from vae_core import evaluate
from vae_core.evaluate import active_units, kl_by_dimension
from vae_core.theory import LinearGaussianModel


@pytest.fixture(scope="module")
def trained():
    X, y = vc.data.three_clusters(n=600, seed=0)
    vae = vc.VAE(input_dim=2, latent_dim=2, hidden=(64, 64), seed=0)
    vc.fit(vae, X, epochs=150, batch_size=64, lr=3e-3, seed=0)
    return vae, X[:200]


def _repeat(estimate, reps):
    """Mean and standard error per example of ``reps`` independent estimates: (n,), (n,)."""
    runs = np.stack([estimate() for _ in range(reps)])
    return runs.mean(axis=0), runs.std(axis=0) / np.sqrt(reps)


def test_elbo_below_iwae_below_exact(trained):
    vae, x = trained
    rng = np.random.default_rng(0)
    exact = vae.log_likelihood_exact(x)
    elbo, elbo_se = _repeat(lambda: vae.elbo(x, n_samples=1, rng=rng), 400)
    assert np.all(elbo <= exact + 4 * elbo_se)  # per example, within Monte-Carlo error
    iwae = {k: _repeat(lambda k=k: vae.log_likelihood_iwae(x, k=k, rng=rng), 40) for k in (1, 5, 50)}
    means = [iwae[k][0].mean() for k in (1, 5, 50)]
    assert means == sorted(means), means  # IWAE rises with k ...
    assert elbo.mean() < means[1]
    mean_se = iwae[50][1].mean() / np.sqrt(len(x))
    assert means[-1] <= exact.mean() + 4 * mean_se  # ... stays below log p(x) ...
    assert exact.mean() - means[-1] < 0.5 * (exact.mean() - elbo.mean())  # ... and closes the gap
    assert np.all(iwae[50][0] <= exact + 4 * iwae[50][1] + 1e-3)


def test_iwae_with_one_sample_is_an_unbiased_elbo_estimate(trained):
    vae, x = trained
    rng = np.random.default_rng(1)
    one = np.stack([vae.log_likelihood_iwae(x[:20], k=1, rng=rng) for _ in range(2000)])  # (2000, 20)
    elbo = vae.elbo(x[:20], n_samples=20_000, rng=rng)
    se = one.std(axis=0) / np.sqrt(len(one))
    assert np.all(np.abs(one.mean(axis=0) - elbo) < 4 * se + 0.01)


def _linear_vae(latent_dim, scale, seed, decoder_std=1.0):
    rng = np.random.default_rng(seed)
    vae = vc.VAE(input_dim=3, latent_dim=latent_dim, hidden=(), seed=seed, decoder_std=decoder_std)
    vae.params["dec.W0"] = scale * rng.standard_normal((latent_dim, 3))
    vae.params["dec.b0"] = rng.standard_normal(3)
    if decoder_std == "learned":
        vae.params["dec.log_var"] = [np.log(0.45**2)]
    truth = LinearGaussianModel(W=vae.params["dec.W0"].T.copy(), b=vae.params["dec.b0"].copy(),
                                sigma_x=vae.decoder_std)
    return vae, truth


@pytest.mark.parametrize("latent_dim", [1, 2])
@pytest.mark.parametrize("scale", [0.5, 3.0, 60.0, 1e4])  # posterior std from ~1 down to ~3e-5
def test_quadrature_matches_linear_gaussian_closed_form(latent_dim, scale):
    vae, truth = _linear_vae(latent_dim, scale, seed=latent_dim)
    x = truth.sample(20, np.random.default_rng(5))
    exact = np.array([truth.log_marginal(row) for row in x])
    np.testing.assert_allclose(vae.log_likelihood_exact(x), exact, atol=1e-7, rtol=0)


@pytest.mark.parametrize("decoder_std", [0.2, 3.0, "learned"])
@pytest.mark.parametrize("latent_dim", [1, 2])
def test_quadrature_and_bounds_honour_the_decoder_variance(latent_dim, decoder_std):
    """log p(x) = log N(x; b, WWᵀ + σₓ²I) in closed form; the ELBO of q(z|x) against the closed-form ELBO of the same
    Gaussian q; IWAE_k between them. The encoder is set to the exact posterior's mean and its diagonal variance
    (exact for d = 1), so IWAE_1000 lands on log p(x)."""
    vae, truth = _linear_vae(latent_dim, 1.5, seed=7, decoder_std=decoder_std)
    _, S = truth.posterior(np.zeros(3))
    A = S @ truth.W.T / truth.sigma_x**2  # m = A (x − b)
    vae.params["enc.W0"] = np.concatenate([A.T, np.zeros((3, latent_dim))], axis=1)
    vae.params["enc.b0"] = np.concatenate([-A @ truth.b, np.log(np.diag(S))])
    x = truth.sample(10, np.random.default_rng(6))
    exact = np.array([truth.log_marginal(row) for row in x])
    np.testing.assert_allclose(vae.log_likelihood_exact(x), exact, atol=1e-7, rtol=0)
    mu, log_var = vae.encode(x)
    closed = np.array([truth.elbo(x[i], mu[i], np.diag(np.exp(log_var[i]))) for i in range(len(x))])
    elbo = vae.elbo(x, n_samples=20_000, rng=np.random.default_rng(8))
    np.testing.assert_allclose(elbo, closed, atol=0.05 * max(1.0, 1 / vae.decoder_std**2))
    iwae = vae.log_likelihood_iwae(x, k=1000, rng=np.random.default_rng(9))
    np.testing.assert_allclose(iwae, exact, atol=1e-9 if latent_dim == 1 else 0.02)
    assert np.all(closed <= exact + 1e-9)


def test_quadrature_works_for_bernoulli_decoders():
    vae = vc.VAE(input_dim=4, latent_dim=1, hidden=(8,), likelihood="bernoulli", seed=2)
    x = np.array([[1.0, 0.0, 1.0, 1.0]])
    # brute force: a fine Riemann sum over z in [-8, 8]
    z = np.linspace(-8, 8, 200_001)[:, None]
    log_joint = -vae.neg_log_likelihood(np.repeat(x, len(z), 0), z) - 0.5 * z[:, 0] ** 2 - 0.5 * np.log(2 * np.pi)
    brute = np.log(np.sum(np.exp(log_joint)) * (z[1, 0] - z[0, 0]))
    assert vae.log_likelihood_exact(x)[0] == pytest.approx(brute, abs=1e-8)


def test_quadrature_refuses_more_than_two_latent_dimensions():
    with pytest.raises(ValueError, match="latent_dim <= 2"):
        vc.VAE(latent_dim=3).log_likelihood_exact(np.zeros((1, 2)))


def test_kl_by_dimension_and_active_units(trained):
    vae, x = trained
    kl = kl_by_dimension(vae, x)
    mu, log_var = vae.encode(x)
    assert kl.shape == (2,)
    assert kl.sum() == pytest.approx(vc.losses.kl_standard_normal(mu, log_var)[0].mean())
    count, activity = active_units(vae, x)
    assert count == int(np.sum(mu.var(axis=0) > 0.01)) and activity.shape == (2,)


def test_a_collapsed_dimension_has_zero_kl():
    vae = vc.VAE(input_dim=2, latent_dim=2, hidden=(), seed=0)
    # the encoder ignores x in dimension 1 and outputs the prior there: mu = 0, log_var = 0
    vae.params["enc.W0"][:, [1, 3]] = 0.0
    vae.params["enc.b0"][[1, 3]] = 0.0
    x = np.random.default_rng(0).standard_normal((50, 2))
    kl = kl_by_dimension(vae, x)
    assert kl[1] == 0.0 and kl[0] > 0
    assert active_units(vae, x)[0] == 1


def _linear_vae_2d(seed=0):
    rng = np.random.default_rng(seed)
    vae = vc.VAE(input_dim=2, latent_dim=2, hidden=(), seed=seed)
    vae.params["dec.W0"] = 2 * rng.standard_normal((2, 2))
    vae.params["dec.b0"] = rng.standard_normal(2)
    return vae, LinearGaussianModel(W=vae.params["dec.W0"].T.copy(), b=vae.params["dec.b0"].copy())


def test_posterior_on_grid_matches_the_exact_posterior():
    vae, truth = _linear_vae_2d()
    x = np.array([0.5, -1.0])
    m, S = truth.posterior(x)
    half = 6 * np.sqrt(np.diag(S))
    grid, density = evaluate.posterior_on_grid(vae, x, m - half, m + half, m=161)
    cell = np.prod(2 * half / 160)
    w = density * cell
    assert w.sum() == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(w @ grid, m, atol=1e-6)
    centred = grid - m
    np.testing.assert_allclose((w[:, None, None] * centred[:, :, None] * centred[:, None, :]).sum(0), S, atol=1e-6)


@pytest.mark.slow  # seconds of training and fitting: the slow tier (CI runs it)
def test_aggregate_posterior_is_a_density_and_holes_are_where_it_is_thin():
    X, _ = vc.data.three_clusters(n=300, seed=0)
    vae = vc.VAE(seed=0, beta=0.05)  # a small β: the clusters' codes stay apart, with holes between them
    vc.fit(vae, X, epochs=200, lr=3e-3, seed=0)
    g = np.linspace(-7, 7, 281)
    Z = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    q = evaluate.aggregate_posterior_density(vae, X, Z)
    assert q.sum() * (g[1] - g[0]) ** 2 == pytest.approx(1.0, abs=1e-3)
    holes, decoded = evaluate.prior_holes(vae, X, 10, np.random.default_rng(0))
    assert 0 < len(holes) <= 10 and decoded.shape == (len(holes), 2)
    prior = lambda z: np.exp(-0.5 * (z**2).sum(1)) / (2 * np.pi)  # noqa: E731
    ratio = evaluate.aggregate_posterior_density(vae, X, holes) / prior(holes)
    assert np.all(ratio < evaluate.HOLE_RATIO)  # each one a real hole: the codes far rarer than the prior there
    bulk = np.quantile((np.random.default_rng(2).standard_normal((200_000, 2)) ** 2).sum(1), evaluate.PRIOR_BULK)
    assert np.all((holes**2).sum(1) <= bulk * 1.05)  # inside the prior's bulk, not its far tail


def test_a_posterior_that_matches_the_prior_has_no_holes():
    """q(z|x) = N(0, I) for every x (an encoder whose last layer is zero): the aggregate posterior is the prior, and
    there is no hole to mark (the old rule marked the 15 draws of smallest ratio, 0.995, as holes)."""
    X, _ = vc.data.three_clusters(n=300, seed=0)
    vae = vc.VAE(seed=0)
    vae.params[f"enc.W{len(vae.hidden)}"][...] = 0.0
    vae.params[f"enc.b{len(vae.hidden)}"][...] = 0.0
    holes, decoded = evaluate.prior_holes(vae, X, 15, np.random.default_rng(0))
    assert holes.shape == (0, 2) and decoded.shape == (0, 2)


def test_the_posterior_window_holds_the_posterior_wherever_q_is():
    """The window is found from the posterior itself: with q put far from it (a shifted encoder), a window around q
    would hold almost none of it; this one holds at least 99.9 %, checked on a fine grid over a wide box."""
    vae, truth = _linear_vae_2d()
    x = np.array([0.5, -1.0])
    vae.params[f"enc.b{len(vae.hidden)}"][:2] += 3.0  # q's mean moved 3 units away from the posterior's
    lo, hi, held = evaluate.posterior_window(vae, x, 0.999)
    assert held >= 0.999
    grid, density = evaluate.posterior_on_grid(vae, x, [-10, -10], [10, 10], m=401)
    cell = (20 / 400) ** 2
    inside = np.all((grid >= lo) & (grid <= hi), axis=1)
    assert density[inside].sum() * cell >= 0.999
    m, _ = truth.posterior(x)
    assert np.all((lo < m) & (m < hi))


@pytest.mark.parametrize("latent_dim", [1, 2])
def test_elbo_by_quadrature_matches_the_closed_form(latent_dim):
    vae, truth = _linear_vae(latent_dim, 1.5, seed=11, decoder_std=0.6)
    rng = np.random.default_rng(12)
    x = truth.sample(6, rng)
    mu, log_var = rng.standard_normal((6, latent_dim)), rng.normal(-1.0, 0.5, (6, latent_dim))
    closed = [truth.elbo(x[i], mu[i], np.diag(np.exp(log_var[i]))) for i in range(6)]
    np.testing.assert_allclose(vc.amortisation.elbo_by_quadrature(vae, x, mu, log_var), closed, atol=1e-9)


def test_the_amortisation_split_against_the_linear_gaussian_truth():
    """With d = 1 the exact posterior of a linear-Gaussian model is a Gaussian: the best q* reaches it (approximation
    gap 0) and the amortisation gap is the encoder's KL(q ‖ p(z|x)) in closed form."""
    vae, truth = _linear_vae(1, 1.5, seed=13, decoder_std=0.8)
    _, S = truth.posterior(np.zeros(3))
    A = S @ truth.W.T / truth.sigma_x**2  # the exact posterior mean is A (x − b): the encoder is set beside it
    vae.params["enc.W0"] = np.concatenate([1.3 * A.T, np.zeros((3, 1))], axis=1)
    vae.params["enc.b0"] = np.concatenate([-A @ truth.b + 0.5, np.log(np.diag(S)) + 1.0])
    x = truth.sample(8, np.random.default_rng(14))
    split = vc.amortisation.amortisation_split(vae, x, np.random.default_rng(15))
    mu, log_var = vae.encode(x)
    kl_enc = np.array([truth.gap(x[i], mu[i], np.diag(np.exp(log_var[i]))) for i in range(8)])
    assert np.all(kl_enc > 0.1)  # the random encoder is far from the posterior
    np.testing.assert_allclose(split["approximation"], 0.0, atol=5e-3)
    np.testing.assert_allclose(split["amortisation"], kl_enc, atol=5e-3)
    np.testing.assert_allclose(split["approximation"] + split["amortisation"],
                               split["log p(x)"] - split["ELBO(encoder)"], atol=1e-12)


@pytest.mark.slow  # seconds of training and fitting: the slow tier (CI runs it)
def test_the_amortisation_split_of_a_trained_vae_adds_up_and_is_never_negative():
    X, _ = vc.data.three_clusters(300, seed=0)
    vae = vc.VAE(seed=0, decoder_std="learned")
    vc.fit(vae, X, epochs=60, lr=3e-3, seed=0)
    split = vc.amortisation.amortisation_split(vae, X[:30], np.random.default_rng(0))
    assert np.all(split["approximation"] > -1e-6) and np.all(split["amortisation"] >= 0)
    np.testing.assert_allclose(split["approximation"] + split["amortisation"],
                               split["log p(x)"] - vae.elbo(X[:30], n_samples=20_000, rng=np.random.default_rng(1)),
                               atol=0.05)


@pytest.mark.slow  # seconds of training and fitting: the slow tier (CI runs it)
def test_a_linear_autoencoder_finds_pcas_subspace_and_a_nonlinear_one_on_curved_data_does_not():
    """Baldi & Hornik (1989): a linear autoencoder's decoder spans the data's principal subspace. The same check on
    a tanh autoencoder of the moons (a curve) finds its decoder's direction far from PCA's somewhere along the codes."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 5)) * [3, 2, 0.5, 0.3, 0.2] @ np.linalg.qr(rng.standard_normal((5, 5)))[0]
    linear = vc.Autoencoder(input_dim=5, latent_dim=2, hidden=(16,), activation="linear", seed=0)
    vc.fit(linear, X, epochs=300, lr=3e-3, seed=0)
    pca = vc.evaluate.principal_subspace(X, 2)
    assert vc.evaluate.subspace_angle(vc.evaluate.decoder_subspace(linear, linear.encode(X)[0]), pca) < 1.0
    assert vc.evaluate.subspace_angle(pca, vc.evaluate.principal_subspace(X, 3)[:, [1, 0]]) < 1e-6  # same span
    moons, _ = vc.data.two_moons(600, 0)
    pca = vc.evaluate.principal_subspace(moons, 1)
    for activation, check in (("linear", lambda a: max(a) < 3.0), ("tanh", lambda a: max(a) > 20.0)):
        ae = vc.Autoencoder(input_dim=2, latent_dim=1, hidden=(64, 64), activation=activation, seed=0)
        vc.fit(ae, moons, epochs=600, lr=3e-3, seed=0)  # converged: at 300 the linear one was 2.5-3.2° off by machine
        codes = np.quantile(ae.encode(moons), [0.1, 0.5, 0.9], axis=0)
        angles = [vc.evaluate.subspace_angle(vc.evaluate.decoder_subspace(ae, z), pca) for z in codes]
        assert check(angles), (activation, angles)


def test_the_rate_split_is_the_same_in_blocks_and_its_memory_does_not_grow_with_rows_squared(monkeypatch):
    """rate_split evaluates q(z)'s density a block of draws at a time: the same numbers as all at once (an upload of
    16,000 rows needed 15 GiB at once), and 2,000 rows stay under 100 MB."""
    import tracemalloc

    X = np.random.default_rng(0).standard_normal((300, 2))
    vae = vc.VAE(input_dim=2, latent_dim=2, seed=0)
    whole = vc.evaluate.rate_split(vae, X, np.random.default_rng(1))
    monkeypatch.setattr(vc.evaluate, "RATE_BLOCK", 7)
    assert vc.evaluate.rate_split(vae, X, np.random.default_rng(1)) == pytest.approx(whole, rel=1e-12)
    monkeypatch.undo()
    big = np.random.default_rng(0).standard_normal((2000, 2))
    tracemalloc.start()
    vc.evaluate.rate_split(vae, big, np.random.default_rng(1))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 100 * 2**20, peak
