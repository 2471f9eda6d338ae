"""Slow, obviously-correct NumPy versions of the compartment kernels (csrc/fp_compartments.c)."""
import numpy as np

from reference.network_ref import philox_u01


def soma_step_ref(u, dt_c, g_l, e_l, g_d, v_d, g_n, e_n, i_ext):
    """One exponential-Euler step of C du/dt = sum of conductance currents (+ i_ext)."""
    num = g_l * e_l + sum(g * v for g, v in zip(g_d, v_d)) + sum(g * e for g, e in zip(g_n, e_n))
    if i_ext is not None:
        num = num + i_ext
    g_tot = g_l + sum(g_d) + sum(g_n) + np.zeros_like(u)
    u_inf = num / g_tot
    f = 0.0 if dt_c < 0 else np.exp(-g_tot * dt_c)
    return u_inf + (u - u_inf) * f


def us_phi_ref(p, u):
    phi_max, k, beta, theta = p[:4]
    e = np.exp(beta * (theta - u))
    return phi_max / (1 + k * e), beta * k * e / (1 + k * e)


def us_run_ref(p, learn, drive, g_e, g_i, xl, xs, w, pi, u, key, t0, spiking):
    """Step-by-step Urbanczik-Senn simulation; returns (state..., spikes, rec_u, rec_vstar)."""
    xl, xs, w, pi, u = (a.copy() for a in (xl, xs, w, pi, u))
    g_l, g_d, e_l, e_e, e_i, dt_c, dt, dl, ds, inv, dpi, eta_dt = p[4:16]
    T, n = g_e.shape
    spikes = np.zeros((T, n), np.uint8)
    rec_u, rec_v = np.empty((T, n)), np.empty((T, n))
    for t in range(T):
        xl = (xl + drive[t]) * dl
        xs = (xs + drive[t]) * ds
        psp = (xl - xs) * inv
        v = w @ psp
        g_tot = g_l + g_d + g_e[t] + g_i[t]
        u_inf = (g_l * e_l + g_d * v + g_e[t] * e_e + g_i[t] * e_i) / g_tot
        u = u_inf + (u - u_inf) * np.exp(-g_tot * dt_c)
        vstar = g_d / (g_l + g_d) * v
        phi_v, h = us_phi_ref(p, vstar)
        phi_u, _ = us_phi_ref(p, u)
        if spiking:
            fired = philox_u01(key, t0 + t, n) < phi_u * dt
            spikes[t] = fired
            s = fired / dt
        else:
            s = phi_u
        rec_u[t], rec_v[t] = u, vstar
        pi = dpi * pi + (1 - dpi) * np.outer((s - phi_v) * h, psp)
        if learn:
            w = w + eta_dt * pi
    return xl, xs, w, pi, u, spikes, rec_u, rec_v


def _f(name, x):
    return {"linear": lambda v: v, "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
            "relu": lambda v: np.maximum(v, 0)}[name](x)


def microcircuit_settle_ref(sizes, acts, W, b, w_ip, b_ip, w_pi, B, g, x, y, steps):
    """Jacobi sweeps of the Sacramento et al. (2018) rate microcircuit, each setting every soma
    to its conductance-weighted steady state given the others' rates; returns (u, u_i, v_a).

    g = (g_lk, g_b, g_a, g_d, g_som); W/b are the MLP weights (basal weights times the
    attenuation), acts[l] the nonlinearity of layer l (1..L)."""
    g_lk, g_b, g_a, g_d, g_som = g
    L = len(W)
    lam_h, lam_o, lam_i = g_b / (g_lk + g_b + g_a), g_b / (g_lk + g_b), g_d / (g_lk + g_d)
    r = [x]
    u = [None]
    for l in range(1, L + 1):
        u.append(r[-1] @ W[l - 1] + b[l - 1])
        r.append(_f(acts[l], u[-1]))
    u_i = [None] * L
    for _ in range(steps):
        vb = [None] + [r[l - 1] @ W[l - 1] + b[l - 1] for l in range(1, L + 1)]
        vi = [None] + [r[l] @ w_ip[l - 1] + b_ip[l - 1] for l in range(1, L)]
        ri = [None] + [_f(acts[l + 1], vi[l] if u_i[l] is None else u_i[l]) for l in range(1, L)]
        va = [None] + [r[l + 1] @ B[l - 1] + ri[l] @ w_pi[l - 1] for l in range(1, L)]
        new = [None]
        for l in range(1, L):
            new.append((g_b * vb[l] / lam_h + g_a * va[l]) / (g_lk + g_b + g_a))
        if y is None:
            new.append(vb[L] / lam_o * g_b / (g_lk + g_b))
        else:
            new.append((g_b * vb[L] / lam_o + g_som * y) / (g_lk + g_b + g_som))
        u_i = [None] + [(g_d * vi[l] / lam_i + g_som * u[l + 1]) / (g_lk + g_d + g_som)
                        for l in range(1, L)]
        u = new
        r = [x] + [_f(acts[l], u[l]) for l in range(1, L + 1)]
    return u, u_i, va
