"""The COBA and CUBA benchmarks of Brette et al. (2007), J Comput Neurosci 23:349,
benchmarks 1 and 2, after Vogels & Abbott (2005).

4000 LIF neurons (80 % excitatory), random connectivity with p = 0.02
(fan-out 80), dt = 0.1 ms.  Scaling by neuron count keeps the fan-out fixed
(p = fan_out / n).  Synaptic delays are one step (dt), which matches the
reference scripts' zero delay: there, input takes effect at the next update.
"""
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from ..network import Network
from ..neurons import LIF
from ..plasticity import PairSTDP
from ..units import ms, mV, nS, pA, pF

__all__ = ["Model", "coba", "cuba"]


@dataclass
class Model:
    """A built model: the network, its named groups, and what it is."""
    name: str
    net: Network
    groups: dict
    description: str
    params: dict = field(default_factory=dict)


def _sizes(n, fan_out):
    n = V.check_int("neurons", n, 10, 2**31 - 2)
    fan_out = V.check_int("fan_out", fan_out, 1, n)
    n_exc = int(round(0.8 * n))
    return n_exc, n - n_exc, fan_out / n


def _connect_all(net, exc, inh, p, w_e, w_i, ee_plasticity=None):
    for pre, w, ch in ((exc, w_e, "exc"), (inh, w_i, "inh")):
        for post in (exc, inh):
            rule = ee_plasticity if (pre is exc and post is exc) else None
            net.connect(pre, post, p=p, weight=w, delay=net.dt, channel=ch,
                        name=f"{pre.name}->{post.name}", plasticity=rule)


def coba(n=4000, seed=1, dt=0.1 * ms, fan_out=80, threads=1, stdp=False):
    """Benchmark 1, conductance-based: tau_m 20 ms (C 200 pF, g_L 10 nS),
    E_L = v_reset = -60 mV, v_thresh -50 mV, t_ref 5 ms, tau_e 5 ms, tau_i 10 ms,
    E_e 0 mV, E_i -80 mV, weights 6 nS (exc.) and 67 nS (inh.).

    Initial kick of the reference script: v = E_L + (5 N(0,1) - 5) mV,
    g_e = (1.5 N(0,1) + 4) g_L, g_i = (12 N(0,1) + 20) g_L, the conductances
    clipped at 0 (a conductance cannot be negative; the Brian script lets
    about 5 % of g_i start below 0).  Activity is then self-sustained.

    ``stdp=True`` makes E->E plastic: all-to-all pair STDP, tau 20 ms,
    additive, a_pre = 0.01, a_post = -0.0105 (of w_max), hard bounds
    [0, 12 nS] (twice the initial 6 nS) -- the workload of the speed issue.
    """
    n_exc, n_inh, p = _sizes(n, fan_out)
    net = Network(dt=dt, seed=seed, threads=threads)
    g_l = 10 * nS
    common = dict(synapses="conductance", tau_m=20 * ms, c_m=200 * pF, e_l=-60 * mV,
                  v_thresh=-50 * mV, v_reset=-60 * mV, t_ref=5 * ms, tau_e=5 * ms,
                  tau_i=10 * ms, e_e=0 * mV, e_i=-80 * mV,
                  v_init=lambda r, m: -60 * mV + (r.standard_normal(m) * 5 - 5) * mV)
    exc = net.add(LIF(n_exc, name="exc", **common))
    inh = net.add(LIF(n_inh, name="inh", **common))
    for g in (exc, inh):
        g.ge[:] = np.maximum(0.0, (net.rng.standard_normal(g.n) * 1.5 + 4) * g_l)
        g.gi[:] = np.maximum(0.0, (net.rng.standard_normal(g.n) * 12 + 20) * g_l)
    rule = PairSTDP(tau_pre=20 * ms, tau_post=20 * ms, a_pre=0.01, a_post=-0.0105,
                    w_max=12 * nS) if stdp else None
    _connect_all(net, exc, inh, p, 6 * nS, 67 * nS, rule)
    return Model("coba", net, {"exc": exc, "inh": inh},
                 f"COBA (Brette et al. 2007): {n_exc} exc + {n_inh} inh LIF, fan-out {fan_out}"
                 + (", pair STDP on E->E" if stdp else ""),
                 {"n": n, "seed": seed, "dt": dt, "fan_out": fan_out, "stdp": stdp})


def cuba(n=4000, seed=1, dt=0.1 * ms, fan_out=80, threads=1, stdp=False):
    """Benchmark 2, current-based: tau_m 20 ms (C 200 pF), E_L -49 mV,
    v_thresh -50 mV, v_reset -60 mV, t_ref 5 ms, tau_e 5 ms, tau_i 10 ms,
    weights 1.62 mV and -9 mV of the reference script expressed as currents
    (x g_L = 10 nS: 16.2 pA and -90 pA).  Initial v uniform in [v_reset, v_thresh].
    Integrated exactly (Rotter & Diesmann 1999)."""
    n_exc, n_inh, p = _sizes(n, fan_out)
    net = Network(dt=dt, seed=seed, threads=threads)
    common = dict(synapses="current", tau_m=20 * ms, c_m=200 * pF, e_l=-49 * mV,
                  v_thresh=-50 * mV, v_reset=-60 * mV, t_ref=5 * ms, tau_e=5 * ms, tau_i=10 * ms,
                  v_init=lambda r, m: -60 * mV + r.random(m) * 10 * mV)
    exc = net.add(LIF(n_exc, name="exc", **common))
    inh = net.add(LIF(n_inh, name="inh", **common))
    rule = PairSTDP(a_pre=0.01, a_post=-0.0105, w_max=2 * 16.2 * pA) if stdp else None
    _connect_all(net, exc, inh, p, 16.2 * pA, -90 * pA, rule)
    return Model("cuba", net, {"exc": exc, "inh": inh},
                 f"CUBA (Brette et al. 2007): {n_exc} exc + {n_inh} inh LIF, fan-out {fan_out}",
                 {"n": n, "seed": seed, "dt": dt, "fan_out": fan_out})
