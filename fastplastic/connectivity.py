"""Connectivity builders: vectorised NumPy, no Python loop over neurons.

Each builder returns (pre, post) index arrays (int64) sorted by pre, then post,
so they are already in CSR order.
"""
import numpy as np

__all__ = ["fixed_probability", "fixed_indegree", "one_to_one", "all_to_all"]


def _bernoulli_positions(total, p, rng):
    """Sorted positions of the successes among `total` Bernoulli(p) trials,
    drawn as cumulative geometric gaps: O(successes), not O(total)."""
    if p == 0.0 or total == 0:
        return np.zeros(0, dtype=np.int64)
    if p == 1.0:
        return np.arange(total, dtype=np.int64)
    parts, last = [], -1
    while True:                  # in place: 8 bytes per synapse, not 40 (10^7: 80 MB)
        expect = (total - last - 1) * p
        m = int(expect + 5.0 * np.sqrt(expect + 1.0) + 16)
        pos = rng.geometric(p, size=m)
        np.cumsum(pos, out=pos)
        pos += last
        if pos[-1] >= total:
            parts.append(pos[:np.searchsorted(pos, total)])    # sorted: a view
            break
        parts.append(pos)
        last = int(pos[-1])
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _skip_self(pre, col):
    """Maps a column of an (n_pre x (n_post - 1)) matrix to a post index != pre."""
    return col + (col >= pre)


def fixed_probability(n_pre, n_post, p, rng, autapses=True):
    """Each pair connected independently with probability p."""
    cols = n_post if autapses else n_post - 1
    pos = _bernoulli_positions(n_pre * cols, p, rng)
    if cols == 0:
        return pos, pos
    pre, col = _split_key(pos, cols)
    return pre, (col if autapses else _skip_self(pre, col))


def _split_key(key, n_cols):
    """(key // n_cols, key % n_cols), the remainder written over key (no third array)."""
    row = key // n_cols
    np.remainder(key, n_cols, out=key)
    return row, key


def _distinct_rows(n_rows, m, k, rng):
    """(n_rows, k) array, each row k distinct integers of [0, m), uniformly."""
    if k == 0:
        return np.zeros((n_rows, 0), dtype=np.int64)
    if n_rows * m <= 20_000_000 or 2 * k > m:
        out = np.empty((n_rows, k), dtype=np.int64)
        step = max(1, 20_000_000 // m)
        for r0 in range(0, n_rows, step):       # blocks bound the memory used
            keys = rng.random((min(step, n_rows - r0), m))
            out[r0:r0 + step] = np.argpartition(keys, k - 1, axis=1)[:, :k]
        return out
    x = rng.integers(0, m, size=(n_rows, k))
    x.sort(axis=1)
    rows, sub = np.arange(n_rows), x   # rows still to check, and their values
    while True:                        # redraw repeats until none are left
        dup = np.zeros_like(sub, dtype=bool)
        dup[:, 1:] = sub[:, 1:] == sub[:, :-1]
        n_dup = int(dup.sum())
        if n_dup == 0:
            return x
        sub[dup] = rng.integers(0, m, size=n_dup)      # row-major: the same draws as ever
        hit = dup.any(axis=1)          # only rows that had a repeat change
        rows, sub = rows[hit], sub[hit]
        sub.sort(axis=1)
        x[rows] = sub


def fixed_indegree(n_pre, n_post, k, rng, autapses=True):
    """Each postsynaptic neuron receives exactly k distinct presynaptic partners."""
    m = n_pre if autapses else n_pre - 1
    x = _distinct_rows(n_post, m, k, rng)
    post = np.repeat(np.arange(n_post, dtype=np.int64), k)
    pre = x.ravel()
    if not autapses:
        pre = _skip_self(post, pre)
    # (pre, post) order by one sort of a combined key: pairs are distinct and
    # n_pre * n_post < 2**63, so the key sorts as the pairs do (a lexsort of
    # two arrays is ~4x slower at 10^7 synapses)
    key = pre * np.int64(n_post)
    key += post
    del pre, post
    key.sort()
    return _split_key(key, np.int64(n_post))


def one_to_one(n):
    i = np.arange(n, dtype=np.int64)
    return i, i.copy()


def all_to_all(n_pre, n_post, autapses=True):
    pre = np.repeat(np.arange(n_pre, dtype=np.int64), n_post)
    post = np.tile(np.arange(n_post, dtype=np.int64), n_pre)
    if not autapses:
        keep = pre != post
        pre, post = pre[keep], post[keep]
    return pre, post
