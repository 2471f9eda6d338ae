import os
import sys

import matplotlib

matplotlib.use("Agg")

# tests/reference is importable as `reference`
sys.path.insert(0, os.path.dirname(__file__))
