"""Bad input: each construction raises TypeError/ValueError naming the parameter.

Every case runs in a fresh subprocess as well, so that a crash of the
interpreter (segfault, abort) fails the test instead of killing the run.
"""
import subprocess
import sys

import numpy as np
import pytest

import fastplastic as fp
from fastplastic.units import ms, mV, nS, pA

SETUP = """
import numpy as np
import fastplastic as fp
from fastplastic.units import ms, mV, nS, pA
net = fp.Network(dt=0.1 * ms, seed=0)
a = net.add(fp.LIF(10, synapses="conductance"))
b = net.add(fp.LIF(5, synapses="current"))
src = net.add(fp.PoissonGroup(4, rates=10.0))
"""

# (code, expected exception, word the message must contain)
CASES = [
    ("fp.LIF(-3)", ValueError, "n"),
    ("fp.LIF(0)", ValueError, "n"),
    ("fp.LIF(2.5)", TypeError, "n"),
    ("fp.LIF(float('nan'))", TypeError, "n"),
    ("fp.LIF('10')", TypeError, "n"),
    ("fp.LIF(2**40)", ValueError, "n"),
    ("fp.LIF(3, tau_m=-20*ms)", ValueError, "tau_m"),
    ("fp.LIF(3, tau_m=float('nan'))", ValueError, "tau_m"),
    ("fp.LIF(3, c_m=0)", ValueError, "c_m"),
    ("fp.LIF(3, t_ref=-1*ms)", ValueError, "t_ref"),
    ("fp.LIF(3, v_reset=-40*mV, v_thresh=-50*mV)", ValueError, "v_reset"),
    ("fp.LIF(3, synapses='chemical')", ValueError, "synapses"),
    ("fp.LIF(3, tau_e=0)", ValueError, "tau_e"),
    ("fp.LIF(3, i_bias=np.ones(4))", ValueError, "i_bias"),
    ("fp.LIF(3, i_bias=np.array([1.0, np.inf, 0]))", ValueError, "i_bias"),
    ("fp.LIF(3, v_init=['a', 'b', 'c'])", TypeError, "v_init"),
    ("fp.AdEx(3, delta_t=0)", ValueError, "delta_t"),
    ("fp.AdEx(3, tau_w=-1)", ValueError, "tau_w"),
    ("fp.Izhikevich(3, a=0)", ValueError, "a"),
    ("fp.Izhikevich(3, v_peak=-80*mV)", ValueError, "v_peak"),
    ("fp.PoissonGroup(3, rates=-1.0)", ValueError, "rates"),
    ("fp.PoissonGroup(3, rates=np.ones(4))", ValueError, "rates"),
    ("fp.PoissonGroup(3, rates=np.ones((5, 3)))", ValueError, "rate_interval"),
    ("net.add(fp.PoissonGroup(3, rates=20000.0))", ValueError, "rates"),
    ("fp.SpikeTrains(3, [0, 3], [0.1, 0.2])", ValueError, "indices"),
    ("fp.SpikeTrains(3, [0, -1], [0.1, 0.2])", ValueError, "indices"),
    ("fp.SpikeTrains(3, [0, 1], [0.1])", ValueError, "times"),
    ("fp.SpikeTrains(3, [0, 1], [0.1, -0.2])", ValueError, "times"),
    ("fp.SpikeTrains(3, [0.5, 1.0], [0.1, 0.2])", TypeError, "indices"),
    ("net.add(fp.SpikeTrains(3, [1, 1], [0.1, 0.10001]))", ValueError, "twice"),
    ("fp.Network(dt=0)", ValueError, "dt"),
    ("fp.Network(dt=-0.1*ms)", ValueError, "dt"),
    ("fp.Network(dt=float('nan'))", ValueError, "dt"),
    ("fp.Network(seed=-1)", ValueError, "seed"),
    ("fp.Network(seed=1.5)", TypeError, "seed"),
    ("fp.Network(threads=0)", ValueError, "threads"),
    ("net.connect(a, a, p=1.5, weight=1*nS)", ValueError, "p"),
    ("net.connect(a, a, p=float('nan'), weight=1*nS)", ValueError, "p"),
    ("net.connect(a, a, p=0.1, weight=-1*nS)", ValueError, "weight"),
    ("net.connect(a, a, p=0.1, weight=np.ones(3))", ValueError, "weight"),
    ("net.connect(a, a, p=0.1, weight=float('inf'))", ValueError, "weight"),
    ("net.connect(a, a, p=0.1, weight=1*nS, delay=0.05*ms)", ValueError, "delay"),
    ("net.connect(a, a, p=0.1, weight=1*nS, delay=0.15*ms)", ValueError, "delay"),
    ("net.connect(a, a, p=0.1, weight=1*nS, delay=0)", ValueError, "delay"),
    ("net.connect(a, a, p=0.1, weight=1*nS, delay=10.0)", ValueError, "delay"),
    ("net.connect(a, a, p=0.1, weight=1*nS, delay=np.ones(2)*ms)", ValueError, "delay"),
    ("net.connect(a, a, p=0.1, weight=1*nS, channel='gaba')", ValueError, "channel"),
    ("net.connect(a, a, weight=1*nS)", ValueError, "p, in_degree"),
    ("net.connect(a, a, p=0.1, in_degree=3, weight=1*nS)", ValueError, "p, in_degree"),
    ("net.connect(a, a, in_degree=11, weight=1*nS)", ValueError, "in_degree"),
    ("net.connect(a, a, in_degree=10, autapses=False, weight=1*nS)", ValueError, "in_degree"),
    ("net.connect(a, b, rule='one_to_one', weight=1*pA)", ValueError, "one_to_one"),
    ("net.connect(a, b, rule='random', weight=1*pA)", ValueError, "rule"),
    ("net.connect(a, b, pre_indices=[0, 10], post_indices=[0, 1], weight=1*pA)", ValueError, "pre_indices"),
    ("net.connect(a, b, pre_indices=[0, 1], post_indices=[0, 5], weight=1*pA)", ValueError, "post_indices"),
    ("net.connect(a, b, pre_indices=[0, 1], post_indices=[0], weight=1*pA)", ValueError, "post_indices"),
    ("net.connect(a, b, pre_indices=[0.0, 1.0], post_indices=[0, 1], weight=1*pA)", TypeError, "pre_indices"),
    ("net.connect(a, b, pre_indices=[0, 1], weight=1*pA)", ValueError, "post_indices"),
    ("net.connect(a, src, p=0.5, weight=1*nS)", ValueError, "receive"),
    ("net.connect(a, fp.LIF(3), p=0.5, weight=1*nS)", ValueError, "added"),
    ("net.connect(a, 'b', p=0.5, weight=1*nS)", TypeError, "NeuronGroup"),
    ("net.monitor(a, 'voltage')", ValueError, "var"),
    ("net.monitor(a, 'v', indices=[10])", ValueError, "indices"),
    ("net.monitor(a, 'v', interval=0.05*ms)", ValueError, "interval"),
    ("net.run(-1.0)", ValueError, "duration"),
    ("net.run(float('nan'))", ValueError, "duration"),
    ("net.run('1s')", TypeError, "duration"),
    ("a.v = np.zeros(3); net.run(1*ms)", TypeError, "v"),
    ("a.v[0] = np.nan; net.run(1*ms)", ValueError, "v"),
    ("net.add(a)", ValueError, "already"),
    ("net.add(42)", TypeError, "add"),
]


@pytest.mark.parametrize("code,exc,word", CASES, ids=[c[0][:50] for c in CASES])
def test_bad_input_raises_clear_error(code, exc, word):
    ns = {}
    exec(SETUP, ns)
    with pytest.raises(exc) as info:
        exec(code, ns)
    assert word in str(info.value), str(info.value)


def test_bad_input_never_crashes_the_interpreter(tmp_path):
    """All cases in one subprocess: a segfault would show as a negative return code."""
    script = "SETUP = " + repr(SETUP) + "\n" + "\n".join(
        f"ns = {{}}\nexec(SETUP, ns)\ntry:\n    exec({code!r}, ns)\nexcept {exc.__name__}:\n"
        f"    pass\nelse:\n    raise SystemExit({code!r})" for code, exc, _ in CASES) + "\nprint('ok')\n"
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)      # outside the source tree: the installed package
    assert res.returncode == 0, res.stderr[-2000:] + res.stdout[-500:]
    assert res.stdout.strip().endswith("ok")


def test_case_count():
    assert len(CASES) >= 30
