"""Seeded workload builders shared by the benchmarks (and bench/peers)."""
import numpy as np

import fastplastic as fp
from fastplastic.models import coba
from fastplastic.units import ms, nS


def coba_model(n, seed=2, stdp=False):
    """COBA (Brette et al. 2007) at n neurons, fan-out 80, with spike counters."""
    m = coba(n=n, seed=seed, stdp=stdp)
    mons = [m.net.monitor(g, "spikes") for g in m.groups.values()]
    return m, mons


def read_weights(net):
    """Reads every projection's weights, which applies the updates a deferred
    rule left pending (Network.run): timed loops include them, as a peer's
    run includes every update."""
    for proj in net.projections:
        proj.weight


def synaptic_events(net, mons):
    """Spikes x fan-out actually delivered, from the spike monitors."""
    counts = {mon.group.index: mon.count for mon in mons}
    return sum(int((counts[p.pre.index] * np.diff(p.row_ptr)).sum())
               for p in net.projections if p.pre.index in counts)


def propagation_net(n_pre, fan_out, rate, seed=0):
    """Poisson sources -> silent LIF targets: isolates spike delivery."""
    net = fp.Network(dt=0.1 * ms, seed=seed)
    src = net.add(fp.PoissonGroup(n_pre, rates=rate))
    tgt = net.add(fp.LIF(n_pre, synapses="conductance", v_thresh=1.0))
    net.connect(src, tgt, in_degree=fan_out, weight=0.1 * nS)
    mon = net.monitor(src, "spikes")
    return net, mon


def coba_workload(name, stdp=False, threads=1, update="auto"):
    """The speed issue's COBA workloads ("4k", "40k", "1e7"; bench/peers/workloads.py),
    built as the peer comparison builds them (bench/peers/fastplastic_coba.py).
    update: the STDP rule's scheme.  Returns (net, spike monitors, workload spec)."""
    import importlib.util
    import os
    import sys
    peers = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers")
    if peers not in sys.path:
        sys.path.insert(0, peers)
    spec = importlib.util.spec_from_file_location("_fp_peer_coba",
                                                  os.path.join(peers, "fastplastic_coba.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    w = mod.W.spec(name)
    net, exc, inh = mod.build(w, stdp=stdp, threads=threads, update=update)
    return net, [net.monitor(exc, "spikes"), net.monitor(inh, "spikes")], w
