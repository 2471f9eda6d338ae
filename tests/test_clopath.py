"""Voltage-based STDP (Clopath et al. 2010) and its AdEx neuron: kernel vs the
NumPy reference, and the spike-pairing protocol against NEST's regression values."""
import numpy as np
import pytest

import fastplastic as fp
from fastplastic.units import ms, mV
from reference.clopath_ref import simulate


@pytest.mark.parametrize("homeostatic, synapses_d", [(False, 2), (True, 1)])
def test_kernel_matches_reference(homeostatic, synapses_d):
    rng = np.random.default_rng(4)
    dt, n_steps = 0.1 * ms, 1500
    n_pre, n_post = 6, 3
    pre_steps = np.sort(rng.integers(0, n_steps - 5, 60))
    pre_ids = rng.integers(0, n_pre, 60)
    order = np.lexsort((pre_ids, pre_steps))
    pre_steps, pre_ids = pre_steps[order], pre_ids[order]
    keep = np.r_[True, (np.diff(pre_steps) != 0) | (np.diff(pre_ids) != 0)]
    pre_steps, pre_ids = pre_steps[keep], pre_ids[keep]
    net = fp.Network(dt=dt, seed=0)
    pre = net.add(fp.SpikeTrains(n_pre, pre_ids, pre_steps * dt))
    nrn = net.add(fp.AdExClopath(n_post, delay_u_bars=0.3 * ms, t_ref=0.2 * ms, substeps=4,
                                 i_bias=np.array([0.7, 0.9, 1.1]) * 1e-9))
    rule = fp.ClopathSTDP(scale=1e-3, w_max=12 * mV, homeostatic=homeostatic,
                          a_ltp=8e-5 / mV**2 * 50, a_ltd=14e-5 / mV * 20)
    w0 = rng.uniform(2, 8, n_pre * n_post) * mV
    p = net.connect(pre, nrn, rule="all_to_all", weight=w0, delay=synapses_d * dt, plasticity=rule)
    mon = net.monitor(nrn, "spikes")
    syn_pre, syn_post, w_start = p.pre_ids.copy(), p.post_ids.copy(), p.weight.copy()
    net.run(n_steps * dt)
    ref_spikes, ref_w = simulate(nrn, dt, n_steps, pre_steps, pre_ids, syn_pre, syn_post, w_start,
                                 np.full(len(w_start), synapses_d), rule)
    got = sorted(zip(np.rint(mon.t / dt).astype(int).tolist(), mon.i.tolist()))
    assert got == sorted(ref_spikes)
    assert len(got) > 5
    assert np.abs(p.weight - w_start).max() > 0.1 * mV          # it learned
    np.testing.assert_allclose(p.weight, ref_w, rtol=1e-9, atol=1e-15)


# NEST's testsuite/pytests/test_clopath_synapse.py: 5 (post->pre) or 6 (pre->post)
# pairings, |dt| = 10 ms, at 10, 30, 50 Hz; normalised weight 100 + 1500 (w - w0) / w0.
PRE = [[29., 129., 229., 329., 429.], [29., 62.3, 95.7, 129., 162.3], [29., 49., 69., 89., 109.],
       [129., 229., 329., 429., 529., 629.], [62.3, 95.6, 129., 162.3, 195.6, 229.],
       [49., 69., 89., 109., 129., 149.]]
POST = [[19., 119., 219., 319., 419.], [19., 52.3, 85.7, 119., 152.3], [19., 39., 59., 79., 99.],
        [139., 239., 339., 439., 539., 639.], [72.3, 105.6, 139., 172.3, 205.6, 239.],
        [59., 79., 99., 119., 139., 159.]]
NEST = [57.82638722, 72.16730112, 149.43359357, 103.30408341, 124.03640668, 157.02882555]


def _pairing(t_pre, t_post):
    """The NEST protocol: the neuron is made to spike by an 80 mV delta input;
    presynaptic spikes pass a parrot neuron (+0.1 ms); the weight is read after
    the last presynaptic spike (NEST's weight recorder sees no later change)."""
    net = fp.Network(dt=0.1 * ms, seed=0)
    pre = net.add(fp.SpikeTrains(1, np.zeros(len(t_pre), int), (np.array(t_pre) + 0.1) * ms))
    drive = net.add(fp.SpikeTrains(1, np.zeros(len(t_post), int), np.array(t_post) * ms))
    nrn = net.add(fp.AdExClopath(1, delay_u_bars=4 * ms, b=0.0805e-12, v_reset=(-70.6 + 21) * mV))
    net.connect(drive, nrn, rule="all_to_all", weight=80 * mV, delay=0.1 * ms)
    p = net.connect(pre, nrn, rule="all_to_all", weight=0.5 * mV, delay=0.1 * ms,
                    plasticity=fp.ClopathSTDP(scale=1e-3, w_max=100 * mV))
    mon = net.monitor(nrn, "spikes")
    net.run((t_pre[-1] + 1) * ms)
    assert mon.num_spikes == sum(t < t_pre[-1] + 1 for t in t_post)
    return 100 + 1500 * (p.weight[0] - 0.5 * mV) / (0.5 * mV)


def test_spike_pairing_protocol_matches_nest():
    got = np.array([_pairing(a, b) for a, b in zip(PRE, POST)])
    post_pre, pre_post = got[:3], got[3:]
    # the paper's pattern (Fig. 2b): post->pre LTD at 10 and 30 Hz turning into LTP
    # at 50 Hz; pre->post LTP growing with frequency
    assert post_pre[0] < post_pre[1] < 100 < post_pre[2]
    assert 100 < pre_post[0] < pre_post[1] < pre_post[2]
    # NEST integrates with adaptive RKF45 and we with 10 Euler substeps per 0.1 ms step;
    # measured differences <= 3 normalised units (0.2 % of the weight)
    np.testing.assert_allclose(got, NEST, atol=5.0)


def test_clopath_needs_its_neuron_and_valid_parameters():
    net = fp.Network(seed=0)
    a = net.add(fp.SpikeTrains(1, [0], [0.01]))
    b = net.add(fp.LIF(1))
    with pytest.raises(ValueError, match="AdExClopath"):
        net.connect(a, b, rule="all_to_all", weight=0.0, plasticity=fp.ClopathSTDP())
    with pytest.raises(ValueError, match="tau_x"):
        fp.ClopathSTDP(tau_x=0.0)
    with pytest.raises(TypeError, match="homeostatic"):
        fp.ClopathSTDP(homeostatic="yes")
    with pytest.raises(ValueError, match="synapses"):
        fp.AdExClopath(1, synapses="conductance")
    with pytest.raises(ValueError, match="substeps"):
        fp.AdExClopath(1, substeps=0)
