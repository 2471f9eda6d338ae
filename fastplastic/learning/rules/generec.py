"""GeneRec (O'Reilly 1996, Neural Comput. 8:895, the "basic GeneRec" rule).

Minus phase: relax with the input clamped (expectation). Plus phase: relax with the output also
clamped to the target (outcome). Update of the weight from sending unit i to receiving unit j:

    Delta w_ij = x_i^- (y_j^+ - y_j^-),   Delta b_j = y_j^+ - y_j^-

i.e. presynaptic minus-phase rate times the postsynaptic phase difference. Here the feedback
connections are the transposed forward weights (the symmetric case, where O'Reilly shows GeneRec
approximates almeida-pineda backprop; the symmetric-midpoint variant is CHL).
"""
from ._energy import EnergyRule
from .base import LowRank, Step

__all__ = ["GeneRec"]


class GeneRec(EnergyRule):
    """Basic GeneRec on the layered Hopfield reading of an MLP.

    Parameters
    ----------
    free_steps, nudge_steps, dt, feedback : see :class:`EnergyRule` (``"random"``: fixed
        random feedback weights, O'Reilly's asymmetric case).
    """

    name = "generec"

    def step(self, net, x, y, rng):
        hop = self._view(net)
        x = net.check_input(x)
        x_drive = hop.input_drive(x)
        free = self.free_phase(net, x, x_drive)
        _, plus = hop.relax(x, self.nudge_steps, init=free[0], target=y, clamp=True,
                            x_drive=x_drive)
        minus, B = free[1], x.shape[0]
        grads = []
        for l in range(net.n_layers):
            diff = plus[l + 1] - minus[l + 1]
            grads += [LowRank(minus[l], diff, -1.0 / B), diff.sum(axis=0) * (-1.0 / B)]
        return Step(grads, free[0][-1])
