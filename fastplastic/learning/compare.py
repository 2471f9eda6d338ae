"""Run several rules on the same data and report them side by side.

Each rule trains its own copy of the same architecture from the same seed. Energy-based rules
use the hard sigmoid for every layer (they need one nonlinearity throughout, see
:class:`~fastplastic.learning.networks.LayeredHopfield`, and it is Scellier & Bengio's choice);
the others use tanh hidden units and linear outputs.
"""
from pathlib import Path

import numpy as np

from .datasets import Dataset
from .networks import MLP
from .rules import RULES, make_rule
from .trainer import train

__all__ = ["network_for", "compare", "markdown_table", "plot_curves"]

_ENERGY_RULES = ("ep", "chl", "generec", "cu")


def network_for(rule_name, sizes, seed=0, dtype=np.float64):
    """The MLP a rule is trained on by default (nonlinearities chosen per rule family)."""
    if rule_name in _ENERGY_RULES:
        return MLP(sizes, activation="hard_sigmoid", output_activation="hard_sigmoid", seed=seed,
                   dtype=dtype)
    if rule_name in ("burstprop", "segregated"):   # rates must be nonnegative
        return MLP(sizes, activation="sigmoid", output_activation="sigmoid", seed=seed,
                   dtype=dtype)
    return MLP(sizes, activation="tanh", output_activation="linear", seed=seed, dtype=dtype)


# Optimizer and learning rate a rule is trained with unless the caller chooses
# (the dendritic rules were tuned with plain SGD; Adam at 1e-3 leaves them at chance).
RULE_TRAINING = {"burstprop": ("sgd", 2.0), "microcircuit": ("sgd", 0.03),
                 "segregated": ("sgd", 3.0)}


def training_setup(rule_name, optimizer=None, lr=None):
    """(optimizer, lr) for a rule: the caller's choice, else the rule's, else Adam."""
    default_opt, default_lr = RULE_TRAINING.get(rule_name, ("adam", None))
    if optimizer is None:
        optimizer, lr = default_opt, (default_lr if lr is None else lr)
    return optimizer, lr


def parse_rules(spec):
    """``"bp,fa,pc"`` -> ``["bp", "fa", "pc"]``; raises ValueError naming unknown rules."""
    names = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [n for n in names if n not in RULES]
    if not names or unknown:
        raise ValueError(f"rules={spec!r}: unknown {unknown or 'empty list'}; "
                         f"allowed: {', '.join(RULES)}")
    return names


def compare(rule_names, data, hidden=(256,), epochs=3, batch_size=32, optimizer=None, lr=None,
            seed=0, progress=True, dtype=np.float64):
    """Train each rule on ``data``; returns ``{name: History}`` in the given order.
    ``optimizer=None`` uses each rule's own setup (:func:`training_setup`)."""
    sizes = [data.n_features, *hidden, max(data.n_classes, 2)]
    warm = Dataset(data.x_train[:2], data.y_train[:2], data.x_test[:2], data.y_test[:2])
    out = {}
    for name in rule_names:
        # compile the rule's kernels on two samples so that epoch times exclude JIT compilation
        train(network_for(name, sizes, seed, dtype), make_rule(name), warm, epochs=1,
              batch_size=2, progress=False)
        net = network_for(name, sizes, seed, dtype)
        opt, rate = training_setup(name, optimizer, lr)
        out[name] = train(net, make_rule(name), data, epochs=epochs, batch_size=batch_size,
                          optimizer=opt, lr=rate, progress=progress, seed=seed)
    return out


def markdown_table(histories):
    """Markdown table: final test error, wall time per epoch, angle to backprop per layer."""
    rows = ["| rule | test error (%) | vs bp (points) | time / epoch (s) | angle to bp per layer (deg) |",
            "| --- | ---: | ---: | ---: | --- |"]
    base = histories.get("bp")
    for name, h in histories.items():
        err = 100 * (1 - h.test_accuracy[-1])
        diff = "" if base is None else f"{err - 100 * (1 - base.test_accuracy[-1]):+.1f}"
        angles = ", ".join("n/a" if np.isnan(a) else f"{a:.0f}" for a in h.angle[-1])
        rows.append(f"| {name} | {err:.1f} | {diff} | {np.mean(h.epoch_time):.3f} | {angles} |")
    return "\n".join(rows) + "\n"


def plot_curves(histories, path):
    """Save a PNG of test accuracy and training loss per epoch for every rule."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(10, 4))
    for name, h in histories.items():
        epochs = np.arange(1, len(h.test_accuracy) + 1)
        ax_acc.plot(epochs, 100 * np.array(h.test_accuracy), marker="o", label=name)
        ax_loss.plot(epochs, h.loss, marker="o", label=name)
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy")
    ax_loss.set(xlabel="epoch", ylabel="training loss", title="Training loss", yscale="log")
    ax_acc.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(Path(path), dpi=100)
    plt.close(fig)
