"""Base of the rules that train the layered Hopfield reading of an MLP (EP, CHL, GeneRec,
continuous update): free phase, prediction from the free fixed point, shared parameters,
symmetric or random fixed feedback."""
import numpy as np

from ..networks import LayeredHopfield
from .base import LowRank, Rule
from .feedback_alignment import glorot_feedback

__all__ = ["EnergyRule", "contrast"]

FEEDBACKS = ("symmetric", "random")


def _check_steps(name, value):
    if not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r}: must be an integer >= 1")
    return int(value)


def contrast(plus, minus, scale):
    """``-scale * (dE/dtheta-contrast)``: the update that descends when the ``plus`` rates
    should be made more likely than the ``minus`` rates,

        dW_l = -scale (rho_l^+T rho_{l+1}^+ - rho_l^-T rho_{l+1}^-),   db_l = -scale sum (rho_{l+1}^+ - rho_{l+1}^-),

    as :class:`LowRank` terms (layer 0's input is the same in both phases, so its term is
    ``x^T (rho_1^+ - rho_1^-)``; deeper layers stack the two phases into one rank-2B product).
    ``plus`` and ``minus`` are rate lists ``[x, rho_1, ..., rho_L]``.
    """
    out = []
    for l in range(len(plus) - 1):
        d_post = plus[l + 1] - minus[l + 1]
        if l == 0:
            w = LowRank(plus[0], d_post, -scale)
        else:
            w = LowRank(np.concatenate([plus[l], minus[l]]),
                        np.concatenate([plus[l + 1], -minus[l + 1]]), -scale)
        out += [w, d_post.sum(axis=0) * -scale]
    return out


class EnergyRule(Rule):
    """Shared machinery: relaxation parameters and the free phase.

    Parameters
    ----------
    free_steps : int
        Euler steps of the free phase, from zero states.
    nudge_steps : int
        Euler steps of the second (nudged or clamped) phase, from the free fixed point.
    dt : float
        Euler step, in (0, 1].
    feedback : {"symmetric", "random"}
        Top-down connections of the recurrent network: the transposed forward weights (an
        energy-based network, the setting of the convergence theorems), or fixed random
        matrices drawn at :meth:`bind` (Glorot-uniform like the forward weights): an asymmetric
        network, in which the rule learns by feedback alignment (Lillicrap et al. 2016) as
        O'Reilly (1996) and Scellier et al. (2018, arXiv:1808.04873) discuss.
    """

    allowed_losses = ("mse",)

    def __init__(self, free_steps=30, nudge_steps=10, dt=0.5, feedback="symmetric"):
        super().__init__("mse")
        self.free_steps = _check_steps("free_steps", free_steps)
        self.nudge_steps = _check_steps("nudge_steps", nudge_steps)
        if not 0 < dt <= 1:
            raise ValueError(f"dt={dt!r}: allowed range (0, 1]")
        if feedback not in FEEDBACKS:
            raise ValueError(f"feedback={feedback!r}: allowed {', '.join(FEEDBACKS)}")
        self.hopfield_dt = float(dt)
        self.feedback = feedback
        self.hopfield = None

    def bind(self, net, rng):
        fb = None
        if self.feedback == "random":
            fb = [None] + [glorot_feedback(rng, net.sizes[l + 1], net.sizes[l], net.dtype)
                           for l in range(1, net.n_layers)]
        self.hopfield = LayeredHopfield(net, self.hopfield_dt, fb)

    def _view(self, net):
        if self.hopfield is None or self.hopfield.net is not net:
            if self.feedback != "symmetric":
                raise ValueError(f"{type(self).__name__}(feedback={self.feedback!r}) must be "
                                 f"bound to the network first: call rule.bind(net, rng)")
            self.hopfield = LayeredHopfield(net, self.hopfield_dt)
        return self.hopfield

    def free_phase(self, net, x, x_drive=None):
        """States and rates at the (approximate) free fixed point."""
        return self._view(net).relax(x, self.free_steps, x_drive=x_drive)

    def predict(self, net, x):
        return self.free_phase(net, x)[0][-1]
