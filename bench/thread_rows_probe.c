/* thread_rows_probe.c -- does splitting each synaptic row between two threads
 * cost more than giving each thread rows of its own?  A stand-alone C probe of
 * fastplastic's 2-thread delivery (csrc/fp_engine.c: each thread scans the
 * synapses onto its own half of the targets of every spiking row).
 *
 *     gcc -O3 -march=x86-64-v3 -fopenmp bench/thread_rows_probe.c -o /tmp/rows && /tmp/rows 60
 *
 * 10^4 rows of 800 sorted random targets in [0, 8000) (the 10^7 workload's E->E
 * rows), 14 spiking rows a step, 1000 steps a block, a barrier after every
 * step, each synapse: read weight, clip an additive update, store, add to the
 * target's ring entry.  Per block it times, in rotating order:
 *   1 thread   every row whole;
 *   shared     2 threads, each its half (by target) of the same rows, in one
 *              array: the threads meet mid-row (fastplastic's layout); each
 *              finds its half with a bisection of the cold row per end;
 *   split      2 threads, the same rows, but each half stored in the thread's
 *              own array (a CSR split by target block): no line in common;
 *   separate   2 threads, halves of other rows of separate copies;
 *   precut     as shared (one array, the threads meet mid-row), but with the
 *              middle of every row found once, before the timing.
 * On this VM (2 vCPUs), 2026-11-30, 50 blocks without precut: split 1.87x,
 * shared 1.72x, separate 1.46x (medians), split faster than shared in 41 of
 * 50 blocks.  2026-11-30 again, 39 blocks with precut, a slow day for the VM:
 * shared 1.17x, split 1.32x, precut 1.34x, separate 1.07x.  So split's lead
 * over shared is the bisections of shared (about 10 dependent reads of a
 * cold row per end), not the layout: with the same cuts, sharing rows costs
 * nothing measurable.  fastplastic searches from the expected position
 * (fp_lower_bound_near: a few reads of lines that fp_ahead has prefetched),
 * so a CSR split by target block is not worth its cost there.  (The 1-thread
 * side bisects each row's ends too, so split and precut can exceed 2x.)  The
 * VM's speed drifts by block: quote medians and ranges. */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NPRE 10000
#define NPOST 8000
#define HALF (NPOST / 2)
#define LEN 800
#define SPK 14
#define STEPS 1000

typedef struct { int64_t *ptr; int32_t *ids; double *w; } csr;

static uint64_t rs = 88172645463325252ULL;
static uint64_t xr(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return rs; }
static int cmp(const void *a, const void *b) { return *(const int32_t *)a - *(const int32_t *)b; }

static csr alloc_csr(void)
{
    csr c = {malloc(sizeof(int64_t) * (NPRE + 1)), aligned_alloc(64, (size_t)NPRE * LEN * 4),
             aligned_alloc(64, (size_t)NPRE * LEN * 8)};
    if (!c.ptr || !c.ids || !c.w) { fprintf(stderr, "out of memory\n"); exit(1); }
    return c;
}

static csr random_csr(void)
{
    csr c = alloc_csr();
    for (int64_t i = 0; i < NPRE; ++i) {
        c.ptr[i] = i * LEN;
        for (int k = 0; k < LEN; ++k) { c.ids[i * LEN + k] = (int32_t)(xr() % NPOST); c.w[i * LEN + k] = 0.5; }
        qsort(c.ids + i * LEN, LEN, sizeof(int32_t), cmp);
    }
    c.ptr[NPRE] = (int64_t)NPRE * LEN;
    return c;
}

/* The synapses of a onto targets [lo, hi), row by row, in their own arrays. */
static csr part_csr(const csr *a, int32_t lo, int32_t hi)
{
    csr c = alloc_csr();
    int64_t p = 0;
    for (int64_t i = 0; i < NPRE; ++i) {
        c.ptr[i] = p;
        for (int64_t q = a->ptr[i]; q < a->ptr[i + 1]; ++q)
            if (a->ids[q] >= lo && a->ids[q] < hi) { c.ids[p] = a->ids[q]; c.w[p++] = a->w[q]; }
    }
    c.ptr[NPRE] = p;
    return c;
}

