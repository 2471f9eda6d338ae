"""Plasticity kernels against the NumPy reference and analytic/published results."""
import numpy as np
import pytest

import fastplastic as fp
from fastplastic.units import ms, nA
from reference.network_ref import simulate

W_MAX = 1.0

RULES = {
    "pair_additive": lambda: fp.PairSTDP(a_pre=0.02, a_post=-0.021, w_max=W_MAX),
    "pair_nearest_mult": lambda: fp.PairSTDP(tau_pre=15 * ms, tau_post=30 * ms, a_pre=0.05,
                                             a_post=-0.04, w_max=W_MAX, scheme="nearest",
                                             weight_dependence="multiplicative"),
    "pair_gutig": lambda: fp.PairSTDP(a_pre=0.05, a_post=-0.05, w_max=W_MAX,
                                      weight_dependence=fp.WeightDependence.gutig(0.4)),
    "pair_pre_centred": lambda: fp.PairSTDP(a_pre=0.05, a_post=-0.04, w_max=W_MAX,
                                            scheme="presynaptic_centred"),
    "pair_restricted": lambda: fp.PairSTDP(tau_pre=10 * ms, a_pre=0.05, a_post=-0.04,
                                           w_max=W_MAX, scheme="restricted_symmetric",
                                           weight_dependence="multiplicative"),
    "pair_power_law": lambda: fp.PairSTDP(a_pre=0.05, a_post=-0.03, w_max=W_MAX,
                                          weight_dependence=fp.WeightDependence.power_law(0.4, 0.5)),
    "triplet_all": lambda: fp.TripletSTDP.preset("visual_cortex_all_to_all", a3_plus=0.05,
                                                 w_min=0.0, w_max=W_MAX),
    "triplet_nearest": lambda: fp.TripletSTDP.preset("hippocampal_nearest", w_min=0.0, w_max=W_MAX),
    "inhibitory": lambda: fp.InhibitorySTDP(eta=0.01, rho0=10.0, w_max=W_MAX),
    "pair_additive_summed": lambda: fp.PairSTDP(a_pre=0.02, a_post=-0.021, w_max=W_MAX,
                                                update="summed"),
    "inhibitory_summed": lambda: fp.InhibitorySTDP(eta=0.01, rho0=10.0, w_max=W_MAX,
                                                   update="summed"),
    "reward_modulated": lambda: fp.RewardModulated(
        fp.PairSTDP(a_pre=0.5, a_post=-0.6, w_max=W_MAX), tau_c=0.05),
    "reward_modulated_pre_centred": lambda: fp.RewardModulated(
        fp.PairSTDP(a_pre=0.5, a_post=-0.6, w_max=W_MAX, scheme="presynaptic_centred"),
        tau_c=0.05),
}


def _plastic_net(rule_factory, seed):
    """Poisson -> LIF (plastic), LIF -> LIF recurrent (plastic, sharing the LIF's
    traces), and a replay group that forces simultaneous pre/post spikes."""
    rng = np.random.default_rng(seed)
    net = fp.Network(dt=0.1 * ms, seed=seed)
    src = net.add(fp.PoissonGroup(20, rates=rng.uniform(20, 80, 20)))
    rep_t = np.arange(5, 300, 7) * 1e-3
    rep = net.add(fp.SpikeTrains(2, np.arange(rep_t.size) % 2, rep_t))
    lif = net.add(fp.LIF(12, synapses="current", t_ref=2 * ms,
                         i_bias=lambda r, n: r.uniform(0.15, 0.25, n) * nA))
    w0 = lambda r, n: r.uniform(0.2, 0.8, n)     # as currents these are ~0 A: the
                                                  # neurons are driven by i_bias
    delay = lambda r, n: r.integers(1, 4, n) * 0.1 * ms
    net.connect(src, lif, p=0.5, weight=w0, delay=delay, plasticity=rule_factory())
    net.connect(lif, lif, p=0.4, weight=w0, delay=delay, plasticity=rule_factory())
    net.connect(rep, lif, rule="all_to_all", weight=w0, plasticity=rule_factory())
    net.connect(lif, rep, rule="all_to_all", weight=w0, plasticity=rule_factory())
    return net


@pytest.mark.parametrize("name", sorted(RULES))
def test_kernel_matches_reference(name):
    _assert_matches_reference(_plastic_net(RULES[name], seed=11))


