"""Optimizers: turn a rule's gradient-like update into a parameter change.

Every rule returns, for each parameter, an estimate ``g`` of the gradient of the mean loss (so
that descending it learns); the optimizer applies it in place. ``g`` is an array or a
:class:`~fastplastic.learning.rules.base.LowRank` (``scale * pre^T post``), which SGD adds into the
weights with one BLAS call and Adam expands into a preallocated buffer; no optimizer allocates a
parameter-sized array per step. Learning rates are dimensionless.
"""
import numpy as np

from ._update import adam_update, add_outer, axpy
from .rules.base import LowRank

__all__ = ["SGD", "Adam", "make_optimizer"]


def _check_lr(lr):
    if not isinstance(lr, (int, float, np.floating)) or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr={lr!r}: must be a finite number > 0")
    return float(lr)


class SGD:
    """Stochastic gradient descent with optional heavy-ball momentum.

    ``v <- momentum * v + g;  p <- p - lr * v`` (momentum 0 gives plain SGD).
    """

    def __init__(self, lr=0.05, momentum=0.0):
        self.lr = _check_lr(lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum={momentum!r}: allowed range [0, 1)")
        self.momentum = float(momentum)
        self._v = None

    def step(self, params, grads):
        """Update ``params`` (list of arrays) in place from ``grads`` (arrays or LowRank)."""
        lr = self.lr
        if self.momentum == 0.0:
            for p, g in zip(params, grads):
                if isinstance(g, LowRank):
                    add_outer(p, g.pre, g.post, -lr * g.scale)
                else:
                    axpy(g, p, -lr)
            return
        if self._v is None:
            self._v = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self._v):
            if isinstance(g, LowRank):
                add_outer(v, g.pre, g.post, g.scale, self.momentum)
            else:
                v *= self.momentum
                v += g
            axpy(v, p, -lr)


class Adam:
    """Adam (Kingma & Ba 2015, Algorithm 1).

    ``m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;
    p <- p - lr * m_hat / (sqrt(v_hat) + eps)`` with bias-corrected ``m_hat, v_hat``.
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = _check_lr(lr)
        for name, val in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= val < 1.0:
                raise ValueError(f"{name}={val!r}: allowed range [0, 1)")
        if eps <= 0:
            raise ValueError(f"eps={eps!r}: must be > 0")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self._m = self._v = self._g = None
        self._t = 0

    def step(self, params, grads):
        """Update ``params`` (C-contiguous arrays) in place from ``grads`` (arrays or LowRank)."""
        if self._m is None:
            self._m = [np.zeros_like(p) for p in params]
            self._v = [np.zeros_like(p) for p in params]
            self._g = [np.empty_like(p) for p in params]
        self._t += 1
        c1 = 1.0 - self.beta1 ** self._t
        c2 = 1.0 - self.beta2 ** self._t
        for p, g, m, v, buf in zip(params, grads, self._m, self._v, self._g):
            if isinstance(g, LowRank):
                g = add_outer(buf, g.pre, g.post, g.scale, 0.0)
            elif g.dtype != p.dtype or not g.flags.c_contiguous:
                buf[...] = g
                g = buf
            adam_update(p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1),
                        self.beta1, self.beta2, self.lr / c1, c2, self.eps)


_DEFAULT_LR = {"sgd": 0.05, "adam": 1e-3}


def make_optimizer(optimizer="sgd", lr=None):
    """Build an optimizer from a name (``"sgd"`` or ``"adam"``) or pass an instance through."""
    if isinstance(optimizer, (SGD, Adam)):
        if lr is not None:
            raise ValueError("lr: give it to the optimizer instance, not to train()")
        return optimizer
    if optimizer not in _DEFAULT_LR:
        raise ValueError(f"optimizer={optimizer!r}: allowed 'sgd', 'adam' or an SGD/Adam instance")
    lr = _DEFAULT_LR[optimizer] if lr is None else lr
    return SGD(lr) if optimizer == "sgd" else Adam(lr)
