"""Deferred (NEST-style) potentiation gives the weights of immediate (Auryn-style)
potentiation: same updates in the same order, hard bounds applied in time order."""
import numpy as np
import pytest

import fastplastic as fp
import fastplastic.synapses as S
from fastplastic.units import ms, nA

W_MAX = 1.0

# large amplitudes so that both hard bounds are hit many times
RULES = {
    "pair_additive": lambda u: fp.PairSTDP(a_pre=0.2, a_post=-0.21, w_max=W_MAX, update=u),
    "pair_nearest_mult": lambda u: fp.PairSTDP(tau_pre=15 * ms, tau_post=30 * ms, a_pre=0.05,
                                               a_post=-0.04, w_max=W_MAX, scheme="nearest",
                                               weight_dependence="multiplicative", update=u),
    "pair_gutig": lambda u: fp.PairSTDP(a_pre=0.05, a_post=-0.05, w_max=W_MAX, update=u,
                                        weight_dependence=fp.WeightDependence.gutig(0.4)),
    "pair_power_law": lambda u: fp.PairSTDP(a_pre=0.05, a_post=-0.03, w_max=W_MAX, update=u,
                                            weight_dependence=fp.WeightDependence.power_law(0.4, 0.5)),
    "triplet_all": lambda u: fp.TripletSTDP.preset("visual_cortex_all_to_all", a3_plus=0.3,
                                                   w_min=0.0, w_max=W_MAX, update=u),
    "triplet_nearest": lambda u: fp.TripletSTDP.preset("hippocampal_nearest", a2_plus=0.1,
                                                       w_min=0.0, w_max=W_MAX, update=u),
    "inhibitory": lambda u: fp.InhibitorySTDP(eta=0.05, rho0=10.0, w_max=W_MAX, update=u),
    # time constants of a few steps: trace reads beyond the decay tables (exp())
    "pair_short_tau": lambda u: fp.PairSTDP(tau_pre=1 * ms, tau_post=0.3 * ms, a_pre=0.2,
                                            a_post=-0.21, w_max=W_MAX, update=u),
}


def _net(factory, update, seed=3, n_lif=40):
    """Poisson -> LIF and LIF -> LIF (plastic), plus replayed trains that force
    pre and post spikes in the same step."""
    rng = np.random.default_rng(seed)
    net = fp.Network(dt=0.1 * ms, seed=seed)
    src = net.add(fp.PoissonGroup(30, rates=rng.uniform(10, 80, 30)))
    rep_t = np.arange(5, 400, 6) * 1e-3
    rep = net.add(fp.SpikeTrains(2, np.arange(rep_t.size) % 2, rep_t))
    lif = net.add(fp.LIF(n_lif, synapses="current", t_ref=2 * ms,
                         i_bias=lambda r, n: r.uniform(0.15, 0.3, n) * nA))
    w0 = lambda r, n: r.uniform(0.0, 1.0, n)      # ~0 A as currents: i_bias drives
    delay = lambda r, n: r.integers(1, 4, n) * 0.1 * ms
    net.connect(src, lif, p=0.5, weight=w0, delay=delay, plasticity=factory(update))
    net.connect(lif, lif, p=0.3, weight=w0, delay=delay, plasticity=factory(update))
    net.connect(rep, lif, rule="all_to_all", weight=w0, plasticity=factory(update))
    net.connect(lif, rep, rule="all_to_all", weight=w0, plasticity=factory(update))
    return net


def _run(net, pieces=(0.4,)):
    mons = [net.monitor(g, "spikes") for g in net.groups]
    for d in pieces:
        net.run(d, progress=False)
    return [(m.i.copy(), m.t.copy()) for m in mons], [p.weight.copy() for p in net.projections]


def assert_equals_immediate(factory, update, name):
    """_net with rule factory(update) gives immediate's spikes, and its weights
    to 1e-12."""
    nets = {u: _net(factory, u) for u in ("immediate", update)}
    assert all(p.deferred for p in nets[update].projections)
    assert not any(p.deferred for p in nets["immediate"].projections)
    (s_i, w_i), (s_d, w_d) = _run(nets["immediate"]), _run(nets[update])
    for (ii, ti), (idd, td) in zip(s_i, s_d):
        np.testing.assert_array_equal(ii, idd)
        np.testing.assert_array_equal(ti, td)
    assert sum(len(i) for i, _ in s_i) > 1000
    for a, b in zip(w_i, w_d):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)
    w = np.concatenate(w_d)
    if name == "pair_additive":                 # both bounds were exercised
        assert (w == W_MAX).sum() > 10 and (w == 0.0).sum() > 10
    if name == "triplet_all":
        assert (w == W_MAX).sum() > 10


@pytest.mark.parametrize("name", sorted(RULES))
def test_deferred_equals_immediate(name):
    assert_equals_immediate(RULES[name], "deferred", name)


