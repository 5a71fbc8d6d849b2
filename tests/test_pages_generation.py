"""The figures every VAE lecture shows (issue 20), driven through AppTest: an autoencoder against a VAE as
generators, the decoded latent manifold, MNIST, and the β-VAE's KL warm-up and free bits."""

import numpy as np
import pytest

from tests.apptest_helpers import app, assert_clean, chart, chart_rows, charts_titled, metrics, settled, texts

GENERATION = ("Autoencoder codes", "VAE codes", "autoencoder: g(z)", "VAE: g(z)")


def test_the_autoencoder_page_sets_an_autoencoder_against_a_vae_as_generators():
    at = app("autoencoder")
    assert_clean(at)
    for title in GENERATION:
        assert chart(at, title)
    found = metrics(at)
    ae = float(found["Mean log p_data of the autoencoder's samples"].split()[0])
    vae = float(found["Mean log p_data of the VAE's samples"].split()[0])
    data = float(next(t for t in texts(at, "caption") if "test points themselves" in t).split("score ")[1].split()[0])
    # what the page says: the autoencoder's samples fall off the data, the VAE's land on it (nearly as likely as data)
    assert ae < vae - 2.0 and abs(vae - data) < 0.5, (ae, vae, data)
    # the path follows its ends: another end point moves both paths, in z and in x, and nothing else
    before = {title: charts_titled(at, title) for title in GENERATION}
    at.slider(key="w_ae_to").set_value(7).run()
    assert_clean(at)
    for title in GENERATION:
        assert charts_titled(at, title) != before[title], title
    assert metrics(at)["Mean log p_data of the VAE's samples"] == found["Mean log p_data of the VAE's samples"]


@pytest.mark.slow
def test_on_the_digits_the_generators_show_samples_and_the_path_as_images():
    at = app("autoencoder", dataset="digits", ae_epochs="50")
    assert_clean(at)
    assert chart(at, "Autoencoder codes") and chart(at, "VAE codes")
    assert not charts_titled(at, "autoencoder: g(z)")  # images, not scatters
    assert len([c for c in texts(at, "caption") if "along the line from test point 0 to test point 1" in c]) == 2


def test_the_worked_example_on_the_digits_decodes_its_latent_manifold():
    at = app("home", dataset="digits", h_epochs="50")
    assert_clean(at)
    nodes = [d for d in chart_rows(at, "the grid's z") if d and set(d[0]) == {"z1", "z2"} and len(d) == 81]
    assert nodes, "the 9 × 9 grid's nodes are drawn over the codes"
    z1 = sorted({round(p["z1"], 9) for p in nodes[0]})
    assert len(z1) == 9 and abs(z1[4]) < 1e-9 and abs(z1[-1] - 1.59321882) < 1e-6  # Φ⁻¹(8.5/9) = 1.5932...
    assert len(at.image) == 3  # reconstructions, prior samples, and the mosaic
    at.slider(key="w_h_latent").set_value(3).run()
    assert_clean(at)
    assert not charts_titled(at, "the grid's z") and len(at.image) == 2  # d = 3: no mosaic


@pytest.mark.slow
def test_mnist_trains_its_capped_epochs_on_every_page_that_can():
    at = app("home", dataset="mnist")
    assert_clean(at)
    caption = next(t for t in texts(at, "caption") if "Showing epoch" in t)
    assert "of 30" in caption and "Bernoulli decoder" in caption and "109,972 parameters" in caption
    assert float(metrics(at)["Test ELBO"]) > -175.0  # 30 epochs: about -160 nats (benchmarks/mnist.py)
    epochs = at.select_slider(key="w_h_epochs")
    assert epochs.disabled and "30" in epochs.label
    assert chart(at, "the grid's z")
    beta = app("elbo", dataset="mnist", el_tab="β-VAE")
    assert_clean(beta)
    assert any("minutes" in t for t in texts(beta, "info"))


@pytest.mark.slow
def test_free_bits_keep_the_beta_vae_sweeps_units_active_and_show_both_sweeps():
    at = settled(settled(app("elbo", el_tab="β-VAE", vb_free_bits="1", vb_beta="10")))
    assert_clean(at)
    assert metrics(at)["Active units"] == "2 / 2"  # β = 10: the plain β-VAE keeps none (tests/test_train.py)
    sets = [d for d in chart_rows(at, "with the guards") if d and "active" in d[0] and len(d) == 5]
    assert len(sets) == 2, "the sweep with free bits (dots) and without (rings)"
    at_ten = [{round(p["β"], 6): p["active"] for p in s}[10.0] for s in sets]
    assert sorted(at_ten) == [0, 2]  # at β = 10 the sweep with free bits keeps both units, the one without none
    assert any("free bits λ = 0.5 nats" in m.value for m in at.markdown)
    assert np.isfinite(float(metrics(at)["Rate: KL(q(z|x) ‖ p(z))"].split()[0]))


@pytest.mark.slow
def test_the_warm_up_toggle_trains_the_section_with_beta_rising_over_a_third_of_the_epochs():
    at = app("elbo", el_tab="β-VAE", vb_warmup="1")
    assert_clean(at)
    assert any("KL warm-up over 100 epochs" in t for t in texts(at, "caption"))  # 300 epochs: W = 100
    assert any("Trained with KL warm-up over 100 epochs" in m.value and "collapse is the optimum" in m.value
               for m in at.markdown)
    at.toggle(key="w_vb_warmup").set_value(False).run()
    assert_clean(at)
    assert not any("warm-up over" in t for t in texts(at, "caption"))
