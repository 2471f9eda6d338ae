"""AGREL / BrainProp: attention-gated reinforcement learning (Roelfsema & van Ooyen 2005, Neural
Comput. 17:2176; deep version "BrainProp" / Q-AGREL, Pozzi, Bohté & Roelfsema 2020, NeurIPS).

Classification is a one-shot choice. Output units are action values Q (linear output); one
action a is selected (here epsilon-greedy: the argmax, or with probability epsilon a uniformly
random unit); reward r = 1 if a is the label, else 0. Two factors gate plasticity:

* a global reward-prediction error delta = r - Q_a (a neuromodulator), and
* attentional feedback from the selected output unit only, through feedback weights equal to
  its forward weights, gating each hidden unit by f'(z).

The resulting update is the backprop gradient of 1/2 (Q_a - r)^2 with respect to the selected
unit alone (Pozzi et al. 2020): dL/do = (Q_a - r) e_a. With uniform exploration
(epsilon = 1) its expectation is (1/K) times the backprop gradient of the MSE loss on one-hot
targets, K = number of classes.
"""
import numpy as np

from ._feedforward import backward_sweep
from .base import Rule, Step

__all__ = ["BrainProp"]


class BrainProp(Rule):
    """Reward-based, attention-gated learning (AGREL / BrainProp).

    Parameters
    ----------
    epsilon : float
        Exploration probability in [0, 1].
    """

    name = "brainprop"
    allowed_losses = ("mse",)

    def __init__(self, epsilon=0.05):
        super().__init__("mse")
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError(f"epsilon={epsilon!r}: allowed range [0, 1]")
        self.epsilon = float(epsilon)

    def bind(self, net, rng):
        if net.output_activation != "linear":
            raise ValueError(f"BrainProp needs linear action-value outputs; net has "
                             f"output_activation={net.output_activation!r}")

    def select(self, q, rng):
        """Epsilon-greedy action per sample (int array of shape (batch,))."""
        action = q.argmax(axis=1)
        explore = rng.random(len(q)) < self.epsilon
        action[explore] = rng.integers(0, q.shape[1], int(explore.sum()))
        return action

    def step(self, net, x, y, rng):
        zs, hs = net.forward(x, cache=True)
        q = hs[-1]
        action = self.select(q, rng)
        rows = np.arange(len(q))
        reward = y[rows, action]
        out_error = np.zeros_like(q)
        out_error[rows, action] = (q[rows, action] - reward) / len(q)
        grads = backward_sweep(net, zs, hs, y, self.loss,
                               lambda l, d, d_out: d @ net.weights[l].T, out_error=out_error)
        return Step(grads, q)

    def __repr__(self):
        return f"BrainProp(epsilon={self.epsilon})"
