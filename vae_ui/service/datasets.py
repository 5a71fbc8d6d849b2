"""The data a run trains on, as records: which data (:class:`DataSpec`: a generated set or the digits by name and
seed, or an uploaded CSV by its digest) and the data itself (:class:`Data`), split into training and test rows.

Generated data is made once per (name, seed) and shared by every session; every array is read-only, as it is shared.
(An upload is read on its page: :mod:`vae_ui.page.data`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

import vae_core as vc
from vae_ui.service.lru import read_only
from vae_ui.settings import DATASETS

N_POINTS = 600  # examples drawn for the 2-D data sets
ALL_IMAGES = {"digits": 1797, "mnist": 5000}  # every image of scikit-learn's 8x8 digits and of the MNIST sample
TEST_FRACTION = 0.2  # of every data set, held out to test on


@dataclass(frozen=True)
class DataSpec:
    """Which data: a named generator with its seed, or an uploaded CSV by its digest."""

    name: str = "three_clusters"
    seed: int = 0
    csv_digest: str = ""  # set for uploaded data


@dataclass(frozen=True)
class Data:
    """The data a page works on, split into train (X, y) and test (X_test, y_test) rows."""

    spec: DataSpec
    title: str
    X: np.ndarray  # (n_train, D)
    y: np.ndarray  # (n_train,) labels: a cluster, a digit; 0 for an upload
    X_test: np.ndarray  # (n_test, D)
    y_test: np.ndarray
    image_shape: tuple[int, int] | None  # (8, 8) for the digits, (28, 28) for MNIST

    @property
    def is_2d(self) -> bool:
        return self.X.shape[1] == 2

    @property
    def label_name(self) -> str:
        """What a label names, as a chart's legend says it: a digit (images) or a cluster."""
        return "digit" if self.image_shape else "cluster"


def split(spec: DataSpec, title: str, X: np.ndarray, y: np.ndarray, image_shape: Any = None) -> Data:
    """Shuffle and split with the spec's seed; the arrays come back read-only."""
    X_tr, X_te, y_tr, y_te = vc.data.train_test_split(X, y, TEST_FRACTION, seed=spec.seed)
    return read_only(Data(spec, title, X_tr, y_tr, X_te, y_te, image_shape))


@st.cache_resource(max_entries=32)
def generated(name: str, seed: int) -> Data:
    """A generated data set (or the digits), made once per (name, seed) and shared by every session."""
    ds = vc.data.load(name, n=ALL_IMAGES.get(name, N_POINTS), seed=seed)
    return split(DataSpec(name, seed), DATASETS[name], ds.X, ds.y, ds.image_shape)


