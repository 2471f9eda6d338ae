"""update="summed": deferred potentiation kept as per-neuron sums (fp_plasticity.h)
gives the weights of immediate potentiation to rounding, restarts its sums at the
same steps however a run is cut, and rejects rules it cannot sum."""
import numpy as np
import pytest

import fastplastic as fp
import fastplastic.synapses as S
from fastplastic.units import ms, nA

from test_deferred import RULES, W_MAX, _net, _run, assert_equals_immediate

SUMMABLE = ["pair_additive", "pair_short_tau", "inhibitory"]
RULES = dict(RULES)
RULES["pair_nearest_additive"] = lambda u: fp.PairSTDP(a_pre=0.1, a_post=-0.1, w_max=W_MAX,
                                                       scheme="nearest", update=u)
SUMMABLE.append("pair_nearest_additive")
# a fast depression trace: y_base factors up to e^320 (tau_post 0.5 ms), and
# beyond what they may span (0.2 ms: e^800), where the dense traces are read
for tau_post in (0.5, 0.2):
    RULES[f"pair_tau_post_{tau_post}"] = (
        lambda u, t=tau_post: fp.PairSTDP(tau_pre=20 * ms, tau_post=t * ms, a_pre=0.1,
                                          a_post=-0.1, w_max=W_MAX, update=u))
    SUMMABLE.append(f"pair_tau_post_{tau_post}")


def _slow_net(factory, update, seed=4, delay_steps=6):
    """As test_deferred._net, but every delay 0.6 ms: slices of 6 steps, so
    that sums restart inside slices too (fp_engine.c restart_sums)."""
    rng = np.random.default_rng(seed)
    net = fp.Network(dt=0.1 * ms, seed=seed)
    src = net.add(fp.PoissonGroup(30, rates=rng.uniform(10, 80, 30)))
    lif = net.add(fp.LIF(60, synapses="current", t_ref=2 * ms,
                         i_bias=lambda r, n: r.uniform(0.15, 0.3, n) * nA))
    w0 = lambda r, n: r.uniform(0.0, 1.0, n)
    d = delay_steps * 0.1 * ms
    net.connect(src, lif, p=0.5, weight=w0, delay=d, plasticity=factory(update))
    net.connect(lif, lif, p=0.3, weight=w0, delay=d, plasticity=factory(update))
    return net


@pytest.mark.parametrize("name", SUMMABLE)
def test_summed_equals_immediate(name):
    assert RULES[name]("summed").summed
    assert_equals_immediate(RULES[name], "summed", name)


@pytest.mark.parametrize("sum_range", [S._SUM_RANGE, 0.4])
def test_summed_weights_do_not_depend_on_run_cuts(sum_range, monkeypatch):
    """Restarts (every sum_range tau; 0.4: every 8 steps, inside slices) fall on
    the same steps however the run is cut, so without reads in between the
    weights are bit-identical; they stay within rounding of immediate."""
    monkeypatch.setattr(S, "_SUM_RANGE", sum_range)
    rule = RULES["pair_additive"]
    _, w_ref = _run(_slow_net(rule, "summed"))
    _, w_cut = _run(_slow_net(rule, "summed"), pieces=(0.1003, 0.05, 0.2497))
    _, w_imm = _run(_slow_net(rule, "immediate"))
    for a, b, c in zip(w_ref, w_cut, w_imm):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=0, atol=1e-12)
    assert max(np.abs(a - b).max() for a, b in
               zip(w_ref, [p.weight for p in _slow_net(rule, "summed").projections])) > 0.1


def test_summed_threads_and_restarts_inside_slices_are_bit_identical(monkeypatch):
    monkeypatch.setattr(S, "_SUM_RANGE", 0.4)
    import fastplastic.network as fp_network
    monkeypatch.setattr(fp_network, "PARALLEL_DELIVERY_MIN_SYNAPSES", 0)
    out = []
    for threads in (1, 2, 3):
        net = _slow_net(RULES["pair_additive"], "summed")
        net.threads = threads
        out.append(_run(net))
    for spikes, w in out[1:]:
        for (a, b), (c, d) in zip(out[0][0], spikes):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)
        for a, b in zip(out[0][1], w):
            np.testing.assert_array_equal(a, b)


def test_summed_weights_are_current_when_read():
    """A read applies the sums pending (one post spike after the pre spike)."""
    rule = fp.PairSTDP(a_pre=0.01, a_post=-0.0105, w_max=W_MAX, update="summed")
    net = fp.Network(dt=0.1 * ms, seed=0)
    pre = net.add(fp.SpikeTrains(1, [0], [0.010]))
    post = net.add(fp.SpikeTrains(1, [0, 0], [0.015, 0.018]))
    p = net.connect(pre, post, rule="all_to_all", weight=0.5, plasticity=rule)
    net.run(0.03)
    assert p._history_pending
    expect = 0.5 + rule.window(5 * ms) + rule.window(8 * ms)
    assert p.weight[0] == pytest.approx(expect, abs=1e-15)
    assert not p._history_pending and p._weight[0] == p.weight[0]     # (weights, not offsets)


def test_summed_memory_is_counted():
    """Summed rules hold no per-synapse state beyond the weight (offsets in
    its place) and sums instead of step histories; the estimate says so."""
    nets = {u: _net(RULES["pair_additive"], u) for u in ("deferred", "summed")}
    est = {u: n.memory_estimate()["total"] for u, n in nets.items()}
    scratch = {}
    for u, n in nets.items():
        n.run(0.05, progress=False)
        scratch[u] = sum(a.nbytes for p in n.projections for a in p._history.values()
                         if isinstance(a, np.ndarray))
    saved = scratch["deferred"] - scratch["summed"]
    assert saved > 1000
    assert est["deferred"] - est["summed"] == saved


def test_summed_is_refused_where_the_terms_do_not_add_up():
    for bad in (dict(weight_dependence="multiplicative"), dict(scheme="presynaptic_centred")):
        with pytest.raises(ValueError, match="update='summed' needs"):
            fp.PairSTDP(w_max=1.0, update="summed", **bad)
    with pytest.raises(ValueError, match="update='summed' needs"):
        fp.TripletSTDP(update="summed")
    assert fp.PairSTDP(w_max=1.0, update="summed")._defers(1)
    assert not fp.PairSTDP(w_max=1.0)._defers(1)


def test_summed_checkpoint_resume_is_bit_identical(tmp_path):
    """A checkpoint applies the pending sums (a read); the saved network and
    the one that goes on from that read are the same, bit for bit."""
    net = _net(RULES["pair_additive"], "summed")
    net.run(0.12, progress=False)
    fp.io.save(net, tmp_path / "c.npz")
    net2 = fp.io.load(tmp_path / "c.npz")
    assert all(p.plasticity.summed for p in net2.projections)
    for n in (net, net2):
        n.run(0.18, progress=False)
    assert all(p._history_pending and p._history["h_sum"].any() for p in net2.projections)
    for a, b in zip(net.projections, net2.projections):
        np.testing.assert_array_equal(a.weight, b.weight)
