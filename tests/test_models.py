"""Built-in models: COBA statistics against the reference simulators,
determinism, and the CUBA benchmark."""
import numpy as np
import pytest

from fastplastic.models import coba, cuba


def _run(model, duration=1.0):
    mons = {k: model.net.monitor(g, "spikes") for k, g in model.groups.items()}
    model.net.run(duration, progress=False)
    return mons


@pytest.fixture(scope="module")
def coba_run():
    m = coba(seed=2)
    return m, _run(m)


def test_coba_statistics_match_reference_range(coba_run):
    """Brette et al. (2007) benchmark 1.  Reference: the same network in Brian2
    2.9 cpp_standalone (bench/peers/brian2_coba.py), seeds 1-3 on this machine:
    excitatory rate 17.5-19.8 Hz, CV of ISIs 1.51-1.56 (the issue's Brian2 2.11
    figures: 16-21 Hz).  Ours, seeds 1-5: 15.9-20.0 Hz, CV 1.47-1.54.  Accept
    rate in [15, 22] Hz and CV in [1.35, 1.70]."""
    m, mons = coba_run
    rate_e = mons["exc"].num_spikes / m.groups["exc"].n
    rate_i = mons["inh"].num_spikes / m.groups["inh"].n
    cv = mons["exc"].isi_cv().mean()
    assert 15.0 <= rate_e <= 22.0
    assert 15.0 <= rate_i <= 23.0
    assert 1.35 <= cv <= 1.70
    # self-sustained: still active in the last 100 ms
    assert (mons["exc"].t > 0.9).sum() > 0.5 * 0.1 * rate_e * m.groups["exc"].n


def test_coba_same_seed_bit_identical(coba_run):
    m, mons = coba_run
    again = coba(seed=2)
    mons2 = _run(again)
    for k in mons:
        np.testing.assert_array_equal(mons[k].i, mons2[k].i)
        np.testing.assert_array_equal(mons[k].t, mons2[k].t)
    np.testing.assert_array_equal(m.groups["exc"].v, again.groups["exc"].v)


def test_coba_different_seed_differs(coba_run):
    m, mons = coba_run
    other = _run(coba(seed=3), 0.2)
    a = mons["exc"].i[mons["exc"].t < 0.2]
    assert len(a) != len(other["exc"].i) or not np.array_equal(a, other["exc"].i)


def test_coba_scales_at_fixed_fan_out():
    m = coba(n=1000, seed=1)
    fan = m.net.n_synapses / m.net.n_neurons
    assert 75 <= fan <= 85
    assert m.groups["exc"].n == 800 and m.groups["inh"].n == 200


def test_cuba_is_active_and_irregular():
    """Benchmark 2 (CUBA, E_L above threshold): sustained activity; our
    measurement 5.4-6.3 Hz for seeds 1-5 at 4000 neurons (Brian's CUBA example
    reports a few Hz)."""
    m = cuba(seed=1)
    mons = _run(m, 0.5)
    rate = mons["exc"].num_spikes / m.groups["exc"].n / 0.5
    assert 3.0 <= rate <= 10.0


@pytest.mark.slow
def test_song2000_bimodal_weights_and_rate_normalisation():
    """Song, Miller & Abbott (2000), Figs. 1-2, with the paper's A+ = 0.005,
    400 s at input rates 10 and 40 Hz.  Measured here: output 9.8 and 17.6 Hz
    (input x4, output x1.8); weight histograms (10 bins of [0, g_max]) U-shaped,
    [143 94 81 68 72 79 78 58 78 249] and [748 105 28 13 10 7 6 4 11 68]
    (at 10 Hz the distribution is still sharpening after 400 s)."""
    from fastplastic.models import song2000
    out_rate, hists = {}, {}
    for rate in (10.0, 40.0):
        m = song2000(rate=rate, seed=1)
        mon = m.net.monitor(m.groups["output"], "spikes")
        m.net.run(400.0, progress=False)
        out_rate[rate] = (mon.t > 350.0).sum() / 50.0
        w = m.net.projections[0].weight / m.params["g_max"]
        hists[rate] = np.histogram(w, bins=10, range=(0, 1))[0]
    assert out_rate[40.0] / out_rate[10.0] < 2.5          # input rate ratio is 4
    for h in hists.values():                               # U-shaped: both ends above the middle
        middle = h[3:7].mean()
        assert h[0] > 1.5 * middle and h[-1] > 1.5 * middle
    h = hists[40.0]
    assert (h[0] + h[-1]) / h.sum() > 0.5                  # most weights at the bounds
