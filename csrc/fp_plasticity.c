/* fp_plasticity.c -- see fp_plasticity.h. */
/* No fused multiply-adds in this file, in any version of a function
 * (FP_VECTOR_CLONES below): every version then rounds as the baseline x86-64
 * one does, and a weight computed by a scan equals, bit for bit, the same
 * weight computed by a flush or a catch-up (not cloned), so results still do
 * not depend on where runs are cut.  (Before the includes: the inline
 * helpers of the headers are compiled under it too.) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <math.h>
#include <string.h>
#include "fp_plasticity.h"
#include "fp_math.h"

void fp_trace_spikes(fp_trace *t, const int32_t *ids, int64_t nspk, int64_t s, int32_t a, int32_t b)
{
    for (int64_t k = 0; k < nspk; ++k) {
        const int32_t j = ids[k];
        if (j < a || j >= b) continue;
        const double v = fp_trace_at(t, j, s);
        t->prev[j] = v;
        t->val[j] = trace_jump(t, v);
        t->at_spike[j] = t->val[j];
        t->last[j] = s;
    }
}

/* w clipped to [lo, hi]; NaN stays NaN (the run's weight check reports it).
 * Two separate selects in this operand order compile to minsd + maxsd; the
 * nested form became a compare and a move through an integer register. */
static inline double clip(double w, double lo, double hi)
{
    w = hi < w ? hi : w;
    return lo > w ? lo : w;
}

static inline double f_plus(const fp_plastic *pl, double w)
{
    switch (pl->wdep) {
    case FP_WDEP_MULTIPLICATIVE: return pl->w_max - w;
    case FP_WDEP_GUTIG: return pow(pl->w_max, 1.0 - pl->mu) * pow(pl->w_max - w, pl->mu);
    case FP_WDEP_POWERLAW: return pow(pl->w0, 1.0 - pl->mu) * pow(w, pl->mu);
    default: return pl->scale;
    }
}

static inline double f_minus(const fp_plastic *pl, double w)
{
    switch (pl->wdep) {
    case FP_WDEP_MULTIPLICATIVE: return w;
    case FP_WDEP_GUTIG: return pow(pl->w_max, 1.0 - pl->mu) * pow(w, pl->mu);
    case FP_WDEP_POWERLAW: return w;
    default: return pl->scale;
    }
}

void fp_deliver_plastic(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                        const fp_group *post, const int32_t *ids, int64_t nspk, int64_t s,
                        double *ring, int32_t ring_len, int32_t n_post, int32_t jlo, int32_t jhi)
{
    const int restricted = pr->plastic->pairing == FP_PAIRING_RESTRICTED;
    const fp_plastic *pl = pr->plastic;
    const fp_trace *ty = &traces[pl->tr_dep];
    const fp_trace *tr2 = pl->tr_dep3 >= 0 ? &traces[pl->tr_dep3] : NULL;
    double *w = pr->weight;
    const int64_t base = ring ? s % ring_len : 0;   /* no ring: an input group, learning only */
    for (int64_t k = 0; k < nspk; ++k) {
        const int32_t i = ids[k];
        const double r2 = tr2 ? fp_trace_at(tr2, i, s) : 0.0;
        const double x = pl->on_pre ? fp_trace_at(&traces[pl->tr_pot], i, s) : 0.0;
        int64_t q0, q1;
        fp_row_segment(pr->row_ptr, pr->post_ids, i, jlo, jhi, n_post, &q0, &q1);
        for (int64_t q = q0; q < q1; ++q) {
            const int32_t j = pr->post_ids[q];
            if (ring) {
                int64_t slot = base + (pr->delay ? pr->delay[q] : pr->delay0);
                if (slot >= ring_len) slot -= ring_len;
                ring[slot * n_post + j] += w[q];
            }
            double y = fp_trace_at(ty, j, s);
            /* restricted: the post spike must come after this neuron's previous pre spike */
            if (restricted && !(post->last_spike[j] >= 0 && pre->last_spike[i] <= post->last_spike[j]))
                y = 0.0;
            if (pl->clopath) {      /* voltage-based depression */
                const double *rec = post->crec + (s - post->crec_k0) * FP_CLOPATH_NREC * post->n;
                const double um = rec[2 * (int64_t)post->n + j];
                if (um > pl->theta_minus) {
                    double a = pl->a_ltd;
                    if (pl->ltd_homeostatic) {
                        const double ubb = rec[3 * (int64_t)post->n + j];
                        a *= ubb * ubb * pl->inv_u_ref2;
                    }
                    w[q] = clip(w[q] - pl->scale * a * (um - pl->theta_minus), pl->w_min, pl->w_max);
                }
                continue;
            }
            if (pl->on_pre) {       /* user rule */
                w[q] = clip(pl->on_pre(w[q], x, y, pl->vars + q * pl->n_vars), pl->w_min, pl->w_max);
                continue;
            }
            const double dw = f_minus(pl, w[q]) * (pl->a_dep * (y + pl->offset) + pl->a3_dep * y * r2);
            if (pl->elig) pl->elig[q] += dw;
            else w[q] = clip(w[q] + dw, pl->w_min, pl->w_max);
        }
    }
}

void fp_potentiate(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                   const fp_group *post, const int32_t *ids, int64_t nspk, int64_t s,
                   int32_t jlo, int32_t jhi)
{
    const int32_t pairing = pr->plastic->pairing;
    const fp_plastic *pl = pr->plastic;
    const fp_trace *tx = &traces[pl->tr_pot];
    const fp_trace *to2 = pl->tr_pot3 >= 0 ? &traces[pl->tr_pot3] : NULL;
    double *w = pr->weight;
    for (int64_t k = 0; k < nspk; ++k) {
        const int32_t j = ids[k];
        if (j < jlo || j >= jhi) continue;
        const double o2 = to2 ? to2->prev[j] : 0.0;
        const double y = pl->on_post ? traces[pl->tr_dep].prev[j] : 0.0;
        const int64_t t_prev = post->prev_spike[j];     /* this neuron's previous spike */
        const double fade = (pairing == FP_PAIRING_PRE_CENTRED && t_prev >= 0)
                            ? exp(-(double)(s - t_prev) * pl->dt_tau_pot) : 0.0;
        for (int64_t c = pl->col_ptr[j]; c < pl->col_ptr[j + 1]; ++c) {
            const int64_t q = pl->col_syn[c];
            const int32_t i = pl->col_pre[c];
            double x = fp_trace_at(tx, i, s);
            if (pairing == FP_PAIRING_PRE_CENTRED) {        /* only pre spikes not yet paired */
                const double all = x;
                x = all - pl->consumed[q] * fade;
                pl->consumed[q] = all;
            } else if (pairing == FP_PAIRING_RESTRICTED && !(pre->last_spike[i] > t_prev)) {
                x = 0.0;        /* a post spike lies between: not reciprocal nearest */
            }
            if (pl->on_post) {      /* user rule */
                w[q] = clip(pl->on_post(w[q], x, y, pl->vars + q * pl->n_vars), pl->w_min, pl->w_max);
                continue;
            }
            const double dw = f_plus(pl, w[q]) * (pl->a_pot * x + pl->a3_pot * x * o2);
            if (pl->elig) pl->elig[q] += dw;
            else w[q] = clip(w[q] + dw, pl->w_min, pl->w_max);
        }
    }
}

