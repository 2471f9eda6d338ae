"""Predictive coding (Whittington & Bogacz 2017, Neural Comput. 29:1229) and its exact-backprop
variants.

Value nodes x_l, predictions mu_{l+1} = f(x_l W_l + b_l), errors eps_l = x_l - mu_l, energy
F = sum_l 1/2 ||eps_l||^2 (unit variances). The input is clamped to the data. The output is
either clamped to the target (``output_nudge=None``, as in Whittington & Bogacz) or left free
with a weak pull beta/2 ||x_L - y||^2 added to F (``output_nudge=beta``). Inference descends F
(see :mod:`fastplastic.learning._inference`), starting from the feedforward pass; then

    Delta W_l = x_l^T (eps_{l+1} * f'(z_{l+1})),   Delta b_l = sum eps_{l+1} * f'(z_{l+1})

(-dF/dW_l, Hebbian in x_l and the gated error; W&B 2017 write predictions as
mu_{l+1} = W_l f(x_l) + b_l, where the same descent gives Delta W_l = eps_{l+1} f(x_l)^T). At
equilibrium dF/dx_l = 0 for hidden l, i.e. eps_l = (eps_{l+1} f'_{l+1}) W_l^T exactly; with weak
nudging eps_L = -beta dL/do + O(beta^2), so -Delta W / (beta B)
tends to backprop's gradient as beta -> 0 (the infinitesimal-inference limit, Millidge,
Song, Salvatori, Lukasiewicz & Bogacz 2022, arXiv:2206.02629). With the output clamped, the
hidden layers absorb part of the output error and the update differs from backprop by O(1).

Variants
--------
``"standard"``: plain relaxation, as above.
``"fixed_prediction"``: predictions and pre-activations stay at their feedforward values during
inference and the presynaptic term uses feedforward activities (the fixed-prediction assumption
of Millidge, Tschantz & Buckley 2022, Neural Comput. 34:1329): at equilibrium
eps_l = (eps_{l+1} f'_{l+1}) W_l^T, the
backprop recursion, so the update equals backprop's gradient.
``"zero_divergence"``: Z-IL (zero-divergence inference learning, Song, Lukasiewicz, Xu & Bogacz
2020, NeurIPS): inference rate 1 from the feedforward pass, and W_l is updated at inference step
t = L-1-l, when its error has arrived but its presynaptic activity has not yet moved; equals
backprop exactly.
"""
import numpy as np

from ..activations import activation_code
from .base import LowRank, Rule, Step

__all__ = ["PredictiveCoding"]

VARIANTS = ("standard", "fixed_prediction", "zero_divergence")


class PredictiveCoding(Rule):
    """Predictive-coding network trained by local Hebbian updates of prediction errors.

    Parameters
    ----------
    inference_steps : int
        Euler steps of inference (ignored by ``"zero_divergence"``, which takes L-1).
    inference_rate : float
        Euler step of inference, in (0, 1].
    variant : {"standard", "fixed_prediction", "zero_divergence"}
    output_nudge : float or None
        None clamps the output to the target; a float beta > 0 nudges a free output towards it
        (energy term beta/2 ||x_L - y||^2). The exact variants always clamp.
    """

    name = "pc"
    allowed_losses = ("mse",)

    def __init__(self, inference_steps=20, inference_rate=0.1, variant="standard",
                 output_nudge=None):
        super().__init__("mse")
        if not isinstance(inference_steps, (int, np.integer)) or inference_steps < 0:
            raise ValueError(f"inference_steps={inference_steps!r}: must be an integer >= 0")
        if not 0 < inference_rate <= 1:
            raise ValueError(f"inference_rate={inference_rate!r}: allowed range (0, 1]")
        if variant not in VARIANTS:
            raise ValueError(f"variant={variant!r}: allowed {', '.join(VARIANTS)}")
        if output_nudge is not None and not (np.isfinite(output_nudge) and output_nudge > 0):
            raise ValueError(f"output_nudge={output_nudge!r}: must be None or a number > 0")
        self.inference_steps, self.inference_rate = int(inference_steps), float(inference_rate)
        self.variant = variant
        self.output_nudge = None if output_nudge is None else float(output_nudge)

    def _clamped(self):
        return self.output_nudge is None or self.variant != "standard"

    def _buffers(self, net, zs, hs, y):
        """Value nodes and kernel buffers, starting from the feedforward pass ``(zs, hs)``: the
        predictions at entry are the feedforward activities (the output's prediction too, when
        the output node itself is clamped to the target)."""
        xs = [hs[0]] + [h.copy() for h in hs[1:]]      # the input is clamped: not copied
        if self._clamped():
            xs[-1] = np.ascontiguousarray(y, dtype=net.dtype).copy()
        # zs, mus, eps, gs (= eps * f'(z)), ds (= f'(z)), back (scratch): see _inference.pc_relax.
        # Entry 0 is never read (empty placeholder). Layer 1's prediction never changes
        # (clamped input): share the forward arrays.
        unused = np.empty((0, 0), net.dtype)
        bufs = [[unused] + [np.empty_like(h) for h in hs[1:]] for _ in range(6)]
        for l in range(1, net.n_layers + 1):
            bufs[0][l] = zs[l] if l == 1 else zs[l].copy()
            bufs[1][l] = hs[l] if l == 1 else hs[l].copy()
        codes = np.array([0] + [activation_code(net.layer_activation(l))
                                for l in range(1, net.n_layers + 1)], np.int64)
        return xs, bufs, codes

    def _relax(self, net, xs, bufs, codes, n_steps, rate, fixed, y):
        from .._inference import pc_relax  # compiled on first use
        beta = 0.0 if self._clamped() else self.output_nudge
        pc_relax(tuple(xs), tuple(net.weights), tuple(net.biases), codes, n_steps, rate, fixed,
                 self._clamped(), np.ascontiguousarray(y, dtype=net.dtype), beta, *map(tuple, bufs))

    def _grads(self, pre, g_post, scale):
        return [LowRank(pre, g_post, -scale), g_post.sum(axis=0) * -scale]

    def step(self, net, x, y, rng):
        zs, hs = net.forward(x, cache=True)
        xs, bufs, codes = self._buffers(net, zs, hs, y)
        gs, L = bufs[3], net.n_layers
        scale = 1.0 / ((1.0 if self._clamped() else self.output_nudge) * x.shape[0])
        grads = [None] * (2 * L)
        if self.variant == "zero_divergence":
            for t in range(L):
                self._relax(net, xs, bufs, codes, 0 if t == 0 else 1, 1.0, False, y)
                l = L - 1 - t
                # copies: later inference steps overwrite these buffers
                grads[2 * l:2 * l + 2] = self._grads(xs[l].copy(), gs[l + 1].copy(), scale)
            return Step(grads, hs[-1])
        fixed = self.variant == "fixed_prediction"
        self._relax(net, xs, bufs, codes, self.inference_steps, self.inference_rate, fixed, y)
        pres = hs if fixed else xs
        for l in range(L):
            grads[2 * l:2 * l + 2] = self._grads(pres[l], gs[l + 1], scale)
        return Step(grads, hs[-1])

    def __repr__(self):
        return (f"PredictiveCoding(variant={self.variant!r}, inference_steps="
                f"{self.inference_steps}, inference_rate={self.inference_rate}, "
                f"output_nudge={self.output_nudge})")
