# Declarations of csrc/fp_types.h and csrc/fp_engine.h for Cython.
from libc.stdint cimport int32_t, int64_t, uint16_t, uint64_t

cdef extern from "fp_types.h":
    enum: FP_NPARAM
    ctypedef double (*fp_custom_fn)(double w, double x, double y, double *vars) noexcept nogil
    ctypedef struct fp_group:
        int32_t kind, n, ring_len, record, direct_input
        double *v
        double *ge
        double *gi
        double *u
        int32_t *refrac
        const double *i_bias
        double p[16]
        double *ring_e
        double *ring_i
        const double *prob
        int64_t n_rows, row_steps
        uint64_t key[2]
        int64_t *next
        int64_t *ndraw
        const double *logq
        const int64_t *rp_step
        const int32_t *rp_id
        int64_t rp_len, rp_pos
        int32_t *slice_ids
        int64_t *slice_ptr
        int32_t *rec_ids
        int64_t *rec_steps
        int64_t rec_len, rec_cap
        int32_t *counts
        int64_t count_base
        int64_t *last_spike
        int64_t *prev_spike
        double *aux
        const double *xp
        int64_t crec_k0
        double *crec
    ctypedef struct fp_trace:
        int32_t group, mode
        double *val
        double *prev
        int64_t *last
        const double *decay
        int32_t d_bits, d_lobits
        double dt_tau
        double *at_spike
    ctypedef struct fp_plastic:
        int32_t wdep, tr_pot, tr_dep, tr_pot3, tr_dep3, pairing
        double *consumed
        double dt_tau_pot
        double scale, w_min, w_max, mu, w0
        double a_pot, a_dep, a3_pot, a3_dep, offset
        const int64_t *col_ptr
        const int64_t *col_syn
        const int32_t *col_pre
        double *elig
        double c_decay
        fp_custom_fn on_pre
        fp_custom_fn on_post
        double *vars
        int32_t n_vars
        int32_t deferred, h_cap, h_gbits, h_lobits
        const double *h_tab
        int64_t *t_upd
        int32_t *h_len
        int32_t *h_last
        int32_t *h_prev
        int32_t *h_step
        double *h_o2
        int64_t *h_meta
        double *ybuf
        int32_t summed, sum_period
        double *h_sum
        double *h_old
        double *y_base
        int32_t y_based
        int32_t clopath, ltd_homeostatic
        double a_ltd, a_ltp, theta_minus, theta_plus, inv_u_ref2, inv_tau_x, dt
    ctypedef struct fp_proj:
        int32_t pre, post, channel, n_pre
        const int64_t *row_ptr
        const int32_t *post_ids
        double *weight
        const uint16_t *delay
        int32_t delay0
        const fp_plastic *plastic
    ctypedef struct fp_statemon:
        int32_t group, n_idx
        const double *src
        const int32_t *idx
        int64_t every
        double *out
        int64_t out_len, out_cap
    ctypedef struct fp_net:
        int32_t n_groups, n_projs, n_mons, n_traces, min_delay, n_threads
        int64_t par_min
        fp_group *groups
        fp_proj *projs
        fp_statemon *mons
        fp_trace *traces
        double *modulator
        double d_decay, dt
        const int64_t *rw_step
        const double *rw_amount
        int64_t rw_len, rw_pos
        int32_t *scratch
        int32_t flush_end, check_finite, bad_group, bad_var, bad_proj
        double *cut_io
        double *time_io

cdef extern from "fp_engine.h":
    int64_t fp_run(fp_net *net, int64_t k0, int64_t k1) nogil

cdef extern from "fp_rng.h":
    void fp_philox4x64(const uint64_t ctr[4], const uint64_t key[2], uint64_t out[4]) nogil
