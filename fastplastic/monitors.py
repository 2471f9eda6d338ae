"""Monitors: what a run records, and figures of it.

Monitors are created with :meth:`Network.monitor` (or built directly and
passed to :meth:`Network.add`).  The engine fills them chunk by chunk; the
arrays below concatenate the chunks on first access after a run.
Figures are :class:`matplotlib.figure.Figure` objects made without pyplot,
so they work headless: ``fig.savefig("raster.png")``.
"""
import numpy as np

from . import _validate as V

__all__ = ["SpikeMonitor", "StateMonitor", "RateMonitor", "WeightMonitor"]


def _figure(figsize=(8, 4)):
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


class _Chunked:
    """A growing list of arrays, concatenated lazily."""

    def __init__(self, dtype, width=None):
        self._parts, self._dtype, self._width = [], dtype, width
        self._cache = None

    def append(self, arr):
        if len(arr):
            self._parts.append(np.array(arr, dtype=self._dtype))
            self._cache = None

    def get(self):
        if self._cache is None:
            shape = (0,) if self._width is None else (0, self._width)
            self._cache = np.concatenate(self._parts) if self._parts else np.zeros(shape, self._dtype)
            self._parts = [self._cache] if len(self._cache) else []
        return self._cache


class SpikeMonitor:
    """Records the spikes of a group (all neurons, or a subset).

    Attributes
    ----------
    i : int32 array
        Neuron index of each spike, in time order (ties by index).
    t : float64 array
        Spike times (s).
    """

    def __init__(self, group, indices=None, name=None):
        self.group = group
        self.name = name or f"spikes({group.name})"
        self._mask = None
        if indices is not None:
            idx = V.as_index_array(f"{self.name}: indices", indices, group.n)
            self._mask = np.zeros(group.n, dtype=bool)
            self._mask[idx] = True
        self._ids = _Chunked(np.int32)
        self._steps = _Chunked(np.int64)
        self._dt = None

    def _collect(self, ids, steps):
        if self._mask is not None:
            keep = self._mask[ids]
            ids, steps = ids[keep], steps[keep]
        self._ids.append(ids)
        self._steps.append(steps)

    @property
    def i(self):
        return self._ids.get()

    @property
    def t(self):
        return self._steps.get() * self._dt

    @property
    def num_spikes(self):
        return int(self._ids.get().shape[0])

    @property
    def count(self):
        """Spikes per neuron of the group (int64 array (n,))."""
        return np.bincount(self.i, minlength=self.group.n)

    def spike_trains(self):
        """Dict neuron index -> array of its spike times (s)."""
        i, t = self.i, self.t
        order = np.argsort(i, kind="stable")
        bounds = np.searchsorted(i[order], np.arange(self.group.n + 1))
        return {n: t[order[bounds[n]:bounds[n + 1]]] for n in range(self.group.n)}

    def isi_cv(self, min_spikes=3):
        """Coefficient of variation of the inter-spike intervals of each neuron
        with at least ``min_spikes`` spikes (array; empty if none qualify)."""
        cvs = []
        for t in self.spike_trains().values():
            if len(t) >= min_spikes:
                isi = np.diff(t)
                if isi.mean() > 0:
                    cvs.append(isi.std() / isi.mean())
        return np.asarray(cvs)

    def raster(self, ax=None, max_points=200_000, **kw):
        """Raster plot (dots: time in s vs neuron index); returns the Figure."""
        fig, ax = _figure() if ax is None else (ax.figure, ax)
        t, i = self.t, self.i
        if len(t) > max_points:           # keep the plot light; show a uniform subsample
            sel = np.linspace(0, len(t) - 1, max_points).astype(np.int64)
            t, i = t[sel], i[sel]
        ax.plot(t, i, ".", ms=kw.pop("ms", 1.0), color=kw.pop("color", "k"), **kw)
        ax.set_xlabel("time (s)")
        ax.set_ylabel(f"neuron ({self.group.name})")
        ax.set_title(f"{self.num_spikes} spikes")
        return fig

    def rate_histogram(self, duration, ax=None, bins=30):
        """Histogram of per-neuron mean rates (Hz) over ``duration`` seconds."""
        fig, ax = _figure() if ax is None else (ax.figure, ax)
        rates = self.count / duration
        if self._mask is not None:
            rates = rates[self._mask]
        ax.hist(rates, bins=bins, color="0.3")
        ax.set_xlabel("firing rate (Hz)")
        ax.set_ylabel("neurons")
        ax.set_title(f"{self.group.name}: mean {rates.mean():.2f} Hz")
        return fig


class _Sampled:
    """Samples taken every ``every`` steps: ``t`` (s) and ``values`` (n_samples, width)."""

    def _init_samples(self, width):
        self._values = _Chunked(np.float64, width)
        self._steps = _Chunked(np.int64)
        self.every = None
        self._dt = None

    @property
    def t(self):
        return self._steps.get() * self._dt

    @property
    def values(self):
        return self._values.get()


