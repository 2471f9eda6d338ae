"""Contrastive Hebbian learning (Movellan 1991, Connectionist Models Summer School, Eq. 12;
in the layered form of Xie & Seung 2003).

Minus (free) phase: relax with the input clamped. Plus phase: relax again with the output also
clamped to the target. Update:

    Delta W_l = rho(u_l^+)^T rho(u_{l+1}^+) - rho(u_l^-)^T rho(u_{l+1}^-),  Delta b_l likewise.

It is equilibrium propagation with the output fully clamped (beta -> infinity).
"""
from ._energy import EnergyRule
from .base import Step

__all__ = ["ContrastiveHebbian"]


class ContrastiveHebbian(EnergyRule):
    """Contrastive Hebbian learning.

    Parameters
    ----------
    free_steps, nudge_steps, dt : see :class:`EnergyRule` (``nudge_steps`` = clamped-phase steps).
    """

    name = "chl"

    def step(self, net, x, y, rng):
        hop = self._view(net)
        free = self.free_phase(net, x)
        _, plus = hop.relax(x, self.nudge_steps, init=free[0], target=y, clamp=True)
        grads = self._scaled_difference(hop.correlations(plus), hop.correlations(free[1]),
                                        1.0 / x.shape[0])
        return Step(grads, free[0][-1])
