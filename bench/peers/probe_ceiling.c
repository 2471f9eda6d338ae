/* probe_ceiling.c -- per-core ceiling of synaptic event processing.
 *
 * A tight loop over the same data layout as fastplastic's projections
 * (CSR by presynaptic neuron: row_ptr int64 [n+1], post int32 [nnz],
 * weight double [nnz]; transposed index: col_ptr int64 [n+1], col_syn int64
 * [nnz] into the same weight array, col_pre int32 [nnz]), driven by Poisson
 * spike trains drawn before the clock starts.  Nothing else happens in a
 * step: no neuron update, no ring buffer, no trace decay (traces are fixed
 * arrays read at the event's indices), so the rate it reaches is an upper
 * bound for a simulator on this core.
 *
 * Modes (events = presynaptic spikes x fan-out in every mode):
 *   static    g[post[s]] += w[s] over the spiking neuron's row  (random scatter
 *             into g: double [n])
 *   stdp_pre  static, plus a weight write on the same pass:
 *             w[s] = clamp(w[s] + a_post w_max y[post[s]] + a_pre w_max x_pre, 0, w_max)
 *             (plasticity applied on presynaptic spikes only: the deferred form)
 *   stdp_post stdp_pre's delivery and depression, plus, for every postsynaptic
 *             spike (an independent Poisson train at the same rate), a walk of
 *             that neuron's column of the transposed index:
 *             w[col_syn[c]] += a_pre w_max x[col_pre[c]], clamped (the immediate form)
 *   stdp_sum  full STDP with potentiation kept as per-neuron sums (the summed
 *             form, fastplastic's fp_plasticity.h): every postsynaptic spike
 *             adds e^{-t dt/tau} to its neuron's h[j] (O(1)); every presynaptic
 *             spike scans its row once: w = clamp(u[s] + f_old h[j]), delivery,
 *             depression, u[s] = w - f_new h[j], with f_old / f_new the row's
 *             factor before / after the spike (one exp a row).  No sum
 *             restarts (they cost a pass per 8 tau; the factors stay finite
 *             over a probe's few seconds), so this too bounds the real thing.
 *   static_tiled, stdp_sum_tiled
 *             static and stdp_sum with a step's spiking rows scanned in tiles
 *             of targets, as fastplastic delivers (fp_engine.c tile_width):
 *             every row's synapses onto the first tile, then onto the next,
 *             so that the per-neuron arrays an event touches (g; for sums
 *             also h and y) stay in L1 over a tile.  Tiles hold ~24 KB of
 *             them (n split evenly; none where that leaves one tile or rows
 *             of < 32 synapses a tile).  Same sums in the same order: the
 *             checksum equals the untiled mode's.
 *
 * Build: gcc -O3 -march=native -std=c99 -fno-signed-zeros -ffinite-math-only
 * (the last two let the clamp compile to minsd/maxsd; see probe_ceiling.py).
 * Usage: probe_ceiling N K RATE_HZ SECONDS REPEATS SEED MODE...
 * Connectivity: fixed out-degree K, targets uniform without repeats within a
 * row, rows sorted by target (as fastplastic's CSR).  Prints one JSON line per
 * mode with the best of REPEATS timings.  Complexity O(spikes x K) a mode.
 * C99, no allocation inside the timed loops.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

static uint64_t rng_state;

static uint64_t next_u64(void)                 /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double next_unit(void) { return (next_u64() >> 11) * (1.0 / 9007199254740992.0); }

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Poisson spikes of n neurons over steps: step_ptr [steps+1], ids [total]. */
static int32_t *draw_spikes(int64_t n, int64_t steps, double p, int64_t **step_ptr_out)
{
    int64_t cap = (int64_t)(n * steps * p * 1.2) + 1024, used = 0;
    int32_t *ids = malloc(cap * sizeof *ids);
    int64_t *step_ptr = malloc((steps + 1) * sizeof *step_ptr);
    if (!ids || !step_ptr) { perror("malloc"); exit(1); }
    for (int64_t t = 0; t < steps; t++) {
        step_ptr[t] = used;
        for (int64_t i = 0; i < n; i++) {
            if (next_unit() < p) {
                if (used == cap) {
                    cap *= 2;
                    ids = realloc(ids, cap * sizeof *ids);
                    if (!ids) { perror("realloc"); exit(1); }
                }
                ids[used++] = (int32_t)i;
            }
        }
    }
    step_ptr[steps] = used;
    *step_ptr_out = step_ptr;
    return ids;
}

