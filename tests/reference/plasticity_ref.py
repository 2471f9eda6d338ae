"""Slow reference of the plasticity rules, step by step and immediate.

Each plastic projection keeps its own traces (no sharing), decayed densely by
exp(-dt/tau) at every step, and applies the papers' update formulas written
out per rule; the engine shares traces across projections, decays them
lazily and defers nothing, so agreement checks both.
Order within a step: deliveries + presynaptic updates, then trace increments,
then postsynaptic updates (fastplastic.plasticity docstring).
"""
import math

import numpy as np

import fastplastic as fp


def _f(rule, w, sign):
    """Weight dependence f+ (sign=+1) or f- (sign=-1) of a PairSTDP rule."""
    wd = rule.weight_dependence
    if wd.kind == "additive":
        return rule.w_max
    if wd.kind == "multiplicative":
        return rule.w_max - w if sign > 0 else w
    if wd.kind == "gutig":
        base = rule.w_max - w if sign > 0 else w
        return rule.w_max ** (1 - wd.mu) * base ** wd.mu
    return wd.w0 ** (1 - wd.mu) * w ** wd.mu if sign > 0 else w


class RefPlastic:
    def __init__(self, proj, dt):
        self.p, self.rule, self.dt = proj, proj.plasticity, dt
        self.elig = None
        if isinstance(self.rule, fp.RewardModulated):     # STDP into eligibility c
            self.elig = np.zeros(proj.n_synapses)
            self.c_decay = math.exp(-dt / self.rule.tau_c)
            self.rule = self.rule.rule
        r = self.rule
        if isinstance(r, fp.TripletSTDP):
            taus = {"x": r.tau_plus, "y": r.tau_minus, "r2": r.tau_x, "o2": r.tau_y}
        elif isinstance(r, fp.PairSTDP):
            taus = {"x": r.tau_pre, "y": r.tau_post}
        else:
            taus = {"x": r.tau, "y": r.tau}
        self.decay = {k: math.exp(-dt / t) for k, t in taus.items()}
        n_pre, n_post = proj.pre.n, proj.post.n
        self.tr = {k: np.zeros(n_pre if k in ("x", "r2") else n_post) for k in taus}
        self.prev = {k: np.zeros_like(v) for k, v in self.tr.items()}
        self.nearest = getattr(r, "scheme", "all_to_all") == "nearest"

    def decay_all(self):
        for k in self.tr:
            self.tr[k] *= self.decay[k]

    def _apply(self, q, w, dw):
        if self.elig is not None:
            self.elig[q] += dw
            return w
        return min(max(w + dw, self.rule.w_min), self.rule.w_max)

    def depress(self, q, i, j, w):
        """Presynaptic spike of synapse q (i -> j); returns the new weight."""
        r, t = self.rule, self.tr
        if isinstance(r, fp.TripletSTDP):
            dw = -t["y"][j] * (r.a2_minus + r.a3_minus * t["r2"][i])
        elif isinstance(r, fp.PairSTDP):
            dw = r.a_post * _f(r, w, -1) * t["y"][j]
        else:
            dw = r.eta * (t["y"][j] - r.alpha)
        return self._apply(q, w, dw)

    def potentiate(self, q, i, j, w):
        """Postsynaptic spike of synapse q (i -> j); returns the new weight."""
        r, t = self.rule, self.tr
        if isinstance(r, fp.TripletSTDP):
            dw = t["x"][i] * (r.a2_plus + r.a3_plus * self.prev["o2"][j])
        elif isinstance(r, fp.PairSTDP):
            dw = r.a_pre * _f(r, w, +1) * t["x"][i]
        else:
            dw = r.eta * t["x"][i]
        return self._apply(q, w, dw)

    def modulate(self, w, d):
        """End of a step of a three-factor rule: w += dt c d, c decays."""
        w[:] = np.clip(w + self.dt * self.elig * d, self.rule.w_min, self.rule.w_max)
        self.elig *= self.c_decay

    def spikes(self, pre_ids, post_ids):
        for k, arr in self.tr.items():
            ids = pre_ids if k in ("x", "r2") else post_ids
            for j in ids:
                self.prev[k][j] = arr[j]
                arr[j] = 1.0 if self.nearest else arr[j] + 1.0
