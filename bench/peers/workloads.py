"""The COBA workloads of the speed comparison, as plain numbers shared by every
peer script (no simulator is imported here: each peer runs in its own
environment and imports this file from its own folder).

COBA (Brette et al. 2007 benchmark 1, the network of ``fastplastic.models.coba``):
80 % excitatory conductance LIF neurons, each pair connected with probability
p = fan_out / n, weights 6 nS (exc.) and 67 nS (inh.) times 80 / fan_out, plus
a constant current ``i_bias`` into every neuron where the fan-out is not 80
(with weights scaled down the network would otherwise fall silent).  Optional
pair STDP on E->E: all-to-all traces, tau 20 ms, additive, a_pre = 0.01 w_max,
a_post = -0.0105 w_max, hard bounds [0, w_max], w_max = twice the initial
E weight.

The seeds are fixed: COBA dies out for some seeds; these keep activity
self-sustained in fastplastic (its own seeded generator).  Peers draw from
their own generators, so each peer gets a different (statistically equal)
network; the harness checks that the spike statistics agree.
"""

# Neuron and synapse parameters (SI units), Brette et al. 2007 benchmark 1.
NEURON = dict(c_m=200e-12, g_l=10e-9, e_l=-60e-3, v_thresh=-50e-3, v_reset=-60e-3,
              t_ref=5e-3, tau_e=5e-3, tau_i=10e-3, e_e=0.0, e_i=-80e-3)
W_EXC, W_INH = 6e-9, 67e-9          # S, at fan-out 80
DT = 1e-4                           # s
STDP = dict(tau_pre=20e-3, tau_post=20e-3, a_pre=0.01, a_post=-0.0105)   # of w_max

WORKLOADS = {
    # name: neurons, fan-out (p = fan_out / n), constant current (A), seed
    "4k": dict(n=4000, fan_out=80, i_bias=0.0, seed=1),
    "40k": dict(n=40000, fan_out=80, i_bias=0.0, seed=1),
    "1e7": dict(n=10000, fan_out=1000, i_bias=3.0e-9, seed=1),
}


def spec(name, n=None, fan_out=None, i_bias=None, seed=None):
    """The workload's parameters with any override, plus the derived ones:
    n_exc, p, w_exc, w_inh, w_max (S)."""
    w = dict(WORKLOADS[name])
    for key, val in (("n", n), ("fan_out", fan_out), ("i_bias", i_bias), ("seed", seed)):
        if val is not None:
            w[key] = val
    scale = 80.0 / w["fan_out"]
    w.update(name=name, n_exc=int(round(0.8 * w["n"])), p=w["fan_out"] / w["n"],
             w_exc=W_EXC * scale, w_inh=W_INH * scale, w_max=2 * W_EXC * scale)
    return w


def add_arguments(ap):
    """The command-line options every peer script takes."""
    ap.add_argument("--workload", default="4k", choices=sorted(WORKLOADS))
    ap.add_argument("--n", type=int, default=None, help="override the workload's neurons")
    ap.add_argument("--fan-out", type=int, default=None)
    ap.add_argument("--i-bias", type=float, default=None, help="constant current (A)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--duration", type=float, default=1.0, help="simulated time (s)")
    ap.add_argument("--stdp", action="store_true", help="pair STDP on E->E")


def from_args(args):
    return spec(args.workload, args.n, args.fan_out, args.i_bias, args.seed)


def spike_stats(i, t, n_exc, n, duration, out_degree):
    """Rates, mean CV of ISIs (neurons with >= 3 spikes) and synaptic events
    (spikes x out-degree) from spike indices i (0..n-1, exc first) and times t."""
    import numpy as np
    i = np.asarray(i, dtype=np.int64)
    t = np.asarray(t, dtype=np.float64)
    out = {}
    for key, lo, hi in (("exc", 0, n_exc), ("inh", n_exc, n)):
        sel = (i >= lo) & (i < hi)
        ii, tt = i[sel], t[sel]
        out[f"rate_{key}"] = float(sel.sum()) / (hi - lo) / duration
        order = np.lexsort((tt, ii))
        ii, tt = ii[order], tt[order]
        same = ii[1:] == ii[:-1]
        isi = np.diff(tt)[same]
        owner = ii[1:][same]
        cnt = np.bincount(owner - lo, minlength=hi - lo)
        s1 = np.bincount(owner - lo, weights=isi, minlength=hi - lo)
        s2 = np.bincount(owner - lo, weights=isi * isi, minlength=hi - lo)
        ok = cnt >= 2                                # >= 3 spikes
        mean = s1[ok] / cnt[ok]
        var = np.maximum(s2[ok] / cnt[ok] - mean * mean, 0.0)
        cv = np.sqrt(var) / mean
        out[f"cv_{key}"] = float(cv.mean()) if cv.size else float("nan")
    counts = np.bincount(i, minlength=n)
    out["events"] = int((counts * np.asarray(out_degree, dtype=np.int64)).sum())
    return out
