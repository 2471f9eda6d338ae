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
