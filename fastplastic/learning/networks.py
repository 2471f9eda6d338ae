"""Layered rate networks.

An :class:`MLP` holds weights ``W[l]`` of shape ``(n_l, n_{l+1})`` and biases ``b[l]`` of shape
``(n_{l+1},)``; rows of every activity array are samples, so a batched forward pass is one BLAS
``gemm`` per layer:

    z_{l+1} = h_l W_l + b_l,      h_{l+1} = f_{l+1}(z_{l+1}),      h_0 = x.

The energy-based rules (equilibrium propagation, CHL, GeneRec, continuous update) read the same
weights as the connections of a layered Hopfield-like network, :class:`LayeredHopfield`:
symmetric (feedback = W^T) or with separate feedback matrices; feedback-weight rules keep their
own feedback matrices. Activities and weights are dimensionless rates.
"""
import numpy as np

from .activations import activate, activation_code, derivative

__all__ = ["MLP", "LayeredHopfield"]

_DTYPES = (np.float64, np.float32)


class MLP:
    """Fully connected layered rate network.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``[n_in, n_hidden..., n_out]``, at least two entries, each >= 1.
    activation : str
        Hidden-layer nonlinearity, one of :data:`fastplastic.learning.activations.ACTIVATIONS`.
    output_activation : str
        Output-layer nonlinearity (default ``"linear"``).
    dtype : numpy dtype
        ``float64`` (default) or ``float32`` for weights and activities.
    seed : int
        Seed of the ``numpy.random.Generator`` that draws the initial weights.
    init_scale : float
        Multiplies the Glorot-uniform bound ``sqrt(6 / (n_l + n_{l+1}))`` (Glorot & Bengio 2010);
        biases start at zero.
    """

    def __init__(self, sizes, activation="tanh", output_activation="linear",
                 dtype=np.float64, seed=0, init_scale=1.0):
        sizes = list(sizes)
        if len(sizes) < 2 or any(not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
            raise ValueError(f"sizes={sizes!r}: need at least two layer widths, each an int >= 1")
        dtype = np.dtype(dtype).type
        if dtype not in _DTYPES:
            raise TypeError(f"dtype={np.dtype(dtype).name}: allowed float64 or float32")
        if not np.isfinite(init_scale) or init_scale <= 0:
            raise ValueError(f"init_scale={init_scale!r}: must be a finite number > 0")
        activation_code(activation)
        activation_code(output_activation)
        self.sizes = [int(n) for n in sizes]
        self.activation = activation
        self.output_activation = output_activation
        self.dtype = dtype
        rng = np.random.default_rng(seed)
        self.weights, self.biases = [], []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            bound = init_scale * np.sqrt(6.0 / (n_in + n_out))
            self.weights.append(rng.uniform(-bound, bound, (n_in, n_out)).astype(dtype))
            self.biases.append(np.zeros(n_out, dtype))

    @property
    def n_layers(self):
        """Number of weight layers (``len(sizes) - 1``)."""
        return len(self.weights)

    def layer_activation(self, l):
        """Name of the nonlinearity of layer ``l`` (1 = first hidden, n_layers = output)."""
        return self.output_activation if l == self.n_layers else self.activation

    def params(self):
        """Parameters in a fixed order ``[W0, b0, W1, b1, ...]`` (the arrays themselves)."""
        return [p for wb in zip(self.weights, self.biases) for p in wb]

    def check_input(self, x, name="x"):
        """Return ``x`` as a C-contiguous ``(batch, n_in)`` array of the network's dtype."""
        if (type(x) is np.ndarray and x.dtype == self.dtype and x.ndim == 2
                and x.shape[1] == self.sizes[0] and x.flags.c_contiguous):
            return x            # already valid (the per-batch case): no conversion, no copy
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ValueError(f"{name} has shape {x.shape}; expected (batch, {self.sizes[0]})")
        if not np.issubdtype(x.dtype, np.number):
            raise TypeError(f"{name} has dtype {x.dtype}; expected a numeric array")
        return np.ascontiguousarray(x, dtype=self.dtype)

    def forward(self, x, cache=False):
        """Feedforward pass.

        Parameters
        ----------
        x : array, shape (batch, n_in)
        cache : bool
            If True return ``(zs, hs)``: pre-activations ``zs[l]`` for layers 1..L (``zs[0]`` is
            None) and activities ``hs[l]`` for layers 0..L (``hs[0] = x``).

        Returns
        -------
        array, shape (batch, n_out), or the tuple above.
        """
        h = self.check_input(x)
        zs, hs = [None], [h]
        for l, (w, b) in enumerate(zip(self.weights, self.biases), start=1):
            z = h @ w
            z += b
            h = activate(self.layer_activation(l), z)
            zs.append(z)
            hs.append(h)
        return (zs, hs) if cache else h

    def derivative(self, l, z):
        """f'_l(z) for layer ``l``."""
        return derivative(self.layer_activation(l), z)

    def copy(self):
        """Deep copy (weights and biases duplicated)."""
        other = object.__new__(MLP)
        other.__dict__.update(self.__dict__)
        other.weights = [w.copy() for w in self.weights]
        other.biases = [b.copy() for b in self.biases]
        return other

    def __repr__(self):
        return (f"MLP(sizes={self.sizes}, activation={self.activation!r}, "
                f"output_activation={self.output_activation!r}, dtype={np.dtype(self.dtype).name})")


class LayeredHopfield:
    """The recurrent (Hopfield-like) reading of an :class:`MLP`'s weights, for energy rules.

    Layer ``l`` drives layer ``l+1`` through ``W_l``; layer ``l+1`` feeds back to layer ``l``
    through ``F_l``: ``W_l^T`` in the symmetric network (the default, an energy-based network:
    relaxation follows the gradient dynamics of the energy of Scellier & Bengio 2017),
    or separate matrices (asymmetric network: the same dynamics without an energy; Scellier et
    al. 2018, arXiv:1808.04873; O'Reilly 1996). Every non-input unit has state ``u`` and rate
    ``rho(u)`` with ``rho`` = the MLP's ``activation`` (which must equal its
    ``output_activation``). See :mod:`fastplastic.learning._relaxation` for the equations. The
    weights are shared with the MLP, not copied.

    Parameters
    ----------
    net : MLP
    dt : float
        Euler step of the relaxation (dimensionless, in units of the unit time constant), in (0, 1].
    feedback : None or list of arrays
        None: symmetric (``F_l = W_l^T``, read live from the MLP). Otherwise the top-down
        matrices ``feedback[l]`` of shape (n_{l+1}, n_l) for l = 1..L-1 (entry 0 ignored), in the
        network's dtype; they are used as given (not copied).
    """

    def __init__(self, net, dt=0.5, feedback=None):
        if net.activation != net.output_activation:
            raise ValueError(f"energy-based rules need one nonlinearity for all layers; net has "
                             f"activation={net.activation!r}, output_activation="
                             f"{net.output_activation!r}")
        if not 0 < dt <= 1:
            raise ValueError(f"dt={dt!r}: allowed range (0, 1]")
        self.net, self.dt = net, float(dt)
        self.code = activation_code(net.activation)
        self.feedback = None if feedback is None else self._check_feedback(net, feedback)

    @staticmethod
    def _check_feedback(net, feedback):
        L = net.n_layers
        if len(feedback) != L:
            raise ValueError(f"feedback: expected a list of {L} entries (entry 0 ignored), "
                             f"got {len(feedback)}")
        out = [np.zeros((1, 1), net.dtype)]       # entry 0 is never read (the input is clamped)
        for l in range(1, L):
            f = feedback[l]
            shape = (net.sizes[l + 1], net.sizes[l])
            if not isinstance(f, np.ndarray) or f.shape != shape or f.dtype != net.dtype \
                    or not f.flags.c_contiguous:
                raise ValueError(f"feedback[{l}]: expected a C-contiguous {np.dtype(net.dtype).name}"
                                 f" array of shape {shape}, got "
                                 f"{getattr(f, 'shape', type(f).__name__)}")
            if not np.all(np.isfinite(f)):
                raise ValueError(f"feedback[{l}] has non-finite entries")
            out.append(f)
        return out

    @property
    def symmetric(self):
        return self.feedback is None

    def input_drive(self, x):
        """The constant drive ``x W_0 + b_0`` of the first layer (share it between phases)."""
        net = self.net
        d = net.check_input(x) @ net.weights[0]
        d += net.biases[0]
        return d

    def relax(self, x, n_steps, init=None, target=None, beta=0.0, clamp=False, accumulate=False,
              x_drive=None):
        """Relax the states for ``n_steps`` Euler steps.

        Parameters
        ----------
        x : array (B, n_in), clamped input
        n_steps : int
        init : list of arrays, optional
            States ``[x, u_1, ..., u_L]`` to start from (copied); zeros if None.
        target : array (B, n_out), optional
            One-hot target: the nudging target, or the clamped output if ``clamp``.
        beta : float
            Nudging strength (0 = free phase; negative allowed for symmetric nudging).
        clamp : bool
            Hold ``u_L = target`` (CHL / GeneRec plus phase).
        accumulate : bool
            Also return the continuous-update sums ``(dWs, dbs)`` (see the kernel's docstring);
            symmetric network only. ``dWs[0]`` is a :class:`~fastplastic.learning.rules.base.LowRank`
            (the input is clamped, so its sum telescopes), the others arrays.
        x_drive : array (B, n_1), optional
            :meth:`input_drive` of ``x``, if already computed.

        Returns
        -------
        us, rs : lists of arrays ``[x, ...]`` of states and rates; plus ``(dWs, dbs)`` if
        ``accumulate``.
        """
        # Local import: the kernel module is heavy to compile and only energy rules need it.
        from ._relaxation import relax_layered
        from .rules.base import LowRank
        net = self.net
        if accumulate and not self.symmetric:
            raise ValueError("accumulate=True (continuous update) needs the symmetric network")
        x = net.check_input(x)
        B = x.shape[0]
        if init is None:
            us = [x] + [np.zeros((B, n), net.dtype) for n in net.sizes[1:]]
        else:
            us = [x] + [u.copy() for u in init[1:]]
        if clamp:
            us[-1] = np.ascontiguousarray(target, dtype=net.dtype).copy()
        tgt = us[-1] if target is None else np.ascontiguousarray(target, dtype=net.dtype)
        if x_drive is None:
            x_drive = self.input_drive(x)
        unused = np.empty((0, 0), net.dtype)        # entries the kernel never reads
        rs = [x] + [np.empty_like(u) for u in us[1:]]
        prev = [x] + [np.empty_like(u) for u in us[1:]]
        drive = [unused] + [np.empty_like(u) for u in us[1:]]
        if accumulate:
            dWs = [unused] + [np.zeros_like(w) for w in net.weights[1:]]
            dbs = [np.zeros_like(b) for b in net.biases]
            r1_start = activate(net.activation, us[1])
        else:                       # not touched by the kernel
            dWs, dbs = net.weights, net.biases
        fs = tuple(w.T for w in net.weights) if self.symmetric else tuple(self.feedback)
        relax_layered(tuple(us), tuple(rs), tuple(prev), tuple(drive), tuple(net.weights), fs,
                      tuple(net.biases), x_drive, tgt, beta, clamp, self.code, self.dt,
                      int(n_steps), accumulate, tuple(dWs), tuple(dbs))
        if not accumulate:
            return us, rs
        dWs[0] = LowRank(x, rs[1] - r1_start)
        return us, rs, (dWs, dbs)
