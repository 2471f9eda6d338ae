/* fp_neurons.c -- step kernels of the neuron kinds; see fp_neurons.h. */
#include <math.h>
#include <string.h>
#include "fp_neurons.h"
#include "fp_rng.h"
#include "fp_math.h"

/* Step 1 of every kernel: input arriving this step joins the synaptic state. */
static inline void arrive(int32_t a, int32_t b, double *ge, double *gi, double *re, double *ri)
{
    if (re) for (int32_t i = a; i < b; ++i) { ge[i] += re[i]; re[i] = 0.0; }
    if (ri) for (int32_t i = a; i < b; ++i) { gi[i] += ri[i]; ri[i] = 0.0; }
}

/* Step 3 of the LIF kernels, inside the integration loop so that one
 * vectorised pass does everything: refractory neurons are held at v_reset
 * (their integrated value vn is discarded), the others spike and reset at
 * threshold.  Returns 1 for a spike. */
static inline uint8_t lif_reset(int32_t i, double vn, double *restrict v,
                                int32_t *restrict refrac, double v_th, double v_reset,
                                int32_t n_ref)
{
    const int32_t r = refrac[i];
    const int spike = (r <= 0) & (vn >= v_th);
    v[i] = (r > 0) | spike ? v_reset : vn;
    refrac[i] = spike ? n_ref : (r > 0 ? r - 1 : r);
    return (uint8_t)spike;
}

/* Appends the neurons lo + j with flag[j] set (j < len, flag padded with zeros
 * to a multiple of 8) to out, in order; spikes are rare, so 8 flags are
 * tested at once. */
static inline int32_t lif_collect(const uint8_t *flag, int32_t len, int32_t lo, int32_t *out)
{
    int32_t n_out = 0;
    for (int32_t j = 0; j < len; j += 8) {
        uint64_t w;
        memcpy(&w, flag + j, sizeof w);
        if (!w) continue;
        for (int32_t q = j; q < j + 8; ++q)
            if (flag[q]) out[n_out++] = lo + q;
    }
    return n_out;
}

#define FP_LIF_BLOCK 1024

/* 1 if x is inf or NaN (all exponent bits set); branch-free.  The LIF
 * kernels test only the integrated v (vn, before the reset): every BODY
 * computes vn from v and the input xe, xi through sums and products in which
 * an inf or NaN in any of them gives an inf or NaN (COBA: g_tot and v_inf;
 * an infinite conductance makes v_inf inf/inf), and the stored values -- v
 * (vn or v_reset), xe * de, xi * di -- are finite when those are.  (An
 * overflow of g_tot may flag a finite state: the health check then scans
 * the arrays and finds nothing.)  One test instead of three: ~10 % of a COBA
 * step (C microbenchmark, 4000 neurons, AMD Zen 3). */
static inline uint64_t lif_non_finite(double x)
{
    const uint64_t e = 0x7ff0000000000000ULL;
    uint64_t bx;
    memcpy(&bx, &x, sizeof bx);
    return (bx & e) == e;
}

/* One block [lo, hi) of the LIF step: input of this step (ring slots added
 * and zeroed inside the integration loop; groups without a ring read
 * zeros), BODY (integration, defines vn), reset and spike flags. */
#define FP_LIF_BLOCK_STEPS(BODY)                                                 \
    if (re && ri) {                                                              \
        for (int32_t i = lo; i < hi; ++i) {                                      \
            const double xe = xs_e[i] + re[i], xi = xs_i[i] + ri[i];             \
            re[i] = 0.0;                                                         \
            ri[i] = 0.0;                                                         \
            BODY                                                                 \
            flag[i - lo] = lif_reset(i, vn, v, refrac, v_th, v_reset, n_ref);   \
            bad |= lif_non_finite(vn);                                           \
        }                                                                        \
    } else {                                                                     \
        for (int32_t i = lo; i < hi; ++i) {                                      \
            const double xe = xs_e[i], xi = xs_i[i];                             \
            BODY                                                                 \
            flag[i - lo] = lif_reset(i, vn, v, refrac, v_th, v_reset, n_ref);   \
            bad |= lif_non_finite(vn);                                           \
        }                                                                        \
    }

/* The LIF step over [a, b) in blocks of FP_LIF_BLOCK neurons: a block whose
 * every neuron passes TEST (an expression of its input xe, xi; a first pass
 * checks) is integrated by BODY_ALL, others by BODY, then the block's spikes
 * are collected.  BODY_ALL must give BODY's bits where TEST holds: it is a
 * shortcut, not another model. */
