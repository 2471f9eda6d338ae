/* fp_plasticity.h -- spike-timing-dependent plasticity, event-driven.
 *
 * Traces belong to neurons (fp_trace): one array per (group, time constant,
 * update mode), shared by every projection that reads it.  A trace is
 * stored as its value just after the neuron's last spike (val) at step
 * last; reading it at step s multiplies by fp_decay(s - last).  Traces
 * decay lazily -- nothing touches them between spikes -- so their values
 * depend only on spike times, not on slices, run boundaries or checkpoints.
 *
 * Weight updates are immediate (Auryn's scheme) or deferred (NEST's).
 * Immediate: a presynaptic spike scans its CSR row (delivery, then
 * depression), a postsynaptic spike walks the transposed index
 * (potentiation).  Deferred: a postsynaptic spike only appends its step
 * (and the triplet o2) to its neuron's history; the next presynaptic
 * spike of each synapse replays the history entries it has not seen
 * (steps >= t_upd[i]) in time order while scanning its CSR row, before
 * delivering and depressing.  Same updates in the same order, so the same
 * weights up to rounding of the trace decay: the presynaptic trace at a
 * past postsynaptic spike t_j is x(t_j) = x(t_L+) e^{-(t_j - t_L) dt/tau}
 * (t_L the presynaptic neuron's last spike), computed as
 * [x(t_L+) e^{(t_L - g) dt/tau}] * T_hi[m >> b] * T_lo[m & (2^b - 1)] with
 * g = t_j rounded down to a multiple of G = 2^h_gbits steps, m = t_j - g and
 * T_hi, T_lo the tables h_tab of e^{-m dt/tau}: the first factor is one
 * exp per presynaptic spike and cell, not per synapse.  All depend only on
 * spike times, so the weights do not depend on when the history is flushed
 * (run boundaries, checkpoints), and G dt/tau <= 64 keeps every factor
 * within the range of a double.  A row scan lists the synapses onto
 * neurons whose newest entry is at or after t_upd[i] (h_last: the step of
 * the newest entry, 4 bytes per neuron, so the list is built from cache;
 * h_prev: the second newest, so that a synapse with one pending entry --
 * the common case -- reads no history), replays those, then delivers and
 * depresses; when a step has more synaptic events than postsynaptic
 * neurons, their traces are first read into a dense array (ybuf).  The
 * history is flushed into every row -- all pending updates applied,
 * histories emptied -- when one could overflow within the next slice (or
 * its int32 steps could), and before weights are read (fp_run with
 * flush_end, or a run of no steps: Network._apply_pending).
 * Summed rules (update="summed": additive pair potentiation, no triplet
 * term) keep no histories.  Every term of a synapse's pending potentiation
 * is scale a_pot x(t_L+) e^{-(t_j - t_L) dt/tau}, one sign, so its clipped
 * sequence equals one clip of the sum; the sum over j's spikes t_j that the
 * synapse has not seen is f_i (h_sum[j] - h_seen) with
 *   h_sum[j]  = sum of e^{-(t_j - b) dt/tau} over j's spikes since b = h_meta[0],
 *   f_i       = scale a_pot x(t_L+) e^{(t_L - b) dt/tau}  (one exp per row),
 *   h_seen    = h_sum[j] when the synapse was last brought up to date.
 * The weight array then holds offsets u = w - f_i h_seen (f_i as after
 * that update), not weights: a row scan recovers w = clip(u + f_i h_sum[j])
 * (a product, an addition, a clip: no branch, no history read and no
 * per-synapse state beyond the 8 bytes of w), delivers and depresses, and
 * stores u = w - f_i' h_sum[j] with f_i' the row's factor after this spike
 * (sum_factor_next: the bits the next scan computes).  The sums restart
 * every sum_period = 8 tau / dt steps, checked at every step (so at the
 * same steps however runs are cut), which bounds the rounding error of
 * f_i h_sum against f_i h_seen, relative to their difference, by
 * ~n e^8 2^-53 (n: its terms).  A restart at step k touches no synapse of a
 * row updated in the last FP_SUM_OLD + 1 epochs: h_sum moves to the oldest
 * of the FP_SUM_OLD slots of h_old (each with its base), h_sum = 0 and
 * b = k, and a row last updated l epochs back recovers at its next scan
 * w = clip(u + f_i(b_l) h_l[j] + ... + f_i(b_1) h_1[j] + f_i(b) h_sum[j])
 * (sum_row, sum_apply); rows last updated FP_SUM_OLD epochs back that have
 * spiked are brought up to date first, so that no row lags further
 * (t_upd[i]: the step of row i's last update).  In a 10^7 COBA network
 * about half of the rows are silent for a whole epoch; with one old epoch
 * kept they were all caught up at every restart (12-19 % of the time of the
 * row scans in profiles), with three about half that.  A
 * read of the weights is a full flush: every weight recovered and stored,
 * sums zeroed (offsets of f_i h_sum = 0 are the weights).  Depression
 * reads the postsynaptic trace as y_base[j] e^{-(s - b) dt/tau_y}, with
 * y_base[j] = val e^{(last - b) dt/tau_y} set at j's spikes and recomputed
 * at restarts, flushes and every fp_run (a pure function of the trace, so
 * the same bits): one exp per step instead of a dense trace pass (y_based;
 * not where sum_period dt/tau_y > 600, whose factors would leave the normal
 * doubles).  With y_based, a step's rows are scanned in tiles of
 * targets (fp_engine.c tile_width, deliver_summed_tiled), so that the
 * ring row, h_sum and y_base of a tile stay in L1.  Same weights as
 * the other schemes to rounding; since a read applies a synapse's sum in
 * two parts, the later rounding depends on when weights are read
 * (histories: never).
 * Order within a step s, as in Brian2 (presynaptic pathway first):
 *   1. every projection delivers and depresses for the spikes of step s,
 *      reading postsynaptic traces that exclude spikes of step s;
 *   2. the traces of the neurons that spiked at s are updated;
 *   3. every plastic projection potentiates for postsynaptic spikes of s,
 *      reading presynaptic traces that include spikes of step s.
 *
 * One update formula covers pair STDP (Morrison, Diesmann & Gerstner 2008),
 * triplet STDP (Pfister & Gerstner 2006, eqs. 3-4) and inhibitory STDP
 * (Vogels et al. 2011):
 *   at a pre spike   w += f-(w) * (a_dep (y + offset) + a3_dep y r2)
 *   at a post spike  w += f+(w) * (a_pot x + a3_pot x o2)
 * with x / y the presynaptic / postsynaptic trace read (tr_pot / tr_dep),
 * r2 the presynaptic neuron's own slow trace (tr_dep3, before its increment),
 * o2 the postsynaptic neuron's own slow trace before its increment (tr_pot3);
 * then w is clipped to [w_min, w_max].
 *
 * User rules (fastplastic.custom) replace the formula by compiled callbacks:
 * at a pre spike w = on_pre(w, x, y, vars), at a post spike
 * w = on_post(w, x, y, vars), where x is the presynaptic trace and y the
 * postsynaptic trace, each read before the spike's own update; then clipped.
 *
 * Three-factor rules (Izhikevich 2007; Fremaux & Gerstner 2016): the same
 * updates go into a per-synapse eligibility trace c instead of w, and after
 * the events of each step  w += dt c d  (clipped), c *= exp(-dt/tau_c), where
 * d is the network's neuromodulator (fp_net.modulator).
 * Weight dependence f+(w), f-(w):
 *   additive        scale, scale
 *   multiplicative  (w_max - w), w                       (soft bounds)
 *   gutig (mu)      w_max^(1-mu) (w_max - w)^mu, w_max^(1-mu) w^mu  (Gutig et al. 2003)
 *   power law       w0^(1-mu) w^mu, w                    (Morrison et al. 2007)
 */
