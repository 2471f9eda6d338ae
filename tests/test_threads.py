"""Threads split neuron updates by neuron and spike delivery + plasticity by target neuron
(csrc/fp_engine.c); every rule must give bit-identical spikes and weights whatever the
thread count.  PARALLEL_DELIVERY_MIN_SYNAPSES is set to 0 so that these small networks
take the threaded delivery path too."""
import numpy as np
import pytest

import fastplastic as fp
import fastplastic.network as fp_network
from fastplastic.units import ms, mV, nA

from test_custom import on_post, on_pre
from test_deferred import RULES as DEFERRED_RULES
from test_plasticity import RULES, _plastic_net

CASES = dict(RULES)
CASES.update({f"{k}_deferred": (lambda f=f: f("deferred")) for k, f in DEFERRED_RULES.items()})
CASES.update({f"{k}_summed": (lambda f=DEFERRED_RULES[k]: f("summed"))
              for k in ("pair_additive", "pair_short_tau", "inhibitory")})
CASES["custom"] = lambda: fp.CustomRule(on_pre, on_post, w_min=0.0, w_max=1.0,
                                        variables=["n_pre", "x_max"])


@pytest.fixture(autouse=True)
def _threaded_delivery(monkeypatch):
    monkeypatch.setattr(fp_network, "PARALLEL_DELIVERY_MIN_SYNAPSES", 0)


def _outcome(net, seconds):
    mons = [net.monitor(g, "spikes") for g in net.groups]
    net.run(seconds)
    return ([m.i.copy() for m in mons] + [m.t.copy() for m in mons]
            + [p.weight.copy() for p in net.projections])


def _assert_identical(runs):
    for other in runs[1:]:
        assert len(other) == len(runs[0])
        for x, y in zip(runs[0], other):
            np.testing.assert_array_equal(x, y)


def _with_big_group(name, seed, n, threads):
    """_plastic_net plus a recurrent plastic LIF group of n, on `threads`."""
    net = _plastic_net(CASES[name], seed=seed)
    net.threads = threads
    big = net.add(fp.LIF(n, synapses="current", i_bias=lambda r, m: r.uniform(0.15, 0.3, m) * nA))
    net.connect(big, big, p=0.05, weight=lambda r, m: r.uniform(0.2, 0.8, m),
                plasticity=CASES[name]())
    return net


def _run_with_hook(set_hook, value, name, seed, threads):
    """(_outcome over 0.15 s, number of groups) of _with_big_group(name, seed,
    300, threads) with an engine test hook set to value (restored after)."""
    old = set_hook(value)
    try:
        net = _with_big_group(name, seed, 300, threads)
        return _outcome(net, 0.15), len(net.groups)
    finally:
        set_hook(old)


@pytest.mark.parametrize("name", sorted(CASES))
def test_rules_identical_across_thread_counts(name):
    runs = []
    for threads in (1, 2, 3):
        net = _with_big_group(name, 5, 200, threads)
        net.reward(3.0, at=0.05)
        runs.append(_outcome(net, 0.2))
    w_start = _plastic_net(CASES[name], seed=5).projections[0].weight
    assert np.abs(runs[0][-5] - w_start).max() > 0, "nothing learned: the test proves nothing"
    _assert_identical(runs)


def test_clopath_identical_across_thread_counts():
    runs = []
    for threads in (1, 2):
        net = fp.Network(dt=0.1 * ms, seed=2, threads=threads)
        src = net.add(fp.PoissonGroup(30, rates=40.0))
        nrn = net.add(fp.AdExClopath(9, i_bias=lambda r, n: r.uniform(0.6, 1.0, n) * nA))
        net.connect(src, nrn, p=0.6, weight=lambda r, n: r.uniform(1, 3, n) * mV,
                    plasticity=fp.ClopathSTDP(scale=0.05, w_max=6 * mV, homeostatic=True))
        runs.append(_outcome(net, 0.3))
    assert runs[0][0].size > 10 and runs[0][1].size > 10
    _assert_identical(runs)


