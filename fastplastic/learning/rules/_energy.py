"""Base of the rules that train the layered Hopfield reading of an MLP (EP, CHL, GeneRec,
continuous update): free phase, prediction from the free fixed point, shared parameters."""
import numpy as np

from ..networks import LayeredHopfield
from .base import Rule

__all__ = ["EnergyRule"]


def _check_steps(name, value):
    if not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r}: must be an integer >= 1")
    return int(value)


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
    """

    allowed_losses = ("mse",)

    def __init__(self, free_steps=30, nudge_steps=10, dt=0.5):
        super().__init__("mse")
        self.free_steps = _check_steps("free_steps", free_steps)
        self.nudge_steps = _check_steps("nudge_steps", nudge_steps)
        if not 0 < dt <= 1:
            raise ValueError(f"dt={dt!r}: allowed range (0, 1]")
        self.hopfield_dt = float(dt)
        self.hopfield = None

    def bind(self, net, rng):
        self.hopfield = LayeredHopfield(net, self.hopfield_dt)

    def _view(self, net):
        if self.hopfield is None or self.hopfield.net is not net:
            self.hopfield = LayeredHopfield(net, self.hopfield_dt)
        return self.hopfield

    def free_phase(self, net, x):
        """States and rates at the (approximate) free fixed point."""
        return self._view(net).relax(x, self.free_steps)

    def predict(self, net, x):
        return self.free_phase(net, x)[0][-1]

    @staticmethod
    def _scaled_difference(a, b, scale):
        """``-(a - b) * scale`` elementwise over two parameter lists (descent direction)."""
        return [-(p - q) * scale for p, q in zip(a, b)]
