# cython: boundscheck=False, wraparound=False, cdivision=True, language_level=3
"""Cython bridge to the C network engine (csrc/fp_engine.c).

The public classes validate everything and hand this module plain dicts of
contiguous NumPy arrays; it copies pointers into C structs, releases the GIL
and runs.  Memoryview typing below is a last safety net on dtypes only.
"""
import numpy as np

from libc.stdlib cimport calloc, free
from libc.stdint cimport int32_t, int64_t, uint16_t, uint64_t
from fastplastic._kernels.cengine cimport (fp_group, fp_proj, fp_statemon, fp_net, fp_trace,
                                           fp_plastic, fp_custom_fn, fp_run, fp_philox4x64)

cdef extern from "fp_types.h":
    enum: FP_SUM_OLD

SUM_OLD_EPOCHS = FP_SUM_OLD     # (summed rules: epochs of sums kept, fp_types.h)


cdef double* _f64(object a) except? NULL:
    if a is None:
        return NULL
    cdef double[::1] mv = a
    return &mv[0] if mv.shape[0] > 0 else NULL

cdef int32_t* _i32(object a) except? NULL:
    if a is None:
        return NULL
    cdef int32_t[::1] mv = a
    return &mv[0] if mv.shape[0] > 0 else NULL

cdef int64_t* _i64(object a) except? NULL:
    if a is None:
        return NULL
    cdef int64_t[::1] mv = a
    return &mv[0] if mv.shape[0] > 0 else NULL

cdef const int32_t* _ci32(object a) except? NULL:
    """Read-only arrays (the connectivity) are accepted through const views."""
    if a is None:
        return NULL
    cdef const int32_t[::1] mv = a
    return &mv[0] if mv.shape[0] > 0 else NULL

cdef const int64_t* _ci64(object a) except? NULL:
    if a is None:
        return NULL
    cdef const int64_t[::1] mv = a
    return &mv[0] if mv.shape[0] > 0 else NULL

cdef const uint16_t* _cu16(object a) except? NULL:
    if a is None:
        return NULL
    cdef const uint16_t[::1] mv = a
    return &mv[0] if mv.shape[0] > 0 else NULL

cdef uint16_t* _u16(object a) except? NULL:
    if a is None:
        return NULL
    cdef uint16_t[::1] mv = a
    return &mv[0] if mv.shape[0] > 0 else NULL


cdef void _fill_group(fp_group *g, dict d) except *:
    cdef double[::1] p = d["p"]
    cdef uint64_t[::1] key = d["key"]
    cdef int j
    g.kind = d["kind"]
    g.n = d["n"]
    g.ring_len = d["ring_len"]
    g.direct_input = d.get("direct_input", 0)
    g.record = d["record"]
    g.v = _f64(d["v"])
    g.ge = _f64(d["ge"])
    g.gi = _f64(d["gi"])
    g.u = _f64(d["u"])
    g.refrac = _i32(d["refrac"])
    g.i_bias = _f64(d["i_bias"])
    for j in range(16):
        g.p[j] = p[j]
    g.ring_e = _f64(d["ring_e"])
    g.ring_i = _f64(d["ring_i"])
    g.prob = _f64(d["prob"])
    g.n_rows = d["n_rows"]
    g.row_steps = d["row_steps"]
    g.key[0] = key[0]
    g.key[1] = key[1]
    g.next = _i64(d.get("next"))
    g.ndraw = _i64(d.get("ndraw"))
    g.logq = _f64(d.get("logq"))
    g.rp_step = _i64(d["rp_step"])
    g.rp_id = _i32(d["rp_id"])
    g.rp_len = d["rp_len"]
    g.rp_pos = d["rp_pos"]
    g.slice_ids = _i32(d["slice_ids"])
    g.slice_ptr = _i64(d["slice_ptr"])
    g.rec_ids = _i32(d["rec_ids"])
    g.rec_steps = _i64(d["rec_steps"])
    g.rec_len = 0
    g.rec_cap = 0 if d["rec_ids"] is None else len(d["rec_ids"])
    g.counts = _i32(d["counts"])
    g.count_base = d["count_base"]
    g.last_spike = _i64(d["last_spike"])
    g.prev_spike = _i64(d["prev_spike"])
    if g.kind == 6:         # FP_ADEX_CLOPATH: extra state, constants, per-step records
        xp, aux, crec = d["xp"], d["aux"], d["crec"]
        n_delay = int(xp[21])
        if (len(xp) != 25 or aux.size != (7 + 2 * n_delay) * g.n
                or crec.size != d["min_delay"] * 4 * g.n or int(xp[20]) < 1):
            raise ValueError("AdExClopath state arrays have inconsistent sizes")
        g.aux = _f64(aux.reshape(-1))
        g.xp = _f64(xp)
        g.crec = _f64(crec)
    else:
        g.aux = NULL
        g.xp = NULL
        g.crec = NULL


