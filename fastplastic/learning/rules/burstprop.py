"""Burst-dependent plasticity (Payeur, Guerguiev, Zenke, Richards & Naud 2021, Nat. Neurosci.
24:1010), rate-level ensemble version ("burstprop").

Each layer is an ensemble of two-compartment pyramidal neurons that multiplex two signals: the
event rate ``e_l`` (somatic, driven by the layer below, carried forward) and the burst
probability ``p_l`` (set by the apical dendrite, carried backward as the burst rate
``b_l = p_l e_l``). In the ensemble description of the paper (equations from memory, numbers
not re-checked):

    e_l   = f(W_{l-1} e_{l-1} + b_{l-1})                       event rate (feedforward)
    a_l   = Y_l b_{l+1} - Z_l e_{l+1}                           apical input: burst-rate feedback
                                                                minus event-rate inhibition
    p_l   = sigma(beta a_l + alpha_l)                           burst probability
    output: p_L = p_bar + (teacher) (y - e_L) * gain, clipped to [0, 1]
    dW_{l-1} = eta ((p_l - p_bar_l) * e_l') e_{l-1}^T           burst-dependent rule

``p_bar_l`` is the burst probability without teacher (the moving average the paper uses; here
the value of the same batch without the teacher, the ensemble limit). ``Z_l = Y_l p_bar`` cancels
the feedback in the absence of a teacher (the role of the recurrent inhibition), so that
``p_l - p_bar_l ≈ sigma'(.) beta Y_l (p_{l+1} - p_bar_{l+1}) e_{l+1}``: the burst probability
deviation carries a feedback-alignment error. ``e_l'`` is f' at the ensemble input (the
ensemble's gain). Updates are divided by ``teacher_gain`` (a learning-rate scale only). Event
rates must be nonnegative (sigmoid/relu layers): with signed rates the burst-rate feedback
``(p - p_bar) e`` would flip the error's sign.
"""
import numpy as np

from ..activations import derivative
from .base import Rule, Step
from .dendritic_microcircuit import _positive
from .feedback_alignment import glorot_feedback

__all__ = ["Burstprop"]

_NONNEGATIVE = ("sigmoid", "relu", "hard_sigmoid")


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


class Burstprop(Rule):
    """Payeur et al. (2021) burst-dependent plasticity, rate-level ensemble version.

    Parameters
    ----------
    p_base : float
        Baseline output burst probability without teacher, in (0, 1).
    teacher_gain : float
        How far the teacher moves the output burst probability per unit error, > 0.
    beta : float
        Slope of the apical-input -> burst-probability sigmoid, > 0.
    loss : {"mse"}
    """

    name = "burstprop"
    allowed_losses = ("mse",)

    def __init__(self, p_base=0.2, teacher_gain=0.1, beta=4.0, loss="mse"):
        super().__init__(loss)
        if isinstance(p_base, bool) or not np.isfinite(p_base) or not 0 < p_base < 1:
            raise ValueError(f"p_base={p_base!r}: must lie in (0, 1)")
        self.p_base = float(p_base)
        self.teacher_gain = _positive("teacher_gain", teacher_gain)
        self.beta = _positive("beta", beta)
        self.alpha = float(np.log(self.p_base / (1.0 - self.p_base)))   # sigma(alpha) = p_base

    def bind(self, net, rng):
        """Fixed random feedback ``Y_l``; event rates must be >= 0 (they carry the sign-free
        burst rates), so every layer needs a nonnegative nonlinearity."""
        for l in range(1, net.n_layers + 1):
            if net.layer_activation(l) not in _NONNEGATIVE:
                raise ValueError(f"Burstprop needs nonnegative event rates: layer {l} has "
                                 f"activation {net.layer_activation(l)!r}; allowed "
                                 f"{', '.join(_NONNEGATIVE)}")
        self.feedback = [None] + [glorot_feedback(rng, net.sizes[l + 1], net.sizes[l],
                                                  np.float64) for l in range(1, net.n_layers)]

    def burst_probabilities(self, net, zs, hs, y):
        """Burst probabilities ``p_l`` (with teacher) and ``p_bar_l`` (without), layers 1..L."""
        L = net.n_layers
        e = [np.asarray(h, np.float64) for h in hs]
        p_bar = [None] * (L + 1)
        p = [None] * (L + 1)
        p_bar[L] = np.full_like(e[L], self.p_base)
        p[L] = np.clip(self.p_base + self.teacher_gain * (y - e[L]), 0.0, 1.0)
        for l in range(L - 1, 0, -1):
            # Y b_{l+1} - Z e_{l+1} with Z = Y p_bar: the event-rate part cancels
            a = ((p[l + 1] - p_bar[l + 1]) * e[l + 1]) @ self.feedback[l]
            p[l] = _sigmoid(self.beta * a + self.alpha)
            p_bar[l] = np.full_like(e[l], self.p_base)
        return p, p_bar

    def step(self, net, x, y, rng):
        if getattr(self, "feedback", None) is None or len(self.feedback) != net.n_layers:
            raise RuntimeError("Burstprop: call bind(net, rng) first (train() does)")
        L, B = net.n_layers, x.shape[0]
        zs, hs = net.forward(x, cache=True)
        p, p_bar = self.burst_probabilities(net, zs, hs, np.asarray(y, np.float64))
        grads = [None] * (2 * L)
        for l in range(L, 0, -1):
            d = -(p[l] - p_bar[l]) * derivative(net.layer_activation(l), zs[l]) / (
                self.teacher_gain * B)
            grads[2 * (l - 1)] = (hs[l - 1].T @ d).astype(net.dtype)
            grads[2 * (l - 1) + 1] = d.sum(axis=0).astype(net.dtype)
        return Step(grads, hs[L])
