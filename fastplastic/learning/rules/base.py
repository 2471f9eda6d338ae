"""What every learning rule provides to the trainer."""
import numpy as np

from .._update import add_outer
from ..losses import check_loss

__all__ = ["Rule", "Step", "LowRank", "dense"]


class LowRank:
    """A weight-shaped update kept as its factors: ``scale * pre^T @ post``.

    Every rule's weight update is a sum over the batch of outer products of a presynaptic and a
    postsynaptic term; keeping the factors lets the optimizer apply it with one BLAS call that
    accumulates into the weights (:func:`fastplastic.learning._update.add_outer`) instead of
    building an (n_in, n_out) array per batch.

    Parameters
    ----------
    pre : array (B, n_in)
    post : array (B, n_out)
    scale : float
    """

    __slots__ = ("pre", "post", "scale")

    def __init__(self, pre, post, scale=1.0):
        self.pre, self.post, self.scale = pre, post, float(scale)

    @property
    def shape(self):
        return (self.pre.shape[1], self.post.shape[1])

    def dense(self, dtype=None):
        """The (n_in, n_out) array ``scale * pre^T @ post``."""
        dtype = np.result_type(self.pre, self.post) if dtype is None else dtype
        return add_outer(np.empty(self.shape, dtype), self.pre, self.post, self.scale, 0.0)

    def __repr__(self):
        return f"LowRank(shape={self.shape}, rank<={self.pre.shape[0]}, scale={self.scale:g})"


def dense(g):
    """``g`` as an array (materialises a :class:`LowRank`)."""
    return g.dense() if isinstance(g, LowRank) else g


class Step:
    """Result of one learning step on a batch.

    Parameters
    ----------
    grads : list
        Gradient-like update for each parameter, in the order of ``MLP.params()``
        (``[W0, b0, W1, b1, ...]``): the optimizer *subtracts* ``lr * grad``. Entries are arrays
        or :class:`LowRank` factors. For backprop it is exactly the gradient of the mean batch
        loss.
    output : array, shape (batch, n_out)
        The network's prediction for the batch, made before the update (used for the running
        training accuracy and loss).

    Attributes
    ----------
    terms : list
        ``grads`` as given (the optimizer consumes these).
    grads : list of arrays
        The same updates as dense arrays, built on first access.
    """

    __slots__ = ("terms", "output", "_grads")

    def __init__(self, grads, output):
        self.terms = list(grads)
        self.output = output
        self._grads = None

    @property
    def grads(self):
        if self._grads is None:
            self._grads = [dense(g) for g in self.terms]
        return self._grads


class Rule:
    """Base class of learning rules.

    Subclasses set ``name`` (the short CLI name) and implement :meth:`step`; rules whose
    prediction is not the feedforward pass (energy-based networks) override :meth:`predict`.

    Parameters
    ----------
    loss : str
        Output loss the rule descends (``"mse"`` or ``"ce"``); rules that only make sense with
        one loss restrict ``allowed_losses``.
    """

    name = "rule"
    allowed_losses = ("mse", "ce")

    def __init__(self, loss="mse"):
        check_loss(loss)
        if loss not in self.allowed_losses:
            raise ValueError(f"loss={loss!r} is not supported by {type(self).__name__}; "
                             f"allowed: {', '.join(self.allowed_losses)}")
        self.loss = loss

    def bind(self, net, rng):
        """Check that the rule can train ``net`` and allocate its state (feedback weights...).

        Called once by :func:`fastplastic.learning.train` before the first step; ``rng`` is a
        ``numpy.random.Generator``.
        """

    def step(self, net, x, y, rng):
        """Compute the update for one batch; return a :class:`Step`. ``y`` is one-hot."""
        raise NotImplementedError

    def predict(self, net, x):
        """Network output for inputs ``x`` (default: the feedforward pass)."""
        return net.forward(x)

    def __repr__(self):
        return f"{type(self).__name__}(loss={self.loss!r})"
