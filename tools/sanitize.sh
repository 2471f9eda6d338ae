#!/usr/bin/env bash
# Build the C/Cython kernels with AddressSanitizer + UndefinedBehaviorSanitizer
# in a scratch copy of the repository and run the kernel tests under them.
#
#   bash tools/sanitize.sh [extra pytest args]
#
# Needs gcc with libasan/libubsan (Debian: gcc).  Exits non-zero on any
# sanitizer report or test failure.  Leak detection is off: CPython itself
# keeps memory alive until exit.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)/fastplastic-asan"
mkdir -p "$work"
(cd "$repo" && git ls-files -z | xargs -0 -I{} cp --parents {} "$work")
cd "$work"
FASTPLASTIC_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g" \
    python setup.py build_ext --inplace -q > build.log 2>&1 || { tail -30 build.log; exit 1; }
asan="$(gcc -print-file-name=libasan.so)"
ubsan="$(gcc -print-file-name=libubsan.so)"
export LD_PRELOAD="$asan:$ubsan"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export PYTHONPATH="$work"
python -m pytest -q -p no:cacheprovider -m "not slow" \
    tests/test_network.py tests/test_neurons.py tests/test_plasticity.py tests/test_kernels.py \
    tests/test_fuzz.py tests/test_io.py tests/test_custom.py tests/test_synapses.py \
    tests/test_monitors.py tests/test_threads.py tests/test_deferred.py tests/test_clopath.py "$@"
echo "sanitizers: no reports"
