import os
import sys

# BLAS threads on this 2-core machine slow the small matrix products of the learning tests
# many-fold (oversubscription with the test process); set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

# tests/reference is importable as `reference`
sys.path.insert(0, os.path.dirname(__file__))
