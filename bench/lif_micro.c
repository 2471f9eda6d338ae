/* lif_micro.c -- the conductance LIF step alone (fp_lif_coba_step), for
 * comparing kernel versions on this machine without the rest of the engine.
 *
 * Build against a checkout's kernels and run pinned to one core, e.g.
 *   gcc -O3 -fno-trapping-math -I<checkout>/csrc bench/lif_micro.c \
 *       <checkout>/csrc/fp_neurons.c -o /tmp/lif_micro -lm
 *   taskset -c 1 /tmp/lif_micro 4000 20000 7 ring
 * Arguments: neurons, steps, repeats (the best is printed), and "ring" (input
 * through a ring slot, as before direct input) or "direct" (no ring: input
 * already in ge, as a group with one-step delays now runs).  20 inputs of
 * 6 nS arrive per step at pseudo-random neurons.  Prints ns per
 * neuron-step, the spike count and a hash of v, ge, gi (equal hashes: the
 * same bits).  Compare versions in alternating runs: this VM's timings move
 * by 20-30 % between minutes.
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fp_neurons.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s NEURONS STEPS REPEATS ring|direct\n", argv[0]);
        return 2;
    }
    const int n = atoi(argv[1]), steps = atoi(argv[2]), reps = atoi(argv[3]);
    const int ring = strcmp(argv[4], "ring") == 0;
    const double dt = 1e-4, c_m = 200e-12, g_l = 10e-9;
    double p[16] = {-60e-3, -50e-3, -60e-3, 50, g_l, 0.0, -80e-3, dt / c_m,
                    exp(-dt / 5e-3), exp(-dt / 10e-3)};
    double *v = malloc(8 * (size_t)n), *ge = malloc(8 * (size_t)n), *gi = malloc(8 * (size_t)n);
    double *ib = malloc(8 * (size_t)n), *re = calloc(2 * (size_t)n, 8), *ri = calloc(2 * (size_t)n, 8);
    int32_t *refrac = malloc(4 * (size_t)n), *out = malloc(4 * (size_t)n);
    if (!v || !ge || !gi || !ib || !re || !ri || !refrac || !out || n < 1) return 1;
    double best = 1e30;
    long spikes = 0;
    for (int r = 0; r < reps; ++r) {
        srand(1);
        for (int i = 0; i < n; ++i) {
            v[i] = -60e-3 + 0.01 * rand() / RAND_MAX;
            ge[i] = 4 * g_l * rand() / RAND_MAX;
            gi[i] = 20 * g_l * rand() / RAND_MAX;
            ib[i] = 0.15e-9;
            refrac[i] = 0;
        }
        spikes = 0;
        const double t0 = now();
        for (int k = 0; k < steps; ++k) {
            int32_t bad = 0;
            double *slot = ring ? re + (size_t)(k & 1) * n : ge;
            for (int q = 0; q < 20; ++q) slot[(int)(((int64_t)k * 7919 + q * 104729) % n)] += 6e-9;
            spikes += fp_lif_coba_step(p, 0, n, v, ge, gi, refrac, ib,
                                       ring ? re + (size_t)(k & 1) * n : NULL,
                                       ring ? ri + (size_t)(k & 1) * n : NULL, out, &bad);
        }
        const double t = now() - t0;
        if (t < best) best = t;
    }
    uint64_t h = 0;
    for (int i = 0; i < n; ++i) {
        uint64_t x;
        memcpy(&x, &v[i], 8); h = h * 1000003u ^ x;
        memcpy(&x, &ge[i], 8); h = h * 1000003u ^ x;
        memcpy(&x, &gi[i], 8); h = h * 1000003u ^ x;
    }
    printf("n %d, %s: %.3f ns per neuron-step, %ld spikes, hash %016llx\n", n,
           ring ? "ring" : "direct", 1e9 * best / ((double)n * steps), spikes,
           (unsigned long long)h);
    return 0;
}
