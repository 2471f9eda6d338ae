"""Runs fastplastic and its peers alternately on the same COBA workloads and
prints one Markdown table per workload: build (and compile) time apart from
the simulation loop's wall time, mean E rate, CV of ISIs, synaptic events per
wall second, the ratio peer / fastplastic (median of the pairs of one round),
and whether the spike statistics agree with fastplastic's (E rate within
10 %, CV within 0.1): a faster simulator of a different network proves
nothing.  fastplastic's events/s is also given as a percentage of the
per-core ceiling that probe_ceiling.c measures on this machine (static
delivery for static networks, row by row and in tiles of targets; for
plastic ones four: STDP with weight writes on presynaptic spikes only --
depression, no potentiation at all --, the full rule with potentiation by a
walk of the transposed index at every postsynaptic spike, the immediate
form, and the full rule with potentiation kept as per-neuron sums and
applied in the presynaptic pass, the summed form that fastplastic's default
uses for additive pair rules, row by row and in tiles of targets as
fastplastic scans at 10^7 synapses).  The ceiling is the best of the
probe at the start and a shorter one after every round: on a shared VM a
core's speed drifts by up to 2x over minutes (static 10^7 ceilings of
0.21-0.44 G/s here), and a probe taken in a slow phase would flatter the
runs taken in fast ones.  A second line per ceiling pairs the rounds
instead: the median over the rounds of each round's events/s over the probe
run right after it, as the peer ratios pair a round's runs (a median run
against the best probe puts the two sides in different phases).

    python bench/peers/compare.py --peers brian2,brian2-runtime,nest \\
        --brian2-python /tmp/b2env/bin/python --nest-python /tmp/nestenv/bin/python \\
        --workloads 4k,40k,1e7 --durations 1 --plasticity static,stdp --repeats 5

--threads 1,N adds fastplastic rows at other thread counts (speed-up against
the first, spikes checked bit-identical) and, each round, N one-thread runs at
once (their timed loops started together): the machine's N-core capacity for
the workload, the most N threads could gain over 1 on it at that time (on a
shared VM whose cores run at different and changing speeds it can be well
below N; --no-capacity skips it).  Round r uses the workload's seed + r (the
same for every simulator), so that the statistics compared are medians over
network realizations: one realization's E rate can lie more than 10 % from
the seed average (COBA 4k, seed 1, on AMD Zen 3: 16.6 Hz against 18.9-20.8
Hz for seeds 2-8); --fixed-seed runs every round on the workload's seed.

Peers (each run by its own interpreter; --brian2-runtime-python defaults to
--brian2-python): brian2 (cpp_standalone), brian2-runtime (Cython), nest
(iaf_cond_exp).  Everything single-threaded.  Peers are optional extras
(pip install '.[peers]') and never needed by the test suite.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import workloads as W  # noqa: E402

PEERS = {   # name: (script, extra args, label)
    "brian2": ("brian2_coba.py", ["--device", "cpp_standalone"], "Brian2 cpp_standalone"),
    "brian2-runtime": ("brian2_coba.py", ["--device", "runtime"], "Brian2 runtime (Cython)"),
    "nest": ("nest_coba.py", [], "NEST iaf_cond_exp"),
}
RATE_TOL, CV_TOL = 0.10, 0.1


def record_of(returncode, stdout, stderr):
    """A finished script's JSON record, or {"error": ...}."""
    if returncode != 0:
        tail = (stderr or stdout).strip().splitlines()[-1:] or ["(no output)"]
        return {"error": f"exit {returncode}: {tail[0][:200]}"}
    try:
        return json.loads(stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"error": "no JSON record in the output"}


def run_script(python, script, args, timeout):
    """The script's JSON record, or {"error": ...}."""
    cmd = [python, os.path.join(HERE, script), *args]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    except OSError as exc:
        return {"error": str(exc)}
    return record_of(res.returncode, res.stdout, res.stderr)