def test_split_rows_deliver_like_whole_rows():
    """Rows split at every possible target boundary (fan-out 1..all, duplicates
    allowed): spikes and conductances equal the one-thread run exactly."""
    runs = []
    for threads in (1, 2, 4):
        net = fp.Network(dt=0.1 * ms, seed=7, threads=threads)
        src = net.add(fp.PoissonGroup(50, rates=200.0))
        dst = net.add(fp.LIF(7, synapses="conductance", i_bias=0.1 * nA))
        rng = np.random.default_rng(0)
        pre = rng.integers(0, 50, 600)
        post = rng.integers(0, 7, 600)
        net.connect(src, dst, pre_indices=pre, post_indices=post, weight=lambda r, n: r.uniform(0, 2e-9, n),
                    delay=lambda r, n: r.integers(1, 5, n) * 0.1 * ms)
        out = _outcome(net, 0.1)
        runs.append(out + [dst.ge.copy(), dst.v.copy()])
    assert runs[0][1].size > 20
    _assert_identical(runs)


def test_skewed_rows_are_cut_exactly():
    """A row's part for each thread is searched from where its targets would be
    if spread evenly; rows whose targets bunch at one end must still be cut at
    the right synapse (every synapse delivered once: same spikes, same weights)."""
    rng = np.random.default_rng(2)
    n = 300
    pre_idx, post_idx = [], []
    for i in range(n):           # row i: a dense bunch near one end, plus a few elsewhere
        lo = 0 if i % 3 == 0 else (n - 40 if i % 3 == 1 else 130)
        targets = np.unique(np.concatenate([lo + rng.choice(40, 25, replace=False),
                                            rng.choice(n, 3, replace=False)]))
        pre_idx += [i] * targets.size
        post_idx += list(targets)
    runs = []
    for threads in (1, 2, 3):
        net = fp.Network(dt=0.1 * ms, seed=4, threads=threads)
        g = net.add(fp.LIF(n, synapses="current", i_bias=lambda r, m: r.uniform(0.15, 0.3, m) * nA))
        net.connect(g, g, pre_indices=pre_idx, post_indices=post_idx,
                    weight=lambda r, m: r.uniform(0.0, 0.6, m),
                    plasticity=fp.PairSTDP(a_pre=0.05, a_post=-0.05, w_max=1.0))
        runs.append(_outcome(net, 0.2))
    assert sum(len(i) for i in runs[0][:1]) > 200
    _assert_identical(runs)


def test_large_groups_without_synapses_split_their_neurons(monkeypatch):
    """Below PARALLEL_DELIVERY_MIN_SYNAPSES a network runs on one thread unless
    it has >= 1e5 neurons; that path (threaded neuron updates, one delivery
    thread) must give the same spikes too."""
    monkeypatch.setattr(fp_network, "PARALLEL_DELIVERY_MIN_SYNAPSES", 10**9)
    runs = []
    for threads in (1, 2):
        net = fp.Network(dt=0.1 * ms, seed=9, threads=threads)
        src = net.add(fp.PoissonGroup(60_000, rates=20.0))
        g = net.add(fp.LIF(60_000, synapses="current",
                           i_bias=lambda r, n: r.uniform(0.1, 0.3, n) * nA))
        net.connect(src, g, rule="one_to_one", weight=0.2 * nA)
        runs.append(_outcome(net, 0.03))
    assert len(runs[0][1]) > 1000
    _assert_identical(runs)


@pytest.mark.parametrize("name", ["pair_additive_deferred", "triplet_all_deferred",
                                  sorted(RULES)[0], "custom"])
def test_results_do_not_depend_on_the_split(name):
    """The load balancer moves the threads' parts of every group between
    slices; fixed parts from very uneven to even (set_cut_test), and the
    balancer itself, all give the one-thread run bit for bit."""
    from fastplastic._kernels import engine

    def run(threads, cut):
        return _run_with_hook(engine.set_cut_test, cut, name, 6, threads)

    (first, n_groups), = [run(1, 0.0)]
    runs = [first] + [run(t, c)[0] for t in (2, 3) for c in (0.1, 0.5, 0.85, 0.0)]
    assert first[n_groups - 1].size > 300           # spikes of the big group
    _assert_identical(runs)


