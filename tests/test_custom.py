"""User rules compiled with Numba (fastplastic.custom)."""
import numpy as np
import pytest

import fastplastic as fp
from fastplastic.units import ms, nA

W_MAX = 1.0


def on_pre(w, x, y, v):
    v[0] += 1.0                         # counts presynaptic events
    return w - 0.0105 * W_MAX * y


def on_post(w, x, y, v):
    v[1] = max(v[1], x)                 # largest presynaptic trace seen at a post spike
    return w + 0.01 * W_MAX * x


def _net(rule, seed=4):
    net = fp.Network(dt=0.1 * ms, seed=seed)
    src = net.add(fp.PoissonGroup(40, rates=30.0))
    lif = net.add(fp.LIF(30, synapses="current", i_bias=lambda r, n: r.uniform(0.18, 0.3, n) * nA))
    p1 = net.connect(src, lif, p=0.5, weight=lambda r, n: r.uniform(0.2, 0.8, n),
                     delay=lambda r, n: r.integers(1, 4, n) * 0.1 * ms, plasticity=rule)
    p2 = net.connect(lif, lif, p=0.3, weight=lambda r, n: r.uniform(0.2, 0.8, n), plasticity=rule)
    src_spikes = net.monitor(src, "spikes")
    return net, (p1, p2), src_spikes


def test_custom_pair_stdp_equals_builtin():
    custom = fp.CustomRule(on_pre, on_post, w_min=0.0, w_max=W_MAX, variables=["n_pre", "x_max"])
    builtin = fp.PairSTDP(a_pre=0.01, a_post=-0.0105, w_max=W_MAX)
    a, (ca, ca2), spikes = _net(custom)
    b, (ba, ba2), _ = _net(builtin)
    a.run(1.0)
    b.run(1.0)
    for c, bb in ((ca, ba), (ca2, ba2)):
        assert np.abs(c.weight - 0.5).max() > 0.05          # learned
        np.testing.assert_allclose(c.weight, bb.weight, rtol=0, atol=1e-12)
    # per-synapse variables: every synapse counted its presynaptic spikes
    counts = spikes.count[ca.pre_ids]
    np.testing.assert_array_equal(ca.synapse_vars[:, 0], counts)
    assert ca.synapse_vars[:, 1].max() > 1.0 and ca.synapse_vars[:, 1].min() >= 0


def test_custom_rule_bounds_and_missing_callbacks():
    rule = fp.CustomRule(on_post=lambda w, x, y, v: w + 10.0, w_min=0.0, w_max=0.9)
    net, (p1, p2), _ = _net(rule)
    w0 = p1.weight.copy()
    post_spikes = net.add(fp.SpikeMonitor(p1.post))
    net.run(0.2)
    spiked = np.zeros(p1.post.n, bool)
    spiked[np.unique(post_spikes.i)] = True
    hit = spiked[p1.post_ids]                    # synapses onto neurons that spiked
    assert np.all(p1.weight[hit] == 0.9)                   # clipped after every call
    assert np.all(p1.weight[~hit & (w0 < 0.9)] <= 0.9)


def test_custom_rule_errors():
    with pytest.raises(TypeError, match="on_pre"):
        fp.CustomRule(on_pre=lambda w, x, y, v: w + "a")
    with pytest.raises(TypeError, match="on_post"):
        fp.CustomRule(on_post=42)
    with pytest.raises(ValueError, match="variables"):
        fp.CustomRule(variables=["not an identifier"])
    with pytest.raises(ValueError, match="init"):
        fp.CustomRule(variables=["a"], init={"b": 1.0})
    with pytest.raises(TypeError, match="on_pre"):       # v[3] with one variable: caught
        fp.CustomRule(on_pre=lambda w, x, y, v: w + v[3], variables=["a"])
