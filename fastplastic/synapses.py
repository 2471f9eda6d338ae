"""Projections: the synapses from one group to another, stored CSR by
presynaptic neuron (row_ptr int64, post int32, weight float64, delay uint16
in steps), plus a transposed index (for each postsynaptic neuron, the ids of
its incoming synapses) built once, on first use.
"""
import numpy as np

from . import _validate as V
from . import connectivity as C

__all__ = ["Projection"]

_CHANNELS = {"exc": 0, "inh": 1}
# Deferred plasticity: history entries per postsynaptic neuron before a flush
# (a flush costs one pass over the synapses), and the cell of the replay
# factors in units of the presynaptic time constant (their exponents stay
# within +-_EXP_RANGE; fp_plasticity.h).
_HISTORY_CAP = 32          # 10^7-synapse COBA + STDP: 16 -> 32 saved ~10 %; 128 (in-degree /
                           # 8) took 1.05x the time (bench/ab_builds.py, 8 pairs) and 64 1.06x
                           # (1-s chunks alternating in one process), although flushing less
_EXP_RANGE = 64.0
# Summed rules restart their sums (a flush) every _SUM_RANGE presynaptic time
# constants: a sum's terms then span at most e^_SUM_RANGE, and the rounding
# error of a difference of two sums, relative to it, stays below ~n e^8 2^-53
# (n: terms in the sum); at 10^7 synapses (tau 20 ms) one pass per 160 ms.
_SUM_RANGE = 8.0
_MAX_GRID_BITS = 16         # cells of at most 65536 steps: h_tab stays <= 8 KiB + 512 B
_LOW_TABLE_BITS = 6
MAX_DELAY_STEPS = 65535


def _compact_delays(d):
    """uint16 delays; one shared value is stored once (a read-only zero-stride
    view), which saves 2 of the 14 bytes of a static synapse."""
    d = np.asarray(d, dtype=np.uint16)
    if d.ndim == 1 and d.shape[0] > 1 and d.min() == d.max():
        return np.broadcast_to(np.uint16(d[0]), d.shape)
    return np.ascontiguousarray(d)


def _rows_sorted(row_ptr, post_ids):
    """Whether post_ids is nondecreasing within every CSR row."""
    drop = np.flatnonzero(np.diff(post_ids.astype(np.int64)) < 0) + 1   # positions after a drop
    starts = np.zeros(post_ids.shape[0] + 1, dtype=bool)
    starts[row_ptr] = True
    return bool(np.all(starts[drop]))