#define FP_LIF_LOOP(TEST, BODY_ALL, BODY)                                        \
    int32_t n_out = 0;                                                           \
    uint64_t bad = 0;                                                            \
    if (!(re && ri)) arrive(a, b, xs_e, xs_i, re, ri);                          \
    for (int32_t lo = a; lo < b; lo += FP_LIF_BLOCK) {                          \
        const int32_t hi = b - lo < FP_LIF_BLOCK ? b : lo + FP_LIF_BLOCK;       \
        uint8_t flag[FP_LIF_BLOCK + 8];                                          \
        memset(flag + (hi - lo), 0, 8);                                          \
        int all = 1;                                                             \
        for (int32_t i = lo; i < hi; ++i) {                                      \
            const double xe = xs_e[i] + (re && ri ? re[i] : 0.0);                \
            const double xi = xs_i[i] + (re && ri ? ri[i] : 0.0);                \
            all &= (TEST);                                                       \
            (void)xe, (void)xi;                 /* (TEST may use neither) */     \
        }                                                                        \
        if (all) {                                                               \
            FP_LIF_BLOCK_STEPS(BODY_ALL)                                         \
        } else {                                                                 \
            FP_LIF_BLOCK_STEPS(BODY)                                             \
        }                                                                        \
        n_out += lif_collect(flag, hi - lo, lo, out + n_out);                   \
    }                                                                            \
    if (bad) *nonfinite = 1;                                                     \
    return n_out;

/* Exact integration of the linear subthreshold dynamics (Rotter & Diesmann 1999):
 *   dv/dt = -(v - e_l)/tau_m + (I_e + I_i + I_b)/C,   dI_x/dt = -I_x/tau_x. */
FP_VECTOR_CLONES
int32_t fp_lif_cuba_step(const double *p, int32_t a, int32_t b,
                         double *restrict v, double *restrict ie, double *restrict ii,
                         int32_t *restrict refrac, const double *restrict ib,
                         double *restrict re, double *restrict ri, int32_t *restrict out,
                         int32_t *nonfinite)
{
    const double e_l = p[0], v_th = p[1], v_reset = p[2];
    const int32_t n_ref = (int32_t)p[3];
    const double p22 = p[4], p20 = p[5], p21e = p[6], p21i = p[7], de = p[8], di = p[9];
    double *xs_e = ie, *xs_i = ii;
#define FP_CUBA_BODY                                                             \
        const double vn = e_l + (v[i] - e_l) * p22 + ib[i] * p20 + xe * p21e + xi * p21i; \
        ie[i] = xe * de;                                                         \
        ii[i] = xi * di;
    FP_LIF_LOOP(0, FP_CUBA_BODY, FP_CUBA_BODY)
#undef FP_CUBA_BODY
}

/* Exponential Euler: conductances held over the step, v relaxes exactly
 * towards v_inf = (g_l e_l + g_e e_e + g_i e_i + I_b) / g_tot. */
