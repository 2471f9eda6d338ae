/* fp_rng.h -- counter-based random numbers (Philox4x64-10).
 *
 * Salmon, Moraes, Dror & Shaw (2011) "Parallel random numbers: as easy as
 * 1, 2, 3".  The same algorithm as numpy.random.Philox, so tests can check
 * the bits against NumPy.  A (key, counter) pair maps to four 64-bit words;
 * the engine uses counter = (step, neuron / 4, 0, 0) and a per-group key, so
 * the numbers a neuron sees do not depend on how neurons are split among
 * threads.
 */
#ifndef FP_RNG_H
#define FP_RNG_H

#include <stdint.h>

#define FP_PHILOX_M0 0xD2E7470EE14C6C93ULL
#define FP_PHILOX_M1 0xCA5A826395121157ULL
#define FP_PHILOX_W0 0x9E3779B97F4A7C15ULL
#define FP_PHILOX_W1 0xBB67AE8584CAA73BULL

static inline uint64_t fp_mulhilo64(uint64_t a, uint64_t b, uint64_t *hi)
{
    __uint128_t p = (__uint128_t)a * b;
    *hi = (uint64_t)(p >> 64);
    return (uint64_t)p;
}

/* ctr[4] in, out[4] out; key[2].  10 rounds. */
static inline void fp_philox4x64(const uint64_t ctr[4], const uint64_t key[2], uint64_t out[4])
{
    uint64_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint64_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; ++r) {
        uint64_t hi0, hi1;
        uint64_t lo0 = fp_mulhilo64(FP_PHILOX_M0, c0, &hi0);
        uint64_t lo1 = fp_mulhilo64(FP_PHILOX_M1, c2, &hi1);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += FP_PHILOX_W0;
        k1 += FP_PHILOX_W1;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/* Uniform double in [0, 1) from the top 53 bits. */
static inline double fp_u01(uint64_t x)
{
    return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

#endif