class Projection:
    """Synapses from ``pre`` to ``post``; made by :meth:`Network.connect`.

    Attributes
    ----------
    row_ptr : int64 array (n_pre + 1,)
        Synapses of presynaptic neuron i are ``row_ptr[i]:row_ptr[i+1]``.
    post_ids : int32 array (n_synapses,)
    weight : float64 array (n_synapses,)
        Weights (S for conductance targets, A for current targets).  May be
        modified in place between runs.  Always up to date when read: a
        deferred rule's pending updates are applied first (see
        :meth:`Network.run`).
    delay_steps : uint16 array (n_synapses,)
    """

    def __init__(self, pre, post, pre_idx, post_idx, weight, delay, channel, dt, rng,
                 name=None, sort=True):
        self.pre, self.post = pre, post
        self.name = name or f"{pre.name}->{post.name}"
        self.channel = V.check_choice(f"{self.name}: channel", channel, set(_CHANNELS))
        self.dt = dt
        pre_idx = np.asarray(pre_idx, dtype=np.int64)
        post_idx = np.asarray(post_idx, dtype=np.int64)
        nnz = pre_idx.shape[0]
        w = self._values("weight", weight, nnz, rng)
        if getattr(post, "conductance", False):
            if nnz and w.min() < 0:
                raise ValueError(f"{self.name}: weight must be >= 0 S onto conductance synapses "
                                 f"(use channel='inh' for inhibition), got {w.min()}")
        d = self._delays(delay, nnz, rng, dt)
        if sort:
            order = np.lexsort((post_idx, pre_idx))
            pre_idx, post_idx, w, d = pre_idx[order], post_idx[order], w[order], d[order]
        counts = np.bincount(pre_idx, minlength=pre.n)
        self.row_ptr = np.zeros(pre.n + 1, dtype=np.int64)
        np.cumsum(counts, out=self.row_ptr[1:])
        self.post_ids = np.ascontiguousarray(post_idx, dtype=np.int32)
        self._lazy_init()
        self.weight = np.ascontiguousarray(w, dtype=np.float64)
        self.delay_steps = _compact_delays(d)
        self._freeze_structure()
        self._transposed = None
        self.plasticity = None
        self.plasticity_on = True     # switch learning off/on between runs
        self.eligibility = None       # per-synapse eligibility of three-factor rules
        self.consumed = None          # per-synapse paired trace (presynaptic-centred pairing)
        self._trace_keys = None

    @classmethod
    def _from_arrays(cls, pre, post, row_ptr, post_ids, weight, delay_steps, channel, dt, name):
        """A projection from stored CSR arrays (checkpoints); checked for consistency."""
        self = cls.__new__(cls)
        self.pre, self.post, self.name, self.dt = pre, post, name, dt
        self.channel = V.check_choice(f"{name}: channel", channel, set(_CHANNELS))
        self.row_ptr = np.ascontiguousarray(row_ptr, dtype=np.int64)
        self.post_ids = np.ascontiguousarray(post_ids, dtype=np.int32)
        self._lazy_init()
        self.weight = np.ascontiguousarray(weight, dtype=np.float64)
        self.delay_steps = _compact_delays(delay_steps)
        nnz = self.post_ids.shape[0]
        if (self.row_ptr.shape != (pre.n + 1,) or self.row_ptr[0] != 0 or self.row_ptr[-1] != nnz
                or np.any(np.diff(self.row_ptr) < 0) or self.weight.shape != (nnz,)
                or self.delay_steps.shape != (nnz,)
                or (nnz and (self.post_ids.min() < 0 or self.post_ids.max() >= post.n
                             or self.delay_steps.min() < 1))):
            raise ValueError(f"{name}: stored synapse arrays are inconsistent")
        if not _rows_sorted(self.row_ptr, self.post_ids):
            raise ValueError(f"{name}: stored synapse rows are not sorted by postsynaptic "
                             "index (threaded delivery cuts rows by binary search)")
        self._freeze_structure()
        self._transposed = None
        self.plasticity, self.eligibility, self._trace_keys = None, None, None
        self.plasticity_on = True
        self.consumed = None
        return self

    def _freeze_structure(self):
        """Connectivity is fixed once built (the kernels index with it unchecked):
        its arrays are made read-only; weights stay writable."""
        for a in (self.row_ptr, self.post_ids, self.delay_steps):
            a.setflags(write=False)

    def _values(self, what, spec, nnz, rng):
        if callable(spec):
            spec = spec(rng, nnz)
        return V.per_neuron(f"{self.name}: {what}", spec, nnz)

    def _delays(self, spec, nnz, rng, dt):
        if callable(spec):
            spec = spec(rng, nnz)
        if np.ndim(spec) == 0:
            steps = V.to_steps(f"{self.name}: delay", spec, dt, 1, MAX_DELAY_STEPS)
            return np.full(nnz, steps, dtype=np.int64)
        arr = np.asarray(spec)
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{self.name}: delay must hold real numbers (s), got dtype {arr.dtype}")
        if arr.shape != (nnz,):
            raise ValueError(f"{self.name}: delay must be a scalar or have shape ({nnz},), "
                             f"got shape {arr.shape}")
        return V.to_steps(f"{self.name}: delay", arr, dt, 1, MAX_DELAY_STEPS).reshape(-1)

    # -- read-only views ---------------------------------------------------------
    @property
    def n_synapses(self):
        return int(self.post_ids.shape[0])

    @property
    def pre_ids(self):
        """Presynaptic index of every synapse (int64, CSR order)."""
        return np.repeat(np.arange(self.pre.n, dtype=np.int64), np.diff(self.row_ptr))

    @property
    def delays(self):
        """Delays in seconds."""
        return self.delay_steps * self.dt

    def _delay_range(self):
        """(min, max) delay in steps, computed once per delay array: the
        arrays are read-only, and NumPy's min and max of a 10^7-synapse
        projection took ~25 ms per run() call."""
        d = self.delay_steps
        cached = getattr(self, "_delay_cache", None)
        if cached is None or cached[0] is not d:
            rng = (int(d[0]), int(d[0])) if self._uniform_delay() else (int(d.min()), int(d.max()))
            self._delay_cache = cached = (d, *rng)
        return cached[1], cached[2]

    @property
    def min_delay_steps(self):
        return self._delay_range()[0] if self.n_synapses else MAX_DELAY_STEPS

    @property
    def max_delay_steps(self):
        return self._delay_range()[1] if self.n_synapses else 0

    def _lazy_init(self):
        self._history = None            # deferred rules' history scratch, kept between runs
        self._pending_in = None         # the Network, while that holds updates not yet
                                        # in the weights (it can apply them)
        self._weights_seen = True       # read or assigned since the last run's check
        self._plasticity_on = True

    @property
    def weight(self):
        self._apply_pending()
        self._weights_seen = True
        return self._weight

    @weight.setter
    def weight(self, value):
        self._apply_pending()
        self._weights_seen = True
        self._weight = value

    @property
    def plasticity_on(self):
        """Whether the rule learns in the next run (switch it between runs)."""
        return self._plasticity_on

    @plasticity_on.setter
    def plasticity_on(self, on):
        self._apply_pending()           # (updates learnt while it was on)
        self._plasticity_on = bool(on)

    @property
    def _history_pending(self):
        return self._pending_in is not None

    def _apply_pending(self):
        """Brings the weights up to date: a run may leave a deferred rule's
        updates pending in the history (Network.run)."""
        if self._pending_in is not None:
            self._pending_in._apply_pending()

    def _weights_held(self):
        """Whether anything beyond this projection refers to the weight array
        (a user's variable or view), which then must be up to date after every
        run.  (CPython reference count: the attribute and the call's argument.)"""
        import sys
        return sys.getrefcount(self._weight) > 2

    def incoming(self):
        """Transposed index: (col_ptr int64 (n_post + 1,), syn_ids) where the
        synapses onto post neuron j are ``syn_ids[col_ptr[j]:col_ptr[j+1]]``
        (ids into this projection's arrays, increasing).  Built once."""
        if self._transposed is None:
            from ._kernels.engine import transpose_index      # counting sort, O(nnz)
            self._transposed = transpose_index(self.post_ids, self.post.n)
        return self._transposed

    def normalize_incoming(self, total):
        """Scale each postsynaptic neuron's incoming weights so that they sum to
        ``total`` (Diehl & Cook 2015 keep the summed input weight of every
        neuron fixed this way); neurons whose weights sum to 0 are left alone.
        Weights are then clipped to the plasticity rule's bounds, if any."""
        total = V.check_float(f"{self.name}: total", total, 0.0, lo_open=True)
        sums = np.bincount(self.post_ids, weights=self.weight, minlength=self.post.n)
        scale = np.divide(total, sums, out=np.ones_like(sums), where=sums != 0)
        self.weight *= scale[self.post_ids]
        if self.plasticity is not None:
            np.clip(self.weight, self.plasticity.w_min, self.plasticity.w_max, out=self.weight)

    def to_dense(self):
        """(n_pre, n_post) weight matrix, summing multapses; for small networks."""
        m = np.zeros((self.pre.n, self.post.n))
        np.add.at(m, (self.pre_ids, self.post_ids), self.weight)
        return m

    def _check_state(self, check_finite=True):
        """Checks the weights before a run.  Unless they were read or assigned
        since the last check, or something else holds the array, they are as
        the last run left them (kernels keep them finite and within the
        rule's bounds): the O(synapses) value checks are skipped."""
        w = self._weight
        if not isinstance(w, np.ndarray) or w.dtype != np.float64 or w.shape != (self.n_synapses,) \
                or not w.flags.c_contiguous:
            raise TypeError(f"{self.name}: weight must stay a contiguous float64 array of shape "
                            f"({self.n_synapses},); assign into it with [:]")
        del w
        if not (self._weights_seen or self._weights_held()) or not self.n_synapses:
            return
        w = self._weight
        lo, hi = w.min(), w.max()       # (NaN anywhere makes both NaN: one pass finds all)
        if check_finite and not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError(f"{self.name}: weight holds non-finite values")
        if getattr(self.post, "conductance", False) and lo < 0:
            raise ValueError(f"{self.name}: weight must be >= 0 S onto conductance synapses")
        if self.plasticity is not None and check_finite:
            self.plasticity.check_weights(w, self.name, lo, hi)
        self._weights_seen = not check_finite       # (unchecked values: check next time)

    def _plastic_dict(self, trace_index, min_delay=1, k=0):
        """Kernel parameters of the plasticity, or None when static or switched off.
        Deferred rules keep their history scratch between runs: a run may end
        with updates pending (Network.run)."""
        if self.plasticity is None or not self.plasticity_on:
            return None
        d = self.plasticity._kernel_params()
        for name, key in zip(("tr_pot", "tr_dep", "tr_pot3", "tr_dep3"), self._trace_keys):
            d[name] = -1 if key is None else trace_index[key]
        tau_pot = self._trace_keys[0][1]                # presynaptic trace read at post spikes
        d["dt_tau_pot"] = self.dt / tau_pot
        d["dt"] = self.dt
        if self.deferred:
            d.update(self._deferred_scratch(min_delay, k, tau_pot, d["tr_pot3"] >= 0))
            return d
        col_ptr, col_syn = self.incoming()
        if getattr(self, "_col_pre", None) is None:
            self._col_pre = np.ascontiguousarray(self.pre_ids[col_syn], dtype=np.int32)
        d.update(col_ptr=col_ptr, col_syn=col_syn, col_pre=self._col_pre)
        if self.consumed is not None:
            d.update(consumed=self.consumed)
        if getattr(self, "synapse_vars", None) is not None:    # user rule
            sv = self.synapse_vars
            if not (isinstance(sv, np.ndarray) and sv.dtype == np.float64 and sv.flags.c_contiguous
                    and sv.shape == (self.n_synapses, sv.shape[1])):
                raise TypeError(f"{self.name}: synapse_vars must stay a contiguous float64 array "
                                f"of shape ({self.n_synapses}, n_vars); assign into it with [:]")
            d.update(vars=sv.reshape(-1), n_vars=sv.shape[1])
        if self.eligibility is not None:        # three-factor rule
            d.update(elig=self.eligibility, c_decay=np.exp(-self.dt / self.plasticity.tau_c))
        return d

    @property
    def deferred(self):
        """Whether this projection's potentiation is deferred (plasticity.py)."""
        return self.plasticity is not None and self.plasticity._defers(self.n_synapses)

    @property
    def summed(self):
        """Whether this deferred projection keeps its pending updates as sums
        (plasticity.py)."""
        return self.plasticity is not None and self.plasticity._sums(self.n_synapses)

    def _deferred_scratch(self, min_delay, k, tau_pot, triplet):
        """Postsynaptic spike histories of the deferred scheme (fp_plasticity.h):
        steps counted from h_meta[0] = k, replay-factor cells of 2^h_gbits
        steps (at most _EXP_RANGE presynaptic time constants), and the
        exp(-m dt / tau) table that gives an entry's factor from its step.
        Kept while it holds pending updates (Network.run), else made afresh."""
        if self._history_pending:
            return self._history
        cap = max(_HISTORY_CAP, min_delay)
        gbits = max(0, min(_MAX_GRID_BITS, int(np.floor(np.log2(_EXP_RANGE * tau_pot / self.dt)))))
        lobits = min(gbits, _LOW_TABLE_BITS)
        a = self.dt / tau_pot
        tab = np.concatenate([np.exp(-a * (np.arange(1 << (gbits - lobits)) << lobits)),
                              np.exp(-a * np.arange(1 << lobits))])
        self._history = dict(deferred=1, h_cap=cap, h_gbits=gbits, h_lobits=lobits, h_tab=tab,
                    t_upd=np.full(self.pre.n, k, dtype=np.int64),
                    h_len=np.zeros(self.post.n, dtype=np.int32),
                    h_last=np.full(2 * self.post.n, -1, dtype=np.int32),
                    h_step=np.zeros(0 if self.summed else self.post.n * cap, dtype=np.int32),
                    h_o2=np.zeros(self.post.n * cap) if triplet else None,
                    h_meta=np.array([k, 0], dtype=np.int64),
                    ybuf=np.zeros(self.post.n))
        if self.summed:                     # (sums instead of histories: no h_step)
            from ._kernels.engine import SUM_OLD_EPOCHS as m
            self._history.update(summed=1, sum_period=max(1, int(_SUM_RANGE * tau_pot / self.dt)),
                                 h_sum=np.zeros(self.post.n), h_old=np.zeros(m * self.post.n),
                                 y_base=np.zeros(self.post.n),   # (filled by the engine)
                                 h_meta=np.array([k, 0] + [k] * m + [0], dtype=np.int64))
        return self._history

    def _uniform_delay(self):
        """The shared delay (steps) when every synapse has it, else 0."""
        d = self.delay_steps
        return int(d[0]) if d.shape[0] > 1 and d.strides == (0,) else 0

    def _delay_array(self):
        """Per-synapse delays for the kernels, or None when they share one."""
        return None if self._uniform_delay() else self.delay_steps

    @property
    def nbytes(self):
        """Bytes of the synapse arrays (CSR, weights, delays; one delay if shared)."""
        return (self.row_ptr.nbytes + self.post_ids.nbytes + self._weight.nbytes
                + (2 if self._uniform_delay() else self.delay_steps.nbytes))

    def _c_dict(self, trace_index=None, min_delay=1, k=0):
        return {"pre": self.pre.index, "post": self.post.index, "channel": _CHANNELS[self.channel],
                "n_pre": self.pre.n, "row_ptr": self.row_ptr, "post_ids": self.post_ids,
                "weight": self._weight, "delay": self._delay_array(),
                "delay0": self._uniform_delay(),
                "plastic": self._plastic_dict(trace_index, min_delay, k)}

    def __repr__(self):
        return f"<Projection '{self.name}' {self.n_synapses} synapses, channel {self.channel}>"


