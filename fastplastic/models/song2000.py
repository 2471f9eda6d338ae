"""Song, Miller & Abbott (2000) Nat Neurosci 3:919, "Competitive Hebbian
learning through spike-timing-dependent synaptic plasticity", Fig. 1-2.

One conductance-based LIF neuron (tau_m 20 ms, E_L -70 mV, threshold -54 mV,
reset -60 mV, E_ex 0 mV, E_in -70 mV, tau_ex = tau_in = 5 ms) driven by
1000 excitatory Poisson inputs with additive pair STDP (A+ = 0.005,
A-/A+ = 1.05, tau+ = tau- = 20 ms, hard bounds [0, g_max], g_max = 0.015 g_L)
and 200 static inhibitory Poisson inputs at 10 Hz (g_in = 0.05 g_L).
Conductances are in units of the leak conductance g_L = c_m / tau_m.
Initial excitatory weights are uniform in [0, g_max].
"""
from .. import _validate as V
from ..network import Network
from ..neurons import LIF, PoissonGroup
from ..plasticity import PairSTDP
from ..units import ms, mV, pF
from .brette2007 import Model

__all__ = ["song2000"]


def song2000(n=1000, seed=1, dt=0.1 * ms, rate=20.0, a_plus=0.005, n_inh=200, threads=1):
    """Build the model.  ``n`` excitatory inputs at ``rate`` Hz; ``a_plus``
    scales the learning rate (A- = -1.05 A+)."""
    n = V.check_int("neurons", n, 10, 10**7)
    rate = V.check_float("rate", rate, 0.0, 1000.0, lo_open=True, unit="Hz")
    net = Network(dt=dt, seed=seed, threads=threads)
    c_m, tau_m = 200 * pF, 20 * ms
    g_l = c_m / tau_m
    out = net.add(LIF(1, synapses="conductance", tau_m=tau_m, c_m=c_m, e_l=-70 * mV,
                      v_thresh=-54 * mV, v_reset=-60 * mV, t_ref=0.0, tau_e=5 * ms, tau_i=5 * ms,
                      e_e=0 * mV, e_i=-70 * mV, name="output"))
    exc = net.add(PoissonGroup(n, rates=rate, name="exc"))
    g_max = 0.015 * g_l
    stdp = PairSTDP(tau_pre=20 * ms, tau_post=20 * ms, a_pre=a_plus, a_post=-1.05 * a_plus,
                    w_max=g_max)
    net.connect(exc, out, rule="all_to_all", weight=lambda r, k: r.uniform(0, g_max, k),
                plasticity=stdp, name="exc->output")
    groups = {"output": out, "exc": exc}
    if n_inh:
        inh = net.add(PoissonGroup(n_inh, rates=10.0, name="inh"))
        net.connect(inh, out, rule="all_to_all", weight=0.05 * g_l, channel="inh",
                    name="inh->output")
        groups["inh"] = inh
    return Model("song2000", net, groups,
                 f"Song et al. 2000: {n} plastic Poisson inputs at {rate:g} Hz onto one LIF",
                 {"n": n, "seed": seed, "rate": rate, "g_max": g_max})
