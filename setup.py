"""Build of the compiled kernels; metadata lives in pyproject.toml."""
import os
import sys
import tempfile

import numpy as np
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


def _openmp_flags(compiler):
    """-fopenmp if the compiler accepts it (checked by compiling a probe); else none."""
    if os.environ.get("FASTPLASTIC_NO_OPENMP"):
        return []
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write("#include <omp.h>\nint main(void){return omp_get_max_threads() < 1;}\n")
        try:
            objs = compiler.compile([src], output_dir=tmp, extra_postargs=["-fopenmp"])
            compiler.link_executable(objs, os.path.join(tmp, "probe"), extra_postargs=["-fopenmp"])
        except Exception:
            print("fastplastic: OpenMP not available, building single-threaded", file=sys.stderr)
            return []
    return ["-fopenmp"]


class BuildExt(build_ext):
    def build_extensions(self):
        omp = _openmp_flags(self.compiler)
        extra = os.environ.get("FASTPLASTIC_CFLAGS", "").split()
        for ext in self.extensions:
            ext.extra_compile_args = ["-O3", "-fno-trapping-math"] + omp + extra
            ext.extra_link_args = omp + extra
        super().build_extensions()


def _ext(name, sources):
    return Extension(
        f"fastplastic._kernels.{name}",
        sources=[f"fastplastic/_kernels/{name}.pyx"] + [f"csrc/{s}" for s in sources],
        include_dirs=["csrc", np.get_include()],
        # headers too, so that an in-place rebuild after a header edit recompiles
        depends=sorted(f"csrc/{h}" for h in os.listdir("csrc") if h.endswith(".h")),
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )


extensions = [
    _ext("engine", ["fp_engine.c", "fp_neurons.c", "fp_plasticity.c"]),
    _ext("compartments", ["fp_compartments.c"]),
]

def _build():
    from Cython.Build import cythonize
    setup(ext_modules=cythonize(extensions, language_level=3), cmdclass={"build_ext": BuildExt})


_build()