@pytest.mark.parametrize("name", ["pair_additive_summed", "inhibitory_summed"])
def test_summed_tiles_and_lagging_rows_match_reference(name, monkeypatch):
    """Summed rules with their sums restarted every 0.4 tau (so that rows lag
    by one to FP_SUM_OLD restarts, and older ones are caught up) and rows
    scanned in tiles of 3 targets (fp_engine.c tile_width, forced): the
    NumPy reference's spikes, and its weights to 1e-12."""
    import fastplastic.synapses as S
    from fastplastic._kernels import engine
    monkeypatch.setattr(S, "_SUM_RANGE", 0.4)
    old = engine.set_tile_test(3)
    try:
        _assert_matches_reference(_plastic_net(RULES[name], seed=11))
    finally:
        engine.set_tile_test(old)


def _assert_matches_reference(net):
    for when, amount in ((0.0, 5.0), (0.1, 20.0), (0.2, -10.0), (0.25, 30.0)):
        net.reward(amount, at=when)       # only three-factor rules listen
    w_before = [p.weight.copy() for p in net.projections]
    ref_spikes, _, ref_w = simulate(net, 3000)
    mons = [net.monitor(g, "spikes") for g in net.groups]
    net.run(0.3)
    n_spk = sum(m.num_spikes for m in mons)
    assert n_spk > 300
    for g, m, r in zip(net.groups, mons, ref_spikes):
        got = list(zip(np.rint(m.t / net.dt).astype(int).tolist(), m.i.tolist()))
        assert got == r, g.name
    for p, w0, wr in zip(net.projections, w_before, ref_w):
        assert np.abs(p.weight - w0).max() > 1e-3, f"{p.name} did not learn"
        np.testing.assert_allclose(p.weight, wr, rtol=0, atol=1e-12, err_msg=p.name)


def _pair_run(rule, t_pre, t_post, w0=0.5, dt=0.1 * ms):
    net = fp.Network(dt=dt, seed=0)
    pre = net.add(fp.SpikeTrains(1, np.zeros(len(t_pre), int), t_pre))
    post = net.add(fp.SpikeTrains(1, np.zeros(len(t_post), int), t_post))
    p = net.connect(pre, post, rule="all_to_all", weight=w0, plasticity=rule)
    net.run(max(max(t_pre), max(t_post)) + 0.05)
    return p


def test_pair_window_matches_analytic():
    rule = fp.PairSTDP(tau_pre=17 * ms, tau_post=34 * ms, a_pre=0.01, a_post=-0.0105, w_max=W_MAX)
    lags = np.arange(-100, 101, 2.5) * ms
    dw = np.array([_pair_run(rule, [0.2], [0.2 + lag]).weight[0] - 0.5 for lag in lags])
    expect = rule.window(lags)
    np.testing.assert_allclose(dw, expect, rtol=1e-10, atol=1e-15)
    assert dw[lags > 0].min() > 0 and dw[lags < 0].max() < 0


def test_simultaneous_pre_and_post_count_as_causal():
    rule = fp.PairSTDP(a_pre=0.01, a_post=-0.0105, w_max=W_MAX)
    p = _pair_run(rule, [0.1], [0.1])
    assert p.weight[0] - 0.5 == pytest.approx(0.01, abs=1e-15)


def test_hard_bounds_applied_in_time_order():
    """pre at 0, post at 1 ms (potentiation clipped at w_max), pre at 3 ms
    (depression from the clipped value)."""
    rule = fp.PairSTDP(a_pre=0.05, a_post=-0.01, w_max=W_MAX)
    p = _pair_run(rule, [0.1, 0.103], [0.101], w0=0.98)
    expect = W_MAX + (-0.01) * W_MAX * np.exp(-2 * ms / rule.tau_post)
    assert p.weight[0] == pytest.approx(expect, abs=1e-14)
    unordered = 0.98 + 0.05 * np.exp(-1 * ms / rule.tau_pre) - 0.01 * np.exp(-2 * ms / rule.tau_post)
    assert abs(p.weight[0] - unordered) > 1e-3


def test_plasticity_switches_off_and_on_between_runs():
    rule = fp.PairSTDP(a_pre=0.01, a_post=-0.0105, w_max=W_MAX)
    net = fp.Network(seed=0)
    pre = net.add(fp.SpikeTrains(1, [0, 0], [0.01, 0.11]))
    post = net.add(fp.SpikeTrains(1, [0, 0], [0.015, 0.115]))
    p = net.connect(pre, post, rule="all_to_all", weight=0.5, plasticity=rule)
    p.plasticity_on = False
    net.run(0.05)
    assert p.weight[0] == 0.5
    p.plasticity_on = True
    net.run(0.1)
    # traces kept evolving while learning was off: the second pairing also
    # sees the first one's spikes (all-to-all)
    expect = 0.5 + rule.window(np.array([5, 105, -95]) * ms).sum()
    assert p.weight[0] == pytest.approx(expect, abs=1e-12)


