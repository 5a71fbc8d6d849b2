"""Save and load models as ``.npz`` without pickle.

The file holds one array per parameter plus ``__config__``, a JSON string stored as a
NumPy unicode scalar, so ``np.load(..., allow_pickle=False)`` can read it safely.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np

from .models import KINDS, Model, weights_about

FORMAT = "vae-lab-model/1"


def save_model(model: Model, path: str | Path | IO[bytes]) -> None:
    """Write the model's config and parameters to ``path`` (a file name or a binary file)."""
    config = json.dumps({"format": FORMAT, **model.config()})
    np.savez(path, __config__=np.array(config), **{name: value for name, value in model.params.items()})


def model_to_bytes(model: Model) -> bytes:
    """The ``.npz`` file of :func:`save_model` as bytes (for a download button)."""
    buffer = io.BytesIO()
    save_model(model, buffer)
    return buffer.getvalue()


def load_model(source: str | Path | IO[bytes] | bytes) -> Model:
    """Rebuild a model saved by :func:`save_model`.

    Raises ValueError with a clear message for a file that is not a VAE Lab model:
    not an ``.npz`` archive, no or malformed config, unknown kind, missing or misshapen arrays.
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        _check_sizes(source)
        archive = np.load(source, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"not a VAE Lab model file (could not read it as .npz: {err})") from None
    with archive:
        if "__config__" not in archive.files:
            raise ValueError("not a VAE Lab model file: it has no __config__ entry")
        try:
            config: dict[str, Any] = json.loads(str(archive["__config__"]))
        except (ValueError, TypeError) as err:
            raise ValueError(f"not a VAE Lab model file: its config is not valid JSON ({err})") from None
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise ValueError(f"not a VAE Lab model file: expected format {FORMAT!r}")
        kind = config.pop("kind", None)
        config.pop("format")
        if kind not in KINDS:
            raise ValueError(f"unknown model kind {kind!r}; expected one of {sorted(KINDS)}")
        try:
            config["hidden"] = tuple(config.get("hidden", ()))
            _check_widths(config)
            model = KINDS[kind](**config)
        except (TypeError, ValueError) as err:
            raise ValueError(f"the model config in this file is invalid: {err}") from None
        for name, view in model.params.items():
            if name not in archive.files:
                raise ValueError(f"the model file lacks parameter {name!r}")
            value = archive[name]
            if value.shape != view.shape or not np.issubdtype(value.dtype, np.floating):
                raise ValueError(f"parameter {name!r} should be a float array of shape {view.shape}, "
                                 f"got {value.dtype} {value.shape}")
            if not np.all(np.isfinite(value)):
                raise ValueError(f"parameter {name!r} contains NaN or infinite values")
            view[...] = value
    return model


MAX_ARRAY_BYTES = 64 * 2**20  # no array of a model file may be larger (the largest model of the app holds < 1 MB)
MAX_PARAMETERS = 4_000_000  # nor may its config ask for more parameters


def _check_sizes(source: str | Path | IO[bytes]) -> None:
    """Refuse an archive that declares an array too large to hold, before anything is allocated: ``np.load``
    allocates the shape an ``.npy`` header declares, so a file of a few bytes could ask for terabytes."""
    with zipfile.ZipFile(source) as archive:
        for member in archive.infolist():
            with archive.open(member) as file:
                version = np.lib.format.read_magic(file)
                read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                               (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if read_header is None:
                    raise ValueError(f"{member.filename} has an unknown .npy version {version}")
                shape, _, dtype = read_header(file)
                size = int(np.prod(shape, dtype=object)) * dtype.itemsize  # exact, whatever the shape
                if size > MAX_ARRAY_BYTES:
                    raise ValueError(f"{member.filename} declares {size:,} bytes, more than a model holds "
                                     f"({MAX_ARRAY_BYTES:,} at most)")
    if hasattr(source, "seek"):
        source.seek(0)


def _check_widths(config: dict[str, Any]) -> None:
    """Refuse a config whose layers would need more than MAX_PARAMETERS weights (an encoder and a decoder
    of the widths it names), before the model is built."""
    widths = [config.get("input_dim", 2), *config["hidden"], config.get("latent_dim", 2)]
    if not all(isinstance(w, int) and w > 0 for w in widths):
        raise ValueError(f"the layer widths must be positive integers, got {widths}")
    weights = weights_about(widths[0], tuple(widths[1:-1]), widths[-1])
    if weights > MAX_PARAMETERS:
        raise ValueError(f"the config asks for about {weights:,} weights; a model file may hold {MAX_PARAMETERS:,}")
