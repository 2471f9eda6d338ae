"""Monitors and their figures."""
import numpy as np
import pytest

import fastplastic as fp
from fastplastic.units import ms, nA


@pytest.fixture(scope="module")
def run():
    net = fp.Network(dt=0.1 * ms, seed=0)
    src = net.add(fp.PoissonGroup(50, rates=np.linspace(5, 100, 50)))
    g = net.add(fp.LIF(20, synapses="current", i_bias=np.linspace(0.1, 0.5, 20) * nA))
    allm = net.monitor(src, "spikes")
    sub = net.monitor(src, "spikes", indices=[3, 40])
    rate = net.monitor(src, "rate")
    v = net.monitor(g, "v", indices=[0, 19], interval=1 * ms)
    net.run(0.5)
    net.run(0.25)
    return net, src, g, allm, sub, rate, v


def test_poisson_rates_and_subset(run):
    net, src, g, allm, sub, rate, v = run
    measured = allm.count / 0.75
    expect = np.linspace(5, 100, 50)
    assert np.all(np.abs(measured - expect) < 5 * np.sqrt(expect / 0.75) + 1)
    assert set(np.unique(sub.i)) <= {3, 40}
    np.testing.assert_array_equal(sub.t[sub.i == 40], allm.t[allm.i == 40])
    assert np.all(np.diff(allm.t) >= 0)


def test_rate_monitor_matches_spikes(run):
    net, src, g, allm, sub, rate, v = run
    assert rate.counts.sum() == allm.num_spikes
    assert len(rate.counts) == 7500
    t, r = rate.rate(bin_size=10 * ms)
    assert len(t) == 75
    assert r.mean() == pytest.approx(allm.num_spikes / 50 / 0.75)


def test_state_monitor_interval_and_continuity(run):
    net, src, g, allm, sub, rate, v = run
    assert v.values.shape == (750, 2)
    np.testing.assert_allclose(v.t, np.arange(750) * 1e-3, atol=1e-12)
    assert v.values[:, 1].max() <= g.v_thresh


def test_time_varying_poisson_rates():
    net = fp.Network(dt=0.1 * ms, seed=1)
    rates = np.array([[5.0] * 200, [80.0] * 200, [0.0] * 200])
    src = net.add(fp.PoissonGroup(200, rates=rates, rate_interval=0.2))
    m = net.monitor(src, "spikes")
    net.run(0.8)                                   # the last row holds after the table
    counts = np.histogram(m.t, bins=[0, 0.2, 0.4, 0.8])[0] / 200
    assert abs(counts[0] / 0.2 - 5) < 1.5
    assert abs(counts[1] / 0.2 - 80) < 5
    assert counts[2] == 0


def test_figures(run, tmp_path):
    net, src, g, allm, sub, rate, v = run
    for name, fig in (("raster", allm.raster()), ("hist", allm.rate_histogram(0.75)),
                      ("rate", rate.plot()), ("v", v.plot())):
        path = tmp_path / f"{name}.png"
        fig.savefig(path)
        assert path.stat().st_size > 3000
        assert len(fig.axes[0].get_lines()) + len(fig.axes[0].patches) > 0


@pytest.mark.parametrize("duration", [0.03, 0.3, 0.7])
def test_progress_bar_never_overshoots(duration, capsys):
    """The bar's chunk updates (steps x dt, summed in floats) once went past
    its total, and tqdm warned 'clamping frac to range [0, 1]'."""
    import warnings
    net = fp.Network(dt=0.1 * ms, seed=9)
    g = net.add(fp.LIF(50, synapses="current", i_bias=0.3 * nA))
    net.monitor(g, "v", interval=0.7 * ms)          # many chunks
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.run(duration, progress=True)
    assert f"{duration:.3f}/{duration:.3f} s simulated" in capsys.readouterr().err
