"""Many viewers at once (marked ``load``: not in the default run; select with ``pytest -m load``).

Drives 20 concurrent sessions against one server (all Chromium tabs, or 2 tabs and 18 protocol sessions);
see benchmarks/load_test.py for the table.
"""

from pathlib import Path

import pytest

pytestmark = pytest.mark.load


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's /usr/bin/chromium")
def test_twenty_sessions_render_stay_isolated_and_memory_is_bounded():
    load_test = pytest.importorskip("benchmarks.load_test")
    r = load_test.run(sessions=20, moves=3)
    assert r.errors == []
    # the browsers' CPU over the moves was read while every tab was still open (closed tabs take theirs along)
    assert r.moves_to[1] > r.moves_from[1]
    assert r.isolated, (r.values, r.expected)
    assert r.peak_mb <= 1536
    assert r.after_mb <= r.baseline_mb + 150  # the run cache is bounded; sessions expire
    assert len(r.latencies) == 20 * 3


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's /usr/bin/chromium")
def test_twenty_sessions_two_of_them_browsers_all_move_and_stay_isolated():
    load_test = pytest.importorskip("benchmarks.load_test")
    r = load_test.run(sessions=20, moves=3, browsers=2)
    assert r.errors == []
    assert r.isolated, (r.values, r.expected)
    assert len(r.latencies) == 2 * 3 and len(r.protocol_latencies) == 18 * 3
    assert r.peak_mb <= 1536


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's /usr/bin/chromium")
@pytest.mark.parametrize("page", ["denoising", "autoencoder", "beta-vae", "kl", "reparameterisation"])
def test_twenty_sessions_on_the_other_pages(page):
    """σ on the denoising page, d on the autoencoder page, β in the ELBO page's β-VAE section: each new value
    is a training (or a prefetched one). μ in the KL section and μ₁ on the reparameterisation page: redrawn."""
    load_test = pytest.importorskip("benchmarks.load_test")
    r = load_test.run(sessions=20, moves=3, browsers=2, scenario=load_test.SCENARIOS[page])
    assert r.errors == []
    assert r.isolated, (r.values, r.expected)
    assert len(r.latencies) == 2 * 3 and len(r.protocol_latencies) == 18 * 3
    assert r.peak_mb <= 1536
