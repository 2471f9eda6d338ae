/* fp_math.h -- a vectorisable exp().
 *
 * The C library's exp() is a function call the compiler cannot vectorise
 * (without -ffast-math), and it dominates conductance-based neuron updates.
 * fp_exp uses only +, *, and integer bit operations, so loops calling it
 * vectorise, and it gives the same bits in vector and scalar code (results
 * do not depend on how neurons are split among threads).
 *
 * Method: x = k ln2 + r with k = round(x / ln2) (ln2 split into a high part
 * exact in k * ln2_hi and a low part), |r| <= ln2/2; e^r by its Taylor series
 * to degree 13 (truncation error < 4e-18 relative); e^x = 2^k e^r, with 2^k
 * assembled in the exponent bits.  Accuracy: within 2 ulp of the exact value
 * (tested against libm over [-700, 700]).  x is clamped to [-708, 709]:
 * below, the result is ~1e-308 instead of a subnormal or 0.
 */
#ifndef FP_MATH_H
#define FP_MATH_H

#include <stdint.h>
#include <string.h>

static inline double fp_exp(double x)
{
    const double shifter = 6755399441055744.0;          /* 1.5 * 2^52 */
    const double ln2_hi = 6.93147180369123816490e-01;   /* 32 significant bits */
    const double ln2_lo = 1.90821492927058770002e-10;
    x = -708.0 > x ? -708.0 : x;          /* this form if-converts (with -fno-trapping-math) */
    x = x > 709.0 ? 709.0 : x;
    const double kd = x * 1.4426950408889634074 + shifter;   /* round to nearest */
    const double k = kd - shifter;
    const double r = (x - k * ln2_hi) - k * ln2_lo;
    double p = 1.0 / 6227020800.0;                        /* 1/13! */
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    int64_t kbits, sbits;
    memcpy(&kbits, &kd, sizeof kbits);
    const double sh = shifter;
    memcpy(&sbits, &sh, sizeof sbits);
    const int64_t e = ((kbits - sbits) + 1023) << 52;    /* 2^k */
    double scale;
    memcpy(&scale, &e, sizeof scale);
    return p * scale;
}

/* FP_VECTOR_CLONES on a kernel: also compile x86-64-v4 (AVX-512) and -v3
 * (AVX2 + FMA) versions, one chosen at load time by what the CPU has.
 * Measured here (Xeon, AVX-512): 10k conductance LIF 1.05 -> 0.65 s per
 * simulated s, COBA 4k 0.88 -> 0.54 s per 2 s, against AVX2 without FMA.
 * The versions may round differently (FMA), but one machine always runs the
 * same one, for every neuron and thread: results are bit-identical on a
 * machine whatever the thread count (tests/test_threads.py). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define FP_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FP_VECTOR_CLONES
#endif

#endif
