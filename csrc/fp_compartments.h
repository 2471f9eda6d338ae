/* fp_compartments.h -- multi-compartment neurons with passive, instantaneous
 * dendrites (Urbanczik & Senn 2014; Sacramento et al. 2018; Guerguiev et al.
 * 2017): the dendritic potentials are given (weighted synaptic input), the
 * soma integrates them through coupling conductances.
 *
 * Units: SI, conductances per unit capacitance may be used throughout (C = 1)
 * as long as dt_c = dt / C is consistent.  No allocation, no checks: the
 * Python layer validated every array and size (DESIGN.md).
 */
#ifndef FP_COMPARTMENTS_H
#define FP_COMPARTMENTS_H

#include <stdint.h>

#define FP_MAX_DEND 4      /* dendritic compartments coupled to one soma */
#define FP_MAX_NUDGE 4     /* somatic conductance channels (teacher / nudging) */

/* Soma coupled to k dendrites and m conductance channels, one step:
 *   C du/dt = g_l (e_l - u) + sum_j g_d[j] (v_d[j][i] - u)
 *             + sum_c g_n[c][i] (e_n[c][i] - u) + i_ext[i]
 * Inputs are held over the step, so u relaxes exactly (exponential Euler)
 * towards the conductance-weighted average
 *   u_inf = (g_l e_l + sum g_d v_d + sum g_n e_n + i_ext) / g_tot:
 *   u <- u_inf + (u - u_inf) exp(-g_tot dt_c).
 * dt_c < 0 means "jump to the steady state" (u <- u_inf).
 * Arrays: g_d[k], v_d[k] pointers to [n], g_n[m] / e_n[m] pointers to [n],
 * i_ext[n] or NULL, u[n].  k <= FP_MAX_DEND, m <= FP_MAX_NUDGE.
 * Cost: O(n (k + m)). */
void fp_soma_step(int64_t n, int32_t k, int32_t m, double dt_c, double g_l, double e_l,
                  const double *g_d, const double *const *v_d,
                  const double *const *g_n, const double *const *e_n,
                  const double *i_ext, double *u);

/* Urbanczik & Senn (2014) firing rate and its log-derivative:
 *   phi(u) = phi_max / (1 + k exp(beta (theta - u))),
 *   h(u)   = d ln phi / du = beta k e / (1 + k e),  e = exp(beta (theta - u)).
 * p[4] = {phi_max (1/s), k, beta (1/unit of u), theta (unit of u)}.
 * Arrays: u[n] in, phi[n] out, h[n] out (h may be NULL).  Cost O(n). */
void fp_us_phi(int64_t n, const double *p, const double *u, double *phi, double *h);

/* Urbanczik & Senn (2014) neurons driven by m presynaptic inputs, T steps.
 *
 * Per step t, with x_t = drive[t*m + j] (spike counts, or rate*dt for the
 * rate version) and psp_j = (xl_j - xs_j) / (tau_l - tau_s) the
 * difference-of-exponentials PSP (exact decay; increments x += drive):
 *   V_i   = sum_j w[i*m + j] psp_j                           dendrite
 *   V*_i  = g_d / (g_l + g_d) V_i                            its prediction
 *   U_i   <- exponential step of fp_soma_step (k = 1, channels E and I,
 *            e_e / e_i reversal potentials, conductances g_e/g_i[t*n + i])
 *   S_i   = (u01 < phi(U_i) dt) / dt  (spiking: Philox counter (t0 + t, i/4, 0, 0),
 *           word i%4, key)   or   phi(U_i)  (rate version)
 *   PI_ij <- decay PI_ij + (1 - decay) (S_i - phi(V*_i)) h(V*_i) psp_j
 *   w_ij  <- w_ij + eta dt PI_ij        (only if learn)
 * p[16] = {phi_max, k, beta, theta, g_l, g_d, e_l, e_e, e_i, dt_c, dt,
 *          decay_l, decay_s, 1/(tau_l - tau_s), decay_pi, eta*dt}.
 * Arrays: drive[T*m], g_e[T*n], g_i[T*n], xl[m], xs[m], w[n*m], pi[n*m],
 * u[n]; rec_u[T*n], rec_vstar[T*n] or NULL; spikes[T*n] (uint8) or NULL
 * (rate version when NULL).
 * Cost: O(T n m). */
void fp_us_run(int64_t T, int64_t n, int64_t m, const double *p, int learn,
               const double *drive, const double *g_e, const double *g_i,
               double *xl, double *xs, double *w, double *pi, double *u,
               const uint64_t key[2], int64_t t0,
               uint8_t *spikes, double *rec_u, double *rec_vstar);

#endif
