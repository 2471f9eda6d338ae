"""fastplastic's side of the peer comparison: the COBA workloads of
workloads.py, one JSON line in the same format as the other peer scripts.

    python bench/peers/fastplastic_coba.py --workload {4k,40k,1e7} --duration 1 [--stdp] [--threads 1]

The network is built from the public API with the same calls, in the same
order, as ``fastplastic.models.coba`` (so at fan-out 80 without bias current
it is that model, spike for spike), plus what ``coba`` does not take: weights
scaled by 80 / fan_out and a constant current ``i_bias``.
"""
import argparse
import hashlib
import json
import os
import resource
import sys
import time

import numpy as np

import fastplastic as fp
from fastplastic.units import mV

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads as W  # noqa: E402


def build(w, stdp=False, threads=1, update="auto", synapses=True):
    """(net, exc, inh) for a workload spec (workloads.spec); update: the STDP
    rule's (fastplastic.PairSTDP); synapses=False: the neurons alone, as
    built (bench/thread_speedup.py --no-synapses)."""
    pn = W.NEURON
    net = fp.Network(dt=W.DT, seed=w["seed"], threads=threads)
    common = dict(synapses="conductance", tau_m=pn["c_m"] / pn["g_l"], c_m=pn["c_m"],
                  e_l=pn["e_l"], v_thresh=pn["v_thresh"], v_reset=pn["v_reset"],
                  t_ref=pn["t_ref"], tau_e=pn["tau_e"], tau_i=pn["tau_i"], e_e=pn["e_e"],
                  e_i=pn["e_i"], i_bias=w["i_bias"],
                  v_init=lambda r, m: pn["e_l"] + (r.standard_normal(m) * 5 - 5) * mV)
    exc = net.add(fp.LIF(w["n_exc"], name="exc", **common))
    inh = net.add(fp.LIF(w["n"] - w["n_exc"], name="inh", **common))
    for g in (exc, inh):
        g.ge[:] = np.maximum(0.0, (net.rng.standard_normal(g.n) * 1.5 + 4) * pn["g_l"])
        g.gi[:] = np.maximum(0.0, (net.rng.standard_normal(g.n) * 12 + 20) * pn["g_l"])
    rule = fp.PairSTDP(w_max=w["w_max"], update=update, **W.STDP) if stdp else None
    for pre, wt, ch in ((exc, w["w_exc"], "exc"), (inh, w["w_inh"], "inh")) if synapses else ():
        for post in (exc, inh):
            net.connect(pre, post, p=w["p"], weight=wt, delay=net.dt, channel=ch,
                        name=f"{pre.name}->{post.name}",
                        plasticity=rule if (pre is exc and post is exc) else None)
    return net, exc, inh


def busy_shares(before, after):
    """Each thread's share of work in the engine's parallel loop between two
    Network.thread_activity snapshots (list of floats), or None when the
    engine ran on one thread in between."""
    loop_s = after["wall_s"] - before["wall_s"]
    if not loop_s > 0:
        return None
    return [float(b) for b in (after["busy_s"] - before["busy_s"]) / loop_s]


def wait_for_peers(spec, timeout=600.0):
    """--barrier DIR:N: mark this process as ready in DIR, then wait until N
    processes have (polling every millisecond), so that the timed loops of
    runs started together overlap (compare.py's N-core capacity)."""
    folder, n = spec.rsplit(":", 1)
    open(os.path.join(folder, f"ready-{os.getpid()}"), "w").close()
    t_end = time.monotonic() + timeout
    while sum(f.startswith("ready-") for f in os.listdir(folder)) < int(n):
        if time.monotonic() > t_end:
            raise SystemExit(f"--barrier: fewer than {n} processes arrived in {timeout:g} s")
        time.sleep(1e-3)


def main():
    ap = argparse.ArgumentParser()
    W.add_arguments(ap)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--update", default="auto", choices=["auto", "deferred", "summed", "immediate"],
                    help="the STDP rule's update scheme (fastplastic.PairSTDP)")
    ap.add_argument("--barrier", default=None, metavar="DIR:N",
                    help="start the timed loop only once N processes given the same DIR "
                         "have built their networks")
    args = ap.parse_args()
    w = W.from_args(args)
    warm = 1e-3
    t0 = time.perf_counter()
    net, exc, inh = build(w, args.stdp, args.threads, args.update)
    t_construct = time.perf_counter() - t0
    mons = [net.monitor(g, "spikes") for g in (exc, inh)]
    net.run(warm, progress=False)            # first call: allocations, trace set-up
    t_build = time.perf_counter() - t0
    if args.barrier:
        wait_for_peers(args.barrier)
    act0 = net.thread_activity
    t_start = time.time()
    t0 = time.perf_counter()
    net.run(args.duration, progress=False)
    for proj in net.projections:    # (applies pending deferred updates: timed, as a peer's
        proj.weight                 # run applies every update)
    t_run = time.perf_counter() - t0
    busy = busy_shares(act0, net.thread_activity)
    out_degree = np.zeros(w["n"], dtype=np.int64)
    for proj in net.projections:
        off = 0 if proj.pre is exc else w["n_exc"]
        out_degree[off:off + proj.pre.n] += np.diff(proj.row_ptr)
    i = np.concatenate([mons[0].i, mons[1].i + w["n_exc"]])
    t = np.concatenate([mons[0].t, mons[1].t]) - warm
    keep = t >= -1e-12
    out = {"simulator": f"fastplastic-{fp.__version__}", "workload": w["name"], "n": w["n"],
           "fan_out": w["fan_out"], "duration": args.duration, "stdp": args.stdp,
           "seed": w["seed"], "threads": args.threads, "construct_s": t_construct,
           "build_s": t_build, "run_s": t_run, "start_unix_s": t_start,
           "synapses": int(net.n_synapses),
           "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    out.update(W.spike_stats(i[keep], t[keep], w["n_exc"], w["n"], args.duration, out_degree))
    digest = hashlib.sha256(np.ascontiguousarray(i).tobytes())
    digest.update(np.ascontiguousarray(np.concatenate([mons[0].t, mons[1].t])).tobytes())
    out["spikes_sha256"] = digest.hexdigest()        # bit-identity across thread counts
    out["events_per_s"] = out["events"] / t_run
    if busy is not None:
        out["thread_busy"] = busy
    print(json.dumps(out))


if __name__ == "__main__":
    main()