/* Synapses of a row handled per block by the deferred scan: first the
 * block's synapses with pending potentiation are listed (branch-free) and
 * replayed, then the whole block is delivered and depressed (branch-free).
 * The ring receives the same weights in the same order as a one-pass scan. */
#define FP_BLOCK 256


#define FP_ALWAYS_INLINE static inline __attribute__((always_inline))

/* f+(w), f-(w) for a weight dependence known where the function is inlined
 * (wdep a constant there: the switch folds away). */
FP_ALWAYS_INLINE double f_plus_k(const fp_plastic *pl, double w, int wdep)
{
    return wdep == FP_WDEP_ADDITIVE ? pl->scale : f_plus(pl, w);
}

FP_ALWAYS_INLINE double f_minus_k(const fp_plastic *pl, double w, int wdep)
{
    return wdep == FP_WDEP_ADDITIVE ? pl->scale : f_minus(pl, w);
}

/* Replay factors of one row (fp_plasticity.h): x(t_L+) exp((t_L - g) dt/tau)
 * for the cells g of the row's pending entries, cached by cell parity (the
 * entries pending for a row lie in [t_upd, s), consecutive cells). */
typedef struct { int64_t cell[2]; double xr[2]; double x_l; int64_t L; } fp_row_xr;

static inline void row_xr_init(fp_row_xr *c, const fp_trace *tx, const fp_group *pre, int32_t i)
{
    c->cell[0] = c->cell[1] = -1;
    c->L = pre->last_spike[i];
    c->x_l = tx->at_spike[i];
}

static inline double row_xr(const fp_plastic *pl, fp_row_xr *c, int64_t cell)
{
    const int b = (int)(cell & 1);
    if (c->cell[b] != cell) {
        c->cell[b] = cell;
        c->xr[b] = c->x_l * exp((double)(c->L - (cell << pl->h_gbits)) * pl->dt_tau_pot);
    }
    return c->xr[b];
}

/* The replay's constants, copied out of fp_plastic so that the compiler keeps
 * them in registers (weight stores could alias the struct's fields). */
typedef struct {
    const int32_t *h_len, *h_step, *h_last, *h_prev;
    const double *h_o2, *hi, *lo;
    double a_pot, a3_pot, w_min, w_max;
    int64_t cap, gmask, lmask, base;
    int32_t gb, lb;
} fp_replay_consts;

static inline fp_replay_consts replay_consts(const fp_plastic *pl)
{
    fp_replay_consts k;
    k.h_len = pl->h_len;
    k.h_step = pl->h_step;
    k.h_last = pl->h_last;
    k.h_prev = pl->h_prev;
    k.h_o2 = pl->h_o2;
    k.hi = pl->h_tab;
    k.lo = pl->h_tab + ((int64_t)1 << (pl->h_gbits - pl->h_lobits));
    k.a_pot = pl->a_pot;
    k.a3_pot = pl->a3_pot;
    k.w_min = pl->w_min;
    k.w_max = pl->w_max;
    k.cap = pl->h_cap;
    k.gmask = ((int64_t)1 << pl->h_gbits) - 1;
    k.lmask = ((int64_t)1 << pl->h_lobits) - 1;
    k.base = pl->h_meta[0];
    k.gb = pl->h_gbits;
    k.lb = pl->h_lobits;
    return k;
}

/* w after one history entry of neuron j: entry e, at step sr (from k->base). */
FP_ALWAYS_INLINE double replay_entry(const fp_plastic *pl, const fp_replay_consts *k,
                                     fp_row_xr *c, double w, int32_t j, int32_t sr, int32_t e,
                                     int wdep, int triplet)
{
    const int64_t sa = k->base + sr, m = sa & k->gmask;
    const double x = row_xr(pl, c, sa >> k->gb) * k->hi[m >> k->lb] * k->lo[m & k->lmask];
    const double g = triplet ? k->a_pot * x + k->a3_pot * x * k->h_o2[(int64_t)j * k->cap + e]
                             : k->a_pot * x;
    return clip(w + f_plus_k(pl, w, wdep) * g, k->w_min, k->w_max);
}

/* Applies the history entries of postsynaptic neuron j at steps >= t0r
 * (counted from k->base) to weight w of a row whose factors c holds.  Pair
 * rules (triplet 0) skip the o2 term: a_pot x + a3_pot x 0 is a_pot x. */
FP_ALWAYS_INLINE double replay_syn(const fp_plastic *pl, const fp_replay_consts *k,
                                   fp_row_xr *c, double w, int32_t j, int32_t t0r,
                                   int wdep, int triplet)
{
    if (k->h_prev[j] < t0r) {           /* only the newest entry is pending (common): */
        const int32_t e = triplet ? k->h_len[j] - 1 : 0;      /* no history read */
        return replay_entry(pl, k, c, w, j, k->h_last[j], e, wdep, triplet);
    }
    const int32_t h = k->h_len[j];
    const int32_t *st = k->h_step + (int64_t)j * k->cap;
    int32_t a = h - 2;                  /* (the newest two are pending) */
    while (a > 0 && st[a - 1] >= t0r) --a;
    for (int32_t e = a; e < h; ++e) w = replay_entry(pl, k, c, w, j, st[e], e, wdep, triplet);
    return w;
}

/* Vector paths of the deferred scan: fp_simd 1 (default) takes the widest
 * the CPU has, 2 at most AVX2, 0 only the scalar paths.  Tests compare
 * them bit for bit. */
int fp_simd = 1;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(FP_NO_AVX512)
#define FP_X86_SIMD 1
#endif

enum { FP_SCALAR = 0, FP_AVX2 = 1, FP_AVX512 = 2 };

