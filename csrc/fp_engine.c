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
                const uint16_t *delay, int32_t d0, const int32_t *spk, int64_t nspk, int64_t k,
                double *ring, int32_t ring_len, int32_t n_post, int32_t jlo, int32_t jhi)
{
    const int64_t base = k % ring_len;
    double *r = ring + ((base + d0) % ring_len) * n_post;      /* (used with one delay) */
    for (int64_t j = 0; j < nspk; ++j) {
        int64_t q0, q1;
        fp_row_segment(row_ptr, post_ids, spk[j], jlo, jhi, n_post, &q0, &q1);
        fp_ahead ah = {0};      /* the next row's lines, while this one is scanned */
        if (j + 1 < nspk)
            fp_ahead_init(&ah, row_ptr, post_ids, weight, spk[j + 1], jlo, jhi, n_post);
        for (int64_t b0 = q0; b0 < q1; b0 += FP_AHEAD_BLOCK) {
            const int64_t b1 = b0 + FP_AHEAD_BLOCK < q1 ? b0 + FP_AHEAD_BLOCK : q1;
            fp_ahead_step(&ah, b1 - b0);
            if (!delay) {       /* one delay: one ring slot for the whole row */
                for (int64_t s = b0; s < b1; ++s) r[post_ids[s]] += weight[s];
                continue;
            }
            for (int64_t s = b0; s < b1; ++s) {
                int64_t slot = base + delay[s];
                if (slot >= ring_len) slot -= ring_len;
                ring[slot * n_post + post_ids[s]] += weight[s];
            }
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

/* One step of neurons [a, b) of group g; ids go to out, count returned.
 * LIF kernels set *nonfinite when they store a non-finite value. */
static int32_t step_block(fp_group *g, int64_t k, int32_t s, int32_t a, int32_t b, int32_t *out,
                          int32_t *nonfinite)
{
    double *re = NULL, *ri = NULL;
    if (g->ring_len > 0 && !g->direct_input) {
        const int64_t off = (k % g->ring_len) * (int64_t)g->n;
        re = g->ring_e + off;
        ri = g->ring_i + off;
    }
    switch (g->kind) {
    case FP_LIF_CUBA:
        return fp_lif_cuba_step(g->p, a, b, g->v, g->ge, g->gi, g->refrac, g->i_bias, re, ri, out,
                                nonfinite);
    case FP_LIF_COBA:
        return fp_lif_coba_step(g->p, a, b, g->v, g->ge, g->gi, g->refrac, g->i_bias, re, ri, out,
                                nonfinite);
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

/* A group's two spike buffers: slices alternate between them (par = 0, 1),
 * so that the spikes of one slice can still be read (fp_run's pipelined
 * schedule) while the next slice's are written. */
static inline int32_t *slice_ids(const fp_net *net, const fp_group *g, int par)
{
    return g->slice_ids + (int64_t)par * net->min_delay * g->n;
}

static inline int64_t *slice_ptr(const fp_net *net, const fp_group *g, int par)
{
    return g->slice_ptr + (int64_t)par * (net->min_delay + 1);
}

/* Advances neurons [a, b) of group gi through the slice [k0, k0 + len).
 * Spikes of step s go to buffer par at [s * n + a ...]; counts to cnt[s].
 * Returns 1 when the kernel vouched that every value it stored was finite
 * (LIF kinds), 0 when the health check must look. */
static int block_slice(fp_net *net, int32_t gi, int64_t k0, int32_t len,
                       int32_t a, int32_t b, int32_t *cnt, int par)
{
    fp_group *g = &net->groups[gi];
    int32_t nonfinite = 0;
    for (int32_t s = 0; s < len; ++s) {
        const int64_t k = k0 + s;
        int32_t *out = slice_ids(net, g, par) + (int64_t)s * g->n + a;
        if (net->n_mons) record_state(net, gi, k0, k, a, b);
        cnt[s] = g->kind == FP_REPLAY ? replay_step(g, k, out)
                                      : step_block(g, k, s, a, b, out, &nonfinite);
    }
    return (g->kind == FP_LIF_CUBA || g->kind == FP_LIF_COBA) && !nonfinite && b > a;
}

/* Neurons [*a, *b) of a group of n that thread t of nt handles: the
 * balancer's cuts when nt is the team (fp_run), else equal parts.  Every
 * phase of a slice uses the same parts (the cuts move between slices). */
static inline void part(const fp_net *net, int32_t n, int32_t t, int32_t nt, int32_t *a, int32_t *b)
{
    if (net->cut && nt == net->cut_nt) {
        *a = t == 0 ? 0 : (int32_t)(n * net->cut[t]);
        *b = t + 1 == nt ? n : (int32_t)(n * net->cut[t + 1]);
        return;
    }
    *a = (int32_t)((int64_t)n * t / nt);
    *b = (int32_t)((int64_t)n * (t + 1) / nt);
}

/* Threads that advance group g: one for small groups and replays. */
static inline int32_t group_threads(const fp_group *g, int32_t nt)
{
    return (g->kind == FP_REPLAY || g->n < 64 * nt) ? 1 : nt;
}

/* Thread t's block of group gi through the slice [k0, k0 + len); counts go to
 * this group's and thread's part of net->scratch.  Returns block_slice's
 * verdict (1: known finite). */
static int group_part(fp_net *net, int32_t gi, int64_t k0, int32_t len, int32_t t, int32_t nt,
                      int par)
{
    fp_group *g = &net->groups[gi];
    const int32_t ng = group_threads(g, nt);
    if (t >= ng) return 1;
    int32_t *cnt = net->scratch + ((int64_t)gi * nt + t) * len;
    int32_t a, b;
    part(net, g->n, t, ng, &a, &b);
    if (t == 0) g->crec_k0 = k0;
    return block_slice(net, gi, k0, len, a, b, cnt, par);
}

/* Packs group gi's spikes of the slice step by step into its buffer par
 * (ids and ptr), in neuron order whatever the thread count (the block of
 * thread t for step s starts at s*n + a_t). */
static void group_pack(fp_net *net, int32_t gi, int32_t len, int32_t nt, int par)
{
    fp_group *g = &net->groups[gi];
    const int32_t ng = group_threads(g, nt);
    const int32_t *cnt = net->scratch + (int64_t)gi * nt * len;
    int32_t *ids = slice_ids(net, g, par);
    int64_t *ptr = slice_ptr(net, g, par);
    int64_t pos = 0;
    for (int32_t s = 0; s < len; ++s) {
        ptr[s] = pos;
        for (int32_t t = 0; t < ng; ++t) {
            int32_t a, b;
            part(net, g->n, t, ng, &a, &b);
            const int32_t c = cnt[(int64_t)t * len + s];
            const int32_t *src = ids + (int64_t)s * g->n + a;
            if (src != ids + pos) memmove(ids + pos, src, (size_t)c * sizeof(int32_t));
            pos += c;
        }
    }
    ptr[len] = pos;
}

/* Spikes of step s of the slice in buffer par (0-based in the slice) of group g. */
static inline const int32_t *step_spikes(const fp_net *net, const fp_group *g, int par, int32_t s,
                                         int64_t *n)
{
    const int64_t *ptr = slice_ptr(net, g, par);
    *n = ptr[s + 1] - ptr[s];
    return slice_ids(net, g, par) + ptr[s];
}

#ifdef _OPENMP
#define SYNC(cond) do { if (cond) { _Pragma("omp barrier") } } while (0)
#else
#define SYNC(cond) do { } while (0)
#endif

/* Threads deliver onto the same target neurons that they advance (part()):
 * a ring entry, trace or history is then written and read by one core.
 * Handing target blocks out dynamically balanced the load better but moved
 * those lines between the cores' caches every step; measured at 10^7
 * synapses with STDP, 2 threads: 1.07-1.28x one thread dynamically,
 * 1.36-1.75x with fixed parts (40k x 80: 1.37-1.58x against 1.65-2.42x). */

/* Wall-clock seconds, for the balancer (0 without OpenMP: no balancing);
 * busy NULL (one thread): no clock read (~44 ns each on this VM). */
static inline double now(const double *busy)
{
#ifdef _OPENMP
    return busy ? omp_get_wtime() : 0.0;
#else
    (void)busy;
    return 0.0;
#endif
}

/* busy[0]: the balancer's sum (reset when the cuts move); busy[1]: the
 * whole call's (net->time_io). */
static inline void add_busy(double *busy, double since)
{
    if (busy) {
        const double d = now(busy) - since;
        busy[0] += d;
        busy[1] += d;
    }
}

/* Steps a deferred history may span (its int32 steps count from h_meta[0]). */
#define FP_STEP_SPAN ((int64_t)1 << 30)

/* Thread t's share of one deferred projection's flush at step k0: every
 * pending update applied, histories (or sums) emptied, counting from k0. */
static void flush_proj(fp_net *net, const fp_proj *pr, int64_t k0, int32_t t, int32_t nt,
                       double *busy)
{
    fp_plastic *pl = (fp_plastic *)pr->plastic;
    int32_t ilo, ihi, jlo, jhi;
    const int32_t n_post = net->groups[pr->post].n;
    part(net, n_post, t, nt, &jlo, &jhi);    /* the targets this thread delivers onto */
    const double w0 = now(busy);
    fp_flush_replay(pr, net->traces, &net->groups[pr->pre], n_post, jlo, jhi);
    add_busy(busy, w0);
    SYNC(nt > 1);
    part(net, pr->n_pre, t, nt, &ilo, &ihi);
    fp_flush_reset(pr, net->traces, k0, ilo, ihi, jlo, jhi);
    if (t == 0) {
        pl->h_meta[0] = k0;
        pl->h_meta[1] = 0;
        if (pl->summed) fp_sum_bases(pl, k0);
    }
    SYNC(nt > 1);
}

/* Thread t's share of a summed projection's restart at step k0
 * (fp_sum_restart): no synapse touched but those of rows silent for the
 * FP_SUM_OLD epochs before this one. */
static void restart_proj(fp_net *net, const fp_proj *pr, int64_t k0, int32_t t, int32_t nt,
                         double *busy)
{
    fp_plastic *pl = (fp_plastic *)pr->plastic;
    int32_t ilo, ihi, jlo, jhi;
    const fp_group *pre = &net->groups[pr->pre];
    const int32_t n_post = net->groups[pr->post].n;
    part(net, n_post, t, nt, &jlo, &jhi);
    const double w0 = now(busy);
    fp_sum_restart(pr, net->traces, pre, n_post, jlo, jhi);
    add_busy(busy, w0);
    SYNC(nt > 1);
    part(net, pr->n_pre, t, nt, &ilo, &ihi);
    fp_sum_shift(pr, net->traces, pre, k0, ilo, ihi, jlo, jhi);
    SYNC(nt > 1);
    if (t == 0) fp_sum_next_epoch(pl, k0);
    SYNC(nt > 1);
}

/* Whether a summed rule's sums restart at step k: every sum_period steps
 * (fp_plasticity.h; checked at every step, so that they restart at the same
 * steps however runs are cut). */
static inline int sums_due(const fp_plastic *pl, int64_t k)
{
    return pl && pl->deferred && pl->summed && k - pl->h_meta[0] >= pl->sum_period;
}

/* Thread t's share of the slice's deferred flushes -- where a history could
 * overflow within the slice (or its int32 steps could) -- and summed rules'
 * restarts; with force, a flush of every deferred projection (the one at the
 * end of fp_run).  All threads decide from h_meta before any of them resets
 * it (flush_proj, restart_proj). */
static void flush_for_room(fp_net *net, int64_t k0, int32_t len, int32_t t, int32_t nt, int force,
                           double *busy)
{
    for (int32_t q = 0; q < net->n_projs; ++q) {
        const fp_proj *pr = &net->projs[q];
        const fp_plastic *pl = pr->plastic;
        if (!(pl && pl->deferred)) continue;
        if (force || (!pl->summed && (pl->h_meta[1] + len > pl->h_cap
                                      || k0 + len - pl->h_meta[0] > FP_STEP_SPAN)))
            flush_proj(net, pr, k0, t, nt, busy);
        else if (sums_due(pl, k0))
            restart_proj(net, pr, k0, t, nt, busy);
    }
}

/* Summed rules' restarts at step k inside a slice. */
static void restart_sums(fp_net *net, int64_t k, int32_t t, int32_t nt, double *busy)
{
    for (int32_t q = 0; q < net->n_projs; ++q)
        if (sums_due(net->projs[q].plastic, k)) restart_proj(net, &net->projs[q], k, t, nt, busy);
}

/* Delivery in tiles of postsynaptic neurons: every spiking row's synapses
 * onto the first tile, then onto the next, and so on, so that the
 * per-neuron arrays an event touches (for a summed rule the ring row, h_sum
 * and y_base: 24 B a neuron) stay in the L1 cache over a tile instead of
 * being read from L2 at random for every row.  A tile is a part like a
 * thread's (fp_row_segment), so the results are those of one call over all
 * targets, bit for bit: every target still receives its inputs in the
 * serial order.  Measured (1 thread, alternating runs, 10^7 synapses: rows
 * of 800 onto 8000 neurons): summed rules ~0.8x the run time; static
 * projections (the ring row alone) and rules with histories gained nothing,
 * so only summed rules are tiled.  Tiles hold about FP_TILE_BYTES of that
 * state; rows with fewer than FP_TILE_MIN_SEG synapses a tile, on average,
 * are not split (their searches would cost more than the cache saves).
 * fp_tile_force > 0 (tests) imposes a width on every projection. */
#define FP_TILE_BYTES 24576         /* (16-48 KB: equal within noise, 10^7 STDP) */
#define FP_TILE_MIN_SEG 32
int32_t fp_tile_force = 0;

static inline int32_t tile_width(const fp_proj *pr, int32_t n_post, int32_t jlo, int32_t jhi)
{
    const int32_t range = jhi - jlo > 1 ? jhi - jlo : 1;
    if (fp_tile_force > 0) return fp_tile_force;
    const fp_plastic *pl = pr->plastic;
    if (!(pl && pl->deferred && pl->summed && pl->y_based)) return range;
    const int64_t tiles = ((int64_t)range * 24 + FP_TILE_BYTES / 2) / FP_TILE_BYTES;
    if (tiles < 2) return range;
    const int32_t w = (int32_t)((range + tiles - 1) / tiles);
    if ((double)pr->row_ptr[pr->n_pre] * w < (double)FP_TILE_MIN_SEG * pr->n_pre * n_post)
        return range;                                   /* (doubles: no overflow) */
    return w;
}

/* Step k's delivery (and depression), thread t of nt: through every
 * projection, in order, onto the targets the thread advances (part()), so
 * every ring entry receives its inputs in the serial order and results do
 * not depend on the thread count. */
static void deliver_step(fp_net *net, int par, int32_t s, int64_t k, int32_t t, int32_t nt)
{
    int64_t n;
    for (int32_t q = 0; q < net->n_projs; ++q) {
        const fp_proj *pr = &net->projs[q];
        fp_group *dst = &net->groups[pr->post];
        const int32_t *ids = step_spikes(net, &net->groups[pr->pre], par, s, &n);
        if (n == 0 || pr->row_ptr[pr->n_pre] == 0) continue;   /* (an empty projection's
                                                                  target may have no ring) */
        double *ring = pr->channel ? dst->ring_i : dst->ring_e;
        if (!ring && !pr->plastic) continue;     /* onto an input group, learning off */
        int32_t jlo, jhi;
        part(net, dst->n, t, nt, &jlo, &jhi);
        const int32_t w = tile_width(pr, dst->n, jlo, jhi);
        if (pr->plastic && pr->plastic->deferred) {
            fp_deliver_deferred(pr, net->traces, &net->groups[pr->pre], ids, n, k, ring,
                                dst->ring_len, dst->n, jlo, jhi, w);
            continue;
        }
        for (int32_t a = jlo; a < jhi; a += w) {        /* (w < jhi - jlo: tests only) */
            const int32_t b = jhi - a > w ? a + w : jhi;
            if (pr->plastic)
                fp_deliver_plastic(pr, net->traces, &net->groups[pr->pre], dst, ids, n, k, ring,
                                   dst->ring_len, dst->n, a, b);
            else
                fp_deliver(pr->row_ptr, pr->post_ids, pr->weight, pr->delay, pr->delay0, ids, n,
                           k, ring, dst->ring_len, dst->n, a, b);
        }
    }
}

/* After delivery: trace updates, spike times, deferred rows marked up to
 * date -- each thread for its own neurons. */
static void spikes_seen(fp_net *net, int par, int32_t s, int64_t k, int32_t t, int32_t nt)
{
    int64_t n;
    int32_t a, b;
    for (int32_t r = 0; r < net->n_traces; ++r) {
        fp_trace *tr = &net->traces[r];
        const int32_t *ids = step_spikes(net, &net->groups[tr->group], par, s, &n);
        part(net, net->groups[tr->group].n, t, nt, &a, &b);
        if (n) fp_trace_spikes(tr, ids, n, k, a, b);
    }
    for (int32_t gi = 0; gi < net->n_groups; ++gi) {
        fp_group *g = &net->groups[gi];
        const int32_t *ids = step_spikes(net, g, par, s, &n);
        part(net, g->n, t, nt, &a, &b);
        for (int64_t j = 0; j < n; ++j) {
            const int32_t i = ids[j];
            if (i < a || i >= b) continue;
            g->prev_spike[i] = g->last_spike[i];
            g->last_spike[i] = k;
        }
    }
    for (int32_t q = 0; q < net->n_projs; ++q) {
        const fp_proj *pr = &net->projs[q];
        if (!(pr->plastic && pr->plastic->deferred)) continue;
        const int32_t *ids = step_spikes(net, &net->groups[pr->pre], par, s, &n);
        part(net, pr->n_pre, t, nt, &a, &b);
        if (n) fp_deferred_mark(pr, ids, n, k, a, b);
    }
}

/* *most_io = max(*most_io, most), shared by the threads: read first, so that
 * the lock is taken only when the value grows (a summed rule's flag, once a
 * run; a history's longest length, rarely), not by both threads every step,
 * which moved its cache line between the cores every step.  (No measurable
 * difference in wall time at 10^7 STDP, 2 threads: 0.98-1.00, in-process
 * A/B, bench/ab_builds.py.) */
static inline void raise_most(int64_t *most_io, int32_t most)
{
    int64_t now_most;
#ifdef _OPENMP
#pragma omp atomic read
#endif
    now_most = *most_io;
    if (most <= now_most) return;
#ifdef _OPENMP
#pragma omp critical(fp_h_meta)
#endif
    {
#ifdef _OPENMP
#pragma omp atomic read
#endif
        now_most = *most_io;
        if (most > now_most) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            *most_io = most;
        }
    }
}

/* Postsynaptic-spike plasticity of step k, thread t's share of each target. */
static void potentiate_step(fp_net *net, int par, int32_t s, int64_t k, int32_t t, int32_t nt)
{
    int64_t n;
    for (int32_t q = 0; q < net->n_projs; ++q) {
        const fp_proj *pr = &net->projs[q];
        if (!pr->plastic) continue;
        const fp_group *post = &net->groups[pr->post];
        int32_t jlo, jhi;
        part(net, post->n, t, nt, &jlo, &jhi);
        if (pr->plastic->clopath) {
            fp_clopath_ltp(pr, net->traces, &net->groups[pr->pre], post, k, jlo, jhi);
            continue;
        }
        const int32_t *ids = step_spikes(net, post, par, s, &n);
        if (n && pr->plastic->deferred) {
            const int32_t most = fp_record_post(pr, net->traces, ids, n, k, jlo, jhi);
            raise_most(pr->plastic->h_meta + 1, most);
        } else if (n) {
            fp_potentiate(pr, net->traces, &net->groups[pr->pre], post, ids, n, k, jlo, jhi);
        }
    }
}

/* Trace updates, then potentiation, of step k (index s of the slice in
 * buffer par): thread t's share.  sync: a barrier between the two, needed
 * unless potentiation reads only the thread's own neurons' traces (deferred
 * rules: can_pipeline). */
static void seen_and_potentiate(fp_net *net, int par, int32_t s, int64_t k, int32_t t, int32_t nt,
                                int sync, double *busy)
{
    double w0 = now(busy);
    spikes_seen(net, par, s, k, t, nt);
    add_busy(busy, w0);
    SYNC(sync);
    w0 = now(busy);
    potentiate_step(net, par, s, k, t, nt);
    add_busy(busy, w0);
}

/* Thread t's share of the delivery of a slice: the spikes of the slice, step
 * by step, through every projection, then trace updates, then potentiation
 * (order in fp_plasticity.h).  With nt > 1 each thread handles the synapses
 * onto its share of every target group (and its share of the traces), with
 * barriers between the phases when anything learns (sync); a static network
 * needs none, since its delivery reads nothing that the other phases write.
 * With pipe, the trace updates and potentiation of the slice's last step are
 * left to the caller (fp_run's pipelined schedule). */
static void deliver_part(fp_net *net, int64_t k0, int32_t len, int32_t t, int32_t nt, int sync,
                         double *busy, int par, int pipe)
{
    flush_for_room(net, k0, len, t, nt, 0, busy);
    for (int32_t s = 0; s < len; ++s) {
        const int64_t k = k0 + s;
        if (s > 0 && net->has_summed) restart_sums(net, k, t, nt, busy);
        if (net->modulator) {
            if (t == 0)
                while (net->rw_pos < net->rw_len && net->rw_step[net->rw_pos] <= k)
                    *net->modulator += net->rw_amount[net->rw_pos++];
            SYNC(sync);
        }
        const double w0 = now(busy);
        deliver_step(net, par, s, k, t, nt);
        add_busy(busy, w0);
        if (pipe && s + 1 == len) break;
        SYNC(sync);
        seen_and_potentiate(net, par, s, k, t, nt, sync && !pipe, busy);
        if (net->modulator) {
            SYNC(sync);
            for (int32_t q = 0; q < net->n_projs; ++q) {
                const fp_proj *pr = &net->projs[q];
                if (!(pr->plastic && pr->plastic->elig)) continue;
                const int64_t nnz = pr->row_ptr[pr->n_pre];
                fp_modulated_step(pr, *net->modulator, net->dt,
                                  nnz * t / nt, nnz * (t + 1) / nt);
            }
            SYNC(sync);
            if (t == 0) *net->modulator *= net->d_decay;
        }
        SYNC(sync && s + 1 < len);  /* (after the slice's last step: run_part's barriers) */
    }
}

/* Threads that deliver: all of them for networks of at least par_min
 * synapses, else one (the barriers between phases would cost more than they
 * save). */
static int32_t delivery_threads(const fp_net *net)
{
    int64_t nnz = 0;
    for (int32_t q = 0; q < net->n_projs; ++q) nnz += net->projs[q].row_ptr[net->projs[q].n_pre];
    return nnz < net->par_min ? 1 : net->n_threads;
}

/* Neurons from which a network with few synapses still splits its neuron
 * updates among the threads: below, a step's work is a few microseconds and
 * the barriers of a threaded step cost more than they save (COBA 4k, 2
 * threads: 1.6x slower than 1, measured). */
#define FP_PARALLEL_MIN_NEURONS 100000

/* Threads of the team: all of them when delivery is threaded or the groups
 * are large, else one. */
static int32_t team_threads(const fp_net *net)
{
    if (delivery_threads(net) > 1) return net->n_threads;
    int64_t neurons = 0;
    for (int32_t gi = 0; gi < net->n_groups; ++gi) neurons += net->groups[gi].n;
    return neurons < FP_PARALLEL_MIN_NEURONS ? 1 : net->n_threads;
}

/* Whether anything learns (then the delivery phases need barriers). */
static int network_learns(const fp_net *net)
{
    int learns = net->n_traces > 0 || net->modulator;
    for (int32_t q = 0; q < net->n_projs; ++q) if (net->projs[q].plastic) learns = 1;
    return learns;
}

/* Spike records, per-step counts and monitor row counts of the slice. */
static void record_slice(fp_net *net, int64_t k0, int32_t len, int par)
{
    for (int32_t gi = 0; gi < net->n_groups; ++gi) {
        fp_group *g = &net->groups[gi];
        const int32_t *ids = slice_ids(net, g, par);
        const int64_t *ptr = slice_ptr(net, g, par);
        for (int32_t s = 0; s < len; ++s) {
            const int64_t lo = ptr[s], hi = ptr[s + 1];
            if (g->counts) g->counts[k0 + s - g->count_base] = (int32_t)(hi - lo);
            if (g->record) {
                for (int64_t j = lo; j < hi; ++j) {
                    g->rec_ids[g->rec_len] = ids[j];
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

/* Steps of the slice starting at k (fp_run stops at k1). */
static inline int32_t slice_len(const fp_net *net, int64_t k, int64_t k1)
{
    return (int32_t)(k1 - k < net->min_delay ? k1 - k : net->min_delay);
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

/* Any non-finite state variable among neurons [a, b) of group g? */
static int block_unhealthy(const fp_group *g, int32_t a, int32_t b)
{
    const double *vars[4] = {g->v, g->u, g->ge, g->gi};
    for (int32_t j = 0; j < 4; ++j)
        if (vars[j] && any_non_finite(vars[j] + a, b - a)) return 1;
    return 0;
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

/* Load balance between the threads: every thread sums the seconds it spends
 * working (barrier waits excluded); every FP_BALANCE_STEPS steps thread 0
 * moves the cuts halfway towards parts that would have taken equal times.
 * Parts are equal at first.  Cores of a shared machine run at different
 * speeds (one core took 1.2x as long as the other for the same LIF neurons
 * at 10^7 synapses here), so equal parts left the faster one waiting.  The
 * cuts change only the split of the work: results are bit-identical. */
#define FP_PAD 8                    /* doubles per thread's sums (own cache line):
                                     * add_busy's [0] and [1] */
#define FP_BALANCE_STEPS 500
#define FP_MAX_BALANCED 64          /* threads beyond: equal parts */

typedef struct {
    double cut[FP_MAX_BALANCED + 1];
    double busy[FP_MAX_BALANCED * FP_PAD] __attribute__((aligned(64)));  /* (a line a thread) */
    int64_t steps;                  /* since the last move */
} fp_balance;

/* Test hook: > 0 fixes thread 0's part at this fraction of every group (the
 * rest split equally) and stops the balancer. */
double fp_cut_test = 0.0;

static void balance_init(fp_balance *bal, int32_t nt)
{
    memset(bal, 0, sizeof *bal);
    for (int32_t t = 0; t <= nt; ++t) bal->cut[t] = (double)t / nt;
    if (fp_cut_test > 0.0 && nt > 1)
        for (int32_t t = 1; t <= nt; ++t)
            bal->cut[t] = fp_cut_test + (1.0 - fp_cut_test) * (t - 1) / (nt - 1);
}

/* Counts the slice's steps; 1 when the cuts are due to move (thread 0, in
 * the serial part of a slice; rebalance() then moves them while the other
 * threads wait). */
static int balance_due(fp_balance *bal, int32_t nt, int32_t len)
{
    bal->steps += len;
    return nt > 1 && bal->steps >= FP_BALANCE_STEPS && fp_cut_test == 0.0;
}

static void rebalance(fp_balance *bal, int32_t nt)
{
    double speed[FP_MAX_BALANCED], total = 0.0;
    bal->steps = 0;
    for (int32_t t = 0; t < nt; ++t) {
        const double width = bal->cut[t + 1] - bal->cut[t], secs = bal->busy[t * FP_PAD];
        if (!(secs > 0.0)) return;  /* (no timer, or nothing timed yet) */
        speed[t] = width / secs;
        total += speed[t];
    }
    double at = 0.0;
    for (int32_t t = 0; t < nt; ++t) {
        double width = 0.5 * (bal->cut[t + 1] - bal->cut[t]) + 0.5 * speed[t] / total;
        const double lo = 0.25 / nt;            /* no thread starved by one bad sample */
        width = width < lo ? lo : width;
        at += width;
        bal->cut[t + 1] = at;
    }
    for (int32_t t = 1; t <= nt; ++t) bal->cut[t] /= at;     /* (the clamps may overshoot) */
    bal->cut[nt] = 1.0;
    for (int32_t t = 0; t < nt; ++t) bal->busy[t * FP_PAD] = 0.0;
}

/* Whether fp_run may use the pipelined schedule (run_part): the trace
 * updates and potentiation of a slice's last step run after the next
 * slice's neuron updates, between the same two barriers as that slice's
 * spike packing.  Neither reads what the other writes when every plastic
 * projection is deferred (its potentiation only appends to the histories of
 * the thread's own targets), no Clopath rule or group (its potentiation
 * reads per-step records that neuron updates overwrite) and no
 * neuromodulator; static networks qualify. */
static int can_pipeline(const fp_net *net)
{
    if (net->modulator) return 0;
    for (int32_t q = 0; q < net->n_projs; ++q) {
        const fp_plastic *pl = net->projs[q].plastic;
        if (pl && (!pl->deferred || pl->clopath)) return 0;
    }
    for (int32_t gi = 0; gi < net->n_groups; ++gi)
        if (net->groups[gi].kind == FP_ADEX_CLOPATH) return 0;
    return 1;
}

/* Whether every thread's delivery writes only the ring entries that the same
 * thread reads in the next neuron updates: delivery split like the neuron
 * updates of every group that receives input.  Then, between a slice's
 * delivery and the next slice's neuron updates, no barrier is needed. */
static int rings_private(const fp_net *net, int32_t nt, int32_t nd)
{
    if (nd != nt) return 0;
    for (int32_t gi = 0; gi < net->n_groups; ++gi) {
        const fp_group *g = &net->groups[gi];
        if (g->ring_len > 0 && group_threads(g, nt) != nt) return 0;
    }
    return 1;
}

/* fp_run's slices, for thread t of nt: one parallel region for the whole
 * call (opening one per slice cost more than it saved, measured), phases
 * separated by barriers; thread 0 does the serial parts.  A slice:
 *   neuron updates (own neurons)                         | barrier A
 *   [pipe: trace updates + potentiation of the previous slice's last step]
 *   thread 0: packs the spikes, records them, decides the next slice
 *                                                        | barrier B
 *   delivery and plasticity (deliver_part)               | [barrier C]
 * Barrier C (before the next neuron updates) is needed only when a thread's
 * delivery may write ring entries another thread reads next (!rings_private),
 * without pipe (potentiation may then read what the next neuron updates
 * write), and when the balancer moves the cuts.  Spikes of consecutive
 * slices go to alternate buffers (par), so those of slice n are still
 * readable while slice n + 1 is computed.  With 10^7 synapses and min_delay
 * 1 step this is 2 barriers per step instead of 6 (STDP) or 4 (static). */
static void run_part(fp_net *net, int64_t k1, int32_t t, int32_t nt, int32_t nd, int learns,
                     int pipe, int64_t *k_io, int32_t *len_io, int *flag, fp_balance *bal)
{
    double *busy = nt > 1 ? &bal->busy[t * FP_PAD] : NULL;     /* (timed only to balance) */
    const int sync = nd > 1 && learns;
    const int need_c = !pipe || !rings_private(net, nt, nd);
    int par = 0, pending = 0;       /* pending: slice `par ^ 1`'s last step awaits its
                                     * trace updates and potentiation (pipe) */
    int64_t k_last = 0;             /* that step */
    int32_t s_last = 0;             /* its index in its slice */
    for (;;) {
        if (flag[0]) break;         /* (set before the region, or in the last serial part) */
        const int64_t k = *k_io;
        const int32_t len = *len_io;
        double w0 = now(busy);
        for (int32_t gi = 0; gi < net->n_groups; ++gi) {
            const int finite = group_part(net, gi, k, len, t, nt, par);
            if (net->check_finite && !finite) {
                const fp_group *g = &net->groups[gi];
                const int32_t ng = group_threads(g, nt);
                int32_t a, b;
                part(net, g->n, t, ng, &a, &b);
                if (t < ng && block_unhealthy(g, a, b)) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
                    flag[1] = 1;
                }
            }
        }
        add_busy(busy, w0);
        SYNC(nt > 1);                                                    /* A */
        if (pending && t < nd)
            seen_and_potentiate(net, par ^ 1, s_last, k_last, t, nd, 0, busy);
        if (t == 0) {
            for (int32_t gi = 0; gi < net->n_groups; ++gi) group_pack(net, gi, len, nt, par);
            if (!flag[1]) {
                record_slice(net, k, len, par);
                const int64_t kn = k + len;
                *k_io = kn;
                *len_io = slice_len(net, kn, k1);
                flag[0] = kn >= k1 || !records_have_room(net, *len_io);
                flag[2] = balance_due(bal, nt, len);
            }
        }
        SYNC(nt > 1);                                                    /* B */
        if (flag[1]) {                  /* the state is left as it is, for inspection */
            if (t == 0) {
                for (int32_t gi = 0; gi < net->n_groups && net->bad_group < 0; ++gi)
                    unhealthy(net, gi);
                flush_all(net, k);
            }
            return;
        }
        if (t < nd) deliver_part(net, k, len, t, nd, sync, busy, par, pipe);
        if (need_c || flag[2]) SYNC(nt > 1);                             /* C */
        if (flag[2]) {
            if (t == 0) rebalance(bal, nt);
            SYNC(nt > 1);
        }
        pending = pipe;
        k_last = k + len - 1;
        s_last = len - 1;
        par ^= 1;
    }
    if (pending) {                  /* the last slice's last step */
        SYNC(nt > 1);
        if (t < nd) seen_and_potentiate(net, par ^ 1, s_last, k_last, t, nd, 0, busy);
        SYNC(nt > 1);
    }
}

/* Sets net->bad_proj to the first plastic projection holding a non-finite
 * weight (-1: none); the threads share each projection's synapses.  Only
 * rules whose updates can leave the reals are checked: user callbacks, and
 * Clopath's (it reads the membrane potential, which may diverge within the
 * slice that then stops the run).  The other built-in rules add finite
 * terms -- traces of validated amplitudes, decay factors <= 1, a finite
 * modulator -- and clip, so their weights stay finite (and a pass over 10^7
 * weights after every chunk made short runs cost ~4 ms more each). */
static void check_weights(fp_net *net)
{
    net->bad_proj = -1;
    for (int32_t q = 0; q < net->n_projs && net->bad_proj < 0; ++q) {
        const fp_proj *pr = &net->projs[q];
        const fp_plastic *pl = pr->plastic;
        if (!(pl && (pl->on_pre || pl->on_post || pl->clopath))) continue;
        const int64_t nnz = pr->row_ptr[pr->n_pre], piece = (int64_t)1 << 20;
        const int64_t n_pieces = (nnz + piece - 1) / piece;
        int bad = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) reduction(|:bad) num_threads(net->n_threads) \
    if (net->n_threads > 1 && n_pieces > 1)
#endif
        for (int64_t c = 0; c < n_pieces; ++c) {
            const int64_t lo = c * piece, hi = lo + piece < nnz ? lo + piece : nnz;
            bad |= any_non_finite(pr->weight + lo, (int32_t)(hi - lo));
        }
        if (bad) net->bad_proj = q;
    }
}

int64_t fp_run(fp_net *net, int64_t k0, int64_t k1)
{
    int64_t k = k0;
    int32_t len = 0;
    int flag[3] = {0, 0, 0};        /* stop, bad, cuts due to move */
    const int32_t nt = team_threads(net), nd = delivery_threads(net);
    const int learns = network_learns(net), pipe = can_pipeline(net);
    net->bad_group = net->bad_var = net->bad_proj = -1;
    net->has_summed = 0;
    for (int32_t q = 0; q < net->n_projs; ++q) {
        const fp_proj *pr = &net->projs[q];
        fp_plastic *pl = (fp_plastic *)pr->plastic;
        if (!(pl && pl->deferred && pl->summed)) continue;
        net->has_summed = 1;
        /* y_base's exponents span at most sum_period dt/tau (restarts), and
         * its factors must stay normal doubles: else the dense traces */
        pl->y_based = pl->sum_period * net->traces[pl->tr_dep].dt_tau <= 600.0;
        fp_sum_base_y(pr, net->traces, pl->h_meta[0], 0, net->groups[pr->post].n);
    }
    fp_balance bal;
    balance_init(&bal, nt);
    /* (the cuts carry over: each call is one chunk of a run, 2000 steps by
     * default, and starting every chunk from equal parts left the first
     * ~1000 steps of each unbalanced, measured at 10^7 synapses) */
    const int carry = net->cut_io && nt > 1 && nt == net->n_threads && nt <= FP_MAX_BALANCED
                      && fp_cut_test == 0.0;
    if (carry) memcpy(bal.cut, net->cut_io, (size_t)(nt + 1) * sizeof(double));
    net->cut = nt <= FP_MAX_BALANCED ? bal.cut : NULL;
    net->cut_nt = nt;
    len = slice_len(net, k, k1);
    flag[0] = k >= k1 || !records_have_room(net, len);
    const double wall0 = now(nt > 1 ? bal.busy : NULL);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        int32_t t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        run_part(net, k1, t, nt, nd, learns, pipe, &k, &len, flag, &bal);
        /* deferred weights brought up to date, by the delivery threads (after a
         * bad slice thread 0 has flushed already; flag[1] is stable here) */
        if (!flag[1] && net->flush_end && t < nd)
            flush_for_room(net, k, 0, t, nd, 1, nt > 1 ? &bal.busy[t * FP_PAD] : NULL);
    }
    net->cut = NULL;        /* (bal is gone) */
    if (carry) memcpy(net->cut_io, bal.cut, (size_t)(nt + 1) * sizeof(double));
    if (net->time_io && nt > 1 && nt == net->n_threads) {
        for (int32_t t = 0; t < nt; ++t) net->time_io[t] += bal.busy[t * FP_PAD + 1];
        net->time_io[nt] += now(bal.busy) - wall0;
    }
    if (net->check_finite) check_weights(net);
    return k;
}
