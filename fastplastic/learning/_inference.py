"""Compiled inference loop of predictive-coding networks (the hot path of the PC rules).

Network of L+1 layers of value nodes x_l (rows = samples); layer 0 and layer L are clamped by the
caller. With z_l = x_{l-1} W_{l-1} + b_{l-1}, predictions mu_l = f_l(z_l) and errors
eps_l = x_l - mu_l, one Euler step of rate ``rate`` on the energy F = sum_l 1/2 ||eps_l||^2 is

    x_l <- x_l + rate * ( -eps_l + (eps_{l+1} * f'_{l+1}(z_{l+1})) W_l^T ),   l = 1..L-1

(Whittington & Bogacz 2017, Eqs. 2.7-2.9 in the f-inside-the-prediction form of Song et al.
2020, Eq. 2). The output layer is clamped (``clamp=True``) or free with the nudging term
beta/2 ||x_L - y||^2 added to F, i.e. x_L <- x_L + rate * (-eps_L + beta (y - x_L)). With ``fixed=True`` the predictions mu and pre-activations z keep their values
from entry (the fixed-prediction assumption of Millidge, Tschantz & Buckley 2022, Sec. 3).

Arrays (all of one float dtype, C-contiguous; tuples of length L+1, entry 0 of ``zs``, ``mus``,
``eps``, ``gs`` unused):
    xs[l]  (B, n_l)       value nodes, updated in place for l = 1..L-1 (and L if not clamp)
    target (B, n_L)       nudging target (read only if not clamp)
    Ws[l]  (n_l, n_{l+1}), bs[l] (n_{l+1},)   for l = 0..L-1 (tuples of length L)
    zs, mus, eps, gs [l] (B, n_l)   outputs: pre-activations, predictions, errors, eps * f'(z)
    codes  int64 (L+1,)   activation code of each layer
Cost per step: one gemm per layer forward and one backward, O(B sum_l n_l n_{l+1}).
"""
import numpy as np
from numba import njit

from .activations import act, dact

__all__ = ["pc_relax"]


@njit(cache=True)
def _predict(l, xs, Ws, bs, codes, zs, mus):
    np.dot(xs[l - 1], Ws[l - 1], zs[l])
    z, m, b = zs[l], mus[l], bs[l - 1]
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[i, j] += b[j]
            m[i, j] = act(codes[l], z[i, j])


@njit(cache=True)
def _errors(l, xs, codes, zs, mus, eps, gs):
    x, z, m, e, g = xs[l], zs[l], mus[l], eps[l], gs[l]
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            e[i, j] = x[i, j] - m[i, j]
            g[i, j] = e[i, j] * dact(codes[l], z[i, j])


@njit(cache=True)
def pc_relax(xs, Ws, bs, codes, n_steps, rate, fixed, clamp, target, beta, zs, mus, eps, gs):
    """Run ``n_steps`` inference steps in place; on return zs/mus/eps/gs match the final xs."""
    L = len(xs) - 1
    for l in range(1, L + 1):
        _predict(l, xs, Ws, bs, codes, zs, mus)
    for step in range(n_steps + 1):
        if step > 0 and not fixed:
            for l in range(2, L + 1):      # z_1 depends only on the clamped input
                _predict(l, xs, Ws, bs, codes, zs, mus)
        for l in range(1, L + 1):
            _errors(l, xs, codes, zs, mus, eps, gs)
        if step == n_steps:
            break
        for l in range(1, L):
            back = np.dot(gs[l + 1], Ws[l].T)
            x, e = xs[l], eps[l]
            for i in range(x.shape[0]):
                for j in range(x.shape[1]):
                    x[i, j] += rate * (back[i, j] - e[i, j])
        if not clamp:
            x, e = xs[L], eps[L]
            for i in range(x.shape[0]):
                for j in range(x.shape[1]):
                    x[i, j] += rate * (beta * (target[i, j] - x[i, j]) - e[i, j])
