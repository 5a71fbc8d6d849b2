"""The source expanders show the core's docstrings without raw LaTeX (vae_ui.page.mathtext)."""

import inspect
import re

import pytest

import vae_core as vc
from vae_ui.page import mathtext, text


@pytest.mark.parametrize("tex, shown", [
    (r"\tfrac12 \lVert x - \hat x\rVert^2 + \tfrac D2 \log 2\pi", "½‖x − x̂‖² + D/2 log 2π"),
    (r"\mathrm{KL}(q \,\|\, p) = -\tfrac12 \sum_j \big(1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2\big)",
     "KL(q ‖ p) = −½ Σⱼ(1 + log σⱼ² − μⱼ² − σⱼ²)"),
    (r"z = \mu + \sigma \odot \varepsilon", "z = μ + σ ⊙ ε"),
    (r"\frac{\partial L}{\partial \mu} = \frac{\partial L}{\partial z}", "∂L/∂μ = ∂L/∂z"),
    (r"S = (I + W^\top W/\sigma_x^2)^{-1}", "S = (I + Wᵀ W/σₓ²)⁻¹"),
    (r"\varepsilon \sim \mathcal N(0, I)", "ε ~ 𝒩(0, I)"),
])
def test_latex_is_written_out_in_unicode(tex, shown):
    assert mathtext.unicode(tex) == shown


def _documented():
    """Every function and method of vae_core that has a docstring."""
    for module in (vc.layers, vc.losses, vc.models, vc.train, vc.evaluate, vc.theory, vc.data, vc.io, vc.params):
        for _, member in inspect.getmembers(module):
            if getattr(member, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(member) and member.__doc__:
                yield member
            elif inspect.isclass(member):
                yield from (m for _, m in inspect.getmembers(member, inspect.isfunction)
                            if m.__doc__ and m.__module__ == module.__name__)


def test_every_core_docstring_reads_without_latex_on_a_page():
    functions = list(_documented())
    assert len(functions) > 60
    for function in functions:
        shown = text.source_text(function)
        docstring = shown.split('"""')[1] if '"""' in shown else ""
        assert ":math:" not in shown and ".. math::" not in shown, function.__qualname__
        assert not re.search(r"\\[A-Za-z]", docstring), (function.__qualname__, docstring)


def test_a_method_is_shown_dedented():
    shown = text.source_text(vc.VAE.backward)
    assert shown.startswith("def backward(self")