class StateMonitor(_Sampled):
    """Records a state variable at chosen neurons every ``interval`` seconds.

    Sample m is the state at time ``t[m]`` (before the input arriving at that
    instant).  ``values`` has shape (n_samples, n_indices).
    """

    def __init__(self, group, var="v", indices=None, interval=None, name=None):
        self.group = group
        self.var = var
        self.name = name or f"{var}({group.name})"
        allowed = set(getattr(group, "_state_vars", ()))
        V.check_choice(f"{self.name}: var", var, allowed)
        if indices is None:
            indices = np.arange(group.n)
        self.indices = V.as_index_array(f"{self.name}: indices", indices, group.n)
        if self.indices.size == 0:
            raise ValueError(f"{self.name}: indices must not be empty")
        self.interval = interval
        self._init_samples(self.indices.shape[0])

    def _setup(self, dt):
        if self.every is None:
            self.every = 1 if self.interval is None else V.to_steps(
                f"{self.name}: interval", self.interval, dt, min_steps=1)

    def plot(self, ax=None, max_traces=10):
        fig, ax = _figure() if ax is None else (ax.figure, ax)
        vals = self.values[:, :max_traces]
        scale, unit = (1e3, "mV") if self.var == "v" else (1.0, "SI")
        ax.plot(self.t, vals * scale, lw=0.8)
        ax.set_xlabel("time (s)")
        ax.set_ylabel(f"{self.var} ({unit})")
        return fig


class RateMonitor:
    """Counts the spikes of a whole group in every step; ``rate(bin_size)``
    gives the population rate (Hz per neuron)."""

    def __init__(self, group, name=None):
        self.group = group
        self.name = name or f"rate({group.name})"
        self._counts = _Chunked(np.int32)
        self._k0 = None
        self._dt = None

    @property
    def counts(self):
        return self._counts.get()

    @property
    def t(self):
        return (self._k0 + np.arange(len(self.counts))) * self._dt

    def rate(self, bin_size=None):
        """(t_bins, rate): population rate in Hz, in bins of ``bin_size`` s (default dt)."""
        c = self.counts.astype(np.float64)
        b = 1 if bin_size is None else V.to_steps(f"{self.name}: bin_size", bin_size, self._dt,
                                                  min_steps=1)
        nb = len(c) // b
        c = c[:nb * b].reshape(nb, b).sum(axis=1)
        return self.t[:nb * b:b], c / (b * self._dt * self.group.n)

    def plot(self, bin_size=1e-3, ax=None):
        fig, ax = _figure() if ax is None else (ax.figure, ax)
        t, r = self.rate(bin_size)
        ax.plot(t, r, lw=0.8, color="k")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("population rate (Hz)")
        return fig


class WeightMonitor(_Sampled):
    """Records the weights of a projection (all synapses or chosen synapse
    ids) every ``interval`` seconds; ``values`` has shape (n_samples, n_synapses).

    Sample m holds the weights at time ``t[m]`` (the first sample is taken at
    the start of the first run at or after the monitor was added)."""

    def __init__(self, projection, synapses=None, interval=1e-3, name=None):
        self.projection = projection
        self.group = projection.pre
        self.name = name or f"weight({projection.name})"
        if synapses is None:
            synapses = np.arange(projection.n_synapses)
        self.synapses = V.as_index_array(f"{self.name}: synapses", synapses,
                                         max(1, projection.n_synapses))
        self.interval = V.check_float(f"{self.name}: interval", interval, 0.0, lo_open=True,
                                      unit="s")
        self._init_samples(self.synapses.shape[0])
        self._last = None

    def _setup(self, dt):
        self.every = V.to_steps(f"{self.name}: interval", self.interval, dt, min_steps=1)

    def _next_sample(self, k):
        """First sampling step >= k."""
        return -(-k // self.every) * self.every

    def _sample(self, k):
        if k % self.every == 0 and self._last != k:
            self._values.append(self.projection.weight[self.synapses][None, :])
            self._steps.append([k])
            self._last = k

    def plot(self, ax=None, max_traces=50):
        """Weights of (up to max_traces) sampled synapses over time."""
        fig, ax = _figure() if ax is None else (ax.figure, ax)
        ax.plot(self.t, self.values[:, :max_traces], lw=0.6)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("weight")
        ax.set_title(self.name)
        return fig

    def histogram(self, ax=None, bins=40, sample=-1):
        """Histogram of the sampled weights at one sample (default: the last)."""
        fig, ax = _figure() if ax is None else (ax.figure, ax)
        ax.hist(self.values[sample], bins=bins, color="0.3")
        ax.set_xlabel("weight")
        ax.set_ylabel("synapses")
        ax.set_title(f"{self.name} at t = {self.t[sample]:.3g} s")
        return fig
