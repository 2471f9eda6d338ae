"""Neuron groups: LIF (current- and conductance-based), AdEx, Izhikevich,
Poisson sources and spike-train replay.

A group holds its parameters from construction; its state arrays (float64,
one entry per neuron) are created when it is added to a
:class:`~fastplastic.network.Network`, which supplies dt and the random
generator for initial values.  After that, ``group.v`` etc. are plain NumPy
arrays that may be read or assigned between runs.

Step semantics (all kinds): at step k (time t = k dt) synaptic input that
arrives at t is added to the synaptic state, the state is advanced to
t + dt, and neurons at threshold are reset and emit a spike stamped t.
A spike stamped t reaches its targets at exactly t + delay.
"""
import numpy as np

from . import _validate as V
from .units import ms, mV, nS, pF, nA

__all__ = ["NeuronGroup", "LIF", "AdEx", "AdExClopath", "Izhikevich", "PoissonGroup",
           "SpikeTrains"]

# kinds of csrc/fp_types.h
_LIF_CUBA, _LIF_COBA, _ADEX, _IZHIKEVICH, _POISSON, _REPLAY, _ADEX_CLOPATH = range(7)
_MAX_N = 2**31 - 2


class NeuronGroup:
    """Base class of all groups.

    Parameters
    ----------
    n : int
        Number of neurons, 1 <= n < 2**31 - 1.
    name : str, optional
        Name used in summaries and error messages.
    """

    _kind = None
    _state_vars = ()          # float64 state arrays of the kind
    _param_names = ()         # scalar constructor arguments (checkpoints rebuild from them)
    accepts_input = True      # can be the target of a projection

    def __init__(self, n, name=None):
        self.n = V.check_int(f"{type(self).__name__}: n", n, 1, _MAX_N)
        self.name = name if name is not None else type(self).__name__
        self._net = None
        self.index = None

    def _p(self, what):
        return f"{self.name}: {what}"

    def params(self):
        """The scalar constructor arguments (dict)."""
        return {k: getattr(self, k) for k in self._param_names}

    # -- set up by Network.add -------------------------------------------------
    def _attach(self, net, index, rng):
        if self._net is not None:
            raise ValueError(f"{self.name} already belongs to a network")
        self._net, self.index = net, index
        dt = net.dt
        self._consts = self._constants(dt)
        self._init_state(rng, dt)
        self.last_spike = np.full(self.n, -1, dtype=np.int64)   # steps, for pairing schemes
        self.prev_spike = np.full(self.n, -1, dtype=np.int64)

    def _init_state(self, rng, dt):
        n = self.n
        for var in self._state_vars:
            setattr(self, var, np.zeros(n))
        self.refrac = np.zeros(n, dtype=np.int32)

    def _constants(self, dt):
        return np.zeros(16)

    def _state_items(self):
        """(name, array) of every state array the engine writes."""
        items = [(v, getattr(self, v)) for v in self._state_vars]
        if hasattr(self, "refrac"):
            items.append(("refrac", self.refrac))
        return items

    def _check_state(self, check_finite=True):
        """Called by run(): state arrays still well-formed after user edits."""
        for var, arr in self._state_items():
            want = np.int32 if var == "refrac" else np.float64
            if not isinstance(arr, np.ndarray) or arr.dtype != want or arr.shape != (self.n,) \
                    or not arr.flags.c_contiguous:
                raise TypeError(f"{self._p(var)} must be a contiguous {np.dtype(want).name} "
                                f"array of shape ({self.n},); assign into it with [:] instead")
            if check_finite and var != "refrac" and not np.all(np.isfinite(arr)):
                raise ValueError(f"{self._p(var)} holds non-finite values")

    def __repr__(self):
        return f"<{type(self).__name__} '{self.name}' n={self.n}>"


