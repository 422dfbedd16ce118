// SPDX-License-Identifier: MIT
/*
 * Exit-path benchmark (flat, 64-bit): TSC ticks per round trip into plinth for a few exits
 * that never leave it, and the VMREADs and VMWRITEs each costs, from PLINTH_HC_VCPU_STATS
 * around every batch. Under Bochs the TSC counts instructions, so the ticks are instruction
 * counts (guest and plinth together), not cycles.
 *
 *   ticks  = (batch - empty loop of the same length) / N
 *   counts = (stats after - stats before - cost of one stats call) / N
 *
 * One stats call's own cost is what two back-to-back calls differ by: each call's counters stop
 * at the exit that carries it, so the second sees the first's accesses.
 */
#include <stdbool.h>
#include "bench.h"
#include "lib/cpu.h"
#include "lib/entry.h"
#include "lib/printf.h"
#include "lib/vmcall.h"

void bench_loop_empty(uint64_t n);
void bench_loop_cpuid(uint64_t n);
void bench_loop_vmcall_nop(uint64_t n);
void bench_loop_out_80(uint64_t n);
void bench_loop_in_unclaimed(uint64_t n);
void bench_loop_mmio_store(uint64_t n);
void bench_loop_mmio_load(uint64_t n);

struct row {
	const char *name;
	void (*loop)(uint64_t n);
};

static const struct row rows[] = {
	{ "cpuid 0x40000000", bench_loop_cpuid }, { "vmcall nop", bench_loop_vmcall_nop },
	{ "out 0x80", bench_loop_out_80 },	  { "in 0x1234", bench_loop_in_unclaimed },
	{ "mmio store", bench_loop_mmio_store },  { "mmio load", bench_loop_mmio_load },
};

struct stats vcpu_stats(void)
{
	struct hc_regs r = vmcall(PLINTH_HC_VCPU_STATS, 0, 0, 0, 0);

	return (struct stats){ (int64_t)r.bx, (int64_t)r.cx, (int64_t)r.dx };
}

struct stats minus(struct stats a, struct stats b)
{
	return (struct stats){ a.exits - b.exits, a.vmreads - b.vmreads, a.vmwrites - b.vmwrites };
}

/* Ticks of one batch of n, and what the vCPU's counters moved by around it. */
static uint64_t batch(void (*loop)(uint64_t), uint64_t n, struct stats *moved)
{
	struct stats before = vcpu_stats();
	uint64_t t0 = rdtsc();

	loop(n);
	uint64_t t1 = rdtsc();

	*moved = minus(vcpu_stats(), before);
	return t1 - t0;
}

const char *per_op(int64_t v, char *buf, unsigned int size)
{
	bool neg = v < 0;
	uint64_t mag = (uint64_t)(neg ? -v : v);
	uint64_t hundredths = (mag * 100 + N / 2) / N;

	snprintf(buf, size, "%s%llu.%02llu", neg ? "-" : "", (unsigned long long)(hundredths / 100),
		 (unsigned long long)(hundredths % 100));
	return buf;
}

int main(void)
{
	struct stats moved, a, b;
	char e[24], r[24], w[24];
	int64_t out_ticks = 0;

	a = vcpu_stats();
	b = vcpu_stats();
	struct stats stats_call = minus(b, a);

	/* Warm every path once: an unclaimed port is reported on plinth's console the first
	 * time only, which must not land in a batch. */
	bench_loop_empty(1);
	for (unsigned int i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		rows[i].loop(1);
	uint64_t empty = batch(bench_loop_empty, N, &moved);

	printf("bench: %u round trips per row; one stats call costs %lld exits, %lld VMREADs, "
	       "%lld VMWRITEs; the empty loop %llu ticks\n",
	       N, (long long)stats_call.exits, (long long)stats_call.vmreads,
	       (long long)stats_call.vmwrites, (unsigned long long)empty);
	printf("bench: %-18s %8s %8s %8s %8s\n", "exit", "ticks", "exits", "vmreads", "vmwrites");
	for (unsigned int i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t ticks = batch(rows[i].loop, N, &moved);
		int64_t net = (int64_t)(ticks - empty);
		int64_t per = (net + (net < 0 ? -N / 2 : N / 2)) / N;
		struct stats s = minus(moved, stats_call);

		if (rows[i].loop == bench_loop_out_80)
			out_ticks = per;
		printf("bench: %-18s %8lld %8s %8s %8s\n", rows[i].name, (long long)per,
		       per_op(s.exits, e, sizeof(e)), per_op(s.vmreads, r, sizeof(r)),
		       per_op(s.vmwrites, w, sizeof(w)));
	}
	return bench_control(out_ticks);
}