static inline int simd_level(void)
{
#ifdef FP_X86_SIMD
    if (!fp_simd) return FP_SCALAR;
    if (fp_simd == 1 && __builtin_cpu_supports("avx512f")) return FP_AVX512;
    return __builtin_cpu_supports("avx2") ? FP_AVX2 : FP_SCALAR;
#else
    return FP_SCALAR;
#endif
}

/* Offsets (from b0) of the synapses in [b0, b1) onto neurons whose newest
 * history entry is at or after t0r, in order; returns their number. */
static inline int32_t pending_list_scalar(const int32_t *post_ids, const int32_t *h_last,
                                          int32_t t0r, int64_t b0, int64_t from, int64_t b1,
                                          int32_t *pend, int32_t np)
{
    for (int64_t q = from; q < b1; ++q) {       /* (appends to pend[0..np)) */
        pend[np] = (int32_t)(q - b0);
        np += h_last[post_ids[q]] >= t0r;
    }
    return np;
}

#ifdef FP_X86_SIMD
#include <immintrin.h>
/* The same with AVX-512: 16 synapses per gather, compare and compress-store
 * (the scalar loop was ~15 % of the deferred row scan at 10^7 synapses). */
__attribute__((target("avx512f")))
static int32_t pending_list_avx512(const int32_t *post_ids, const int32_t *h_last, int32_t t0r,
                                   int64_t b0, int64_t b1, int32_t *pend)
{
    int32_t np = 0;
    int64_t q = b0;
    const __m512i t = _mm512_set1_epi32(t0r), sixteen = _mm512_set1_epi32(16);
    __m512i off = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; q + 16 <= b1; q += 16) {
        const __m512i j = _mm512_loadu_si512((const void *)(post_ids + q));
        const __m512i last = _mm512_i32gather_epi32(j, (const void *)h_last, 4);   /* h_last[j] */
        const __mmask16 m = _mm512_cmpge_epi32_mask(last, t);
        _mm512_mask_compressstoreu_epi32(pend + np, m, off);
        np += __builtin_popcount((unsigned)m);
        off = _mm512_add_epi32(off, sixteen);
    }
    return pending_list_scalar(post_ids, h_last, t0r, b0, q, b1, pend, np);
}

#endif

/* (An AVX2 version -- gather, compare, permutation looked up by the mask --
 * was measured on AMD Zen 3 at 10^7 synapses: no faster than the scalar
 * loop, whose loads hit L1 since h_last holds 4 bytes per neuron.) */
static inline int32_t pending_list(const int32_t *post_ids, const int32_t *h_last, int32_t t0r,
                                   int64_t b0, int64_t b1, int32_t *pend)
{
#ifdef FP_X86_SIMD
    if (simd_level() == FP_AVX512) return pending_list_avx512(post_ids, h_last, t0r, b0, b1, pend);
#endif
    return pending_list_scalar(post_ids, h_last, t0r, b0, b0, b1, pend, 0);
}

/* Replays the pending entries into synapses [b0, b1) of a row (at most
 * FP_BLOCK): those onto neurons whose newest entry is at or after t0.
 * (Measured at 10^7 synapses, against this loop: replaying 8 synapses per
 * AVX-512 lane group, with gathers for the history, took 1.3x the time;
 * prefetching the pending synapses' history lines, 1.0-1.1x.) */
FP_ALWAYS_INLINE void replay_block(const fp_proj *pr, const fp_replay_consts *k, fp_row_xr *c,
                                   int64_t t0, int64_t b0, int64_t b1, int wdep, int triplet)
{
    int32_t pend[FP_BLOCK];
    const int32_t *post_ids = pr->post_ids;
    const int32_t t0r = (int32_t)(t0 - k->base);
    const int32_t np = pending_list(post_ids, pr->plastic->h_last, t0r, b0, b1, pend);
    double *w = pr->weight;
    for (int32_t p = 0; p < np; ++p) {
        const int64_t q = b0 + pend[p];
        w[q] = replay_syn(pr->plastic, k, c, w[q], post_ids[q], t0r, wdep, triplet);
    }
}

/* out[j] = fp_trace_at(t, j, s) for j in [a, b), bit for bit.  With AVX-512,
 * 8 neurons at a time (the two table reads are gathers) for the neurons
 * whose last spike is within the tables, then fp_trace_at itself for the
 * others (rare) and the tail. */
#ifdef FP_X86_SIMD
/* The vector paths' neurons [a, j) whose last spike lies beyond the tables
 * (rare): fp_trace_at itself. */
static void redo_far(const fp_trace *t, int64_t s, int32_t a, int32_t j, double *out)
{
    for (int32_t i = a; i < j; ++i)
        if ((s - t->last[i]) >> t->d_bits) out[i] = fp_trace_at(t, i, s);
}

__attribute__((target("avx512f")))
static int32_t trace_dense_avx512(const fp_trace *t, int64_t s, int32_t a, int32_t b, double *out)
{
    const double *hi = t->decay, *lo = t->decay + ((int64_t)1 << (t->d_bits - t->d_lobits));
    const __m512i sv = _mm512_set1_epi64(s);
    const __m512i mmask = _mm512_set1_epi64(((int64_t)1 << t->d_bits) - 1);
    const __m512i lmask = _mm512_set1_epi64(((int64_t)1 << t->d_lobits) - 1);
    __m512i far = _mm512_setzero_si512();
    int32_t j = a;
    for (; j + 8 <= b; j += 8) {
        const __m512i m = _mm512_sub_epi64(sv, _mm512_loadu_si512((const void *)(t->last + j)));
        far = _mm512_or_si512(far, _mm512_andnot_si512(mmask, m));
        const __m512i mm = _mm512_and_si512(m, mmask);
        const __m512d h = _mm512_i64gather_pd(_mm512_srli_epi64(mm, (unsigned)t->d_lobits), hi, 8);
        const __m512d l = _mm512_i64gather_pd(_mm512_and_si512(mm, lmask), lo, 8);
        _mm512_storeu_pd(out + j, _mm512_mul_pd(_mm512_loadu_pd(t->val + j), _mm512_mul_pd(h, l)));
    }
    if (_mm512_test_epi64_mask(far, far)) redo_far(t, s, a, j, out);
    return j;
}

/* The same with AVX2, 4 neurons at a time, for CPUs without AVX-512 (AMD
 * Zen 3: ~3 % of the 10^7-synapse STDP run's time saved against the scalar
 * loop, measured on two identical networks run alternately). */
