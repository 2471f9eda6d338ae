"""Connectivity builders, CSR storage and the transposed index."""
import numpy as np
import pytest

import fastplastic as fp
from fastplastic.units import ms, nS, pA


@pytest.fixture
def net():
    n = fp.Network(dt=0.1 * ms, seed=3)
    n.a = n.add(fp.LIF(300, synapses="conductance", name="a"))
    n.b = n.add(fp.LIF(200, synapses="current", name="b"))
    return n


def _pairs(p):
    return set(zip(p.pre_ids.tolist(), p.post_ids.tolist()))


def test_fixed_probability_count_and_uniformity(net):
    p = net.connect(net.a, net.b, p=0.1, weight=1 * pA)
    n = 300 * 200
    assert abs(p.n_synapses - 0.1 * n) < 5 * np.sqrt(n * 0.1 * 0.9)
    assert len(_pairs(p)) == p.n_synapses                       # no multapses
    # rows sorted by pre then post (CSR order)
    key = p.pre_ids * 1000 + p.post_ids
    assert np.all(np.diff(key) > 0)
    # every post index equally likely: chi-square on the in-degrees
    indeg = np.bincount(p.post_ids, minlength=200)
    expect = p.n_synapses / 200
    chi2 = ((indeg - expect) ** 2 / expect).sum()
    assert chi2 < 200 + 5 * np.sqrt(400)


def test_fixed_probability_without_autapses(net):
    p = net.connect(net.a, net.a, p=0.5, weight=1 * nS, autapses=False)
    assert np.all(p.pre_ids != p.post_ids)
    assert abs(p.n_synapses - 0.5 * 300 * 299) < 5 * np.sqrt(300 * 299 * 0.25)
    with_self = net.connect(net.a, net.a, p=1.0, weight=1 * nS)
    assert with_self.n_synapses == 300 * 300


@pytest.mark.parametrize("autapses", [True, False])
def test_fixed_indegree_exact(net, autapses):
    p = net.connect(net.a, net.a, in_degree=17, weight=1 * nS, autapses=autapses)
    assert np.all(np.bincount(p.post_ids, minlength=300) == 17)
    assert len(_pairs(p)) == p.n_synapses
    assert autapses or np.all(p.pre_ids != p.post_ids)


def test_fixed_indegree_large_sparse_path():
    """The redraw path (many rows, few partners) still gives distinct partners."""
    net = fp.Network(seed=1)
    a = net.add(fp.PoissonGroup(30000, rates=1.0))
    b = net.add(fp.LIF(1000, synapses="current"))
    p = net.connect(a, b, in_degree=40, weight=1 * pA)
    key = p.post_ids.astype(np.int64) * 30000 + p.pre_ids
    assert np.unique(key).size == 40 * 1000
    assert np.all(np.bincount(p.post_ids, minlength=1000) == 40)


def test_one_to_one_all_to_all_explicit(net):
    c = net.add(fp.LIF(200, synapses="current"))
    o = net.connect(net.b, c, rule="one_to_one", weight=1 * pA)
    assert np.array_equal(o.pre_ids, np.arange(200)) and np.array_equal(o.post_ids, np.arange(200))
    a2a = net.connect(net.b, c, rule="all_to_all", weight=1 * pA, autapses=False)
    assert a2a.n_synapses == 200 * 200                    # autapses only concern pre is post
    e = net.connect(net.a, net.b, pre_indices=[5, 1, 5], post_indices=[2, 3, 0],
                    weight=np.array([1.0, 2.0, 3.0]) * pA, delay=np.array([1, 2, 3]) * 0.1 * ms)
    assert e.pre_ids.tolist() == [1, 5, 5] and e.post_ids.tolist() == [3, 0, 2]
    np.testing.assert_allclose(e.weight, np.array([2.0, 3.0, 1.0]) * pA)
    np.testing.assert_array_equal(e.delay_steps, [2, 3, 1])


def test_weights_and_delays_from_callables(net):
    p = net.connect(net.a, net.b, p=0.2, weight=lambda r, n: r.uniform(1, 2, n) * pA,
                    delay=lambda r, n: r.integers(1, 5, n) * 0.1 * ms)
    assert p.weight.min() >= 1 * pA and p.weight.max() <= 2 * pA
    assert set(np.unique(p.delay_steps)) == {1, 2, 3, 4}
    np.testing.assert_allclose(p.delays, p.delay_steps * 1e-4)