def test_bad_plasticity_input():
    net = fp.Network(seed=0)
    a = net.add(fp.LIF(3))
    with pytest.raises(ValueError, match="w_max"):
        fp.PairSTDP()
    with pytest.raises(ValueError, match="bounds"):
        net.connect(a, a, p=1.0, weight=2.0, plasticity=fp.PairSTDP(w_max=1.0))
    with pytest.raises(TypeError, match="plasticity"):
        net.connect(a, a, p=1.0, weight=0.5, plasticity="stdp")
    with pytest.raises(ValueError, match="scheme"):
        fp.PairSTDP(w_max=1.0, scheme="presynaptic")
    with pytest.raises(ValueError, match="name"):
        fp.TripletSTDP.preset("cortex")


# Sjostrom, Turrigiano & Nelson (2001) as tabulated in Pfister & Gerstner (2006), Fig. 5.
SJOSTROM_FREQ = [0.1, 10, 20, 40, 50]
SJOSTROM = {+10 * ms: [-0.04, 0.14, 0.29, 0.53, 0.56], -10 * ms: [-0.29, -0.41, -0.34, 0.56, 0.75]}


def _pairings(rule, freq, lag, n=60):
    t = 0.1 + np.arange(n) / freq
    p = _pair_run(rule, t, t + lag, w0=1.0, dt=0.5 * ms)
    return p.weight[0] - 1.0


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["visual_cortex_all_to_all", "visual_cortex_all_to_all_minimal",
                                    "visual_cortex_nearest", "visual_cortex_nearest_minimal"])
def test_triplet_reproduces_sjostrom_frequency_dependence(preset):
    """Every visual-cortex set of Pfister & Gerstner's Table 4 was fitted to these
    data, so each must reproduce them (a mistyped parameter would not).  60
    pairings.  Measured here (Delta w), all-to-all:
    +10 ms: 0.00 0.13 0.25 0.53 0.74; -10 ms: -0.31 -0.33 -0.35 0.15 0.73
    (RMS 0.144); all-to-all minimal RMS 0.158; nearest 0.108; nearest minimal
    0.105.  Tolerance: RMS error over the 10 points <= 0.16, every point within
    0.45, and the qualitative pattern (LTD at low rates for -10 ms turning into
    LTP at 50 Hz; LTP growing with rate for +10 ms)."""
    rule = fp.TripletSTDP.preset(preset)
    err = []
    for lag, data in SJOSTROM.items():
        model = np.array([_pairings(rule, f, lag) for f in SJOSTROM_FREQ])
        err.extend(model - np.array(data))
        if lag > 0:
            assert np.all(np.diff(model) > 0)
        else:
            assert np.all(model[:3] < -0.2) and model[4] > 0.5
    err = np.array(err)
    assert np.sqrt(np.mean(err ** 2)) <= 0.16
    assert np.abs(err).max() <= 0.45


def _triplet_protocols(rule, n=60):
    """Delta w/w after n repetitions at 1 Hz of Wang et al.'s (2005) protocols,
    intervals 5 ms: pairs pre->post and post->pre, triplets pre-post-pre and
    post-pre-post."""
    base = 0.1 + np.arange(n) * 1.0
    both = np.sort(np.r_[base - 5 * ms, base + 5 * ms])
    run = lambda t_pre, t_post: _pair_run(rule, t_pre, t_post, w0=1.0, dt=0.5 * ms).weight[0] - 1
    return {"pair+": run(base, base + 5 * ms), "pair-": run(base + 5 * ms, base),
            "pre-post-pre": run(both, base), "post-pre-post": run(base, both)}


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["hippocampal_all_to_all", "hippocampal_all_to_all_minimal",
                                    "hippocampal_nearest", "hippocampal_nearest_minimal"])
def test_triplet_hippocampal_sets_reproduce_the_triplet_asymmetry(preset):
    """The hippocampal sets were fitted to Wang et al.'s (2005) culture data,
    whose signature is the asymmetry of triplets: post-pre-post (-5, +5 ms)
    potentiates strongly while pre-post-pre (+5, -5 ms) leaves the weight nearly
    unchanged, although both hold one causal and one acausal pair (a pair rule
    predicts equal changes).  Measured here: post-pre-post +0.33..+0.38,
    pre-post-pre +0.04..+0.06, pairs +0.21..+0.27 / -0.12..-0.18 (the visual-
    cortex set gives -0.11 and -0.37 instead).  Bounds are qualitative: the
    experimental means (as plotted in Pfister & Gerstner 2006) are not
    tabulated in the paper's text."""
    dw = _triplet_protocols(fp.TripletSTDP.preset(preset, w_max=100.0))
    assert dw["post-pre-post"] > 0.25
    assert abs(dw["pre-post-pre"]) < 0.1
    assert dw["post-pre-post"] - dw["pre-post-pre"] > 0.2
    assert dw["pair+"] > 0.15 and dw["pair-"] < -0.08


