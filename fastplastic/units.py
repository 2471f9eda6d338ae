"""Unit constants: fastplastic works in plain SI floats.

Multiply by these to write readable literals (``tau = 20 * ms``) and divide by
them to read values back (``v / mV``).
"""

__all__ = [
    "second", "ms", "us", "volt", "mV", "amp", "nA", "pA", "siemens", "nS", "uS",
    "farad", "pF", "nF", "ohm", "Mohm", "Hz", "kHz",
]

second = 1.0
ms = 1e-3
us = 1e-6
volt = 1.0
mV = 1e-3
amp = 1.0
nA = 1e-9
pA = 1e-12
siemens = 1.0
nS = 1e-9
uS = 1e-6
farad = 1.0
pF = 1e-12
nF = 1e-9
ohm = 1.0
Mohm = 1e6
Hz = 1.0
kHz = 1e3