def test_transposed_index(net):
    p = net.connect(net.a, net.b, p=0.05, weight=lambda r, n: r.random(n))
    col_ptr, syn = p.incoming()
    assert col_ptr[-1] == p.n_synapses
    for j in (0, 7, 199):
        ids = syn[col_ptr[j]:col_ptr[j + 1]]
        assert np.all(p.post_ids[ids] == j)
        assert np.all(np.diff(ids) > 0)
        expect = np.nonzero(p.post_ids == j)[0]
        np.testing.assert_array_equal(ids, expect)
    assert p.incoming() is p.incoming() or p.incoming()[1] is syn      # built once
    dense = p.to_dense()
    assert np.count_nonzero(dense) == p.n_synapses


def test_same_seed_same_connectivity():
    def build(seed):
        n = fp.Network(seed=seed)
        g = n.add(fp.LIF(500))
        return n.connect(g, g, p=0.05, weight=lambda r, k: r.random(k))
    a, b, c = build(4), build(4), build(5)
    assert np.array_equal(a.post_ids, b.post_ids) and np.array_equal(a.weight, b.weight)
    assert not np.array_equal(a.row_ptr, c.row_ptr)


def test_connectivity_is_read_only_but_weights_are_not(net):
    p = net.connect(net.a, net.b, p=0.2, weight=1 * pA)
    for arr in (p.row_ptr, p.post_ids, p.delay_steps):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 10**6 if arr.dtype != np.uint16 else 7
    p.weight[:] = 2 * pA
    net.run(1 * ms)
    assert np.all(p.weight == 2 * pA)


def test_stored_rows_must_be_sorted_by_target():
    """Checkpoint arrays whose rows are not sorted by postsynaptic index are refused
    (threaded delivery cuts rows by binary search); sorted ones load."""
    from fastplastic.synapses import Projection
    net = fp.Network(seed=0)
    a, b = net.add(fp.PoissonGroup(2, rates=5.0)), net.add(fp.LIF(4))
    args = (np.array([0, 3, 5]), None, np.ones(5), np.ones(5, np.uint16), "exc", 1e-4, "x")
    ok = Projection._from_arrays(a, b, args[0], np.array([0, 1, 3, 2, 3], np.int32), *args[2:])
    assert ok.n_synapses == 5
    with pytest.raises(ValueError, match="not sorted"):
        Projection._from_arrays(a, b, args[0], np.array([0, 3, 1, 2, 3], np.int32), *args[2:])


def _uniform_delay_net():
    net = fp.Network(dt=0.1 * ms, seed=8)
    src = net.add(fp.PoissonGroup(60, rates=40.0))
    dst = net.add(fp.LIF(30, synapses="current", i_bias=0.2e-9))
    net.connect(src, dst, p=0.3, weight=2 * pA, delay=0.3 * ms)                       # static
    net.connect(src, dst, p=0.3, weight=2 * pA, delay=0.2 * ms,
                plasticity=fp.PairSTDP(a_pre=0.2 * pA, a_post=-0.21 * pA, w_max=5 * pA))
    net.connect(dst, dst, p=0.3, weight=2 * pA, delay=0.4 * ms,
                plasticity=fp.PairSTDP(a_pre=0.2 * pA, a_post=-0.21 * pA, w_max=5 * pA,
                                       update="deferred"))
    mon = net.monitor(dst, "spikes")
    net.run(0.3)
    return net, mon


def test_shared_delay_is_stored_once_and_delivers_the_same(monkeypatch):
    """A projection whose synapses share one delay keeps it once (12 instead of 14
    bytes per static synapse) and gives bit-identical results to per-synapse storage."""
    import fastplastic.synapses as S
    compact, mon = _uniform_delay_net()
    for p in compact.projections:
        assert p.delay_steps.strides == (0,) and p._uniform_delay() >= 2
        assert p.nbytes == p.row_ptr.nbytes + 12 * p.n_synapses + 2
    monkeypatch.setattr(S, "_compact_delays", lambda d: np.ascontiguousarray(d, dtype=np.uint16))
    full, mon_full = _uniform_delay_net()
    assert all(p.delay_steps.strides == (2,) for p in full.projections)
    assert mon.i.size > 50
    np.testing.assert_array_equal(mon.i, mon_full.i)
    np.testing.assert_array_equal(mon.t, mon_full.t)
    for a, b in zip(compact.projections, full.projections):
        np.testing.assert_array_equal(a.weight, b.weight)