def test_vogels_inhibitory_plasticity_sets_the_rate():
    """Vogels et al. (2011): inhibitory STDP drives the postsynaptic rate to
    rho0.  50 LIF neurons, 200 excitatory and 200 plastic inhibitory Poisson
    inputs each (10 Hz); they start at ~40 Hz.  Measured here: 5.3 Hz over
    30-40 s for rho0 = 5 Hz (the remaining bias comes from the negative
    correlation between inhibitory spikes and output spikes)."""
    from fastplastic.units import mV, nS, pF
    net = fp.Network(seed=3)
    post = net.add(fp.LIF(50, synapses="conductance", c_m=200 * pF, e_l=-60 * mV,
                          v_thresh=-50 * mV, v_reset=-60 * mV, e_i=-80 * mV))
    exc = net.add(fp.PoissonGroup(400, rates=10.0))
    inh = net.add(fp.PoissonGroup(400, rates=10.0))
    net.connect(exc, post, p=0.5, weight=1.0 * nS)
    rule = fp.InhibitorySTDP(tau=20 * ms, eta=0.02 * nS, rho0=5.0, w_max=50 * nS)
    proj = net.connect(inh, post, p=0.5, weight=0.2 * nS, channel="inh", plasticity=rule)
    spikes = net.monitor(post, "spikes")
    net.run(2.0, progress=False)
    start = spikes.num_spikes / 50 / 2.0
    net.run(28.0, progress=False)
    n0 = spikes.num_spikes
    net.run(10.0, progress=False)
    rate = (spikes.num_spikes - n0) / 50 / 10.0
    assert start > 20.0
    assert abs(rate - 5.0) <= 0.2 * 5.0
    assert proj.weight.mean() > 0.2 * nS


def _distal_reward(seed, T=100.0, n_pre=100, rate=1.0):
    """Izhikevich (2007) distal-reward protocol, feed-forward and with given
    spike trains: n_pre Poisson inputs (rate Hz) onto one neuron firing at
    2 x rate; every ~5 s input 0 fires 5 ms before the neuron, and a reward
    follows 1-3 s later.  All synapses see the same rewards."""
    rng = np.random.default_rng(seed)

    def poisson(r):
        t = np.cumsum(rng.exponential(1 / r, int(3 * r * T) + 20))
        return t[t < T]

    pair_t = np.arange(2.0, T - 4.0, 5.0) + rng.uniform(0, 1, len(np.arange(2.0, T - 4.0, 5.0)))
    trains = [poisson(rate) for _ in range(n_pre)]
    pre_i = np.concatenate([np.full(len(t), i) for i, t in enumerate(trains)] + [np.zeros(len(pair_t), int)])
    pre_t = np.concatenate(trains + [pair_t])
    steps = np.unique(np.column_stack([pre_i, np.rint(pre_t / 1e-4)]).astype(np.int64), axis=0)
    post_steps = np.unique(np.rint(np.concatenate([poisson(2 * rate), pair_t + 5 * ms]) / 1e-4))
    net = fp.Network(seed=seed)
    pre = net.add(fp.SpikeTrains(n_pre, steps[:, 0], steps[:, 1] * 1e-4))
    post = net.add(fp.SpikeTrains(1, np.zeros(len(post_steps), int), post_steps * 1e-4))
    rule = fp.RewardModulated(fp.PairSTDP(a_pre=1.0, a_post=-1.5, w_max=1.0), tau_c=1.0)
    proj = net.connect(pre, post, rule="all_to_all", weight=0.5, plasticity=rule)
    for t in pair_t:
        net.reward(1.0, at=t + rng.uniform(1.0, 3.0))
    net.run(T, progress=False)
    return proj.weight[0], proj.weight[1:]


@pytest.mark.parametrize("seed", [0, 1])
def test_distal_reward_strengthens_the_rewarded_synapse(seed):
    """Measured here (seeds 0-4): rewarded synapse 0.5 -> 0.75-1.0; the 99
    others end at 0.40-0.44 on average (A- > A+: unrewarded eligibility is
    negative on average), none above 0.77."""
    w_star, others = _distal_reward(seed)
    assert w_star - 0.5 > 0.2
    assert others.mean() < 0.5
    assert w_star > np.percentile(others, 95)
    assert w_star - 0.5 > 3 * abs(others.mean() - 0.5)


