"""Output losses, averaged over the samples of a batch.

``mse``:  L = (1/B) sum_b 1/2 ||o_b - y_b||^2          dL/do = (o - y) / B
``ce``:   L = -(1/B) sum_b sum_k y_bk log softmax(o_b)_k   dL/do = (softmax(o) - y) / B

``y`` is one-hot, shape (batch, n_out). The 1/2 in ``mse`` makes it the cost C of Scellier &
Bengio (2017; F = E + beta C, see :mod:`fastplastic.learning._relaxation`) and the output
energy term of predictive coding.
"""
import numpy as np

__all__ = ["LOSSES", "check_loss", "loss_value", "loss_grad", "one_hot"]

LOSSES = ("mse", "ce")


def check_loss(loss):
    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r} is not known; allowed: {', '.join(LOSSES)}")
    return loss


def _softmax(o):
    e = np.exp(o - o.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def loss_value(loss, o, y):
    """Mean loss over the batch (float)."""
    if check_loss(loss) == "mse":
        return float(0.5 * np.sum((o - y) ** 2) / o.shape[0])
    shifted = o - o.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.sum(y * logp) / o.shape[0])


def loss_grad(loss, o, y):
    """dL/do, shape of ``o`` (includes the 1/batch factor)."""
    if check_loss(loss) == "mse":
        return (o - y) / o.shape[0]
    return (_softmax(o) - y) / o.shape[0]


def one_hot(labels, n_classes, dtype=np.float64):
    """One-hot encode integer ``labels`` (shape (batch,)) into (batch, n_classes)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels: expected a 1-D integer array, got shape {labels.shape}, "
                         f"dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in [0, {n_classes - 1}], found "
                         f"[{labels.min()}, {labels.max()}]")
    out = np.zeros((labels.size, n_classes), dtype)
    out[np.arange(labels.size), labels] = 1
    return out