__attribute__((target("avx2")))
static int32_t trace_dense_avx2(const fp_trace *t, int64_t s, int32_t a, int32_t b, double *out)
{
    const double *hi = t->decay, *lo = t->decay + ((int64_t)1 << (t->d_bits - t->d_lobits));
    const __m256i sv = _mm256_set1_epi64x(s);
    const __m256i mmask = _mm256_set1_epi64x(((int64_t)1 << t->d_bits) - 1);
    const __m256i lmask = _mm256_set1_epi64x(((int64_t)1 << t->d_lobits) - 1);
    const int lobits = t->d_lobits;
    __m256i far = _mm256_setzero_si256();
    int32_t j = a;
    for (; j + 4 <= b; j += 4) {
        const __m256i m = _mm256_sub_epi64(sv, _mm256_loadu_si256((const __m256i *)(t->last + j)));
        far = _mm256_or_si256(far, _mm256_andnot_si256(mmask, m));
        const __m256i mm = _mm256_and_si256(m, mmask);
        const __m256d h = _mm256_i64gather_pd(hi, _mm256_srli_epi64(mm, lobits), 8);
        const __m256d l = _mm256_i64gather_pd(lo, _mm256_and_si256(mm, lmask), 8);
        _mm256_storeu_pd(out + j, _mm256_mul_pd(_mm256_loadu_pd(t->val + j), _mm256_mul_pd(h, l)));
    }
    if (!_mm256_testz_si256(far, far)) redo_far(t, s, a, j, out);
    return j;
}
#endif

static void trace_dense(const fp_trace *t, int64_t s, int32_t a, int32_t b, double *out)
{
#ifdef FP_X86_SIMD
    const int level = simd_level();
    if (level == FP_AVX512) a = trace_dense_avx512(t, s, a, b, out);
    else if (level == FP_AVX2) a = trace_dense_avx2(t, s, a, b, out);
#endif
    for (int32_t j = a; j < b; ++j) out[j] = fp_trace_at(t, j, s);
}

/* Summed rules (fp_plasticity.h): row i's factor in an epoch of base b,
 * f_i(b) = scale a_pot x(t_L+) e^{(t_L - b) dt/tau} (t_L the row's last
 * spike; 0 before any), as it is after that spike (at_spike[i]) ... */
static inline double sum_factor_at(const fp_plastic *pl, double x_after, int64_t L, int64_t base)
{
    return pl->scale * pl->a_pot * x_after * exp((double)(L - base) * pl->dt_tau_pot);
}

static inline double sum_factor(const fp_plastic *pl, const fp_trace *tx, const fp_group *pre,
                                int32_t i, int64_t base)
{
    const int64_t L = pre->last_spike[i];
    return L < 0 ? 0.0 : sum_factor_at(pl, tx->at_spike[i], L, base);
}

/* ... and as it will be after its spike at step s (the same arithmetic as
 * fp_trace_spikes and sum_factor, so the same bits: the stored offsets
 * cancel exactly what the next update adds back). */
static inline double sum_factor_next(const fp_plastic *pl, const fp_trace *tx, int32_t i,
                                     int64_t s, int64_t base)
{
    return sum_factor_at(pl, trace_jump(tx, fp_trace_at(tx, i, s)), s, base);
}

/* Which sums row i's offsets were taken against, as its lag: 0 the current
 * epoch's (last updated at or after h_meta[0]), l in 1..FP_SUM_OLD the
 * epoch l restarts back (old_slot), SUM_NONE none kept -- only rows that
 * have never spiked (f_i = 0), which restarts skip. */
enum { SUM_NONE = -1 };

/* The slot of the epoch l restarts back (l >= 1): its sums are
 * h_old[j FP_SUM_OLD + slot] (a neuron's old sums share a cache line), its
 * base h_meta[2 + slot]; h_meta[2 + FP_SUM_OLD] is the newest slot. */
static inline int old_slot(const fp_plastic *pl, int l)
{
    return (int)((pl->h_meta[2 + FP_SUM_OLD] - (l - 1) + FP_SUM_OLD) % FP_SUM_OLD);
}

static inline int sum_lag(const fp_plastic *pl, int32_t i)
{
    const int64_t t = pl->t_upd[i];
    if (t >= pl->h_meta[0]) return 0;
    for (int l = 1; l <= FP_SUM_OLD; ++l)
        if (t >= pl->h_meta[2 + old_slot(pl, l)]) return l;
    return SUM_NONE;
}

/* Summed rules: y_base[j] of the depression trace ty against base b (a pure
 * function of the trace's state, so that recomputing it -- every fp_run,
 * restart and flush -- gives the bits it had). */
static inline double base_y(const fp_trace *ty, int32_t j, int64_t b)
{
    return ty->val[j] * exp((double)(ty->last[j] - b) * ty->dt_tau);
}

void fp_sum_base_y(const fp_proj *pr, const fp_trace *traces, int64_t b, int32_t jlo,
                   int32_t jhi)
{
    const fp_plastic *pl = pr->plastic;
    if (!pl->y_based) return;
    const fp_trace *ty = &traces[pl->tr_dep];
    for (int32_t j = jlo; j < jhi; ++j) pl->y_base[j] = base_y(ty, j, b);
}

/* What a row's scan needs of its sums: its lag, its factor f in the
 * current epoch, and for a lagging row the factors and sums of the epochs
 * it has not seen the end of (f_old[l - 1], and h_old[l - 1][j FP_SUM_OLD]
 * for neuron j: l restarts back). */
typedef struct {
    int lag;
    double f;
    double f_old[FP_SUM_OLD];
    const double *h_old[FP_SUM_OLD];
} fp_sum_row;

static inline void sum_row(fp_sum_row *r, const fp_plastic *pl, const fp_trace *tx,
                           const fp_group *pre, int32_t i)
{
    r->lag = sum_lag(pl, i);
    r->f = sum_factor(pl, tx, pre, i, pl->h_meta[0]);
    for (int l = 1; l <= r->lag; ++l) {
        const int slot = old_slot(pl, l);
        r->f_old[l - 1] = sum_factor(pl, tx, pre, i, pl->h_meta[2 + slot]);
        r->h_old[l - 1] = pl->h_old + slot;
    }
}

/* The weight of synapse q onto j, from its stored offset u = w - f h_seen
 * (fp_plasticity.h), of a row with lag `lag` (r->lag; a constant where the
 * caller specialises; f = r->f, apart so that it stays in a register): clip(u + f h_sum[j] + sum over l <= lag of
 * f_old[l-1] h_old[l-1][j]); a row that has never spiked stores its weight
 * (f = 0).  Every pending term has one sign, so one clip gives what
 * clipping after every spike's term would. */