def run_together(python, script, args, timeout, n):
    """n copies of the script at once, their timed loops started together
    (fastplastic_coba.py --barrier); one record (or {"error": ...}) each.  If
    one fails, the others (which would wait at the barrier) are stopped."""
    with tempfile.TemporaryDirectory(prefix="fp_together_") as folder:
        cmd = [python, os.path.join(HERE, script), *args, "--barrier", f"{folder}:{n}"]
        try:
            procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True) for _ in range(n)]
        except OSError as exc:
            return [{"error": str(exc)}] * n
        deadline, why = time.monotonic() + timeout, None
        while True:                     # (each prints one short line: no pipe fills)
            codes = [p.poll() for p in procs]
            if None not in codes:
                break
            if time.monotonic() > deadline or any(codes):
                why = "a run beside it failed" if any(codes) else f"timed out after {timeout} s"
                for p in procs:
                    if p.poll() is None:
                        p.kill()
                break
            time.sleep(0.05)
        out = []
        for proc in procs:
            stdout, stderr = proc.communicate()
            out.append({"error": f"stopped: {why}"} if why and proc.returncode < 0
                       else record_of(proc.returncode, stdout, stderr))
    return out


def complete_rounds(solo_runs, together_runs):
    """(solo record, group of records run at once) of the rounds without errors."""
    return [(solo, group) for solo, group in zip(solo_runs, together_runs)
            if "error" not in solo and not any("error" in r for r in group)]


def capacity(solo_runs, together_runs):
    """The machine's n-core capacity for this workload: per round, the work of
    n one-thread runs done at once, in solo runs per solo run time
    (sum of solo run_s / run_s), and how much their timed loops overlapped
    (time all shared / shortest loop); medians over the rounds, or None."""
    caps, overlaps = [], []
    for solo, group in complete_rounds(solo_runs, together_runs):
        caps.append(sum(solo["run_s"] / r["run_s"] for r in group))
        starts = [r["start_unix_s"] for r in group]
        ends = [r["start_unix_s"] + r["run_s"] for r in group]
        overlaps.append(max(0.0, min(ends) - max(starts)) / min(r["run_s"] for r in group))
    if not caps:
        return None
    return float(np.median(caps)), float(np.median(overlaps))


def refresh_ceilings(ceilings, size, stdp):
    """Probes `size` again (best of 2), keeps the best ceiling of each mode and
    returns this probe's values ({mode: events/s})."""
    from probe_ceiling import probe
    modes = STDP_MODES if stdp else STATIC_MODES
    now = probe((size,), modes=modes, repeats=2)[size]
    for md, v in now.items():
        ceilings[size][md] = max(ceilings[size].get(md, 0.0), v)
    return now


def paired_probe_lines(fp_runs, probes, modes):
    """fastplastic's events/s as a share of each probe ceiling, paired by
    round: the median over the rounds of (that round's events/s / the probe
    run right after it).  The best-of line compares a median run with the
    fastest probe of the whole session, so a VM's slow and fast phases (up to
    2x here) land on opposite sides of the ratio; pairing compares each run
    with the probe of its own phase, as the peer ratios do."""
    lines = []
    for md in modes:
        shares = [r["events"] / r["run_s"] / p[md] for r, p in zip(fp_runs, probes)
                  if "error" not in r and p and p.get(md)]
        if shares:
            lines.append(f"fastplastic events/s = {100 * float(np.median(shares)):.1f} % of the "
                         f"C probe's {PROBE_LABELS[md]} ceiling, paired by round (median over "
                         f"{len(shares)} rounds of each round's events/s / the probe run right "
                         f"after it; per round: "
                         f"{', '.join(f'{100 * x:.0f}' for x in shares)} %)")
    return lines


def median_of(runs, key):
    vals = [r[key] for r in runs if key in r]
    return float(np.median(vals)) if vals else float("nan")


