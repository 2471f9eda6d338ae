"""fastplastic's side of the peer comparison: the COBA workload, one JSON line
in the same format as brian2_coba.py.

    python bench/peers/fastplastic_coba.py --n 4000 --duration 1 [--stdp] [--threads 1]
"""
import argparse
import json
import time

import numpy as np

import fastplastic as fp
from fastplastic.models import coba


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--duration", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stdp", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    m = coba(n=args.n, seed=args.seed, stdp=args.stdp, threads=args.threads)
    mons = {k: m.net.monitor(g, "spikes") for k, g in m.groups.items()}
    m.net.run(1e-3, progress=False)            # first call: allocations, trace set-up
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    m.net.run(args.duration, progress=False)
    t_run = time.perf_counter() - t0
    out = {"simulator": f"fastplastic-{fp.__version__}", "n": args.n, "duration": args.duration,
           "stdp": args.stdp, "seed": args.seed, "threads": args.threads, "build_s": t_build,
           "run_s": t_run, "synapses": m.net.n_synapses}
    counts = {}
    for k, mon in mons.items():
        keep = mon.t >= 1e-3 - 1e-12
        out[f"rate_{k}"] = keep.sum() / mon.group.n / args.duration
        cv = mon.isi_cv()
        out[f"cv_{k}"] = float(cv.mean()) if cv.size else float("nan")
        counts[mon.group.index] = np.bincount(mon.i[keep], minlength=mon.group.n)
    out["events"] = int(sum((counts[p.pre.index] * np.diff(p.row_ptr)).sum()
                            for p in m.net.projections))
    out["events_per_s"] = out["events"] / t_run
    print(json.dumps(out))


if __name__ == "__main__":
    main()
