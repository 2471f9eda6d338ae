import sys
from pathlib import Path

import pytest

# tests/ on the path so that `reference.learning_kernels_ref` imports (as the root conftest does)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastplastic.learning import datasets  # noqa: E402


@pytest.fixture(scope="session")
def mnist():
    """The bundled 2,000/500 MNIST slice."""
    return datasets.mnist_slice(Path(__file__).resolve().parents[1] / "data" / "mnist_slice")
