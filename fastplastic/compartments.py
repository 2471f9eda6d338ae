"""Two- and three-compartment neurons with passive, instantaneous dendrites.

A soma of potential ``u`` is coupled by conductances ``g_d[j]`` to dendritic compartments
whose potentials ``v_d[j]`` are given each step (in the models below they are weighted sums of
synaptic input, as in Urbanczik & Senn 2014 [1]_ and Sacramento et al. 2018, Eqs. 3-5 [2]_;
the somata are Sacramento et al.'s Eqs. 1-2), plus conductance channels that nudge it (teacher
input) and a current:

    C du/dt = g_l (e_l - u) + sum_j g_d[j] (v_d[j] - u) + sum_c g_c (e_c - u) + i_ext.

With the inputs held over a step the equation is linear in ``u`` and is integrated exactly
(exponential Euler): ``u`` relaxes with rate ``g_tot / C`` to the conductance-weighted average

    u_inf = (g_l e_l + sum_j g_d[j] v_d[j] + sum_c g_c e_c + i_ext) / g_tot,
    g_tot = g_l + sum_j g_d[j] + sum_c g_c.

The loop is the C kernel ``fp_soma_step`` (csrc/fp_compartments.c). Units: any consistent
set; SI (S, F, V, A, s) or, as in the papers, conductances per unit capacitance (``c = 1``,
conductances in 1/s) and dimensionless potentials.

The Urbanczik-Senn neuron with its dendritic prediction rule lives in
:mod:`fastplastic.dendrites.urbanczik_senn`; the network-level models (Sacramento et al.
microcircuit, Guerguiev et al. segregated dendrites, Payeur et al. burstprop) are learning rules
in :mod:`fastplastic.learning.rules`.

References
----------
.. [1] Urbanczik R, Senn W (2014) Learning by the dendritic prediction of somatic spiking.
   Neuron 81:521-528.
.. [2] Sacramento J, Ponte Costa R, Bengio Y, Senn W (2018) Dendritic cortical microcircuits
   approximate the backpropagation algorithm. NeurIPS 31.
"""
import numpy as np

from . import _validate as V
from ._kernels import compartments as _k

__all__ = ["CompartmentNeurons", "TwoCompartment", "ThreeCompartment", "as_state_array"]


