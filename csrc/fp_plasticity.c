/* fp_plasticity.c -- see fp_plasticity.h. */
#include <math.h>
#include "fp_plasticity.h"

void fp_trace_catch_up(fp_trace *t, int32_t n, int64_t s0)
{
    for (int32_t j = 0; j < n; ++j) {
        t->val[j] *= t->decay[s0 - t->last[j]];
        t->last[j] = s0;
    }
}

void fp_trace_spikes(fp_trace *t, const int32_t *ids, int64_t nspk, int64_t s)
{
    for (int64_t k = 0; k < nspk; ++k) {
        const int32_t j = ids[k];
        const double v = fp_trace_at(t, j, s);
        t->prev[j] = v;
        t->val[j] = t->mode == FP_TRACE_NEAREST ? 1.0 : v + 1.0;
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
                        double *ring, int32_t ring_len, int32_t n_post)
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
        for (int64_t q = pr->row_ptr[i]; q < pr->row_ptr[i + 1]; ++q) {
            const int32_t j = pr->post_ids[q];
            if (ring) {
                int64_t slot = base + pr->delay[q];
                if (slot >= ring_len) slot -= ring_len;
                ring[slot * n_post + j] += w[q];
            }
            double y = fp_trace_at(ty, j, s);
            /* restricted: the post spike must come after this neuron's previous pre spike */
            if (restricted && !(post->last_spike[j] >= 0 && pre->last_spike[i] <= post->last_spike[j]))
                y = 0.0;
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
                   const fp_group *post, const int32_t *ids, int64_t nspk, int64_t s)
{
    const int32_t pairing = pr->plastic->pairing;
    const fp_plastic *pl = pr->plastic;
    const fp_trace *tx = &traces[pl->tr_pot];
    const fp_trace *to2 = pl->tr_pot3 >= 0 ? &traces[pl->tr_pot3] : NULL;
    double *w = pr->weight;
    for (int64_t k = 0; k < nspk; ++k) {
        const int32_t j = ids[k];
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

void fp_modulated_step(const fp_proj *pr, double d, double dt)
{
    const fp_plastic *pl = pr->plastic;
    double *w = pr->weight, *c = pl->elig;
    const int64_t nnz = pr->row_ptr[pr->n_pre];
    const double g = dt * d, decay = pl->c_decay, lo = pl->w_min, hi = pl->w_max;
    for (int64_t q = 0; q < nnz; ++q) {
        w[q] = clip(w[q] + g * c[q], lo, hi);
        c[q] *= decay;
    }
}
