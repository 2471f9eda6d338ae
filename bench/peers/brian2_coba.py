"""The fastplastic COBA workload (fastplastic.models.coba) built in Brian2.

Same network: 3200 E + 800 I conductance LIF (Brette et al. 2007 benchmark 1),
fixed fan-out 80 (p = 80 / n), 6 nS / 67 nS, dt 0.1 ms, exponential Euler,
the reference scripts' initial kick with conductances clipped at 0, zero
synaptic delay (= fastplastic's one-step delay: input acts at the next
update), optional pair STDP on E->E (all-to-all, tau 20 ms, additive,
a_pre = 0.01 w_max, a_post = -0.0105 w_max, w_max = 12 nS; presynaptic
pathway first, as fastplastic).

Runs in its own environment (Brian2 2.9 needs numpy < 2 on Python 3.11):
    python bench/peers/brian2_coba.py --n 4000 --duration 1 [--stdp] [--device cpp_standalone]
Prints one JSON line: build/run wall time, rates, CV of ISIs, events.
"""
import argparse
import json
import tempfile
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--duration", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stdp", action="store_true")
    ap.add_argument("--device", default="cpp_standalone", choices=["runtime", "cpp_standalone"])
    args = ap.parse_args()

    import brian2 as b2
    from brian2 import mV, ms, nS, pF, second
    outdir = tempfile.mkdtemp(prefix="b2coba_")
    if args.device == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=outdir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
    b2.defaultclock.dt = 0.1 * ms
    b2.seed(args.seed)
    t0 = time.perf_counter()
    n_e = int(round(0.8 * args.n))
    n_i = args.n - n_e
    p = 80.0 / args.n
    eqs = """
    dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v)) / C : volt (unless refractory)
    dge/dt = -ge / taue : siemens
    dgi/dt = -gi / taui : siemens
    """
    ns = dict(gl=10 * nS, El=-60 * mV, Ee=0 * mV, Ei=-80 * mV, C=200 * pF, taue=5 * ms,
              taui=10 * ms)
    groups = []
    for n, name in ((n_e, "exc"), (n_i, "inh")):
        g = b2.NeuronGroup(n, eqs, threshold="v > -50*mV", reset="v = -60*mV",
                           refractory=5 * ms, method="exponential_euler", namespace=ns, name=name)
        g.v = "-60*mV + (randn()*5 - 5)*mV"
        g.ge = "clip((randn()*1.5 + 4)*10*nS, 0*nS, 1e6*nS)"
        g.gi = "clip((randn()*12 + 20)*10*nS, 0*nS, 1e6*nS)"
        groups.append(g)
    exc, inh = groups
    syns = []
    stdp_model = """w : siemens
                    dapre/dt = -apre / (20*ms) : 1 (event-driven)
                    dapost/dt = -apost / (20*ms) : 1 (event-driven)"""
    for pre, w, var in ((exc, 6 * nS, "ge"), (inh, 67 * nS, "gi")):
        for post in (exc, inh):
            if args.stdp and pre is exc and post is exc:
                s = b2.Synapses(pre, post, stdp_model,
                                on_pre=f"""{var}_post += w
                                           w = clip(w - 0.0105*12*nS*apost, 0*nS, 12*nS)
                                           apre += 1""",
                                on_post="""w = clip(w + 0.01*12*nS*apre, 0*nS, 12*nS)
                                           apost += 1""")
                s.connect(p=p)
                s.w = w
            else:
                s = b2.Synapses(pre, post, on_pre=f"{var}_post += {w / nS}*nS")
                s.connect(p=p)
            syns.append(s)
    mons = [b2.SpikeMonitor(g) for g in groups]
    net = b2.Network(groups, syns, mons)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(args.duration * second, report=None)
    if args.device == "cpp_standalone":
        b2.device.build(directory=outdir, run=True, compile=True)
    t_total = time.perf_counter() - t0
    t_run = b2.device._last_run_time if args.device == "cpp_standalone" else t_total
    out = {"simulator": f"brian2-{b2.__version__}-{args.device}", "n": args.n,
           "duration": args.duration, "stdp": args.stdp, "seed": args.seed,
           "build_s": t_build, "run_s": float(t_run), "compile_and_run_s": t_total}
    for name, g, m in (("exc", exc, mons[0]), ("inh", inh, mons[1])):
        i, t = np.asarray(m.i), np.asarray(m.t / second)
        out[f"rate_{name}"] = len(i) / len(g) / args.duration
        cvs = []
        for k in range(len(g)):
            tk = t[i == k]
            if len(tk) >= 3:
                isi = np.diff(tk)
                cvs.append(isi.std() / isi.mean())
        out[f"cv_{name}"] = float(np.mean(cvs)) if cvs else float("nan")
    out["synapses"] = int(sum(len(s) for s in syns))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