@pytest.mark.parametrize("name", ["pair_additive_summed", "pair_short_tau_summed",
                                  "pair_additive_deferred", sorted(RULES)[0], "custom"])
def test_results_do_not_depend_on_delivery_tiles(name):
    """Delivery in tiles of postsynaptic neurons (fp_engine.c tile_width): any
    width, down to one neuron and with the threads' parts cut across the
    tiles, gives the untiled one-thread run bit for bit -- static projections,
    summed, history and immediate rules alike."""
    from fastplastic._kernels import engine

    def run(threads, width):
        return _run_with_hook(engine.set_tile_test, width, name, 8, threads)

    (first, n_groups), = [run(1, 1_000_000)]           # one tile: no group is that big
    runs = [first] + [run(t, w)[0] for t, w in ((1, 1), (1, 7), (1, 64), (2, 7), (3, 64), (1, 0))]
    assert first[n_groups - 1].size > 300           # spikes of the big group
    _assert_identical(runs)


def test_tile_test_hook_is_validated():
    from fastplastic._kernels import engine
    for bad in (-1, 1.5, True, 2**31):
        with pytest.raises(ValueError, match="width"):
            engine.set_tile_test(bad)
    assert engine.set_tile_test(0) == 0


def test_cut_test_hook_is_validated():
    from fastplastic._kernels import engine
    with pytest.raises(ValueError, match="fraction"):
        engine.set_cut_test(1.5)


def test_balancer_cuts_carry_over_between_engine_calls():
    """The balancer's cuts are kept on the network from one engine call (one
    chunk of a run) to the next: a run that starts from uneven cuts ends with
    moved, still valid cuts and the one-thread results bit for bit."""
    runs = []
    for threads, start in ((1, None), (2, [0.0, 0.2, 1.0]), (3, [0.0, 0.1, 0.9, 1.0])):
        net = _with_big_group("pair_additive_deferred", 7, 300, threads)
        if start is not None:
            net._cuts = np.array(start)
        runs.append(_outcome(net, 0.15))           # 1500 steps: the balancer moves 3 times
        if start is not None:
            cuts = net._balance_cuts()
            assert cuts[0] == 0.0 and cuts[-1] == 1.0 and np.all(np.diff(cuts) > 0)
            assert not np.array_equal(cuts, start), "the cuts did not move or were not kept"
    _assert_identical(runs)


def test_a_changed_thread_count_starts_from_equal_cuts():
    net = _with_big_group("pair_additive_deferred", 7, 300, 2)
    net.run(0.06)
    net.threads = 3
    np.testing.assert_array_equal(net._balance_cuts(), [0.0, 1 / 3, 2 / 3, 1.0])


@pytest.mark.parametrize("bad", [[0.0, 0.5], [0.1, 0.5, 1.0], [0.0, 0.0, 1.0],
                                 [0.0, 1.2, 1.0], [0.0, np.nan, 1.0]])
def test_bad_cuts_are_refused_before_the_kernel(bad):
    from fastplastic._kernels import engine
    net = _with_big_group("pair_additive_deferred", 7, 300, 2)
    cuts = np.array(bad)
    with pytest.raises(ValueError, match="cuts"):
        engine.run([], [], [], [], net._modulator_dict(), 1, 2, 0, 1, cuts=cuts)


def test_thread_activity_accounts_for_each_thread_within_the_wall_time():
    """thread_activity sums, per thread, the seconds of work inside the
    engine's parallel loop (never more than the loop's wall time, which the
    run's own wall time bounds); a one-thread network records nothing, and a
    changed thread count starts from zeros."""
    import time
    net = _with_big_group("pair_additive_deferred", 7, 300, 2)
    net.run(0.01)
    before = net.thread_activity
    t0 = time.perf_counter()
    net.run(0.2)
    elapsed = time.perf_counter() - t0
    after = net.thread_activity
    wall = after["wall_s"] - before["wall_s"]
    busy = after["busy_s"] - before["busy_s"]
    assert 0.0 < wall <= elapsed
    assert busy.shape == (2,)
    assert np.all(busy > 0.0) and np.all(busy <= wall * (1 + 1e-9))
    after["busy_s"][:] = -1.0                       # (a copy: the sums are untouched)
    assert np.all(net.thread_activity["busy_s"] > 0.0)
    net.threads = 3
    assert net.thread_activity["wall_s"] == 0.0
    assert net.thread_activity["busy_s"].shape == (3,)
    one = _with_big_group("pair_additive_deferred", 7, 300, 1)
    one.run(0.05)
    assert one.thread_activity["wall_s"] == 0.0 and one.thread_activity["busy_s"][0] == 0.0


