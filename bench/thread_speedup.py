"""Speed-up of N threads over 1 on a bench/peers COBA workload, measured in
one process with the two runs interleaved finely, so that this VM's phases
(its speed drifts by up to 2x over seconds to minutes, and a fresh process
can land in a slow one for its whole life) hit both sides alike.

    python bench/thread_speedup.py [--workload 1e7] [--threads 2] [--piece 0.2] [--pieces 10]

Two copies of the same network (same seed, so the same synapses and initial
state) are built, one with 1 thread and one with N; then, piece by piece,
each advances the same `piece` seconds of the same simulation, in
alternating order.  Every piece's spikes must be bit-identical between the
two (results never depend on the thread count), which the script checks.
Prints each piece's ratio (1-thread time / N-thread time) and their median.
The harness (bench/peers/compare.py --threads 1,2) times whole runs in
separate processes instead, as a user's script runs; both are reported.
Peak memory: two networks (~2 x 270 MB at 10^7 synapses).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
import fastplastic_coba as F  # noqa: E402
import workloads as W  # noqa: E402


def _piece(net, mons, duration):
    """Runs one piece; returns its wall time and a copy of its spikes."""
    n0 = [len(m.i) for m in mons]
    t0 = time.perf_counter()
    net.run(duration, progress=False)   # (weights not read: no flush of pending sums, which
    wall = time.perf_counter() - t0     # a run does once at its end, not once a piece)
    return wall, [(m.i[k:].copy(), m.t[k:].copy()) for m, k in zip(mons, n0)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", default="1e7", help="a bench/peers/workloads.py name")
    ap.add_argument("--threads", type=int, default=2, help="the thread count compared with 1")
    ap.add_argument("--piece", type=float, default=0.2, help="simulated seconds per piece")
    ap.add_argument("--pieces", type=int, default=10, help="pieces per network")
    ap.add_argument("--static", action="store_true", help="without STDP")
    args = ap.parse_args()
    if args.threads < 2 or args.pieces < 1 or not args.piece > 0:
        ap.error("--threads must be >= 2, --pieces >= 1, --piece > 0")
    spec = W.spec(args.workload)
    nets = []
    for nt in (1, args.threads):
        net, exc, inh = F.build(spec, not args.static, nt, "auto")
        mons = [net.monitor(g, "spikes") for g in (exc, inh)]
        net.run(0.05, progress=False)           # warm-up: allocations, the balancer's cuts
        nets.append((net, mons))
    ratios = []
    act0 = nets[1][0].thread_activity
    for p in range(args.pieces):
        order = (0, 1) if p % 2 == 0 else (1, 0)
        res = {}
        for k in order:
            res[k] = _piece(*nets[k], args.piece)
        for (i1, t1), (i2, t2) in zip(res[0][1], res[1][1]):
            if not (np.array_equal(i1, i2) and np.array_equal(t1, t2)):
                raise SystemExit(f"piece {p}: spikes differ between 1 and {args.threads} threads")
        ratios.append(res[0][0] / res[1][0])
        print(f"piece {p}: 1 thread {res[0][0]:.3f} s, {args.threads} threads {res[1][0]:.3f} s, "
              f"ratio {ratios[-1]:.2f}", flush=True)
    print(f"{args.workload}{' static' if args.static else ' STDP'}, pieces of {args.piece:g} s: "
          f"{args.threads} threads {np.median(ratios):.2f}x faster than 1 (median of "
          f"{len(ratios)}; range {min(ratios):.2f}-{max(ratios):.2f}), spikes bit-identical")
    act1 = nets[1][0].thread_activity
    loop_s = act1["wall_s"] - act0["wall_s"]
    if loop_s > 0:      # (Network.thread_activity: work, not waits at the barriers)
        busy = (act1["busy_s"] - act0["busy_s"]) / loop_s
        print(f"{args.threads} threads: each worked {', '.join(f'{100 * b:.0f}' for b in busy)} % "
              f"of the engine loop's wall time, the rest waiting at the barriers")


if __name__ == "__main__":
    main()
