"""A trained run as one ``.npz`` file and back: its arrays (parameters, loss history, the replay's snapshots) and a
JSON string of what else it holds, read with ``allow_pickle=False``. :mod:`vae_ui.service.disk` names, checks and
keeps the files; this module knows their layout, and refuses a file whose layout is wrong before it allocates
anything it declares.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from typing import Any

import numpy as np

ARRAYS = ("params", "loss", "recon", "kl", "snapshot_epochs", "snapshot_params")


class Unreadable(ValueError):
    """A stored file that is not a run of this config (the reason is logged; the file is set aside)."""


def to_arrays(run: Any) -> dict[str, np.ndarray]:
    """The run's arrays by name; the snapshots as their epochs (k,) and their parameters stacked (k, n_params)."""
    snapshots = run.snapshots
    return {"params": np.asarray(run.params, np.float64), "loss": np.asarray(run.loss, np.float64),
            "recon": np.asarray(run.recon, np.float64), "kl": np.asarray(run.kl, np.float64),
            "snapshot_epochs": np.array([e for e, _ in snapshots], np.int64),
            "snapshot_params": (np.stack([p for _, p in snapshots]) if snapshots else np.zeros((0, np.size(run.params))))}


def digest(arrays: dict[str, np.ndarray]) -> str:
    """A digest of the arrays' names, shapes, types and bytes (a file changed after it was written fails it)."""
    made = hashlib.sha256()
    for name in ARRAYS:
        value = np.ascontiguousarray(arrays[name])
        made.update(f"{name}{value.shape}{value.dtype.str}".encode())
        made.update(value.tobytes())
    return made.hexdigest()


def write(file: Any, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    np.savez(file, meta=np.array(json.dumps(meta)), **arrays)


def read(file: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The file's meta (its JSON) and arrays, after :func:`check_sizes`."""
    check_sizes(file)
    with np.load(file, allow_pickle=False) as archive:
        return json.loads(str(archive["meta"])), {name: archive[name] for name in ARRAYS}


def fields(config: Any, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """The run's fields but its config (read-only arrays, the snapshots as (epoch, parameters) pairs), once the
    arrays are shaped as ``config``'s model needs."""
    params, snaps = arrays["params"], arrays["snapshot_params"]
    if params.ndim != 1 or snaps.ndim != 2 or snaps.shape != (len(arrays["snapshot_epochs"]), params.size):
        raise Unreadable(f"misshapen arrays: params {params.shape}, snapshots {snaps.shape}")
    if hasattr(config, "build") and config.build(int(meta["input_dim"]), meta["likelihood"]).params.flat.size != params.size:
        raise Unreadable("its parameters do not fit the config's model")
    for value in arrays.values():
        value.setflags(write=False)
    snapshots = tuple((int(e), snaps[i]) for i, e in enumerate(arrays["snapshot_epochs"]))
    return {"likelihood": meta["likelihood"], "input_dim": int(meta["input_dim"]), "params": params,
            "loss": arrays["loss"], "recon": arrays["recon"], "kl": arrays["kl"], "snapshots": snapshots,
            "seconds": float(meta["seconds"])}


def check_sizes(file: Any) -> None:
    """Refuse an archive whose ``.npy`` headers declare more bytes than its members hold, before anything is
    allocated (``np.load`` allocates the declared shape: a changed header of a few bytes could ask for terabytes)."""
    with zipfile.ZipFile(file) as archive:
        for member in archive.infolist():
            with archive.open(member) as entry:
                version = np.lib.format.read_magic(entry)
                read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                               (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if read_header is None:
                    raise Unreadable(f"{member.filename} has an unknown .npy version {version}")
                shape, _, dtype = read_header(entry)
                declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
                if declared > member.file_size or dtype.hasobject:
                    raise Unreadable(f"{member.filename} declares {declared:,} bytes in {member.file_size:,}")
    file.seek(0)