#ifndef FP_PLASTICITY_H
#define FP_PLASTICITY_H

#include <math.h>
#include "fp_types.h"

enum fp_wdep { FP_WDEP_ADDITIVE = 0, FP_WDEP_MULTIPLICATIVE = 1, FP_WDEP_GUTIG = 2,
               FP_WDEP_POWERLAW = 3 };
enum fp_trace_mode { FP_TRACE_ALL_TO_ALL = 0, FP_TRACE_NEAREST = 1 };

/* Pairing schemes of Morrison, Diesmann & Gerstner (2008), Fig. 7, beyond
 * what the trace modes give (all-to-all; symmetric nearest-spike):
 *   PRE_CENTRED   a pre spike pairs with the last post spike before it
 *                 (depression, nearest post trace) and with the first post
 *                 spike at or after it (potentiation: at a post spike, the
 *                 all-to-all pre trace minus what earlier post spikes of
 *                 the synapse consumed -- per-synapse state `consumed`);
 *   RESTRICTED    only reciprocal nearest neighbours: depression at pre
 *                 t_i with the last post t_j < t_i if no pre spike lies in
 *                 (t_j, t_i); potentiation at post t_j with the last pre
 *                 t_i <= t_j if no post spike lies in [t_i, t_j).
 * Spike steps come from the groups' last_spike / prev_spike arrays. */
