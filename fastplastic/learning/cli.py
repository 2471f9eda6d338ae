"""Command-line subcommands ``train`` and ``compare``.

The main CLI (``fastplastic.cli``) calls :func:`add_subcommands` on its argparse subparsers; each
subcommand sets ``func`` to a handler that takes the parsed arguments and returns an exit code.
"""
import json
from pathlib import Path

import numpy as np

from .._argtypes import int_at_least, positive_float as _positive_float

_positive_int = int_at_least(1)

__all__ = ["add_subcommands"]


def _hidden(text):
    import argparse
    try:
        sizes = tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected comma-separated integers, e.g. 500 or 256,128") from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"{text!r}: layer widths must be >= 1")
    return sizes


def _common(p):
    p.add_argument("--dataset", default="mnist-5k",
                   help="directory of MNIST-format IDX files, 'mnist-5k' or 'mnist-slice' (default mnist-5k)")
    p.add_argument("--hidden", type=_hidden, default=(256,), help="hidden widths, e.g. 500 or 256,128 (default 256)")
    p.add_argument("--epochs", type=_positive_int, default=3, help="training epochs (default 3)")
    p.add_argument("--batch-size", type=_positive_int, default=32, help="samples per update (default 32)")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default=None,
                   help="default: adam, or the rule's own (sgd for burstprop, microcircuit)")
    p.add_argument("--lr", type=_positive_float, default=None, help="learning rate (default 1e-3 adam, 0.05 sgd)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--out", default="fp_out", help="output directory (default fp_out)")


def _load(args, parser):
    from .datasets import resolve
    try:
        return resolve(args.dataset)
    except (FileNotFoundError, ValueError) as err:
        parser.error(f"--dataset: {err}")


def _run_train(args):
    from .compare import network_for, training_setup
    from .rules import make_rule
    from .trainer import train
    data = _load(args, args.parser)
    net = network_for(args.rule, [data.n_features, *args.hidden, data.n_classes], args.seed,
                      np.dtype(args.dtype).type)
    optimizer, lr = training_setup(args.rule, args.optimizer, args.lr)
    hist = train(net, make_rule(args.rule), data, epochs=args.epochs, batch_size=args.batch_size,
                 optimizer=optimizer, lr=lr, progress=not args.no_progress, seed=args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"train_{args.rule}.json").write_text(json.dumps(hist.as_dict(), indent=1))
    print(f"{args.rule}: test accuracy {100 * hist.test_accuracy[-1]:.2f}% after {args.epochs} "
          f"epochs, {np.mean(hist.epoch_time):.3f} s/epoch -> {out / f'train_{args.rule}.json'}")
    return 0


def _run_compare(args):
    from .compare import compare, markdown_table, parse_rules, plot_curves
    try:
        names = parse_rules(args.rules)
    except ValueError as err:
        args.parser.error(f"--rules: {err}")
    data = _load(args, args.parser)
    hists = compare(names, data, hidden=args.hidden, epochs=args.epochs, batch_size=args.batch_size,
                    optimizer=args.optimizer, lr=args.lr, seed=args.seed,
                    progress=not args.no_progress, dtype=np.dtype(args.dtype).type)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = markdown_table(hists)
    header = (f"Dataset {data.name} ({len(data.y_train)} train / {len(data.y_test)} test), "
              f"hidden {list(args.hidden)}, {args.epochs} epochs, batch {args.batch_size}, "
              f"{args.optimizer or 'per-rule optimizer'}, seed {args.seed}\n\n")
    (out / "compare.md").write_text(header + table)
    (out / "compare.json").write_text(json.dumps({k: h.as_dict() for k, h in hists.items()}, indent=1))
    plot_curves(hists, out / "compare.png")
    print(header + table)
    print(f"wrote {out / 'compare.md'}, {out / 'compare.png'}")
    return 0


def add_subcommands(subparsers):
    """Register ``train`` and ``compare`` on an argparse ``subparsers`` object."""
    from .rules import RULES
    p = subparsers.add_parser("train", help="train one rate network with one learning rule")
    p.add_argument("--rule", required=True, choices=sorted(RULES), help="learning rule")
    _common(p)
    p.set_defaults(func=_run_train, parser=p)
    p = subparsers.add_parser("compare", help="compare learning rules with backprop on one data set")
    p.add_argument("--rules", default="bp,fa,dfa,sign,pc,ep,chl,generec,cu,brainprop,dtp",
                   help="comma-separated rule names (default: all)")
    _common(p)
    p.set_defaults(func=_run_compare, parser=p)
