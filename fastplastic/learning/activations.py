"""Elementwise nonlinearities shared by the NumPy layer code and the Numba kernels.

There is exactly one implementation of each nonlinearity: the ``@njit`` scalar functions
:func:`act` and :func:`dact` below. Kernels inline them; Python code calls the array
wrappers :func:`activate` / :func:`derivative`, which loop over the same scalar code.

Nonlinearities (``x`` is a pre-activation, dimensionless):

==============  ========================  ==========================
name            f(x)                      f'(x)
==============  ========================  ==========================
``linear``      x                         1
``tanh``        tanh(x)                   1 - tanh(x)^2
``sigmoid``     1 / (1 + exp(-x))         f(x) (1 - f(x))
``relu``        max(x, 0)                 1 if x > 0 else 0
``hard_sigmoid`` clip(x, 0, 1)            1 if 0 <= x <= 1 else 0
==============  ========================  ==========================

``hard_sigmoid`` is the rho of Scellier & Bengio (2017); its derivative is taken as 1 on
the closed interval so that a unit starting at exactly 0 is not stuck there.
"""
import math

import numpy as np
from numba import njit

__all__ = ["ACTIVATIONS", "activation_code", "activate", "derivative", "derivative_from_output",
           "second_derivative"]

ACTIVATIONS = ("linear", "tanh", "sigmoid", "relu", "hard_sigmoid")


def activation_code(name):
    """Integer code of a nonlinearity, as the kernels take it.

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`ACTIVATIONS`.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"activation={name!r} is not known; allowed: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS.index(name)


@njit(cache=True, inline="always")
def act(code, x):
    """f(x) for the nonlinearity with integer ``code``."""
    if code == 0:
        return x
    if code == 1:
        return math.tanh(x)
    if code == 2:
        return 1.0 / (1.0 + math.exp(-x))
    if code == 3:
        return x if x > 0.0 else 0.0
    return min(max(x, 0.0), 1.0)


@njit(cache=True, inline="always")
def dact(code, x):
    """f'(x) for the nonlinearity with integer ``code``."""
    if code == 0:
        return 1.0
    if code == 1:
        t = math.tanh(x)
        return 1.0 - t * t
    if code == 2:
        s = 1.0 / (1.0 + math.exp(-x))
        return s * (1.0 - s)
    if code == 3:
        return 1.0 if x > 0.0 else 0.0
    return 1.0 if 0.0 <= x <= 1.0 else 0.0


@njit(cache=True, inline="always")
def dact_from(code, x, fx):
    """f'(x) given also fx = f(x): tanh and sigmoid read it off fx (no second exp/tanh)."""
    if code == 1:
        return 1.0 - fx * fx
    if code == 2:
        return fx * (1.0 - fx)
    return dact(code, x)


@njit(cache=True, inline="always")
def ddact(code, x):
    """f''(x) (zero almost everywhere for the piecewise-linear ones)."""
    if code == 1:
        t = math.tanh(x)
        return -2.0 * t * (1.0 - t * t)
    if code == 2:
        s = 1.0 / (1.0 + math.exp(-x))
        return s * (1.0 - s) * (1.0 - 2.0 * s)
    return 0.0


@njit(cache=True)
def _map_into(which, code, flat_in, flat_out):
    for i in range(flat_in.size):
        if which == 0:
            flat_out[i] = act(code, flat_in[i])
        elif which == 1:
            flat_out[i] = dact(code, flat_in[i])
        else:
            flat_out[i] = ddact(code, flat_in[i])


def _numpy_map(which, code, x):
    """f or f' with NumPy's vectorised ufuncs (batched calls from Python are
    dominated by this elementwise work; inside Numba kernels act/dact serve).
    Returns None where only the scalar versions exist."""
    if which == 0:
        if code == 0:
            return x.copy()
        if code == 1:
            return np.tanh(x)
        if code == 3:
            return np.maximum(x, 0.0)
        if code == 4:
            return np.clip(x, 0.0, 1.0)
    elif which == 1:
        if code == 1:
            t = np.tanh(x)
            return 1.0 - t * t
        if code == 3:
            return (x > 0.0).astype(x.dtype)
    return None


def _apply(which, name, x):
    x = np.ascontiguousarray(x)
    code = activation_code(name)
    out = _numpy_map(which, code, x)
    if out is None:
        out = np.empty_like(x)
        _map_into(which, code, x.reshape(-1), out.reshape(-1))
    return out


def activate(name, x):
    """Apply the nonlinearity ``name`` elementwise; returns a new array of x's shape and dtype."""
    return _apply(0, name, x)


def derivative(name, x):
    """f'(x) elementwise for the nonlinearity ``name``."""
    return _apply(1, name, x)


def derivative_from_output(name, z, h):
    """f'(z) given also h = f(z), for the backward sweeps: tanh and sigmoid read it off h
    (1 - h^2, h (1 - h)) instead of evaluating exp/tanh again; ``None`` for ``linear`` (f' = 1,
    the caller skips the product); the others as :func:`derivative`."""
    if name == "linear":
        return None
    if name == "tanh":
        return 1.0 - h * h
    if name == "sigmoid":
        return h * (1.0 - h)
    return derivative(name, z)


def second_derivative(name, x):
    """f''(x) elementwise (used by the recurrent-backprop reference gradient)."""
    return _apply(2, name, x)
