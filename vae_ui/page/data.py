"""The data a page works on: :func:`page_data` gives the generated data set the controls name (shared by every
session, :func:`vae_ui.service.datasets.generated`) or the CSV this session uploaded in the sidebar (:func:`upload`:
parsed and standardised once, by the core; its arrays read-only), with a note when the upload is missing or bad.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import streamlit as st

import vae_core as vc
from vae_ui.service.datasets import TEST_FRACTION, Data, DataSpec, generated, split
from vae_ui.service.lru import read_only
from vae_ui.session import controls, state
from vae_ui.session.user_text import escape, shorten

# An upload's numbers above this are refused: the sum of two of them is infinite in float64, and a value at float64's
# edge (1.8e308) is usually a placeholder for a missing one (standardising would make its column a flag for that row).
# vae_core's standardize copes with 1e307 (it divides each column by its largest value first): those are taken.
HUGE = float(np.finfo(np.float64).max) / 2  # 9.0e307


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def upload(container: Any) -> None:
    """The sidebar's CSV uploader. A good file becomes this session's data (its columns standardised); a bad
    one leaves a message for the page and keeps the previous data. Removing the file removes its message."""
    file = container.file_uploader("CSV file (numbers, ≥ 2 columns)", type=["csv", "txt"], key="csv_file")
    if file is None:
        state.CSV_ERROR.pop()
        return
    content = file.getvalue()
    key = digest(content)
    if key in ((state.CSV.get() or {}).get("digest"), state.CSV_ERROR_DIGEST.get()):
        return
    try:
        ds = vc.data.from_csv(content, name=file.name)
        refuse_huge(ds.X)
    except ValueError as err:
        state.CSV_ERROR.set(f"{shorten(file.name)}: {err}")
        state.CSV_ERROR_DIGEST.set(key)
        return
    X = read_only(vc.data.standardize(ds.X))
    state.CSV.set({"digest": key, "name": shorten(file.name), "X": X, "notes": ds.notes})
    forget_error()


def refuse_huge(X: np.ndarray) -> None:
    """ValueError naming the first column, and its row, that holds a number beyond :data:`HUGE`. X: (n, D)."""
    beyond = np.abs(X) > HUGE  # (n, D)
    if beyond.any():
        column = int(np.argmax(beyond.any(axis=0)))
        row = int(np.argmax(beyond[:, column]))
        raise ValueError(f"column {column + 1} reaches {X[row, column]:.2g} (row {row + 1}), too large to compute "
                         f"with (above {HUGE:.1e}, half of float64's largest number, a sum of two is infinite): if it "
                         "stands for a missing value, remove the row; else divide the column by a power of ten")


def forget_error() -> None:
    """The message about a bad upload goes (the file was replaced or removed, the data set changed, a reset)."""
    state.CSV_ERROR.pop()
    state.CSV_ERROR_DIGEST.pop()


def page_data() -> Data:
    """The data the page works on, or the default with a note when an uploaded CSV is missing or bad."""
    name, seed = controls.value("dataset"), int(controls.value("seed"))
    if name != "csv":
        forget_error()
        return generated(name, seed)
    error = state.CSV_ERROR.get()
    if error:  # the file name and its cells are the user's: shown as text, never as Markdown
        st.error(f"That file was not loaded — {escape(error)}. The previous data is kept.", icon=":material/error:")
    upload = state.CSV.get()
    if upload is None:
        st.info("Upload a CSV in the sidebar (its columns are standardised). Until then: three clusters.",
                icon=":material/upload_file:")
        return generated("three_clusters", seed)
    X = upload["X"]
    title = f"Your CSV: {upload['name']}"
    st.caption(f"Data: {escape(title)} — {len(X):,} rows × {X.shape[1]} columns, each column standardised; "
               f"{1 - TEST_FRACTION:.0%} to train, {TEST_FRACTION:.0%} to test.")
    for note in upload.get("notes", ()):
        st.caption(f"Note: {escape(note)}.")
    return split(DataSpec("csv", seed, upload["digest"]), title, X, np.zeros(len(X), dtype=int))
