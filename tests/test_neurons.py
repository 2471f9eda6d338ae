"""Neuron models against analytic results."""
import numpy as np
import pytest

import fastplastic as fp
from fastplastic.units import ms, mV, nA, pA, pF


def _lif(net, n=1, **kw):
    kw.setdefault("v_thresh", 1.0)              # out of reach: subthreshold tests
    return net.add(fp.LIF(n, synapses="current", **kw))


def test_lif_current_step_matches_analytic():
    """v(t) = E_L + R I (1 - exp(-(t - t_on)/tau_m)) after a current step at t_on."""
    net = fp.Network(dt=0.1 * ms, seed=0)
    g = _lif(net, tau_m=15 * ms, c_m=250 * pF, e_l=-70 * mV)
    vm = net.monitor(g, "v")
    net.run(10 * ms)
    g.i_bias[:] = 0.2 * nA
    net.run(60 * ms)
    t, v = vm.t, vm.values[:, 0]
    after = t >= 10 * ms - 1e-12
    r_i = 0.2 * nA * 15 * ms / (250 * pF)
    expect = -70 * mV + r_i * (1 - np.exp(-(t[after] - 10 * ms) / (15 * ms)))
    np.testing.assert_array_equal(v[~after], -70 * mV)
    dev = np.abs(v[after] - expect) / r_i
    assert dev.max() < 1e-9


@pytest.mark.parametrize("tau_s", [5 * ms, 20 * ms, 20 * ms * (1 + 1e-9)])
def test_lif_single_synaptic_event_matches_analytic(tau_s):
    """PSP of one exponential current (w e^{-t/tau_s}) arriving at t_a, including
    the degenerate tau_s = tau_m case: v - E_L = w/C tau_m tau_s/(tau_s - tau_m)
    (e^{-s/tau_s} - e^{-s/tau_m}), or w/C s e^{-s/tau} when equal."""
    net = fp.Network(dt=0.1 * ms, seed=0)
    src = net.add(fp.SpikeTrains(1, [0], [2 * ms]))
    g = _lif(net, tau_m=20 * ms, c_m=200 * pF, tau_e=tau_s)
    w, delay = 500 * pA, 1.5 * ms
    net.connect(src, g, rule="one_to_one", weight=w, delay=delay)
    vm = net.monitor(g, "v")
    net.run(100 * ms)
    s = vm.t - (2 * ms + delay)
    s_pos = np.maximum(s, 0)
    tm, c = 20 * ms, 200 * pF
    if abs(tau_s - tm) < 1e-6 * tm:
        psp = w / c * s_pos * np.exp(-s_pos / tm)
    else:
        psp = w / c * tm * tau_s / (tau_s - tm) * (np.exp(-s_pos / tau_s) - np.exp(-s_pos / tm))
    expect = -60 * mV + np.where(s > -1e-12, psp, 0.0)
    peak = psp.max()
    assert peak > 1 * mV
    assert np.abs(vm.values[:, 0] - expect).max() / peak < 1e-9


def test_lif_fi_curve_matches_analytic():
    """With the exact integrator every ISI lies in [T, T + dt) where
    T = t_ref + tau_m ln((RI + E_L - v_reset)/(RI + E_L - v_th)); rates then
    match the formula to within that quantisation."""
    dt = 0.1 * ms
    currents = np.linspace(0.05, 2.0, 40) * nA
    net = fp.Network(dt=dt, seed=0)
    g = net.add(fp.LIF(len(currents), synapses="current", i_bias=currents, t_ref=2 * ms))
    sm = net.monitor(g, "spikes")
    net.run(1.0)
    expect = g.rate_analytic(currents)
    assert (expect == 0).sum() >= 1 and (expect > 0).sum() >= 30       # both regimes covered
    for i, times in sm.spike_trains().items():
        if expect[i] == 0:
            assert len(times) == 0
            continue
        isi = np.diff(times)
        if expect[i] < 3.0:             # fewer than 2 ISIs in 1 s: checked by the count
            assert len(times) <= 2
            continue
        period = 1.0 / expect[i]
        assert np.all(isi >= period - 1e-9) and np.all(isi < period + dt + 1e-9), i
        assert abs(1 / isi.mean() - expect[i]) <= expect[i] ** 2 * dt + 1e-9


