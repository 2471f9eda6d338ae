/* fp_engine.c -- slices, threads, delivery, recording; see fp_engine.h. */
#include <math.h>
#include <string.h>
#include "fp_engine.h"
#include "fp_neurons.h"
#include "fp_plasticity.h"
#include "fp_math.h"
#ifdef _OPENMP
#include <omp.h>
#endif

void fp_deliver(const int64_t *row_ptr, const int32_t *post_ids, const double *weight,
                const uint16_t *delay, const int32_t *spk, int64_t nspk, int64_t k,
                double *ring, int32_t ring_len, int32_t n_post)
{
    const int64_t base = k % ring_len;
    for (int64_t j = 0; j < nspk; ++j) {
        const int32_t i = spk[j];
        for (int64_t s = row_ptr[i]; s < row_ptr[i + 1]; ++s) {
            int64_t slot = base + delay[s];
            if (slot >= ring_len) slot -= ring_len;
            ring[slot * n_post + post_ids[s]] += weight[s];
        }
    }
}

/* Samples of a monitor that fall in steps [k0, k): multiples of `every`. */
static inline int64_t samples_before(int64_t k0, int64_t k, int64_t every)
{
    return (k + every - 1) / every - (k0 + every - 1) / every;
}

/* Copies the monitored variables of group gi, neurons [a, b), at step k of the
 * slice starting at k0.  Each thread writes only its own neurons' columns. */
static void record_state(fp_net *net, int32_t gi, int64_t k0, int64_t k, int32_t a, int32_t b)
{
    for (int32_t m = 0; m < net->n_mons; ++m) {
        fp_statemon *mon = &net->mons[m];
        if (mon->group != gi || k % mon->every != 0) continue;
        double *row = mon->out + (mon->out_len + samples_before(k0, k, mon->every)) * mon->n_idx;
        for (int32_t j = 0; j < mon->n_idx; ++j) {
            const int32_t i = mon->idx[j];
            if (i >= a && i < b) row[j] = mon->src[i];
        }
    }
}

/* One step of neurons [a, b) of group g; ids go to out, count returned. */
static int32_t step_block(fp_group *g, int64_t k, int32_t s, int32_t a, int32_t b, int32_t *out)
{
    double *re = NULL, *ri = NULL;
    if (g->ring_len > 0) {
        const int64_t off = (k % g->ring_len) * (int64_t)g->n;
        re = g->ring_e + off;
        ri = g->ring_i + off;
    }
    switch (g->kind) {
    case FP_LIF_CUBA:
        return fp_lif_cuba_step(g->p, a, b, g->v, g->ge, g->gi, g->refrac, g->i_bias, re, ri, out);
    case FP_LIF_COBA:
        return fp_lif_coba_step(g->p, a, b, g->v, g->ge, g->gi, g->refrac, g->i_bias, re, ri, out);
    case FP_ADEX:
        return fp_adex_step(g->p, a, b, g->v, g->ge, g->gi, g->u, g->refrac, g->i_bias, re, ri, out);
    case FP_IZHIKEVICH:
        return fp_izhikevich_step(g->p, a, b, g->v, g->ge, g->gi, g->u, g->i_bias, re, ri, out);
    case FP_ADEX_CLOPATH:
        return fp_adex_clopath_step(g->xp, k, a, b, g->n, g->v, g->ge, g->gi, g->u, g->refrac,
                                    g->i_bias, re, ri, g->aux,
                                    g->crec + (int64_t)s * FP_CLOPATH_NREC * g->n, out);
    case FP_POISSON: {
        if (g->next)
            return fp_poisson_skip_step(g->next, g->ndraw, g->logq, g->key, k, a, b, out);
        int64_t row = k / g->row_steps;
        if (row >= g->n_rows) row = g->n_rows - 1;
        return fp_poisson_step(g->prob + row * g->n, g->key, k, a, b, out);
    }
    default:
        return 0;
    }
}

/* Emits the replayed spikes of step k (entries are sorted by step). */
static int32_t replay_step(fp_group *g, int64_t k, int32_t *out)
{
    int32_t n_out = 0;
    while (g->rp_pos < g->rp_len && g->rp_step[g->rp_pos] == k)
        out[n_out++] = g->rp_id[g->rp_pos++];
    return n_out;
}

/* Advances neurons [a, b) of group gi through the slice [k0, k0 + len).
 * Spikes of step s go to slice_ids[s * n + a ...]; counts to cnt[s]. */
static void block_slice(fp_net *net, int32_t gi, int64_t k0, int32_t len,
                        int32_t a, int32_t b, int32_t *cnt)
{
    fp_group *g = &net->groups[gi];
    for (int32_t s = 0; s < len; ++s) {
        const int64_t k = k0 + s;
        int32_t *out = g->slice_ids + (int64_t)s * g->n + a;
        if (net->n_mons) record_state(net, gi, k0, k, a, b);
        cnt[s] = g->kind == FP_REPLAY ? replay_step(g, k, out) : step_block(g, k, s, a, b, out);
    }
}

