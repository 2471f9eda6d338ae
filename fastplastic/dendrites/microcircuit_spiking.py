"""Spiking (Poisson) version of the dendritic cortical microcircuit (Sacramento, Ponte Costa,
Bengio & Senn 2018, NeurIPS 31).

The rate version is :class:`fastplastic.learning.rules.DendriticMicrocircuit` (equations with
the NeurIPS paper's equation numbers, checked against its text, and the parametrisation
``W = lambda W^PP``). This module runs the same network in time with spiking neurons. The
paper's main text simulates rate neurons (r = phi(u), with noise); the spiking version is ours,
built from the paper's model (Eqs. 1-5) and its plasticity (Eqs. 7-9, the dendritic prediction
rule Eq. 6) in the spike-based form of Urbanczik & Senn 2014 (postsynaptic spike train in place
of the rate; :mod:`fastplastic.dendrites.urbanczik_senn`):

    spikes     every neuron (inputs too) emits a spike in a step of length dt with probability
               phi_max f(u) dt  (Bernoulli approximation of a Poisson process, phi_max dt <= 1);
               inputs use f = the presented rate x in [0, 1]
    PSP        each spike train S(t) = spikes / (phi_max dt) (in the rate units of f) is low-pass
               filtered, r~ <- r~ exp(-dt/tau_psp) + (1 - exp(-dt/tau_psp)) S, so that <r~> = f
    dendrites  basal v_B,l = (W_{l-1} r~_{l-1} + b_{l-1}) / lambda, apical v_A,l = B_l r~_{l+1}
               + W^PI_l r~^I_l, interneuron dendrite v^I_l = (W^IP_l r~_l + b^IP_l) / lambda_I
    somata     the rate version's conductance equations (Eqs. 1-2), integrated exactly over
               each step with inputs held (exponential step of the C soma kernel); the output is
               nudged towards the target potential y, interneurons towards the somatic potential
               u_{l+1} of the layer above (one channel g_som, equivalent to the paper's
               conductance pair, see the rate version)
    plasticity the three plastic rules with the postsynaptic rate replaced by the spike train
               and the presynaptic rate by the PSP (Urbanczik & Senn's form, without their
               h(V*) factor, as in Eq. 6), integrated over time:
               dW^PP_l ∝ (S_l - f(v^_B,l)) r~_{l-1}^T (Eq. 7),
               dW^IP_l ∝ (S^I_l - f(v^_I,l)) r~_l^T (Eq. 8),
               dW^PI_l ∝ -v_A,l (r~^I_l)^T (Eq. 9);
               top-down B_l fixed (or W^T, as in the rate rule; the paper's Eq. 10 not used)

Every quantity is averaged over the presentation after ``settle_time`` (and over the batch), so
that the accumulated updates estimate the rate version's per-batch updates; the estimate's
noise falls with the presentation time, tau_psp and phi_max. Rates must be nonnegative: layers
need a sigmoid, relu or hard_sigmoid nonlinearity. The rate version's conductances are per
``time_unit`` (s). Each presentation starts from the feedforward sweep (apical input zero,
interneurons at their dendritic prediction, PSPs at their means). Randomness: one
``numpy.random.Generator(Philox(seed))`` per circuit; a seed gives bit-identical runs.
"""
import numpy as np

from .. import _validate as V
from .._kernels import compartments as _k
from ..learning.activations import activate
from ..learning.rules.dendritic_microcircuit import DendriticMicrocircuit

__all__ = ["SpikingMicrocircuit"]

_NONNEGATIVE = ("sigmoid", "relu", "hard_sigmoid")
_NOTHING = ()