class _Integrating(NeuronGroup):
    """Common parts of the groups with synaptic input and a membrane potential."""

    def __init__(self, n, synapses, tau_e, tau_i, e_e, e_i, i_bias, v_init):
        """Synaptic and input parameters; the subclass has run NeuronGroup.__init__."""
        self.synapses = V.check_choice(self._p("synapses"), synapses, {"current", "conductance"})
        self.tau_e = V.check_float(self._p("tau_e"), tau_e, 0, lo_open=True, unit="s")
        self.tau_i = V.check_float(self._p("tau_i"), tau_i, 0, lo_open=True, unit="s")
        self.e_e = V.check_float(self._p("e_e"), e_e, unit="V")
        self.e_i = V.check_float(self._p("e_i"), e_i, unit="V")
        self._i_bias_spec = i_bias
        self._v_init_spec = v_init
        V.check_per_neuron_spec(self._p("i_bias"), i_bias, self.n, unit="A")
        V.check_per_neuron_spec(self._p("v_init"), v_init, self.n, unit="V")

    _state_vars = ("v", "ge", "gi")

    @property
    def conductance(self):
        return self.synapses == "conductance"

    def _init_state(self, rng, dt):
        super()._init_state(rng, dt)
        self.i_bias = V.per_neuron(self._p("i_bias"), self._i_bias_spec, self.n, rng, unit="A")
        self.v[:] = V.per_neuron(self._p("v_init"), self._v_init_spec, self.n, rng, unit="V")

    def _check_state(self, check_finite=True):
        super()._check_state(check_finite)
        self.i_bias = V.per_neuron(self._p("i_bias"), self.i_bias, self.n, unit="A")


_SYN_PARAMS = ("synapses", "tau_e", "tau_i", "e_e", "e_i")


