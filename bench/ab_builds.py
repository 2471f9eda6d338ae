"""A/B timing of two fastplastic builds (two checkouts, each built in place)
on a bench/peers COBA workload, for changes too small for this noisy VM's
run-to-run spread (single runs vary by +-30 %, in phases lasting minutes).

    python bench/ab_builds.py /tmp/build_a /tmp/build_b --pairs 8 --stdp [--workload 1e7] [--update summed]

Each pair runs A and B at the same time, pinned to cpu 0 and cpu 1, then
swapped; the pair's ratio is the geometric mean of the two ratios A/B, so
both the machine's phase and the difference between its two cores cancel.
Every run is a fresh process whose PYTHONPATH is its own checkout: an
editable install of the package would otherwise load the same build on both
sides (the mistake behind several of session 5's reverted changes).
Prints the median ratio A/B (> 1: B is faster) and each pair's ratio.

One thread only: a multi-threaded run needs both cores.  For a change at 2
threads, fresh processes run one after the other cannot resolve 10 %: each
lands in its own phase (10^7 STDP, 2 threads: 0.64-0.97 s for the same
build; 12 alternating pairs once gave 1.087 for a change that the method
below put at 0.98-1.01).  Measure it in one process instead: put the change
behind a temporary global switch (`int fp_ab_switch = 1;` in the C file),
set it through ctypes (`ctypes.c_int.in_dll(ctypes.CDLL(engine.__file__),
"fp_ab_switch")`) and alternate pieces of one network (0.1 s each, 80 pairs)
with it on and off; the pieces' ratios then share the machine's phase.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

_RUN = """
import sys, time
sys.path.insert(0, {peers!r})
import fastplastic, workloads as W, fastplastic_coba as F
assert fastplastic.__file__.startswith({root!r}), fastplastic.__file__
net = F.build(W.spec({workload!r}), {stdp!r}, 1, {update!r})[0]
net.run(1e-3, progress=False)
t0 = time.perf_counter()
net.run({duration!r}, progress=False)
print(time.perf_counter() - t0)
"""


def _start(root, cpu, args):
    root = os.path.abspath(root)
    code = _RUN.format(peers=os.path.join(root, "bench", "peers"), root=root,
                       workload=args.workload, stdp=args.stdp, duration=args.duration,
                       update=args.update)
    env = dict(os.environ, PYTHONPATH=root, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.Popen(["taskset", "-c", str(cpu), sys.executable, "-c", code],
                            cwd=root, env=env, stdout=subprocess.PIPE, text=True)


def _both(a, b, cpu_a, args):
    pa, pb = _start(a, cpu_a, args), _start(b, 1 - cpu_a, args)
    out = [p.communicate()[0] for p in (pa, pb)]
    if pa.returncode or pb.returncode:
        raise SystemExit("a run failed")
    return [float(o.split()[-1]) for o in out]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--workload", default="1e7")
    ap.add_argument("--duration", type=float, default=1.0, help="simulated seconds")
    ap.add_argument("--stdp", action="store_true")
    ap.add_argument("--update", default="auto", help="the STDP rule's update scheme")
    args = ap.parse_args()
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("needs two cores")
    ratios = []
    for _ in range(args.pairs):
        a0, b1 = _both(args.a, args.b, 0, args)
        a1, b0 = _both(args.a, args.b, 1, args)
        ratios.append(np.sqrt(a0 / b1 * a1 / b0))
        print(f"A {a0:.3f} {a1:.3f}  B {b1:.3f} {b0:.3f}  ratio {ratios[-1]:.3f}", flush=True)
    r = np.array(ratios)
    print(f"median ratio A/B {np.median(r):.3f} over {len(r)} pairs ({np.sum(r > 1)} with B faster)")


if __name__ == "__main__":
    main()