class SpikingMicrocircuit:
    """Sacramento et al. (2018) microcircuit with Poisson-spiking neurons.

    Parameters
    ----------
    net : MLP
        Forward weights (read live: learning them is left to the caller, see
        :meth:`forward_updates`). Every layer's nonlinearity must be nonnegative.
    rule : DendriticMicrocircuit
        Conductances, interneuron learning rates and the interneuron / top-down weights; must be
        bound to ``net`` (``rule.bind(net, rng)``). Its interneuron weights are learned in place
        by :meth:`learn_interneurons`.
    phi_max : float
        Maximal firing rate (Hz), > 0, with ``phi_max * dt <= 1``.
    dt : float
        Time step (s), > 0.
    tau_psp : float
        Time constant of the PSP low-pass filter (s), > 0.
    time_unit : float
        Time unit of the rule's conductances (s), > 0 (the paper's: 1 ms).
    settle_time : float
        Initial part of each presentation left out of averages and plasticity (s), >= 0.
    seed : int
        Seed of the spike stream, >= 0.
    """

    def __init__(self, net, rule, phi_max=1000.0, dt=5e-4, tau_psp=20e-3, time_unit=1e-3,
                 settle_time=30e-3, seed=0):
        if not isinstance(rule, DendriticMicrocircuit):
            raise TypeError(f"rule: expected a DendriticMicrocircuit, got {type(rule).__name__}")
        rule._check_bound(net)
        for l in range(1, net.n_layers + 1):
            if net.layer_activation(l) not in _NONNEGATIVE:
                raise ValueError(f"spiking rates must be nonnegative: layer {l} has activation "
                                 f"{net.layer_activation(l)!r}; allowed {', '.join(_NONNEGATIVE)}")
        self.net, self.rule = net, rule
        self.phi_max = V.check_float("phi_max", phi_max, 0, lo_open=True, unit="Hz")
        self.dt = V.check_float("dt", dt, 0, lo_open=True, unit="s")
        if self.phi_max * self.dt > 1.0:
            raise ValueError(f"phi_max * dt must be <= 1 (a spike probability per step), got "
                             f"{self.phi_max * self.dt}")
        self.tau_psp = V.check_float("tau_psp", tau_psp, 0, lo_open=True, unit="s")
        self.time_unit = V.check_float("time_unit", time_unit, 0, lo_open=True, unit="s")
        self.settle_time = V.check_float("settle_time", settle_time, 0, unit="s")
        self.rng = np.random.Generator(np.random.Philox(V.check_int("seed", seed, 0)))

    # ---- one presentation ----------------------------------------------------------------
    def _spikes(self, f):
        """Spike trains in rate units (0 or 1 / (phi_max dt)) for rates ``f`` in [0, 1]."""
        p = self.phi_max * self.dt
        return (self.rng.random(f.shape) < p * f) * (1.0 / p)

    def present(self, x, y=None, duration=0.2):
        """Run one presentation of the batch ``x`` (rates in [0, 1]) for ``duration`` seconds,
        with the output nudged towards ``y`` if given.

        Returns a dict of averages over the time after ``settle_time`` and over the batch:
        ``v_a`` (list over hidden layers 1..L-1 of the time-averaged apical potentials, shape
        (batch, n_l)), ``u`` (somatic potentials, layers 1..L), ``d_w``, ``d_b`` (the
        forward-weight plasticity terms, layers 1..L, shapes of ``W_{l-1}``, ``b_{l-1}``),
        ``d_w_ip``, ``d_b_ip``, ``d_w_pi`` (interneuron terms, hidden layers), ``rate_in``
        (mean input spike train) and ``steps`` (steps averaged).
        """
        net, rule = self.net, self.rule
        rule._check_bound(net)
        x = np.ascontiguousarray(net.check_input(x), dtype=np.float64)
        if np.any((x < 0) | (x > 1)):
            raise ValueError("x must hold rates in [0, 1]")
        B, L = x.shape[0], net.n_layers
        if y is not None:
            y = np.ascontiguousarray(y, dtype=np.float64)
            if y.shape != (B, net.sizes[-1]) or not np.all(np.isfinite(y)):
                raise ValueError(f"y must be finite with shape {(B, net.sizes[-1])}, got "
                                 f"{y.shape}")
        duration = V.check_float("duration", duration, 0, lo_open=True, unit="s")
        n_steps = max(int(round(duration / self.dt)), 1)
        first = min(int(round(self.settle_time / self.dt)), n_steps - 1)
        W = [np.asarray(w, np.float64) for w in net.weights]
        b = [np.asarray(bb, np.float64) for bb in net.biases]
        acts = [None] + [net.layer_activation(l) for l in range(1, L + 1)]
        top = [rule._b(net, l) for l in range(L - 1)]
        decay = np.exp(-self.dt / self.tau_psp)
        dt_c = self.dt / self.time_unit
        # feedforward start: apical 0, interneurons at their prediction, PSPs at their means
        u, psp = [None], [x.copy()]
        for l in range(1, L + 1):
            u.append(psp[-1] @ W[l - 1] + b[l - 1])
            psp.append(activate(acts[l], u[l]))
        u_i = [None] + [psp[l] @ rule.w_ip[l - 1] + rule.b_ip[l - 1] for l in range(1, L)]
        psp_i = [None] + [activate(acts[l + 1], u_i[l]) for l in range(1, L)]
        g_h, g_o, g_i = np.array([rule.g_b, rule.g_a]), np.array([rule.g_b]), np.array([rule.g_d])
        g_som = np.full(B * net.sizes[-1], rule.g_som)
        out = {"v_a": [None] + [np.zeros((B, n)) for n in net.sizes[1:L]],
               "u": [None] + [np.zeros((B, n)) for n in net.sizes[1:]],
               "d_w": [None] + [np.zeros_like(w) for w in W],
               "d_b": [None] + [np.zeros_like(bb) for bb in b],
               "d_w_ip": [None] + [np.zeros_like(w) for w in rule.w_ip],
               "d_b_ip": [None] + [np.zeros_like(bb) for bb in rule.b_ip],
               "d_w_pi": [None] + [np.zeros_like(w) for w in rule.w_pi],
               "rate_in": np.zeros_like(x)}
        for step in range(n_steps):
            # spikes from the current somatic rates, then PSPs
            s = [self._spikes(x)] + [self._spikes(activate(acts[l], u[l]))
                                     for l in range(1, L + 1)]
            s_i = [None] + [self._spikes(activate(acts[l + 1], u_i[l])) for l in range(1, L)]
            for l in range(L + 1):
                psp[l] *= decay
                psp[l] += (1.0 - decay) * s[l]
            for l in range(1, L):
                psp_i[l] *= decay
                psp_i[l] += (1.0 - decay) * s_i[l]
            # dendrites
            vhat = [None] + [psp[l - 1] @ W[l - 1] + b[l - 1] for l in range(1, L + 1)]
            vhat_i = [None] + [psp[l] @ rule.w_ip[l - 1] + rule.b_ip[l - 1] for l in range(1, L)]
            v_a = [None] + [psp[l + 1] @ top[l - 1] + psp_i[l] @ rule.w_pi[l - 1]
                            for l in range(1, L)]
            # somata (exact step; interneurons nudged by the pre-step u_{l+1})
            for l in range(1, L):
                ui = u_i[l]
                _k.soma_step(ui.reshape(-1), dt_c, rule.g_lk, 0.0, g_i,
                             ((vhat_i[l] / rule.lam_i).reshape(-1),), (g_som[:ui.size],),
                             (u[l + 1].reshape(-1),), None)
                _k.soma_step(u[l].reshape(-1), dt_c, rule.g_lk, 0.0, g_h,
                             ((vhat[l] / rule.lam_h).reshape(-1), v_a[l].reshape(-1)),
                             _NOTHING, _NOTHING, None)
            nudge = ((g_som,), (y.reshape(-1),)) if y is not None else (_NOTHING, _NOTHING)
            _k.soma_step(u[L].reshape(-1), dt_c, rule.g_lk, 0.0, g_o,
                         ((vhat[L] / rule.lam_o).reshape(-1),), *nudge, None)
            if step < first:
                continue
            # plasticity terms: (spike train - predicted rate) x PSP
            for l in range(1, L + 1):
                err = s[l] - activate(acts[l], vhat[l])
                out["d_w"][l] += psp[l - 1].T @ err
                out["d_b"][l] += err.sum(axis=0)
                out["u"][l] += u[l]
            for l in range(1, L):
                err_i = s_i[l] - activate(acts[l + 1], vhat_i[l])
                out["d_w_ip"][l] += psp[l].T @ err_i
                out["d_b_ip"][l] += err_i.sum(axis=0)
                out["d_w_pi"][l] -= psp_i[l].T @ v_a[l]
                out["v_a"][l] += v_a[l]
            out["rate_in"] += s[0]
        n_avg = n_steps - first
        for key in ("d_w", "d_b", "d_w_ip", "d_b_ip", "d_w_pi"):
            for a in out[key][1:]:
                a /= n_avg * B
        for key in ("v_a", "u"):
            for a in out[key][1:]:
                a /= n_avg
        out["rate_in"] /= n_avg
        out["steps"] = n_avg
        return out

    # ---- learning ------------------------------------------------------------------------
    def learn_interneurons(self, p):
        """Apply the interneuron plasticity of a presentation ``p`` with the rule's
        ``eta_ip`` / ``eta_pi`` (per sample, as in the rate version)."""
        rule = self.rule
        for l in range(1, self.net.n_layers):
            rule.w_ip[l - 1] += rule.eta_ip * p["d_w_ip"][l]
            rule.b_ip[l - 1] += rule.eta_ip * p["d_b_ip"][l]
            rule.w_pi[l - 1] += rule.eta_pi * p["d_w_pi"][l]

    def self_predict(self, x, duration=0.1):
        """One presentation without a target followed by the interneuron plasticity. Returns
        the mean squared time-averaged apical potential of the presentation."""
        p = self.present(x, None, duration)
        self.learn_interneurons(p)
        return self.apical_power(p)

    def apical_power(self, p):
        """Mean over hidden layers of the mean squared time-averaged apical potential."""
        return float(np.mean([np.mean(v ** 2) for v in p["v_a"][1:]])) \
            if self.net.n_layers > 1 else 0.0

    def forward_updates(self, p):
        """Gradient-like updates of the MLP's ``[W0, b0, ...]`` from a presentation (the rate
        rule's :meth:`~DendriticMicrocircuit.forward_updates` scaling, for an optimizer)."""
        rule, L = self.rule, self.net.n_layers
        grads = [None] * (2 * L)
        scale = rule.c_out
        for l in range(L, 0, -1):
            grads[2 * (l - 1)] = (-p["d_w"][l] / scale).astype(self.net.dtype)
            grads[2 * (l - 1) + 1] = (-p["d_b"][l] / scale).astype(self.net.dtype)
            scale *= rule.c_a * (1.0 - rule.c_i)
        return grads

    def __repr__(self):
        return (f"SpikingMicrocircuit(sizes={self.net.sizes}, phi_max={self.phi_max}, "
                f"dt={self.dt}, tau_psp={self.tau_psp})")
