"""Network: owns groups, projections and monitors, and the clock.

``run(duration)`` hands the whole network to the compiled engine
(csrc/fp_engine.c) chunk by chunk; the engine advances in slices of the
smallest synaptic delay (see DESIGN.md).  Runs continue where the previous
one stopped: pending spikes in the delay rings, state and clocks persist.
"""
import numpy as np

from . import _validate as V
from . import synapses as S
from .monitors import RateMonitor, SpikeMonitor, StateMonitor, WeightMonitor
from .neurons import _ADEX, _IZHIKEVICH, _LIF_COBA, _LIF_CUBA, NeuronGroup
from .synapses import Projection, build_pairs
from .units import ms

__all__ = ["Network", "SimulationError"]


class SimulationError(RuntimeError):
    """The simulation reached a state it cannot continue from (non-finite values)."""

_CHUNK_STEPS = 2000        # steps per engine call (progress-bar granularity)
# With threads > 1, networks of at least this many synapses split spike
# delivery and plasticity among the threads (by target neuron) as well as the
# neuron updates; smaller ones run on one thread unless they have >= 1e5
# neurons (csrc/fp_engine.c: a threaded step costs barriers).  Measured on 2
# cores, 2 threads against 1 (harness medians): COBA 4k (3.2e5 synapses)
# 1.3-1.8x slower when threaded, COBA 40k (3.2e6) 1.54x (static) and 1.61x
# (STDP) faster, 10^7 synapses 1.64x (static) and 1.49x (STDP) faster (with
# the pipelined schedule of fp_engine.c; 1.41x and 1.47x without).
PARALLEL_DELIVERY_MIN_SYNAPSES = 1_000_000
# Trace decay tables cover 64 time constants (beyond, the kernel calls exp),
# in two tables of at most 2^12 entries each.
_TRACE_TABLE_MAX_BITS = 24
_BUILD_BYTES_PER_SYNAPSE = 48   # int64 pre/post + sort keys while building, then CSR
_SYNAPSE_BYTES = 14             # post int32 + weight float64 + delay uint16
# Kinds whose kernels add the step's input to ge / gi before integrating
# (fp_neurons.c, arrive() or FP_LIF_LOOP), which may take it straight in
# (_direct_input); AdExClopath records its own per-step state and keeps a ring.
_DIRECT_INPUT_KINDS = (_LIF_CUBA, _LIF_COBA, _ADEX, _IZHIKEVICH)


