"""Speed-up of N threads over 1 on a bench/peers COBA workload, measured in
one process with the runs interleaved finely, so that this VM's phases (its
speed drifts by up to 2x over seconds to minutes, and a fresh process can
land in a slow one for its whole life) hit every side alike.

    python bench/thread_speedup.py [--workload 1e7] [--threads 2] [--piece 0.2] [--pieces 10]
                                   [--static | --no-synapses] [--no-capacity]

Copies of the same network (same seed, so the same synapses and initial
state) are built: one with 1 thread, one with N and, for the capacity, N
more with 1 thread.  Piece by piece, in rotating order, each advances the
same `piece` seconds of the same simulation: the 1-thread copy alone, the
N-thread copy alone, and the N extra copies at once (one Python thread
each; the engine runs without the GIL).  Every piece's spikes must be
bit-identical between all of them (results never depend on the thread
count), which the script checks.

Per piece it prints the speed-up (1-thread time / N-thread time), the N-core
capacity (the work the N copies did at once, in solo runs per solo run time:
what N cores give this workload in that piece, the most that N threads
could gain) and the speed-up's share of the capacity; then their medians.
On a VM whose cores sometimes share one physical core (here: pieces where
N copies at once each run ~N times slower, and N threads gain ~nothing),
the share separates the threading's own efficiency from the machine's
phases.  The harness (bench/peers/compare.py --threads 1,2) times whole runs
in separate processes instead, as a user's script runs; both are reported.
Peak memory: 2 + N networks (~270 MB each at 10^7 synapses).

--no-synapses runs the workload's neurons alone, their updates split among
the threads as in the full network (the synapse threshold below which a
network runs on one thread is lowered for this process): the threads then
share no data and meet at the same per-step barriers, so its share of the
capacity is what lock-step stepping alone costs on the machine.  On this VM
(the 10^4 LIF of the 10^7 workload, 2026-11-30, 12 pieces of 2 s each run):
92 % and 78 % of the capacity (speed-ups 1.61x, 1.48x; threads busy 91 %),
and a first version of the script 95 %; the full 10^7 network the same
hour: 83-88 % (STDP), 88 % (static), threads busy 91-93 %.  The band is
the same, so the machine, not the sharing of synapse data, sets it.
"""
import argparse
import os
import sys
import threading
import time

import numpy as np

import fastplastic.network as fp_network

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


def _pieces_at_once(copies, duration):
    """Runs one piece of every copy at once, one Python thread each; returns
    their (wall time, spikes)."""
    out = [None] * len(copies)

    def work(k):
        out[k] = _piece(*copies[k], duration)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(len(copies))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if any(o is None for o in out):
        raise SystemExit("a copy run at once failed")
    return out


def _same(a, b):
    return all(np.array_equal(i1, i2) and np.array_equal(t1, t2) for (i1, t1), (i2, t2) in zip(a, b))


def _build(spec, stdp, threads, synapses=True):
    net, exc, inh = F.build(spec, stdp, threads, "auto", synapses)
    mons = [net.monitor(g, "spikes") for g in (exc, inh)]
    net.run(0.05, progress=False)           # warm-up: allocations, the balancer's cuts
    return net, mons


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", default="1e7", help="a bench/peers/workloads.py name")
    ap.add_argument("--threads", type=int, default=2, help="the thread count compared with 1")
    ap.add_argument("--piece", type=float, default=0.2, help="simulated seconds per piece")
    ap.add_argument("--pieces", type=int, default=10, help="pieces per network")
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--static", action="store_true", help="without STDP")
    what.add_argument("--no-synapses", action="store_true",
                      help="the neurons alone, their updates threaded (lock-step cost)")
    ap.add_argument("--no-capacity", action="store_true",
                    help="skip the N 1-thread copies run at once (N fewer networks in memory)")
    args = ap.parse_args()
    if args.threads < 2 or args.pieces < 1 or not args.piece > 0:
        ap.error("--threads must be >= 2, --pieces >= 1, --piece > 0")
    spec, n, syn = W.spec(args.workload), args.threads, not args.no_synapses
    stdp = syn and not args.static
    if not syn:                 # (else a network without synapses steps on one thread)
        fp_network.PARALLEL_DELIVERY_MIN_SYNAPSES = 0
    one, many = _build(spec, stdp, 1, syn), _build(spec, stdp, n, syn)
    copies = [] if args.no_capacity else [_build(spec, stdp, 1, syn) for _ in range(n)]
    kinds = ["one", "many"] + (["copies"] if copies else [])
    speedups, caps = [], []
    act0 = many[0].thread_activity
    for p in range(args.pieces):
        res = {}
        for kind in kinds[p % len(kinds):] + kinds[:p % len(kinds)]:       # (rotating order)
            if kind == "one":
                res[kind] = _piece(*one, args.piece)
            elif kind == "many":
                res[kind] = _piece(*many, args.piece)
            else:
                res[kind] = _pieces_at_once(copies, args.piece)
        spikes = [res["many"][1]] + ([c[1] for c in res["copies"]] if copies else [])
        if not all(_same(res["one"][1], s) for s in spikes):
            raise SystemExit(f"piece {p}: spikes differ between the copies")
        solo = res["one"][0]
        speedups.append(solo / res["many"][0])
        line = (f"piece {p}: 1 thread {solo:.3f} s, {n} threads {res['many'][0]:.3f} s, "
                f"speed-up {speedups[-1]:.2f}")
        if copies:
            caps.append(sum(solo / c[0] for c in res["copies"]))
            line += (f"; {n} copies at once {max(c[0] for c in res['copies']):.3f} s, "
                     f"capacity {caps[-1]:.2f}, share {100 * speedups[-1] / caps[-1]:.0f} %")
        print(line, flush=True)
    what = " neurons alone" if args.no_synapses else " static" if args.static else " STDP"
    print(f"{args.workload}{what}, pieces of {args.piece:g} s: "
          f"{n} threads {np.median(speedups):.2f}x faster than 1 (median of "
          f"{len(speedups)}; range {min(speedups):.2f}-{max(speedups):.2f}), spikes bit-identical")
    if copies:
        shares = np.array(speedups) / np.array(caps)
        print(f"{n}-core capacity {np.median(caps):.2f} (median; range {min(caps):.2f}-"
              f"{max(caps):.2f}); speed-up / capacity {100 * np.median(shares):.0f} % (median; "
              f"range {100 * shares.min():.0f}-{100 * shares.max():.0f} %)")
    busy = F.busy_shares(act0, many[0].thread_activity)
    if busy is not None:    # (Network.thread_activity: work, not waits at the barriers)
        print(f"{n} threads: each worked {', '.join(f'{100 * b:.0f}' for b in busy)} % "
              f"of the engine loop's wall time, the rest waiting at the barriers")


if __name__ == "__main__":
    main()