cdef void _fill_plastic(fp_plastic *pl, dict d, Py_ssize_t n_pre, Py_ssize_t n_post,
                       Py_ssize_t nnz) except *:
    pl.wdep = d["wdep"]
    pl.tr_pot = d["tr_pot"]
    pl.tr_dep = d["tr_dep"]
    pl.tr_pot3 = d["tr_pot3"]
    pl.tr_dep3 = d["tr_dep3"]
    pl.pairing = d.get("pairing", 0)
    pl.consumed = _f64(d.get("consumed"))
    pl.dt_tau_pot = d.get("dt_tau_pot", 0.0)
    pl.scale = d["scale"]
    pl.w_min = d["w_min"]
    pl.w_max = d["w_max"]
    pl.mu = d["mu"]
    pl.w0 = d["w0"]
    pl.a_pot = d["a_pot"]
    pl.a_dep = d["a_dep"]
    pl.a3_pot = d["a3_pot"]
    pl.a3_dep = d["a3_dep"]
    pl.offset = d["offset"]
    pl.col_ptr = _ci64(d.get("col_ptr"))
    pl.col_syn = _ci64(d.get("col_syn"))
    pl.col_pre = _ci32(d.get("col_pre"))
    pl.elig = _f64(d.get("elig"))
    pl.c_decay = d.get("c_decay", 1.0)
    # addresses of Numba cfuncs with the fp_custom_fn signature (fastplastic.custom
    # compiles them with exactly that signature; they touch no Python object)
    cdef size_t a_pre = d.get("on_pre", 0), a_post = d.get("on_post", 0)
    pl.on_pre = <fp_custom_fn> a_pre
    pl.on_post = <fp_custom_fn> a_post
    pl.vars = _f64(d.get("vars"))
    pl.n_vars = d.get("n_vars", 0)
    pl.clopath = d.get("clopath", 0)
    if pl.clopath:
        pl.ltd_homeostatic = d["ltd_homeostatic"]
        pl.a_ltd = d["a_ltd"]
        pl.a_ltp = d["a_ltp"]
        pl.theta_minus = d["theta_minus"]
        pl.theta_plus = d["theta_plus"]
        pl.inv_u_ref2 = d["inv_u_ref2"]
        pl.inv_tau_x = d["inv_tau_x"]
        pl.dt = d["dt"]
    pl.deferred = d.get("deferred", 0)
    if pl.deferred:         # scratch built by Projection._plastic_dict; sizes checked once here
        pl.h_cap = d["h_cap"]
        pl.h_gbits = d["h_gbits"]
        pl.h_lobits = d["h_lobits"]
        n_tab = (1 << (pl.h_gbits - pl.h_lobits)) + (1 << pl.h_lobits) if (
            0 <= pl.h_lobits <= pl.h_gbits <= 30) else -1
        o2 = d.get("h_o2")
        if (pl.h_cap < 1 or n_tab < 0 or len(d["h_tab"]) != n_tab or len(d["t_upd"]) != n_pre
                or len(d["h_len"]) != n_post or len(d["h_last"]) != 2 * n_post
                or len(d["h_meta"]) != (3 + FP_SUM_OLD if d.get("summed", 0) else 2)
                or len(d["h_step"]) != (0 if d.get("summed", 0) else n_post * pl.h_cap)
                or len(d["ybuf"]) != n_post
                or (o2 is not None and len(o2) != n_post * pl.h_cap)
                or (o2 is None) != (pl.tr_pot3 < 0)):
            raise ValueError("deferred plasticity scratch arrays have inconsistent sizes")
        pl.h_tab = _f64(d["h_tab"])
        pl.t_upd = _i64(d["t_upd"])
        pl.h_len = _i32(d["h_len"])
        pl.h_last = _i32(d["h_last"])
        pl.h_prev = pl.h_last + n_post
        pl.h_step = _i32(d["h_step"])
        pl.h_o2 = _f64(o2)
        pl.h_meta = _i64(d["h_meta"])
        pl.ybuf = _f64(d["ybuf"])
        pl.summed = d.get("summed", 0)
        if pl.summed:
            if (d["sum_period"] < 1 or len(d["h_sum"]) != n_post
                    or len(d["h_old"]) != FP_SUM_OLD * n_post
                    or not 0 <= d["h_meta"][2 + FP_SUM_OLD] < FP_SUM_OLD
                    or len(d["y_base"]) != n_post or pl.tr_pot3 >= 0 or pl.wdep != 0):
                raise ValueError("summed plasticity scratch arrays have inconsistent sizes, "
                                 "or the rule is not an additive pair rule")
            pl.sum_period = d["sum_period"]
            pl.h_sum = _f64(d["h_sum"])
            pl.h_old = _f64(d["h_old"])
            pl.y_base = _f64(d["y_base"])


