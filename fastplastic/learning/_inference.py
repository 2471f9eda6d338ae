"""Compiled inference loop of predictive-coding networks (the hot path of the PC rules).

Network of L+1 layers of value nodes x_l (rows = samples); layer 0 and layer L are clamped by the
caller. With z_l = x_{l-1} W_{l-1} + b_{l-1}, predictions mu_l = f_l(z_l) and errors
eps_l = x_l - mu_l, one Euler step of rate ``rate`` on the energy F = sum_l 1/2 ||eps_l||^2 is

    x_l <- x_l + rate * ( -eps_l + (eps_{l+1} * f'_{l+1}(z_{l+1})) W_l^T ),   l = 1..L-1

(Whittington & Bogacz 2017's inference dynamics, in the f-inside-the-prediction form of
Song et al. 2020). The output layer is clamped (``clamp=True``) or free with the nudging term
beta/2 ||x_L - y||^2 added to F, i.e. x_L <- x_L + rate * (-eps_L + beta (y - x_L)). With ``fixed=True`` the predictions mu and pre-activations z keep their values
from entry (the fixed-prediction assumption of Millidge, Tschantz & Buckley 2022).

Arrays (all of one float dtype, C-contiguous; tuples of length L+1, entry 0 of ``zs``, ``mus``,
``eps``, ``gs``, ``ds``, ``back`` unused):
    xs[l]  (B, n_l)       value nodes, updated in place for l = 1..L-1 (and L if not clamp)
    target (B, n_L)       nudging target (read only if not clamp)
    Ws[l]  (n_l, n_{l+1}), bs[l] (n_{l+1},)   for l = 0..L-1 (tuples of length L)
    zs, mus, eps, gs, ds [l] (B, n_l)   outputs: pre-activations, predictions, errors,
                          eps * f'(z), f'(z)
    back[l] (B, n_l)      scratch for the top-down term
    codes  int64 (L+1,)   activation code of each layer
On entry ``zs`` and ``mus`` must hold the pre-activations and predictions of the current ``xs``
(the feedforward pass, or the previous call's result); the kernel computes ``ds`` from them.
Predictions and f'(z) are recomputed only where z changes: never for layer 1 (its input is
clamped) and never at all with ``fixed``; so the input layer's gemm is never repeated.
Cost per step: two small gemms per hidden layer pair above the input,
O(B sum_{l>=1} n_l n_{l+1}), plus O(B sum_l n_l) elementwise work.
"""
import numpy as np
from numba import njit

from .activations import act, dact_from

__all__ = ["pc_relax"]


@njit(cache=True)
def _predict(l, xs, Ws, bs, codes, zs, mus, ds):
    np.dot(xs[l - 1], Ws[l - 1], zs[l])
    z, m, d, b = zs[l], mus[l], ds[l], bs[l - 1]
    code = codes[l]
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[i, j] += b[j]
            m[i, j] = act(code, z[i, j])
            d[i, j] = dact_from(code, z[i, j], m[i, j])


@njit(cache=True)
def _derivs(l, codes, zs, mus, ds):
    z, m, d = zs[l], mus[l], ds[l]
    code = codes[l]
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            d[i, j] = dact_from(code, z[i, j], m[i, j])


@njit(cache=True)
def _errors(l, xs, mus, ds, eps, gs):
    x, m, d, e, g = xs[l], mus[l], ds[l], eps[l], gs[l]
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            e[i, j] = x[i, j] - m[i, j]
            g[i, j] = e[i, j] * d[i, j]


@njit(cache=True)
def pc_relax(xs, Ws, bs, codes, n_steps, rate, fixed, clamp, target, beta, zs, mus, eps, gs,
             ds, back):
    """Run ``n_steps`` inference steps in place; on return zs/mus/eps/gs/ds match the final xs."""
    L = len(xs) - 1
    for l in range(1, L + 1):
        _derivs(l, codes, zs, mus, ds)
    for step in range(n_steps + 1):
        if step > 0 and not fixed:
            for l in range(2, L + 1):      # z_1 depends only on the clamped input
                _predict(l, xs, Ws, bs, codes, zs, mus, ds)
        for l in range(1, L + 1):
            _errors(l, xs, mus, ds, eps, gs)
        if step == n_steps:
            break
        for l in range(1, L):
            bk = back[l]
            np.dot(gs[l + 1], Ws[l].T, bk)
            x, e = xs[l], eps[l]
            for i in range(x.shape[0]):
                for j in range(x.shape[1]):
                    x[i, j] += rate * (bk[i, j] - e[i, j])
        if not clamp:
            x, e = xs[L], eps[L]
            for i in range(x.shape[0]):
                for j in range(x.shape[1]):
                    x[i, j] += rate * (beta * (target[i, j] - x[i, j]) - e[i, j])
