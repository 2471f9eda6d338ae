/* fp_neurons.h -- one time step of each neuron kind, over a block of neurons.
 *
 * Every kernel advances neurons [a, b) of one group by one step dt:
 *   1. input that arrives this step (re[i], ri[i], i.e. the group's ring slot
 *      for this step) is added to the synaptic state and the slot is zeroed;
 *   2. the state is integrated from t to t + dt;
 *   3. neurons at threshold are reset; their ids are written to out[0..]
 *      in increasing order and their count is returned.
 * re / ri may be NULL when nothing projects onto the group.
 * Cost: O(b - a) per step.  No allocation, no checks: the caller validated.
 *
 * Layout of p[] per kind (all SI units, derived once from dt in Python):
 *   LIF_CUBA   0 e_l  1 v_th  2 v_reset  3 n_ref  4 p22=exp(-dt/tau_m)
 *              5 p20=tau_m/C(1-p22)  6 p21e  7 p21i  8 exp(-dt/tau_e)  9 exp(-dt/tau_i)
 *   LIF_COBA   0 e_l  1 v_th  2 v_reset  3 n_ref  4 g_l  5 e_e  6 e_i  7 dt/C
 *              8 exp(-dt/tau_e)  9 exp(-dt/tau_i)
 *   ADEX       0 e_l  1 v_t  2 v_reset  3 n_ref  4 g_l  5 delta_t  6 v_peak  7 dt/C
 *              8 a  9 b  10 dt/tau_w  11 exp(-dt/tau_e)  12 exp(-dt/tau_i)
 *              13 conductance(1)/current(0)  14 e_e  15 e_i
 *   IZHIKEVICH 0 a  1 b  2 c  3 d  4 v_peak  5 dt  6 1/C  7 exp(-dt/tau_e)
 *              8 exp(-dt/tau_i)  9 conductance(1)/current(0)  10 e_e  11 e_i
 */
#ifndef FP_NEURONS_H
#define FP_NEURONS_H

#include "fp_types.h"

/* The LIF kernels also set *nonfinite = 1 when a value they store (v and the
 * two synaptic states) is inf or NaN, and leave it otherwise: the engine's
 * health check needs no second pass over these groups. */
int32_t fp_lif_cuba_step(const double *p, int32_t a, int32_t b,
                         double *v, double *ie, double *ii, int32_t *refrac,
                         const double *ib, double *re, double *ri, int32_t *out, int32_t *nonfinite);

int32_t fp_lif_coba_step(const double *p, int32_t a, int32_t b,
                         double *v, double *ge, double *gi, int32_t *refrac,
                         const double *ib, double *re, double *ri, int32_t *out, int32_t *nonfinite);

int32_t fp_adex_step(const double *p, int32_t a, int32_t b,
                     double *v, double *ge, double *gi, double *w, int32_t *refrac,
                     const double *ib, double *re, double *ri, int32_t *out);

int32_t fp_izhikevich_step(const double *p, int32_t a, int32_t b,
                           double *v, double *ge, double *gi, double *u,
                           const double *ib, double *re, double *ri, int32_t *out);

/* AdEx of Clopath et al. (2010) as NEST's aeif_psc_delta_clopath implements
 * it (the reference MATLAB code's spike clamp and delayed filtered
 * voltages).  State: v, w (adaptation current), refrac (steps of clamp +
 * refractoriness left) and aux rows
 *   0 z (spike after-depolarisation current, A)   1 v_th (adaptive threshold)
 *   2 u_plus  3 u_minus  4 u_bar_bar (low-pass filtered v)
 *   5 .. 5+D      ring of past u_plus  (D = delay of the filtered voltages, steps)
 *   6+D .. 6+2D   ring of past u_minus
 * Within a step, n_sub forward-Euler substeps of
 *   C dv/dt = -g_L (v - E_L) + g_L Delta_T exp((v - v_th)/Delta_T) - w + z + I
 *   tau_w dw/dt = a (v - E_L) - w,  tau_z dz/dt = -z,  tau_vt dv_th/dt = v_th_rest - v_th
 *   tau_+ du_+/dt = v - u_+,  tau_- du_-/dt = v - u_-,  tau_bb du_bb/dt = u_- - u_bb
 * with v held at v_clamp while clamped (and dv = dw = 0), at v_reset while
 * refractory; synaptic input: "delta" (v jumps by the weight, V, after the
 * first substep, unless clamped or refractory) or exponential currents.  At
 * v >= v_peak: v = v_clamp, w += b, z = I_sp, v_th = v_th_max, clamped for
 * the rest of the step and n_clamp more steps, then v = v_reset at the start
 * of the next step (refrac counts clamp + 1 + refractory steps).  After the step the filtered voltages enter
 * their rings and the row s of crec receives v, u_+(k - D), u_-(k - D), u_bb.
 * xp: 0 e_l 1 g_l 2 delta_t 3 1/C 4 a 5 b 6 1/tau_w 7 1/tau_z 8 i_sp 9 1/tau_vt
 *     10 v_th_max 11 v_th_rest 12 1/tau_+ 13 1/tau_- 14 1/tau_bb 15 v_peak 16 v_clamp
 *     17 v_reset 18 n_clamp 19 n_ref 20 n_sub 21 D 22 delta(1)/current(0)
 *     23 exp(-dt/tau_syn) (current synapses)  24 dt */
int32_t fp_adex_clopath_step(const double *xp, int64_t k, int32_t a, int32_t b,
                             int32_t n, double *v, double *ge, double *gi, double *w,
                             int32_t *refrac, const double *ib, double *re, double *ri,
                             double *aux, double *crec, int32_t *out);

/* Poisson sources: neuron i spikes at step k when u01(philox(k, i/4)[i%4]) < prob[i]. */
int32_t fp_poisson_step(const double *prob, const uint64_t key[2], int64_t k,
                        int32_t a, int32_t b, int32_t *out);

/* Constant-rate Poisson sources by interval skipping: neuron i spikes when
 * next[i] == k, then draws the steps to its next spike, G >= 1 with
 * P(G = g) = (1 - p)^(g-1) p (the same process as a Bernoulli draw per step):
 * G = 1 + floor(log(1 - u) / log(1 - p)), u = u01(philox((ndraw[i], i, 1, 0))[0]).
 * Cost O(b - a) compares plus O(spikes) draws. */
int32_t fp_poisson_skip_step(int64_t *next, int64_t *ndraw, const double *logq,
                             const uint64_t key[2], int64_t k, int32_t a, int32_t b, int32_t *out);

#endif
