/* fp_plasticity.c -- see fp_plasticity.h. */
#include <math.h>
#include <string.h>
#include "fp_plasticity.h"

void fp_trace_catch_up(fp_trace *t, int32_t a, int32_t b, int64_t s0)
{
    for (int32_t j = a; j < b; ++j) {
        t->val[j] *= t->decay[s0 - t->last[j]];
        t->last[j] = s0;
    }
}

void fp_trace_spikes(fp_trace *t, const int32_t *ids, int64_t nspk, int64_t s, int32_t a, int32_t b)
{
    for (int64_t k = 0; k < nspk; ++k) {
        const int32_t j = ids[k];
        if (j < a || j >= b) continue;
        const double v = fp_trace_at(t, j, s);
        t->prev[j] = v;
        t->val[j] = t->mode == FP_TRACE_NEAREST ? 1.0 : v + 1.0;
        t->at_spike[j] = t->val[j];
        t->last[j] = s;
    }
}

static inline double clip(double w, double lo, double hi)
{
    return w < lo ? lo : (w > hi ? hi : w);
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

/* Synapses ahead at which a row scan prefetches the random reads. */
#define FP_PREFETCH 16

/* Start of the replay-factor cell of step t (fp_plasticity.h). */
static inline int64_t grid_of(const fp_plastic *pl, int64_t t)
{
    return t - t % pl->h_grid;
}

/* x(t_L+) exp((t_L - g) dt / tau) of presynaptic neuron i for cell start g,
 * or 0 when it has not spiked (then nothing is pending for its row). */
static inline double replay_factor(const fp_plastic *pl, const fp_trace *tx, const fp_group *pre,
                                   int32_t i, int64_t g)
{
    const int64_t L = pre->last_spike[i];
    if (L < 0) return 0.0;
    return tx->at_spike[i] * exp((double)(L - g) * pl->dt_tau_pot);
}

/* Cache of one row's replay factor for one cell. */
typedef struct { int64_t g; double xr; } fp_xr_cache;

/* Applies the history entries of postsynaptic neuron j with step >= t0 to
 * weight w (presynaptic neuron i). */
static inline double replay(const fp_plastic *pl, const fp_trace *tx, const fp_group *pre,
                            int32_t i, fp_xr_cache *c, double w, int32_t j, int64_t t0)
{
    const int32_t h = pl->h_len[j], stride = pl->h_stride;
    const double *ent = pl->h_ent + (int64_t)j * pl->h_cap * stride;
    const double t0d = (double)t0;          /* steps are exact in a double */
    int32_t a = h;
    while (a > 0 && ent[(a - 1) * stride] >= t0d) --a;
    for (int32_t e = a; e < h; ++e) {
        const double *en = ent + e * stride;
        const int64_t st = (int64_t)en[0];
        if ((uint64_t)(st - c->g) >= (uint64_t)pl->h_grid) {    /* another cell (rare) */
            c->g = grid_of(pl, st);
            c->xr = replay_factor(pl, tx, pre, i, c->g);
        }
        const double x = c->xr * en[1];
        const double o2 = stride == 3 ? en[2] : 0.0;
        w = clip(w + f_plus(pl, w) * (pl->a_pot * x + pl->a3_pot * x * o2), pl->w_min, pl->w_max);
    }
    return w;
}

void fp_deliver_deferred(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                         const int32_t *ids, int64_t nspk, int64_t s,
                         double *ring, int32_t ring_len, int32_t n_post, int32_t jlo, int32_t jhi)
{
    const fp_plastic *pl = pr->plastic;
    const fp_trace *tx = &traces[pl->tr_pot], *ty = &traces[pl->tr_dep];
    const fp_trace *tr2 = pl->tr_dep3 >= 0 ? &traces[pl->tr_dep3] : NULL;
    const int pending_any = pl->h_meta[1] > 0;
    double *w = pr->weight;
    const int64_t base = ring ? s % ring_len : 0;
    for (int64_t k = 0; k < nspk; ++k) {
        const int32_t i = ids[k];
        const int64_t t0 = pl->t_upd[i];
        const int replaying = pending_any && pre->last_spike[i] >= 0;
        fp_xr_cache c = {INT64_MIN / 2, 0.0};
        const double r2 = tr2 ? fp_trace_at(tr2, i, s) : 0.0;
        int64_t q0, q1;
        fp_row_segment(pr->row_ptr, pr->post_ids, i, jlo, jhi, n_post, &q0, &q1);
        for (int64_t q = q0; q < q1; ++q) {
            const int32_t j = pr->post_ids[q];
            if (q + FP_PREFETCH < q1) {     /* random reads of a later synapse, started early */
                const int32_t jn = pr->post_ids[q + FP_PREFETCH];
                const int32_t hn = pl->h_len[jn];
                __builtin_prefetch(pl->h_ent + ((int64_t)jn * pl->h_cap + (hn ? hn - 1 : 0))
                                                * pl->h_stride);
                __builtin_prefetch(ty->val + jn);
                __builtin_prefetch(ty->last + jn);
            }
            double wq = w[q];
            if (replaying) wq = replay(pl, tx, pre, i, &c, wq, j, t0);   /* posts in [t0, s) */
            if (ring) {
                int64_t slot = base + (pr->delay ? pr->delay[q] : pr->delay0);
                if (slot >= ring_len) slot -= ring_len;
                ring[slot * n_post + j] += wq;
            }
            const double y = fp_trace_at(ty, j, s);
            const double dw = f_minus(pl, wq) * (pl->a_dep * (y + pl->offset) + pl->a3_dep * y * r2);
            w[q] = clip(wq + dw, pl->w_min, pl->w_max);
        }
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
    const double fac = exp(-(double)(s - grid_of(pl, s)) * pl->dt_tau_pot);
    const int32_t stride = pl->h_stride;
    int32_t most = 0;
    for (int64_t k = 0; k < nspk; ++k) {
        const int32_t j = ids[k];
        if (j < jlo || j >= jhi) continue;
        const int32_t h = pl->h_len[j];
        double *en = pl->h_ent + ((int64_t)j * pl->h_cap + h) * stride;
        en[0] = (double)s;
        en[1] = fac;
        if (stride == 3) en[2] = to2->prev[j];
        pl->h_len[j] = h + 1;
        if (h + 1 > most) most = h + 1;
    }
    return most;
}

void fp_flush_replay(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                     int32_t n_post, int32_t jlo, int32_t jhi)
{
    const fp_plastic *pl = pr->plastic;
    const fp_trace *tx = &traces[pl->tr_pot];
    if (pl->h_meta[1] == 0) return;
    double *w = pr->weight;
    for (int32_t i = 0; i < pr->n_pre; ++i) {
        if (pre->last_spike[i] < 0) continue;
        fp_xr_cache c = {INT64_MIN / 2, 0.0};
        const int64_t t0 = pl->t_upd[i];
        int64_t q0, q1;
        fp_row_segment(pr->row_ptr, pr->post_ids, i, jlo, jhi, n_post, &q0, &q1);
        for (int64_t q = q0; q < q1; ++q)
            w[q] = replay(pl, tx, pre, i, &c, w[q], pr->post_ids[q], t0);
    }
}

void fp_flush_reset(const fp_proj *pr, int64_t k, int32_t ilo, int32_t ihi,
                    int32_t jlo, int32_t jhi)
{
    const fp_plastic *pl = pr->plastic;
    if (jhi > jlo) memset(pl->h_len + jlo, 0, (size_t)(jhi - jlo) * sizeof(int32_t));
    for (int32_t i = ilo; i < ihi; ++i) pl->t_upd[i] = k;
}

void fp_flush_deferred(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                       int32_t n_post, int64_t k)
{
    fp_flush_replay(pr, traces, pre, n_post, 0, n_post);
    fp_flush_reset(pr, k, 0, pr->n_pre, 0, n_post);
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