class LIF(_Integrating):
    r"""Leaky integrate-and-fire neurons with exponential synapses.

    .. math::

        C \frac{dv}{dt} = g_L (E_L - v) + I_{syn} + I_{bias}, \qquad
        \frac{dg_x}{dt} = -\frac{g_x}{\tau_x}\ (x = e, i)

    with :math:`I_{syn} = g_e + g_i` (``synapses="current"``; g in A, the
    inhibitory weights negative) or :math:`I_{syn} = g_e (E_e - v) + g_i (E_i - v)`
    (``synapses="conductance"``; g in S).  When v reaches ``v_thresh`` the neuron
    spikes, v is set to ``v_reset`` and held there for ``t_ref``.

    Integration: current-based synapses are integrated exactly (the linear
    system's propagator, Rotter & Diesmann 1999, eqs. 3-8); conductance-based
    ones by exponential Euler (conductances held over a step, v relaxed
    exactly), as Brian2 does for this model.

    Parameters
    ----------
    n : int
        Number of neurons.
    synapses : {"current", "conductance"}
    tau_m : float
        Membrane time constant (s), > 0.  Default 20 ms.
    c_m : float
        Membrane capacitance (F), > 0.  Default 200 pF (g_L = c_m / tau_m).
    e_l, v_thresh, v_reset : float
        Resting potential, threshold, reset (V).  Defaults -60, -50, -60 mV.
    t_ref : float
        Refractory period (s), >= 0, rounded to whole steps.  Default 5 ms.
    tau_e, tau_i : float
        Synaptic time constants (s), > 0.  Defaults 5 ms and 10 ms.
    e_e, e_i : float
        Reversal potentials of conductance synapses (V).  Defaults 0 and -80 mV.
    i_bias : float, array (n,) or callable(rng, n)
        Constant input current (A).  Default 0.
    v_init : float, array (n,) or callable(rng, n)
        Initial membrane potential (V).  Default e_l.
    name : str, optional
    """

    def __init__(self, n, synapses="current", tau_m=20 * ms, c_m=200 * pF, e_l=-60 * mV,
                 v_thresh=-50 * mV, v_reset=-60 * mV, t_ref=5 * ms, tau_e=5 * ms, tau_i=10 * ms,
                 e_e=0 * mV, e_i=-80 * mV, i_bias=0.0, v_init=None, name=None):
        NeuronGroup.__init__(self, n, name)
        self.tau_m = V.check_float(self._p("tau_m"), tau_m, 0, lo_open=True, unit="s")
        self.c_m = V.check_float(self._p("c_m"), c_m, 0, lo_open=True, unit="F")
        self.e_l = V.check_float(self._p("e_l"), e_l, unit="V")
        self.v_thresh = V.check_float(self._p("v_thresh"), v_thresh, unit="V")
        self.v_reset = V.check_float(self._p("v_reset"), v_reset, hi=self.v_thresh, hi_open=True,
                                     unit="V")
        self.t_ref = V.check_float(self._p("t_ref"), t_ref, 0, unit="s")
        _Integrating.__init__(self, n, synapses, tau_e, tau_i, e_e, e_i, i_bias,
                              self.e_l if v_init is None else v_init)

    _param_names = ("tau_m", "c_m", "e_l", "v_thresh", "v_reset", "t_ref") + _SYN_PARAMS

    @property
    def _kind(self):
        return _LIF_COBA if self.conductance else _LIF_CUBA

    @property
    def g_l(self):
        """Leak conductance c_m / tau_m (S)."""
        return self.c_m / self.tau_m

    def _constants(self, dt):
        p = np.zeros(16)
        n_ref = V.to_steps(self._p("t_ref"), self.t_ref, dt, exact=False)
        p[:4] = self.e_l, self.v_thresh, self.v_reset, n_ref
        de, di = np.exp(-dt / self.tau_e), np.exp(-dt / self.tau_i)
        if self.conductance:
            p[4:10] = self.g_l, self.e_e, self.e_i, dt / self.c_m, de, di
        else:
            p22 = np.exp(-dt / self.tau_m)
            p[4:10] = (p22, self.tau_m / self.c_m * -np.expm1(-dt / self.tau_m),
                       _p21(dt, self.tau_m, self.tau_e, self.c_m),
                       _p21(dt, self.tau_m, self.tau_i, self.c_m), de, di)
        return p

    def rate_analytic(self, i_const):
        """Firing rate (Hz) under a constant current i_const (A) without noise:
        1 / (t_ref + tau_m ln((R I + E_L - v_reset) / (R I + E_L - v_thresh)))."""
        r_i = np.asarray(i_const, dtype=float) / self.g_l
        with np.errstate(divide="ignore", invalid="ignore"):
            t = self.t_ref + self.tau_m * np.log((r_i + self.e_l - self.v_reset)
                                                 / (r_i + self.e_l - self.v_thresh))
            return np.where(r_i + self.e_l > self.v_thresh, 1.0 / t, 0.0)


def _p21(dt, tau_m, tau_s, c_m):
    """Propagator entry from a synaptic current to v over dt (Rotter & Diesmann
    1999): (1/C) tau_m tau_s/(tau_m - tau_s) (e^{-dt/tau_m} - e^{-dt/tau_s}),
    written with expm1 so that tau_s -> tau_m stays accurate (limit dt/C e^{-dt/tau})."""
    a = 1.0 / tau_m - 1.0 / tau_s
    factor = dt if abs(a * dt) < 1e-12 else np.expm1(a * dt) / a
    return np.exp(-dt / tau_m) * factor / c_m


