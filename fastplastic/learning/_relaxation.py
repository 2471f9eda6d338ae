"""Compiled relaxation of layered Hopfield-like (energy-based) networks.

State u_l (rows = samples) for layers l = 1..L; the input x = u_0 is clamped and enters as
itself, rho(u_0) := x. Energy (Scellier & Bengio 2017's Hopfield-like energy, restricted to layered
connectivity with symmetric weights W_l between layers l and l+1):

    E(u) = sum_{l>=1} 1/2 ||u_l||^2 - sum_{l>=0} rho(u_l) W_l rho(u_{l+1})^T - sum_{l>=0} b_l rho(u_{l+1})^T
    F    = E + beta * C,   C = 1/2 ||u_L - y||^2                           (their total energy)

and one Euler step of the gradient dynamics du/dt = -dF/du (their relaxation dynamics) with step ``dt``:

    u_l <- u_l + dt * ( rho'(u_l) * (rho(u_{l-1}) W_{l-1} + b_{l-1} + rho(u_{l+1}) F_l) - u_l
                        [ + beta * (y - u_L)  for l = L ] )

with top-down matrices F_l = W_l^T (symmetric network). Any other F_l (shape (n_{l+1}, n_l))
gives the asymmetric network: the same update, now a vector field that is not the gradient of an
energy (Scellier, Goyal, Binas, Mesnard & Bengio 2018, arXiv:1808.04873; O'Reilly 1996
for GeneRec with separate feedback weights).

For the hard sigmoid (``code == 4``) each step is projected back onto the box [0, 1], as in
Scellier & Bengio (2017); otherwise a unit pushed below 0 has rho' = 0 and never returns.
With ``clamp=True`` the output u_L stays where the caller put it (CHL / GeneRec plus phase).
With ``accumulate=True`` the kernel also sums, over the steps, the continuous-update product
rho_pre * d(rho_post) for both directions of each symmetric synapse (Bengio et al. 2017):

    dW_l += rho(u_l)^T Delta rho(u_{l+1}) + Delta rho(u_l)^T rho(u_{l+1}),   db_l += sum Delta rho(u_{l+1})

with rho evaluated before the step and Delta the change over the step, for l >= 1. For l = 0 the
input is clamped (Delta rho(u_0) = 0) and the sum telescopes to x^T (rho(u_1)_end -
rho(u_1)_start): the caller forms that product itself and dWs[0] is left untouched.

Arrays (one float dtype, C-contiguous unless noted; tuples of length L+1 indexed by layer,
entry 0 = input):
    us[l] (B, n_l) states (us[0] = x), rs[l] (B, n_l) rho(u) (rs[0] = x), prev[l], drive[l]
    scratch of the same shapes; Ws[l] (n_l, n_{l+1}), Fs[l] (n_{l+1}, n_l) top-down matrices
    (all C- or all F-ordered; Fs[0] unused), bs[l] (n_{l+1},) and dWs / dbs of Ws' / bs' shapes
    (tuples of length L); x_drive (B, n_1) = x W_0 + b_0, the constant input drive (computed
    once by the caller and shared by all phases); target (B, n_L).
Cost per step: two gemms per layer pair above the input, O(B sum_{l>=1} n_l n_{l+1}).
"""
import numpy as np
from numba import njit

from .activations import act, dact_from

__all__ = ["relax_layered"]


@njit(cache=True)
def _rates(us, rs, code):
    for l in range(1, len(us)):
        u, r = us[l], rs[l]
        for i in range(u.shape[0]):
            for j in range(u.shape[1]):
                r[i, j] = act(code, u[i, j])


@njit(cache=True)
def _accumulate(rs, prev, dWs, dbs):
    for l in range(len(dWs)):
        d_post = rs[l + 1] - prev[l + 1]
        db = dbs[l]
        db += d_post.sum(axis=0)
        if l > 0:        # l = 0 telescopes: formed by the caller
            dw = dWs[l]
            dw += np.dot(prev[l].T, d_post)
            dw += np.dot((rs[l] - prev[l]).T, prev[l + 1])


@njit(cache=True)
def _euler(l, L, us, rs, drive, target, beta, clamp, code, dt):
    u, r, d = us[l], rs[l], drive[l]
    out = l == L
    for i in range(u.shape[0]):
        for j in range(u.shape[1]):
            du = dact_from(code, u[i, j], r[i, j]) * d[i, j] - u[i, j]
            if out:
                du += beta * (target[i, j] - u[i, j])
            u[i, j] += dt * du
            if code == 4:   # hard sigmoid: states live in [0, 1] (Scellier & Bengio 2017)
                u[i, j] = min(max(u[i, j], 0.0), 1.0)


@njit(cache=True)
def relax_layered(us, rs, prev, drive, Ws, Fs, bs, x_drive, target, beta, clamp, code, dt,
                  n_steps, accumulate, dWs, dbs):
    """Run ``n_steps`` synchronous Euler steps in place; on return rs = rho(us)."""
    L = len(us) - 1
    _rates(us, rs, code)
    for step in range(n_steps):
        for l in range(1, L + 1):
            d = drive[l]
            if l == 1:
                d[:] = x_drive
            else:
                np.dot(rs[l - 1], Ws[l - 1], d)
                d += bs[l - 1]
            if l < L:
                d += np.dot(rs[l + 1], Fs[l])
        for l in range(1, L + 1 - (1 if clamp else 0)):
            _euler(l, L, us, rs, drive, target, beta, clamp, code, dt)
        if accumulate:
            for l in range(1, L + 1):
                prev[l][:] = rs[l]
        _rates(us, rs, code)
        if accumulate:
            _accumulate(rs, prev, dWs, dbs)
