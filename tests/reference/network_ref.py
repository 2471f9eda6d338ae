"""Slow, step-by-step NumPy reference of the spiking engine.

Independent of the compiled code: it reads only public attributes of a built
(but not yet run) Network -- group parameters, initial state, projection
pre/post/weight/delay arrays -- and simulates one step at a time with a dict
of pending inputs instead of ring buffers and slices.

Semantics (fastplastic.neurons docstring): at step k input arriving at k*dt
joins the synaptic state, the state advances by dt, neurons at threshold
reset and spike (stamped k); a spike stamped k reaches its targets at k + delay.
"""
import math
from collections import defaultdict

import numpy as np

import fastplastic as fp

from .plasticity_ref import RefPlastic

_exp = np.frompyfunc(math.exp, 1, 1)


def exp(x):
    """libm's exp elementwise (NumPy's SIMD exp may differ in the last bit)."""
    return np.asarray(_exp(np.asarray(x, dtype=float)), dtype=float)


def philox_u01(key, step, n):
    """Uniforms of neurons 0..n-1 at a step, via numpy.random.Philox
    (whose raw output for counter c is Philox4x64-10 of c + 1)."""
    out = np.empty(n)
    k = int(key[0]) | (int(key[1]) << 64)
    for blk in range((n + 3) // 4):
        bg = np.random.Philox(key=k, counter=(int(step) + (blk << 64) - 1) % 2**256)
        raw = bg.random_raw(4)
        m = min(4, n - 4 * blk)
        out[4 * blk:4 * blk + m] = (raw[:m] >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    return out


class RefGroup:
    def __init__(self, g, dt):
        self.g, self.dt, self.n = g, dt, g.n
        for var in ("v", "ge", "gi", "w", "u"):
            if hasattr(g, var) and isinstance(getattr(g, var), np.ndarray):
                setattr(self, var, getattr(g, var).copy())
        self.refrac = np.zeros(g.n, dtype=np.int64)
        self.ib = np.array(getattr(g, "i_bias", np.zeros(g.n)), dtype=float)
        if isinstance(g, fp.SpikeTrains):
            steps = np.rint(g._times / dt).astype(np.int64)
            self.replay = defaultdict(list)
            for s, i in zip(steps, g._ids):
                self.replay[int(s)].append(int(i))

    def step(self, k, in_e, in_i):
        g, dt = self.g, self.dt
        if isinstance(g, fp.PoissonGroup) and g.rates.shape[0] == 1:
            return self._poisson_intervals(k)
        if isinstance(g, fp.PoissonGroup):
            row = min(k // _row_steps(g, dt), g.rates.shape[0] - 1)
            u = philox_u01(g.key, k, self.n)
            return np.nonzero(u < g.rates[row] * dt)[0]
        if isinstance(g, fp.SpikeTrains):
            return np.array(sorted(self.replay.get(k, [])), dtype=np.int64)
        self.ge += in_e
        self.gi += in_i
        if isinstance(g, fp.LIF):
            return self._lif(k)
        if isinstance(g, fp.AdEx):
            return self._adex()
        return self._izhikevich()

    def _poisson_intervals(self, k):
        """Geometric intervals: neuron i's j-th interval from Philox counter (j, i, 1, 0)."""
        g = self.g
        if not hasattr(self, "next"):
            self.next = np.full(self.n, k - 1)
            self.ndraw = np.zeros(self.n, dtype=np.int64)
        key = int(g.key[0]) | (int(g.key[1]) << 64)

        def interval(i):
            ctr = int(self.ndraw[i]) + (i << 64) + (1 << 128)
            raw = np.random.Philox(key=key, counter=(ctr - 1) % 2**256).random_raw(1)[0]
            self.ndraw[i] += 1
            u = int(raw >> np.uint64(11)) * (1.0 / 9007199254740992.0)
            p = g.rates[0, i] * self.dt
            if p >= 1.0:
                return 1                 # a spike every step
            q = math.log1p(-p)
            return 1 + int(math.floor(math.log(1.0 - u) / q)) if q != 0 else 4 * 10**18

        out = []
        for i in range(self.n):
            if self.next[i] < k:
                self.next[i] = k - 1 + interval(i)
            if self.next[i] == k:
                out.append(i)
                self.next[i] = k + interval(i)
        return np.array(out, dtype=np.int64)

    def _syn_current(self, v):
        g = self.g
        if g.synapses == "conductance":
            return self.ge * (g.e_e - v) + self.gi * (g.e_i - v)
        return self.ge + self.gi

    def _decay(self):
        self.ge *= math.exp(-self.dt / self.g.tau_e)
        self.gi *= math.exp(-self.dt / self.g.tau_i)

    def _threshold(self, thresh, reset, n_ref):
        spk = np.nonzero(self.v >= thresh)[0]
        self.v[spk] = reset
        self.refrac[spk] = n_ref
        return spk

    def _lif(self, k):
        g, dt = self.g, self.dt
        free = self.refrac == 0
        if g.synapses == "current":
            tm, ts_e, ts_i, c = g.tau_m, g.tau_e, g.tau_i, g.c_m
            def p21(ts):          # limit dt/C e^{-dt/tau} when tau_s == tau_m
                if abs(ts - tm) < 1e-9 * tm:
                    return dt / c * math.exp(-dt / tm)
                return tm * ts / (ts - tm) * (math.exp(-dt / ts) - math.exp(-dt / tm)) / c
            v_new = (g.e_l + (self.v - g.e_l) * math.exp(-dt / tm) + self.ib * tm / c *
                     (1 - math.exp(-dt / tm)) + self.ge * p21(ts_e) + self.gi * p21(ts_i))
        else:
            g_tot = g.g_l + self.ge + self.gi
            v_inf = (g.g_l * g.e_l + self.ge * g.e_e + self.gi * g.e_i + self.ib) / g_tot
            v_new = v_inf + (self.v - v_inf) * exp(-g_tot * (dt / g.c_m))
        self.v = np.where(free, v_new, g.v_reset)      # held at reset while refractory
        self.refrac = np.where(free, 0, self.refrac - 1)
        self._decay()
        return self._threshold(g.v_thresh, g.v_reset, int(round(g.t_ref / dt)))

    def _adex(self):
        g, dt = self.g, self.dt
        free = self.refrac == 0
        v = self.v
        dw = (g.a * (v - g.e_l) - self.w) * (dt / g.tau_w)
        i_exp = g.g_l * g.delta_t * exp((np.minimum(v, g.v_peak) - g.v_t) / g.delta_t)
        v_new = v + (-g.g_l * (v - g.e_l) + i_exp - self.w + self._syn_current(v) + self.ib) * (dt / g.c_m)
        self.v = np.where(free, v_new, v)
        self.refrac = np.where(free, 0, self.refrac - 1)
        self.w = self.w + dw
        self._decay()
        spk = self._threshold(g.v_peak, g.v_reset, int(round(g.t_ref / dt)))
        self.w[spk] += g.b
        return spk

    def _izhikevich(self):
        g, dt = self.g, self.dt
        v, u = self.v, self.u
        self.v = v + dt * (4e4 * v * v + 5e3 * v + 140.0 - u + (self._syn_current(v) + self.ib) * (1.0 / g.c_m))
        self.u = u + dt * g.a * (g.b * v - u)
        self._decay()
        spk = np.nonzero(self.v >= g.v_peak)[0]
        self.v[spk] = g.c
        self.u[spk] += g.d
        return spk


def _row_steps(g, dt):
    return 1 if g.rate_interval is None else int(round(g.rate_interval / dt))


def simulate(net, n_steps):
    """Runs the reference from the network's current (unrun) state.

    Returns (spikes, groups, weights): spikes[g] is a list of (step, id) tuples
    in time order; groups are the RefGroup objects holding the final state,
    and in due_e / due_i the input that joins it at step n_steps (delivered,
    not yet arrived); weights[p] the final weights of projection p."""
    dt = net.dt
    groups = [RefGroup(g, dt) for g in net.groups]
    syn = [(p.pre.index, p.post.index, 1 if p.channel == "inh" else 0, p.pre_ids,
            p.post_ids.astype(np.int64), p.weight.copy(), p.delay_steps.astype(np.int64))
           for p in net.projections]
    plastic = [RefPlastic(p, dt) if p.plasticity is not None and p.plasticity_on else None
               for p in net.projections]
    pending = defaultdict(lambda: np.zeros(0))
    spikes = [[] for _ in groups]
    dopa = float(net.modulator[0])
    rewards = sorted(net._rewards)
    d_decay = math.exp(-dt / net.modulator_tau)
    for k in range(n_steps):
        while rewards and rewards[0][0] <= k:
            dopa += rewards.pop(0)[1]
        fired = []
        for gi, rg in enumerate(groups):
            in_e = pending.pop((gi, 0, k), np.zeros(rg.n))
            in_i = pending.pop((gi, 1, k), np.zeros(rg.n))
            s = rg.step(k, in_e if in_e.size else np.zeros(rg.n), in_i if in_i.size else np.zeros(rg.n))
            fired.append(set(int(i) for i in s))
            spikes[gi].extend((k, int(i)) for i in sorted(fired[-1]))
        for pl in plastic:
            if pl is not None:
                pl.decay_all()
        for (pre, post, ch, pre_ids, post_ids, w, d), pl in zip(syn, plastic):
            for s in np.nonzero(np.isin(pre_ids, list(fired[pre])))[0]:
                key = (post, ch, k + int(d[s]))
                if key not in pending or pending[key].size == 0:
                    pending[key] = np.zeros(groups[post].n)
                pending[key][post_ids[s]] += w[s]
                if pl is not None:
                    w[s] = pl.depress(s, pre_ids[s], post_ids[s], w[s], k)
        for (pre, post, *_), pl in zip(syn, plastic):
            if pl is not None:
                pl.spikes(sorted(fired[pre]), sorted(fired[post]), k)
        for (pre, post, ch, pre_ids, post_ids, w, d), pl in zip(syn, plastic):
            if pl is not None:
                for s in np.nonzero(np.isin(post_ids, list(fired[post])))[0]:
                    w[s] = pl.potentiate(s, pre_ids[s], post_ids[s], w[s], k)
        if any(pl is not None and pl.elig is not None for pl in plastic):
            for (*_, w, _d), pl in zip(syn, plastic):
                if pl is not None and pl.elig is not None:
                    pl.modulate(w, dopa)
            dopa *= d_decay
    for gi, rg in enumerate(groups):      # delivered for step n_steps, not yet arrived
        due = [pending.get((gi, ch, n_steps)) for ch in (0, 1)]
        rg.due_e, rg.due_i = (d if d is not None and d.size else np.zeros(rg.n) for d in due)
    weights = [w for *_, w, d in syn]
    return spikes, groups, weights
