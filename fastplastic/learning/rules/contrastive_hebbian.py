"""Contrastive Hebbian learning (Movellan 1991, Connectionist Models Summer School: the
plus-phase minus the minus-phase product of pre- and postsynaptic activity; in the layered form of
Xie & Seung 2003).

Minus (free) phase: relax with the input clamped. Plus phase: relax again with the output also
clamped to the target. Update:

    Delta W_l = rho(u_l^+)^T rho(u_{l+1}^+) - rho(u_l^-)^T rho(u_{l+1}^-),  Delta b_l likewise.

It is equilibrium propagation with the output fully clamped (beta -> infinity).
"""
from ._energy import EnergyRule, contrast
from .base import Step

__all__ = ["ContrastiveHebbian"]


class ContrastiveHebbian(EnergyRule):
    """Contrastive Hebbian learning.

    Parameters
    ----------
    free_steps, nudge_steps, dt, feedback : see :class:`EnergyRule` (``nudge_steps`` =
        clamped-phase steps).
    """

    name = "chl"

    def step(self, net, x, y, rng):
        hop = self._view(net)
        x = net.check_input(x)
        x_drive = hop.input_drive(x)
        free = self.free_phase(net, x, x_drive)
        _, plus = hop.relax(x, self.nudge_steps, init=free[0], target=y, clamp=True,
                            x_drive=x_drive)
        return Step(contrast(plus, free[1], 1.0 / x.shape[0]), free[0][-1])
