"""Segregated dendrites (Guerguiev, Lillicrap & Richards 2017, eLife 6:e22901), rate version.

Sources and what is not checked: the paper's full text was not retrievable with this project's
search tools (only its abstract), so **no equation numbers are cited**; the equations below
follow the paper's model as described in its Results and Methods (Figs. 1-3) from memory, and
the default parameter values are the authors' published ones (their public code's parameter
list, read as facts: g_L = 1/tau_L = 0.1 /ms, g_B = g_D = 0.6 /ms, g_A = 0 (fully segregated;
0.05 /ms in their "attenuated apical conductance" variant), teacher reversal potentials
E_E = 8, E_I = -8, phases of 50 ms averaged over their last 20 ms, phi = phi_max sigma).

Model. Every hidden layer ``l`` is a population of three-compartment neurons (basal dendrite
``B``, apical dendrite ``A``, soma ``C``); the output layer ``L`` has two-compartment neurons
(basal dendrite ``V``, soma ``U``). Potentials are dimensionless (the paper's units), rates are
in units of phi_max, conductances are per unit capacitance in 1/s (SI):

    hidden soma   dC/dt = -g_L C + g_B (B - C) + g_A (A - C)
    basal         B     = W^b_{l-1} r_{l-1} + b^b_{l-1}        r_0 = x (input rates)
    apical        A     = Y_l r_L                               fixed random feedback Y_l from
                                                                the output ("broadcast")
    output soma   dU/dt = -g_L U + g_D (V - U) + I
    output basal  V     = W^b_{L-1} r_{L-1} + b^b_{L-1}
    teacher       I     = g_E (E_E - U) + g_I (E_I - U),  g_E = g_T y, g_I = g_T (1 - y)
                          (target phase only; y in [0, 1], one-hot for classification)
    rates         r_l   = f_l(C_l) (hidden: the MLP's nonlinearity), r_L = sigma(U)

With ``g_A = 0`` the apical compartment is electrotonically segregated: it does not drive the
soma, so the forward phase is exactly a feedforward pass; the teacher acts on the output somata
only. Each example is presented for a *forward phase* (no teacher) and then a *target phase*
(teacher on). At the end of each phase the apical compartment of each hidden neuron emits a
*plateau potential*, the phase-averaged apical potential through a sigmoid:

    alpha^f = sigma(<A>_f),   alpha^t = sigma(<A>_t)

The weight updates descend the paper's layer-wise losses,
``L^L = ||<r_L>_t - sigma(<U>_f)||^2`` (output) and ``L^l = ||alpha^t - alpha^f||^2`` (hidden):

    output:  Delta W^b_{L-1} ∝  k_D (<r_L>_t - sigma(<U>_f)) * sigma'(<U>_f)  <r_{L-1}>_f^T
    hidden:  Delta W^b_{l-1} ∝  k_B (alpha^t - alpha^f) * f'(<C_l>_f)        <r_{l-1}>_f^T

(biases alike), with ``k_D = g_D / (g_L + g_D)``, ``k_B = g_B / (g_L + g_B + g_A)``; the
presynaptic term is the forward-phase average rate (the paper's average PSP). Because
``alpha^t - alpha^f ≈ sigma'(<A>_f) * Y_l (<r_L>_t - <r_L>_f)``, the hidden update carries the
output error through random weights (feedback alignment, Lillicrap et al. 2016).

Time course. ``dt=None`` (default): the phase averages are the steady states (constant inputs;
the averaging window of the paper lies well after the ~1/g_tot = 1.4 ms relaxation), computed
with the exact compartment kernel (:func:`fastplastic._kernels.compartments.soma_step`, jump to
the conductance-weighted average); with ``g_A > 0`` the loop output -> apical -> soma is settled
by ``settle_steps`` sweeps. ``dt > 0``: each phase is integrated for ``phase_steps`` steps of
``dt`` (exact exponential step of the same kernel, dendrites instantaneous, layers updated
bottom-up within a step, apical input from the output rates of the previous step); the forward
phase starts at rest (C = U = 0), the target phase continues from the end of the forward phase,
and averages are taken over the last ``average_steps`` steps.

Simplifications (stated): rates instead of Poisson spikes and PSP kernels; batches of examples
in parallel (each starts its forward phase at rest); feedback biases omitted (zero); each
hidden layer draws its own Y_l (the paper's deeper networks use products of random matrices);
the paper's constant error-scaling factors (P_hidden, P_final) and learning rates are left to
the optimizer's learning rate. Parametrisation: the MLP's ``W_l, b_l`` are the *effective*
weights ``k W^b, k b^b`` (k = k_B for hidden layers, k_D for the output), so that the MLP's
feedforward pass is exactly the forward phase (``g_A = 0``), and its pre-activations are the
somatic potentials ``C``, ``U``; the update above is returned for these (a scale factor k).
"""
import numpy as np

