/* SPDX-License-Identifier: MIT */
/* The bench guest's shared parts (guest/bench.c, guest/bench_control.c). */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include <stdint.h>

#define N 1000 /* round trips per row */

/* The calling vCPU's counters (PLINTH_HC_VCPU_STATS). */
struct stats {
	int64_t exits, vmreads, vmwrites;
};

struct stats vcpu_stats(void);
struct stats minus(struct stats a, struct stats b);
/* v / N with two decimals, rounded to nearest, into buf. */
const char *per_op(int64_t v, char *buf, unsigned int size);

/* The control-guest rows: a child's OUT served by this guest, against out_ticks, the same
 * OUT served inside plinth. Returns 0, or 1 when a row failed (printed). */
int bench_control(int64_t out_ticks);

#endif
