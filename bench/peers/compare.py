"""Runs fastplastic and Brian2 alternately on the same COBA workload and
prints a Markdown table: simulation-loop wall time (build/compile separate),
mean E rate, CV of ISIs, synaptic events per wall second, and the ratio
peer / fastplastic (median of the pairs).  It also checks that the spike
statistics agree (rate within 10 %, CV within 0.1): a faster simulator of a
different network proves nothing.

    python bench/peers/compare.py --brian2-python /path/to/venv/bin/python \
        [--n 4000] [--duration 1] [--stdp] [--repeats 3]

Brian2 is run by another interpreter (its environment needs numpy < 2 on
Python 3.11); peers are never needed by the test suite.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _run(python, script, args):
    res = subprocess.run([python, os.path.join(HERE, script), *args], capture_output=True,
                         text=True, timeout=3600)
    if res.returncode != 0:
        raise SystemExit(f"{script} failed:\n{res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brian2-python", required=True)
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--duration", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stdp", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    common = ["--n", str(args.n), "--duration", str(args.duration), "--seed", str(args.seed)]
    common += ["--stdp"] if args.stdp else []
    fp_runs, b2_runs = [], []
    for _ in range(args.repeats):                      # alternate, so drift hits both
        fp_runs.append(_run(sys.executable, "fastplastic_coba.py", common))
        b2_runs.append(_run(args.brian2_python, "brian2_coba.py", common))
    ratios = [b["run_s"] / f["run_s"] for f, b in zip(fp_runs, b2_runs)]
    events = fp_runs[0]["events"]          # same network and rates: same event count (checked)
    rows = []
    for name, runs in (("fastplastic", fp_runs), ("brian2 cpp_standalone", b2_runs)):
        run_s = np.median([r["run_s"] for r in runs])
        rows.append((name, np.median([r["build_s"] for r in runs]), run_s,
                     np.mean([r["rate_exc"] for r in runs]), np.mean([r["cv_exc"] for r in runs]),
                     events / run_s))
    print(f"COBA n={args.n}, {args.duration:g} s, {'pair STDP on E->E' if args.stdp else 'static'}, "
          f"1 thread, median of {args.repeats}")
    print("| simulator | build (s) | run (s) | E rate (Hz) | CV ISI | events/s |")
    print("|---|---|---|---|---|---|")
    for name, b, r, rate, cv, ev in rows:
        print(f"| {name} | {b:.3f} | {r:.3f} | {rate:.2f} | {cv:.3f} | {ev:.3g} |")
    print(f"ratio brian2 / fastplastic (median of pairs): {np.median(ratios):.2f}")
    fr, br = rows[0][3], rows[1][3]
    ok = abs(fr - br) <= 0.1 * br and abs(rows[0][4] - rows[1][4]) <= 0.1
    print(f"statistics agree (rate within 10 %, CV within 0.1): {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