class AdEx(_Integrating):
    r"""Adaptive exponential integrate-and-fire neurons (Brette & Gerstner 2005, eqs. 1-2).

    .. math::

        C \frac{dv}{dt} = -g_L (v - E_L) + g_L \Delta_T e^{(v - V_T)/\Delta_T} - w
                          + I_{syn} + I_{bias}, \qquad
        \tau_w \frac{dw}{dt} = a (v - E_L) - w

    At v >= ``v_peak``: v <- ``v_reset``, w <- w + b.  Forward Euler; the
    exponential is evaluated at min(v, v_peak).  Synapses as for :class:`LIF`.

    Parameters (defaults: the paper's Table 1 regular-spiking cell)
    ----------
    c_m : 281 pF; g_l : 30 nS; e_l : -70.6 mV; v_t : -50.4 mV; delta_t : 2 mV (> 0);
    tau_w : 144 ms; a : 4 nS; b : 0.0805 nA; v_reset : e_l; v_peak : 0 mV;
    t_ref : 0 s; w_init : 0 A; others as :class:`LIF`.
    """

    _state_vars = ("v", "ge", "gi", "w")
    _param_names = ("c_m", "g_l", "e_l", "v_t", "delta_t", "tau_w", "a", "b", "v_reset", "v_peak",
                    "t_ref") + _SYN_PARAMS

    def __init__(self, n, synapses="current", c_m=281 * pF, g_l=30 * nS, e_l=-70.6 * mV,
                 v_t=-50.4 * mV, delta_t=2 * mV, tau_w=144 * ms, a=4 * nS, b=0.0805 * nA,
                 v_reset=None, v_peak=0 * mV, t_ref=0.0, tau_e=5 * ms, tau_i=10 * ms,
                 e_e=0 * mV, e_i=-80 * mV, i_bias=0.0, v_init=None, w_init=0.0, name=None):
        NeuronGroup.__init__(self, n, name)
        f = V.check_float
        self.c_m = f(self._p("c_m"), c_m, 0, lo_open=True, unit="F")
        self.g_l = f(self._p("g_l"), g_l, 0, lo_open=True, unit="S")
        self.e_l = f(self._p("e_l"), e_l, unit="V")
        self.v_t = f(self._p("v_t"), v_t, unit="V")
        self.delta_t = f(self._p("delta_t"), delta_t, 0, lo_open=True, unit="V")
        self.tau_w = f(self._p("tau_w"), tau_w, 0, lo_open=True, unit="s")
        self.a = f(self._p("a"), a, unit="S")
        self.b = f(self._p("b"), b, unit="A")
        self.v_peak = f(self._p("v_peak"), v_peak, unit="V")
        self.v_reset = f(self._p("v_reset"), self.e_l if v_reset is None else v_reset,
                         hi=self.v_peak, hi_open=True, unit="V")
        self.t_ref = f(self._p("t_ref"), t_ref, 0, unit="s")
        self._w_init_spec = w_init
        _Integrating.__init__(self, n, synapses, tau_e, tau_i, e_e, e_i, i_bias,
                              self.e_l if v_init is None else v_init)

    _kind = _ADEX

    def _init_state(self, rng, dt):
        super()._init_state(rng, dt)
        self.w[:] = V.per_neuron(self._p("w_init"), self._w_init_spec, self.n, rng, unit="A")

    def _constants(self, dt):
        p = np.zeros(16)
        n_ref = V.to_steps(self._p("t_ref"), self.t_ref, dt, exact=False)
        p[:] = (self.e_l, self.v_t, self.v_reset, n_ref, self.g_l, self.delta_t, self.v_peak,
                dt / self.c_m, self.a, self.b, dt / self.tau_w, np.exp(-dt / self.tau_e),
                np.exp(-dt / self.tau_i), float(self.conductance), self.e_e, self.e_i)
        return p