def per_round(runs):
    """The E rates of the rounds, for a failed statistics check: with seeds
    varied, one network realization can lie far from the others (COBA 1e7 on
    fastplastic, seeds 1-10: 15.7-19.6 Hz, mean 18.2; Brian2: 17.7-20.2, mean
    18.7), which a reader should see before suspecting the model."""
    return "/".join(f"{r['rate_exc']:.2f}" if "rate_exc" in r else "-" for r in runs)


def round_ratios(ref_runs, runs):
    """Per round (without errors): run_s / the reference's run_s."""
    return [b["run_s"] / f["run_s"] for f, b in zip(ref_runs, runs)
            if "error" not in f and "error" not in b]


def median_ratio(ref_runs, runs):
    """Median over the rounds of run_s / the reference's run_s in the same round."""
    pairs = round_ratios(ref_runs, runs)
    return float(np.median(pairs)) if pairs else None


def together_ratio(solo_runs, together_runs):
    """Median over the rounds of the mean run_s of the runs done at once / the
    solo run's run_s in the same round."""
    pairs = [np.mean([r["run_s"] for r in group]) / solo["run_s"]
             for solo, group in complete_rounds(solo_runs, together_runs)]
    return float(np.median(pairs)) if pairs else None


def capacity_notes(fp_runs, together_runs, n):
    """Lines stating the n-core capacity and the n-thread run's share of it."""
    cap = capacity(fp_runs[1], together_runs)
    if cap is None:
        return ["", f"{n}-core capacity: not measured (runs failed)"]
    cap_x, overlap = cap
    lines = ["", f"{n}-core capacity: {n} one-thread runs at once (timed loops "
                 f"{100 * overlap:.0f} % overlapped) did {cap_x:.2f}x the work of one run "
                 f"alone in the same time: what {n} cores of this machine give this workload "
                 f"now, the most that {n} threads could gain over 1"]
    ratio = median_ratio(fp_runs[1], fp_runs.get(n, []))
    if ratio:
        rounds = round_ratios(fp_runs[1], fp_runs.get(n, []))
        lines.append(f"fastplastic ({n} threads): speed-up {1 / ratio:.2f}x over 1 thread = "
                     f"{100 / ratio / cap_x:.0f} % of that capacity (per round: "
                     f"{', '.join(f'{1 / x:.2f}' for x in rounds)}x)")
    lines.extend(busy_notes(fp_runs.get(n, []), n))
    return lines


def busy_notes(runs, n):
    """How busy the n threads were (fastplastic_coba.py's thread_busy: each
    thread's seconds of work / the engine's parallel loop's wall seconds):
    near 100 % the threads seldom wait for each other, and a speed-up below
    the capacity comes from each core doing its share slower."""
    busy = [r["thread_busy"] for r in runs if "error" not in r and r.get("thread_busy")]
    if not busy:
        return []
    return [f"fastplastic ({n} threads): each thread worked "
            f"{100 * float(np.median([np.mean(b) for b in busy])):.0f} % of the engine loop's "
            f"wall time (median over {len(busy)} rounds; the least busy thread per round: "
            f"{', '.join(f'{100 * min(b):.0f}' for b in busy)} %), the rest waiting at the "
            "barriers between a step's phases"]


UPDATES = ("auto", "deferred", "summed", "immediate")    # fastplastic.PairSTDP(update=)

PROBE_LABELS = {"static": "static",
                "static_tiled": "static, rows scanned in tiles of targets",
                "stdp_pre": "STDP pre-spike writes (no potentiation)",
                "stdp_post": "full STDP (pre-spike writes + post-spike column walks)",
                "stdp_sum": "full STDP as per-neuron sums (one pre-spike pass + O(1) a post spike)",
                "stdp_sum_tiled": "full STDP as per-neuron sums, rows scanned in tiles of "
                                  "targets (fastplastic's default at 10^7)"}