def as_state_array(name, value, shape):
    """``value`` as a C-contiguous finite float64 array of exactly ``shape``."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {int((~np.isfinite(arr)).sum())} "
                         "non-finite values")
    return arr


def _shape(n, batch):
    n = V.check_int("n", n, 1)
    if batch is None:
        return (n,)
    return (V.check_int("batch", batch, 1), n)


class CompartmentNeurons:
    """A group of somata, each coupled to ``len(g_dend)`` passive dendritic compartments.

    Parameters
    ----------
    n : int
        Neurons, >= 1.
    g_l : float
        Somatic leak conductance (S, or 1/s with ``c = 1``), > 0.
    g_dend : sequence of float
        Dendrite-to-soma coupling conductances (same unit as ``g_l``), each >= 0; 1 to 4 of them.
    e_l : float
        Leak reversal potential (V).
    c : float
        Somatic capacitance (F, or 1 for conductances per capacitance), > 0.
    batch : int, optional
        If given, the state is ``(batch, n)``: ``batch`` independent copies of the group
        (samples of a mini-batch in the rate networks).
    u_init : float
        Initial somatic potential (V).
    """

    def __init__(self, n, g_l, g_dend, e_l=0.0, c=1.0, batch=None, u_init=0.0):
        self.shape = _shape(n, batch)
        self.n = self.shape[-1]
        self.g_l = V.check_float("g_l", g_l, 0, lo_open=True, unit="S")
        g_dend = tuple(g_dend) if np.ndim(g_dend) else (g_dend,)
        if not 1 <= len(g_dend) <= _k.MAX_DEND:
            raise ValueError(f"g_dend must hold 1 to {_k.MAX_DEND} conductances, "
                             f"got {len(g_dend)}")
        self.g_dend = np.array([V.check_float(f"g_dend[{j}]", g, 0, unit="S")
                                for j, g in enumerate(g_dend)])
        self.e_l = V.check_float("e_l", e_l, unit="V")
        self.c = V.check_float("c", c, 0, lo_open=True, unit="F")
        self.u = np.full(self.shape, V.check_float("u_init", u_init, unit="V"))

    def _inputs(self, v_dend, nudge, i_ext):
        if not isinstance(v_dend, (list, tuple)) or len(v_dend) != len(self.g_dend):
            raise ValueError(f"v_dend must be a list of {len(self.g_dend)} arrays of shape "
                             f"{self.shape} (one per dendrite), got {type(v_dend).__name__}"
                             f"{'' if not hasattr(v_dend, '__len__') else f' of {len(v_dend)}'}")
        vd = tuple(as_state_array(f"v_dend[{j}]", v, self.shape).ravel()
                   for j, v in enumerate(v_dend))
        if len(nudge) > _k.MAX_NUDGE:
            raise ValueError(f"nudge must hold at most {_k.MAX_NUDGE} (g, e) pairs, "
                             f"got {len(nudge)}")
        gn, en = [], []
        for c, pair in enumerate(nudge):
            if len(pair) != 2:
                raise ValueError(f"nudge[{c}] must be a (conductance, reversal) pair")
            g = as_state_array(f"nudge[{c}] conductance", np.broadcast_to(pair[0], self.shape),
                               self.shape)
            if g.min(initial=0.0) < 0:
                raise ValueError(f"nudge[{c}] conductance must be >= 0 S, got {g.min()}")
            gn.append(g.ravel())
            en.append(as_state_array(f"nudge[{c}] reversal",
                                     np.broadcast_to(pair[1], self.shape), self.shape).ravel())
        ie = None if i_ext is None else as_state_array(
            "i_ext", np.broadcast_to(i_ext, self.shape), self.shape).ravel()
        return vd, tuple(gn), tuple(en), ie

    def step(self, dt, v_dend, nudge=(), i_ext=None):
        """Advance the somata by ``dt`` (s) with dendritic potentials ``v_dend`` (V, one array of
        the state's shape per dendrite), conductance channels ``nudge`` = ``[(g, e), ...]``
        (S, V; scalars or arrays) and current ``i_ext`` (A); returns ``u``."""
        dt = V.check_float("dt", dt, 0, lo_open=True, unit="s")
        self._advance(dt / self.c, v_dend, nudge, i_ext)
        return self.u

    def steady_state(self, v_dend, nudge=(), i_ext=None):
        """Set ``u`` to the fixed point (the conductance-weighted average) and return it."""
        self._advance(-1.0, v_dend, nudge, i_ext)
        return self.u

    def _advance(self, dt_c, v_dend, nudge, i_ext):
        vd, gn, en, ie = self._inputs(v_dend, nudge, i_ext)
        _k.soma_step(self.u.reshape(-1), dt_c, self.g_l, self.e_l, self.g_dend, vd, gn, en, ie)

    def __repr__(self):
        return (f"{type(self).__name__}(shape={self.shape}, g_l={self.g_l}, "
                f"g_dend={tuple(self.g_dend)})")


class TwoCompartment(CompartmentNeurons):
    """Soma + one dendrite coupled by ``g_d`` (Urbanczik & Senn 2014; also the interneuron of
    Sacramento et al. 2018, Eq. 2):
    ``C dU/dt = g_l (e_l - U) + g_d (V - U) + sum_c g_c (e_c - U) + i_ext``.

    Parameters as :class:`CompartmentNeurons` with ``g_dend = (g_d,)``; ``step`` and
    ``steady_state`` take ``v_dend=[V]``. Without nudging the steady state is
    ``(g_l e_l + g_d V) / (g_l + g_d)``, which for ``e_l = 0`` is the dendritic prediction
    ``V* = g_d V / (g_l + g_d)`` of the paper (no equation number: the paper's full text was not
    available; checked against NEST's implementation, see
    :mod:`fastplastic.dendrites.urbanczik_senn`).
    """

    def __init__(self, n, g_l, g_d, e_l=0.0, c=1.0, batch=None, u_init=0.0):
        super().__init__(n, g_l, (g_d,), e_l, c, batch, u_init)


class ThreeCompartment(CompartmentNeurons):
    """Soma + basal (``g_b``) + apical (``g_a``) dendrites: the pyramidal neuron of Sacramento
    et al. (2018), Eq. 1: ``C du/dt = -g_lk u + g_B (v_B - u) + g_A (v_A - u) + i_som`` (Eq. 1
    has noise, no i_som; the output neurons' teaching current, Sec. 2.1, is an i_som).

    ``v_dend = [v_basal, v_apical]``. Without somatic input the steady state is
    ``(g_l e_l + g_b v_B + g_a v_A) / (g_l + g_b + g_a)``.
    """

    def __init__(self, n, g_l, g_b, g_a, e_l=0.0, c=1.0, batch=None, u_init=0.0):
        super().__init__(n, g_l, (g_b, g_a), e_l, c, batch, u_init)