class AdExClopath(NeuronGroup):
    r"""The AdEx neuron of Clopath et al. (2010), Nat Neurosci 13:344 (Methods,
    "Neuron model"), for voltage-based STDP (:class:`~fastplastic.ClopathSTDP`),
    with the details of the authors' reference code that NEST's
    ``aeif_psc_delta_clopath`` also implements:

    .. math::

        C \frac{dv}{dt} = -g_L (v - E_L) + g_L \Delta_T e^{(v - V_T)/\Delta_T}
                          - w + z + I, \qquad
        \tau_w \frac{dw}{dt} = a (v - E_L) - w, \qquad
        \tau_z \frac{dz}{dt} = -z, \qquad
        \tau_{V_T} \frac{dV_T}{dt} = V_{T,rest} - V_T

    At v >= ``v_peak`` the neuron spikes: v is clamped at ``v_clamp`` for
    ``t_clamp`` (the spike's width, which drives the plasticity), then reset
    to ``v_reset``; w += b, z = ``i_sp`` (after-depolarisation),
    V_T = ``v_th_max`` (adaptive threshold).  Low-pass filtered voltages
    u_plus (``tau_plus``), u_minus (``tau_minus``) and u_bar_bar (``tau_bar_bar``,
    of u_minus) feed the plasticity, which reads u_plus and u_minus
    ``delay_u_bars`` late (reference code).

    Integration: ``substeps`` forward-Euler substeps per time step (default
    10: 10 us at dt = 0.1 ms; NEST uses adaptive RKF45 capped at 10 us).

    Parameters (defaults: the paper's Table 1b / NEST's defaults; SI units)
    ----------
    c_m 281 pF; g_l 30 nS; e_l -70.6 mV; delta_t 2 mV; tau_w 144 ms; a 4 nS;
    b 80.5 pA; tau_z 40 ms; i_sp 400 pA; tau_vt 50 ms; v_th_max 30.4 mV;
    v_th_rest -50.4 mV; v_peak 33 mV; v_clamp 33 mV; t_clamp 2 ms;
    v_reset -60 mV; t_ref 0 s; tau_plus 7 ms; tau_minus 10 ms;
    tau_bar_bar 500 ms; delay_u_bars 5 ms (rounded to steps);
    synapses : "delta" (default; a spike moves v by the weight, in V) or
    "current" (exponential currents, weight in A, time constant ``tau_syn``);
    i_bias : constant current (A), scalar or per neuron; v_init : default e_l.
    """

    _kind = _ADEX_CLOPATH
    _state_vars = ("v", "ge", "gi", "w")
    _param_names = ("c_m", "g_l", "e_l", "delta_t", "tau_w", "a", "b", "tau_z", "i_sp", "tau_vt",
                    "v_th_max", "v_th_rest", "v_peak", "v_clamp", "t_clamp", "v_reset", "t_ref",
                    "tau_plus", "tau_minus", "tau_bar_bar", "delay_u_bars", "synapses", "tau_syn",
                    "substeps")
    _AUX = ("z", "v_th", "u_plus", "u_minus", "u_bar_bar")

    def __init__(self, n, c_m=281 * pF, g_l=30 * nS, e_l=-70.6 * mV, delta_t=2 * mV, tau_w=144 * ms,
                 a=4 * nS, b=80.5e-12, tau_z=40 * ms, i_sp=400e-12, tau_vt=50 * ms,
                 v_th_max=30.4 * mV, v_th_rest=-50.4 * mV, v_peak=33 * mV, v_clamp=33 * mV,
                 t_clamp=2 * ms, v_reset=-60 * mV, t_ref=0.0, tau_plus=7 * ms, tau_minus=10 * ms,
                 tau_bar_bar=500 * ms, delay_u_bars=5 * ms, synapses="delta", tau_syn=5 * ms,
                 substeps=10, i_bias=0.0, v_init=None, name=None):
        NeuronGroup.__init__(self, n, name)
        f = V.check_float
        pos = dict(lo=0.0, lo_open=True)
        for k, val, unit in (("c_m", c_m, "F"), ("g_l", g_l, "S"), ("delta_t", delta_t, "V"),
                             ("tau_w", tau_w, "s"), ("tau_z", tau_z, "s"), ("tau_vt", tau_vt, "s"),
                             ("tau_plus", tau_plus, "s"), ("tau_minus", tau_minus, "s"),
                             ("tau_bar_bar", tau_bar_bar, "s"), ("tau_syn", tau_syn, "s")):
            setattr(self, k, f(self._p(k), val, unit=unit, **pos))
        for k, val, unit in (("e_l", e_l, "V"), ("a", a, "S"), ("b", b, "A"), ("i_sp", i_sp, "A"),
                             ("v_th_rest", v_th_rest, "V"), ("v_clamp", v_clamp, "V")):
            setattr(self, k, f(self._p(k), val, unit=unit))
        self.v_th_max = f(self._p("v_th_max"), v_th_max, lo=self.v_th_rest, unit="V")
        self.v_peak = f(self._p("v_peak"), v_peak, lo=self.v_th_rest, unit="V")
        self.v_reset = f(self._p("v_reset"), v_reset, hi=self.v_peak, hi_open=True, unit="V")
        self.t_clamp = f(self._p("t_clamp"), t_clamp, 0.0, unit="s")
        self.t_ref = f(self._p("t_ref"), t_ref, 0.0, unit="s")
        self.delay_u_bars = f(self._p("delay_u_bars"), delay_u_bars, 0.0, 1.0, unit="s")
        self.synapses = V.check_choice(self._p("synapses"), synapses, {"delta", "current"})
        self.substeps = V.check_int(self._p("substeps"), substeps, 1, 1000)
        if (self.v_peak - self.v_th_rest) / self.delta_t > 500:
            raise ValueError(f"{self._p('delta_t')}: (v_peak - v_th_rest) / delta_t must be "
                             f"<= 500 (exp overflow), got {(self.v_peak - self.v_th_rest) / self.delta_t:g}")
        self._i_bias_spec = i_bias
        self._v_init_spec = self.e_l if v_init is None else v_init
        V.check_per_neuron_spec(self._p("i_bias"), i_bias, n, unit="A")
        V.check_per_neuron_spec(self._p("v_init"), self._v_init_spec, n, unit="V")

    conductance = False

    def _init_state(self, rng, dt):
        super()._init_state(rng, dt)
        self.i_bias = V.per_neuron(self._p("i_bias"), self._i_bias_spec, self.n, rng, unit="A")
        self.v[:] = V.per_neuron(self._p("v_init"), self._v_init_spec, self.n, rng, unit="V")
        n_delay = V.to_steps(self._p("delay_u_bars"), self.delay_u_bars, dt, exact=False)
        self.aux = np.zeros((7 + 2 * n_delay, self.n))
        self.aux[1] = self.v_th_rest
        self.aux[2:] = self.e_l                # filtered voltages (and their rings) at rest

    def __getattr__(self, name):               # z, v_th, u_plus, ... are rows of aux
        if name in AdExClopath._AUX and "aux" in self.__dict__:
            return self.__dict__["aux"][AdExClopath._AUX.index(name)]
        raise AttributeError(name)

    def _constants(self, dt):
        return np.zeros(16)

    def _xp(self, dt):
        n_clamp = V.to_steps(self._p("t_clamp"), self.t_clamp, dt, exact=False)
        n_ref = V.to_steps(self._p("t_ref"), self.t_ref, dt, exact=False)
        n_delay = self.aux.shape[0] // 2 - 3
        return np.array([self.e_l, self.g_l, self.delta_t, 1 / self.c_m, self.a, self.b,
                         1 / self.tau_w, 1 / self.tau_z, self.i_sp, 1 / self.tau_vt, self.v_th_max,
                         self.v_th_rest, 1 / self.tau_plus, 1 / self.tau_minus,
                         1 / self.tau_bar_bar, self.v_peak, self.v_clamp, self.v_reset, n_clamp,
                         n_ref, self.substeps, n_delay, float(self.synapses == "delta"),
                         np.exp(-dt / self.tau_syn), dt])

    def _check_state(self, check_finite=True):
        super()._check_state(check_finite)
        self.i_bias = V.per_neuron(self._p("i_bias"), self.i_bias, self.n, unit="A")
        a = self.aux
        if not (isinstance(a, np.ndarray) and a.dtype == np.float64 and a.flags.c_contiguous
                and a.ndim == 2 and a.shape[1] == self.n and a.shape[0] % 2 == 1 and a.shape[0] >= 7):
            raise TypeError(f"{self._p('aux')} must stay a contiguous float64 array of shape "
                            f"(7 + 2 D, {self.n}); assign into it with [:]")
        if check_finite and not np.all(np.isfinite(a)):
            raise ValueError(f"{self._p('aux')} holds non-finite values")


