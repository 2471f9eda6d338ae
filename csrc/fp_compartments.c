/* fp_compartments.c -- see fp_compartments.h. */
#include <math.h>
#include "fp_compartments.h"
#include "fp_math.h"
#include "fp_rng.h"

FP_VECTOR_CLONES
void fp_soma_step(int64_t n, int32_t k, int32_t m, double dt_c, double g_l, double e_l,
                  const double *g_d, const double *const *v_d,
                  const double *const *g_n, const double *const *e_n,
                  const double *i_ext, double *u)
{
    double g_dend = 0.0;                 /* the dendritic conductances are per-group scalars */
    for (int32_t j = 0; j < k; ++j) g_dend += g_d[j];
    const double g0 = g_l + g_dend;
    for (int64_t i = 0; i < n; ++i) {
        double num = g_l * e_l, g_tot = g0;
        for (int32_t j = 0; j < k; ++j) num += g_d[j] * v_d[j][i];
        for (int32_t c = 0; c < m; ++c) {
            num += g_n[c][i] * e_n[c][i];
            g_tot += g_n[c][i];
        }
        if (i_ext) num += i_ext[i];
        const double u_inf = num / g_tot;
        /* dt_c < 0: the factor is taken as 0 (steady state) */
        const double f = dt_c < 0.0 ? 0.0 : fp_exp(-g_tot * dt_c);
        u[i] = u_inf + (u[i] - u_inf) * f;
    }
}

static inline double us_phi(const double *p, double x, double *h)
{
    const double e = fp_exp(p[2] * (p[3] - x));
    const double den = 1.0 + p[1] * e;
    if (h) *h = p[2] * p[1] * e / den;
    return p[0] / den;
}

FP_VECTOR_CLONES
void fp_us_phi(int64_t n, const double *p, const double *u, double *phi, double *h)
{
    for (int64_t i = 0; i < n; ++i) {
        double hi;
        phi[i] = us_phi(p, u[i], &hi);
        if (h) h[i] = hi;
    }
}

/* Uniform of neuron i at step t: word i%4 of Philox((t, i/4, 0, 0), key). */
static inline double us_uniform(const uint64_t key[2], int64_t t, int64_t i)
{
    const uint64_t ctr[4] = {(uint64_t)t, (uint64_t)(i >> 2), 0, 0};
    uint64_t out[4];
    fp_philox4x64(ctr, key, out);
    return fp_u01(out[i & 3]);
}

void fp_us_run(int64_t T, int64_t n, int64_t m, const double *p, int learn,
               const double *drive, const double *g_e, const double *g_i,
               double *xl, double *xs, double *w, double *pi, double *u,
               const uint64_t key[2], int64_t t0,
               uint8_t *spikes, double *rec_u, double *rec_vstar)
{
    const double g_l = p[4], g_d = p[5], e_l = p[6], e_e = p[7], e_i = p[8];
    const double dt_c = p[9], dt = p[10], dl = p[11], ds = p[12], inv_dtau = p[13];
    const double dpi = p[14], eta_dt = p[15];
    const double att = g_d / (g_l + g_d);
    for (int64_t t = 0; t < T; ++t) {
        const double *x = drive + t * m;
        /* PSP traces: the step's input arrives, then both decay exactly. */
        for (int64_t j = 0; j < m; ++j) {
            xl[j] = (xl[j] + x[j]) * dl;
            xs[j] = (xs[j] + x[j]) * ds;
        }
        for (int64_t i = 0; i < n; ++i) {
            double *wi = w + i * m;
            double v = 0.0;
            for (int64_t j = 0; j < m; ++j) v += wi[j] * (xl[j] - xs[j]);
            v *= inv_dtau;
            const double ge = g_e[t * n + i], gi = g_i[t * n + i];
            const double g_tot = g_l + g_d + ge + gi;
            const double u_inf = (g_l * e_l + g_d * v + ge * e_e + gi * e_i) / g_tot;
            u[i] = u_inf + (u[i] - u_inf) * fp_exp(-g_tot * dt_c);
            const double vstar = att * v;
            double h;
            const double phi_v = us_phi(p, vstar, &h);
            double s;
            if (spikes) {
                const int fired = us_uniform(key, t0 + t, i) < us_phi(p, u[i], NULL) * dt;
                spikes[t * n + i] = (uint8_t)fired;
                s = fired / dt;
            } else {
                s = us_phi(p, u[i], NULL);
            }
            if (rec_u) rec_u[t * n + i] = u[i];
            if (rec_vstar) rec_vstar[t * n + i] = vstar;
            const double err = (s - phi_v) * h * inv_dtau * (1.0 - dpi);
            double *pii = pi + i * m;
            for (int64_t j = 0; j < m; ++j) pii[j] = dpi * pii[j] + err * (xl[j] - xs[j]);
            if (learn)
                for (int64_t j = 0; j < m; ++j) wi[j] += eta_dt * pii[j];
        }
    }
}
