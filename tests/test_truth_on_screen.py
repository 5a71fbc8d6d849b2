"""What the pages showed that misled (issue 19 §0), each checked against the computation it claims."""

import pytest

from app_pages import elbo_beta
from tests.apptest_helpers import app, assert_clean, chart, metrics, settled, texts
from vae_ui import configs, runs, settings
from vae_ui.data import generated

STORE = runs.RunStore(32)


def worked_data():
    return generated("three_clusters", 0)


def beta_vae(beta: float, latent: int = 2, seed: int = 0) -> runs.Run:
    data = generated("three_clusters", seed)
    values = {key: c.default for key, c in settings.REGISTRY.items()} | {"vb_beta": beta, "vb_latent": latent,
                                                                          "seed": seed}
    return STORE.train(configs.beta_vae(values, data.spec), data.X)


@pytest.mark.parametrize("seed", [0, 3])
def test_the_bounds_are_shown_with_two_standard_errors_and_what_holds_exactly_holds(seed):
    """ELBO ≤ IWAE_k ≤ log p(x) holds for the expectations; each estimate (the mean of independent repeats) comes
    with ± 2 s.e., and the intervals never contradict it: no estimate's interval lies wholly above log p(x), and
    IWAE_1 (equal to the ELBO in expectation) overlaps the ELBO's interval."""
    run, data = beta_vae(1.0, seed=seed), generated("three_clusters", seed)
    for k in (1, 5, 100):
        found = elbo_beta.bounds(run, data, k)
        exact, none = found["exact log p(x)"]
        assert none == 0.0
        (elbo, e_elbo), (iwae, e_iwae) = found["ELBO"], found[f"IWAE, k = {k}"]
        assert e_elbo > 0 and e_iwae > 0
        assert elbo - e_elbo <= exact and iwae - e_iwae <= exact
        if k == 1:
            assert abs(elbo - iwae) <= e_elbo + e_iwae + 1e-3
        else:
            assert iwae + e_iwae >= elbo - e_elbo  # never shown below the ELBO by more than the errors


def test_the_page_prints_each_estimate_with_its_error_and_says_what_holds_in_expectation():
    at = settled(app("elbo", el_tab="β-VAE", vb_k="5"))
    assert_clean(at)
    m = metrics(at)
    assert "±" in m["ELBO"] and "±" in m["IWAE, k = 5"] and "±" not in m["exact log p(x)"]
    assert any("holds for the expectations" in t for t in texts(at, "caption"))


def test_the_posterior_picture_holds_the_posterior_at_small_beta():
    run, data = beta_vae(0.1), worked_data()
    for point in range(5):
        grid, density, *_, held = elbo_beta.posterior(run, data, point)
        assert held >= elbo_beta.WINDOW_MASS


def test_active_units_have_one_definition_on_home_and_the_beta_vae_tab():
    home = settled(app("home", h_beta="2", h_latent="8"))
    tab = settled(app("elbo", el_tab="β-VAE", vb_beta="2", vb_latent="8"))
    assert_clean(home)
    assert_clean(tab)
    assert metrics(home)["Active units"] == metrics(tab)["Active units"]
    assert "Collapsed dimensions" not in metrics(tab)


def test_the_hidden_beta_tab_on_the_digits_speaks_of_a_bernoulli_decoder_not_a_sigma():
    at = app("elbo", el_tab="Hidden β", dataset="digits")
    assert_clean(at)
    assert not [s for s in at.slider if s.key == "w_ls_sigma_x"]  # no σₓ to set: the decoder has none
    shown = " ".join(texts(at, "markdown"))
    assert "Bernoulli" in shown and "σₓ = 1" not in shown
    assert metrics(at)["Effective β of a loss written with β = 1 (D = 64)"] == "1"
    at.selectbox(key="w_ls_reduction").set_value("mean").run()
    assert metrics(at)["Effective β of a loss written with β = 1 (D = 64)"] == "64"


def test_the_denoising_field_says_how_many_arrows_end_near_the_data():
    at = app("denoising", dae_latent="1")
    assert_clean(at)
    said = " ".join(t for t in texts(at, "caption") if "arrow" in t)
    assert "of the ends land within 0.3 of a data point" in said.replace("\\", "")


def test_rate_distortion_axes_say_their_units():
    at = settled(app("elbo", el_tab="β-VAE"))
    text = str(chart(at, "Rate–distortion")["spec"])
    assert "rate: KL (nats per example)" in text and "distortion: −log p(x|z) (nats per example)" in text
    assert any("summed over the d latent dimensions" in t and "over the D" in t for t in texts(at, "caption"))


def test_a_flat_estimator_says_so_instead_of_an_empty_chart():
    at = app("reparameterisation", rp_f="step", rp_mu1="-2", rp_s1="0.3")
    assert_clean(at)
    assert any("no variance to draw" in t for t in texts(at, "info"))
