"""Direct feedback alignment (Nøkland 2016, NeurIPS 29; his Fig. 1 contrasts BP, FA, DFA, IFA).

Every hidden layer receives the output error through its own fixed random matrix:

    delta_l = (e B_l) * f'_l(z_l),   e = dL/dz_L,   B_l shape (n_out, n_l), fixed.

``e`` is Nøkland's output error delta a_y (his Eq. 5; Eqs. 1-4 define the network and its loss);
the DFA rule replaces backprop's delta a_l = (W_{l+1}^T delta a_{l+1}) * f'(a_l) by
delta a_l = (B_l e) * f'(a_l) (column-vector convention; rows are samples here).
"""
from ._feedforward import backward_sweep
from .base import Rule, Step
from .feedback_alignment import glorot_feedback

__all__ = ["DirectFeedbackAlignment"]


class DirectFeedbackAlignment(Rule):
    """Direct feedback alignment: output error broadcast to each hidden layer.

    Parameters
    ----------
    loss : {"mse", "ce"}
    """

    name = "dfa"

    def bind(self, net, rng):
        n_out = net.sizes[-1]
        self.feedback = [None] + [glorot_feedback(rng, n_out, net.sizes[l], net.dtype)
                                  for l in range(1, net.n_layers)]

    def step(self, net, x, y, rng):
        zs, hs = net.forward(x, cache=True)
        grads = backward_sweep(net, zs, hs, y, self.loss,
                               lambda l, d, d_out: d_out @ self.feedback[l])
        return Step(grads, hs[-1])