FP_ALWAYS_INLINE double sum_apply(double u, int32_t j, const fp_sum_row *r, int lag, double f,
                                  double h, double w_min, double w_max)
{
    if (lag == SUM_NONE) return u;
    double d = f * h;
    for (int l = 0; l < lag; ++l) d += r->f_old[l] * r->h_old[l][(int64_t)j * FP_SUM_OLD];
    return clip(u + d, w_min, w_max);
}

/* Delivery and depression of synapses [b0, b1) of row i (fp_deliver_deferred);
 * with summed (a summed rule with anything pending), each synapse's weight
 * from its offset first (sum_apply: the row's lag and factors, sr),
 * and its new offset stored after (f_next: the row's factor after this
 * spike). */
FP_ALWAYS_INLINE void depress_block(const fp_proj *pr, const fp_trace *ty, const double *ydense,
                                    int64_t s, double r2, double *ring, int64_t rbase,
                                    int32_t ring_len, int32_t n_post, int64_t b0, int64_t b1,
                                    int wdep, int summed, const fp_sum_row *sr, int lag,
                                    double f_next, const double *yb, double ey)
{
    const fp_plastic *pl = pr->plastic;
    const int32_t *post_ids = pr->post_ids;
    double *w = pr->weight;
    const double *h_sum = pl->h_sum;
    double *row = NULL;         /* the ring slot of every synapse when they share a delay */
    if (ring && !pr->delay) {
        int64_t slot = rbase + pr->delay0;
        if (slot >= ring_len) slot -= ring_len;
        row = ring + slot * n_post;
    }
    const double a_dep = pl->a_dep, a3_dep = pl->a3_dep, offset = pl->offset;
    const double w_min = pl->w_min, w_max = pl->w_max, f = summed ? sr->f : 0.0;
    for (int64_t q = b0; q < b1; ++q) {
        const int32_t j = post_ids[q];
        double wq = w[q];
        if (summed) wq = sum_apply(wq, j, sr, lag, f, h_sum[j], w_min, w_max);
        if (row) {
            row[j] += wq;
        } else if (ring) {
            int64_t slot = rbase + pr->delay[q];
            if (slot >= ring_len) slot -= ring_len;
            ring[slot * n_post + j] += wq;
        }
        const double y = yb ? yb[j] * ey : ydense ? ydense[j] : fp_trace_at(ty, j, s);
        const double dw = f_minus_k(pl, wq, wdep) * (a_dep * (y + offset) + a3_dep * y * r2);
        wq = clip(wq + dw, w_min, w_max);
        w[q] = summed ? wq - f_next * h_sum[j] : wq;
    }
}

/* One synapse of summed_block: its weight from its offset, delivered (with
 * row), depressed by yb[j] c1 + c0, its new offset stored. */
FP_ALWAYS_INLINE void summed_synapse(int64_t q, const int32_t *restrict post_ids, double *w,
                                     const double *h_sum, double *row, const fp_sum_row *sr,
                                     int lag, double f, double f_next, const double *yb,
                                     double c1, double c0, double w_min, double w_max)
{
    const int32_t j = post_ids[q];
    const double h = h_sum[j];
    double wq = sum_apply(w[q], j, sr, lag, f, h, w_min, w_max);
    if (row) row[j] += wq;
    wq = clip(wq + (yb[j] * c1 + c0), w_min, w_max);
    w[q] = wq - f_next * h;
}

/* depress_block's summed case with y from y_base (yb[j] ey), for rows
 * whose synapses share one ring slot row (or with ring NULL: no delivery),
 * its constants copied to locals: weight stores could alias fp_plastic's
 * fields, which the generic block reloads for every synapse.  Summed rules
 * are additive without triplet terms (f- = scale, a3_dep = 0), so the
 * depression scale a_dep (y + offset) is computed as yb[j] c1 + c0 with
 * c1 = scale a_dep ey, c0 = scale a_dep offset: two operations a synapse
 * instead of five (bench/ab_builds.py, 10^7 STDP: 1.087x, 7 of 8 pairs
 * faster, with the ring row's test out of the loop).  Equal to
 * depress_block's form to rounding, not in bits; a projection always takes
 * the same one of the two (by its delays), so results still do not depend
 * on threads or tiles. */
FP_ALWAYS_INLINE void summed_block(const fp_proj *pr, double *row, int64_t b0, int64_t b1,
                                   const fp_sum_row *sr, int lag, double f_next,
                                   const double *yb, double ey)
{
    const fp_plastic *pl = pr->plastic;
    const int32_t *restrict post_ids = pr->post_ids;
    double *w = pr->weight;
    const double *h_sum = pl->h_sum;
    const double c1 = pl->scale * pl->a_dep * ey, c0 = pl->scale * pl->a_dep * pl->offset;
    const double w_min = pl->w_min, w_max = pl->w_max, f = sr->f;
    if (row)        /* (two loops: the compiler kept the test inside one) */
        for (int64_t q = b0; q < b1; ++q)
            summed_synapse(q, post_ids, w, h_sum, row, sr, lag, f, f_next, yb, c1, c0, w_min,
                           w_max);
    else
        for (int64_t q = b0; q < b1; ++q)
            summed_synapse(q, post_ids, w, h_sum, NULL, sr, lag, f, f_next, yb, c1, c0, w_min,
                           w_max);
}

/* summed_block with the lag a constant where it matters (0: the common
 * case; SUM_NONE), else read from sr. */
FP_ALWAYS_INLINE void summed_rows(const fp_proj *pr, double *row, int64_t b0, int64_t b1,
                                  const fp_sum_row *sr, double f_next, const double *yb, double ey)
{
    if (sr->lag == 0)
        summed_block(pr, row, b0, b1, sr, 0, f_next, yb, ey);
    else if (sr->lag == SUM_NONE)
        summed_block(pr, row, b0, b1, sr, SUM_NONE, f_next, yb, ey);
    else
        summed_block(pr, row, b0, b1, sr, sr->lag, f_next, yb, ey);
}

/* The ring slot row of step s for a projection with one delay; NULL for
 * per-synapse delays or no ring. */
static inline double *one_slot_row(const fp_proj *pr, double *ring, int64_t s, int32_t ring_len,
                                   int32_t n_post)
{
    if (!ring || pr->delay) return NULL;
    int64_t slot = s % ring_len + pr->delay0;
    if (slot >= ring_len) slot -= ring_len;
    return ring + slot * n_post;
}

/* Pending sums of the synapses onto [jlo, jhi) of every row applied: with
 * all (a flush) the weights stored, else (a restart's catch-up) only rows
 * FP_SUM_OLD epochs back (whose oldest sums the restart overwrites) that
 * have spiked, their offsets from h_sum stored. */
