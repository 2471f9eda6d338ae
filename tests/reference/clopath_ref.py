"""Slow, obviously-correct NumPy reference of AdExClopath neurons driven by
replayed spike trains through ClopathSTDP synapses (fp_neurons.h, fp_plasticity.h).

Per step k: input that arrives at k (delta synapses: after the first
substep) -> n_sub Euler substeps -> records (v, u_+(k-D), u_-(k-D), u_bb);
then, for presynaptic spikes of step k: transmission (weight before the
update), depression from the records of step k; then potentiation of step k
with the presynaptic trace before the spikes of step k.
"""
import numpy as np


def simulate(nrn, dt, n_steps, pre_steps, pre_ids, syn_pre, syn_post, w0, delay, rule):
    """nrn: AdExClopath (its parameters), one presynaptic replay group with spikes
    (pre_steps[m], pre_ids[m]); synapses (syn_pre, syn_post, w0, delay steps).
    Returns (spike list [(step, i)], final weights)."""
    n, w = nrn.n, np.array(w0, dtype=float)
    D = int(round(nrn.delay_u_bars / dt))
    n_clamp, n_ref = int(round(nrn.t_clamp / dt)), int(round(nrn.t_ref / dt))
    v = np.full(n, nrn.e_l); wa = np.zeros(n); z = np.zeros(n); vth = np.full(n, nrn.v_th_rest)
    up = np.full(n, nrn.e_l); um = up.copy(); ubb = up.copy(); r = np.zeros(n, int)
    hist_p, hist_m = [], []                 # u_+ and u_- after every step
    x = np.zeros(syn_pre.max() + 1)         # presynaptic trace, += 1 per spike
    arrivals = {}
    h = dt / nrn.substeps
    spikes = []
    by_step = {}
    for s, i in zip(pre_steps, pre_ids):
        by_step.setdefault(int(s), []).append(int(i))
    for k in range(n_steps):
        inp = np.zeros(n)
        for j, val in arrivals.pop(k, []):
            inp[j] += val
        for i in range(n):
            if n_clamp > 0 and r[i] == n_ref + 1:
                v[i], r[i] = nrn.v_reset, n_ref
            for m in range(nrn.substeps):
                clamped = n_clamp > 0 and r[i] > n_ref
                refr = r[i] > 0 and not clamped
                ve = nrn.v_clamp if clamped else (nrn.v_reset if refr else min(v[i], nrn.v_peak))
                dv = 0.0 if (clamped or refr) else (
                    -nrn.g_l * (ve - nrn.e_l) + nrn.g_l * nrn.delta_t * np.exp((ve - vth[i]) / nrn.delta_t)
                    - wa[i] + z[i] + nrn.i_bias[i]) / nrn.c_m
                dwa = 0.0 if clamped else (nrn.a * (ve - nrn.e_l) - wa[i]) / nrn.tau_w
                ubb[i] += (um[i] - ubb[i]) / nrn.tau_bar_bar * h
                up[i] += (ve - up[i]) / nrn.tau_plus * h
                um[i] += (ve - um[i]) / nrn.tau_minus * h
                z[i] -= z[i] / nrn.tau_z * h
                vth[i] += (nrn.v_th_rest - vth[i]) / nrn.tau_vt * h
                wa[i] += dwa * h
                v[i] = ve if (clamped or refr) else v[i] + dv * h
                if m == 0 and r[i] == 0:
                    v[i] += inp[i]
                if r[i] == 0 and v[i] >= nrn.v_peak:
                    v[i] = nrn.v_clamp if n_clamp > 0 else nrn.v_reset
                    wa[i] += nrn.b; z[i] = nrn.i_sp; vth[i] = nrn.v_th_max
                    r[i] = (n_clamp + 1 if n_clamp > 0 else 0) + n_ref
                    spikes.append((k, i))
            if r[i] > 0:
                r[i] -= 1
        hist_p.append(up.copy()); hist_m.append(um.copy())
        up_d = hist_p[k - D] if k >= D else np.full(n, nrn.e_l)
        um_d = hist_m[k - D] if k >= D else np.full(n, nrn.e_l)
        spk = by_step.get(k, [])
        for q in np.flatnonzero(np.isin(syn_pre, spk)):          # transmit, then depress
            j = syn_post[q]
            arrivals.setdefault(k + int(delay[q]), []).append((j, w[q]))
            if um_d[j] > rule.theta_minus:
                a = rule.a_ltd * (ubb[j] ** 2 / rule.u_ref_squared if rule.homeostatic else 1.0)
                w[q] = np.clip(w[q] - rule.scale * a * (um_d[j] - rule.theta_minus),
                               rule.w_min, rule.w_max)
        x_before = x.copy()
        x *= np.exp(-dt / rule.tau_x)
        x[spk] += 1.0
        for q in range(len(w)):                                   # potentiation of step k
            j = syn_post[q]
            if v[j] > rule.theta_plus and up_d[j] > rule.theta_minus:
                xb = x_before[syn_pre[q]] * np.exp(-dt / rule.tau_x)
                w[q] = np.clip(w[q] + rule.scale * rule.a_ltp * (v[j] - rule.theta_plus)
                               * (up_d[j] - rule.theta_minus) * dt / rule.tau_x * xb,
                               rule.w_min, rule.w_max)
    return spikes, w
