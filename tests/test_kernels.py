"""Small C building blocks against NumPy / libm references."""
import math

import numpy as np
from hypothesis import given, settings, strategies as st

from fastplastic._kernels import engine


def test_fp_exp_within_one_ulp_of_libm():
    rng = np.random.default_rng(0)
    x = np.concatenate([np.linspace(-700, 700, 100001), rng.uniform(-3, 3, 100000),
                        [0.0, -0.0, 1e-300, -1e-300, 709.0, -708.0]])
    y = engine.exp_array(x)
    ref = np.array([math.exp(v) for v in x])
    assert np.all(np.abs(y - ref) <= np.spacing(ref))


def test_fp_exp_clamps_instead_of_overflowing():
    y = engine.exp_array(np.array([-1e6, -745.0, 710.0, 1e6]))
    assert np.all(np.isfinite(y)) and y[0] > 0 and y[0] == y[1]
    assert y[2] == y[3] == engine.exp_array(np.array([709.0]))[0]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=4, max_size=4),
       st.lists(st.integers(0, 2**64 - 1), min_size=2, max_size=2))
def test_philox_matches_numpy(ctr, key):
    """numpy.random.Philox(counter=c) outputs Philox4x64-10 of c + 1."""
    c = sum(v << (64 * i) for i, v in enumerate(ctr))
    k = key[0] | (key[1] << 64)
    bg = np.random.Philox(key=k, counter=(c - 1) % 2**256)
    expect = [int(v) for v in bg.random_raw(4)]
    got = engine.philox(np.array(ctr, dtype=np.uint64), np.array(key, dtype=np.uint64))
    assert [int(v) for v in got] == expect


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-800, 800, allow_nan=False), min_size=1, max_size=64))
def test_fp_exp_fuzzed_against_libm(xs):
    x = np.array(xs)
    y = engine.exp_array(x)
    ref = np.array([math.exp(min(max(v, -708.0), 709.0)) for v in xs])
    assert np.all(np.abs(y - ref) <= np.spacing(ref))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 50), st.lists(st.integers(0, 10**6), min_size=0, max_size=300))
def test_transpose_index_matches_stable_argsort(n_post, raw):
    post = (np.array(raw, dtype=np.int64) % n_post).astype(np.int32)
    col_ptr, col_syn = engine.transpose_index(post, n_post)
    np.testing.assert_array_equal(col_syn, np.argsort(post, kind="stable"))
    np.testing.assert_array_equal(np.diff(col_ptr), np.bincount(post, minlength=n_post))
    assert col_ptr[0] == 0 and col_ptr[-1] == len(post)
