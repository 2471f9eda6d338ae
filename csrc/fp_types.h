/* fp_types.h -- shared types of the fastplastic C kernels.
 *
 * Everything here is plain C99: structs of pointers and sizes that the Cython
 * layer fills from NumPy arrays it has already validated.  Kernels trust these
 * structs completely (DESIGN.md: "Python validates, kernels trust").
 */
#ifndef FP_TYPES_H
#define FP_TYPES_H

#include <stdint.h>
#include <stddef.h>

/* Kinds of neuron group; each has one step kernel in fp_neurons.c. */
enum fp_group_kind {
    FP_LIF_CUBA = 0,      /* LIF, exponential current synapses, exact integration */
    FP_LIF_COBA = 1,      /* LIF, exponential conductance synapses, exponential Euler */
    FP_ADEX = 2,          /* adaptive exponential IF (Brette & Gerstner 2005), Euler */
    FP_IZHIKEVICH = 3,    /* Izhikevich (2003), Euler */
    FP_POISSON = 4,       /* independent Poisson spike sources */
    FP_REPLAY = 5,        /* replays given spike times */
    FP_ADEX_CLOPATH = 6   /* AdEx with adaptive threshold, spike clamp and filtered voltages
                           * (Clopath et al. 2010); see fp_neurons.h */
};

#define FP_NPARAM 16      /* length of fp_group.p; the layout per kind is in fp_neurons.h */

/* One neuron group.  Arrays marked [n] have one entry per neuron; pointers a
 * kind does not use are NULL. */
/* Summed rules: epochs of sums kept besides the current one, so that a row
 * silent for up to this many restarts needs no catch-up (fp_plasticity.h). */
#define FP_SUM_OLD 3

typedef struct {
    int32_t kind;           /* enum fp_group_kind */
    int32_t n;              /* neurons, >= 1 */
    int32_t ring_len;       /* slots of ring_e / ring_i (max incoming delay + 1); 0 if no input */
    int32_t record;         /* 1: append every spike to rec_ids / rec_steps */
    int32_t direct_input;   /* 1: every delay onto the group is one step, so delivery adds
                             * straight into ge / gi (ring_e = ge, ring_i = gi, ring_len 1)
                             * and the kernel reads no ring: input delivered after step k
                             * is in the state that step k + 1 integrates, as with a ring
                             * slot (network.py decides; fp_engine.h) */
    double *v;              /* [n] membrane potential (V) */
    double *ge;             /* [n] excitatory synaptic state (S or A) */
    double *gi;             /* [n] inhibitory synaptic state (S or A) */
    double *u;              /* [n] adaptation: AdEx w (A), Izhikevich u (V/s) */
    int32_t *refrac;        /* [n] refractory steps left */
    const double *i_bias;   /* [n] constant bias current (A) */
    double p[FP_NPARAM];    /* per-step constants of the kind (fp_neurons.h) */
    double *ring_e;         /* [ring_len * n] excitatory input arriving per step */
    double *ring_i;         /* [ring_len * n] inhibitory input arriving per step */
    /* Poisson sources */
    const double *prob;     /* [n_rows * n] spike probability per step (rate * dt) */
    int64_t n_rows;         /* rows of prob; step k uses row min(k / row_steps, n_rows - 1) */
    int64_t row_steps;      /* steps per row of prob, >= 1 */
    uint64_t key[2];        /* Philox key of this group's run-time random stream */
    /* constant-rate Poisson sources draw inter-spike intervals instead (n_rows == 1) */
    int64_t *next;          /* [n] step of the next spike; < k means "not drawn yet" */
    int64_t *ndraw;         /* [n] intervals drawn so far (the counter of the stream) */
    const double *logq;     /* [n] log(1 - rate dt) */
    /* spike replay: entries sorted by step, then id */
    const int64_t *rp_step; /* [rp_len] */
    const int32_t *rp_id;   /* [rp_len] */
    int64_t rp_len;
    int64_t rp_pos;         /* next entry to emit (updated by the run) */
    /* spikes of the current slice (written by the engine) */
    int32_t *slice_ids;     /* [slice_len * n] */
    int64_t *slice_ptr;     /* [slice_len + 1] */
    /* recording */
    int32_t *rec_ids;       /* [rec_cap] */
    int64_t *rec_steps;     /* [rec_cap] */
    int64_t rec_len, rec_cap;
    int32_t *counts;        /* [steps of the chunk] spikes per step, or NULL */
    int64_t *last_spike;    /* [n] step of each neuron's latest spike (-1: none) */
    int64_t *prev_spike;    /* [n] step of the spike before it (-1: none) */
    int64_t count_base;     /* step of counts[0] */
    /* FP_ADEX_CLOPATH only (NULL otherwise): */
    double *aux;            /* [n_aux * n] extra state rows (fp_neurons.h) */
    const double *xp;       /* [FP_CLOPATH_NXP] constants */
    int64_t crec_k0;        /* step of crec's row 0 (the slice start) */
    double *crec;           /* [min_delay * FP_CLOPATH_NREC * n] per step of the slice: v, delayed
                             * u_plus, delayed u_minus, u_bar_bar (read by the Clopath rule) */
} fp_group;

