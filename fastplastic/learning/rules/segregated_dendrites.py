"""Segregated dendrites (Guerguiev, Lillicrap & Richards 2017, eLife 6:e22901), rate version.

Sources: equation numbers are those of the eLife article (https://elifesciences.org/articles/22901;
Results Eqs. 1-10, Materials and methods Eqs. 11-40), checked against its full text; the paper
names the hidden potentials V^0 (soma), V^0b (basal), V^0a (apical) and the output V^1 (soma),
V^1b (dendrite), written C, B, A, U, V below (the names in the authors' code). Default
parameters are Table 1's (dt = 1 ms, g_l = 0.1, g_b = g_d = 0.6, g_a = 0 / 0.05 / 0.6,
E_E = 8, E_I = -8, settling Delta t_s = 30 ms) and the Methods' (phases of >= 50 ms),
converted to 1/s; the teacher's unit conductance is the authors' code's
(https://github.com/jordan-g/Segregated-Dendrite-Deep-Learning, read for facts only).

Model. Every hidden layer ``l`` is a population of three-compartment neurons (basal dendrite
``B``, apical dendrite ``A``, soma ``C``); the output layer ``L`` has two-compartment neurons
(basal dendrite ``V``, soma ``U``). Potentials are dimensionless (the paper's units), rates are
in units of phi_max, conductances are per unit capacitance in 1/s (SI):

    hidden soma   dC/dt = -g_L C + g_B (B - C) + g_A (A - C)                 Eqs. 1, 14
    basal         B     = W^b_{l-1} r_{l-1} + b^b_{l-1}    r_0 = x (input)   Eqs. 2, 13
    apical        A     = Y_l r_L      fixed random feedback Y_l from the    Eqs. 2, 13
                                       output ("broadcast")                  (several hidden
                                                                             layers: 38-40)
    output soma   dU/dt = -g_L U + g_D (V - U) + I                           Eqs. 4, 19
    output basal  V     = W^b_{L-1} r_{L-1} + b^b_{L-1}                      Eqs. 4, 18
    teacher       I     = g_E (E_E - U) + g_I (E_I - U),  g_E = g_T y,       Eq. 20
                          g_I = g_T (1 - y) (target phase only; y in [0, 1])
    rates         r_l   = f_l(C_l) (hidden: the MLP's nonlinearity),         Eqs. 3, 17
                  r_L   = sigma(U)                     (paper: phi_max sigma, both)

With ``g_A = 0`` the apical compartment is electrotonically segregated: it does not drive the
soma, so the forward phase is exactly a feedforward pass; the teacher acts on the output somata
only. Each example is presented for a *forward phase* (no teacher) and then a *target phase*
(teacher on). At the end of each phase the apical compartment of each hidden neuron emits a
*plateau potential*, the phase-averaged apical potential (averaged after a settling time,
Eq. 22) through a sigmoid (Eqs. 5, 21):

    alpha^f = sigma(<A>_f),   alpha^t = sigma(<A>_t)

The weight updates descend the paper's layer-wise losses, ``L^L = ||<r_L>_t - sigma(<U>_f)||^2``
(output, Eq. 23 with the target phi^1* = <phi^1>_t of Eq. 6; ≈ Eq. 7) and, with the hidden
target phi^0* = <r_l>_f + alpha^t - alpha^f (Eqs. 8, 31), ``L^l = ||phi^0* - f(<C>_f)||^2``
(Eq. 30) ≈ ``||alpha^t - alpha^f||^2`` (Eqs. 9, 32); target-phase quantities are held fixed:

    output (Eqs. 28-29): dW^b_{L-1} ∝ k_D (<r_L>_t - sigma(<U>_f)) sigma'(<U>_f) <r_{L-1}>_f^T
    hidden (Eqs. 33, 35): dW^b_{l-1} ∝ k_B (alpha^t - alpha^f) f'(<C_l>_f)       <r_{l-1}>_f^T

(biases alike; Eq. 10 in Results), with ``k_D = g_D / (g_L + g_D)`` (Eq. 27, from the
steady state <U>_f ≈ k_D <V>_f, Eq. 26), ``k_B = g_B / (g_L + g_B + g_A)`` (Eq. 34); the
presynaptic term is the forward-phase average rate (the paper's average filtered spike train
s-bar^f). Because ``alpha^t - alpha^f ≈ sigma'(<A>_f) * Y_l (<r_L>_t - <r_L>_f)``, the hidden
update carries the output error through random weights (feedback alignment, Lillicrap et al.
2016; the paper's Theorem 1 states when reducing L^0 reduces L^1).

Time course. ``dt=None`` (default): the phase averages are the steady states (constant inputs;
the averaging window of the paper lies well after the ~1/g_tot = 1.4 ms relaxation), computed
with the exact compartment kernel (:func:`fastplastic._kernels.compartments.soma_step`, jump to
the conductance-weighted average); with ``g_A > 0`` the loop output -> apical -> soma is settled
by ``settle_steps`` sweeps. ``dt > 0``: each phase is integrated for ``phase_steps`` steps of
``dt`` (exact exponential step of the same kernel, dendrites instantaneous, layers updated
bottom-up within a step as in the paper's Methods, apical input from the output rates of the
previous step); the forward phase starts at rest (C = U = 0), the target phase continues from
the end of the forward phase, and averages are taken over the last ``average_steps`` steps.

Departures from the paper (paper / here / why):

- neurons: Poisson spikes filtered by the PSP kernel (Eqs. 11-12, 17) / rates, r = f(C) /
  deterministic rate version; a spike-free limit of the same averages.
- phases: 50 ms plus a Wald-distributed extra length, averages after Delta t_s = 30 ms (Eq. 22) /
  fixed ``phase_steps`` and ``average_steps`` (or the steady state) / the paper reports the
  lengths do not matter once the network has settled.
- integration: forward Euler at dt = 1 ms (authors' code) / exact exponential step / same fixed
  point, stable at any dt.
- teacher: Eq. 19 adds I to tau dV/dt, which read literally scales the unit teacher conductances
  of Eq. 20 by g_l / the authors' code's C dU/dt = ... + I with g_E + g_I = 1 /ms (g_T = 1000/s)
  / the code is what produced the paper's results.
- feedback: one fixed random Y per hidden layer from the output, no feedback bias (Eqs. 13,
  38-40; the authors' code adds a bias c and draws Y as products of random matrices) / Y_l drawn
  Glorot-uniform per layer, no bias / the paper's equations.
- state: carried over from one example to the next (authors' code) / every batch starts at rest
  / batches of independent examples.
- scale: error scaling factors P^0 = 20/phi_max, P^1 = 20/phi_max^2 and per-layer learning
  rates (Eqs. 29, 35) / left to the optimizer's learning rate / constant factors only.
- hidden nonlinearity: phi_max sigma / any of the MLP's / the update uses f' either way.

Parametrisation: the MLP's ``W_l, b_l`` are the *effective* weights ``k W^b, k b^b`` (k = k_B
for hidden layers, k_D for the output), so that the MLP's feedforward pass is exactly the forward
phase (``g_A = 0``), and its pre-activations are the somatic potentials ``C``, ``U``; the update
above is returned for these (a scale factor k).
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
        (1/s), > 0. Paper (Table 1, per ms): 0.1, 0.6, 0.6.
    g_a : float
        Apical->soma conductance (1/s), >= 0. 0 = fully segregated apical dendrite (paper's
        default); > 0 lets feedback drive the hidden somata (paper, Table 1 and Fig. 9: 50 =
        strong attenuation, still learns; 600 = weak attenuation, impairs learning).
    g_t : float
        Total teacher conductance of an output neuron in the target phase (1/s), > 0:
        ``g_E = g_t y``, ``g_I = g_t (1 - y)`` (Eq. 20: 0 or 1 per unit; 1 /ms in the authors'
        code, i.e. 1000).
    e_e, e_i : float
        Teacher reversal potentials (dimensionless), ``e_e > e_i``. Paper: 8, -8.
    feedback_scale : float
        Feedback weights ``Y_l ~ U(-a, a)`` with ``a = feedback_scale * sqrt(6 / (n_L + n_l))``,
        > 0.
    dt : float or None
        None: phase averages are steady states. Otherwise the integration step (s), > 0.
    phase_steps, average_steps : int
        Steps per phase (>= 1) and how many of the last ones are averaged
        (1 <= average_steps <= phase_steps); used when ``dt`` is given. Paper: >= 50 and the
        steps after Delta t_s = 30 (Eq. 22), i.e. 20, at dt = 1 ms.
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