/* Advances group gi through one slice, then packs its spikes step by step into
 * slice_ids / slice_ptr, in neuron order whatever the thread count. */
static void group_slice(fp_net *net, int32_t gi, int64_t k0, int32_t len)
{
    fp_group *g = &net->groups[gi];
    int32_t nt = net->n_threads;
    if (g->kind == FP_REPLAY || g->n < 64 * nt) nt = 1;
    g->crec_k0 = k0;
    int32_t *cnt = net->scratch;   /* [nt * len] */
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        int32_t t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        const int32_t a = (int32_t)((int64_t)g->n * t / nt);
        const int32_t b = (int32_t)((int64_t)g->n * (t + 1) / nt);
        block_slice(net, gi, k0, len, a, b, cnt + (int64_t)t * len);
    }
    /* pack: the block of thread t for step s starts at s*n + a_t */
    int64_t pos = 0;
    for (int32_t s = 0; s < len; ++s) {
        g->slice_ptr[s] = pos;
        for (int32_t t = 0; t < nt; ++t) {
            const int32_t a = (int32_t)((int64_t)g->n * t / nt);
            const int32_t c = cnt[(int64_t)t * len + s];
            const int32_t *src = g->slice_ids + (int64_t)s * g->n + a;
            if (src != g->slice_ids + pos) memmove(g->slice_ids + pos, src, (size_t)c * sizeof(int32_t));
            pos += c;
        }
    }
    g->slice_ptr[len] = pos;
}

/* Spikes of one step s of the slice (0-based in slice, absolute k) of group g. */
static inline const int32_t *step_spikes(const fp_group *g, int32_t s, int64_t *n)
{
    *n = g->slice_ptr[s + 1] - g->slice_ptr[s];
    return g->slice_ids + g->slice_ptr[s];
}

/* Spikes of the slice, step by step: delivery (and depression) through every
 * projection, trace updates, potentiation (order in fp_plasticity.h). */
static void deliver_slice(fp_net *net, int64_t k0, int32_t len)
{
    for (int32_t t = 0; t < net->n_traces; ++t)
        fp_trace_catch_up(&net->traces[t], net->groups[net->traces[t].group].n, k0);
    for (int32_t q = 0; q < net->n_projs; ++q) {     /* deferred histories: room for a slice */
        const fp_proj *pr = &net->projs[q];
        const fp_plastic *pl = pr->plastic;
        if (pl && pl->deferred && pl->h_meta[1] + len > pl->h_cap)
            fp_flush_deferred(pr, net->traces, &net->groups[pr->pre], net->groups[pr->post].n, k0);
    }
    for (int32_t s = 0; s < len; ++s) {
        const int64_t k = k0 + s;
        int64_t n;
        while (net->modulator && net->rw_pos < net->rw_len && net->rw_step[net->rw_pos] <= k)
            *net->modulator += net->rw_amount[net->rw_pos++];
        for (int32_t q = 0; q < net->n_projs; ++q) {
            const fp_proj *pr = &net->projs[q];
            fp_group *dst = &net->groups[pr->post];
            const int32_t *ids = step_spikes(&net->groups[pr->pre], s, &n);
            if (n == 0 || pr->row_ptr[pr->n_pre] == 0) continue;   /* (an empty projection's
                                                                      target may have no ring) */
            double *ring = pr->channel ? dst->ring_i : dst->ring_e;
            if (!ring && !pr->plastic) continue;     /* onto an input group, learning off */
            if (pr->plastic && pr->plastic->deferred)
                fp_deliver_deferred(pr, net->traces, &net->groups[pr->pre], ids, n, k, ring,
                                    dst->ring_len, dst->n);
            else if (pr->plastic)
                fp_deliver_plastic(pr, net->traces, &net->groups[pr->pre], dst, ids, n, k, ring,
                                   dst->ring_len, dst->n);
            else
                fp_deliver(pr->row_ptr, pr->post_ids, pr->weight, pr->delay, ids, n, k, ring,
                           dst->ring_len, dst->n);
        }
        for (int32_t t = 0; t < net->n_traces; ++t) {
            const int32_t *ids = step_spikes(&net->groups[net->traces[t].group], s, &n);
            if (n) fp_trace_spikes(&net->traces[t], ids, n, k);
        }
        for (int32_t gi = 0; gi < net->n_groups; ++gi) {       /* spike times of the step */
            fp_group *g = &net->groups[gi];
            const int32_t *ids = step_spikes(g, s, &n);
            for (int64_t j = 0; j < n; ++j) {
                g->prev_spike[ids[j]] = g->last_spike[ids[j]];
                g->last_spike[ids[j]] = k;
            }
        }
        for (int32_t q = 0; q < net->n_projs; ++q) {
            const fp_proj *pr = &net->projs[q];
            if (!pr->plastic) continue;
            if (pr->plastic->clopath) {
                fp_clopath_ltp(pr, net->traces, &net->groups[pr->pre], &net->groups[pr->post], k);
                continue;
            }
            const int32_t *ids = step_spikes(&net->groups[pr->post], s, &n);
            if (n && pr->plastic->deferred)
                fp_record_post(pr, net->traces, ids, n, k);
            else if (n)
                fp_potentiate(pr, net->traces, &net->groups[pr->pre], &net->groups[pr->post],
                              ids, n, k);
        }
        if (net->modulator) {
            for (int32_t q = 0; q < net->n_projs; ++q)
                if (net->projs[q].plastic && net->projs[q].plastic->elig)
                    fp_modulated_step(&net->projs[q], *net->modulator, net->dt);
            *net->modulator *= net->d_decay;
        }
    }
}