#define FP_CLOPATH_NXP 25
#define FP_CLOPATH_NREC 4

/* A spike trace of the neurons of one group (fp_plasticity.h). */
typedef struct {
    int32_t group;          /* owner group */
    int32_t mode;           /* 0: all-to-all (x += 1 at a spike), 1: nearest (x = 1) */
    double *val;            /* [n] value just after the update at step last[i] */
    double *prev;           /* [n] value just before the latest spike's update */
    int64_t *last;          /* [n] step of the latest spike (or of the trace's creation) */
    const double *decay;    /* [2^(d_bits - d_lobits) + 2^d_lobits] exp(-m dt / tau) for
                             * m = hi << d_lobits, then for m = lo (fp_plasticity.h) */
    int32_t d_bits, d_lobits;
    double dt_tau;          /* dt / tau */
    double *at_spike;       /* [n] value just after the latest spike's update (0: none yet) */
} fp_trace;

/* A compiled user rule: new weight from (w, x_pre, y_post, synapse variables). */
typedef double (*fp_custom_fn)(double w, double x, double y, double *vars);

/* Plasticity of one projection (fp_plasticity.h has the update formula). */
typedef struct {
    int32_t wdep;           /* enum fp_wdep */
    int32_t tr_pot, tr_dep; /* traces read: presynaptic at post spikes, postsynaptic at pre spikes */
    int32_t tr_pot3, tr_dep3;  /* triplet slow traces (o2 of post, r2 of pre), or -1 */
    int32_t pairing;        /* enum fp_pairing: which spike pairs interact */
    double *consumed;       /* [nnz] presynaptic-centred: the trace already paired */
    double dt_tau_pot;      /* dt / tau of the presynaptic trace */
    double scale, w_min, w_max, mu, w0;
    double a_pot, a_dep, a3_pot, a3_dep, offset;
    const int64_t *col_ptr; /* [n_post + 1] transposed index */
    const int64_t *col_syn; /* [nnz] synapse ids, grouped by post neuron */
    const int32_t *col_pre; /* [nnz] presynaptic neuron of col_syn[c] */
    double *elig;           /* [nnz] eligibility traces (three-factor rules), or NULL */
    double c_decay;         /* exp(-dt / tau_c) */
    /* user-defined rules (fastplastic.custom): compiled callbacks that return
     * the new weight from (w, x, y, vars of the synapse); NULL for built-ins */
    fp_custom_fn on_pre, on_post;
    double *vars;           /* [nnz * n_vars] per-synapse user variables */
    int32_t n_vars;
    /* deferred potentiation (NEST's scheme, fp_plasticity.h); deferred == 0: immediate */
    int32_t deferred;
    int32_t h_cap;          /* history entries per postsynaptic neuron, >= min_delay */
    int32_t h_gbits;        /* log2 of the steps per replay-factor cell (fp_plasticity.h) */
    int32_t h_lobits;       /* log2 of the entries of h_tab's low table, <= h_gbits */
    const double *h_tab;    /* [2^(h_gbits-h_lobits) + 2^h_lobits]: exp(-m dt/tau) for
                             * m = hi << h_lobits, then for m = lo (fp_plasticity.h) */
    int64_t *t_upd;         /* [n_pre] post spikes at steps >= t_upd[i] are not yet in row i */
    int32_t *h_len;         /* [n_post] entries of each postsynaptic neuron's history */
    int32_t *h_last;        /* [2 n_post]: [0, n_post) the step of each neuron's newest
                             * entry, [n_post, 2 n_post) its second newest (minus
                             * h_meta[0]), -1: none; newest ones apart so that the
                             * pending checks read 4 bytes per neuron (L1-sized) */
    int32_t *h_prev;        /* h_last + n_post */
    int32_t *h_step;        /* [n_post * h_cap] spike steps minus h_meta[0] */
    double *h_o2;           /* [n_post * h_cap] triplet o2 at those spikes, or NULL (pair) */
    int64_t *h_meta;        /* [2]: step that h_step counts from, largest h_len;
                             * summed rules [3 + FP_SUM_OLD]: base, 1 if anything pending,
                             * the bases of the old epochs' slots, the newest slot */
    double *ybuf;           /* [n_post] scratch: postsynaptic traces of one step */
    /* summed rules (deferred, additive pair potentiation, fp_plasticity.h): */
    int32_t summed;         /* 1: pending potentiation as sums, not histories */
    int32_t sum_period;     /* steps after which the sums restart (a flush) */
    double *h_sum;          /* [n_post] sum of e^{-(t_j - h_meta[0]) dt/tau} over the
                             * neuron's spikes t_j since h_meta[0] */
    double *h_old;          /* [n_post * FP_SUM_OLD] the same for the FP_SUM_OLD epochs
                             * before, from their bases: h_old[j FP_SUM_OLD + slot]
                             * (fp_plasticity.c old_slot) */
    double *y_base;         /* [n_post] the depression trace y as val e^{(last - h_meta[0]) dt/tau}:
                             * y(s) = y_base e^{-(s - h_meta[0]) dt/tau} (fp_sum_base_y) */
    int32_t y_based;        /* set by fp_run: y_base is used (its exponents stay in range) */
    /* voltage-based rule of Clopath et al. (2010), fp_plasticity.h; clopath == 0: off */
    int32_t clopath, ltd_homeostatic;
    double a_ltd, a_ltp, theta_minus, theta_plus, inv_u_ref2, inv_tau_x, dt;
} fp_plastic;

