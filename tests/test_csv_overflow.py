"""An uploaded CSV with a column that reaches float64's edge (issue 31): a value near 1e308 (often a placeholder for
a missing one; the sum of two such values is infinite) was taken silently and replaced the data shown. Now it is
refused with a sentence naming its column and row, like every other refusal; the previous data is kept."""

import numpy as np
import pytest

from tests.apptest_helpers import app, assert_clean, metrics, texts
from vae_ui.page import data

GOOD_CSV = b"a,b,c\n" + b"".join(f"{i % 7},{(i * 3) % 11},{i % 5}\n".encode() for i in range(200))


def edge_csv(value: float, row: int = 4) -> bytes:
    """50 rows × 2 columns of ordinary numbers; column 2 of ``row`` holds ``value``."""
    rng = np.random.default_rng(0)
    cells = rng.normal(size=(50, 2)).tolist()
    cells[row - 1][1] = value
    return b"x,y\n" + "".join(f"{x!r},{y!r}\n" for x, y in cells).encode()


def shown(at) -> str:
    return " ".join(t.replace("\\", "") for t in texts(at, "caption"))


@pytest.mark.parametrize("value", [1e308, -1.7976931348623157e308, 9e307])
def test_a_column_that_reaches_float64s_edge_is_refused_naming_its_column(value):
    at = app("home", dataset="csv")
    at.sidebar.get("file_uploader")[0].set_value(("good.csv", GOOD_CSV, "text/csv")).run()
    before = metrics(at)
    assert "good.csv — 200 rows × 3 columns" in shown(at)
    at.sidebar.get("file_uploader")[0].set_value(("edge.csv", edge_csv(value), "text/csv")).run()
    assert_clean(at)
    errors = " ".join(texts(at, "error")).replace("\\", "")
    assert "edge.csv: column 2 reaches" in errors and "row 4" in errors and "too large" in errors, errors
    assert "previous data is kept" in errors
    assert "good.csv — 200 rows × 3 columns" in shown(at) and metrics(at) == before


def test_large_but_computable_numbers_are_still_taken():
    assert data.HUGE > 7e307  # (tests/test_pages.py loads a column of 1e307 … 7e307)
    at = app("home", dataset="csv")
    at.sidebar.get("file_uploader")[0].set_value(("large.csv", edge_csv(8e307), "text/csv")).run()
    assert_clean(at)
    assert not texts(at, "error") and "large.csv — 50 rows × 2 columns" in shown(at)
