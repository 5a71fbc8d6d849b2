"""Properties over many random inputs (hypothesis): the KL is never negative, the stable losses
agree with the naive formulas, and every control's URL form parses back to the same value."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vae_core import losses
from vae_ui import settings as app_settings

finite = st.floats(min_value=-20, max_value=20, allow_nan=False)


@given(st.lists(st.tuples(finite, st.floats(min_value=-10, max_value=10)), min_size=1, max_size=8))
def test_kl_is_never_negative_and_zero_only_at_the_prior(pairs):
    mu = np.array([[p[0] for p in pairs]])
    log_var = np.array([[p[1] for p in pairs]])
    kl = losses.kl_standard_normal(mu, log_var)[0][0]
    assert kl >= -1e-12
    if np.allclose(mu, 0) and np.allclose(log_var, 0):
        assert abs(kl) < 1e-12


@given(st.floats(min_value=0, max_value=1), st.floats(min_value=-30, max_value=30))
def test_bernoulli_nll_matches_the_naive_formula(x, logit):
    p = 1 / (1 + np.exp(-logit))
    # the naive formula is itself accurate only while 1 - p keeps its digits (|logit| < 15)
    naive = -(x * np.log(p) + (1 - x) * np.log1p(-p)) if abs(logit) < 15 else None
    nll = losses.bernoulli_nll(np.array([[x]]), np.array([[logit]]))[0][0]
    assert nll >= -1e-12
    if naive is not None:
        assert abs(nll - naive) < 1e-8 * max(1.0, abs(naive))


@settings(max_examples=300)
@given(st.data())
def test_every_control_value_survives_the_url(data):
    control = data.draw(st.sampled_from(list(app_settings.REGISTRY.values())))
    if control.options and control.kind == "multiselect":
        value = tuple(data.draw(st.lists(st.sampled_from(control.options), min_size=1, max_size=4, unique=True)))
    elif control.options:
        value = data.draw(st.sampled_from(control.options))
    elif control.kind == "toggle":
        value = data.draw(st.booleans())
    elif isinstance(control.default, int):
        value = data.draw(st.integers(min_value=int(control.lo), max_value=int(control.hi)))
    else:
        value = round(data.draw(st.floats(min_value=control.lo, max_value=control.hi)), 4)
    parsed = control.parse(control.encode(value))
    assert parsed == value or abs(parsed - value) <= 1e-5 * max(1.0, abs(value))