from ..._kernels import compartments as _k
from ..activations import activate, derivative
from .base import LowRank, Rule, Step
from .dendritic_microcircuit import _positive
from .feedback_alignment import glorot_feedback

__all__ = ["SegregatedDendrites"]

_NOTHING = ()


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -500.0, 500.0)))


def _count(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name}={value!r}: must be an integer >= {low}")
    return int(value)


def _real(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not np.isfinite(value):
        raise ValueError(f"{name}={value!r}: must be a finite real number")
    return float(value)


class SegregatedDendrites(Rule):
    """Guerguiev et al. (2017) segregated-dendrite learning for an :class:`MLP`.

    The output layer must use the sigmoid (the paper's ``phi``, rates in units of phi_max);
    hidden layers may use any of the MLP's nonlinearities (the paper: sigmoid).

    Parameters
    ----------
    g_l, g_b, g_d : float
        Leak, basal->soma (hidden) and dendrite->soma (output) conductances per unit capacitance
        (1/s), > 0. Paper: 100, 600, 600.
    g_a : float
        Apical->soma conductance (1/s), >= 0. 0 = fully segregated apical dendrite (paper's
        default); > 0 lets feedback drive the hidden somata (paper's variant: 50).
    g_t : float
        Total teacher conductance of an output neuron in the target phase (1/s), > 0:
        ``g_E = g_t y``, ``g_I = g_t (1 - y)``. Paper: 1000.
    e_e, e_i : float
        Teacher reversal potentials (dimensionless), ``e_e > e_i``. Paper: 8, -8.
    feedback_scale : float
        Feedback weights ``Y_l ~ U(-a, a)`` with ``a = feedback_scale * sqrt(6 / (n_L + n_l))``,
        > 0.
    dt : float or None
        None: phase averages are steady states. Otherwise the integration step (s), > 0.
    phase_steps, average_steps : int
        Steps per phase (>= 1) and how many of the last ones are averaged
        (1 <= average_steps <= phase_steps); used when ``dt`` is given. Paper: 50 and 20 at
        dt = 1 ms.
    settle_steps : int
        Sweeps to the steady state when ``dt is None`` and ``g_a > 0`` (>= 1).
    loss : {"mse"}

    Attributes
    ----------
    feedback : list of arrays
        ``feedback[l]``, shape (n_out, n_l), for hidden layers l = 1..L-1 (index 0 unused).
    """

    name = "segregated"
    allowed_losses = ("mse",)

    def __init__(self, g_l=100.0, g_b=600.0, g_a=0.0, g_d=600.0, g_t=1000.0, e_e=8.0, e_i=-8.0,
                 feedback_scale=1.0, dt=None, phase_steps=50, average_steps=20, settle_steps=20,
                 loss="mse"):
        super().__init__(loss)
        self.g_l, self.g_b = _positive("g_l", g_l), _positive("g_b", g_b)
        self.g_d, self.g_t = _positive("g_d", g_d), _positive("g_t", g_t)
        if _real("g_a", g_a) < 0:
            raise ValueError(f"g_a={g_a!r}: must be >= 0")
        self.g_a = float(g_a)
        self.e_e, self.e_i = _real("e_e", e_e), _real("e_i", e_i)
        if not self.e_e > self.e_i:
            raise ValueError(f"e_e={e_e!r}, e_i={e_i!r}: need e_e > e_i")
        self.feedback_scale = _positive("feedback_scale", feedback_scale)
        self.dt = None if dt is None else _positive("dt", dt)
        self.phase_steps = _count("phase_steps", phase_steps, 1)
        self.average_steps = _count("average_steps", average_steps, 1)
        if self.average_steps > self.phase_steps:
            raise ValueError(f"average_steps={average_steps!r}: must be <= phase_steps="
                             f"{phase_steps!r}")
        self.settle_steps = _count("settle_steps", settle_steps, 1)
        self.k_b = self.g_b / (self.g_l + self.g_b + self.g_a)
        self.k_d = self.g_d / (self.g_l + self.g_d)

    # ---- state -------------------------------------------------------------------------
    def bind(self, net, rng):
        """Draw the fixed random feedback weights; the output must be sigmoid."""
        if net.output_activation != "sigmoid":
            raise ValueError(f"SegregatedDendrites needs output_activation='sigmoid' (output "
                             f"rates phi = sigma(U)), got {net.output_activation!r}")
        n_out = net.sizes[-1]
        self.feedback = [None] + [self.feedback_scale
                                  * glorot_feedback(rng, n_out, net.sizes[l], np.float64)
                                  for l in range(1, net.n_layers)]
        self._bound = tuple(net.sizes)

    def _check_bound(self, net):
        if getattr(self, "_bound", None) != tuple(net.sizes):
            raise RuntimeError("SegregatedDendrites: call bind(net, rng) for this network first "
                               "(train() does)")

    # ---- dynamics ----------------------------------------------------------------------
    def _soma(self, u, dt_c, l, L, basal, apical, teacher):
        """One kernel step of layer ``l``'s somata ``u`` (flattened in place)."""
        if l == L:
            g = np.array([self.g_d])
            dend = ((basal / self.k_d).reshape(-1),)
            if teacher is None:
                nudge_g = nudge_e = _NOTHING
            else:
                nudge_g, nudge_e = teacher
        else:
            g = np.array([self.g_b, self.g_a]) if self.g_a > 0 else np.array([self.g_b])
            dend = ((basal / self.k_b).reshape(-1),) + (
                (apical.reshape(-1),) if self.g_a > 0 else ())
            nudge_g = nudge_e = _NOTHING
        _k.soma_step(u.reshape(-1), dt_c, self.g_l, 0.0, g, dend, nudge_g, nudge_e, None)

    def _teacher(self, y):
        g_e = np.ascontiguousarray((self.g_t * y).reshape(-1))
        g_i = np.ascontiguousarray((self.g_t * (1.0 - y)).reshape(-1))
        n = g_e.size
        return (g_e, g_i), (np.full(n, self.e_e), np.full(n, self.e_i))

    def _phase(self, net, W, b, u, r, teacher, steps, dt_c, n_avg, update_hidden=True):
        """Advance the somata ``u`` (list, layers 1..L, updated in place) for ``steps`` sweeps;
        return the averages over the last ``n_avg``: somatic potentials, rates (0..L) and
        apical potentials (hidden layers)."""
        L = net.n_layers
        acc_u = [None] + [np.zeros_like(u[l]) for l in range(1, L + 1)]
        acc_r = [r[0]] + [np.zeros_like(u[l]) for l in range(1, L + 1)]
        acc_a = [None] + [np.zeros_like(u[l]) for l in range(1, L)]
        first = steps - n_avg
        live_apical = self.g_a > 0 or self.dt is not None     # else only the final one counts
        apical = [None] * L
        if update_hidden or L == 1:                           # the input is constant in a phase
            basal_1 = r[0] @ W[0]
            basal_1 += b[0]
        for step in range(steps):
            if live_apical:
                apical = [None] + [r[L] @ self.feedback[l] for l in range(1, L)]
            for l in range(1, L + 1):
                if l < L and not update_hidden:
                    continue
                if l == 1:
                    basal = basal_1
                else:
                    basal = r[l - 1] @ W[l - 1]
                    basal += b[l - 1]
                self._soma(u[l], dt_c, l, L, basal, apical[l] if l < L else None,
                           teacher if l == L else None)
                r[l] = activate(net.layer_activation(l), u[l])
            if step >= first:
                for l in range(1, L + 1):
                    acc_u[l] += u[l]
                    acc_r[l] += r[l]
                    if l < L and live_apical:
                        acc_a[l] += apical[l]
        if self.dt is None:                   # steady state: the apical of the final output
            acc_a = [None] + [r[L] @ self.feedback[l] * n_avg for l in range(1, L)]
        for acc in (acc_u, acc_r[1:], acc_a):
            for a in acc:
                if a is not None:
                    a /= n_avg
        return {"u": acc_u, "r": acc_r, "a": acc_a}

    def phases(self, net, x, y=None):
        """Run the forward phase and (with a target ``y`` of shape (batch, n_out), entries in
        [0, 1]) the target phase on a batch.

        Returns ``(forward, target)``: dicts with the phase averages ``u`` (somatic potentials
        C / U, layers 1..L), ``r`` (rates, layers 0..L) and ``a`` (apical potentials, hidden
        layers 1..L-1); ``target`` is None without ``y``.
        """
        self._check_bound(net)
        x = np.ascontiguousarray(net.check_input(x), dtype=np.float64)
        L, B = net.n_layers, x.shape[0]
        if y is not None:
            y = np.ascontiguousarray(y, dtype=np.float64)
            if y.shape != (B, net.sizes[-1]) or not np.all((y >= 0) & (y <= 1)):
                raise ValueError(f"y must have shape {(B, net.sizes[-1])} with entries in "
                                 f"[0, 1], got shape {y.shape}")
        W = [np.asarray(w, np.float64) for w in net.weights]
        b = [np.asarray(bb, np.float64) for bb in net.biases]
        u = [None] + [np.zeros((B, n)) for n in net.sizes[1:]]
        r = [x] + [activate(net.layer_activation(l), u[l]) for l in range(1, L + 1)]
        if self.dt is None:
            steps = self.settle_steps if self.g_a > 0 else 1
            dt_c, n_avg = -1.0, 1
        else:
            steps, dt_c, n_avg = self.phase_steps, self.dt, self.average_steps
        fwd = self._phase(net, W, b, u, r, None, steps, dt_c, n_avg)
        if y is None:
            return fwd, None
        # steady state and segregated apical: the teacher changes nothing below the output
        hidden_fixed = self.dt is None and self.g_a == 0
        tgt = self._phase(net, W, b, u, r, self._teacher(y), steps, dt_c, n_avg,
                          update_hidden=not hidden_fixed)
        return fwd, tgt

    def plateaus(self, net, x, y):
        """Plateau potentials ``(alpha^f, alpha^t)`` (lists over hidden layers 1..L-1)."""
        fwd, tgt = self.phases(net, x, y)
        return ([None] + [_sigmoid(a) for a in fwd["a"][1:]],
                [None] + [_sigmoid(a) for a in tgt["a"][1:]])

    # ---- trainer interface ---------------------------------------------------------------
    def updates(self, fwd, tgt, net):
        """Gradient-like updates of [W0, b0, ...] (LowRank / arrays) from the phase averages."""
        L, B = net.n_layers, fwd["r"][0].shape[0]
        grads = [None] * (2 * L)
        u_f = fwd["u"][L]
        d = -self.k_d * (tgt["r"][L] - _sigmoid(u_f)) * derivative("sigmoid", u_f) / B
        deltas = {L: d}
        for l in range(1, L):
            a_f, a_t = _sigmoid(fwd["a"][l]), _sigmoid(tgt["a"][l])
            deltas[l] = -self.k_b * (a_t - a_f) * derivative(net.layer_activation(l),
                                                             fwd["u"][l]) / B
        for l, d in deltas.items():
            grads[2 * (l - 1)] = LowRank(fwd["r"][l - 1].astype(net.dtype, copy=False),
                                         d.astype(net.dtype))
            grads[2 * (l - 1) + 1] = d.sum(axis=0).astype(net.dtype)
        return grads

    def step(self, net, x, y, rng):
        fwd, tgt = self.phases(net, x, y)
        return Step(self.updates(fwd, tgt, net), fwd["r"][-1].astype(net.dtype, copy=False))

    def predict(self, net, x):
        """Forward-phase output rates (the MLP's feedforward pass when ``g_a = 0`` and
        ``dt is None``, where the two are the same)."""
        if self.g_a == 0 and self.dt is None:
            return net.forward(x)
        return self.phases(net, x)[0]["r"][-1].astype(net.dtype, copy=False)

    def __repr__(self):
        return (f"SegregatedDendrites(g_l={self.g_l}, g_b={self.g_b}, g_a={self.g_a}, "
                f"g_d={self.g_d}, g_t={self.g_t}, dt={self.dt})")
