"""Input checks shared by the public classes.

Every check raises TypeError (wrong kind of object) or ValueError (right kind,
wrong value) with a message naming the parameter, the value received and what
is allowed, so that the compiled kernels never see bad input.
"""
import numbers
import operator

import numpy as np

__all__ = ["check_int", "check_float", "check_choice", "per_neuron", "check_per_neuron_spec",
           "to_steps", "as_index_array"]


def _fmt(value):
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


def check_int(name, value, lo=None, hi=None):
    """An integer in [lo, hi] (numpy integers accepted, bool and float rejected)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        try:
            if isinstance(value, (bool, np.bool_)):
                raise TypeError
            value = operator.index(value)
        except TypeError:
            raise TypeError(f"{name} must be an integer, got {_fmt(value)} "
                            f"({type(value).__name__})") from None
    value = int(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(f"{name} must be in [{lo if lo is not None else '-inf'}, "
                         f"{hi if hi is not None else 'inf'}], got {value}")
    return value


def check_float(name, value, lo=None, hi=None, lo_open=False, hi_open=False, unit=""):
    """A finite real number within the given bounds."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number{' in ' + unit if unit else ''}, "
                        f"got {_fmt(value)} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    u = f" {unit}" if unit else ""
    if lo is not None and (value <= lo if lo_open else value < lo):
        raise ValueError(f"{name} must be {'>' if lo_open else '>='} {lo}{u}, got {value}{u}")
    if hi is not None and (value >= hi if hi_open else value > hi):
        raise ValueError(f"{name} must be {'<' if hi_open else '<='} {hi}{u}, got {value}{u}")
    return value


def check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {_fmt(value)}")
    return value


def _as_float_array(name, value, n):
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf" or arr.dtype.kind == "b":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {int((~np.isfinite(arr)).sum())} "
                         "non-finite values")
    return arr


def per_neuron(name, value, n, rng=None, lo=None, hi=None, unit=""):
    """A per-neuron float64 array of length n from a scalar, an array of length
    n, or a callable ``f(rng, n)`` returning one."""
    if callable(value):
        if rng is None:
            raise TypeError(f"{name}: a callable is not accepted here")
        value = value(rng, n)
    if np.ndim(value) == 0 and not isinstance(value, (np.ndarray, list, tuple)):
        v = check_float(name, value, lo, hi, unit=unit)
        return np.full(n, v)
    arr = _as_float_array(name, value, n)
    u = f" {unit}" if unit else ""
    if lo is not None and arr.min() < lo:
        raise ValueError(f"{name} must be >= {lo}{u}, got a minimum of {arr.min()}{u}")
    if hi is not None and arr.max() > hi:
        raise ValueError(f"{name} must be <= {hi}{u}, got a maximum of {arr.max()}{u}")
    return arr


def check_per_neuron_spec(name, value, n, lo=None, hi=None, unit=""):
    """Validates a per-neuron specification without allocating for scalars
    (callables are checked when they are evaluated)."""
    if callable(value):
        return
    if np.ndim(value) == 0 and not isinstance(value, (np.ndarray, list, tuple)):
        check_float(name, value, lo, hi, unit=unit)
    else:
        per_neuron(name, value, n, lo=lo, hi=hi, unit=unit)


def to_steps(name, seconds, dt, min_steps=0, max_steps=None, exact=True):
    """Whole number of time steps in ``seconds`` (scalar or array).

    With ``exact`` the value must be a multiple of dt (to 1e-6 of a step)."""
    arr = np.asarray(seconds, dtype=np.float64) if not np.isscalar(seconds) else None
    if arr is None:
        s = check_float(name, seconds, unit="s")
        arr = np.asarray(s)
    elif not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    x = arr / dt
    steps = np.rint(x)
    if exact and np.any(np.abs(x - steps) > 1e-6 * np.maximum(1.0, np.abs(x))):
        bad = arr.flat[int(np.argmax(np.abs(x - steps)))]
        raise ValueError(f"{name} must be a multiple of dt={dt} s, got {bad} s")
    if np.any(steps < min_steps):
        raise ValueError(f"{name} must be >= {min_steps * dt:g} s ({min_steps} steps of dt), "
                         f"got {arr.min()} s")
    if max_steps is not None and np.any(steps > max_steps):
        raise ValueError(f"{name} must be <= {max_steps * dt:g} s ({max_steps} steps), "
                         f"got {arr.max()} s")
    return steps.astype(np.int64) if steps.ndim else int(steps)


def as_index_array(name, value, n, length=None):
    """Integer indices in [0, n) as a contiguous int32 array."""
    arr = np.asarray(value)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {arr.shape[0]}")
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        bad = arr.min() if arr.min() < 0 else arr.max()
        raise ValueError(f"{name} must be in [0, {n - 1}], got {bad}")
    return np.ascontiguousarray(arr, dtype=np.int32)
