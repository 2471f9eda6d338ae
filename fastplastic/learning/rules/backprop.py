"""Error backpropagation (Rumelhart, Hinton & Williams 1986, Nature 323:533: the chain rule from
the output error through each unit's nonlinearity to its incoming weights and back to the units
below, here in matrix form for any nonlinearity): the baseline every rule is compared with.

delta_L = dL/do * f'_L(z_L);   delta_l = (delta_{l+1} W_l^T) * f'_l(z_l);
dL/dW_l = h_l^T delta_{l+1};   dL/db_l = sum_batch delta_{l+1}.
"""
from ._feedforward import backward_sweep
from .base import Rule, Step, dense

__all__ = ["Backprop", "backprop_gradients"]


def _backprop_terms(net, x, y, loss):
    zs, hs = net.forward(x, cache=True)
    return backward_sweep(net, zs, hs, y, loss, lambda l, d, d_out: d @ net.weights[l].T), hs[-1]


def backprop_gradients(net, x, y, loss="mse"):
    """Exact gradients of the mean batch loss (arrays, ``net.params()`` order) and the output."""
    terms, out = _backprop_terms(net, x, y, loss)
    return [dense(g) for g in terms], out


class Backprop(Rule):
    """Backpropagation of error (the exact gradient).

    Parameters
    ----------
    loss : {"mse", "ce"}
    """

    name = "bp"

    def step(self, net, x, y, rng):
        return Step(*_backprop_terms(net, x, y, self.loss))