enum fp_pairing { FP_PAIRING_TRACES = 0, FP_PAIRING_PRE_CENTRED = 1, FP_PAIRING_RESTRICTED = 2 };

/* exp(-m dt / tau) for m >= 0 steps: a product of two table entries (a
 * function of m alone, so every reader gets the same bits), exp() beyond
 * the tables (>= 64 tau). */
static inline double fp_decay(const fp_trace *t, int64_t m)
{
    if (__builtin_expect(m >> t->d_bits, 0)) return exp(-(double)m * t->dt_tau);
    const double *lo = t->decay + ((int64_t)1 << (t->d_bits - t->d_lobits));
    return t->decay[m >> t->d_lobits] * lo[m & (((int64_t)1 << t->d_lobits) - 1)];
}

static inline double fp_trace_at(const fp_trace *t, int32_t j, int64_t s)
{
    return t->val[j] * fp_decay(t, s - t->last[j]);
}

/* A trace's value just after a spike of its neuron, from v just before. */
static inline double trace_jump(const fp_trace *t, double v)
{
    return t->mode == FP_TRACE_NEAREST ? 1.0 : v + 1.0;
}

/* First synapse of row i at or after position lo whose target is >= j (rows
 * are sorted by target; synapses.py guarantees it). */
static inline int64_t fp_lower_bound(const int32_t *post_ids, int64_t lo, int64_t hi, int32_t j)
{
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (post_ids[mid] < j) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* First position in [lo, hi) whose target is >= j, searched outwards from
 * position g (galloping, then bisection): O(log |answer - g|) reads near g. */
static inline int64_t fp_lower_bound_near(const int32_t *post_ids, int64_t lo, int64_t hi,
                                          int32_t j, int64_t g)
{
    if (g < lo) g = lo;
    if (g > hi) g = hi;
    int64_t a, b;                       /* the answer lies in [a, b] */
    if (g < hi && post_ids[g] < j) {    /* to the right of g */
        a = g + 1;
        int64_t step = 1;
        b = a;
        while (b < hi && post_ids[b] < j) {
            a = b + 1;
            b += step;
            step *= 2;
        }
        if (b > hi) b = hi;
    } else {                            /* at g or to its left */
        b = g;
        int64_t step = 1;
        a = b;
        while (a > lo && post_ids[a - 1] >= j) {
            b = a - 1;
            a -= step;
            step *= 2;
        }
        if (a < lo) a = lo;
    }
    return fp_lower_bound(post_ids, a, b, j);
}

/* Threads split delivery and plasticity by target neuron: a call handles
 * only the synapses onto neurons [jlo, jhi) (the whole group: [0, n_post)),
 * so no two threads write one weight or one ring entry, and every ring entry
 * receives its inputs in the serial order (results independent of the
 * thread count).  Row i's synapses onto [jlo, jhi) are [*q0, *q1).  The
 * search starts where the targets would be if spread evenly over the row
 * (random connectivity: a line or two away), which keeps a cold row from
 * costing one cache miss per bisection step. */
static inline void fp_row_segment(const int64_t *row_ptr, const int32_t *post_ids, int32_t i,
                                  int32_t jlo, int32_t jhi, int32_t n_post,
                                  int64_t *q0, int64_t *q1)
{
    int64_t a = row_ptr[i], b = row_ptr[i + 1];
    const int64_t len = b - a;
    if (jlo > 0) a = fp_lower_bound_near(post_ids, a, b, jlo, a + len * jlo / n_post);
    if (jhi < n_post) b = fp_lower_bound_near(post_ids, a, b, jhi, row_ptr[i] + len * jhi / n_post);
    *q0 = a;
    *q1 = b;
}

/* Software prefetch of the next spiking row while the current one is
 * scanned: a row starts at a random address, so the hardware prefetchers
 * miss its first lines (its targets and weights are cold).  fp_ahead_init
 * aims at the part of row i onto [jlo, jhi), placed as if its targets were
 * spread evenly; each fp_ahead_step prefetches the lines of the next n of
 * its synapses (called per block of the current row, so that the requests
 * are spread over the scan).  Measured with bench/ab_builds.py (builds run
 * at once on the two cores, then swapped), 10^7 synapses, 1 thread: static
 * 0.85x the time without, STDP 0.92x; 4k x 80 unchanged (its rows stay in
 * cache). */
typedef struct { const int32_t *ids; const double *w; int64_t q, end; } fp_ahead;

/* Synapses of the current row per fp_ahead_step (fp_deliver). */
#define FP_AHEAD_BLOCK 256

static inline void fp_ahead_init(fp_ahead *a, const int64_t *row_ptr, const int32_t *post_ids,
                                 const double *w, int32_t i, int32_t jlo, int32_t jhi,
                                 int32_t n_post)
{
    const int64_t r0 = row_ptr[i], len = row_ptr[i + 1] - r0;
    a->ids = post_ids;
    a->w = w;
    a->q = (r0 + len * jlo / n_post) & ~(int64_t)7;
    a->end = r0 + len * jhi / n_post;
}

static inline void fp_ahead_step(fp_ahead *a, int64_t n)
{
    const int64_t e = a->q + n < a->end ? a->q + n : a->end;
    for (int64_t q = a->q; q < e; q += 8) {
        if ((q & 15) == 0) __builtin_prefetch(a->ids + q);
        __builtin_prefetch(a->w + q, 1);
    }
    a->q = e > a->q ? (e + 7) & ~(int64_t)7 : a->q;
}

/* Updates the traces of the neurons of ids[0..nspk) in [a, b) that spiked at
 * step s. */
void fp_trace_spikes(fp_trace *t, const int32_t *ids, int64_t nspk, int64_t s, int32_t a, int32_t b);

/* Every kernel below that takes (jlo, jhi) handles only the synapses onto
 * postsynaptic neurons [jlo, jhi) (fp_row_segment). */

/* Delivery plus depression for the presynaptic spikes ids[0..nspk) of step s.
 * ring: [ring_len * n_post] of the target channel, or NULL when the target is
 * an input group (then nothing is transmitted, the synapses only learn).
 * O(sum of row lengths). */
void fp_deliver_plastic(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                        const fp_group *post, const int32_t *ids, int64_t nspk, int64_t s,
                        double *ring, int32_t ring_len, int32_t n_post, int32_t jlo, int32_t jhi);

/* Potentiation for the postsynaptic spikes ids[0..nspk) of step s, over the
 * transposed index.  O(sum of in-degrees). */
void fp_potentiate(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                   const fp_group *post, const int32_t *ids, int64_t nspk, int64_t s,
                   int32_t jlo, int32_t jhi);

/* Deferred scheme: delivery, replay of pending potentiation (entries at
 * steps >= t_upd[i]), depression for the presynaptic spikes ids[0..nspk) of
 * step s.  Reads t_upd but leaves it: fp_deferred_mark sets t_upd[i] = s for
 * the spiking rows in [ilo, ihi) once every part of the rows is delivered.
 * The rows are scanned in tiles of `width` targets (>= jhi - jlo: whole
 * rows; fp_engine.c tile_width), with the same results.
 * O(sum of row lengths + pending history entries). */
void fp_deliver_deferred(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                         const int32_t *ids, int64_t nspk, int64_t s,
                         double *ring, int32_t ring_len, int32_t n_post, int32_t jlo, int32_t jhi,
                         int32_t width);

void fp_deferred_mark(const fp_proj *pr, const int32_t *ids, int64_t nspk, int64_t s,
                      int32_t ilo, int32_t ihi);

/* Deferred scheme: appends the postsynaptic spikes of ids[0..nspk) in
 * [jlo, jhi) of step s (after the traces' updates of step s) to the
 * history; returns the longest history it left (the caller keeps
 * h_meta[1] >= every h_len).  O(nspk). */
int32_t fp_record_post(const fp_proj *pr, const fp_trace *traces, const int32_t *ids,
                       int64_t nspk, int64_t s, int32_t jlo, int32_t jhi);

/* Deferred scheme: applies every pending update of postsynaptic spikes
 * before step k, empties the history, sets t_ref = k.  O(nnz) if anything
 * is pending, O(n_pre) otherwise. */
void fp_flush_deferred(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                       int32_t n_post, int64_t k);

/* The flush in two parts for threads: replay every pending entry into the
 * synapses onto [jlo, jhi); then, once all parts are done, empty the
 * histories of [jlo, jhi) and set t_upd = k for rows [ilo, ihi) (the caller
 * zeroes h_meta[1]). */
void fp_flush_replay(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                     int32_t n_post, int32_t jlo, int32_t jhi);

void fp_flush_reset(const fp_proj *pr, const fp_trace *traces, int64_t k, int32_t ilo,
                    int32_t ihi, int32_t jlo, int32_t jhi);

/* A summed rule's restart at step k in two parts for threads, as the
 * flush's: rows last updated FP_SUM_OLD epochs back that have spiked are
 * brought up to date in the synapses onto [jlo, jhi); then, once all parts
 * are done, those rows of [ilo, ihi) are marked as of the epoch that ends,
 * the sums of [jlo, jhi) move to the oldest slot of h_old and y_base is
 * rebased to k (the caller then calls fp_sum_next_epoch). */
void fp_sum_restart(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                    int32_t n_post, int32_t jlo, int32_t jhi);

/* Summed rules: every epoch base set to k (a flush; the sums are zero), and
 * the bases moved on at a restart at step k (after fp_sum_shift; thread 0,
 * between barriers). */
void fp_sum_bases(fp_plastic *pl, int64_t k);
void fp_sum_next_epoch(fp_plastic *pl, int64_t k);

void fp_sum_shift(const fp_proj *pr, const fp_trace *traces, const fp_group *pre, int64_t k,
                  int32_t ilo, int32_t ihi, int32_t jlo, int32_t jhi);

/* Summed rules with y_based: y_base of [jlo, jhi) against base b (the
 * flush and restart above rebase it to their k; fp_run at its start). */
void fp_sum_base_y(const fp_proj *pr, const fp_trace *traces, int64_t b, int32_t jlo,
                   int32_t jhi);

/* Voltage-based STDP of Clopath et al. (2010), Nat Neurosci 13:344, eqs. 1-4
 * (as NEST's clopath_synapse computes it), onto FP_ADEX_CLOPATH neurons whose
 * per-step records (crec) give v, the delayed filtered voltages u_+ and u_-,
 * and u_bb:
 *   at a presynaptic spike (step s)  w -= scale A_LTD [u_-(s) - theta_-]_+
 *       (A_LTD times u_bb^2 / u_ref^2 when homeostatic);
 *   at every step s, for every synapse onto a neuron with v > theta_+ and
 *   u_+ > theta_-:  w += scale A_LTP xbar (v - theta_+)(u_+ - theta_-) dt,
 *       xbar = presynaptic trace (tau_x, += 1/tau_x per spike) before the
 *       spikes of step s;
 * each update clipped to [w_min, w_max].  Depression happens in
 * fp_deliver_plastic; this function does the potentiation of step s over
 * the transposed index.  O(n_post + sum of in-degrees of the neurons above
 * theta_+). */
void fp_clopath_ltp(const fp_proj *pr, const fp_trace *traces, const fp_group *pre,
                    const fp_group *post, int64_t s, int32_t jlo, int32_t jhi);

/* One step of three-factor learning for synapses [q0, q1): w += dt c d
 * (clipped), then c decays.  O(q1 - q0). */
void fp_modulated_step(const fp_proj *pr, double d, double dt, int64_t q0, int64_t q1);

/* 0: the kernels take their scalar paths even where the CPU has AVX-512
 * (tests compare the two bit for bit); 1 (default): vector paths. */
extern int fp_simd;

#endif
