"""Ready-made networks used by the CLI, the docs and the benchmarks."""
from .brette2007 import Model, coba, cuba
from .song2000 import song2000

__all__ = ["Model", "coba", "cuba", "song2000", "MODELS"]

MODELS = {"coba": coba, "cuba": cuba, "song2000": song2000}
