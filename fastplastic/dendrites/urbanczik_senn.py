"""Urbanczik & Senn (2014): learning by the dendritic prediction of somatic spiking.

Sources: the paper (Neuron 81:521-528, https://doi.org/10.1016/j.neuron.2013.11.030) was not
retrievable in full text with this project's search tools, so **no equation numbers are cited**
(earlier ones were from memory and are removed). The equations and the default parameters were
checked against NEST's implementation of the paper (models/pp_cond_exp_mc_urbanczik.h,
models/urbanczik_synapse.h and pynest/examples/urbanczik_synapse_example.py of
https://github.com/nest/nest-simulator; the example reproduces the paper's Fig. 1B and lists the
paper's unitless values: g_L = 0.1, g_D = 2 per ms, E_E = 14/3, E_I = -1/3, phi_max = 0.15 per
ms, k = 0.5, beta = 5, theta = 1, tau_Delta = 100 ms, PSP rise tau_s = 3 ms) and against the
model as Sacramento et al. 2018 (NeurIPS, Eq. 6 and Sec. 2.1) restate it.

Each neuron has a soma ``U`` and a dendrite ``V``:

    V(t)   = sum_j w_j PSP_j(t),      PSP_j = kappa * (input spikes of j),
    kappa(s) = (exp(-s/tau_l) - exp(-s/tau_s)) / (tau_l - tau_s),  s >= 0,
    dU/dt  = -g_l (U - e_l) + g_d (V - U) + g_e (e_e - U) + g_i (e_i - U),
    rate   phi(U) = phi_max / (1 + k exp(beta (theta - U))),  spikes Poisson with rate phi(U).

The dendritic prediction of the somatic potential is ``V* = g_d / (g_l + g_d) V`` (what the
soma settles to without somatic input, ``e_l = 0``), and the plasticity rule descends the
discrepancy between somatic firing ``S`` and the firing the dendrite predicts:

    PI_j(t) = (S(t) - phi(V*)) h(V*) PSP_j(t),   h = d ln phi / du,
    dw_j/dt = eta * PI_j low-pass filtered with time constant tau_delta.

In the rate version ``S = phi(U)`` (no spike noise). Somatic teacher input is a pair of
conductances ``g_e, g_i``; :func:`nudging_conductances` builds the pair that nudges the soma
towards a target potential with total conductance ``g_som``, so that the dendrite learns to
predict that target. Potentials are dimensionless (the paper's units, rest = 0, threshold of
phi ``theta`` = 1); conductances are per unit capacitance (1/s); time in s. The whole run is
the C kernel ``fp_us_run`` (O(T n m)); spikes use the counter-based Philox stream
(counter (step, i/4, 0, 0), word i%4), so a seed gives bit-identical runs.
"""
import numpy as np

from .. import _validate as V
from .._kernels import compartments as _k
from ..compartments import as_state_array

__all__ = ["UrbanczikSenn", "nudging_conductances"]


def nudging_conductances(u_target, g_som, e_e=14.0 / 3.0, e_i=-1.0 / 3.0):
    """Excitatory and inhibitory conductances (1/s) that sum to ``g_som`` and pull the soma
    towards ``u_target``: ``g_e (e_e - U) + g_i (e_i - U) = g_som (u_target - U)`` (the pair
    ``g_exc``, ``g_inh`` of Sacramento et al. 2018, Sec. 2.1).

    ``u_target`` must lie in [e_i, e_e] (both conductances are then >= 0).
    """
    g_som = V.check_float("g_som", g_som, 0, unit="1/s")
    e_e = V.check_float("e_e", e_e)
    e_i = V.check_float("e_i", e_i, hi=e_e, hi_open=True)
    u = np.asarray(u_target, dtype=np.float64)
    if not np.all(np.isfinite(u)) or u.min(initial=e_i) < e_i or u.max(initial=e_e) > e_e:
        raise ValueError(f"u_target must be finite and within [e_i, e_e] = [{e_i}, {e_e}]")
    g_e = g_som * (u - e_i) / (e_e - e_i)
    return g_e, g_som - g_e