cdef void _fill_trace(fp_trace *t, dict d) except *:
    t.group = d["group"]
    t.mode = d["mode"]
    t.val = _f64(d["val"])
    t.prev = _f64(d["prev"])
    t.last = _i64(d["last"])
    t.decay = _f64(d["decay"])
    t.d_bits = d["d_bits"]
    t.d_lobits = d["d_lobits"]
    t.dt_tau = d["dt_tau"]
    t.at_spike = _f64(d["at_spike"])
    if not (0 <= t.d_lobits <= t.d_bits <= 30) or len(d["decay"]) != (
            (1 << (t.d_bits - t.d_lobits)) + (1 << t.d_lobits)):
        raise ValueError("trace decay table has an inconsistent size")
    if not (len(d["at_spike"]) == len(d["val"]) == len(d["prev"]) == len(d["last"])):
        raise ValueError("trace arrays have inconsistent sizes")


def _writable_f64(a, n):
    """Whether a is an array the kernel may write n doubles into."""
    return (isinstance(a, np.ndarray) and a.dtype == np.float64 and a.shape == (n,)
            and a.flags.c_contiguous and a.flags.writeable)


def run(list groups, list projs, list mons, list traces, dict mod, int min_delay, int threads,
        int64_t k0, int64_t k1, bint check_finite=True, dict health=None, bint flush_end=True,
        int64_t par_min=0, cuts=None, times=None):
    """Advance steps [k0, k1); returns the step reached.

    Writes back into the dicts: ``rec_len`` and ``rp_pos`` of each group,
    ``out_len`` of each monitor, ``rw_pos`` of ``mod`` (the neuromodulator:
    keys level [1-array or None], d_decay, dt, rw_step, rw_amount, rw_pos),
    and into ``health`` (if given) ``bad_group`` / ``bad_var`` and ``bad_proj`` (the
    first plastic projection with a non-finite weight at return; -1 when fine).
    flush_end: bring deferred plastic weights up to date before returning.
    par_min: networks of fewer synapses deliver spikes on one thread.
    cuts: None, or float64 [threads + 1], 0 = cuts[0] < ... < cuts[threads] = 1:
    where the load balancer starts (thread t advances the fraction
    [cuts[t], cuts[t + 1]) of each group) and, on return, where it left off.
    times: None, or float64 [threads + 1], added to when the engine runs on
    more than one thread: times[t] += thread t's seconds of work (not of
    waiting at barriers), times[threads] += the parallel loop's wall seconds.
    """
    if cuts is not None and (not _writable_f64(cuts, threads + 1) or cuts[0] != 0.0
                             or cuts[threads] != 1.0 or not np.all(np.diff(cuts) > 0)):
        raise ValueError("run: cuts must be a writable contiguous float64 array of "
                         "threads + 1 increasing values from 0 to 1")
    if times is not None and not _writable_f64(times, threads + 1):
        raise ValueError("run: times must be a writable contiguous float64 array of "
                         "threads + 1 values")
    cdef fp_net net
    cdef int64_t reached
    cdef Py_ssize_t i
    net.n_groups = len(groups)
    net.n_projs = len(projs)
    net.n_mons = len(mons)
    net.min_delay = min_delay
    net.n_threads = threads
    net.par_min = par_min
    net.check_finite = check_finite
    net.flush_end = flush_end
    net.cut_io = _f64(cuts)
    net.time_io = _f64(times)
    net.groups = <fp_group*> calloc(max(1, net.n_groups), sizeof(fp_group))
    net.projs = <fp_proj*> calloc(max(1, net.n_projs), sizeof(fp_proj))
    net.mons = <fp_statemon*> calloc(max(1, net.n_mons), sizeof(fp_statemon))
    net.modulator = _f64(mod["level"])
    net.d_decay = mod["d_decay"]
    net.dt = mod["dt"]
    net.rw_step = _i64(mod["rw_step"])
    net.rw_amount = _f64(mod["rw_amount"])
    net.rw_len = 0 if mod["rw_step"] is None else len(mod["rw_step"])
    net.rw_pos = mod["rw_pos"]
    net.n_traces = len(traces)
    net.traces = <fp_trace*> calloc(max(1, net.n_traces), sizeof(fp_trace))
    cdef fp_plastic *plastic = <fp_plastic*> calloc(max(1, net.n_projs), sizeof(fp_plastic))
    net.scratch = <int32_t*> calloc(max(1, net.n_groups) * threads * min_delay, sizeof(int32_t))
    if not (net.groups and net.projs and net.mons and net.traces and plastic and net.scratch):
        free(net.groups); free(net.projs); free(net.mons); free(net.traces); free(plastic)
        free(net.scratch)
        raise MemoryError("engine structures")
    try:
        for i in range(net.n_groups):
            _fill_group(&net.groups[i], groups[i])
            if (len(groups[i]["slice_ids"]) != 2 * min_delay * net.groups[i].n
                    or len(groups[i]["slice_ptr"]) != 2 * (min_delay + 1)):
                raise ValueError("slice buffers must hold two slices of min_delay steps")
        for i in range(net.n_projs):
            d = projs[i]
            net.projs[i].pre = d["pre"]
            net.projs[i].post = d["post"]
            net.projs[i].channel = d["channel"]
            net.projs[i].n_pre = d["n_pre"]
            net.projs[i].row_ptr = _ci64(d["row_ptr"])
            net.projs[i].post_ids = _ci32(d["post_ids"])
            net.projs[i].weight = _f64(d["weight"])
            net.projs[i].delay = _cu16(d["delay"])
            net.projs[i].delay0 = d["delay0"]
            if net.projs[i].delay == NULL and d["row_ptr"][-1] > 0 and d["delay0"] < 1:
                raise ValueError("projection without per-synapse delays needs delay0 >= 1")
            net.projs[i].plastic = NULL
            if d.get("plastic") is not None:
                _fill_plastic(&plastic[i], d["plastic"], d["n_pre"], groups[d["post"]]["n"],
                              len(d["post_ids"]))
                if plastic[i].deferred and (plastic[i].h_cap < min_delay):
                    raise ValueError("deferred plasticity history shorter than a slice")
                net.projs[i].plastic = &plastic[i]
        for i in range(net.n_traces):
            _fill_trace(&net.traces[i], traces[i])
        for i in range(net.n_mons):
            d = mons[i]
            net.mons[i].group = d["group"]
            net.mons[i].n_idx = len(d["idx"])
            net.mons[i].src = _f64(d["src"])
            net.mons[i].idx = _i32(d["idx"])
            net.mons[i].every = d["every"]
            net.mons[i].out = _f64(d["out"])
            net.mons[i].out_len = 0
            net.mons[i].out_cap = d["out_cap"]
        with nogil:
            reached = fp_run(&net, k0, k1)
        for i in range(net.n_groups):
            groups[i]["rec_len"] = net.groups[i].rec_len
            groups[i]["rp_pos"] = net.groups[i].rp_pos
        for i in range(net.n_mons):
            mons[i]["out_len"] = net.mons[i].out_len
        mod["rw_pos"] = net.rw_pos
        if health is not None:
            health["bad_group"] = net.bad_group
            health["bad_var"] = net.bad_var
            health["bad_proj"] = net.bad_proj
    finally:
        free(net.groups); free(net.projs); free(net.mons); free(net.traces); free(plastic)
        free(net.scratch)
    return reached


