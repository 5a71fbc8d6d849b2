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
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        data.load("mnist")


def test_train_test_split_partitions_the_rows():
    X, y = data.three_clusters(n=100, seed=0)
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, 0.25, seed=0)
    assert len(X_tr) == 75 and len(X_te) == 25
    assert sorted(map(tuple, np.vstack([X_tr, X_te]))) == sorted(map(tuple, X))


def test_a_good_csv_loads_with_or_without_a_header():
    with_header = data.from_csv(b"a,b,c\n1,2,3\n4,5,6.5\n")
    assert with_header.X.tolist() == [[1, 2, 3], [4, 5, 6.5]]
    plain = data.from_csv("1,2\n3,4\n\n5,6\n")
    assert plain.X.shape == (3, 2)


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"x,y\n", "header row but no data"),
    (b"1,2\n3,hello\n", "row 2, column 2 is not a number"),
    (b"1,2\n3,nan\n", "missing or infinite"),
    (b"1,2\ninf,4\n", "missing or infinite"),
    (b"1\n2\n3\n", "at least 2 numeric columns"),
    (b"1,2\n", "at least 2 rows"),
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