@pytest.mark.parametrize("name", ["pair_additive", "triplet_all", "reward_modulated"])
def test_plastic_runs_identical_across_threads_and_repeats(name):
    results = []
    for threads in (1, 2, 2):
        net = _plastic_net(RULES[name], seed=5)
        net.threads = threads
        big = net.add(fp.LIF(300, synapses="current",            # big enough to be split
                             i_bias=lambda r, n: r.uniform(0.15, 0.3, n) * nA))
        net.connect(big, big, p=0.05, weight=lambda r, n: r.uniform(0.2, 0.8, n),
                    plasticity=RULES[name]())
        net.reward(3.0, at=0.05)
        mons = [net.monitor(g, "spikes") for g in net.groups]
        net.run(0.2)
        results.append(([m.i.copy() for m in mons], [m.t.copy() for m in mons],
                        [p.weight.copy() for p in net.projections]))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            for x, y in zip(a, b):
                np.testing.assert_array_equal(x, y)


def test_pairing_schemes_on_hand_made_trains():
    """Morrison, Diesmann & Gerstner (2008) Fig. 7 schemes on small spike trains."""
    t = 20 * ms
    def dw(scheme, pre, post):
        rule = fp.PairSTDP(tau_pre=t, tau_post=t, a_pre=0.01, a_post=-0.01, w_max=W_MAX,
                           scheme=scheme)
        return _pair_run(rule, np.array(pre) * ms + 0.1, np.array(post) * ms + 0.1).weight[0] - 0.5
    e = lambda d: np.exp(-d * ms / t)
    # one pre spike, two post spikes after it
    assert dw("all_to_all", [10], [15, 20]) == pytest.approx(0.01 * (e(5) + e(10)), abs=1e-13)
    assert dw("presynaptic_centred", [10], [15, 20]) == pytest.approx(0.01 * e(5), abs=1e-13)
    assert dw("nearest", [10], [15, 20]) == pytest.approx(0.01 * (e(5) + e(10)), abs=1e-13)
    assert dw("restricted_symmetric", [10], [15, 20]) == pytest.approx(0.01 * e(5), abs=1e-13)
    # two pre spikes after one post spike
    assert dw("nearest", [10, 12], [5]) == pytest.approx(-0.01 * (e(5) + e(7)), abs=1e-13)
    assert dw("presynaptic_centred", [10, 12], [5]) == pytest.approx(-0.01 * (e(5) + e(7)),
                                                                      abs=1e-13)
    assert dw("restricted_symmetric", [10, 12], [5]) == pytest.approx(-0.01 * e(5), abs=1e-13)
    # two pre spikes before one post spike: pre-centred pairs both with it, nearest only one
    assert dw("presynaptic_centred", [10, 12], [15]) == pytest.approx(0.01 * (e(5) + e(3)),
                                                                       abs=1e-13)
    assert dw("restricted_symmetric", [10, 12], [15]) == pytest.approx(0.01 * e(3), abs=1e-13)


def test_weight_normalisation_keeps_summed_input_fixed():
    """Diehl & Cook (2015)-style normalisation: every 50 ms each neuron's
    incoming weights are rescaled to sum to 10 (between times STDP changes them)."""
    net = fp.Network(seed=2)
    src = net.add(fp.PoissonGroup(60, rates=30.0))
    post = net.add(fp.LIF(8, synapses="current", i_bias=0.25 * nA))
    proj = net.connect(src, post, p=0.5, weight=lambda r, n: r.uniform(0.1, 0.5, n),
                       plasticity=fp.PairSTDP(a_pre=0.05, a_post=-0.04, w_max=W_MAX))
    net.normalize_every(proj, 10.0, 50 * ms)
    mon = net.monitor(proj, "weight", interval=50 * ms)
    net.run(0.3)
    sums = np.array([np.bincount(proj.post_ids, weights=w, minlength=8) for w in mon.values])
    np.testing.assert_allclose(sums[1:], 10.0, rtol=1e-12)   # sampled right after each rescaling
    assert np.abs(sums[0] - 10.0).max() > 0.1                 # before the first one they differ
    final = np.bincount(proj.post_ids, weights=proj.weight, minlength=8)
    assert np.abs(final - 10.0).max() > 1e-6                  # STDP moved them since
    with pytest.raises(ValueError, match="interval"):
        net.normalize_every(proj, 10.0, 0.0)
