import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))

from fastplastic.learning import MLP, datasets  # noqa: E402
from fastplastic.learning.losses import one_hot  # noqa: E402


@pytest.fixture(scope="session")
def mnist():
    """The bundled 2,000/500 MNIST slice."""
    return datasets.mnist_slice()


def small_problem(sizes=(6, 5, 4, 3), activation="tanh", output_activation="linear",
                  batch=7, seed=0, init_scale=1.0):
    net = MLP(list(sizes), activation=activation, output_activation=output_activation,
              seed=seed, init_scale=init_scale)
    rng = np.random.default_rng(seed + 100)
    x = rng.random((batch, sizes[0]))
    y = one_hot(rng.integers(0, sizes[-1], batch), sizes[-1])
    return net, x, y


def rel_err(a, b):
    """Largest relative error over a list of parameter arrays."""
    return max(np.linalg.norm(p - q) / np.linalg.norm(q) for p, q in zip(a, b))
