"""Command line: ``fastplastic run [MODEL] ...``.

Bad arguments print a one-line error and exit with code 2.
"""
import argparse
import os
import time

import numpy as np

from ._argtypes import int_at_least as _int_at_least, positive_float as _positive_float

__all__ = ["main"]


def _add_run(sub):
    from .models import MODELS
    p = sub.add_parser("run", help="simulate a built-in model and summarise it",
                       description="Simulate a built-in spiking network model, print a summary "
                                   "(neurons, synapses, spikes, rates, CV of ISIs, wall time, "
                                   "synaptic events per wall second) and write PNG figures.")
    p.add_argument("model", nargs="?", default="coba", choices=sorted(MODELS),
                   help="model to run (default: coba, Brette et al. 2007 benchmark 1)")
    p.add_argument("--duration", type=_positive_float, default=1.0, metavar="S",
                   help="simulated time in seconds (default 1.0)")
    p.add_argument("--neurons", type=_int_at_least(10), default=None, metavar="N",
                   help="number of neurons (coba/cuba, fan-out fixed; default 4000) or of "
                        "plastic inputs (song2000; default 1000)")
    p.add_argument("--seed", type=_int_at_least(0), default=1, metavar="K",
                   help="random seed (default 1)")
    p.add_argument("--threads", type=_int_at_least(1), default=1, metavar="T",
                   help="OpenMP threads for neuron updates (default 1)")
    p.add_argument("--out", default="fp_out", metavar="DIR",
                   help="directory for the PNG figures (default ./fp_out)")
    p.add_argument("--stdp", action="store_true",
                   help="coba/cuba: make E->E synapses plastic (pair STDP); song2000 is always plastic")
    p.add_argument("--checkpoint-every", type=_positive_float, default=None, metavar="S",
                   help="save the whole state to DIR/checkpoint.npz every S simulated seconds "
                        "(and at the end)")
    p.add_argument("--resume", default=None, metavar="FILE",
                   help="continue from a checkpoint for --duration more seconds "
                        "(MODEL and the build options are then ignored)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_cmd_run)


def _events(net, counts):
    """Synaptic events delivered: each spike times the fan-out of its row."""
    return sum(int((counts[p.pre.index] * np.diff(p.row_ptr)).sum()) for p in net.projections)


def _build(args):
    """(description, network, named groups) of the model, or of the checkpoint."""
    from .models import MODELS
    if args.resume:
        from .io import load
        if not os.path.isfile(args.resume):
            raise ValueError(f"--resume: no such file {args.resume!r}")
        net = load(args.resume)
        return (f"resumed from {args.resume} at t = {net.t:g} s", net,
                {g.name: g for g in net.groups})
    kw = {"seed": args.seed, "threads": args.threads}
    if args.neurons is not None:
        kw["n"] = args.neurons
    if args.stdp:
        if args.model not in ("coba", "cuba"):
            raise ValueError(f"--stdp applies to coba and cuba; {args.model} is always plastic")
        kw["stdp"] = True
    model = MODELS[args.model](**kw)
    return model.description, model.net, model.groups


def _advance(net, args):
    """Runs --duration, saving checkpoints on the way if asked to."""
    step = args.checkpoint_every or args.duration
    t_end = net.t + args.duration
    path = os.path.join(args.out, "checkpoint.npz")
    while net.t < t_end - 0.5 * net.dt:
        net.run(min(step, t_end - net.t), progress=not args.no_progress)
        if args.checkpoint_every:
            net.save(path)
    return path if args.checkpoint_every else None


def _cmd_run(args):
    t0 = time.perf_counter()
    description, net, groups = _build(args)
    build = time.perf_counter() - t0
    os.makedirs(args.out, exist_ok=True)
    mons = {name: net.monitor(g, "spikes") for name, g in groups.items()}
    t0 = time.perf_counter()
    ckpt = _advance(net, args)
    wall = time.perf_counter() - t0
    counts = {g.index: mons[name].count for name, g in groups.items()}
    events = _events(net, counts)
    lines = [description,
             f"  neurons           {net.n_neurons}",
             f"  synapses          {net.n_synapses}",
             f"  simulated         {args.duration:g} s (dt {net.dt * 1e3:g} ms), seed {net.seed}",
             f"  spikes            {sum(m.num_spikes for m in mons.values())}"]
    for name, m in mons.items():
        cv = m.isi_cv()
        lines.append(f"  {name + ' rate':<18}{m.num_spikes / m.group.n / args.duration:.2f} Hz"
                     f"   CV of ISIs {cv.mean() if cv.size else float('nan'):.3f}")
    lines += [f"  build time        {build:.3f} s",
              f"  wall time         {wall:.3f} s ({wall / args.duration:.3f} s per simulated s)",
              f"  synaptic events   {events} ({events / wall:.3g} per wall second)"]
    first = next(iter(mons.values()))
    first.raster().savefig(os.path.join(args.out, "raster.png"), dpi=100)
    first.rate_histogram(args.duration).savefig(os.path.join(args.out, "rate_histogram.png"), dpi=100)
    figures = ["raster.png", "rate_histogram.png"]
    for i, proj in enumerate(p for p in net.projections if p.plasticity is not None):
        from .monitors import _figure
        fig, ax = _figure()
        ax.hist(proj.weight, bins=50, color="0.3")
        ax.set_xlabel("weight")
        ax.set_ylabel("synapses")
        ax.set_title(f"{proj.name} after {args.duration:g} s")
        figures.append(f"weights_{i}.png")
        fig.savefig(os.path.join(args.out, figures[-1]), dpi=100)
        lines.insert(-2, f"  {proj.name:<18}mean weight {proj.weight.mean():.4g}")
    lines.append("  figures           " + ", ".join(os.path.join(args.out, f) for f in figures))
    if ckpt:
        lines.append(f"  checkpoint        {ckpt} (t = {net.t:g} s)")
    print("\n".join(lines))
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="fastplastic",
                                     description="Fast simulation of spiking networks that learn.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_run(sub)
    from .learning.cli import add_subcommands        # train, compare
    add_subcommands(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError) as exc:
        parser.exit(2, f"fastplastic {args.command}: error: {exc}\n")