/* One projection: synapses stored CSR by presynaptic neuron. */
typedef struct {
    int32_t pre;            /* index of the source group */
    int32_t post;           /* index of the target group */
    int32_t channel;        /* 0: excitatory (ring_e), 1: inhibitory (ring_i) */
    int32_t n_pre;          /* neurons of the source group */
    const int64_t *row_ptr; /* [n_pre + 1] */
    const int32_t *post_ids;/* [nnz], each in [0, n_post) */
    double *weight;         /* [nnz] (S or A); written by plasticity */
    const uint16_t *delay;  /* [nnz] in steps, each in [min_delay, ring_len of post - 1];
                             * NULL when every synapse has delay0 */
    int32_t delay0;         /* the shared delay (steps) when delay is NULL */
    const fp_plastic *plastic;  /* NULL for a static projection */
} fp_proj;

/* A state monitor: copies src[idx[j]] at steps k with k % every == 0,
 * before that step's input arrives (the state at time k*dt). */
typedef struct {
    int32_t group;          /* group the variable belongs to */
    int32_t n_idx;
    const double *src;      /* [n of group] */
    const int32_t *idx;     /* [n_idx] */
    int64_t every;          /* steps between samples, >= 1 */
    double *out;            /* [out_cap * n_idx] */
    int64_t out_len, out_cap;  /* rows written, rows available */
} fp_statemon;

typedef struct {
    int32_t n_groups, n_projs, n_mons, n_traces;
    int32_t min_delay;      /* slice length in steps, >= 1 */
    int32_t n_threads;      /* >= 1 */
    int64_t par_min;        /* synapses from which delivery is split among threads */
    fp_group *groups;
    fp_proj *projs;
    fp_statemon *mons;
    fp_trace *traces;
    /* neuromodulator of three-factor rules: d += rw_amount[j] at step rw_step[j],
     * then decays by d_decay per step */
    double *modulator;      /* [1] */
    double d_decay, dt;
    const int64_t *rw_step; /* [rw_len], sorted */
    const double *rw_amount;
    int64_t rw_len, rw_pos;
    int32_t *scratch;       /* [n_groups * n_threads * min_delay] per-thread spike counts */
    int32_t flush_end;      /* 1: bring deferred weights up to date when fp_run returns */
    int32_t check_finite;   /* 1: stop at the first slice that leaves a non-finite v or u */
    int32_t bad_group, bad_var;   /* out: group and variable (0 v, 1 u, 2 ge, 3 gi) found
                               * non-finite, or -1 */
    int32_t bad_proj;       /* out: first plastic projection holding a non-finite weight
                             * when fp_run returns (checked with check_finite), or -1 */
    /* [n_threads + 1] the load balancer's cuts (below), carried from one fp_run
     * to the next (each starts where the last one left them), or NULL: start
     * from equal parts.  0 = cut_io[0] < cut_io[1] < ... < cut_io[n_threads] = 1. */
    double *cut_io;
    /* [n_threads + 1] or NULL: fp_run adds thread t's seconds of work (its
     * phases, not its waits at the barriers) to time_io[t] and the parallel
     * loop's wall seconds to time_io[n_threads]; only when the team has more
     * than one thread (the balancer's timers run only then). */
    double *time_io;
    /* set by fp_run for its own use: thread t of cut_nt handles the neurons
     * [n cut[t], n cut[t + 1]) of every group split among the threads */
    const double *cut;
    int32_t cut_nt;
    int32_t has_summed;     /* set by fp_run: some projection has a summed rule */
} fp_net;

#endif