def available_memory():
    """Bytes of memory available to this process (MemAvailable on Linux,
    else physical memory), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import os
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


class Network:
    """A spiking network advanced by a fixed clock.

    Parameters
    ----------
    dt : float
        Time step (s), in (0, 10 ms].  Default 0.1 ms.
    seed : int, optional
        Seed of everything random: construction (connectivity, weights,
        initial values) through one ``numpy.random.Generator``, and run-time
        noise through per-group counter-based streams.  None draws one
        (kept in ``net.seed``).
    threads : int
        OpenMP threads (results do not depend on it, bit for bit).  In
        networks of at least ``PARALLEL_DELIVERY_MIN_SYNAPSES`` synapses,
        neuron updates are split by neuron and spike delivery and plasticity
        by target neuron; smaller networks run on one thread unless they
        have 1e5 neurons or more (then neuron updates are split).  Measured,
        2 threads on 2 cores of a shared VM: 1.5-1.6x at COBA 40k; at 10^7
        synapses with STDP 1.4-1.7x (harness medians, which move with the
        VM's phases).
    """

    def __init__(self, dt=0.1 * ms, seed=None, threads=1):
        self.dt = V.check_float("dt", dt, 0.0, 10 * ms, lo_open=True, unit="s")
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**63))
        self.seed = V.check_int("seed", seed, 0, 2**63 - 1)
        self.threads = V.check_int("threads", threads, 1, 256)
        self.rng = np.random.default_rng(self.seed)
        self.groups, self.projections, self.monitors = [], [], []
        self._k = 0
        self._rings = {}
        self._cuts = None                 # the load balancer's, between engine calls
        self._thread_time = None          # thread_activity's sums (engine.run's times)
        self._traces = {}
        self.modulator = np.zeros(1)      # neuromodulator d of three-factor rules
        self.modulator_tau = 0.2          # its decay time constant (s)
        self._rewards = []                # pending (step, amount)
        self._normalizations = []         # (projection, total, every steps)

    # -- building ------------------------------------------------------------------
    @property
    def t(self):
        """Current time (s)."""
        return self._k * self.dt

    def add(self, obj):
        """Add a neuron group or a monitor; returns it."""
        if isinstance(obj, NeuronGroup):
            self._check_bytes(obj.name, obj.n * 8 * (len(obj._state_vars) + 5), "its state")
            obj._attach(self, len(self.groups), self.rng)
            self.groups.append(obj)
        elif isinstance(obj, WeightMonitor):
            if obj.projection not in self.projections:
                raise ValueError(f"{obj.name}: projection is not part of this network")
            obj._setup(self.dt)
            obj._dt = self.dt
            self.monitors.append(obj)
        elif isinstance(obj, (SpikeMonitor, StateMonitor, RateMonitor)):
            self._own(obj.group, "monitor")
            if isinstance(obj, StateMonitor):
                obj._setup(self.dt)
            if isinstance(obj, SpikeMonitor) and obj in self.monitors:
                raise ValueError("monitor already added")
            obj._dt = self.dt
            self.monitors.append(obj)
        else:
            raise TypeError(f"add() takes a NeuronGroup or a monitor, got {type(obj).__name__}")
        return obj

    def _own(self, group, what):
        if not isinstance(group, NeuronGroup):
            raise TypeError(f"{what}: expected a NeuronGroup, got {type(group).__name__}")
        if group._net is not self:
            raise ValueError(f"{what}: group '{group.name}' has not been added to this network")

    def connect(self, pre, post, p=None, *, in_degree=None, rule=None, pre_indices=None,
                post_indices=None, weight, delay=None, channel="exc", autapses=True,
                plasticity=None, name=None):
        """Connect two groups; returns the :class:`~fastplastic.synapses.Projection`.

        Give exactly one connectivity: ``p`` (each pair with probability p),
        ``in_degree`` (each post neuron gets exactly k distinct inputs),
        ``rule`` ("one_to_one" or "all_to_all") or explicit
        ``pre_indices``/``post_indices`` arrays.  ``autapses=False`` excludes
        i -> i when pre is post.

        weight : float, array (n_synapses,) or callable(rng, n) -> array
            S onto conductance synapses (>= 0), A onto current synapses.
            Arrays follow the synapse order: sorted by pre then post, or the
            order of pre_indices/post_indices.
        delay : float, array or callable (s)
            Multiples of dt, >= dt.  Default dt.
        channel : {"exc", "inh"}
            Which synaptic variable (ge or gi) of the target receives the input.
        plasticity : PairSTDP, TripletSTDP, InhibitorySTDP, optional
            Learning rule of these synapses (see :mod:`fastplastic.plasticity`);
            ``proj.plasticity_on = False`` freezes them between runs.
        """
        self._own(pre, "connect pre")
        self._own(post, "connect post")
        label = name or f"{pre.name}->{post.name}"
        if not post.accepts_input and plasticity is None:
            raise ValueError(f"{label}: post group '{post.name}' ({type(post).__name__}) "
                             "cannot receive synaptic input (only plastic synapses may target "
                             "it, to learn from its spikes)")
        self._check_room_for(label, _expected_synapses(pre, post, p, in_degree, rule))
        i, j, unsorted = build_pairs(pre, post, self.rng, p, in_degree, rule, pre_indices,
                                     post_indices, autapses, label)
        proj = Projection(pre, post, i, j, weight, self.dt if delay is None else delay, channel,
                          self.dt, self.rng, name=label, sort=unsorted)
        if plasticity is not None:
            self._set_plasticity(proj, plasticity)
        self.projections.append(proj)
        return proj

    def _check_room_for(self, label, n_synapses):
        """MemoryError before allocating when the synapses cannot fit."""
        self._check_bytes(label, n_synapses * _BUILD_BYTES_PER_SYNAPSE,
                          f"about {n_synapses:.3g} synapses",
                          "use fewer neurons or a lower connection probability")

    @staticmethod
    def _check_bytes(label, need, what, advice="use fewer neurons"):
        have = available_memory()
        if have is not None and need > have:
            raise MemoryError(f"{label}: {what} would need ~{need / 2**30:.1f} GiB, but only "
                              f"{have / 2**30:.1f} GiB are available; {advice}")

    def save(self, path):
        """Write the whole state to a checkpoint file (see :mod:`fastplastic.io`)."""
        from .io import save
        return save(self, path)

    def memory_estimate(self):
        """Bytes the network holds now and will allocate to run, by item
        (dict; ``total`` sums them).  Spike records grow with activity and
        are not included."""
        est = {}
        for g in self.groups:
            arrays = [a for _, a in g._state_items()] + [getattr(g, k) for k in
                      ("i_bias", "prob", "rp_step", "rp_id", "next", "ndraw", "logq",
                       "last_spike", "prev_spike")
                      if isinstance(getattr(g, k, None), np.ndarray)]
            est[f"group {g.name}"] = sum(a.nbytes for a in arrays)
        d = self._min_delay()
        for g in self.groups:
            need = max([p.max_delay_steps for p in self.projections if p.post is g], default=0)
            need = need if g.accepts_input else 0
            est[f"rings+slices {g.name}"] = 2 * 8 * g.n * (need + 1 if need else 0) + 8 * d * g.n
        for p in self.projections:
            b = p.nbytes
            if p.deferred:                      # spike histories
                # (t_upd; h_len, h_last, ybuf; steps, plus triplet o2 counted always; h_meta)
                b += 8 * p.pre.n + p.post.n * (20 + S._HISTORY_CAP * (4 + 8)) + 16
                if p.summed:                    # sums (h_sum, h_old, y_base) instead of h_step
                    from ._kernels.engine import SUM_OLD_EPOCHS as m
                    b += p.post.n * (16 + 8 * m - S._HISTORY_CAP * 4) + 8 * (1 + m)
            elif p.plasticity is not None:      # transposed index, eligibility, user variables
                b += 8 * (p.post.n + 1) + 12 * p.n_synapses
                b += 8 * p.n_synapses * (p.eligibility is not None)
                sv = getattr(p, "synapse_vars", None)
                b += 0 if sv is None else sv.nbytes
            est[f"projection {p.name}"] = b
        for key, tr in self._traces.items():
            est[f"trace {key}"] = 24 * len(tr["val"])
        est["total"] = sum(est.values())
        return est

    def _set_plasticity(self, proj, rule):
        from .plasticity import _Rule
        if not isinstance(rule, _Rule):
            raise TypeError(f"{proj.name}: plasticity must be a rule from fastplastic.plasticity, "
                            f"got {type(rule).__name__}")
        rule.check_weights(proj.weight, proj.name)
        from .neurons import AdExClopath
        from .plasticity import ClopathSTDP
        if isinstance(rule, ClopathSTDP) and not isinstance(proj.post, AdExClopath):
            raise ValueError(f"{proj.name}: ClopathSTDP needs an AdExClopath target group "
                             f"(it reads its filtered voltages), got {type(proj.post).__name__}")
        keys = []
        for spec in rule.traces():
            if spec is None:
                keys.append(None)
                continue
            role, tau, mode = spec
            g = proj.pre if role == "pre" else proj.post
            key = (g.index, float(tau), int(mode))
            if key not in self._traces:     # traces are shared by (group, tau, scheme)
                self._traces[key] = {"group": g.index, "mode": int(mode), "tau": float(tau),
                                     "val": np.zeros(g.n), "prev": np.zeros(g.n),
                                     "at_spike": np.zeros(g.n),
                                     "last": np.full(g.n, self._k, dtype=np.int64)}
            keys.append(key)
        proj.plasticity, proj._trace_keys = rule, keys
        if hasattr(rule, "tau_c"):
            proj.eligibility = np.zeros(proj.n_synapses)
        if getattr(getattr(rule, "rule", rule), "pairing", 0) == 1:   # presynaptic-centred:
            # each synapse remembers the presynaptic trace its last pairing consumed
            proj.consumed = np.zeros(proj.n_synapses)
        if hasattr(rule, "new_vars"):          # user rule: per-synapse variables
            proj.synapse_vars = rule.new_vars(proj.n_synapses)

    def _trace_dicts(self):
        """Traces with their decay tables (fp_plasticity.h).  A trace is stored
        as its value at its neuron's last spike and decays lazily: its arrays
        change only at spikes, so results do not depend on run boundaries."""
        out, index = [], {}
        for key, tr in self._traces.items():
            a = self.dt / tr["tau"]
            bits = int(min(_TRACE_TABLE_MAX_BITS, max(1, np.ceil(np.log2(64.0 / a)))))
            lo = (bits + 1) // 2
            tr.update(d_bits=bits, d_lobits=lo, dt_tau=a,
                      decay=np.concatenate([np.exp(-a * (np.arange(1 << (bits - lo)) << lo)),
                                            np.exp(-a * np.arange(1 << lo))]))
            index[key] = len(out)
            out.append(tr)
        return out, index

    def monitor(self, group, what="spikes", **kw):
        """Add a monitor: ``what`` is "spikes", "rate", or a state variable
        name such as "v" (keywords: indices, interval).  For a Projection,
        ``what="weight"`` records weights (keywords: synapses, interval)."""
        if isinstance(group, Projection):
            if what != "weight":
                raise ValueError(f"monitor: a projection can only record 'weight', got {what!r}")
            return self.add(WeightMonitor(group, **kw))
        if what == "spikes":
            return self.add(SpikeMonitor(group, **kw))
        if what == "rate":
            return self.add(RateMonitor(group, **kw))
        return self.add(StateMonitor(group, what, **kw))

    def normalize_every(self, projection, total, interval):
        """Keep the summed incoming weight of every postsynaptic neuron of
        ``projection`` at ``total``: :meth:`Projection.normalize_incoming` is
        applied every ``interval`` seconds of simulated time (at t = k interval,
        k >= 1), as Diehl & Cook (2015) do after each input presentation."""
        if projection not in self.projections:
            raise ValueError("normalize_every: projection is not part of this network")
        V.check_float("normalize_every: total", total, 0.0, lo_open=True)
        every = V.to_steps("normalize_every: interval", V.check_float(
            "normalize_every: interval", interval, 0.0, lo_open=True, unit="s"), self.dt,
            min_steps=1)
        self._normalizations.append((projection, total, every))

    def reward(self, amount, at=None):
        """Add ``amount`` to the neuromodulator d (three-factor rules) now, or
        at time ``at`` (s, >= the current time; rounded to a step)."""
        amount = V.check_float("reward: amount", amount)
        k = self._k if at is None else V.to_steps("reward: at", V.check_float(
            "reward: at", at, self.t - 1e-12, unit="s"), self.dt, exact=False)
        self._rewards.append((max(k, self._k), amount))

    def _modulator_dict(self):
        self._rewards.sort(key=lambda r: r[0])
        steps = np.array([r[0] for r in self._rewards], dtype=np.int64)
        amounts = np.array([r[1] for r in self._rewards], dtype=np.float64)
        tau = V.check_float("modulator_tau", self.modulator_tau, 0.0, lo_open=True, unit="s")
        used = any(p.eligibility is not None for p in self.projections)
        if not used or not steps.size:      # the engine reads rewards only with a modulator
            steps = amounts = None
        if not used:
            self._rewards.clear()           # nothing listens: rewards are dropped
        return {"level": self.modulator if used else None, "d_decay": np.exp(-self.dt / tau),
                "dt": self.dt, "rw_step": steps, "rw_amount": amounts, "rw_pos": 0}

    # -- running -----------------------------------------------------------------------
    def _min_delay(self):
        delays = [p.min_delay_steps for p in self.projections if p.n_synapses]
        if delays:
            return min(delays)
        return max(1, int(round(1 * ms / self.dt)))

    def _ring_for(self, g):
        """The (ring_e, ring_i) of a group sized for its incoming delays; pending
        input is carried over when the size changes between runs."""
        if not g.accepts_input:               # plastic synapses onto it learn, transmit nothing
            return None, None
        need = max([p.max_delay_steps for p in self.projections if p.post is g], default=0)
        length = need + 1 if need else 0
        old = self._rings.get(g.index)
        if old is not None and old[0].shape[0] // g.n >= length:
            return old
        new = (np.zeros(length * g.n), np.zeros(length * g.n))
        if old is not None and old[0].size:
            old_len = old[0].shape[0] // g.n
            for k in range(self._k, self._k + old_len):
                for o, nw in zip(old, new):
                    nw[(k % length) * g.n:(k % length + 1) * g.n] = \
                        o[(k % old_len) * g.n:(k % old_len + 1) * g.n]
        self._rings[g.index] = new
        return new

    def _direct_input(self, g, ring_e):
        """Whether the input onto g can be added straight into its ge / gi this
        run (fp_types.h, direct_input): every delay onto it is one step, so input
        delivered after step k is integrated by step k + 1, the next update, as
        from a ring slot; no monitor samples ge / gi (they are sampled before the
        step's input arrives); and no ring slot holds input for a later step.
        The input pending for this step is then folded into ge / gi (the bits a
        ring read would give).  The kernel then touches 32 bytes less per neuron
        and step (no ring slot read and zeroed).  (The other way, a monitor on
        ge added after a direct run: its first sample already holds the input
        delivered in the run's last step, which a ring would have added after
        the sample.)"""
        if ring_e is None or ring_e.size == 0 or g._kind not in _DIRECT_INPUT_KINDS:
            return False
        if any(p.max_delay_steps != 1 for p in self.projections if p.post is g):
            return False
        if any(isinstance(m, StateMonitor) and m.group is g and m.var in ("ge", "gi")
               for m in self.monitors):
            return False
        rings, n = self._rings[g.index], g.n
        slot = self._k % (ring_e.shape[0] // n)
        now = slice(slot * n, (slot + 1) * n)
        if any(np.any(r[:now.start]) or np.any(r[now.stop:]) for r in rings):
            return False
        for r, x in zip(rings, (g.ge, g.gi)):
            x += r[now]
            r[now] = 0.0
        return True

    def _group_dicts(self, d, fold=True):
        dicts = []
        for g in self.groups:
            ring_e, ring_i = self._ring_for(g)
            st = dict(g._state_items())
            direct = fold and self._direct_input(g, ring_e)
            if direct:                  # (delivery writes into the state; fp_engine.c)
                ring_e, ring_i = st["ge"], st["gi"]
            dicts.append({
                "kind": g._kind, "n": g.n, "record": 0, "direct_input": int(direct),
                "ring_len": 0 if ring_e is None else ring_e.shape[0] // g.n,
                "v": st.get("v"), "ge": st.get("ge"), "gi": st.get("gi"),
                "u": st.get("w", st.get("u")), "refrac": st.get("refrac"),
                "i_bias": getattr(g, "i_bias", None), "p": g._consts,
                "ring_e": ring_e, "ring_i": ring_i,
                "prob": g.prob.reshape(-1) if hasattr(g, "prob") else None,
                "n_rows": g.prob.shape[0] if hasattr(g, "prob") else 0,
                "row_steps": getattr(g, "row_steps", 1),
                "key": getattr(g, "key", np.zeros(2, dtype=np.uint64)),
                "next": getattr(g, "next", None), "ndraw": getattr(g, "ndraw", None),
                "logq": getattr(g, "logq", None),
                "rp_step": getattr(g, "rp_step", None), "rp_id": getattr(g, "rp_id", None),
                "rp_len": len(getattr(g, "rp_step", ())), "rp_pos": getattr(g, "rp_pos", 0),
                # (two buffers: slices alternate between them, fp_engine.c)
                "slice_ids": np.zeros(2 * d * g.n, dtype=np.int32),
                "slice_ptr": np.zeros(2 * (d + 1), dtype=np.int64),
                "rec_ids": None, "rec_steps": None, "rec_len": 0, "counts": None, "count_base": 0,
                "last_spike": g.last_spike, "prev_spike": g.prev_spike, "min_delay": d,
                **_clopath_arrays(g, d, self.dt),
            })
        return dicts

    def _balance_cuts(self):
        """The load balancer's cuts between threads, kept from one engine call
        to the next (equal parts at first, and whenever ``threads`` changes);
        they move only the split of the work, never the results."""
        cuts = self._cuts
        if cuts is None or cuts.shape != (self.threads + 1,):
            cuts = self._cuts = np.linspace(0.0, 1.0, self.threads + 1)
        return cuts

    def _thread_times(self):
        """engine.run's ``times`` array: zeros at first and whenever ``threads``
        changes."""
        t = self._thread_time
        if t is None or t.shape != (self.threads + 1,):
            t = self._thread_time = np.zeros(self.threads + 1)
        return t

    @property
    def thread_activity(self):
        """How the engine's threads spent their time, summed over every run
        since ``threads`` was last set: a dict with ``wall_s``, the seconds
        spent in the engine's parallel loop, and ``busy_s``, float64
        [threads], each thread's seconds of work in it; the rest of
        ``wall_s`` that thread waited at the barriers between the phases of
        a step (for a slower thread, or for its core).  ``busy_s / wall_s``
        near 1 means that the threads seldom wait, so that a speed-up below
        ``threads`` comes from each core doing its share slower than one
        core alone does the whole.  Zeros while the engine runs on one
        thread (``threads`` 1, or a network too small to split: fewer than
        PARALLEL_DELIVERY_MIN_SYNAPSES synapses and 100 000 neurons).
        Copies; take differences to time one run."""
        t = self._thread_times()
        return {"wall_s": float(t[-1]), "busy_s": t[:-1].copy()}

    def _steps_of(self, duration):
        duration = V.check_float("duration", duration, 0.0, unit="s")
        return V.to_steps("duration", duration, self.dt, exact=False)

    def run(self, duration, progress=None, check_finite=True):
        """Advance the network by ``duration`` seconds (rounded to whole steps).

        Consecutive runs cost about what one long run costs: a deferred
        plasticity rule (the default at scale, :mod:`fastplastic.plasticity`)
        may end a run with updates still pending in its spike histories, and
        they are applied when the weights are next read (``proj.weight``,
        monitors, checkpoints) -- or at the end of the run if anything holds
        the weight array (or a view of it).  A weight read is always up to
        date.

        progress : bool or None
            True shows a progress bar, False never; None shows one only if
            the run lasts more than a second of wall time.
        check_finite : bool
            After every slice, check that membrane potentials and adaptation
            variables are finite, and after every chunk that the weights of
            user-defined and voltage-based rules are (the other rules keep
            them finite by construction); stop with :class:`SimulationError`
            naming the group (or projection), the variable and the time
            otherwise.  Costs about one comparison per neuron per slice.
        """
        n_steps = self._steps_of(duration)
        if n_steps == 0:
            return
        for g in self.groups:
            g._check_state(check_finite)
        for p in self.projections:
            p._check_state(check_finite)
        d = self._min_delay()
        if any(p._history_pending and p._history["h_cap"] < d for p in self.projections):
            self._apply_pending()           # (a shorter delay needs longer histories)
        est = self.memory_estimate()
        self._check_bytes("run", sum(v for k, v in est.items() if k.startswith("rings")),
                          "the delay rings and slice buffers", "use shorter delays or fewer neurons")
        gd = self._group_dicts(d)
        spike_mons = [m for m in self.monitors if isinstance(m, SpikeMonitor)]
        rate_mons = [m for m in self.monitors if isinstance(m, RateMonitor)]
        state_mons = [m for m in self.monitors if isinstance(m, StateMonitor)]
        weight_mons = [m for m in self.monitors if isinstance(m, WeightMonitor)]
        caps = {}
        for m in spike_mons:
            gd[m.group.index]["record"] = 1
            caps[m.group.index] = max(4 * d * m.group.n, 1 << 16)
        td, t_index = self._trace_dicts()
        mod = self._modulator_dict()
        # deferred updates are applied at the end only where someone holds the weights
        learners = [p for p in self.projections if p.deferred and p.plasticity_on]
        flush_end = any(p._weights_held() for p in learners)
        pd = [p._c_dict(t_index, d, self._k) for p in self.projections]
        chunk = d * max(1, _CHUNK_STEPS // d)
        k_end = self._k + n_steps
        bar = _progress(progress, n_steps * self.dt)
        from ._kernels import engine
        try:
            while self._k < k_end:
                k0 = self._k
                k1 = self._between_chunks(k0, min(k0 + chunk, k_end), weight_mons)
                counts = _chunk_buffers(gd, caps, rate_mons, k0, k1)
                md = [_state_mon_dict(m, k0, k1) for m in state_mons]
                health = {}
                # deferred weights are brought up to date where anyone reads them
                flush = (k1 == k_end and flush_end) or bool(weight_mons) or bool(self._normalizations)
                for p in learners:      # (marked first: a Ctrl-C raised as the call returns
                    p._pending_in = self    # must not lose them; a spare flush is harmless)
                reached = engine.run(gd, pd, md, td, mod, d, self.threads, k0, k1,
                                     check_finite, health, flush, PARALLEL_DELIVERY_MIN_SYNAPSES,
                                     self._balance_cuts(), self._thread_times())
                self._k = reached           # (the state's own bookkeeping first)
                for g, dd in zip(self.groups, gd):
                    if hasattr(g, "rp_pos"):
                        g.rp_pos = dd["rp_pos"]
                if flush or health.get("bad_group", -1) >= 0:      # (a bad slice flushes)
                    for p in learners:
                        p._pending_in = None
                self._collect(gd, md, counts, spike_mons, rate_mons, state_mons, k0, reached)
                if check_finite:
                    self._raise_if_unhealthy(health, reached, d)
                if reached < k1:          # a spike record was full: grow and go on
                    for gi in caps:
                        caps[gi] *= 2
                if bar is not None:     # (clamped: summed float steps overshoot the total)
                    bar.update(min((reached - k0) * self.dt, bar.total - bar.n))
        finally:
            if bar is not None:
                bar.close()
            del self._rewards[:mod["rw_pos"]]     # delivered

    def _apply_pending(self):
        """Applies the deferred rules' pending updates to the weights: a run of
        no steps that flushes (fp_engine.c), over the state as it stands (no
        input folded into ge / gi, _direct_input)."""
        learners = [p for p in self.projections if p._history_pending]
        if not learners:
            return
        d = self._min_delay()
        td, t_index = self._trace_dicts()
        gd = self._group_dicts(d, fold=False)
        pd = [p._c_dict(t_index, d, self._k) for p in self.projections]
        from ._kernels import engine
        engine.run(gd, pd, [], td, self._modulator_dict(), d, self.threads, self._k, self._k,
                   False, {}, True, PARALLEL_DELIVERY_MIN_SYNAPSES, self._balance_cuts(),
                   self._thread_times())
        for p in learners:
            p._pending_in = None

    def _between_chunks(self, k0, k1, weight_mons):
        """Scheduled work at step k0 (normalisation, weight samples); returns the
        chunk end, cut short at the next scheduled step."""
        for proj, total, every in self._normalizations:
            if k0 > 0 and k0 % every == 0:
                proj.normalize_incoming(total)
            k1 = min(k1, (k0 // every + 1) * every)
        for m in weight_mons:                     # weights are always up to date
            m._sample(k0)
            k1 = min(k1, max(m._next_sample(k0 + 1), k0 + 1))
        return k1

    def _raise_if_unhealthy(self, health, k, d):
        """Non-finite plastic weights (the usual root cause) first, then state."""
        if health["bad_proj"] >= 0:            # (the engine checked the plastic weights)
            p = self.projections[health["bad_proj"]]
            raise SimulationError(f"non-finite weight in projection '{p.name}' before "
                                  f"t = {(k + d) * self.dt:.6g} s")
        if health["bad_group"] >= 0:
            g = self.groups[health["bad_group"]]
            var = ["v", "w" if hasattr(g, "w") else "u", "ge", "gi"][health["bad_var"]]
            self._k = k + d                 # the groups had advanced through this slice
            raise SimulationError(
                f"non-finite {var} in group '{g.name}' during the slice "
                f"[{k * self.dt:.6g}, {(k + d) * self.dt:.6g}) s; check parameters and inputs "
                "(the state is left as it was for inspection)")

    def _collect(self, gd, md, counts, spike_mons, rate_mons, state_mons, k0, k1):
        for m in spike_mons:
            dd = gd[m.group.index]
            m._collect(dd["rec_ids"][:dd["rec_len"]], dd["rec_steps"][:dd["rec_len"]])
        for m in rate_mons:
            if m._k0 is None:
                m._k0 = k0
            m._counts.append(counts[m.group.index][:k1 - k0])
        for m, dd in zip(state_mons, md):
            n = dd["out_len"]
            m._values.append(dd["out"][:n * len(m.indices)].reshape(n, len(m.indices)))
            first = -(-k0 // m.every) * m.every
            m._steps.append(first + m.every * np.arange(n, dtype=np.int64))

    # -- summaries ---------------------------------------------------------------------
    @property
    def n_neurons(self):
        return sum(g.n for g in self.groups)

    @property
    def n_synapses(self):
        return sum(p.n_synapses for p in self.projections)

    def __repr__(self):
        return (f"<Network dt={self.dt} s t={self.t:.6g} s: {len(self.groups)} groups, "
                f"{self.n_neurons} neurons, {self.n_synapses} synapses>")


def _expected_synapses(pre, post, p, in_degree, rule):
    """Expected synapse count of a connectivity description (0 if explicit)."""
    if p is not None and isinstance(p, (int, float)) and 0 <= p <= 1:
        return p * pre.n * post.n
    if in_degree is not None and isinstance(in_degree, (int, np.integer)):
        return max(0, int(in_degree)) * post.n
    if rule == "all_to_all":
        return pre.n * post.n
    return 0


def _clopath_arrays(g, d, dt):
    """Extra state, constants and per-step records of AdExClopath groups."""
    if not hasattr(g, "_xp"):
        return {}
    return {"aux": g.aux, "xp": g._xp(dt), "crec": np.zeros(d * 4 * g.n)}


def _chunk_buffers(gd, caps, rate_mons, k0, k1):
    """Fresh spike-record and per-step count buffers for steps [k0, k1)."""
    for gi, cap in caps.items():
        gd[gi]["rec_ids"] = np.empty(cap, dtype=np.int32)
        gd[gi]["rec_steps"] = np.empty(cap, dtype=np.int64)
    counts = {}
    for m in rate_mons:
        gi = m.group.index
        if gi not in counts:
            counts[gi] = np.zeros(k1 - k0, dtype=np.int32)
        gd[gi]["counts"], gd[gi]["count_base"] = counts[gi], k0
    return counts


def _state_mon_dict(m, k0, k1):
    rows = (k1 + m.every - 1) // m.every - (k0 + m.every - 1) // m.every
    src = getattr(m.group, m.var)
    return {"group": m.group.index, "src": src, "idx": m.indices, "every": m.every,
            "out": np.empty(max(rows, 1) * len(m.indices)), "out_cap": rows, "out_len": 0}


def _progress(progress, total_s):
    if progress is False:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=round(total_s, 9), unit="s", unit_scale=False, delay=0 if progress else 1.0,
                bar_format="{l_bar}{bar}| {n:.3f}/{total:.3f} s simulated [{elapsed}<{remaining}]",
                leave=bool(progress))