@pytest.mark.parametrize("bad", [np.zeros(2), np.zeros(3, dtype=np.float32), np.zeros((3, 1)),
                                 [0.0, 0.0, 0.0]])
def test_bad_thread_times_are_refused_before_the_kernel(bad):
    from fastplastic._kernels import engine
    net = _with_big_group("pair_additive_deferred", 7, 300, 2)
    with pytest.raises(ValueError, match="times"):
        engine.run([], [], [], [], net._modulator_dict(), 1, 2, 0, 1, times=bad)
    ro = np.zeros(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="times"):
        engine.run([], [], [], [], net._modulator_dict(), 1, 2, 0, 1, times=ro)


def _pipelined_net(threads, min_delay_steps, update="deferred"):
    """Strong Poisson drive (fills spike records mid-chunk: the engine stops and
    resumes) onto one large LIF group with deferred recurrent STDP: fp_run's
    pipelined schedule without a barrier between delivery and the next
    neuron updates (every group with input is split among all threads)."""
    net = fp.Network(dt=0.1 * ms, seed=12, threads=threads)
    src = net.add(fp.PoissonGroup(2000, rates=500.0))
    g = net.add(fp.LIF(400, synapses="current", t_ref=2 * ms,
                       i_bias=lambda r, m: r.uniform(0.1, 0.25, m) * nA))
    delay = lambda r, m: r.integers(min_delay_steps, min_delay_steps + 3, m) * 0.1 * ms
    net.connect(src, g, p=0.02, weight=0.02 * nA, delay=delay)
    rule = fp.PairSTDP(a_pre=0.05, a_post=-0.055, w_max=1.0, update=update)
    net.connect(g, g, p=0.1, weight=lambda r, m: r.uniform(0.0, 1.0, m), delay=delay,
                plasticity=rule)
    return net


@pytest.mark.parametrize("min_delay_steps", [1, 2])
def test_pipelined_schedule_matches_one_thread_and_immediate_updates(min_delay_steps):
    runs = []
    for threads in (1, 2, 3):
        net = _pipelined_net(threads, min_delay_steps)
        assert net.projections[1].deferred
        runs.append(_outcome(net, 0.15))
    assert runs[0][0].size > 1 << 16, "the spike record never filled: the resume path is untested"
    assert runs[0][1].size > 500
    _assert_identical(runs)
    w_start = _pipelined_net(1, min_delay_steps).projections[1].weight
    assert np.abs(runs[0][-1] - w_start).max() > 0.1
    immediate = _outcome(_pipelined_net(2, min_delay_steps, "immediate"), 0.15)
    _assert_identical([runs[0][:4], immediate[:4]])
    np.testing.assert_allclose(runs[0][-1], immediate[-1], rtol=0, atol=1e-12)


def test_non_finite_state_stops_a_pipelined_threaded_run_like_one_thread():
    out = []
    for threads in (1, 2):
        net = _pipelined_net(threads, 1)
        bomb = net.add(fp.SpikeTrains(1, [0], [20 * ms]))
        net.connect(bomb, net.groups[1], rule="all_to_all", weight=1e308)
        net.connect(bomb, net.groups[1], rule="all_to_all", weight=1e308)
        with pytest.raises(fp.SimulationError, match=r"non-finite (ge|v) in group"):
            net.run(0.05)
        out.append((net.t, net.groups[1].v.copy(), net.projections[1].weight.copy()))
    assert out[0][0] == out[1][0] and 0.02 < out[0][0] < 0.0225
    np.testing.assert_array_equal(out[0][1], out[1][1])
    np.testing.assert_array_equal(out[0][2], out[1][2])
