/* fp_neurons.c -- step kernels of the neuron kinds; see fp_neurons.h. */
#include <math.h>
#include "fp_neurons.h"
#include "fp_rng.h"
#include "fp_math.h"

/* Step 1 of every kernel: input arriving this step joins the synaptic state. */
static inline void arrive(int32_t a, int32_t b, double *ge, double *gi, double *re, double *ri)
{
    if (re) for (int32_t i = a; i < b; ++i) { ge[i] += re[i]; re[i] = 0.0; }
    if (ri) for (int32_t i = a; i < b; ++i) { gi[i] += ri[i]; ri[i] = 0.0; }
}

/* Step 3 of the LIF kernels: refractory neurons are held at v_reset (their
 * integrated value is discarded, which keeps step 2 branch-free), the others
 * spike and reset at threshold; returns how many spiked. */
static inline int32_t threshold(int32_t a, int32_t b, double *v, int32_t *refrac, double v_th,
                                double v_reset, int32_t n_ref, int32_t *out)
{
    int32_t n_out = 0;
    for (int32_t i = a; i < b; ++i) {
        if (refrac[i] > 0) {
            v[i] = v_reset;
            refrac[i] -= 1;
        } else if (v[i] >= v_th) {
            v[i] = v_reset;
            refrac[i] = n_ref;
            out[n_out++] = i;
        }
    }
    return n_out;
}

/* Exact integration of the linear subthreshold dynamics (Rotter & Diesmann 1999):
 *   dv/dt = -(v - e_l)/tau_m + (I_e + I_i + I_b)/C,   dI_x/dt = -I_x/tau_x. */
FP_VECTOR_CLONES
int32_t fp_lif_cuba_step(const double *p, int32_t a, int32_t b,
                         double *v, double *ie, double *ii, int32_t *refrac,
                         const double *ib, double *re, double *ri, int32_t *out)
{
    const double e_l = p[0], v_th = p[1], v_reset = p[2];
    const int32_t n_ref = (int32_t)p[3];
    const double p22 = p[4], p20 = p[5], p21e = p[6], p21i = p[7], de = p[8], di = p[9];
    arrive(a, b, ie, ii, re, ri);
    for (int32_t i = a; i < b; ++i) {
        v[i] = e_l + (v[i] - e_l) * p22 + ib[i] * p20 + ie[i] * p21e + ii[i] * p21i;
        ie[i] *= de;
        ii[i] *= di;
    }
    return threshold(a, b, v, refrac, v_th, v_reset, n_ref, out);
}

/* Exponential Euler: conductances held over the step, v relaxes exactly
 * towards v_inf = (g_l e_l + g_e e_e + g_i e_i + I_b) / g_tot. */
FP_VECTOR_CLONES
int32_t fp_lif_coba_step(const double *p, int32_t a, int32_t b,
                         double *v, double *ge, double *gi, int32_t *refrac,
                         const double *ib, double *re, double *ri, int32_t *out)
{
    const double e_l = p[0], v_th = p[1], v_reset = p[2];
    const int32_t n_ref = (int32_t)p[3];
    const double g_l = p[4], e_e = p[5], e_i = p[6], dt_c = p[7], de = p[8], di = p[9];
    arrive(a, b, ge, gi, re, ri);
    /* branch-free so that the compiler can vectorise it */
    for (int32_t i = a; i < b; ++i) {
        const double g_tot = g_l + ge[i] + gi[i];
        const double v_inf = (g_l * e_l + ge[i] * e_e + gi[i] * e_i + ib[i]) / g_tot;
        v[i] = v_inf + (v[i] - v_inf) * fp_exp(-g_tot * dt_c);
        ge[i] *= de;
        gi[i] *= di;
    }
    return threshold(a, b, v, refrac, v_th, v_reset, n_ref, out);
}

/* Brette & Gerstner (2005) eqs. 1-2, forward Euler; the exponential is
 * evaluated at min(v, v_peak) so that it cannot overflow. */
