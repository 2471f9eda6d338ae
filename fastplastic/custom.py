"""User-defined plasticity rules compiled with Numba.

A rule is two small Python functions, compiled with ``numba.cfunc`` and
called by the C event loop for every synapse event -- no Python runs during
the simulation:

``on_pre(w, x, y, v) -> w``
    called when a presynaptic spike reaches the synapse's row (after its
    current weight has been transmitted);
``on_post(w, x, y, v) -> w``
    called for every synapse onto a neuron that spikes.

Arguments: ``w`` the weight, ``x`` the presynaptic trace, ``y`` the
postsynaptic trace (each read just before the current spike's own update:
for on_post, x already includes a presynaptic spike of the same step), and
``v`` a float64 array of this synapse's own variables (declared with
``variables=``; read and write them in place).  The returned weight is
clipped to [w_min, w_max].  Traces follow ``scheme`` exactly as for
:class:`~fastplastic.plasticity.PairSTDP` and are shared with built-in rules
of the same time constant.

The contract (same order of events, same traces) makes a user rule a drop-in
replacement for a built-in one; e.g. additive pair STDP is::

    def on_pre(w, x, y, v):
        return w - 0.0105 * w_max * y
    def on_post(w, x, y, v):
        return w + 0.01 * w_max * x

Functions must be compilable by Numba in nopython mode (plain arithmetic,
math functions, module-level constants).  Per-step neuron dynamics are not
customisable yet.
"""
import numpy as np

from . import _validate as V
from .plasticity import _SCHEMES, _Rule
from .units import ms

__all__ = ["CustomRule"]


def _compile(fn, name, n_vars):
    """A cfunc with the kernel's signature double(double, double, double, double*)."""
    import numba
    from numba import types
    if not callable(fn):
        raise TypeError(f"CustomRule: {name} must be a function, got {type(fn).__name__}")
    try:
        # bounds-checked, so that v[k] beyond the declared variables cannot write
        # outside the synapse table; a trial call surfaces errors here, not mid-run
        jitted = numba.njit(fn, boundscheck=True)
        trial = float(jitted(0.5, 0.25, 0.25, np.zeros(n_vars)))
        if not np.isfinite(trial):
            raise ValueError(f"returned {trial} for w=0.5, x=y=0.25")
        sig = types.float64(types.float64, types.float64, types.float64,
                            types.CPointer(types.float64))

        def wrapper(w, x, y, p):
            return jitted(w, x, y, numba.carray(p, (n_vars,)))
        compiled = numba.cfunc(sig, nopython=True)(wrapper)
    except Exception as exc:       # numba's errors are long; keep the first line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TypeError(f"CustomRule: {name} could not be compiled by Numba: {first}") from exc
    return compiled


class CustomRule(_Rule):
    """A plasticity rule written by the user (see the module docstring).

    Parameters
    ----------
    on_pre, on_post : callables (w, x, y, v) -> float
        Weight after a presynaptic / postsynaptic spike.  Either may be None
        (no change at that event).
    tau_pre, tau_post : float
        Time constants (s) of the traces x and y.  Default 20 ms.
    scheme : {"all_to_all", "nearest"}
        Traces += 1 or = 1 at a spike.
    w_min, w_max : float
        Bounds applied after every call.  Default unbounded.
    variables : sequence of str
        Names of per-synapse variables, available as ``v[0], v[1], ...`` in
        the functions and as ``projection.synapse_vars[:, k]`` from Python.
    init : dict, optional
        Initial value of each variable (default 0).
    """

    def __init__(self, on_pre=None, on_post=None, tau_pre=20 * ms, tau_post=20 * ms,
                 scheme="all_to_all", w_min=-np.inf, w_max=np.inf, variables=(), init=None):
        n = "CustomRule"
        self.tau_pre = V.check_float(f"{n}: tau_pre", tau_pre, 0.0, lo_open=True, unit="s")
        self.tau_post = V.check_float(f"{n}: tau_post", tau_post, 0.0, lo_open=True, unit="s")
        self.scheme = V.check_choice(f"{n}: scheme", scheme, set(_SCHEMES))
        self.w_min = -np.inf if w_min == -np.inf else V.check_float(f"{n}: w_min", w_min)
        self.w_max = np.inf if w_max == np.inf else V.check_float(f"{n}: w_max", w_max,
                                                                  lo=self.w_min, lo_open=True)
        self.variables = tuple(variables)
        if not all(isinstance(s, str) and s.isidentifier() for s in self.variables):
            raise ValueError(f"{n}: variables must be identifiers, got {self.variables}")
        init = dict(init or {})
        unknown = set(init) - set(self.variables)
        if unknown:
            raise ValueError(f"{n}: init names unknown variables {sorted(unknown)}")
        self.init = {k: V.check_float(f"{n}: init[{k!r}]", init.get(k, 0.0)) for k in self.variables}
        width = max(1, len(self.variables))
        zero = lambda w, x, y, v: w                                       # noqa: E731
        self._pre = _compile(on_pre or zero, "on_pre", width)
        self._post = _compile(on_post or zero, "on_post", width)
        self.on_pre, self.on_post = on_pre, on_post

    def traces(self):
        s = _SCHEMES[self.scheme]
        return [("pre", self.tau_pre, s), ("post", self.tau_post, s), None, None]

    def _kernel_params(self):
        return dict(wdep=0, scale=1.0, w_min=self.w_min, w_max=self.w_max, mu=0.0, w0=1.0,
                    a_pot=0.0, a_dep=0.0, a3_pot=0.0, a3_dep=0.0, offset=0.0,
                    on_pre=self._pre.address, on_post=self._post.address)

    def new_vars(self, n_synapses):
        """Per-synapse variable table (n_synapses, max(1, n_vars)) with initial values."""
        table = np.zeros((n_synapses, max(1, len(self.variables))))
        for k, name in enumerate(self.variables):
            table[:, k] = self.init[name]
        return table
