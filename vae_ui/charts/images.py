"""Images as one grey array for ``st.image`` (not charts): rows of flattened images tiled, and the decoded latent
manifold as one mosaic (Kingma & Welling 2014, Fig. 4).
"""

from __future__ import annotations

import numpy as np

IMAGE_PX = 64  # about this many pixels per image: 8 × 8 digits at scale 8, MNIST's 28 × 28 at scale 2 (56 px)
ROW = 8  # images in a row of examples under a figure (about IMAGE_PX each)


def image_rows(rows: list[np.ndarray], shape: tuple[int, int], scale: int | None = None, gap: int = 1) -> np.ndarray:
    """Tile rows of flattened images (each (k, h*w), values in [0, 1]) into one grey image array, each pixel
    ``scale`` pixels wide (by default about IMAGE_PX pixels an image, at least 2 pixels a pixel)."""
    h, w = shape
    scale = scale or max(2, round(IMAGE_PX / h))
    k = max(len(r) for r in rows)
    tile = np.zeros(((h + gap) * len(rows) - gap, (w + gap) * k - gap))  # gaps stay white
    for i, row in enumerate(rows):
        for j, image in enumerate(row):
            tile[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = np.clip(image.reshape(h, w), 0, 1)
    return np.kron(1.0 - tile, np.ones((scale, scale)))  # dark ink on white, enlarged


def mosaic(images: np.ndarray, shape: tuple[int, int], scale: int | None = None) -> np.ndarray:
    """The decoded grid (m, m, h*w), values in [0, 1], as one image (:func:`image_rows`): tile (r, c)
    is images[r, c]."""
    return image_rows(list(images), shape, scale)