/* Written so that gcc emits minsd / maxsd, not a branch (a branch mispredicts
 * once many weights sit at a bound). */
static double clamp(double w, double lo, double hi)
{
    const double t = w < hi ? w : hi;
    return t > lo ? t : lo;
}

/* The inner loops; restrict: g, w, x, y, h never overlap. */
static void deliver(double *restrict g, const int32_t *restrict post,
                    const double *restrict w, int64_t s0, int64_t s1)
{
    for (int64_t s = s0; s < s1; s++) g[post[s]] += w[s];
}

static void deliver_depress(double *restrict g, const int32_t *restrict post,
                            double *restrict w, const double *restrict y, int64_t s0,
                            int64_t s1, double a_minus, double dx, double w_max)
{
    for (int64_t s = s0; s < s1; s++) {
        const int32_t j = post[s];
        const double ws = w[s];
        g[j] += ws;
        w[s] = clamp(ws + a_minus * y[j] + dx, 0.0, w_max);
    }
}

static void deliver_sums(double *restrict g, const int32_t *restrict post,
                         double *restrict u, const double *restrict y,
                         const double *restrict h, int64_t s0, int64_t s1, double a_minus,
                         double f_old, double f_new, double w_max)
{
    for (int64_t s = s0; s < s1; s++) {
        const int32_t j = post[s];
        const double hj = h[j];
        double ws = clamp(u[s] + f_old * hj, 0.0, w_max);
        g[j] += ws;
        ws = clamp(ws + a_minus * y[j], 0.0, w_max);
        u[s] = ws - f_new * hj;
    }
}

/* Tiled scans (static_tiled, stdp_sum_tiled): the nk spiking rows of a step,
 * row r's next synapse cur[r] (advanced tile by tile) and end end[r]; the
 * tiles [J0, J0 + width) cover [0, n).  The loop bodies repeat deliver's
 * and deliver_sums' on purpose: calling those per segment (its end found by
 * bisection) gave the same checksums but 0.17-0.18 instead of 0.22-0.27 G/s
 * for sums here, a ceiling below what the engine's own tiles reach. */
static void deliver_tiled(double *restrict g, const int32_t *restrict post,
                          const double *restrict w, int64_t *restrict cur,
                          const int64_t *restrict end, int64_t nk, int32_t n, int32_t width)
{
    for (int32_t j1 = width; j1 - width < n; j1 += width)
        for (int64_t r = 0; r < nk; r++) {
            int64_t s = cur[r];
            for (; s < end[r] && post[s] < j1; s++) g[post[s]] += w[s];
            cur[r] = s;
        }
}

static void deliver_sums_tiled(double *restrict g, const int32_t *restrict post,
                               double *restrict u, const double *restrict y,
                               const double *restrict h, int64_t *restrict cur,
                               const int64_t *restrict end, const double *restrict f_old,
                               const double *restrict f_new, int64_t nk, int32_t n,
                               int32_t width, double a_minus, double w_max)
{
    for (int32_t j1 = width; j1 - width < n; j1 += width)
        for (int64_t r = 0; r < nk; r++) {
            int64_t s = cur[r];
            const double fo = f_old[r], fn = f_new[r];
            for (; s < end[r] && post[s] < j1; s++) {
                const int32_t j = post[s];
                const double hj = h[j];
                double ws = clamp(u[s] + fo * hj, 0.0, w_max);
                g[j] += ws;
                ws = clamp(ws + a_minus * y[j], 0.0, w_max);
                u[s] = ws - fn * hj;
            }
            cur[r] = s;
        }
}