class Izhikevich(_Integrating):
    r"""Izhikevich (2003) neurons, eqs. 1-3, in SI units.

    .. math::

        \frac{dv}{dt} = 0.04 v^2 + 5 v + 140 - u + I/C, \qquad
        \frac{du}{dt} = a (b v - u)

    in the paper's mV and ms; here v is in V and u in V/s (= mV/ms), so
    a, b are in 1/s (paper value x 1000), d in V/s (= paper value), and the
    input current I (A) enters as I / c_m (V/s; with the default c_m = 100 pF
    the paper's I = 10 is 1 nA).  At v >= v_peak (30 mV): v <- c, u <- u + d.
    Forward Euler at the network's dt (Izhikevich used 2 x 0.5 ms for v).

    Parameters (defaults: regular spiking)
    ----------
    a : 20 /s (0.02/ms); b : 200 /s (0.2/ms); c : -65 mV; d : 8 V/s (8 mV/ms);
    v_peak : 30 mV; c_m : 100 pF; v_init : c; u_init : b * v_init;
    synapses, tau_e, tau_i, e_e, e_i, i_bias : as :class:`LIF`.
    """

    _state_vars = ("v", "ge", "gi", "u")
    _kind = _IZHIKEVICH
    _param_names = ("a", "b", "c", "d", "v_peak", "c_m") + _SYN_PARAMS

    def __init__(self, n, a=20.0, b=200.0, c=-65 * mV, d=8.0, v_peak=30 * mV, c_m=100 * pF,
                 synapses="current", tau_e=5 * ms, tau_i=10 * ms, e_e=0 * mV, e_i=-80 * mV,
                 i_bias=0.0, v_init=None, u_init=None, name=None):
        NeuronGroup.__init__(self, n, name)
        f = V.check_float
        self.a = f(self._p("a"), a, 0, lo_open=True, unit="1/s")
        self.b = f(self._p("b"), b, unit="1/s")
        self.c = f(self._p("c"), c, unit="V")
        self.d = f(self._p("d"), d, unit="V/s")
        self.v_peak = f(self._p("v_peak"), v_peak, lo=self.c, lo_open=True, unit="V")
        self.c_m = f(self._p("c_m"), c_m, 0, lo_open=True, unit="F")
        self._u_init_spec = u_init
        _Integrating.__init__(self, n, synapses, tau_e, tau_i, e_e, e_i, i_bias,
                              self.c if v_init is None else v_init)

    def _init_state(self, rng, dt):
        super()._init_state(rng, dt)
        if self._u_init_spec is None:
            self.u[:] = self.b * self.v
        else:
            self.u[:] = V.per_neuron(self._p("u_init"), self._u_init_spec, self.n, rng, unit="V/s")
        del self.refrac        # no refractoriness in this model

    def _constants(self, dt):
        p = np.zeros(16)
        p[:12] = (self.a, self.b, self.c, self.d, self.v_peak, dt, 1.0 / self.c_m,
                  np.exp(-dt / self.tau_e), np.exp(-dt / self.tau_i), float(self.conductance),
                  self.e_e, self.e_i)
        return p