class UrbanczikSenn:
    """``n`` Urbanczik-Senn two-compartment neurons sharing ``n_in`` plastic dendritic inputs.

    Parameters
    ----------
    n_in : int
        Presynaptic inputs (synapses per neuron), >= 1.
    n : int
        Neurons, >= 1.
    dt : float
        Time step (s), > 0.
    spiking : bool
        Poisson spikes with rate phi(U) (True) or the rate version S = phi(U) (False).
    g_l, g_d : float
        Somatic leak and dendro-somatic coupling (1/s); paper: 0.1 and 2 per ms.
    e_l, e_e, e_i : float
        Reversal potentials of leak, excitatory and inhibitory somatic input (dimensionless;
        paper: 0, 14/3, -1/3).
    phi_max, k, beta, theta : float
        Rate function phi (phi_max in 1/s; paper: 0.15 per ms, 0.5, 5, 1).
    tau_l, tau_s : float
        Decay and rise time of the PSP kernel (s), ``tau_l > tau_s > 0``; paper 10 and 3 ms.
    tau_delta : float
        Low-pass time constant of the plasticity induction PI (s); paper 100 ms.
    eta : float
        Learning rate (unit of w per unit of PI per s), >= 0.
    w_init : float or array (n, n_in)
        Initial weights.
    seed : int
        Seeds the spike stream.
    """

    def __init__(self, n_in, n=1, dt=1e-4, spiking=True, g_l=100.0, g_d=2000.0, e_l=0.0,
                 e_e=14.0 / 3.0, e_i=-1.0 / 3.0, phi_max=150.0, k=0.5, beta=5.0, theta=1.0,
                 tau_l=10e-3, tau_s=3e-3, tau_delta=100e-3, eta=1e-3, w_init=0.0, seed=0):
        self.n_in, self.n = V.check_int("n_in", n_in, 1), V.check_int("n", n, 1)
        self.dt = V.check_float("dt", dt, 0, lo_open=True, unit="s")
        self.spiking = bool(spiking)
        f = V.check_float
        self.g_l, self.g_d = f("g_l", g_l, 0, lo_open=True, unit="1/s"), f("g_d", g_d, 0,
                                                                            unit="1/s")
        self.e_l, self.e_e, self.e_i = f("e_l", e_l), f("e_e", e_e), f("e_i", e_i)
        self.phi_params = np.array([f("phi_max", phi_max, 0, lo_open=True, unit="1/s"),
                                    f("k", k, 0, lo_open=True), f("beta", beta, 0, lo_open=True),
                                    f("theta", theta)])
        if phi_max * self.dt > 1.0:
            raise ValueError(f"phi_max * dt must be <= 1 (a spike probability per step), got "
                             f"{phi_max * self.dt}")
        self.tau_s = f("tau_s", tau_s, 0, lo_open=True, unit="s")
        self.tau_l = f("tau_l", tau_l, self.tau_s, lo_open=True, unit="s")
        self.tau_delta = f("tau_delta", tau_delta, 0, lo_open=True, unit="s")
        self.eta = f("eta", eta, 0)
        shape = (self.n, self.n_in)
        self.w = (np.full(shape, f("w_init", w_init)) if np.ndim(w_init) == 0
                  else as_state_array("w_init", w_init, shape).copy())
        self.pi = np.zeros(shape)
        self.u = np.full(self.n, self.e_l)
        self.xl, self.xs = np.zeros(self.n_in), np.zeros(self.n_in)
        rng = np.random.default_rng(V.check_int("seed", seed, 0))
        self.key = np.asarray(rng.integers(0, 2**63, size=2, dtype=np.int64), dtype=np.uint64)
        self.step_count = 0

    @property
    def attenuation(self):
        """g_d / (g_l + g_d): the factor from dendritic potential V to its prediction V*."""
        return self.g_d / (self.g_l + self.g_d)

    def constants(self):
        """The 16 per-step constants the kernel takes (layout in fp_compartments.h)."""
        dt = self.dt
        return np.concatenate([self.phi_params, [
            self.g_l, self.g_d, self.e_l, self.e_e, self.e_i, dt, dt,
            np.exp(-dt / self.tau_l), np.exp(-dt / self.tau_s), 1.0 / (self.tau_l - self.tau_s),
            np.exp(-dt / self.tau_delta), self.eta * dt]])

    def phi(self, u):
        """Firing rate phi(u) (1/s) and h(u) = d ln phi / du, elementwise."""
        u = np.ascontiguousarray(u, dtype=np.float64).ravel()
        if not np.all(np.isfinite(u)):
            raise ValueError("u must be finite")
        phi, h = np.empty_like(u), np.empty_like(u)
        _k.us_phi(self.phi_params, u, phi, h)
        return phi, h

    def run(self, drive, g_e=None, g_i=None, learn=True, record=True):
        """Simulate ``T = len(drive)`` steps.

        Parameters
        ----------
        drive : array (T, n_in)
            Input arriving at each step: presynaptic spike counts, or rate * dt (rates in 1/s)
            for a rate-coded input. Entries >= 0.
        g_e, g_i : array (T, n) or (T,) or None
            Somatic teacher conductances (1/s), >= 0; None = no somatic input.
        learn : bool
            Apply the weight updates (PI is filtered either way).
        record : bool
            Return the traces of U and V* (else only spikes).

        Returns
        -------
        dict with ``u`` and ``vstar`` (T, n) if ``record``, ``spikes`` (T, n) uint8 if spiking.
        """
        drive = np.asarray(drive)
        if drive.ndim != 2 or drive.shape[1] != self.n_in:
            raise ValueError(f"drive must have shape (T, {self.n_in}), got {drive.shape}")
        T = drive.shape[0]
        drive = as_state_array("drive", drive, drive.shape)
        if drive.size and drive.min() < 0:
            raise ValueError(f"drive must be >= 0, got a minimum of {drive.min()}")
        g = []
        for name, val in (("g_e", g_e), ("g_i", g_i)):
            val = np.zeros((T, self.n)) if val is None else np.asarray(val, dtype=np.float64)
            if val.ndim == 1 and val.shape[0] == T:
                val = val[:, None]
            val = as_state_array(name, np.broadcast_to(val, (T, self.n)) if val.ndim == 2
                                 and val.shape[0] == T else val, (T, self.n))
            if val.size and val.min() < 0:
                raise ValueError(f"{name} must be >= 0 (1/s), got a minimum of {val.min()}")
            g.append(val)
        spikes = np.zeros((T, self.n), np.uint8) if self.spiking else None
        rec_u = np.empty((T, self.n)) if record else None
        rec_v = np.empty((T, self.n)) if record else None
        _k.us_run(self.constants(), bool(learn), drive, g[0], g[1], self.xl, self.xs, self.w,
                  self.pi, self.u, self.key, self.step_count, spikes, rec_u, rec_v)
        self.step_count += T
        if not np.all(np.isfinite(self.w)):
            raise FloatingPointError("UrbanczikSenn: weights became non-finite; lower eta")
        out = {}
        if record:
            out["u"], out["vstar"] = rec_u, rec_v
        if spikes is not None:
            out["spikes"] = spikes
        return out
