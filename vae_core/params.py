"""One flat parameter buffer with named views into it.

The optimiser updates the whole buffer in one fused step; the model reads its
weights through the views. ``store["W"]`` is a live view: changing its entries
changes the model, and ``store["W"] = new`` copies ``new`` into the buffer.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping, Sequence

import numpy as np


class ParamStore(MutableMapping):
    """A dict-like set of named float64 arrays, all views into one flat buffer.

    Parameters
    ----------
    layout : list of (name, shape) in buffer order.
    """

    def __init__(self, layout: Sequence[tuple[str, tuple[int, ...]]]) -> None:
        self.layout = [(name, tuple(shape)) for name, shape in layout]
        size = sum(int(np.prod(shape)) for _, shape in self.layout)
        self.flat = np.zeros(size)
        self._views: dict[str, np.ndarray] = {}
        start = 0
        for name, shape in self.layout:
            stop = start + int(np.prod(shape))
            self._views[name] = self.flat[start:stop].reshape(shape)
            start = stop

    def __getitem__(self, name: str) -> np.ndarray:
        return self._views[name]

    def __setitem__(self, name: str, value: np.ndarray) -> None:
        view = self._views[name]
        value = np.asarray(value, dtype=np.float64)
        if value.shape != view.shape:
            raise ValueError(f"parameter {name!r} has shape {view.shape}, got {value.shape}")
        view[...] = value

    def __delitem__(self, name: str) -> None:
        raise TypeError("parameters cannot be deleted")

    def __iter__(self) -> Iterator[str]:
        return iter(self._views)

    def __len__(self) -> int:
        return len(self._views)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {v.shape}" for k, v in self._views.items())
        return f"ParamStore({shapes})"