/* Tile width for `bytes` of per-neuron state an event touches (fastplastic's
 * rule): n when tiles would not pay. */
static int32_t tile_width(int64_t n, int64_t k, int64_t bytes)
{
    const int64_t tiles = (n * bytes + 12288) / 24576;
    if (tiles < 2) return (int32_t)n;
    const int64_t w = (n + tiles - 1) / tiles;
    return k * w < 32 * n ? (int32_t)n : (int32_t)w;
}

static void potentiate(double *restrict w, const int64_t *restrict col_syn,
                       const int32_t *restrict col_pre, const double *restrict x, int64_t c0,
                       int64_t c1, double a_plus, double w_max)
{
    for (int64_t c = c0; c < c1; c++) {
        const int64_t s = col_syn[c];
        w[s] = clamp(w[s] + a_plus * x[col_pre[c]], 0.0, w_max);
    }
}

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr, "usage: %s N K RATE_HZ SECONDS REPEATS SEED MODE...\n", argv[0]);
        return 2;
    }
    const int64_t n = atoll(argv[1]), k = atoll(argv[2]);
    const double rate = atof(argv[3]), seconds = atof(argv[4]), dt = 1e-4;
    const int repeats = atoi(argv[5]);
    rng_state = (uint64_t)atoll(argv[6]);
    const int64_t nnz = n * k, steps = (int64_t)(seconds / dt + 0.5);
    const double w0 = 1.0, w_max = 2.0, a_pre = 0.01, a_post = -0.0105;

    int64_t *row_ptr = malloc((n + 1) * sizeof *row_ptr);
    int32_t *post = malloc(nnz * sizeof *post);
    double *w = malloc(nnz * sizeof *w);
    double *g = calloc(n, sizeof *g), *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    double *h = calloc(n, sizeof *h), *fr = calloc(n, sizeof *fr);     /* stdp_sum */
    const double tau = 0.02;
    int64_t *col_ptr = calloc(n + 1, sizeof *col_ptr), *col_syn = malloc(nnz * sizeof *col_syn);
    int32_t *col_pre = malloc(nnz * sizeof *col_pre);
    unsigned char *mark = calloc(n, 1);
    int64_t *cur = malloc(n * sizeof *cur), *end = malloc(n * sizeof *end);  /* tiled */
    double *f_old = malloc(n * sizeof *f_old), *f_new = malloc(n * sizeof *f_new);
    if (!row_ptr || !post || !w || !g || !x || !y || !h || !fr || !col_ptr || !col_syn
        || !col_pre || !mark || !cur || !end || !f_old || !f_new) {
        perror("malloc");
        return 1;
    }
    for (int64_t i = 0; i < n; i++) {          /* K distinct targets a row, sorted */
        row_ptr[i] = i * k;
        int32_t *row = post + i * k;
        for (int64_t m = 0; m < k; m++) {
            int32_t j;
            do { j = (int32_t)(next_u64() % (uint64_t)n); } while (mark[j]);
            mark[j] = 1;
            row[m] = j;
        }
        for (int64_t m = 0; m < k; m++) mark[row[m]] = 0;
        qsort(row, k, sizeof *row, cmp_i32);
    }
    row_ptr[n] = nnz;
    for (int64_t s = 0; s < nnz; s++) col_ptr[post[s] + 1]++;      /* counting sort */
    for (int64_t j = 0; j < n; j++) col_ptr[j + 1] += col_ptr[j];
    {
        int64_t *fill = malloc(n * sizeof *fill);
        memcpy(fill, col_ptr, n * sizeof *fill);
        for (int64_t i = 0; i < n; i++)
            for (int64_t s = row_ptr[i]; s < row_ptr[i + 1]; s++) {
                int64_t c = fill[post[s]]++;
                col_syn[c] = s;
                col_pre[c] = (int32_t)i;
            }
        free(fill);
    }
    for (int64_t i = 0; i < n; i++) { x[i] = next_unit(); y[i] = next_unit(); }
    int64_t *pre_ptr, *post_ptr;
    int32_t *pre_ids = draw_spikes(n, steps, rate * dt, &pre_ptr);
    int32_t *post_spk = draw_spikes(n, steps, rate * dt, &post_ptr);
    const int64_t pre_spikes = pre_ptr[steps], events = pre_spikes * k;

    for (int a = 7; a < argc; a++) {
        const char *mode = argv[a];
        int kind = !strcmp(mode, "static") ? 0 : !strcmp(mode, "stdp_pre") ? 1
                 : !strcmp(mode, "stdp_post") ? 2 : !strcmp(mode, "stdp_sum") ? 3
                 : !strcmp(mode, "static_tiled") ? 4 : !strcmp(mode, "stdp_sum_tiled") ? 5 : -1;
        const int32_t width = (int32_t)tile_width(n, k, kind == 5 ? 24 : 8);
        if (kind < 0) { fprintf(stderr, "unknown mode %s\n", mode); return 2; }
        double best = 1e300, check = 0.0;
        for (int r = 0; r < repeats; r++) {
            for (int64_t s = 0; s < nnz; s++) w[s] = w0;
            memset(g, 0, n * sizeof *g);
            memset(h, 0, n * sizeof *h);
            memset(fr, 0, n * sizeof *fr);
            double t0 = now();
            for (int64_t t = 0; t < steps; t++) {
                if (kind >= 4) {                /* tiled: the step's rows first listed */
                    int64_t nk = 0;
                    for (int64_t q = pre_ptr[t]; q < pre_ptr[t + 1]; q++, nk++) {
                        const int32_t i = pre_ids[q];
                        cur[nk] = row_ptr[i];
                        end[nk] = row_ptr[i + 1];
                        if (kind == 5) {
                            f_old[nk] = fr[i];
                            f_new[nk] = fr[i] = a_pre * w_max * (x[i] + 1.0) * exp(t * dt / tau);
                        }
                    }
                    if (kind == 4)
                        deliver_tiled(g, post, w, cur, end, nk, (int32_t)n, width);
                    else
                        deliver_sums_tiled(g, post, w, y, h, cur, end, f_old, f_new, nk,
                                           (int32_t)n, width, a_post * w_max, w_max);
                }
                for (int64_t q = pre_ptr[t]; kind < 4 && q < pre_ptr[t + 1]; q++) {
                    const int32_t i = pre_ids[q];
                    const int64_t s0 = row_ptr[i], s1 = row_ptr[i + 1];
                    if (kind == 0) {
                        deliver(g, post, w, s0, s1);
                    } else if (kind == 3) {
                        const double f_new = a_pre * w_max * (x[i] + 1.0) * exp(t * dt / tau);
                        deliver_sums(g, post, w, y, h, s0, s1, a_post * w_max, fr[i], f_new,
                                     w_max);
                        fr[i] = f_new;
                    } else {
                        deliver_depress(g, post, w, y, s0, s1, a_post * w_max,
                                        a_pre * w_max * x[i], w_max);
                    }
                }
                if (kind == 3 || kind == 5) {
                    const double term = exp(-t * dt / tau);
                    for (int64_t q = post_ptr[t]; q < post_ptr[t + 1]; q++) h[post_spk[q]] += term;
                }
                if (kind == 2) {
                    for (int64_t q = post_ptr[t]; q < post_ptr[t + 1]; q++) {
                        const int32_t j = post_spk[q];
                        potentiate(w, col_syn, col_pre, x, col_ptr[j], col_ptr[j + 1],
                                   a_pre * w_max, w_max);
                    }
                }
            }
            double el = now() - t0;
            if (el < best) best = el;
            check = 0.0;
            for (int64_t j = 0; j < n; j++) check += g[j];
        }
        printf("{\"mode\": \"%s\", \"n\": %lld, \"fan_out\": %lld, \"rate_hz\": %g, "
               "\"seconds\": %g, \"events\": %lld, \"best_s\": %.6f, \"events_per_s\": %.6g, "
               "\"checksum\": %.6g}\n", mode, (long long)n, (long long)k, rate, seconds,
               (long long)events, best, events / best, check);
        fflush(stdout);
    }
    return 0;
}
