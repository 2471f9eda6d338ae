"""Continuous update (Bengio, Mesnard, Fischer, Zhang & Wu 2017, Neural Comput. 29:555; the
"continuous update" model in Whittington & Bogacz 2019, Trends Cogn. Sci. 23:235).

During the nudged phase every synapse changes in proportion to the presynaptic rate times the
rate of change of the postsynaptic rate, dW_ij/dt ~ rho(u_i) d rho(u_j)/dt (Bengio et al.'s rule,
as their abstract states it). With symmetric
weights each W_ij collects the product in both directions, so summed over the phase

    sum_t [rho_i Delta rho_j + rho_j Delta rho_i] = Delta(rho_i rho_j) - sum_t Delta rho_i Delta rho_j,

which is the equilibrium-propagation update minus a second-order term that vanishes as the
step shrinks. No free-phase activity needs to be stored. Here the increments are summed over the
phase and applied at its end (equal to updating at every step to first order in the learning
rate).
"""
import numpy as np

from ._energy import EnergyRule
from .base import LowRank, Step

__all__ = ["ContinuousUpdate"]


class ContinuousUpdate(EnergyRule):
    """Continuous (STDP-like) weight change during the nudged phase.

    Parameters
    ----------
    beta : float
        Nudging strength (> 0).
    free_steps, nudge_steps, dt : see :class:`EnergyRule`.
    """

    name = "cu"

    def __init__(self, beta=1.0, free_steps=30, nudge_steps=10, dt=0.5):
        super().__init__(free_steps, nudge_steps, dt)
        if not np.isfinite(beta) or beta <= 0:
            raise ValueError(f"beta={beta!r}: must be a finite number > 0")
        self.beta = float(beta)

    def step(self, net, x, y, rng):
        hop = self._view(net)
        x = net.check_input(x)
        x_drive = hop.input_drive(x)
        free = self.free_phase(net, x, x_drive)
        _, _, (dWs, dbs) = hop.relax(x, self.nudge_steps, init=free[0], target=y,
                                     beta=self.beta, accumulate=True, x_drive=x_drive)
        scale = -1.0 / (self.beta * x.shape[0])
        grads = []
        for dw, db in zip(dWs, dbs):
            grads += [LowRank(dw.pre, dw.post, dw.scale * scale) if isinstance(dw, LowRank)
                      else dw * scale, db * scale]
        return Step(grads, free[0][-1])