cdef extern from "fp_math.h":
    double fp_exp(double x) nogil


def exp_array(const double[::1] x not None):
    """fp_exp elementwise (the engine's vectorisable exp); for tests."""
    import numpy as np
    out = np.empty(x.shape[0])
    cdef double[::1] o = out
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        o[i] = fp_exp(x[i])
    return out


def philox(uint64_t[::1] ctr not None, uint64_t[::1] key not None):
    """Philox4x64-10 of one counter (4 words) under key (2 words); for tests."""
    if ctr.shape[0] != 4 or key.shape[0] != 2:
        raise ValueError("philox: ctr needs 4 words and key 2")
    cdef uint64_t out[4]
    fp_philox4x64(&ctr[0], &key[0], out)
    return [out[0], out[1], out[2], out[3]]


def transpose_index(const int32_t[::1] post_ids not None, int32_t n_post):
    """Counting sort of synapse ids by postsynaptic neuron (stable): returns
    (col_ptr int64[n_post + 1], col_syn int64[nnz]).  O(nnz + n_post).
    post_ids must lie in [0, n_post) (checked by the caller's Projection)."""
    import numpy as np
    cdef Py_ssize_t nnz = post_ids.shape[0], q
    col_ptr = np.zeros(n_post + 1, dtype=np.int64)
    col_syn = np.empty(nnz, dtype=np.int64)
    cdef int64_t[::1] ptr = col_ptr
    cdef int64_t[::1] syn = col_syn
    cdef int64_t[::1] fill = np.empty(n_post, dtype=np.int64)
    cdef int32_t j
    with nogil:
        for q in range(nnz):
            ptr[post_ids[q] + 1] += 1
        for j in range(n_post):
            ptr[j + 1] += ptr[j]
            fill[j] = ptr[j]
        for q in range(nnz):
            j = post_ids[q]
            syn[fill[j]] = q
            fill[j] += 1
    return col_ptr, col_syn


