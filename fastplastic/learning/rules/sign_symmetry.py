"""Sign-symmetric feedback (Liao, Leibo & Poggio 2016, AAAI, "asymmetric backpropagation").

The feedback matrix shares only the signs of the forward weights:

    V_l = M_l * sign(W_l)^T,
    uSF  (uniform sign-concordant):         M_l = 1
    brSF (batchwise random magnitude):      M_l = |R_l|, R_l redrawn for every batch
    frSF (fixed random magnitude):          M_l = |R_l|, R_l drawn once

Liao et al. rely on batch normalisation to absorb the feedback's overall scale; without it we
divide V_l by its mean absolute entry and multiply by the mean |W_l|, which rescales a layer's
update but leaves its direction (and the angle to backprop) unchanged.
"""
import numpy as np

from ._feedforward import backward_sweep
from .base import Rule, Step

__all__ = ["SignSymmetry"]

VARIANTS = ("usf", "brsf", "frsf")


class SignSymmetry(Rule):
    """Sign-concordant feedback, variants uSF / brSF / frSF.

    Parameters
    ----------
    variant : {"usf", "brsf", "frsf"}
    loss : {"mse", "ce"}
    """

    name = "sign"

    def __init__(self, variant="usf", loss="mse"):
        super().__init__(loss)
        if variant not in VARIANTS:
            raise ValueError(f"variant={variant!r}: allowed {', '.join(VARIANTS)}")
        self.variant = variant

    def _magnitudes(self, net, rng):
        return [None] + [np.abs(rng.standard_normal(net.weights[l].shape)).astype(net.dtype)
                         for l in range(1, net.n_layers)]

    def bind(self, net, rng):
        self._fixed = self._magnitudes(net, rng) if self.variant == "frsf" else None

    def _feedback(self, w, mag):
        v = np.sign(w) if mag is None else np.sign(w) * mag
        scale = np.abs(w).mean() / max(np.abs(v).mean(), np.finfo(w.dtype).tiny)
        return (scale * v).T

    def step(self, net, x, y, rng):
        mags = {"usf": None, "frsf": self._fixed}.get(self.variant)
        if self.variant == "brsf":
            mags = self._magnitudes(net, rng)
        zs, hs = net.forward(x, cache=True)
        grads = backward_sweep(
            net, zs, hs, y, self.loss,
            lambda l, d, d_out: d @ self._feedback(net.weights[l], None if mags is None else mags[l]))
        return Step(grads, hs[-1])

    def __repr__(self):
        return f"SignSymmetry(variant={self.variant!r}, loss={self.loss!r})"