static void sum_replay(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                       int32_t n_post, int32_t jlo, int32_t jhi, int all)
{
    const fp_plastic *pl = pr->plastic;
    const fp_trace *tx = &traces[pl->tr_pot];
    const int32_t *post_ids = pr->post_ids;
    double *w = pr->weight;
    for (int32_t i = 0; i < pr->n_pre; ++i) {
        if (!all && !(sum_lag(pl, i) == FP_SUM_OLD && pre->last_spike[i] >= 0)) continue;
        fp_sum_row r;
        sum_row(&r, pl, tx, pre, i);
        const double f_keep = all ? 0.0 : r.f;      /* (the offset left: none after a flush) */
        int64_t q0, q1;
        fp_row_segment(pr->row_ptr, post_ids, i, jlo, jhi, n_post, &q0, &q1);
        for (int64_t q = q0; q < q1; ++q) {         /* (not a hot path: branches are fine) */
            const int32_t j = post_ids[q];
            const double h = pl->h_sum[j];
            w[q] = sum_apply(w[q], j, &r, r.lag, r.f, h, pl->w_min, pl->w_max) - f_keep * h;
        }
    }
}

void fp_sum_restart(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                    int32_t n_post, int32_t jlo, int32_t jhi)
{
    if (pr->plastic->h_meta[1] == 0) return;
    sum_replay(pr, traces, pre, n_post, jlo, jhi, 0);
}

void fp_sum_bases(fp_plastic *pl, int64_t k)
{
    pl->h_meta[0] = k;
    for (int e = 0; e < FP_SUM_OLD; ++e) pl->h_meta[2 + e] = k;
}

void fp_sum_next_epoch(fp_plastic *pl, int64_t k)
{
    const int slot = old_slot(pl, FP_SUM_OLD);          /* (the oldest: now the newest) */
    pl->h_meta[2 + slot] = pl->h_meta[0];
    pl->h_meta[2 + FP_SUM_OLD] = slot;
    pl->h_meta[0] = k;
}

void fp_sum_shift(const fp_proj *pr, const fp_trace *traces, const fp_group *pre, int64_t k,
                  int32_t ilo, int32_t ihi, int32_t jlo, int32_t jhi)
{
    const fp_plastic *pl = pr->plastic;
    for (int32_t i = ilo; i < ihi; ++i)         /* (caught up: now of the epoch that ends) */
        if (sum_lag(pl, i) == FP_SUM_OLD && pre->last_spike[i] >= 0) pl->t_upd[i] = pl->h_meta[0];
    double *dst = pl->h_old + old_slot(pl, FP_SUM_OLD);        /* (the oldest slot) */
    for (int32_t j = jlo; j < jhi; ++j) {
        dst[(int64_t)j * FP_SUM_OLD] = pl->h_sum[j];
        pl->h_sum[j] = 0.0;
    }
    fp_sum_base_y(pr, traces, k, jlo, jhi);
}

FP_ALWAYS_INLINE void deliver_deferred_k(const fp_proj *pr, const fp_trace *traces,
                                         const fp_group *pre, const int32_t *ids, int64_t nspk, int64_t s,
                                         double *ring, int32_t ring_len, int32_t n_post,
                                         int32_t jlo, int32_t jhi, int wdep, int triplet)
{
    const fp_plastic *pl = pr->plastic;
    const fp_trace *tx = &traces[pl->tr_pot], *ty = &traces[pl->tr_dep];
    const fp_trace *tr2 = pl->tr_dep3 >= 0 ? &traces[pl->tr_dep3] : NULL;
    const int pending_any = pl->h_meta[1] > 0;
    const fp_replay_consts rk = replay_consts(pl);
    const int64_t rbase = ring ? s % ring_len : 0;
    /* Summed rules read y = y_base[j] e^{-(s - b) dt/tau} (one exp a step);
     * else postsynaptic traces of step s are read densely when the step has
     * more synaptic events than this part has neurons (same values either
     * way). */
    const int use_yb = pl->summed && pending_any && pl->y_based;
    const double ey = use_yb ? exp(-(double)(s - pl->h_meta[0]) * ty->dt_tau) : 0.0;
    const double *yb = use_yb ? pl->y_base : NULL;
    int64_t events = 0;
    if (!use_yb)
        for (int64_t k = 0; k < nspk; ++k) events += pr->row_ptr[ids[k] + 1] - pr->row_ptr[ids[k]];
    const double *ydense = NULL;
    if (!use_yb && events * (jhi - jlo) >= (int64_t)(jhi - jlo) * n_post) {
        trace_dense(ty, s, jlo, jhi, pl->ybuf);
        ydense = pl->ybuf;
    }
    for (int64_t k = 0; k < nspk; ++k) {
        const int32_t i = ids[k];
        const int64_t t0 = pl->t_upd[i];
        const int replaying = pending_any && pre->last_spike[i] >= 0;
        fp_row_xr c;
        row_xr_init(&c, tx, pre, i);
        const double r2 = tr2 ? fp_trace_at(tr2, i, s) : 0.0;
        int64_t q0, q1;
        fp_row_segment(pr->row_ptr, pr->post_ids, i, jlo, jhi, n_post, &q0, &q1);
        fp_ahead ah = {0};
        if (k + 1 < nspk)
            fp_ahead_init(&ah, pr->row_ptr, pr->post_ids, pr->weight, ids[k + 1], jlo, jhi, n_post);
        if (pl->summed && pending_any) {    /* (nothing pending: sums all 0, offsets = weights) */
            fp_sum_row sr;
            sum_row(&sr, pl, tx, pre, i);
            const double f_next = sum_factor_next(pl, tx, i, s, pl->h_meta[0]);
            double *srow = one_slot_row(pr, ring, s, ring_len, n_post);
            for (int64_t b0 = q0; b0 < q1; b0 += FP_BLOCK) {
                const int64_t b1 = b0 + FP_BLOCK < q1 ? b0 + FP_BLOCK : q1;
                fp_ahead_step(&ah, b1 - b0);
                if (yb && (srow || !ring))
                    summed_rows(pr, srow, b0, b1, &sr, f_next, yb, ey);
                else if (sr.lag == 0)       /* (the common case, compiled on its own) */
                    depress_block(pr, ty, ydense, s, r2, ring, rbase, ring_len, n_post, b0, b1,
                                  FP_WDEP_ADDITIVE, 1, &sr, 0, f_next, yb, ey);
                else
                    depress_block(pr, ty, ydense, s, r2, ring, rbase, ring_len, n_post, b0, b1,
                                  FP_WDEP_ADDITIVE, 1, &sr, sr.lag, f_next, yb, ey);
            }
            continue;
        }
        for (int64_t b0 = q0; b0 < q1; b0 += FP_BLOCK) {
            const int64_t b1 = b0 + FP_BLOCK < q1 ? b0 + FP_BLOCK : q1;
            fp_ahead_step(&ah, b1 - b0);
            if (replaying)      /* postsynaptic spikes in [t0, s) */
                replay_block(pr, &rk, &c, t0, b0, b1, wdep, triplet);
            depress_block(pr, ty, ydense, s, r2, ring, rbase, ring_len, n_post, b0, b1, wdep,
                          0, NULL, 0, 0.0, NULL, 0.0);
        }
    }
}

