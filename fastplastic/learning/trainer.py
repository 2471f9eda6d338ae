"""Training loop shared by every rule, and evaluation.

For each batch the rule proposes a gradient-like update, the optimizer applies it, and every
``angle_every``-th batch the angle between the rule's update and backprop's exact gradient (same
weights, same batch, same loss) is measured per layer:

    angle_l = arccos( <g_rule, g_bp> / (|g_rule| |g_bp|) ),  over the weight matrix W_l, in degrees.
"""
import time
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from .datasets import Dataset
from .losses import loss_value, one_hot
from .networks import MLP
from .optimizers import make_optimizer
from .rules.backprop import backprop_gradients
from .rules.base import Rule

__all__ = ["History", "train", "evaluate", "update_angle"]


@dataclass
class History:
    """What :func:`train` measured, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        Mean training loss of the predictions made before each update (the rule's loss).
    train_accuracy : list of float
        Running training accuracy over the epoch (fraction in [0, 1]).
    test_accuracy : list of float
        Accuracy on the test set after the epoch.
    epoch_time : list of float
        Wall time of the epoch's training loop (s): batches, rule, optimizer and bookkeeping,
        excluding the test-set evaluation and the angle measurements.
    angle : list of list of float
        Mean angle (degrees) between the rule's weight update and backprop's gradient, per
        layer; NaN for a layer whose update or gradient was zero in every measured batch.
    """

    rule: str = ""
    loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)
    epoch_time: list = field(default_factory=list)
    angle: list = field(default_factory=list)

    def as_dict(self):
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def update_angle(a, b):
    """Angle in degrees between two arrays seen as vectors; NaN if either is zero."""
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return float("nan")
    return float(np.degrees(np.arccos(np.clip(a @ b / (na * nb), -1.0, 1.0))))


def evaluate(net, rule, x, labels, batch_size=500):
    """Classification accuracy (fraction) of ``rule.predict`` on ``x`` against integer ``labels``."""
    x = net.check_input(x)
    labels = np.asarray(labels)
    correct = 0
    for start in range(0, len(x), batch_size):
        out = rule.predict(net, x[start:start + batch_size])
        correct += int(np.sum(out.argmax(axis=1) == labels[start:start + batch_size]))
    return correct / max(len(x), 1)


def _check_args(net, rule, data, epochs, batch_size, angle_every):
    if not isinstance(net, MLP):
        raise TypeError(f"net: expected an MLP, got {type(net).__name__}")
    if not isinstance(rule, Rule):
        raise TypeError(f"rule: expected a Rule instance, got {type(rule).__name__}")
    if not isinstance(data, Dataset):
        raise TypeError(f"data: expected a Dataset, got {type(data).__name__}")
    if data.n_features != net.sizes[0] or data.n_classes > net.sizes[-1]:
        raise ValueError(f"data has {data.n_features} features / {data.n_classes} classes; "
                         f"net {net.sizes} needs {net.sizes[0]} / <= {net.sizes[-1]}")
    for name, val in (("epochs", epochs), ("batch_size", batch_size), ("angle_every", angle_every)):
        if not isinstance(val, (int, np.integer)) or val < (0 if name == "epochs" else 1):
            raise ValueError(f"{name}={val!r}: must be an integer >= {0 if name == 'epochs' else 1}")


def _epoch(net, rule, opt, x, y, labels, order, batch_size, angle_every, rng, bar):
    """One pass over the training set; the returned time is the whole batch loop's wall time
    (batch gathering, rule, optimizer, bookkeeping) minus the angle measurements."""
    loss_sum, correct, angles, t_angle = 0.0, 0, [], 0.0
    params = net.params()
    n_layers = net.n_layers
    t_start = time.perf_counter()
    for i, start in enumerate(range(0, len(order), batch_size)):
        idx = order[start:start + batch_size]
        xb, yb = x[idx], y[idx]
        measure = i % angle_every == 0
        if measure:
            t0 = time.perf_counter()
            bp, _ = backprop_gradients(net, xb, yb, rule.loss)
            t_angle += time.perf_counter() - t0
        step = rule.step(net, xb, yb, rng)
        if measure:
            t0 = time.perf_counter()
            grads = step.grads
            angles.append([update_angle(grads[2 * l], bp[2 * l]) for l in range(n_layers)])
            t_angle += time.perf_counter() - t0
        opt.step(params, step.terms)
        out = step.output
        loss_sum += loss_value(rule.loss, out, yb) * len(idx)
        correct += int(np.count_nonzero(out.argmax(1) == labels[idx]))
        bar.update(len(idx))
    t_train = time.perf_counter() - t_start - t_angle
    if not (np.isfinite(loss_sum) and all(np.all(np.isfinite(p)) for p in params)):
        raise FloatingPointError(f"{rule!r}: loss or weights became non-finite; lower the "
                                 f"learning rate")
    with np.errstate(all="ignore"):
        mean_angle = np.nanmean(np.array(angles, float), axis=0) if angles else []
    return loss_sum / len(order), correct / len(order), t_train, list(map(float, mean_angle))


def train(net, rule, data, epochs=5, batch_size=64, optimizer="sgd", lr=None, progress=True,
          seed=0, angle_every=10):
    """Train ``net`` in place with a learning ``rule`` and return its :class:`History`.

    Parameters
    ----------
    net : MLP
    rule : Rule
        A rule instance from :mod:`fastplastic.learning.rules`.
    data : Dataset
    epochs : int
        Passes over the training set (0 only evaluates).
    batch_size : int
        Samples per update (1 = online learning).
    optimizer : {"sgd", "adam"} or SGD/Adam instance
    lr : float, optional
        Learning rate (defaults: 0.05 for sgd, 1e-3 for adam).
    progress : bool
        Show a tqdm progress bar over samples.
    seed : int
        Seeds the shuffling and the rule's own randomness (feedback matrices, sampling); the
        same seed gives bit-identical results.
    angle_every : int
        Measure the angle to backprop's gradient on every ``angle_every``-th batch (costs one
        backprop pass per measured batch, not counted in ``epoch_time``).
    """
    _check_args(net, rule, data, epochs, batch_size, angle_every)
    opt = make_optimizer(optimizer, lr)
    rng = np.random.default_rng(seed)
    rule.bind(net, rng)
    x = net.check_input(data.x_train, "data.x_train")
    labels = np.asarray(data.y_train)
    y = one_hot(labels, net.sizes[-1], net.dtype)
    hist = History(rule=getattr(rule, "name", type(rule).__name__))
    with tqdm(total=epochs * len(x), disable=not progress, desc=hist.rule, unit="sample") as bar:
        for _ in range(epochs):
            order = rng.permutation(len(x))
            loss, acc, t, ang = _epoch(net, rule, opt, x, y, labels, order, batch_size, angle_every, rng, bar)
            hist.loss.append(loss)
            hist.train_accuracy.append(acc)
            hist.epoch_time.append(t)
            hist.angle.append(ang)
            hist.test_accuracy.append(evaluate(net, rule, data.x_test, data.y_test))
            bar.set_postfix(test_acc=f"{hist.test_accuracy[-1]:.3f}")
    return hist
