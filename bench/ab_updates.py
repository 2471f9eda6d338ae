"""A/B timing of STDP update schemes on one build: the same bench/peers COBA
workload built once per scheme in one process, pieces of it run alternately
(A B, B A, ...) so that this VM's slow and fast phases hit both alike; the
weights are read after every piece (the pending updates applied in the timed
region, as a peer's run applies every update).

    python bench/ab_updates.py --workload 1e7 --updates deferred,summed --pieces 6   (auto = summed here)

Prints each scheme's piece times, its seconds per simulated second, the
ratios to the first scheme, and the largest weight difference between them
relative to the largest weight (the schemes agree to rounding).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
import fastplastic_coba as F  # noqa: E402
import workloads as W  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workload", default="1e7", choices=sorted(W.WORKLOADS))
    ap.add_argument("--updates", default="deferred,summed",
                    help="comma-separated schemes of fastplastic.PairSTDP (update=...)")
    ap.add_argument("--piece", type=float, default=0.3, help="simulated seconds per piece")
    ap.add_argument("--pieces", type=int, default=6, help="pieces per scheme")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    updates = args.updates.split(",")
    nets = {}
    for u in updates:
        nets[u] = F.build(W.spec(args.workload), True, args.threads, u)[0]
        nets[u].run(1e-3, progress=False)               # allocations, trace set-up
    times = {u: [] for u in updates}
    for r in range(args.pieces):
        for u in (updates if r % 2 == 0 else updates[::-1]):
            t0 = time.perf_counter()
            nets[u].run(args.piece, progress=False)
            for p in nets[u].projections:
                p.weight                                  # (applies pending updates)
            times[u].append(time.perf_counter() - t0)
    ref = sum(times[updates[0]])
    for u in updates:
        t = np.array(times[u])
        print(f"{u:>9}: {np.round(t, 3)}  {t.sum() / (args.piece * len(t)):.3f} s per simulated s"
              f"  ({t.sum() / ref:.2f}x {updates[0]})")
    w = {u: np.concatenate([p.weight for p in nets[u].projections]) for u in updates}
    scale = np.abs(w[updates[0]]).max()
    for u in updates[1:]:
        print(f"max |w_{u} - w_{updates[0]}| / max |w| = {np.abs(w[u] - w[updates[0]]).max() / scale:.1e}")


if __name__ == "__main__":
    main()
