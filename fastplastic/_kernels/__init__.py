"""Private compiled kernels (Cython wrappers around csrc/).  Not a public API."""