class PoissonGroup(NeuronGroup):
    """Independent Poisson spike sources.

    Each neuron spikes in a step with probability rate * dt.  Random numbers
    come from a counter-based stream (Philox4x64-10 keyed by the network seed
    and the group), so spikes do not depend on the thread count.  With
    constant rates the steps between spikes are drawn (geometric intervals,
    the same process at a cost per spike, not per step); a time course of
    rates is drawn step by step.

    Parameters
    ----------
    n : int
    rates : float, array (n,), or array (n_rows, n)
        Rates (Hz), >= 0 with rate * dt <= 1.  A 2-D array is a time course:
        row r applies during [r, r + 1) * rate_interval; the last row holds after.
    rate_interval : float, optional
        Duration of one row of a 2-D ``rates`` (s), a multiple of dt.
    """

    _kind = _POISSON
    accepts_input = False

    def __init__(self, n, rates, rate_interval=None, name=None):
        super().__init__(n, name)
        r = np.asarray(rates)
        if r.dtype.kind not in "iuf":
            raise TypeError(f"{self._p('rates')} must hold real numbers, got dtype {r.dtype}")
        if r.ndim > 2 or (r.ndim >= 1 and r.shape[-1] != n) or (r.ndim == 2 and r.shape[0] < 1):
            raise ValueError(f"{self._p('rates')} must be a scalar, shape ({n},) or "
                             f"(n_rows, {n}), got shape {np.shape(rates)}")
        r = np.array(np.broadcast_to(r, (n,)) if r.ndim == 0 else r, dtype=np.float64).reshape(-1, n)
        if not np.all(np.isfinite(r)) or r.min() < 0:
            raise ValueError(f"{self._p('rates')} must be finite and >= 0 Hz, got min {r.min()}")
        if r.shape[0] > 1 and rate_interval is None:
            raise ValueError(f"{self._p('rate_interval')} is required when rates has several rows")
        if rate_interval is not None:
            V.check_float(self._p("rate_interval"), rate_interval, 0, lo_open=True, unit="s")
        self.rates = r
        self.rate_interval = rate_interval

    def _init_state(self, rng, dt):
        self.prob = np.ascontiguousarray(self.rates * dt)
        if self.prob.max() > 1.0:
            raise ValueError(f"{self._p('rates')} must satisfy rate * dt <= 1 "
                             f"(rate <= {1 / dt:g} Hz at dt={dt} s), got max {self.rates.max()} Hz")
        self.row_steps = 1 if self.rate_interval is None else V.to_steps(
            self._p("rate_interval"), self.rate_interval, dt, min_steps=1)
        self.key = np.asarray(rng.integers(0, 2**63, size=2, dtype=np.int64), dtype=np.uint64)
        if self.prob.shape[0] == 1:     # constant rates: draw intervals, O(spikes) not O(n steps)
            with np.errstate(divide="ignore"):          # rate * dt = 1: log(0) = -inf, fine
                self.logq = np.log1p(-self.prob[0])
            self.next = np.full(self.n, self._net._k - 1, dtype=np.int64)
            self.ndraw = np.zeros(self.n, dtype=np.int64)