/* Rows of a step scanned together by deliver_summed_tiled. */
#define FP_TILE_ROWS 64

/* deliver_deferred_k's summed path (anything pending, y read from y_base)
 * with the rows scanned in tiles of `width` targets (fp_engine.c
 * tile_width), FP_TILE_ROWS rows at a time: a row's segment, epoch and
 * factors are found once, and a cursor carries it from tile to tile.  Every
 * synapse gets the same arithmetic as in the row-by-row scan and every
 * target its inputs in the same order, so the bits are the same. */
FP_ALWAYS_INLINE void deliver_summed_tiled(const fp_proj *pr, const fp_trace *traces,
                                           const fp_group *pre, const int32_t *ids, int64_t nspk,
                                           int64_t s, double *ring, int32_t ring_len,
                                           int32_t n_post, int32_t jlo, int32_t jhi,
                                           int32_t width)
{
    const fp_plastic *pl = pr->plastic;
    const fp_trace *tx = &traces[pl->tr_pot], *ty = &traces[pl->tr_dep];
    const int32_t *post_ids = pr->post_ids;
    const int64_t rbase = ring ? s % ring_len : 0;
    const double ey = exp(-(double)(s - pl->h_meta[0]) * ty->dt_tau);
    double *srow = one_slot_row(pr, ring, s, ring_len, n_post);
    int64_t cur[FP_TILE_ROWS], end[FP_TILE_ROWS], step[FP_TILE_ROWS];
    double f_next[FP_TILE_ROWS];
    fp_sum_row sr[FP_TILE_ROWS];
    for (int64_t k0 = 0; k0 < nspk; k0 += FP_TILE_ROWS) {
        const int m = (int)(nspk - k0 < FP_TILE_ROWS ? nspk - k0 : FP_TILE_ROWS);
        for (int r = 0; r < m; ++r) {
            const int32_t i = ids[k0 + r];
            fp_row_segment(pr->row_ptr, post_ids, i, jlo, jhi, n_post, &cur[r], &end[r]);
            step[r] = (pr->row_ptr[i + 1] - pr->row_ptr[i]) * width / n_post;  /* (a guess) */
            sum_row(&sr[r], pl, tx, pre, i);
            f_next[r] = sum_factor_next(pl, tx, i, s, pl->h_meta[0]);
        }
        for (int32_t a = jlo; a < jhi; a += width) {
            const int32_t b = jhi - a > width ? a + width : jhi;
            for (int r = 0; r < m; ++r) {
                const int64_t q0 = cur[r];
                const int64_t q1 = b == jhi ? end[r]
                                 : fp_lower_bound_near(post_ids, q0, end[r], b, q0 + step[r]);
                if (r + 1 < m) {            /* the next row's segment, while this one is scanned */
                    fp_ahead ah = {post_ids, pr->weight, cur[r + 1] & ~(int64_t)7,
                                   cur[r + 1] + step[r + 1]};
                    fp_ahead_step(&ah, step[r + 1] + 8);
                }
                if (srow || !ring)
                    summed_rows(pr, srow, q0, q1, &sr[r], f_next[r], pl->y_base, ey);
                else
                    depress_block(pr, ty, NULL, s, 0.0, ring, rbase, ring_len, n_post, q0, q1,
                                  FP_WDEP_ADDITIVE, 1, &sr[r], sr[r].lag, f_next[r],
                                  pl->y_base, ey);
                cur[r] = q1;
            }
        }
    }
}

/* Cloned for x86-64-v3/v4 (fp_math.h): the VEX encodings' three-operand
 * forms drop the register copies that the clamp's minsd/maxsd need in SSE2
 * code (the summed scan's common loop: 22 instructions a synapse, 35 in
 * SSE2 before summed_block's shorter depression term; dropping one clamp
 * operation more gained nothing, measured, so the count is not the whole
 * story).  The row scans are inlined into it
 * (FP_ALWAYS_INLINE), so that they are compiled in every version.
 * ab_builds 10^7 STDP, 1 s: 1.054 over 10 pairs, all faster.  Same bits as
 * the baseline version (no contraction; weights hashed at 4k and 10^7). */
FP_VECTOR_CLONES
void fp_deliver_deferred(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                         const int32_t *ids, int64_t nspk, int64_t s,
                         double *ring, int32_t ring_len, int32_t n_post, int32_t jlo, int32_t jhi,
                         int32_t width)
{
    const fp_plastic *pl = pr->plastic;
    const int triplet = pl->h_o2 != NULL;
    if (width < 1) width = 1;
    if (pl->summed && pl->h_meta[1] > 0 && pl->y_based && width < jhi - jlo) {
        deliver_summed_tiled(pr, traces, pre, ids, nspk, s, ring, ring_len, n_post, jlo, jhi,
                             width);
        return;
    }
    for (int32_t a = jlo; a < jhi; a += width) {    /* (tiles of other rules: tests only) */
        const int32_t b = jhi - a > width ? a + width : jhi;
        if (pl->wdep == FP_WDEP_ADDITIVE && !triplet)
            deliver_deferred_k(pr, traces, pre, ids, nspk, s, ring, ring_len, n_post, a, b,
                               FP_WDEP_ADDITIVE, 0);
        else if (triplet)
            deliver_deferred_k(pr, traces, pre, ids, nspk, s, ring, ring_len, n_post, a, b,
                               pl->wdep, 1);
        else
            deliver_deferred_k(pr, traces, pre, ids, nspk, s, ring, ring_len, n_post, a, b,
                               pl->wdep, 0);
    }
}

void fp_deferred_mark(const fp_proj *pr, const int32_t *ids, int64_t nspk, int64_t s,
                      int32_t ilo, int32_t ihi)
{
    for (int64_t k = 0; k < nspk; ++k)
        if (ids[k] >= ilo && ids[k] < ihi) pr->plastic->t_upd[ids[k]] = s;
}

