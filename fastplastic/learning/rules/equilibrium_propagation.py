"""Equilibrium propagation (Scellier & Bengio 2017, Front. Comput. Neurosci. 11:24) and the
recurrent-backprop gradient it approximates.

Free phase: relax to a minimum u^0 of E (the dynamics du/dt = -dF/du with beta = 0). Nudged
phase: relax from u^0 with F = E + beta C to u^beta. Update (their gradient formula):

    dL/dtheta = lim_{beta->0} (1/beta) (dF/dtheta(u^beta) - dF/dtheta(u^0)),
    dF/dW_l = -rho(u_l)^T rho(u_{l+1}),    dF/db_l = -rho(u_{l+1}).

``nudging="one_sided"`` uses u^beta and u^0 (bias O(beta)); ``"symmetric"`` uses u^{+beta} and
u^{-beta} with 1/(2 beta) (the symmetric estimator of Laborieux et al. 2021, Front. Neurosci.
15:633674; bias O(beta^2)); ``"random_sign"`` is one-sided with the sign of beta drawn per batch
(the other option of Laborieux et al.'s code, ``--random-sign``).
"""
import numpy as np

from .. import activations
from ..networks import LayeredHopfield
from ._energy import EnergyRule, contrast
from .base import Step

__all__ = ["EquilibriumPropagation", "recurrent_backprop_gradients"]

NUDGINGS = ("one_sided", "symmetric", "random_sign")


class EquilibriumPropagation(EnergyRule):
    """Equilibrium propagation on the layered Hopfield reading of an MLP.

    Parameters
    ----------
    beta : float
        Nudging strength (> 0).
    nudging : {"one_sided", "symmetric", "random_sign"}
    free_steps, nudge_steps, dt, feedback : see :class:`EnergyRule`.
    """

    name = "ep"

    def __init__(self, beta=1.0, nudging="symmetric", free_steps=30, nudge_steps=10, dt=0.5,
                 feedback="symmetric"):
        super().__init__(free_steps, nudge_steps, dt, feedback)
        if not np.isfinite(beta) or beta <= 0:
            raise ValueError(f"beta={beta!r}: must be a finite number > 0")
        if nudging not in NUDGINGS:
            raise ValueError(f"nudging={nudging!r}: allowed {', '.join(NUDGINGS)}")
        self.beta, self.nudging = float(beta), nudging

    def updates_from(self, net, x, y, free, rng=None, x_drive=None):
        """EP gradient estimate starting from a free-phase result ``free = (us, rs)``, as a list
        of :class:`~fastplastic.learning.rules.base.LowRank` / array terms."""
        hop = self._view(net)
        x = net.check_input(x)
        if x_drive is None:
            x_drive = hop.input_drive(x)
        nudge = lambda b: hop.relax(x, self.nudge_steps, init=free[0], target=y, beta=b,
                                    x_drive=x_drive)[1]
        B = x.shape[0]
        if self.nudging == "symmetric":
            plus, minus = nudge(self.beta), nudge(-self.beta)
            return contrast(plus, minus, 1.0 / (2 * self.beta * B))
        beta = self.beta
        if self.nudging == "random_sign" and rng is not None and rng.random() < 0.5:
            beta = -beta
        return contrast(nudge(beta), free[1], 1.0 / (beta * B))

    def step(self, net, x, y, rng):
        x = net.check_input(x)
        x_drive = self._view(net).input_drive(x)
        free = self.free_phase(net, x, x_drive)
        return Step(self.updates_from(net, x, y, free, rng, x_drive), free[0][-1])

    def __repr__(self):
        return (f"EquilibriumPropagation(beta={self.beta}, nudging={self.nudging!r}, "
                f"free_steps={self.free_steps}, nudge_steps={self.nudge_steps}, "
                f"feedback={self.feedback!r})")


def _hessian(net, u, r, x):
    """Hessian d2E/du2 of one sample (u, r: lists of 1-D state / rate vectors, entry 0 = x)."""
    name, L = net.activation, net.n_layers
    sizes = net.sizes[1:]
    off = np.concatenate([[0], np.cumsum(sizes)])
    H = np.eye(off[-1])
    dr = [None] + [activations.derivative(name, u[l]) for l in range(1, L + 1)]
    for l in range(1, L + 1):
        drive = (x if l == 1 else r[l - 1]) @ net.weights[l - 1] + net.biases[l - 1]
        if l < L:
            drive = drive + net.weights[l] @ r[l + 1]
        sl = slice(off[l - 1], off[l])
        H[sl, sl] -= np.diag(activations.second_derivative(name, u[l]) * drive)
        if l < L:
            block = -np.outer(dr[l], dr[l + 1]) * net.weights[l]
            H[sl, off[l]:off[l + 1]] = block
            H[off[l]:off[l + 1], sl] = block.T
    return H, off, dr


def recurrent_backprop_gradients(net, x, y, n_steps=2000, dt=0.5):
    """Gradient of C = 1/2 ||u_L^0 - y||^2 (mean over the batch) at the free fixed point.

    Recurrent backpropagation (Almeida 1987; Pineda 1987): with H = d2E/du2 at the fixed point u*,
    solve H lambda = dC/du, then dL/dtheta = -lambda^T d2E/(du dtheta), i.e.

        dL/dW_l = rho_l^T (lambda_{l+1} rho'_{l+1}) + (lambda_l rho'_l)^T rho_{l+1},
        dL/db_l = lambda_{l+1} rho'_{l+1}                (lambda_0 := 0, rho_0 := x).

    Dense per-sample solve: meant for small networks (tests, analysis), O(B N^3), N = hidden +
    output units. Returns gradients in ``net.params()`` order and the relaxed states.
    """
    us, rs = LayeredHopfield(net, dt).relax(x, n_steps)
    L, B = net.n_layers, x.shape[0]
    grads = [np.zeros_like(p, dtype=np.float64) for p in net.params()]
    for b in range(B):
        u = [x[b]] + [s[b] for s in us[1:]]
        r = [x[b]] + [s[b] for s in rs[1:]]
        H, off, dr = _hessian(net, u, r, x[b])
        dC = np.zeros(off[-1])
        dC[off[L - 1]:] = u[L] - y[b]
        lam = np.linalg.solve(H, dC)
        g = [None] + [lam[off[l - 1]:off[l]] * dr[l] for l in range(1, L + 1)]
        for l in range(L):
            grads[2 * l] += np.outer(r[l], g[l + 1]) + (np.outer(g[l], r[l + 1]) if l > 0 else 0)
            grads[2 * l + 1] += g[l + 1]
    return [g / B for g in grads], us