def test_coba_steady_state_under_constant_conductance():
    """With ge, gi held by constant Poisson-free input (tau -> large) the
    membrane settles at the conductance-weighted average of reversal potentials."""
    net = fp.Network(dt=0.1 * ms, seed=0)
    g = net.add(fp.LIF(1, synapses="conductance", tau_e=1e6, tau_i=1e6, v_thresh=1.0))
    g.ge[:], g.gi[:] = 5e-9, 12e-9
    net.run(300 * ms)
    g_l = g.g_l
    v_ss = (g_l * g.e_l + 5e-9 * g.e_e + 12e-9 * g.e_i) / (g_l + 5e-9 + 12e-9)
    assert g.v[0] == pytest.approx(v_ss, rel=1e-6)


def test_coba_blocks_with_and_without_the_exp_shortcut_give_the_same_bits():
    """The COBA kernel skips fp_exp's range reduction in blocks of 1024 neurons
    whose every |g_tot dt / C| <= 0.3, where that reduction is exact
    (fp_exp_poly).  Two unconnected groups, equal but for one neuron whose
    large conductance sends its block through the full fp_exp: every other
    neuron of that block must follow its twin bit for bit, spikes included."""
    rng = np.random.default_rng(5)
    n, big = 2048 + 100, 1500
    v0 = -60 * mV + rng.uniform(-5, 12, n) * mV
    ge0, gi0 = rng.uniform(0, 40, n) * 1e-9, rng.uniform(0, 200, n) * 1e-9
    i0 = rng.uniform(0, 0.4, n) * nA
    runs = []
    for huge in (False, True):
        net = fp.Network(dt=0.1 * ms, seed=0)
        g = net.add(fp.LIF(n, synapses="conductance", tau_e=50 * ms, tau_i=50 * ms))
        g.v[:], g.ge[:], g.gi[:], g.i_bias[:] = v0, ge0, gi0, i0
        if huge:        # g dt / C = 0.5 at first; its block stays on the full path a while
            g.ge[big] = 1e-6
        spikes = net.monitor(g, "spikes")
        net.run(40 * ms)
        runs.append((g.v.copy(), g.ge.copy(), spikes.i.copy(), spikes.t.copy()))
    (v_a, ge_a, i_a, t_a), (v_b, ge_b, i_b, t_b) = runs
    others = np.arange(n) != big
    np.testing.assert_array_equal(v_a[others], v_b[others])
    np.testing.assert_array_equal(ge_a[others], ge_b[others])
    keep_a, keep_b = i_a != big, i_b != big
    np.testing.assert_array_equal(i_a[keep_a], i_b[keep_b])
    np.testing.assert_array_equal(t_a[keep_a], t_b[keep_b])
    assert len(i_a) > 100                    # (the comparison covered spikes and resets)


def test_adex_rheobase_and_adaptation():
    """AdEx without input rests at E_L; strong input fires with lengthening ISIs
    (spike-frequency adaptation, b > 0), and w grows by b at every spike."""
    net = fp.Network(dt=0.05 * ms, seed=0)
    g = net.add(fp.AdEx(2, i_bias=np.array([0.0, 1.0 * nA])))
    sm = net.monitor(g, "spikes")
    net.run(0.5)
    v_star = g.e_l           # fixed point (w = a (v - E_L)): (g_L + a)(v - E_L) = g_L D_T e^{(v - V_T)/D_T}
    for _ in range(50):
        v_star = g.e_l + g.g_l * g.delta_t / (g.g_l + g.a) * np.exp((v_star - g.v_t) / g.delta_t)
    assert g.v[0] == pytest.approx(v_star, abs=1e-9)
    assert g.v[0] > g.e_l
    t = sm.spike_trains()[1]
    assert len(t) > 5
    isi = np.diff(t)
    assert isi[-1] > 1.5 * isi[0]


def test_izhikevich_regular_spiking_rate():
    """Regular-spiking cell (a=0.02, b=0.2, c=-65, d=8) under the paper's I=10
    fires tonically; at rest (I=0) it stays at its fixed point
    v* = (b-5-sqrt((5-b)^2-22.4))/0.08 mV."""
    net = fp.Network(dt=0.1 * ms, seed=0)
    g = net.add(fp.Izhikevich(2, i_bias=np.array([0.0, 10 * 100 * pA]),
                              v_init=np.array([-70 * mV, -65 * mV])))
    sm = net.monitor(g, "spikes")
    net.run(1.0)
    v_star = (0.2 - 5 - np.sqrt((5 - 0.2) ** 2 - 22.4)) / 0.08 * mV
    assert g.v[0] == pytest.approx(v_star, abs=1e-6)
    n = sm.count[1]
    assert 5 <= n <= 30            # ~14 Hz tonic spiking in Izhikevich (2003) Fig. 2
