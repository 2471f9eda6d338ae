"""Compiles probe_ceiling.c (gcc -O3 -march=native, CFLAGS below, in a temporary folder) and
runs it: the per-core ceiling of synaptic events per second for static
delivery, STDP with weight writes on presynaptic spikes only, STDP with a
postsynaptic-spike walk of the transposed index, and STDP with potentiation kept
as per-neuron sums, the first and the last also with rows scanned in tiles of
targets (probe_ceiling.c), at the workloads' sizes.

    python bench/peers/probe_ceiling.py [--sizes 4000x80,10000x1000] [--rate 20] [--seconds 1]

Prints a Markdown table (G events/s per mode) and, with --json, one JSON line
per measurement.  The driver (compare.py) imports probe() to state
fastplastic's events/s as a fraction of the ceiling.
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MODES = ("static", "static_tiled", "stdp_pre", "stdp_post", "stdp_sum", "stdp_sum_tiled")
# The two value-safe relaxations let gcc turn the weight clamp into minsd/maxsd
# instead of a branch (the weights are finite; -0 vs +0 does not matter).
CFLAGS = ["-O3", "-march=native", "-std=c99", "-fno-signed-zeros", "-ffinite-math-only"]


def compile_probe(workdir, cc=None):
    """Path of the probe binary built in workdir."""
    cc = cc or os.environ.get("CC") or shutil.which("gcc") or "cc"
    exe = os.path.join(workdir, "probe_ceiling")
    subprocess.run([cc, *CFLAGS, "-o", exe,
                    os.path.join(HERE, "probe_ceiling.c"), "-lm"], check=True)
    return exe


def probe(sizes=((4000, 80), (10000, 1000)), rate=20.0, seconds=None, repeats=5, seed=1,
          modes=MODES):
    """{(n, fan_out): {mode: events per second}} measured on this core.
    seconds=None simulates long enough for ~5e7 events a repeat (at least 1 s),
    so that a timing is not a few milliseconds."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="fp_probe_") as tmp:
        exe = compile_probe(tmp)
        for n, k in sizes:
            sec = seconds or max(1.0, 5e7 / (n * k * rate))
            res = subprocess.run([exe, str(n), str(k), str(rate), str(sec), str(repeats),
                                  str(seed), *modes], check=True, capture_output=True, text=True)
            out[(n, k)] = {}
            for line in res.stdout.splitlines():
                rec = json.loads(line)
                out[(n, k)][rec["mode"]] = rec["events_per_s"]
    return out


def parse_sizes(text):
    return tuple(tuple(int(v) for v in s.split("x")) for s in text.split(","))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=parse_sizes, default=((4000, 80), (10000, 1000)),
                    help="comma-separated NxK, e.g. 4000x80,10000x1000")
    ap.add_argument("--rate", type=float, default=20.0, help="Poisson rate (Hz)")
    ap.add_argument("--seconds", type=float, default=None,
                    help="simulated time a repeat (default: ~5e7 events, >= 1 s)")
    ap.add_argument("--repeats", type=int, default=5, help="best of")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = probe(args.sizes, args.rate, args.seconds, args.repeats)
    if args.json:
        for (n, k), by_mode in res.items():
            print(json.dumps({"n": n, "fan_out": k, **by_mode}))
    print(f"C probe ceiling (gcc -O3 -march=native, 1 core, {args.rate:g} Hz Poisson, "
          f"best of {args.repeats}), G events/s")
    print("| network | static | static, tiled | STDP, pre-spike writes | STDP, post-spike walk "
          "| STDP, sums | STDP, sums, tiled |")
    print("|---|---|---|---|---|---|---|")
    for (n, k), m in res.items():
        print(f"| {n} x {k} | " + " | ".join(f"{m[mode] / 1e9:.3f}" for mode in MODES) + " |")


if __name__ == "__main__":
    main()