int32_t fp_adex_step(const double *p, int32_t a, int32_t b,
                     double *v, double *ge, double *gi, double *w, int32_t *refrac,
                     const double *ib, double *re, double *ri, int32_t *out)
{
    const double e_l = p[0], v_t = p[1], v_reset = p[2];
    const int32_t n_ref = (int32_t)p[3];
    const double g_l = p[4], delta_t = p[5], v_peak = p[6], dt_c = p[7];
    const double ad = p[8], bw = p[9], dt_tw = p[10], de = p[11], di = p[12];
    const int cond = p[13] != 0.0;
    const double e_e = p[14], e_i = p[15];
    int32_t n_out = 0;
    arrive(a, b, ge, gi, re, ri);
    for (int32_t i = a; i < b; ++i) {
        const double vi = v[i];
        const double dw = (ad * (vi - e_l) - w[i]) * dt_tw;
        if (refrac[i] > 0) {
            refrac[i] -= 1;
        } else {
            const double i_syn = cond ? ge[i] * (e_e - vi) + gi[i] * (e_i - vi) : ge[i] + gi[i];
            const double ve = vi < v_peak ? vi : v_peak;
            const double i_exp = g_l * delta_t * exp((ve - v_t) / delta_t);
            v[i] = vi + (-g_l * (vi - e_l) + i_exp - w[i] + i_syn + ib[i]) * dt_c;
        }
        w[i] += dw;
        ge[i] *= de;
        gi[i] *= di;
        if (v[i] >= v_peak) {
            v[i] = v_reset;
            w[i] += bw;
            refrac[i] = n_ref;
            out[n_out++] = i;
        }
    }
    return n_out;
}

/* Izhikevich (2003) eqs. 1-3 in SI units (v in V, u in V/s), forward Euler:
 *   dv/dt = 0.04e6 v^2 + 5e3 v + 140 - u + I/C,   du/dt = a (b v - u). */
int32_t fp_izhikevich_step(const double *p, int32_t a, int32_t b,
                           double *v, double *ge, double *gi, double *u,
                           const double *ib, double *re, double *ri, int32_t *out)
{
    const double ia = p[0], ib_ = p[1], c = p[2], d = p[3], v_peak = p[4];
    const double dt = p[5], inv_c = p[6], de = p[7], di = p[8];
    const int cond = p[9] != 0.0;
    const double e_e = p[10], e_i = p[11];
    int32_t n_out = 0;
    arrive(a, b, ge, gi, re, ri);
    for (int32_t i = a; i < b; ++i) {
        const double vi = v[i], ui = u[i];
        const double i_syn = cond ? ge[i] * (e_e - vi) + gi[i] * (e_i - vi) : ge[i] + gi[i];
        v[i] = vi + dt * (4e4 * vi * vi + 5e3 * vi + 140.0 - ui + (i_syn + ib[i]) * inv_c);
        u[i] = ui + dt * ia * (ib_ * vi - ui);
        ge[i] *= de;
        gi[i] *= di;
        if (v[i] >= v_peak) {
            v[i] = c;
            u[i] += d;
            out[n_out++] = i;
        }
    }
    return n_out;
}

int32_t fp_poisson_step(const double *prob, const uint64_t key[2], int64_t k,
                        int32_t a, int32_t b, int32_t *out)
{
    int32_t n_out = 0;
    uint64_t ctr[4] = {(uint64_t)k, 0, 0, 0}, r[4];
    int32_t i = a;
    while (i < b) {
        const int32_t blk = i >> 2;
        ctr[1] = (uint64_t)blk;
        fp_philox4x64(ctr, key, r);
        const int32_t end = (blk + 1) * 4 < b ? (blk + 1) * 4 : b;
        for (; i < end; ++i) {
            if (fp_u01(r[i & 3]) < prob[i]) out[n_out++] = i;
        }
    }
    return n_out;
}

/* Steps to the next spike of neuron i (its draw number ndraw). */
static inline int64_t poisson_interval(uint64_t ndraw, int32_t i, double logq, const uint64_t key[2])
{
    const uint64_t ctr[4] = {ndraw, (uint64_t)i, 1, 0};
    uint64_t r[4];
    fp_philox4x64(ctr, key, r);
    const double g = floor(log(1.0 - fp_u01(r[0])) / logq);
    return g < 4.0e18 ? 1 + (int64_t)g : (int64_t)4e18;   /* p = 0: never */
}

int32_t fp_poisson_skip_step(int64_t *next, int64_t *ndraw, const double *logq,
                             const uint64_t key[2], int64_t k, int32_t a, int32_t b, int32_t *out)
{
    int32_t n_out = 0;
    for (int32_t i = a; i < b; ++i) {
        if (next[i] < k)                       /* first step: draw the first spike */
            next[i] = k - 1 + poisson_interval((uint64_t)ndraw[i]++, i, logq[i], key);
        if (next[i] == k) {
            out[n_out++] = i;
            next[i] = k + poisson_interval((uint64_t)ndraw[i]++, i, logq[i], key);
        }
    }
    return n_out;
}
