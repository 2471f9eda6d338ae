/* fp_math.h -- a vectorisable exp().
 *
 * The C library's exp() is a function call the compiler cannot vectorise
 * (without -ffast-math), and it dominates conductance-based neuron updates.
 * fp_exp uses only +, *, and integer bit operations, so loops calling it
 * vectorise, and it gives the same bits in vector and scalar code (results
 * do not depend on how neurons are split among threads).
 *
 * Method: x = k ln2 + r with k = round(x / ln2) (ln2 split into a high part
 * exact in k * ln2_hi and a low part), |r| <= ln2/2; e^r by a polynomial of
 * degree 11, the Chebyshev fit of e^r on [-ln2/2, ln2/2] (mpmath.chebyfit;
 * near-minimax, error < 3.2e-18, i.e. < 0.05 ulp, before rounding; the Taylor
 * series needed degree 13 for that, and two more FMAs were ~6 % of a COBA
 * neuron step); e^x = 2^k e^r, with 2^k assembled in the exponent bits.
 * Accuracy: within 1 ulp of libm's exp (tests/test_kernels.py, with and
 * without FMA), so within 2 ulp of the exact value.  x is clamped to
 * [-708, 709]: below, the result is ~1e-308 instead of a subnormal or 0.
 */
#ifndef FP_MATH_H
#define FP_MATH_H

#include <stdint.h>
#include <string.h>

/* e^r for |r| <= ln2/2: fp_exp's polynomial.  For |x| <= 0.3 fp_exp(x) is
 * fp_exp_poly(x) bit for bit: x log2(e) + 1.5 2^52 rounds to 1.5 2^52, so k
 * = 0, the reduction subtracts exact zeros and the scale is 1.0 (the LIF
 * kernels use this to skip the reduction; fp_neurons.c). */
static inline double fp_exp_poly(double r)
{
    double p = 2.5110037605963777e-08;
    p = p * r + 2.763263963904103e-07;
    p = p * r + 2.755724091857897e-06;
    p = p * r + 2.4801485482328494e-05;
    p = p * r + 0.00019841269890047113;
    p = p * r + 0.0013888888952314775;
    p = p * r + 0.008333333333319601;
    p = p * r + 0.0416666666664881;
    p = p * r + 0.1666666666666668;
    p = p * r + 0.5000000000000019;
    p = p * r + 1.0;
    p = p * r + 1.0;
    return p;
}

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
    const double p = fp_exp_poly(r);
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
