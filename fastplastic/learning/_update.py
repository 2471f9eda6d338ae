"""In-place parameter updates: BLAS rank-B updates and the fused Adam kernel.

Every weight update the rules propose is a sum over the samples of a batch of outer products,
``scale * pre^T post`` with ``pre`` (B, n_in) and ``post`` (B, n_out). Applying it as one BLAS
``gemm`` that accumulates straight into the weight matrix (``beta = 1``) never builds the
(n_in, n_out) gradient: one pass over the weights instead of three (build the gradient, scale it,
subtract it), and no weight-sized temporaries, which is what dominates online (B = 1) training.

Weights are C-contiguous (n_in, n_out), so their transpose is a Fortran-ordered (n_out, n_in)
matrix that BLAS updates in place:  W^T <- beta W^T + alpha post^T (pre^T)^T.

Adam (Kingma & Ba 2015, Algorithm 1) runs as one Numba loop over the flattened parameter: it
reads g, m, v, p once and writes m, v, p once (NumPy would need seven passes and temporaries).
"""
import math

import numpy as np
from numba import njit
from scipy.linalg import blas as _blas

__all__ = ["add_outer", "axpy", "adam_update"]

_GEMM = {np.dtype(np.float64): _blas.dgemm, np.dtype(np.float32): _blas.sgemm}
_AXPY = {np.dtype(np.float64): _blas.daxpy, np.dtype(np.float32): _blas.saxpy}


def add_outer(c, pre, post, alpha, beta=1.0):
    """``c <- beta c + alpha pre^T post`` in place.

    Parameters
    ----------
    c : C-contiguous float64/float32 array (n_in, n_out); with ``beta == 0`` its contents are
        not read (it may be uninitialised).
    pre : array (B, n_in);  post : array (B, n_out)  (converted to c's dtype if needed).
    alpha, beta : float
    Cost O(B n_in n_out), one read and one write of ``c``.
    """
    ct = c.T
    out = _GEMM[c.dtype](alpha, post.T, pre.T, beta=beta, c=ct, trans_b=1, overwrite_c=1)
    if not np.shares_memory(out, c):      # BLAS had to work on a copy (never for our params)
        c[...] = out.T
    return c


def axpy(x, y, a):
    """``y <- y + a x`` in place (y C-contiguous; x converted to y's shape and dtype)."""
    if y.dtype not in _AXPY or not y.flags.c_contiguous or x.shape != y.shape:
        y += a * x
        return y
    flat = y.reshape(-1)
    out = _AXPY[y.dtype](np.ascontiguousarray(x, dtype=y.dtype).reshape(-1), flat, a=a)
    if not np.shares_memory(out, y):
        flat[...] = out
    return y


@njit(cache=True, error_model="numpy")
def adam_update(p, g, m, v, beta1, beta2, step_size, c2, eps):
    """One Adam step over flat arrays p, g, m, v (same length, p/m/v written in place).

    m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2;
    p <- p - step_size * m / (sqrt(v / c2) + eps),  with step_size = lr / (1 - beta1^t) and
    c2 = 1 - beta2^t (bias corrections). O(n), one pass.
    """
    for i in range(p.size):
        gi = g[i]
        mi = beta1 * m[i] + (1.0 - beta1) * gi
        vi = beta2 * v[i] + (1.0 - beta2) * gi * gi
        m[i] = mi
        v[i] = vi
        p[i] -= step_size * mi / (math.sqrt(vi / c2) + eps)