@pytest.mark.parametrize("name", ["pair_additive", "triplet_all"])
def test_deferred_weights_do_not_depend_on_flushes(name, monkeypatch):
    """Run boundaries, weight monitors and history overflows flush pending
    updates at different times; the weights stay bit-identical."""
    _, w_ref = _run(_net(RULES[name], "deferred"))
    _, w_split = _run(_net(RULES[name], "deferred"), pieces=(0.1, 0.05, 0.25))
    net = _net(RULES[name], "deferred")
    net.monitor(net.projections[1], "weight", interval=7 * ms)       # flush at every chunk
    _, w_mon = _run(net)
    monkeypatch.setattr(S, "_HISTORY_CAP", 2)                        # flush on overflow
    monkeypatch.setattr(S, "_EXP_RANGE", 0.3)                        # many replay cells
    monkeypatch.setattr(S, "_LOW_TABLE_BITS", 2)                     # both factor tables used
    _, w_small = _run(_net(RULES[name], "deferred"))
    for a, b, c, d in zip(w_ref, w_split, w_mon, w_small):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
        np.testing.assert_allclose(d, a, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", sorted(RULES))
def test_vector_paths_are_bit_identical_to_scalar(name):
    """The vector paths of the deferred scan (AVX-512: pending lists and
    dense postsynaptic traces; AVX2: dense traces) give the scalar paths'
    weights bit for bit, and every path the CPU has is exercised.  Rows of
    100-400 synapses: most of each row goes through 16-synapse chunks.
    (Paths the CPU lacks fall back to the next narrower one.)"""
    from fastplastic._kernels import engine

    def net():
        n = _net(RULES[name], "deferred", n_lif=400)
        # 8 synchronous neurons: 3200 events in a step onto 400 targets,
        # so the postsynaptic traces are read densely (trace_dense)
        t = np.repeat(np.arange(7, 400, 9) * 1e-3, 8)
        sync = n.add(fp.SpikeTrains(8, np.tile(np.arange(8), t.size // 8), t))
        n.connect(sync, n.groups[2], rule="all_to_all", weight=0.5, plasticity=RULES[name]("deferred"))
        return n

    results = []
    for simd in (True, "avx2", False):
        old = engine.set_simd(simd)
        try:
            results.append(_run(net()))
        finally:
            engine.set_simd(old)
    s_s, w_s = results[-1]
    for s_v, w_v in results[:-1]:
        for (iv, tv), (i_s, t_s) in zip(s_v, s_s):
            np.testing.assert_array_equal(iv, i_s)
            np.testing.assert_array_equal(tv, t_s)
        for a, b in zip(w_v, w_s):
            np.testing.assert_array_equal(a, b)


def test_weights_are_current_when_read_between_samples():
    """A weight monitor sees the deferred potentiation of post spikes that no
    presynaptic spike has replayed yet."""
    rule = fp.PairSTDP(a_pre=0.01, a_post=-0.0105, w_max=W_MAX, update="deferred")
    net = fp.Network(dt=0.1 * ms, seed=0)
    pre = net.add(fp.SpikeTrains(1, [0], [0.010]))
    post = net.add(fp.SpikeTrains(1, [0], [0.015]))
    p = net.connect(pre, post, rule="all_to_all", weight=0.5, plasticity=rule)
    mon = net.monitor(p, "weight", interval=10 * ms)
    net.run(0.03)
    expect = 0.5 + rule.window(5 * ms)
    assert p.weight[0] == pytest.approx(expect, abs=1e-15)
    np.testing.assert_allclose(mon.values[:, 0], [0.5, 0.5, expect], atol=1e-15)


def test_deferred_checkpoint_resume_is_bit_identical(tmp_path):
    net = _net(RULES["triplet_all"], "deferred")
    _, w_ref = _run(net, pieces=(0.3,))
    net2 = _net(RULES["triplet_all"], "deferred")
    net2.run(0.12, progress=False)
    fp.io.save(net2, tmp_path / "c.npz")
    net3 = fp.io.load(tmp_path / "c.npz")
    net3.run(0.18, progress=False)
    for a, p in zip(w_ref, net3.projections):
        np.testing.assert_array_equal(a, p.weight)


def test_update_choice_is_validated():
    with pytest.raises(ValueError, match="update"):
        fp.PairSTDP(w_max=1.0, update="later")
    with pytest.raises(ValueError, match="update='deferred' needs"):
        fp.PairSTDP(w_max=1.0, scheme="presynaptic_centred", update="deferred")
    big = fp.plasticity.AUTO_DEFER_MIN_SYNAPSES
    assert not fp.PairSTDP(w_max=1.0, scheme="restricted_symmetric")._defers(big)
    assert fp.PairSTDP(w_max=1.0)._defers(big) and not fp.PairSTDP(w_max=1.0)._defers(big - 1)
    assert fp.PairSTDP(w_max=1.0, update="deferred")._defers(1)
    assert not fp.RewardModulated(fp.PairSTDP(w_max=1.0))._defers(big)


def test_set_simd_rejects_unknown_modes_and_returns_the_previous_one():
    from fastplastic._kernels import engine
    old = engine.set_simd("avx2")
    try:
        assert engine.set_simd(False) == "avx2"
        with pytest.raises(ValueError, match="set_simd"):
            engine.set_simd("sse")
        assert engine.set_simd(True) is False
    finally:
        engine.set_simd(old)
