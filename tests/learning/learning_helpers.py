"""Small shared builders for tests/learning (imported by name; conftest.py holds fixtures)."""
import numpy as np

from fastplastic.learning import MLP
from fastplastic.learning.losses import one_hot
from fastplastic.learning.rules.base import dense


def small_problem(sizes=(6, 5, 4, 3), activation="tanh", output_activation="linear",
                  batch=7, seed=0, init_scale=1.0):
    """A small random MLP with a batch of inputs in [0, 1) and one-hot targets."""
    net = MLP(list(sizes), activation=activation, output_activation=output_activation,
              seed=seed, init_scale=init_scale)
    rng = np.random.default_rng(seed + 100)
    x = rng.random((batch, sizes[0]))
    y = one_hot(rng.integers(0, sizes[-1], batch), sizes[-1])
    return net, x, y


def rel_err(a, b):
    """Largest relative error over a list of parameter updates (arrays or LowRank terms)."""
    return max(np.linalg.norm(dense(p) - dense(q)) / np.linalg.norm(dense(q))
               for p, q in zip(a, b))