int32_t fp_record_post(const fp_proj *pr, const fp_trace *traces, const int32_t *ids,
                       int64_t nspk, int64_t s, int32_t jlo, int32_t jhi)
{
    const fp_plastic *pl = pr->plastic;
    const fp_trace *to2 = pl->tr_pot3 >= 0 ? &traces[pl->tr_pot3] : NULL;
    const int32_t sr = (int32_t)(s - pl->h_meta[0]);
    int32_t most = 0;
    if (pl->summed) {       /* (returns 1 for "something pending") */
        const double term = exp(-(double)(s - pl->h_meta[0]) * pl->dt_tau_pot);
        const fp_trace *ty = &traces[pl->tr_dep];
        for (int64_t k = 0; k < nspk; ++k) {
            const int32_t j = ids[k];
            if (j < jlo || j >= jhi) continue;
            pl->h_sum[j] += term;
            if (pl->y_based) pl->y_base[j] = base_y(ty, j, pl->h_meta[0]);  /* (trace updated) */
            most = 1;
        }
        return most;
    }
    for (int64_t k = 0; k < nspk; ++k) {
        const int32_t j = ids[k];
        if (j < jlo || j >= jhi) continue;
        const int32_t h = pl->h_len[j];
        const int64_t e = (int64_t)j * pl->h_cap + h;
        pl->h_step[e] = sr;
        if (pl->h_o2) pl->h_o2[e] = to2->prev[j];
        pl->h_len[j] = h + 1;
        pl->h_prev[j] = pl->h_last[j];
        pl->h_last[j] = sr;
        if (h + 1 > most) most = h + 1;
    }
    return most;
}

FP_ALWAYS_INLINE void flush_replay_k(const fp_proj *pr, const fp_trace *traces,
                                     const fp_group *pre, int32_t n_post, int32_t jlo,
                                     int32_t jhi, int wdep, int triplet)
{
    const fp_plastic *pl = pr->plastic;
    const fp_trace *tx = &traces[pl->tr_pot];
    const fp_replay_consts rk = replay_consts(pl);
    for (int32_t i = 0; i < pr->n_pre; ++i) {
        if (pre->last_spike[i] < 0) continue;
        fp_row_xr c;
        row_xr_init(&c, tx, pre, i);
        int64_t q0, q1;
        fp_row_segment(pr->row_ptr, pr->post_ids, i, jlo, jhi, n_post, &q0, &q1);
        for (int64_t b0 = q0; b0 < q1; b0 += FP_BLOCK) {
            const int64_t b1 = b0 + FP_BLOCK < q1 ? b0 + FP_BLOCK : q1;
            replay_block(pr, &rk, &c, pl->t_upd[i], b0, b1, wdep, triplet);
        }
    }
}

void fp_flush_replay(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                     int32_t n_post, int32_t jlo, int32_t jhi)
{
    const fp_plastic *pl = pr->plastic;
    if (pl->h_meta[1] == 0) return;
    if (pl->summed) {       /* every pending sum applied: weights, not offsets */
        sum_replay(pr, traces, pre, n_post, jlo, jhi, 1);
        return;
    }
    if (pl->wdep == FP_WDEP_ADDITIVE && !pl->h_o2)
        flush_replay_k(pr, traces, pre, n_post, jlo, jhi, FP_WDEP_ADDITIVE, 0);
    else
        flush_replay_k(pr, traces, pre, n_post, jlo, jhi, pl->wdep, pl->h_o2 != NULL);
}

void fp_flush_reset(const fp_proj *pr, const fp_trace *traces, int64_t k, int32_t ilo,
                    int32_t ihi, int32_t jlo, int32_t jhi)
{
    const fp_plastic *pl = pr->plastic;
    if (jhi > jlo && pl->summed) {
        memset(pl->h_sum + jlo, 0, (size_t)(jhi - jlo) * sizeof(double));
        memset(pl->h_old + (int64_t)jlo * FP_SUM_OLD, 0,
               (size_t)(jhi - jlo) * FP_SUM_OLD * sizeof(double));
        fp_sum_base_y(pr, traces, k, jlo, jhi);
    }
    if (jhi > jlo) {
        memset(pl->h_len + jlo, 0, (size_t)(jhi - jlo) * sizeof(int32_t));
        for (int32_t j = jlo; j < jhi; ++j) pl->h_last[j] = pl->h_prev[j] = -1;
    }
    for (int32_t i = ilo; i < ihi; ++i) pl->t_upd[i] = k;
}

void fp_flush_deferred(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                       int32_t n_post, int64_t k)
{
    fp_flush_replay(pr, traces, pre, n_post, 0, n_post);
    fp_flush_reset(pr, traces, k, 0, pr->n_pre, 0, n_post);
    pr->plastic->h_meta[0] = k;
    if (pr->plastic->summed) fp_sum_bases((fp_plastic *)pr->plastic, k);
    pr->plastic->h_meta[1] = 0;
}

void fp_clopath_ltp(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                    const fp_group *post, int64_t s, int32_t jlo, int32_t jhi)
{
    const fp_plastic *pl = pr->plastic;
    const fp_trace *tx = &traces[pl->tr_pot];
    const int64_t n = post->n;
    const double *rec = post->crec + (s - post->crec_k0) * FP_CLOPATH_NREC * n;
    double *w = pr->weight;
    for (int32_t j = jlo; j < jhi; ++j) {
        const double v = rec[j], up = rec[n + j];
        if (!(v > pl->theta_plus && up > pl->theta_minus)) continue;
        const double g = pl->scale * pl->a_ltp * (v - pl->theta_plus) * (up - pl->theta_minus)
                         * pl->dt * pl->inv_tau_x;
        for (int64_t c = pl->col_ptr[j]; c < pl->col_ptr[j + 1]; ++c) {
            const int64_t q = pl->col_syn[c];
            const int32_t i = pl->col_pre[c];
            /* the trace before the presynaptic spikes of step s */
            const double x = pre->last_spike[i] == s ? tx->prev[i] : fp_trace_at(tx, i, s);
            w[q] = clip(w[q] + g * x, pl->w_min, pl->w_max);
        }
    }
}

void fp_modulated_step(const fp_proj *pr, double d, double dt, int64_t q0, int64_t q1)
{
    const fp_plastic *pl = pr->plastic;
    double *w = pr->weight, *c = pl->elig;
    const double g = dt * d, decay = pl->c_decay, lo = pl->w_min, hi = pl->w_max;
    for (int64_t q = q0; q < q1; ++q) {
        w[q] = clip(w[q] + g * c[q], lo, hi);
        c[q] *= decay;
    }
}
