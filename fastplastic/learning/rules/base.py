"""What every learning rule provides to the trainer."""
from collections import namedtuple

from ..losses import check_loss

__all__ = ["Rule", "Step"]

Step = namedtuple("Step", ["grads", "output"])
Step.__doc__ = """Result of one learning step on a batch.

grads : list of arrays
    Gradient-like update for each parameter, in the order of ``MLP.params()``
    (``[W0, b0, W1, b1, ...]``): the optimizer *subtracts* ``lr * grad``. For backprop it is
    exactly the gradient of the mean batch loss.
output : array, shape (batch, n_out)
    The network's prediction for the batch, made before the update (used for the running
    training accuracy and loss).
"""


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
