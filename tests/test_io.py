"""Models save to .npz without pickle and load back identical; foreign files are refused clearly."""

import io
import zipfile

import numpy as np
import pytest

import vae_core as vc


@pytest.mark.parametrize("model", [
    vc.Autoencoder(input_dim=3, latent_dim=1, hidden=(5,), activation="relu", seed=1),
    vc.DenoisingAutoencoder(input_dim=2, latent_dim=1, noise_sigma=0.7, seed=2),
    vc.VAE(input_dim=4, latent_dim=2, hidden=(6, 3), beta=2.5, likelihood="bernoulli", seed=3),
])
def test_round_trip(model, tmp_path):
    rng = np.random.default_rng(0)
    model.params.flat[...] = rng.standard_normal(model.n_params)
    path = tmp_path / "model.npz"
    vc.save_model(model, path)
    loaded = vc.load_model(path)
    assert type(loaded) is type(model) and loaded.config() == model.config()
    np.testing.assert_array_equal(loaded.params.flat, model.params.flat)
    x = rng.uniform(size=(3, model.input_dim))
    np.testing.assert_array_equal(loaded.reconstruct(x), model.reconstruct(x))
    assert vc.load_model(vc.model_to_bytes(model)).config() == model.config()


def _npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.mark.parametrize("content, message", [
    (b"not a zip file at all", "could not read it as .npz"),
    (_npz(W=np.zeros(3)), "no __config__"),
    (_npz(__config__=np.array("{not json")), "not valid JSON"),
    (_npz(__config__=np.array('{"format": "other"}')), "expected format"),
    (_npz(__config__=np.array('{"format": "vae-lab-model/1", "kind": "gan"}')), "unknown model kind"),
    (_npz(__config__=np.array('{"format": "vae-lab-model/1", "kind": "vae", "latent_dim": -2}')), "invalid"),
    (_npz(__config__=np.array('{"format": "vae-lab-model/1", "kind": "vae", "evil": 1}')), "invalid"),
    (_npz(__config__=np.array('{"format": "vae-lab-model/1", "kind": "vae"}')), "lacks parameter"),
    (_npz(__config__=np.array(['a', 'b'], dtype=object)), "could not read|not valid"),
])
def test_foreign_files_are_refused(content, message):
    with pytest.raises(ValueError, match=message):
        vc.load_model(content)


def test_wrong_shapes_and_non_finite_values_are_refused():
    model = vc.VAE(hidden=(4,), seed=0)
    good = vc.model_to_bytes(model)
    with np.load(io.BytesIO(good)) as archive:
        arrays = {k: archive[k] for k in archive.files}
    bad_shape = dict(arrays, **{"dec.b1": np.zeros(5)})
    with pytest.raises(ValueError, match="shape"):
        vc.load_model(_npz(**bad_shape))
    nan = dict(arrays, **{"dec.b1": np.array([np.nan, 0.0])})
    with pytest.raises(ValueError, match="NaN"):
        vc.load_model(_npz(**nan))


def _declaring(shape: tuple[int, ...]) -> bytes:
    """A .npz whose one array's header declares ``shape`` of float64 and holds no data (a size bomb)."""
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(npy, {"descr": "<f8", "fortran_order": False, "shape": shape})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("__config__.npy", npy.getvalue())
    return buffer.getvalue()


@pytest.mark.parametrize("content, message", [
    (_declaring((10**12,)), "declares 8,000,000,000,000 bytes"),
    (_declaring((2**40, 2**40)), "more than a model holds"),
    (_npz(__config__=np.array('{"format": "vae-lab-model/1", "kind": "vae", "hidden": [100000, 100000]}')),
     "asks for about"),
])
def test_a_size_bomb_is_refused_with_a_clear_message_not_a_memory_error(content, message):
    with pytest.raises(ValueError, match=message):
        vc.load_model(content)


@pytest.mark.parametrize("decoder_std", ["learned", 0.3])
def test_round_trip_keeps_the_decoder_variance(decoder_std):
    model = vc.VAE(input_dim=2, latent_dim=2, hidden=(4,), decoder_std=decoder_std, seed=1)
    model.params.flat[...] = np.random.default_rng(0).standard_normal(model.n_params)
    loaded = vc.load_model(vc.model_to_bytes(model))
    assert loaded.config() == model.config() and loaded.decoder_std == model.decoder_std
    x = np.random.default_rng(1).standard_normal((5, 2))
    np.testing.assert_array_equal(loaded.log_likelihood_exact(x), model.log_likelihood_exact(x))
