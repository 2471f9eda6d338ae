"""Error backpropagation (Rumelhart, Hinton & Williams 1986): the baseline every rule is
compared with.

delta_L = dL/do * f'_L(z_L);   delta_l = (delta_{l+1} W_l^T) * f'_l(z_l);
dL/dW_l = h_l^T delta_{l+1};   dL/db_l = sum_batch delta_{l+1}.
"""
from ._feedforward import backward_sweep
from .base import Rule, Step

__all__ = ["Backprop", "backprop_gradients"]


def backprop_gradients(net, x, y, loss="mse"):
    """Exact gradients of the mean batch loss, in ``net.params()`` order, and the output."""
    zs, hs = net.forward(x, cache=True)
    grads = backward_sweep(net, zs, hs, y, loss, lambda l, d, d_out: d @ net.weights[l].T)
    return grads, hs[-1]


class Backprop(Rule):
    """Backpropagation of error (the exact gradient).

    Parameters
    ----------
    loss : {"mse", "ce"}
    """

    name = "bp"

    def step(self, net, x, y, rng):
        return Step(*backprop_gradients(net, x, y, self.loss))