class SpikeTrains(NeuronGroup):
    """Replays given spikes: neuron ``indices[j]`` spikes at ``times[j]``.

    Times (s) are rounded to the nearest step; they must be >= the network
    time when the group is added, and a neuron may spike at most once per step.
    """

    _kind = _REPLAY
    accepts_input = False

    def __init__(self, n, indices, times, name=None):
        super().__init__(n, name)
        self._ids = V.as_index_array(self._p("indices"), indices, self.n)
        t = np.asarray(times)
        if t.dtype.kind not in "iuf":
            raise TypeError(f"{self._p('times')} must hold real numbers, got dtype {t.dtype}")
        t = np.asarray(t, dtype=np.float64)
        if t.ndim != 1 or t.shape[0] != self._ids.shape[0]:
            raise ValueError(f"{self._p('times')} must have the length of indices "
                             f"({self._ids.shape[0]}), got shape {t.shape}")
        if t.size and (not np.all(np.isfinite(t)) or t.min() < 0):
            raise ValueError(f"{self._p('times')} must be finite and >= 0 s")
        self._times = t

    def _init_state(self, rng, dt):
        steps = np.rint(self._times / dt).astype(np.int64)
        k_now = self._net._k
        if steps.size and steps.min() < k_now:
            raise ValueError(f"{self._p('times')} must be >= the network time "
                             f"{k_now * dt} s when the group is added, got {self._times.min()} s")
        order = np.lexsort((self._ids, steps))
        self.rp_step = np.ascontiguousarray(steps[order])
        self.rp_id = np.ascontiguousarray(self._ids[order])
        dup = (np.diff(self.rp_step) == 0) & (np.diff(self.rp_id) == 0)
        if np.any(dup):
            j = int(np.argmax(dup))
            raise ValueError(f"{self._p('times')}: neuron {self.rp_id[j]} spikes twice in the "
                             f"step at {self.rp_step[j] * dt} s")
        self.rp_pos = 0