def build_pairs(pre, post, rng, p=None, in_degree=None, rule=None, pre_indices=None,
                post_indices=None, autapses=True, name="connect"):
    """(pre_idx, post_idx, needs_sort) from exactly one connectivity description."""
    given = [x for x, v in (("p", p), ("in_degree", in_degree), ("rule", rule),
                            ("pre_indices", pre_indices)) if v is not None]
    if len(given) != 1:
        raise ValueError(f"{name}: give exactly one of p, in_degree, rule or "
                         f"pre_indices/post_indices, got {given or 'none'}")
    same = pre is post
    if not same or autapses:
        autapses = True
    if p is not None:
        p = V.check_float(f"{name}: p", p, 0.0, 1.0)
        return (*C.fixed_probability(pre.n, post.n, p, rng, autapses), False)
    if in_degree is not None:
        k = V.check_int(f"{name}: in_degree", in_degree, 0, pre.n if autapses else pre.n - 1)
        return (*C.fixed_indegree(pre.n, post.n, k, rng, autapses), False)
    if rule is not None:
        V.check_choice(f"{name}: rule", rule, {"one_to_one", "all_to_all"})
        if rule == "one_to_one":
            if pre.n != post.n:
                raise ValueError(f"{name}: rule 'one_to_one' needs groups of equal size, "
                                 f"got {pre.n} and {post.n}")
            return (*C.one_to_one(pre.n), False)
        return (*C.all_to_all(pre.n, post.n, autapses), False)
    if post_indices is None:
        raise ValueError(f"{name}: post_indices is required with pre_indices")
    i = V.as_index_array(f"{name}: pre_indices", pre_indices, pre.n)
    j = V.as_index_array(f"{name}: post_indices", post_indices, post.n, length=i.shape[0])
    return i.astype(np.int64), j.astype(np.int64), True
