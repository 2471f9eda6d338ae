"""Difference target propagation (Lee, Zhang, Fischer & Bengio 2015, ECML-PKDD; as in the
authors' reference code, github.com/donghyunlee/dtp).

Each hidden layer l >= 2 has a learned approximate inverse g_l(h_l) = f(h_l V_l + c_l) of its
forward map f_l(h_{l-1}) = f(h_{l-1} W_{l-1} + b_{l-1}). Targets:

    h^_{L-1} = h_{L-1} - eta dL/dh_{L-1}                       (top hidden layer, by gradient)
    h^_{l-1} = h_{l-1} + g_l(h^_l) - g_l(h_l)                   (difference correction)

Forward weights descend the layer-local losses 1/2 ||f_l(h_{l-1}) - h^_l||^2 with h_{l-1}
held fixed; the output layer descends the loss itself. We divide the local updates by the target
step eta, so that the top hidden layer's update is exactly its backprop gradient. Inverses
descend the reconstruction loss 1/2 ||g_l(f_l(h_{l-1} + n)) - (h_{l-1} + n)||^2 with Gaussian
noise n of std ``noise``, by SGD with rate ``inverse_lr`` inside each step.

With a single hidden layer DTP reduces to backprop.
"""
import numpy as np

from ..activations import activate, derivative
from ..losses import loss_grad
from .base import LowRank, Rule, Step

__all__ = ["DifferenceTargetPropagation"]


class DifferenceTargetPropagation(Rule):
    """Difference target propagation with learned inverses.

    Parameters
    ----------
    target_step : float
        eta (> 0): step of the top hidden target along -dL/dh_{L-1} (per sample).
    inverse_lr : float
        SGD rate of the inverse (feedback) weights (>= 0; 0 freezes them).
    noise : float
        Std of the corruption used to train the inverses (>= 0).
    loss : {"mse", "ce"}

    Attributes
    ----------
    inverse_weights, inverse_biases : lists
        ``V_l`` of shape (n_l, n_{l-1}) and ``c_l`` (n_{l-1},) for hidden layers l = 2..L-1, keyed
        by l (dicts).
    """

    name = "dtp"

    def __init__(self, target_step=0.1, inverse_lr=0.01, noise=0.1, loss="mse"):
        super().__init__(loss)
        for name, val, low in (("target_step", target_step, 0.0), ("inverse_lr", inverse_lr, -1),
                               ("noise", noise, -1)):
            if not np.isfinite(val) or val <= low and not (low == -1 and val == 0) or val < 0:
                raise ValueError(f"{name}={val!r}: must be a finite number "
                                 f"{'> 0' if low == 0 else '>= 0'}")
        self.target_step, self.inverse_lr, self.noise = float(target_step), float(inverse_lr), float(noise)
        self.inverse_weights, self.inverse_biases = {}, {}

    def bind(self, net, rng):
        self.inverse_weights, self.inverse_biases = {}, {}
        for l in range(2, net.n_layers):
            n_hi, n_lo = net.sizes[l], net.sizes[l - 1]
            bound = np.sqrt(6.0 / (n_hi + n_lo))
            self.inverse_weights[l] = rng.uniform(-bound, bound, (n_hi, n_lo)).astype(net.dtype)
            self.inverse_biases[l] = np.zeros(n_lo, net.dtype)

    def inverse(self, net, l, h):
        """g_l(h): approximate inverse of layer l, shape (batch, n_{l-1})."""
        return activate(net.activation, h @ self.inverse_weights[l] + self.inverse_biases[l])

    def _train_inverses(self, net, hs, rng):
        for l, V in self.inverse_weights.items():
            h_lo = hs[l - 1] + self.noise * rng.standard_normal(hs[l - 1].shape)
            h_hi = activate(net.activation, h_lo @ net.weights[l - 1] + net.biases[l - 1])
            a = h_hi @ V + self.inverse_biases[l]
            err = (activate(net.activation, a) - h_lo) * derivative(net.activation, a) / len(h_lo)
            V -= self.inverse_lr * (h_hi.T @ err)
            self.inverse_biases[l] -= self.inverse_lr * err.sum(axis=0)

    def targets(self, net, hs, zs, y):
        """Targets ``{l: h^_l}`` for hidden layers l = 1..L-1."""
        L = net.n_layers
        delta = loss_grad(self.loss, hs[L], y) * len(y) * net.derivative(L, zs[L])
        tgt = {L - 1: hs[L - 1] - self.target_step * (delta @ net.weights[L - 1].T)}
        for l in range(L - 1, 1, -1):
            tgt[l - 1] = hs[l - 1] + self.inverse(net, l, tgt[l]) - self.inverse(net, l, hs[l])
        return tgt

    def step(self, net, x, y, rng):
        if rng is not None and self.inverse_lr > 0 and self.inverse_weights:
            self._train_inverses(net, net.forward(x, cache=True)[1], rng)
        zs, hs = net.forward(x, cache=True)
        L, B = net.n_layers, len(x)
        delta = loss_grad(self.loss, hs[L], y) * net.derivative(L, zs[L])
        grads = [None] * (2 * L)
        grads[2 * L - 2:] = [LowRank(hs[L - 1], delta), delta.sum(axis=0)]
        for l, tgt in self.targets(net, hs, zs, y).items():
            d = (hs[l] - tgt) * net.derivative(l, zs[l]) / (self.target_step * B)
            grads[2 * l - 2:2 * l] = [LowRank(hs[l - 1], d), d.sum(axis=0)]
        return Step(grads, hs[L])

    def __repr__(self):
        return (f"DifferenceTargetPropagation(target_step={self.target_step}, "
                f"inverse_lr={self.inverse_lr}, noise={self.noise}, loss={self.loss!r})")
