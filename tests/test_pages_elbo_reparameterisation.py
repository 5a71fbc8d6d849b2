"""The ELBO & KL explorer and the reparameterisation page, driven with AppTest; every number they
show is checked against an independent computation here (formula, quadrature or Monte Carlo)."""

import numpy as np
import pytest
import streamlit as st

from app_pages import elbo_gap
from tests.apptest_helpers import app, assert_clean, chart, charts_titled, metrics, settled, texts


@pytest.fixture(scope="module", autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()


def _kl(mu, sigma):
    return 0.5 * (mu**2 + sigma**2 - 1) - np.log(sigma)


def test_kl_tab_closed_form_and_monte_carlo():
    at = app("elbo")
    assert_clean(at)
    m = metrics(at)
    assert float(m["KL(q ‖ p), closed form (1-D)"]) == pytest.approx(_kl(1.0, 0.5), abs=1e-4)
    assert float(m["KL for the 2-D diagonal q"]) == pytest.approx(_kl(1.0, 0.5) + _kl(-0.5, 1.5), abs=1e-4)
    mc = float(m["Monte-Carlo estimate, 10,000 samples"])
    assert abs(mc - _kl(1.0, 0.5)) < 0.05
    at.slider(key="w_kl_mu").set_value(-2.0).run()
    assert float(metrics(at)["KL(q ‖ p), closed form (1-D)"]) == pytest.approx(_kl(-2.0, 0.5), abs=1e-4)
    at.slider(key="w_kl_sigma").set_value(1.0).run()
    assert float(metrics(at)["KL(q ‖ p), closed form (1-D)"]) == pytest.approx(2.0, abs=1e-4)
    assert chart(at, "Monte-Carlo KL")


def _log_marginal_by_quadrature(x):
    z = np.linspace(-12, 12, 200_001)
    model = elbo_gap.MODEL
    mean = z[:, None] * model.W[:, 0] + model.b
    s2 = model.sigma_x**2
    log_joint = (-0.5 * np.sum((x - mean) ** 2, axis=1) / s2 - np.log(2 * np.pi * s2)
                 - 0.5 * z**2 - 0.5 * np.log(2 * np.pi))
    return np.log(np.trapezoid(np.exp(log_joint), z))


def test_gap_tab_identity_and_set_q_to_posterior():
    at = app("elbo", el_tab="The ELBO gap", lg_point="2")
    assert_clean(at)
    m = metrics(at)
    assert float(m["log p(x)"]) == pytest.approx(_log_marginal_by_quadrature(elbo_gap.POINTS[2]), abs=1e-5)
    assert float(m["ELBO(q)"]) < float(m["log p(x)"])
    assert float(m["Gap = KL(q ‖ p(z|x))"]) > 0.01
    assert abs(float(m["ELBO + gap − log p(x)"])) < 1e-9
    at.slider(key="w_lg_mu").set_value(0.5).run()
    assert metrics(at)["ELBO(q)"] != m["ELBO(q)"]
    at.button(key="q_to_posterior").click().run()
    assert_clean(at)
    m = metrics(at)
    assert abs(float(m["Gap = KL(q ‖ p(z|x))"])) < 1e-6
    assert float(m["ELBO(q)"]) == pytest.approx(float(m["log p(x)"]), abs=1e-5)
    at.run()  # and it stays closed on the next rerun
    assert abs(float(metrics(at)["Gap = KL(q ‖ p(z|x))"])) < 1e-6


@pytest.mark.slow
def test_beta_vae_tab_rate_distortion_and_bounds():
    at = app("elbo", el_tab="β-VAE")
    assert_clean(at)
    assert chart(at, "β = 1: reconstructions")  # the current model at once; the sweep and β = 4 fill in
    settled(at)
    m = metrics(at)
    rate = float(m["Rate: KL(q(z|x) ‖ p(z))"].split()[0])
    elbo, iwae, exact = (float(m[name].split(" ± ")[0]) for name in ("ELBO", "IWAE, k = 100", "exact log p(x)"))
    assert elbo <= iwae + 0.01 and iwae <= exact + 0.01
    assert -(rate + float(m["Distortion: E_q[−log p(x|z)]"].split()[0])) == pytest.approx(elbo, abs=0.1)
    for title in ("Rate–distortion", "KL per latent dimension", "Exact p(z|x)", "Aggregate posterior"):
        assert chart(at, title)
    kl_dims = chart(at, "KL per latent dimension")["fingerprint"]
    side = {b: chart(at, f"β = {b:g}: reconstructions")["fingerprint"] for b in (1.0, 4.0)}  # β and "compare with"
    at.select_slider(key="w_vb_beta").set_value(4.0).run()
    assert_clean(at)
    settled(at)
    assert float(metrics(at)["Rate: KL(q(z|x) ‖ p(z))"].split()[0]) < rate
    assert chart(at, "KL per latent dimension")["fingerprint"] != kl_dims
    assert charts_titled(at, "β = 4: reconstructions") == [side[4.0]] * 2  # both sides now show β = 4


def test_hidden_beta_tab():
    at = app("elbo", el_tab="Hidden β")
    assert_clean(at)
    assert metrics(at)["Effective β of a loss written with β = 1 (D = 2)"] == "1"
    at.selectbox(key="w_ls_reduction").set_value("mean").run()
    assert metrics(at)["Effective β of a loss written with β = 1 (D = 2)"] == "2"
    at.slider(key="w_ls_sigma_x").set_value(0.5).run()
    assert metrics(at)["Effective β of a loss written with β = 1 (D = 2)"] == "0.5"


def test_reparameterisation_page_moves_the_same_eps():
    at = app("reparameterisation")
    assert_clean(at)
    before = chart(at, "ε (grey)")
    at.slider(key="w_rp_mu1").set_value(2.0).run()
    assert_clean(at)
    after = chart(at, "ε (grey)")
    assert after["fingerprint"] != before["fingerprint"]
    table = at.table[0].value
    np.testing.assert_allclose(table["∂z/∂μ formula"], table["∂z/∂μ finite diff."], atol=1e-8)
    np.testing.assert_allclose(table["∂z/∂σ formula"], table["∂z/∂σ finite diff."], atol=1e-8)


def test_reparameterisation_estimators_agree_with_the_exact_gradient():
    at = app("reparameterisation", rp_n="10000", rp_f="sin", rp_mu1="0.4", rp_s1="0.7")
    assert_clean(at)
    table = at.table[1].value.set_index("estimator")
    exact = (np.cos(0.4) * np.exp(-0.245), -0.7 * np.sin(0.4) * np.exp(-0.245))
    assert table.loc["exact", "∂/∂μ"] == pytest.approx(exact[0], abs=1e-4)
    for name in ("reparameterisation", "score function", "score function + baseline"):
        assert abs(table.loc[name, "∂/∂μ"] - exact[0]) < 4 * table.loc[name, "s.e. ∂/∂μ"]
        assert abs(table.loc[name, "∂/∂σ"] - exact[1]) < 4 * table.loc[name, "s.e. ∂/∂σ"]
    assert table.loc["reparameterisation", "s.e. ∂/∂μ"] < table.loc["score function", "s.e. ∂/∂μ"]


def test_naive_sampling_toggle_and_step_function_warning():
    at = app("reparameterisation")
    at.toggle(key="w_rp_naive").set_value(True).run()
    assert_clean(at)
    assert any("no gradient reaches them" in e for e in texts(at, "error"))
    at.selectbox(key="w_rp_f").set_value("step").run()
    assert any("biased" in w for w in texts(at, "warning"))
