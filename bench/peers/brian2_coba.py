"""The COBA workloads of workloads.py (those of fastplastic_coba.py) built in Brian2.

Same network: conductance LIF (Brette et al. 2007 benchmark 1), each pair
connected with probability p = fan_out / n, weights 6 nS / 67 nS x 80 / fan_out,
constant current i_bias, dt 0.1 ms, exponential Euler, the reference scripts'
initial kick with conductances clipped at 0, zero synaptic delay
(= fastplastic's one-step delay: input acts at the next update), optional
pair STDP on E->E (all-to-all, tau 20 ms, additive, a_pre = 0.01 w_max,
a_post = -0.0105 w_max, hard bounds [0, w_max]; presynaptic pathway first,
as fastplastic).

Runs in its own environment (Brian2 2.9 needs numpy < 2 on Python 3.11):
    python bench/peers/brian2_coba.py --workload 4k --duration 1 [--stdp] \
        [--device cpp_standalone|runtime]
Prints one JSON line: build / compile / run wall time, rates, CV of ISIs,
synaptic events.  run_s is the simulation loop alone: for cpp_standalone the
binary's own timing of the run, for runtime (Cython) a second run() after a
1 ms warm-up run that generated and compiled the code.
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads as W  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    W.add_arguments(ap)
    ap.add_argument("--device", default="cpp_standalone", choices=["runtime", "cpp_standalone"])
    ap.add_argument("--build-root", default=os.path.join(tempfile.gettempdir(), "b2coba"),
                    help="parent folder of the cpp_standalone projects")
    args = ap.parse_args()
    w = W.from_args(args)
    seed = w["seed"]

    import brian2 as b2
    from brian2 import amp, second, siemens, volt
    standalone = args.device == "cpp_standalone"
    # One project folder per configuration, kept between runs: Brian2 rewrites
    # only the files whose content changed, so repeats skip most of the compile.
    key = (f"b{b2.__version__}_{w['name']}_n{w['n']}_k{w['fan_out']}_s{seed}_"
           f"{'stdp' if args.stdp else 'static'}")
    outdir = os.path.join(args.build_root, key + f"_{args.duration:g}s")
    if standalone:
        b2.set_device("cpp_standalone", directory=outdir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        # make -j without a limit (Brian2's default) floods a shared 2-core machine
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
    else:
        b2.prefs.codegen.target = "cython"      # Brian2's own extension cache is reused
    b2.defaultclock.dt = W.DT * second
    b2.seed(seed)
    t0 = time.perf_counter()
    pn = W.NEURON
    eqs = """
    dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v) + Ib) / C : volt (unless refractory)
    dge/dt = -ge / taue : siemens
    dgi/dt = -gi / taui : siemens
    """
    ns = dict(gl=pn["g_l"] * siemens, El=pn["e_l"] * volt, Ee=pn["e_e"] * volt,
              Ei=pn["e_i"] * volt, C=pn["c_m"] * b2.farad, taue=pn["tau_e"] * second,
              taui=pn["tau_i"] * second, Ib=w["i_bias"] * amp, Vt=pn["v_thresh"] * volt,
              Vr=pn["v_reset"] * volt, wmax=w["w_max"] * siemens,
              a_pre=W.STDP["a_pre"], a_post=W.STDP["a_post"],
              tau_pre=W.STDP["tau_pre"] * second, tau_post=W.STDP["tau_post"] * second)
    groups = []
    for n, name in ((w["n_exc"], "exc"), (w["n"] - w["n_exc"], "inh")):
        g = b2.NeuronGroup(n, eqs, threshold="v > Vt", reset="v = Vr",
                           refractory=pn["t_ref"] * second, method="exponential_euler",
                           namespace=ns, name=name)
        g.v = "El + (randn()*5 - 5)*mV"
        g.ge = "clip((randn()*1.5 + 4)*gl, 0*nS, 1e6*nS)"
        g.gi = "clip((randn()*12 + 20)*gl, 0*nS, 1e6*nS)"
        groups.append(g)
    exc, inh = groups
    syns = []
    stdp_model = """w : siemens
                    dapre/dt = -apre / tau_pre : 1 (event-driven)
                    dapost/dt = -apost / tau_post : 1 (event-driven)"""
    for pre, wt, var in ((exc, w["w_exc"], "ge"), (inh, w["w_inh"], "gi")):
        for post in (exc, inh):
            if args.stdp and pre is exc and post is exc:
                s = b2.Synapses(pre, post, stdp_model, namespace=ns,
                                on_pre=f"""{var}_post += w
                                           w = clip(w + a_post*wmax*apost, 0*nS, wmax)
                                           apre += 1""",
                                on_post="""w = clip(w + a_pre*wmax*apre, 0*nS, wmax)
                                           apost += 1""")
                s.connect(p=w["p"])
                s.w = wt * siemens
            else:
                s = b2.Synapses(pre, post, on_pre=f"{var}_post += {wt!r}*siemens")
                s.connect(p=w["p"])
            syns.append(s)
    mons = [b2.SpikeMonitor(g) for g in groups]
    net = b2.Network(groups, syns, mons)
    warm = 0.0
    if not standalone:                       # generate and compile the code once
        warm = 1e-3
        net.run(warm * second, report=None)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(args.duration * second, report=None)
    if standalone:
        b2.device.build(directory=outdir, run=True, compile=True)
    t_total = time.perf_counter() - t0
    t_run = float(b2.device._last_run_time) if standalone else t_total
    out = {"simulator": f"brian2-{b2.__version__}-{args.device}", "workload": w["name"],
           "n": w["n"], "fan_out": w["fan_out"], "duration": args.duration, "stdp": args.stdp,
           "seed": seed, "threads": 1, "build_s": t_build, "compile_s": t_total - t_run,
           "run_s": t_run, "synapses": int(sum(len(s) for s in syns)),
           "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    out_degree = np.zeros(w["n"], dtype=np.int64)
    for s in syns:
        off = 0 if s.source is exc else w["n_exc"]
        out_degree[off:off + len(s.source)] += np.bincount(np.asarray(s.i),
                                                           minlength=len(s.source))
    i = np.concatenate([np.asarray(mons[0].i), np.asarray(mons[1].i) + w["n_exc"]])
    t = np.concatenate([np.asarray(mons[0].t / second), np.asarray(mons[1].t / second)]) - warm
    keep = t >= -1e-12
    out.update(W.spike_stats(i[keep], t[keep], w["n_exc"], w["n"], args.duration, out_degree))
    out["events_per_s"] = out["events"] / t_run
    print(json.dumps(out))


if __name__ == "__main__":
    main()
