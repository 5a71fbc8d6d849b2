"""A trained run as one ``.npz`` file and back: its arrays (parameters, loss history, the replay's snapshots) and a
JSON string of what else it holds: arrays of numbers only, no pickle. :mod:`vae_ui.service.disk` names, checks and
keeps the files; this module knows their layout, reads them without ``ast`` (:func:`array`), and refuses a file whose
layout is wrong before it allocates anything it declares.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from typing import Any

import numpy as np

ARRAYS = ("params", "loss", "recon", "kl", "snapshot_epochs", "snapshot_params")
MAX_MEMBER_BYTES = 512 * 2**20  # no array of a run is larger (an MNIST run's 26 snapshots: 23 MB)


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
    """The file's meta (its JSON) and arrays (read-only), read without ``np.load``: see :func:`array`."""
    with zipfile.ZipFile(file) as archive:
        members = {member.filename: member for member in archive.infolist()}
        missing = {f"{name}.npy" for name in ("meta", *ARRAYS)} - set(members)
        if missing:
            raise Unreadable(f"it lacks {', '.join(sorted(missing))}")
        read_one = lambda name: array(archive, members[f"{name}.npy"])  # noqa: E731
        return json.loads(str(read_one("meta")[()])), {name: read_one(name) for name in ARRAYS}


_HEADER = re.compile(r"\{'descr': '([<>|=]?[a-zA-Z][0-9]*)', 'fortran_order': (False|True), 'shape': \(([0-9, ]*)\), \}"
                     r" *\n?\Z")


def array(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> np.ndarray:
    """One ``.npy`` member as a read-only array over its bytes, its header read by a regular expression.

    Not ``np.load``: NumPy reads an ``.npy`` header with ``ast.literal_eval``, and on CPython 3.11 the ``ast`` module's
    recursion count is shared by every thread, so a header read in a page's thread while Streamlit compiles another
    page can fail either one with ``SystemError: AST constructor recursion depth mismatch`` (issue 18, item 10). A
    member must be stored uncompressed (as ``np.savez`` writes it) and hold exactly the bytes its header declares:
    nothing is allocated for what a changed header claims."""
    if member.compress_type != zipfile.ZIP_STORED or member.file_size > MAX_MEMBER_BYTES:
        raise Unreadable(f"{member.filename} is compressed or larger than {MAX_MEMBER_BYTES:,} bytes")
    data = archive.read(member)
    if data[:6] != b"\x93NUMPY" or data[6] not in (1, 2, 3):
        raise Unreadable(f"{member.filename} is not an .npy array")
    start = 10 if data[6] == 1 else 12
    length = int.from_bytes(data[8:start], "little")
    found = _HEADER.match(data[start:start + length].decode("latin1"))
    if found is None:
        raise Unreadable(f"{member.filename} has a header this store does not write")
    dtype = np.dtype(found.group(1))
    shape = tuple(int(n) for n in found.group(3).replace(" ", "").split(",") if n)
    count = int(np.prod(shape, dtype=object))
    body = memoryview(data)[start + length:]
    if dtype.hasobject or len(body) != count * dtype.itemsize:
        raise Unreadable(f"{member.filename} declares {count * dtype.itemsize:,} bytes and holds {len(body):,}")
    return np.frombuffer(body, dtype, count).reshape(shape, order="F" if found.group(2) == "True" else "C")


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
