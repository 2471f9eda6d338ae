"""The COBA workloads of workloads.py (those of fastplastic_coba.py) built in NEST.

Same network: ``iaf_cond_exp`` (C 200 pF, g_L 10 nS, E_L = V_reset -60 mV,
V_th -50 mV, t_ref 5 ms, tau_syn 5 / 10 ms, E_ex 0 mV, E_in -80 mV, I_e =
i_bias), each pair connected with probability p = fan_out / n
(``pairwise_bernoulli``, autapses allowed, as fastplastic and Brian2),
weights 6 nS / -67 nS x 80 / fan_out (NEST: the sign picks the channel),
delay 0.1 ms (one step, = fastplastic's one-step delay), resolution 0.1 ms,
the reference scripts' initial kick with conductances clipped at 0 (drawn
with NumPy from the workload's seed), one thread.

``iaf_cond_exp`` integrates each neuron with adaptive RKF45 (GSL), not
exponential Euler: expect the same statistics, not the same spikes.

Optional pair STDP on E->E: ``stdp_synapse`` (all-to-all traces: Kplus in the
synapse, Kminus in the postsynaptic neuron), tau_plus = tau_minus = 20 ms,
mu_plus = mu_minus = 0 (additive), lambda = a_pre = 0.01,
alpha = |a_post| / a_pre = 1.05, Wmax = w_max: potentiation
lambda Wmax Kplus, depression alpha lambda Wmax Kminus, hard bounds [0, Wmax].
(NEST depresses before it transmits a spike; fastplastic and the Brian2 script
transmit first.)

Runs in its own environment (``pip install nest-simulator``):
    python bench/peers/nest_coba.py --workload 4k --duration 1 [--stdp]
Prints one JSON line in the format of the other peer scripts.  run_s is the
second Simulate() call; the first (1 ms) prepares the connection
infrastructure and is part of build_s.
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads as W  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    W.add_arguments(ap)
    args = ap.parse_args()
    w = W.from_args(args)
    seed = w["seed"]

    import nest
    if hasattr(nest, "VerbosityLevel"):        # NEST >= 3.9
        nest.verbosity = nest.VerbosityLevel.WARNING
    else:
        nest.set_verbosity("M_WARNING")
    nest.ResetKernel()
    ms = 1e3                                  # NEST: ms, mV, nS, pF, pA
    nest.SetKernelStatus({"resolution": W.DT * ms, "local_num_threads": 1, "rng_seed": seed,
                          "print_time": False})
    t0 = time.perf_counter()
    pn = W.NEURON
    params = {"C_m": pn["c_m"] * 1e12, "g_L": pn["g_l"] * 1e9, "E_L": pn["e_l"] * 1e3,
              "V_th": pn["v_thresh"] * 1e3, "V_reset": pn["v_reset"] * 1e3,
              "t_ref": pn["t_ref"] * ms, "tau_syn_ex": pn["tau_e"] * ms,
              "tau_syn_in": pn["tau_i"] * ms, "E_ex": pn["e_e"] * 1e3, "E_in": pn["e_i"] * 1e3,
              "I_e": w["i_bias"] * 1e12, "tau_minus": W.STDP["tau_post"] * ms}
    n_exc, n = w["n_exc"], w["n"]
    exc = nest.Create("iaf_cond_exp", n_exc, params=params)
    inh = nest.Create("iaf_cond_exp", n - n_exc, params=params)
    rng = np.random.default_rng(seed)
    g_l = pn["g_l"] * 1e9
    for g in (exc, inh):
        m = len(g)
        g.set(V_m=(pn["e_l"] * 1e3 + rng.standard_normal(m) * 5 - 5).tolist(),
              g_ex=np.maximum(0.0, (rng.standard_normal(m) * 1.5 + 4) * g_l).tolist(),
              g_in=np.maximum(0.0, (rng.standard_normal(m) * 12 + 20) * g_l).tolist())
    conn = {"rule": "pairwise_bernoulli", "p": w["p"], "allow_autapses": True}
    delay = W.DT * ms
    static_e = {"synapse_model": "static_synapse", "weight": w["w_exc"] * 1e9, "delay": delay}
    static_i = {"synapse_model": "static_synapse", "weight": -w["w_inh"] * 1e9, "delay": delay}
    a_pre, a_post = W.STDP["a_pre"], W.STDP["a_post"]
    plastic = {"synapse_model": "stdp_synapse", "weight": w["w_exc"] * 1e9, "delay": delay,
               "tau_plus": W.STDP["tau_pre"] * ms, "lambda": a_pre, "alpha": -a_post / a_pre,
               "mu_plus": 0.0, "mu_minus": 0.0, "Wmax": w["w_max"] * 1e9}
    nest.Connect(exc, exc, conn, plastic if args.stdp else static_e)
    nest.Connect(exc, inh, conn, static_e)
    nest.Connect(inh, exc, conn, static_i)
    nest.Connect(inh, inh, conn, static_i)
    rec = nest.Create("spike_recorder")
    nest.Connect(exc + inh, rec)
    warm = 1.0                                # ms: prepares the connection infrastructure
    nest.Simulate(warm)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Simulate(args.duration * ms)
    t_run = time.perf_counter() - t0

    first = exc.tolist()[0]
    ev = rec.get("events")
    i = np.asarray(ev["senders"], dtype=np.int64) - first      # exc ids first, contiguous
    t = (np.asarray(ev["times"], dtype=np.float64) - warm) / ms
    keep = t > -1e-9
    out_degree = np.zeros(n, dtype=np.int64)
    everyone = exc + inh
    for lo in range(0, n, 200):          # in chunks: a list of 10^7 sources is too big
        conns = nest.GetConnections(source=everyone[lo:min(n, lo + 200)], target=everyone)
        if len(conns):
            src = np.asarray(conns.get("source"), dtype=np.int64) - first
            out_degree += np.bincount(src, minlength=n)
    out = {"simulator": f"nest-{nest.__version__}", "workload": w["name"], "n": n,
           "fan_out": w["fan_out"], "duration": args.duration, "stdp": args.stdp, "seed": seed,
           "threads": 1, "build_s": t_build, "compile_s": 0.0, "run_s": t_run,
           "synapses": int(out_degree.sum()),
           "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    out.update(W.spike_stats(i[keep], t[keep], n_exc, n, args.duration, out_degree))
    out["events_per_s"] = out["events"] / t_run
    print(json.dumps(out))


if __name__ == "__main__":
    main()