/* First position of row i whose target is >= j. */
static int64_t cut(const csr *c, int32_t i, int32_t j)
{
    int64_t a = c->ptr[i], b = c->ptr[i + 1];
    while (a < b) { const int64_t m = (a + b) / 2; if (c->ids[m] < j) a = m + 1; else b = m; }
    return a;
}

static double scan(const csr *c, int64_t q0, int64_t q1, double *ring, const double *y)
{
    double s = 0.0;
    for (int64_t q = q0; q < q1; ++q) {
        const int32_t j = c->ids[q];
        double v = c->w[q] + y[j] * 1e-3 - 1e-4;
        v = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
        c->w[q] = v;
        ring[j] += v;
        s += v;
    }
    return s;
}

enum { ONE, SHARED, SPLIT, SEPARATE, PRECUT, KINDS };
static const char *NAMES[KINDS] = {"1 thread", "shared", "split", "separate", "precut"};

int main(int argc, char **argv)
{
    const int blocks = argc > 1 ? atoi(argv[1]) : 40;
    if (blocks < 1) { fprintf(stderr, "usage: %s [blocks >= 1]\n", argv[0]); return 2; }
    csr whole = random_csr(), own[2], other[2];
    own[0] = part_csr(&whole, 0, HALF);
    own[1] = part_csr(&whole, HALF, NPOST);
    other[0] = random_csr();
    other[1] = random_csr();
    int64_t *mid = malloc(sizeof(int64_t) * NPRE);     /* (precut: each row's middle) */
    if (!mid) { fprintf(stderr, "out of memory\n"); return 1; }
    for (int32_t i = 0; i < NPRE; ++i) mid[i] = cut(&whole, i, HALF);
    double *ring = aligned_alloc(64, NPOST * sizeof(double)), *y = aligned_alloc(64, NPOST * sizeof(double));
    int32_t *spk = malloc(sizeof(int32_t) * SPK * STEPS);
    if (!ring || !y || !spk) { fprintf(stderr, "out of memory\n"); return 1; }
    for (int j = 0; j < NPOST; ++j) { ring[j] = 0.0; y[j] = 0.3; }
    double sink = 0.0;
    for (int b = 0; b < blocks; ++b) {
        for (int k = 0; k < SPK * STEPS; ++k) spk[k] = (int32_t)(xr() % NPRE);
        double t[KINDS];
        for (int v = 0; v < KINDS; ++v) {
            const int kind = (b + v) % KINDS;           /* (rotating order) */
            const double t0 = omp_get_wtime();
#pragma omp parallel num_threads(kind == ONE ? 1 : 2) reduction(+:sink)
            {
                const int th = omp_get_thread_num();
                const int32_t lo = kind == ONE ? 0 : th * HALF, hi = kind == ONE ? NPOST : lo + HALF;
                for (int s = 0; s < STEPS; ++s) {
                    for (int k = 0; k < SPK; ++k) {
                        const int32_t i = spk[s * SPK + k];
                        if (kind == PRECUT)
                            sink += scan(&whole, th ? mid[i] : whole.ptr[i],
                                         th ? whole.ptr[i + 1] : mid[i], ring, y);
                        else if (kind == SPLIT)
                            sink += scan(&own[th], own[th].ptr[i], own[th].ptr[i + 1], ring, y);
                        else {
                            const csr *c = kind == SEPARATE ? &other[th] : &whole;
                            sink += scan(c, cut(c, i, lo), cut(c, i, hi), ring, y);
                        }
                    }
#pragma omp barrier
                }
            }
            t[kind] = omp_get_wtime() - t0;
        }
        printf("block %2d: 1 thread %5.1f ms", b, t[ONE] * 1e3);
        for (int kind = SHARED; kind < KINDS; ++kind)
            printf("  %s %5.1f ms (%.2fx)", NAMES[kind], t[kind] * 1e3, t[ONE] / t[kind]);
        printf("\n");
    }
    fprintf(stderr, "(checksum %g)\n", sink);
    return 0;
}
