/* fp_engine.h -- the clock-driven loop of a whole network.
 *
 * fp_run advances steps [k0, k1) in slices of net->min_delay steps.  Within a
 * slice every group is advanced on its own (no spike emitted inside a slice
 * can arrive before the slice ends, since every delay >= min_delay); at the
 * end of the slice the spikes are delivered into the target groups' rings
 * (or, for a group whose every incoming delay is one step, straight into
 * its ge / gi: fp_group.direct_input) and recorded.  Neuron updates of a
 * group are split into contiguous blocks among net->n_threads OpenMP
 * threads (sized by a load balancer from the threads' measured work); spike
 * lists are merged in neuron order.
 * Delivery and plasticity are split by target neuron (fp_row_segment), so
 * each ring entry and weight is written by one thread in the serial order:
 * results do not depend on the thread count.  Where nothing reads across
 * the phases (deferred plasticity or none), a slice's last trace updates
 * and potentiation overlap the next slice's spike packing (run_part's
 * pipelined schedule): two barriers per slice.
 *
 * Returns the step reached: k1, or an earlier slice boundary if a group's
 * spike record (rec_cap) could not hold another slice; the caller grows the
 * buffer and calls again.
 * Cost per step: O(sum of group sizes) + O(spikes x fan-out).
 */
#ifndef FP_ENGINE_H
#define FP_ENGINE_H

#include "fp_types.h"

int64_t fp_run(fp_net *net, int64_t k0, int64_t k1);

/* Test hook (fp_engine.c, load balance): > 0 fixes thread 0's part of every
 * group at this fraction; 0 (default): the balancer moves the parts. */
extern double fp_cut_test;

/* Test hook (fp_engine.c, delivery in tiles): > 0 delivers every projection
 * in tiles of this many postsynaptic neurons; 0 (default): tiles where they
 * pay, sized for the L1 cache. */
extern int32_t fp_tile_force;

/* Delivery of the spikes of one step through one projection.
 * spk[nspk]: presynaptic ids; ring: [ring_len * n_post] of the target channel.
 * Adds weight[s] to ring[((k + delay[s]) % ring_len) * n_post + post_ids[s]]
 * (delay NULL: every delay is d0)
 * for every synapse s of every spiking row onto neurons [jlo, jhi) (all:
 * [0, n_post)).  Cost O(sum of row lengths). */
void fp_deliver(const int64_t *row_ptr, const int32_t *post_ids, const double *weight,
                const uint16_t *delay, int32_t d0, const int32_t *spk, int64_t nspk, int64_t k,
                double *ring, int32_t ring_len, int32_t n_post, int32_t jlo, int32_t jhi);

#endif
