"""examples/vae_numpy.py, the worked example as one file a student runs: it trains the core's model (the same loss
after every step, to 1e-10), its hand-written gradients are right, it runs on NumPy alone and prints the core's
numbers, and the home page shows it in full with a download button."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

import vae_core as vc
from tests.apptest_helpers import ROOT, app
from tests.gradcheck import numerical_gradient, relative_error
from vae_ui import configs
from vae_ui.service.datasets import N_POINTS, TEST_FRACTION, DataSpec
from vae_ui.settings import REGISTRY

EXAMPLE = ROOT / "examples" / "vae_numpy.py"
spec = importlib.util.spec_from_file_location("vae_numpy", EXAMPLE)
ex = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ex)

EPOCHS = 4  # 32 steps: 480 training rows make 7 minibatches of 64 and one of 32


def _data(seed: int):
    """The worked example's data as the app makes it (vae_ui.service.datasets.generated): train and test rows."""
    ds = vc.data.load("three_clusters", n=N_POINTS, seed=seed)
    return vc.data.train_test_split(ds.X, ds.y, TEST_FRACTION, seed=seed)


def _core_fit(X, epochs, seed, latent_dim=2, hidden=(64, 64), beta=1.0, lr=3e-3, batch_size=64):
    """vc.VAE + vc.fit as the home page trains them, and the loss of every step (read as fit calls backward)."""
    vae = vc.VAE(input_dim=2, latent_dim=latent_dim, hidden=hidden, beta=beta, decoder_std="learned", seed=seed)
    steps, backward = [], vae.backward

    def recorded(x, eps):
        terms = backward(x, eps)
        steps.append(terms["loss"])
        return terms

    vae.backward = recorded
    history = vc.fit(vae, X, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    return vae, history, np.array(steps)


def test_the_files_defaults_are_the_home_pages_worked_example():
    config = configs.home({key: control.default for key, control in REGISTRY.items()}, DataSpec())
    args = ex.parse_args([])
    assert (args.latent, tuple(args.hidden), args.beta, args.lr, args.batch_size, args.epochs, args.seed) == (
        config.latent_dim, config.hidden, config.beta, config.lr, config.batch_size, config.epochs, config.seed)
    assert (config.activation, config.decoder_std, config.data.name) == ("tanh", "learned", "three_clusters")


@pytest.mark.parametrize("seed, options", [
    (0, {}),  # the home page's defaults
    (7, {"latent_dim": 3, "hidden": (16, 8), "beta": 2.5, "lr": 1e-2, "batch_size": 50}),
])
def test_the_file_trains_the_cores_model_with_the_same_loss_after_every_step(seed, options):
    X, X_test, y, _ = _data(seed)
    X_file, X_test_file, y_file, _ = ex.train_test_split(*ex.three_clusters(N_POINTS, seed), TEST_FRACTION, seed)
    assert np.array_equal(X_file, X) and np.array_equal(X_test_file, X_test) and np.array_equal(y_file, y)
    vae, history, core_steps = _core_fit(X, EPOCHS, seed, **options)
    params = ex.init_params(2, options.get("latent_dim", 2), options.get("hidden", (64, 64)), seed)
    assert list(params) == list(vae.params)  # the same parameters, drawn in the same order
    untrained = vc.VAE(input_dim=2, latent_dim=options.get("latent_dim", 2), hidden=options.get("hidden", (64, 64)),
                       decoder_std="learned", seed=seed)
    for name in params:
        assert np.array_equal(params[name], untrained.params[name]), name
    steps = ex.train(params, X, EPOCHS, options.get("batch_size", 64), options.get("lr", 3e-3),
                     options.get("beta", 1.0), seed)
    assert len(steps) == len(core_steps) == EPOCHS * -(-len(X) // options.get("batch_size", 64))
    np.testing.assert_allclose(steps, core_steps, rtol=0, atol=1e-10)  # every step, not only the epochs' means
    for name in params:
        np.testing.assert_allclose(params[name], vae.params[name], rtol=0, atol=1e-10, err_msg=name)
    assert abs(ex.mean_elbo(params, X_test, seed=seed)
               - vae.elbo(X_test, n_samples=10, rng=np.random.default_rng(seed)).mean()) < 1e-10  # the page's metric


def test_the_files_gradient_is_the_finite_difference_one_and_the_cores():
    rng = np.random.default_rng(1)
    params = ex.init_params(input_dim=3, latent_dim=2, hidden=(6, 5), seed=1)
    for name in params:  # non-zero everywhere: zero biases could hide a wrong backward
        params[name] = rng.normal(0.0, 0.5, size=params[name].shape)
    params["dec.log_var"][0] = -0.7  # σₓ ≠ 1
    x, eps, beta = rng.normal(size=(7, 3)), rng.standard_normal((7, 2)), 1.7
    _, grads = ex.loss_and_grads(params, x, eps, beta)
    assert set(grads) == set(params)
    for name in params:
        numeric = numerical_gradient(lambda: ex.loss_and_grads(params, x, eps, beta)[0]["loss"], params[name])
        assert relative_error(grads[name], numeric) < 1e-7, name
    vae = vc.VAE(input_dim=3, latent_dim=2, hidden=(6, 5), beta=beta, decoder_std="learned", seed=1)
    for name in params:
        vae.params[name] = params[name]
    core_terms, core_grads = vae.loss_and_grads(x, noise=eps)
    terms, _ = ex.loss_and_grads(params, x, eps, beta)
    for key in ("loss", "recon", "kl"):
        assert abs(terms[key] - core_terms[key]) < 1e-12, key
    for name in params:
        np.testing.assert_allclose(grads[name], core_grads[name], rtol=1e-10, atol=1e-14, err_msg=name)


def test_the_loss_keeps_every_constant_and_the_kl_is_zero_at_the_prior():
    x, x_hat = np.array([[1.0, -2.0]]), np.array([[0.5, -1.0]])
    log_var_x = np.log(0.3**2)
    expected = -np.sum(-0.5 * (x - x_hat) ** 2 / 0.3**2 - 0.5 * np.log(2 * np.pi * 0.3**2))  # log N summed over D
    assert ex.gaussian_nll(x, x_hat, log_var_x)[0] == pytest.approx(expected, rel=1e-14)
    assert ex.kl_standard_normal(np.zeros((1, 3)), np.zeros((1, 3)))[0] == 0.0


def _run(*args: str, code: str | None = None) -> str:
    """Run the file (or ``code``) in a fresh, isolated interpreter (-I: no PYTHONPATH, the file's folder first)."""
    command = [sys.executable, "-I", *(["-c", code] if code else [str(EXAMPLE), *args])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=EXAMPLE.parent)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_run_as_a_program_it_prints_the_latent_space_the_errors_and_the_prior_samples_the_core_computes():
    out = _run("--epochs", "2", "--no-plot")
    X, X_test, y, _ = _data(0)
    vae, history, _ = _core_fit(X, 2, 0)
    assert f"epoch    2   loss {history.loss[-1]:.4f}" in out
    mu = vae.encode(X)[0]
    for c in range(3):
        assert f"cluster {c}: mean μ = ({', '.join(f'{v:+.3f}' for v in mu[y == c].mean(axis=0))})" in out
    error = np.mean(np.sum((X_test - vae.reconstruct(X_test)) ** 2, axis=1))
    assert f"Test reconstruction error, mean ‖x − g(μ(x))‖²: {error:.4f}" in out
    elbo = vae.elbo(X_test, n_samples=10, rng=np.random.default_rng(0)).mean()
    assert f"Test ELBO, 10 samples a point (β = 1): {elbo:.4f} nats per point" in out
    means = vae.sample(300, np.random.default_rng(1))  # the page's prior samples: settings.rng(seed, "prior samples")
    mean = means.mean(axis=0)
    assert f"{'decoder means g(z)':<26} mean ({mean[0]:+.3f}, {mean[1]:+.3f})" in out
    assert "full samples g(z) + σₓ ε" in out and "training data" in out and "cov [[" in out
    assert f"Decoder σₓ = {vae.decoder_std:.4f} (learned)" in out


def test_it_imports_only_numpy_and_the_standard_library_and_matplotlib_only_to_draw():
    allowed = {"numpy"} | set(sys.stdlib_module_names)
    tree = ast.parse(EXAMPLE.read_text())
    guarded = set()  # imports inside a try that catches ImportError
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(isinstance(h.type, ast.Name) and h.type.id == "ImportError"
                                             for h in node.handlers):
            guarded |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            roots = {alias.name.split(".")[0] for alias in node.names} if isinstance(node, ast.Import) else {
                node.module.split(".")[0]}
            assert roots <= allowed or (roots == {"matplotlib"} and id(node) in guarded), roots
    # and when it runs with no matplotlib, it loads nothing that `import numpy` does not, and says it draws nothing
    code = ("import sys, numpy, numpy.random; roots = lambda: {m.split('.')[0] for m in sys.modules}; before = roots(); "
            "sys.modules['matplotlib'] = None; sys.argv = ['vae_numpy.py', '--epochs', '1']; import runpy; "
            "runpy.run_path('vae_numpy.py', run_name='__main__'); "
            "print(sorted(roots() - before - set(sys.stdlib_module_names)))")
    out = _run(code=code)
    assert "(matplotlib is not installed: no pictures)" in out
    assert out.strip().splitlines()[-1] == "['matplotlib']"  # the None that stands for a missing matplotlib


def test_the_home_page_shows_the_whole_file_with_its_download_and_its_command():
    at = app("home")
    assert "The whole worked example in one file" in [e.label for e in at.get("expander")]
    codes = [c.value for c in at.code]
    assert EXAMPLE.read_text(encoding="utf-8").rstrip("\n") in codes  # the file in full, as it is on disk
    assert "python vae_numpy.py" in codes
    buttons = [b for b in at.get("download_button") if b.proto.label == "Download vae_numpy.py"]
    assert len(buttons) == 1 and buttons[0].proto.url
