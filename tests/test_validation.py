"""Bad input across the API and the CLI: each case raises TypeError /
ValueError (API) or exits with code 2 and a one-line error (CLI), with a
message naming the parameter.

Every case runs in its own subprocess, so that a crash of the interpreter
(segfault, abort) fails that case instead of killing the test run.
"""
import subprocess
import sys

import pytest

SETUP = """
import numpy as np
import fastplastic as fp
from fastplastic.units import ms, mV, nS, pA
net = fp.Network(dt=0.1 * ms, seed=0)
a = net.add(fp.LIF(10, synapses="conductance"))
b = net.add(fp.LIF(5, synapses="current"))
src = net.add(fp.PoissonGroup(4, rates=10.0))
stdp = fp.PairSTDP(w_max=1 * nS)
plastic = net.connect(src, a, p=1.0, weight=0.5 * nS, plasticity=stdp)
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
    ("fp.Network(dt=1.0)", ValueError, "dt"),
    ("net.add(fp.LIF(3, v_init=lambda r, n: np.ones(n + 1)))", ValueError, "v_init"),
    ("fp.AdEx(3, v_reset=10*mV, v_peak=0*mV)", ValueError, "v_reset"),
    ("fp.Izhikevich(3, c_m=0)", ValueError, "c_m"),
    ("fp.PoissonGroup(3, rates=np.ones((2, 3)), rate_interval=-1.0)", ValueError, "rate_interval"),
    ("fp.PoissonGroup(3, rates=np.array([[1.0, np.nan, 2.0]]))", ValueError, "rates"),
    ("fp.PoissonGroup(3, rates='fast')", TypeError, "rates"),
    ("net.monitor(a, 'spikes', indices=[11])", ValueError, "indices"),
    ("net.monitor(a, 'v', indices=[])", ValueError, "indices"),
    ("net.monitor(plastic, 'v')", ValueError, "weight"),
    ("net.monitor(plastic, 'weight', interval=0.05*ms)", ValueError, "interval"),
    ("net.monitor(plastic, 'weight', synapses=[10**6])", ValueError, "synapses"),
    ("fp.PairSTDP(w_max=1.0, tau_pre=0)", ValueError, "tau_pre"),
    ("fp.PairSTDP(w_max=1.0, tau_post=-1)", ValueError, "tau_post"),
    ("fp.PairSTDP(w_max=1.0, a_pre=float('nan'))", ValueError, "a_pre"),
    ("fp.PairSTDP(w_max=1.0, weight_dependence='sigmoid')", ValueError, "weight_dependence"),
    ("fp.PairSTDP(w_max=1.0, weight_dependence=3)", TypeError, "weight_dependence"),
    ("fp.WeightDependence.gutig(2.0)", ValueError, "mu"),
    ("fp.WeightDependence.power_law(0.5, w0=0)", ValueError, "w0"),
    ("fp.PairSTDP(w_max=1.0, w_min=2.0)", ValueError, "w_max"),
    ("fp.PairSTDP(w_max=1.0, w_min=-1.0, weight_dependence='multiplicative')", ValueError, "w_min"),
    ("fp.TripletSTDP(tau_x=-1)", ValueError, "tau_x"),
    ("fp.TripletSTDP(a3_plus=-1)", ValueError, "a3_plus"),
    ("fp.TripletSTDP(scheme='first')", ValueError, "scheme"),
    ("fp.InhibitorySTDP(rho0=-1)", ValueError, "rho0"),
    ("fp.InhibitorySTDP(tau=0)", ValueError, "tau"),
    ("fp.RewardModulated('stdp')", TypeError, "rule"),
    ("fp.RewardModulated(stdp, tau_c=0)", ValueError, "tau_c"),
    ("fp.CustomRule(on_pre=42)", TypeError, "on_pre"),
    ("fp.CustomRule(on_post=lambda w, x, y, v: w + 'a')", TypeError, "on_post"),
    ("fp.CustomRule(variables=['1x'])", ValueError, "variables"),
    ("fp.CustomRule(tau_pre=-1)", ValueError, "tau_pre"),
    ("net.connect(src, a, p=1.0, weight=5*nS, plasticity=stdp)", ValueError, "bounds"),
    ("net.connect(src, a, p=1.0, weight=0.5*nS, plasticity='stdp')", TypeError, "plasticity"),
    ("plastic.weight[:] = 3*nS; net.run(1*ms)", ValueError, "bounds"),
    ("plastic.weight = plastic.weight[:2]; net.run(1*ms)", TypeError, "weight"),
    ("net.reward(float('nan'))", ValueError, "amount"),
    ("net.reward(1.0, at=-1.0)", ValueError, "at"),
    ("net.modulator_tau = 0; net.connect(src, a, p=1.0, weight=0.5*nS, "
     "plasticity=fp.RewardModulated(stdp)); net.run(1*ms)", ValueError, "modulator_tau"),
    ("fp.load('does-not-exist.npz')", FileNotFoundError, "does-not-exist"),
    ("open('junk.npz', 'w').write('junk'); fp.load('junk.npz')", ValueError, "corrupt"),
    ("from fastplastic.models import coba; coba(n=5)", ValueError, "neurons"),
    ("from fastplastic.models import coba; coba(fan_out=0)", ValueError, "fan_out"),
    ("from fastplastic.models import song2000; song2000(rate=-1.0)", ValueError, "rate"),
    ("fp.StateMonitor(a, 'v', indices=[0]); net.add(fp.StateMonitor(fp.LIF(2), 'v'))", ValueError,
     "added"),
]

# (arguments of `fastplastic`, word the one-line error must contain); all exit with code 2
CLI_CASES = [
    (["run", "--duration", "-1"], "--duration"),
    (["run", "--duration", "nan"], "--duration"),
    (["run", "--duration", "inf"], "--duration"),
    (["run", "--duration", "1s"], "--duration"),
    (["run", "--neurons", "5"], "--neurons"),
    (["run", "--neurons", "many"], "--neurons"),
    (["run", "--seed", "-1"], "--seed"),
    (["run", "--threads", "0"], "--threads"),
    (["run", "hodgkin"], "model"),
    (["run", "--checkpoint-every", "0"], "--checkpoint-every"),
    (["run", "--resume", "missing.npz"], "--resume"),
    (["run", "song2000", "--stdp"], "--stdp"),
    (["run", "--frobnicate"], "--frobnicate"),
    (["train", "--rule", "magic"], "--rule"),
    (["train", "--rule", "bp", "--epochs", "-2"], "--epochs"),
    (["train", "--rule", "bp", "--hidden", "a,b"], "--hidden"),
    (["train", "--rule", "bp", "--dataset", "no/such/dir"], "dataset"),
    (["compare", "--rules", "bp,magic"], "magic"),
    (["teleport"], "teleport"),
]




def _in_subprocess(script, cwd):
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.mark.parametrize("code,exc,word", CASES, ids=[c[0][:60] for c in CASES])
def test_bad_input_raises_clear_error(code, exc, word, tmp_path):
    script = SETUP + (
        "try:\n"
        f"    exec({code!r})\n"
        "except Exception as e:\n"
        "    print(type(e).__name__)\n"
        "    print(e)\n"
        "else:\n"
        "    print('no error')\n")
    res = _in_subprocess(script, tmp_path)         # outside the source tree: installed package
    assert res.returncode == 0, f"interpreter died ({res.returncode}): {res.stderr[-1500:]}"
    name, _, message = res.stdout.partition("\n")
    assert name == exc.__name__, res.stdout
    assert word in message, message


@pytest.mark.parametrize("args,word", CLI_CASES, ids=[" ".join(c[0]) for c in CLI_CASES])
def test_bad_cli_arguments_exit_2_with_one_line_error(args, word, tmp_path):
    res = subprocess.run([sys.executable, "-m", "fastplastic", *args], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    assert res.returncode == 2, res.stderr[-1500:]
    errors = [line for line in res.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, res.stderr
    assert word in errors[0], errors[0]


def test_case_count():
    assert len(CASES) + len(CLI_CASES) >= 100