STDP_MODES = ("stdp_pre", "stdp_post", "stdp_sum", "stdp_sum_tiled")
STATIC_MODES = ("static", "static_tiled")


def agree(fp_rate, fp_cv, rate, cv):
    return abs(rate - fp_rate) <= RATE_TOL * fp_rate and abs(cv - fp_cv) <= CV_TOL


def table(title, rows, ceilings=(), notes=()):
    """rows: list of (label, runs, ratio or None); the first is fastplastic.
    notes: lines printed after the summary."""
    lines = [f"### {title}", "",
             "| simulator | build (s) | compile (s) | run (s) | E rate (Hz) | CV ISI | events/s "
             "| run time / fastplastic's | statistics |",
             "|---|---|---|---|---|---|---|---|---|"]
    fp_runs = rows[0][1]
    fp_rate, fp_cv = median_of(fp_runs, "rate_exc"), median_of(fp_runs, "cv_exc")
    failures = []
    for label, runs, ratio in rows:
        ok_runs = [r for r in runs if "error" not in r]
        if not ok_runs:
            err = next((r["error"] for r in runs if "error" in r), "not run")
            lines.append(f"| {label} | – | – | – | – | – | – | – | not run: {err} |")
            continue
        run_s = median_of(ok_runs, "run_s")
        rate, cv = median_of(ok_runs, "rate_exc"), median_of(ok_runs, "cv_exc")
        ev = median_of(ok_runs, "events") / run_s
        if runs is fp_runs:
            verdict, ratio_s = "reference", "1"
        elif "spikes_sha256" in ok_runs[0]:      # fastplastic at another thread count
            same = {r["spikes_sha256"] for r in ok_runs} == {r.get("spikes_sha256")
                                                            for r in fp_runs}
            verdict = "bit-identical spikes" if same else "**FAIL**: spikes differ"
            if not same:
                failures.append(label)
            ratio_s = f"{ratio:.2f}" if ratio is not None else "–"
        else:
            good = agree(fp_rate, fp_cv, rate, cv)
            verdict = "agree" if good else (f"**FAIL** (rate {rate:.2f} vs {fp_rate:.2f} Hz, "
                                            f"CV {cv:.3f} vs {fp_cv:.3f}; E rate per round: "
                                            f"{per_round(ok_runs)} vs {per_round(fp_runs)} Hz)")
            if not good:
                failures.append(label)
            ratio_s = f"{ratio:.2f}" if ratio is not None else "–"
        errors = len(runs) - len(ok_runs)
        if errors:
            verdict += f" ({errors} of {len(runs)} runs failed)"
        compile_s = median_of(ok_runs, "compile_s")
        lines.append(f"| {label} | {median_of(ok_runs, 'build_s'):.3f} | "
                     f"{'–' if np.isnan(compile_s) else f'{compile_s:.2f}'} | {run_s:.3f} | "
                     f"{rate:.2f} | {cv:.3f} | {ev:.3g} | {ratio_s} | {verdict} |")
    ok_fp = [r for r in fp_runs if "error" not in r]
    if ok_fp:
        ev = median_of(ok_fp, "events") / median_of(ok_fp, "run_s")
        lines.append("")
        lines.append(f"fastplastic: {median_of(ok_fp, 'synapses'):.4g} synapses, peak RSS "
                     f"{median_of(ok_fp, 'peak_rss_bytes') / 2**20:.0f} MiB, network construction "
                     f"{median_of(ok_fp, 'construct_s'):.3f} s")
        for ceiling, ceiling_label in ceilings:     # [(events/s, what the probe does)]
            if ceiling:
                lines.append(f"fastplastic events/s = {100 * ev / ceiling:.1f} % of the C probe's "
                             f"{ceiling_label} ceiling on this core ({ceiling / 1e9:.3f} G/s, "
                             "best of the probes at the start and after each round)")
    lines.extend(notes)
    if failures:
        lines.append(f"**FAIL**: {', '.join(failures)} differ from fastplastic "
                     f"(rate within {RATE_TOL:.0%}, CV within {CV_TOL}; other thread counts: "
                     "bit-identical spikes)")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers", default="brian2",
                    help="comma-separated, of " + ", ".join(PEERS) + " (empty: none)")
    for name in PEERS:
        ap.add_argument(f"--{name}-python", default=None, help=f"interpreter for {name}")
    ap.add_argument("--workloads", default="4k", help="comma-separated, of "
                    + ", ".join(W.WORKLOADS))
    ap.add_argument("--durations", default="1", help="comma-separated simulated seconds")
    ap.add_argument("--plasticity", default="static,stdp", help="static, stdp or both")
    ap.add_argument("--repeats", type=int, default=5,
                    help="rounds (network realizations; 3 were too few at 10^7: seeds 1-3 "
                         "give fastplastic 18.3/17.2/15.7 Hz against Brian2's 18.4/19.2/19.5, "
                         "while seeds 1-10 average 18.2 and 18.7 Hz)")
    ap.add_argument("--fixed-seed", action="store_true",
                    help="every round on the workload's seed (default: round r on seed + r, "
                         "the same for every simulator, so that statistics are medians over "
                         "network realizations, not one realization's: COBA rates vary "
                         "~10 %% between seeds)")
    ap.add_argument("--vary-seed", action="store_true", help=argparse.SUPPRESS)   # (default)
    ap.add_argument("--threads", default="1",
                    help="fastplastic's thread counts, comma-separated; the first is the "
                         "reference the others (and the peers) are compared with")
    ap.add_argument("--update", default="auto",
                    help="fastplastic's STDP update schemes (fastplastic.PairSTDP), comma-"
                         "separated: the first is the reference; each other one adds a row, "
                         "run at the first thread count in the same rounds (\"summed\": "
                         "8 B per plastic synapse more, fastest at 10^7)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per run")
    ap.add_argument("--no-probe", action="store_true", help="skip the C ceiling probe")
    ap.add_argument("--no-capacity", action="store_true",
                    help="skip the capacity runs that --threads 1,N adds each round: N "
                         "one-thread fastplastic runs at once, which measure how much N "
                         "cores of this machine can do together for this workload")
    ap.add_argument("--json-out", default=None, help="write every run's record here")
    args = ap.parse_args()

    peers = [p for p in args.peers.split(",") if p]
    for p in peers:
        if p not in PEERS:
            ap.error(f"unknown peer {p!r}; choose from {', '.join(PEERS)}")
    pythons = {p: getattr(args, f"{p.replace('-', '_')}_python") for p in peers}
    if "brian2-runtime" in pythons and pythons["brian2-runtime"] is None:
        pythons["brian2-runtime"] = args.brian2_python
    for p, py in pythons.items():
        if py is None:
            ap.error(f"--{p}-python is required with peer {p}")
    threads = [int(t) for t in args.threads.split(",")]
    n_cap = max(threads)
    do_cap = n_cap > 1 and 1 in threads and not args.no_capacity
    workloads = [w for w in args.workloads.split(",") if w]
    durations = [float(d) for d in args.durations.split(",")]
    plastic = [s == "stdp" for s in args.plasticity.split(",")]
    updates = args.update.split(",")
    for u in updates:
        if u not in UPDATES:
            ap.error(f"unknown --update {u!r}; choose from {', '.join(UPDATES)}")

    print("command: python " + " ".join(shlex.quote(a) for a in sys.argv))
    print(f"machine: {os.cpu_count()} cores, load average at start "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    ceilings = {}
    if not args.no_probe:
        from probe_ceiling import probe
        sizes = sorted({(W.spec(w)["n"], W.spec(w)["fan_out"]) for w in workloads})
        modes = (*STATIC_MODES, *STDP_MODES) if True in plastic else STATIC_MODES
        ceilings = probe(sizes, modes=modes)
        print("C probe ceilings (G events/s, 1 core): " + "; ".join(
            f"{n} x {k}: " + ", ".join(f"{PROBE_LABELS[md]} {m[md] / 1e9:.3f}" for md in modes)
            for (n, k), m in ceilings.items()))
    records = []
    for wname in workloads:
        w = W.spec(wname)
        for duration in durations:
            for stdp in plastic:
                common = ["--workload", wname, "--duration", repr(duration)]
                common += ["--stdp"] if stdp else []
                fp_runs = {t: [] for t in threads}
                other = {u: [] for u in (updates[1:] if stdp else [])}    # other schemes
                peer_runs = {p: [] for p in peers}
                together = []
                probes = []                             # each round's probe, for pairing
                for rnd in range(args.repeats):         # alternate, so drift hits all
                    this = common + ["--seed", str(w["seed"] + (0 if args.fixed_seed else rnd))]
                    fp_this = this + (["--update", updates[0]] if stdp else [])
                    for t in threads:
                        fp_runs[t].append(run_script(sys.executable, "fastplastic_coba.py",
                                                     fp_this + ["--threads", str(t)],
                                                     args.timeout))
                    for u in other:
                        other[u].append(run_script(sys.executable, "fastplastic_coba.py",
                                                   this + ["--update", u, "--threads",
                                                           str(threads[0])], args.timeout))
                    if do_cap:
                        together.append(run_together(sys.executable, "fastplastic_coba.py",
                                                     fp_this + ["--threads", "1"], args.timeout,
                                                     n_cap))
                    for p in peers:
                        script, extra, _label = PEERS[p]
                        peer_runs[p].append(run_script(pythons[p], script, this + extra,
                                                       args.timeout))
                    if ceilings:
                        probes.append(refresh_ceilings(ceilings, (w["n"], w["fan_out"]), stdp))
                ref = fp_runs[threads[0]]
                rows = [(f"fastplastic ({t} thread{'s' * (t > 1)})", fp_runs[t],
                         None if t == threads[0] else median_ratio(ref, fp_runs[t]))
                        for t in threads]
                rows += [(f"fastplastic update={u} ({threads[0]} thread{'s' * (threads[0] > 1)})",
                          other[u], median_ratio(ref, other[u])) for u in other]
                notes = []
                if do_cap:
                    rows.append((f"fastplastic ({n_cap} x 1 thread, at once)",
                                 [r for group in together for r in group],
                                 together_ratio(fp_runs[1], together)))
                    notes = capacity_notes(fp_runs, together, n_cap)
                rows += [(PEERS[p][2], peer_runs[p], median_ratio(ref, peer_runs[p]))
                         for p in peers]
                ceil_modes = STDP_MODES if stdp else STATIC_MODES
                seeds = (f"{w['seed']}" if args.fixed_seed or args.repeats == 1
                         else f"{w['seed']}..{w['seed'] + args.repeats - 1}")
                ceil = [(ceilings.get((w["n"], w["fan_out"]), {}).get(md), PROBE_LABELS[md])
                        for md in ceil_modes]
                notes = paired_probe_lines(ref, probes, ceil_modes) + notes
                title = (f"COBA {wname}: {w['n']} neurons, fan-out {w['fan_out']}, "
                         f"i_bias {w['i_bias'] * 1e9:g} nA, seed {seeds}, {duration:g} s, "
                         f"{'pair STDP on E->E' if stdp else 'static'}"
                         f"{f' (fastplastic update={updates[0]})' if stdp and updates[0] != 'auto' else ''}"
                         f"; median of "
                         f"{args.repeats}, alternating")
                print()
                print(table(title, rows, ceil, notes))
                sys.stdout.flush()
                for label, runs, _ in rows:
                    for r in runs:
                        records.append({"table": title, "label": label, **r})
    print(f"\nload average at end {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(records, f, indent=1)


if __name__ == "__main__":
    main()
