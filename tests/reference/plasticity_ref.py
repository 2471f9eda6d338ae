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
        self.scheme = getattr(r, "scheme", "all_to_all")
        self.nearest = self.scheme == "nearest"
        self.pre_hist = [[] for _ in range(n_pre)]       # spike steps, for the pairing schemes
        self.post_hist = [[] for _ in range(n_post)]

    def decay_all(self):
        for k in self.tr:
            self.tr[k] *= self.decay[k]

    def _apply(self, q, w, dw):
        if self.elig is not None:
            self.elig[q] += dw
            return w
        return min(max(w + dw, self.rule.w_min), self.rule.w_max)

    def _pair_y(self, k, i, j):
        """Postsynaptic factor of a pre spike of i at step k under the pairing schemes."""
        r, post = self.rule, [s for s in self.post_hist[j] if s < k]
        if not post:
            return 0.0
        t_j = post[-1]
        if self.scheme == "restricted_symmetric" and any(t_j < s < k for s in self.pre_hist[i]):
            return 0.0                               # another pre spike lies between
        return math.exp(-(k - t_j) * self.dt / r.tau_post)

    def _pair_x(self, k, i, j):
        """Presynaptic factor of a post spike of j at step k under the pairing schemes."""
        r = self.rule
        earlier_post = [s for s in self.post_hist[j] if s < k]
        t_prev = earlier_post[-1] if earlier_post else -1
        pre = [s for s in self.pre_hist[i] if s <= k]
        if self.scheme == "presynaptic_centred":     # every pre spike not yet paired
            return sum(math.exp(-(k - s) * self.dt / r.tau_pre) for s in pre if s > t_prev)
        if not pre or pre[-1] <= t_prev:             # restricted: a post spike lies between
            return 0.0
        return math.exp(-(k - pre[-1]) * self.dt / r.tau_pre)

    def depress(self, q, i, j, w, k=None):
        """Presynaptic spike of synapse q (i -> j) at step k; returns the new weight."""
        r, t = self.rule, self.tr
        if self.scheme in ("presynaptic_centred", "restricted_symmetric"):
            return self._apply(q, w, r.a_post * _f(r, w, -1) * self._pair_y(k, i, j))
        if isinstance(r, fp.TripletSTDP):
            dw = -t["y"][j] * (r.a2_minus + r.a3_minus * t["r2"][i])
        elif isinstance(r, fp.PairSTDP):
            dw = r.a_post * _f(r, w, -1) * t["y"][j]
        else:
            dw = r.eta * (t["y"][j] - r.alpha)
        return self._apply(q, w, dw)

    def potentiate(self, q, i, j, w, k=None):
        """Postsynaptic spike of synapse q (i -> j) at step k; returns the new weight."""
        r, t = self.rule, self.tr
        if self.scheme in ("presynaptic_centred", "restricted_symmetric"):
            return self._apply(q, w, r.a_pre * _f(r, w, +1) * self._pair_x(k, i, j))
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

    def spikes(self, pre_ids, post_ids, step=None):
        for i in pre_ids:
            self.pre_hist[i].append(step)
        for j in post_ids:
            self.post_hist[j].append(step)
        for k, arr in self.tr.items():
            ids = pre_ids if k in ("x", "r2") else post_ids
            for j in ids:
                self.prev[k][j] = arr[j]
                arr[j] = 1.0 if self.nearest else arr[j] + 1.0