cdef extern from "fp_plasticity.h":
    int fp_simd


def set_simd(mode):
    """Which vector paths the plasticity kernels may take: True or 1 (the
    default) the widest the CPU has (AVX-512, else AVX2), "avx2" at most
    AVX2, False or 0 only the scalar ones.  Returns the previous setting (as
    True, "avx2" or False).  For tests, which compare the paths bit for bit:
    not thread-safe, set it between runs."""
    global fp_simd
    modes = {True: 1, False: 0, "avx2": 2}
    if not isinstance(mode, (bool, int, str)) or mode not in modes:
        raise ValueError(f"set_simd: mode must be True, False or 'avx2', not {mode!r}")
    old = {1: True, 0: False, 2: "avx2"}[fp_simd]
    fp_simd = modes[mode]
    return old


cdef extern from "fp_engine.h":
    double fp_cut_test
    int32_t fp_tile_force


def set_cut_test(double fraction):
    """Fixes thread 0's share of every group's neurons at `fraction` (the
    other threads split the rest) and stops the load balancer; 0 restores
    it.  Returns the previous value.  For tests, which check that results do
    not depend on the split: not thread-safe, set it between runs."""
    global fp_cut_test
    if not 0.0 <= fraction < 1.0:
        raise ValueError("set_cut_test: fraction must lie in [0, 1)")
    old = fp_cut_test
    fp_cut_test = fraction
    return old


def set_tile_test(width):
    """Delivers every projection in tiles of `width` postsynaptic neurons
    (an int >= 1); 0 restores the default (tiles only where they pay).
    Returns the previous value.  For tests, which check that results do not
    depend on the tiles: not thread-safe, set it between runs."""
    global fp_tile_force
    if isinstance(width, bool) or not hasattr(width, "__index__") \
            or not 0 <= int(width) <= 2**31 - 1:
        raise ValueError(f"set_tile_test: width must be an int in [0, 2**31), not {width!r}")
    old = fp_tile_force
    fp_tile_force = int(width)
    return old
