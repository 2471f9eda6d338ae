"""Ready-made networks used by the CLI, the docs and the benchmarks."""
from .brette2007 import Model, coba, cuba

__all__ = ["Model", "coba", "cuba", "MODELS"]

MODELS = {"coba": coba, "cuba": cuba}