FP_VECTOR_CLONES
int32_t fp_lif_coba_step(const double *p, int32_t a, int32_t b,
                         double *restrict v, double *restrict ge, double *restrict gi,
                         int32_t *restrict refrac, const double *restrict ib,
                         double *restrict re, double *restrict ri, int32_t *restrict out,
                         int32_t *nonfinite)
{
    const double e_l = p[0], v_th = p[1], v_reset = p[2];
    const int32_t n_ref = (int32_t)p[3];
    const double g_l = p[4], e_e = p[5], e_i = p[6], dt_c = p[7], de = p[8], di = p[9];
    double *xs_e = ge, *xs_i = gi;
#define FP_COBA_BODY(EXP)                                                        \
        const double g_tot = g_l + xe + xi;                                      \
        const double v_inf = (g_l * e_l + xe * e_e + xi * e_i + ib[i]) / g_tot; \
        const double vn = v_inf + (v[i] - v_inf) * EXP(-g_tot * dt_c);           \
        ge[i] = xe * de;                                                         \
        gi[i] = xi * di;
    /* the exponent's range reduction is skipped where it is exact (fp_exp_poly;
     * every block of COBA: ~10 % of the step, C microbenchmark) */
    FP_LIF_LOOP(fabs((g_l + xe + xi) * dt_c) <= 0.3,
                FP_COBA_BODY(fp_exp_poly), FP_COBA_BODY(fp_exp))
#undef FP_COBA_BODY
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

int32_t fp_adex_clopath_step(const double *xp, int64_t k, int32_t a, int32_t b,
                             int32_t n, double *v, double *ge, double *gi, double *w,
                             int32_t *refrac, const double *ib, double *re, double *ri,
                             double *aux, double *crec, int32_t *out)
{
    const double e_l = xp[0], g_l = xp[1], delta_t = xp[2], inv_c = xp[3], ad = xp[4];
    const double bw = xp[5], inv_tw = xp[6], inv_tz = xp[7], i_sp = xp[8], inv_tvt = xp[9];
    const double vt_max = xp[10], vt_rest = xp[11], inv_tp = xp[12], inv_tm = xp[13];
    const double inv_tbb = xp[14], v_peak = xp[15], v_clamp = xp[16], v_reset = xp[17];
    const int32_t n_clamp = (int32_t)xp[18], n_ref = (int32_t)xp[19], n_sub = (int32_t)xp[20];
    const int32_t D = (int32_t)xp[21];
    const int delta = xp[22] != 0.0;
    const double dsyn = xp[23], h = xp[24] / n_sub;
    double *z = aux, *vth = aux + n, *up = aux + 2 * (int64_t)n, *um = aux + 3 * (int64_t)n;
    double *ubb = aux + 4 * (int64_t)n;
    double *ring_p = aux + 5 * (int64_t)n, *ring_m = aux + (6 + (int64_t)D) * n;
    const int64_t w_slot = (k % (D + 1)) * (int64_t)n, r_slot = ((k + 1) % (D + 1)) * (int64_t)n;
    int32_t n_out = 0;
    for (int32_t i = a; i < b; ++i) {
        double in_v = 0.0;                      /* delta input: a jump of v */
        if (delta) {
            if (re) { in_v += re[i]; re[i] = 0.0; }
            if (ri) { in_v += ri[i]; ri[i] = 0.0; }
        } else {
            if (re) { ge[i] += re[i]; re[i] = 0.0; }
            if (ri) { gi[i] += ri[i]; ri[i] = 0.0; }
        }
        const double i_ext = (delta ? 0.0 : ge[i] + gi[i]) + ib[i];
        double vi = v[i], wi = w[i], zi = z[i], ti = vth[i], pi = up[i], mi = um[i], bi = ubb[i];
        int32_t r = refrac[i];
        if (n_clamp > 0 && r == n_ref + 1) {    /* the clamp is over: reset */
            vi = v_reset;
            r = n_ref;
        }
        for (int32_t m = 0; m < n_sub; ++m) {
            const int clamped = n_clamp > 0 && r > n_ref, refr = r > 0 && !clamped;
            const double ve = clamped ? v_clamp : (refr ? v_reset : (vi < v_peak ? vi : v_peak));
            const double dv = (clamped || refr) ? 0.0
                : (-g_l * (ve - e_l) + g_l * delta_t * exp((ve - ti) / delta_t) - wi + zi + i_ext)
                  * inv_c;
            const double dw = clamped ? 0.0 : (ad * (ve - e_l) - wi) * inv_tw;
            const double nb = bi + (mi - bi) * inv_tbb * h;
            pi += (ve - pi) * inv_tp * h;
            mi += (ve - mi) * inv_tm * h;
            bi = nb;
            zi -= zi * inv_tz * h;
            ti += (vt_rest - ti) * inv_tvt * h;
            wi += dw * h;
            vi = (clamped || refr) ? ve : vi + dv * h;
            if (m == 0 && r == 0) vi += in_v;   /* input after the first substep */
            if (r == 0 && vi >= v_peak) {        /* spike: clamp for n_clamp steps */
                vi = n_clamp > 0 ? v_clamp : v_reset;
                wi += bw;
                zi = i_sp;
                ti = vt_max;
                r = (n_clamp > 0 ? n_clamp + 1 : 0) + n_ref;   /* counted down after each step */
                out[n_out++] = i;
            }
        }
        if (r > 0) r -= 1;
        v[i] = vi; w[i] = wi; z[i] = zi; vth[i] = ti; up[i] = pi; um[i] = mi; ubb[i] = bi;
        refrac[i] = r;
        if (!delta) { ge[i] *= dsyn; gi[i] *= dsyn; }
        ring_p[w_slot + i] = pi;
        ring_m[w_slot + i] = mi;
        crec[i] = vi;
        crec[(int64_t)n + i] = ring_p[r_slot + i];
        crec[2 * (int64_t)n + i] = ring_m[r_slot + i];
        crec[3 * (int64_t)n + i] = bi;
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
