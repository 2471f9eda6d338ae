"""Shared backward sweep of the rules that send an error down a feedforward MLP.

Backprop, feedback alignment, sign-symmetry and direct feedback alignment differ only in the
matrix that carries the error to a hidden layer; this sweep takes that as a callback.
"""
from ..activations import derivative_from_output
from ..losses import loss_grad
from .base import LowRank

__all__ = ["backward_sweep"]


def backward_sweep(net, zs, hs, y, loss, feedback, out_error=None):
    """Gradient-like updates of an MLP given how errors reach hidden layers.

    Parameters
    ----------
    net : MLP
    zs, hs : lists from ``net.forward(x, cache=True)``
    y : array (batch, n_out), one-hot targets
    loss : str
    feedback : callable ``feedback(l, delta_next, delta_out) -> array (batch, n_l)``
        Error signal at the activities ``h_l`` of hidden layer ``l`` given ``delta_next`` =
        dL/dz_{l+1} as this rule estimates it, and ``delta_out`` = dL/dz_L. Backprop returns
        ``delta_next @ W_l.T``.
    out_error : array (batch, n_out), optional
        dL/do to use instead of the loss gradient (rules with their own output error).

    Returns
    -------
    list in ``net.params()`` order: ``dW_l = h_l^T delta_{l+1}`` as a :class:`LowRank`,
    ``db_l = sum delta_{l+1}`` as an array.
    """
    L = net.n_layers
    if out_error is None:
        out_error = loss_grad(loss, hs[L], y)
    delta_out = _times_derivative(net, L, out_error, zs, hs)
    delta = delta_out
    grads = [None] * (2 * L)
    for l in range(L - 1, -1, -1):
        grads[2 * l] = LowRank(hs[l], delta)
        grads[2 * l + 1] = delta.sum(axis=0)
        if l > 0:
            delta = _times_derivative(net, l, feedback(l, delta, delta_out), zs, hs)
    return grads


def _times_derivative(net, l, err, zs, hs):
    """err * f'_l(z_l), in place when err is a fresh array."""
    d = derivative_from_output(net.layer_activation(l), zs[l], hs[l])
    if d is None:
        return err
    d *= err
    return d