/* Spike records, per-step counts and monitor row counts of the slice. */
static void record_slice(fp_net *net, int64_t k0, int32_t len)
{
    for (int32_t gi = 0; gi < net->n_groups; ++gi) {
        fp_group *g = &net->groups[gi];
        for (int32_t s = 0; s < len; ++s) {
            const int64_t lo = g->slice_ptr[s], hi = g->slice_ptr[s + 1];
            if (g->counts) g->counts[k0 + s - g->count_base] = (int32_t)(hi - lo);
            if (g->record) {
                for (int64_t j = lo; j < hi; ++j) {
                    g->rec_ids[g->rec_len] = g->slice_ids[j];
                    g->rec_steps[g->rec_len] = k0 + s;
                    g->rec_len++;
                }
            }
        }
    }
    for (int32_t m = 0; m < net->n_mons; ++m) {
        fp_statemon *mon = &net->mons[m];
        mon->out_len += samples_before(k0, k0 + len, mon->every);
    }
}

/* Room for one more slice in every spike record? */
static int records_have_room(const fp_net *net, int32_t len)
{
    for (int32_t gi = 0; gi < net->n_groups; ++gi) {
        const fp_group *g = &net->groups[gi];
        if (g->record && g->rec_len + (int64_t)g->n * len > g->rec_cap) return 0;
    }
    return 1;
}

/* Any inf or NaN in x[0..n)?  An OR-reduction over the exponent bits (all
 * ones only for inf/NaN), written so that it vectorises.  O(n). */
FP_VECTOR_CLONES
static int any_non_finite(const double *x, int32_t n)
{
    uint64_t acc = 0;
    for (int32_t i = 0; i < n; ++i) {
        uint64_t b;
        memcpy(&b, &x[i], sizeof b);
        acc |= (~b & 0x7ff0000000000000ULL) ? 0 : 1;
    }
    return acc != 0;
}

/* Index of the first non-finite entry of x[0..n), or -1. */
static int64_t first_non_finite(const double *x, int32_t n)
{
    if (!x || !any_non_finite(x, n)) return -1;
    for (int32_t i = 0; i < n; ++i)
        if (!isfinite(x[i])) return i;
    return -1;
}

/* Numerical health after a group's slice: records the culprit and returns 1
 * when a state variable (0 v, 1 u, 2 ge, 3 gi) holds a non-finite value. */
static int unhealthy(fp_net *net, int32_t gi)
{
    const fp_group *g = &net->groups[gi];
    const double *vars[4] = {g->v, g->u, g->ge, g->gi};
    for (int32_t j = 0; j < 4; ++j) {
        if (first_non_finite(vars[j], g->n) >= 0) {
            net->bad_group = gi;
            net->bad_var = j;
            return 1;
        }
    }
    return 0;
}

/* Brings the weights of deferred projections up to date at step k. */
static void flush_all(fp_net *net, int64_t k)
{
    for (int32_t q = 0; q < net->n_projs; ++q) {
        const fp_proj *pr = &net->projs[q];
        if (pr->plastic && pr->plastic->deferred)
            fp_flush_deferred(pr, net->traces, &net->groups[pr->pre], net->groups[pr->post].n, k);
    }
}

int64_t fp_run(fp_net *net, int64_t k0, int64_t k1)
{
    int64_t k = k0;
    net->bad_group = net->bad_var = -1;
    while (k < k1) {
        const int32_t len = (int32_t)(k1 - k < net->min_delay ? k1 - k : net->min_delay);
        if (!records_have_room(net, len)) break;
        int bad = 0;
        for (int32_t gi = 0; gi < net->n_groups; ++gi) {
            group_slice(net, gi, k, len);
            if (net->check_finite && unhealthy(net, gi)) bad = 1;
        }
        if (bad) {              /* the state is left as it is, for inspection */
            flush_all(net, k);
            return k;
        }
        deliver_slice(net, k, len);
        record_slice(net, k, len);
        k += len;
    }
    if (net->flush_end) flush_all(net, k);
    return k;
}
