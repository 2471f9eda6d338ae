"""Feedback alignment (Lillicrap, Cownden, Tweed & Akerman 2016, Nat. Commun. 7:13276).

The error reaches hidden layer l through a fixed random matrix B_l instead of W_l^T
(their Fig. 1: backprop's hidden update Delta h_BP = W^T e becomes Delta h_FA = B e):

    delta_l = (delta_{l+1} B_l) * f'_l(z_l),    B_l ~ U(-a, a), shape (n_{l+1}, n_l), fixed.

The forward weights come to align with B_l^T during learning, so the angle between the hidden
update and backprop's (which they track during training) falls well below 90 degrees.
"""
import numpy as np

from ._feedforward import backward_sweep
from .base import Rule, Step

__all__ = ["FeedbackAlignment", "glorot_feedback"]


def glorot_feedback(rng, n_from, n_to, dtype):
    """Random fixed feedback matrix (n_from, n_to), Glorot-uniform scale like the forward weights."""
    bound = np.sqrt(6.0 / (n_from + n_to))
    return rng.uniform(-bound, bound, (n_from, n_to)).astype(dtype)


class FeedbackAlignment(Rule):
    """Feedback alignment: backprop with fixed random feedback matrices.

    Parameters
    ----------
    loss : {"mse", "ce"}

    Attributes
    ----------
    feedback : list of arrays
        ``feedback[l]`` of shape (n_{l+1}, n_l) for hidden layers l = 1..L-1 (index 0 unused).
    """

    name = "fa"

    def bind(self, net, rng):
        self.feedback = [None] + [glorot_feedback(rng, net.sizes[l + 1], net.sizes[l], net.dtype)
                                  for l in range(1, net.n_layers)]

    def step(self, net, x, y, rng):
        zs, hs = net.forward(x, cache=True)
        grads = backward_sweep(net, zs, hs, y, self.loss,
                               lambda l, d, d_out: d @ self.feedback[l])
        return Step(grads, hs[-1])
