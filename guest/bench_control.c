// SPDX-License-Identifier: MIT
/*
 * The control-guest rows of the bench guest (which is a control guest): a child VM runs
 * out 0x80 in a loop (bench_child in bench_loops.asm) and this guest serves each IO exit and
 * runs the child again, in three ways:
 *
 *   run area   RUN alone: the exit is read from the run area (1 hypercall per exit)
 *   sync regs  RUN with kvm_valid_regs and kvm_dirty_regs = REGS: the registers come out and
 *              go back in through the run area (1 hypercall)
 *   get/set    GET_REGS, SET_REGS, RUN: the same registers without the run area (3)
 *
 * A batch runs the child from its start to its HLT; a round trip is what a batch of 2N costs
 * more than one of N, over N, so the entry to the child, its final HLT and the stats calls
 * around each batch cancel out. The
 * child's own dec/jnz (2 ticks) stays in the figure. The exits, VMREADs and VMWRITEs are this
 * guest's (its VMCALLs), per round trip.
 */
#include "bench.h"
#include "lib/child.h"
#include "lib/control.h"
#include "lib/cpu.h"
#include "lib/printf.h"

#define CHILD_RAM  (2ul << 20)
#define CHILD_PML4 0x1000ul
#define CHILD_LOAD 0x100000ul
#define PORT_80	   0x80

extern const char bench_child[], bench_child_end[];

enum serve_mode { SERVE_RUN_AREA, SERVE_SYNC_REGS, SERVE_GET_SET };

static const char *const mode_names[] = {
	[SERVE_RUN_AREA] = "child out, run area",
	[SERVE_SYNC_REGS] = "child out, sync regs",
	[SERVE_GET_SET] = "child out, get/set",
};

static union {
	struct plinth_kvm_run r;
	uint8_t page[PLINTH_KVM_RUN_AREA_BYTES];
} run_page __attribute__((aligned(4096)));

struct batch_result {
	uint64_t ticks, calls;
	struct stats moved;
};

/* Runs the child from its start through n OUTs to its HLT, serving each OUT in mode. */
static long serve_batch(long vcpu, enum serve_mode mode, uint64_t n, struct batch_result *res)
{
	struct plinth_kvm_run *run = &run_page.r;
	struct plinth_kvm_regs regs = { .rdi = n };
	uint64_t served = 0, calls = 0, t0;
	struct stats before;
	long r = child_vcpu_start(vcpu, CHILD_PML4, CHILD_LOAD, &regs);

	if (r)
		return r;
	run->kvm_valid_regs = mode == SERVE_SYNC_REGS ? PLINTH_KVM_SYNC_X86_REGS : 0;
	run->kvm_dirty_regs = 0;
	before = vcpu_stats();
	t0 = rdtsc();
	for (;;) {
		r = plinth_run(vcpu);
		calls++;
		if (r)
			return r;
		if (run->exit_reason == PLINTH_KVM_EXIT_HLT)
			break;
		if (run->exit_reason != PLINTH_KVM_EXIT_IO || run->io.port != PORT_80 ||
		    run->io.direction != PLINTH_KVM_EXIT_IO_OUT)
			return -1;
		served++;
		if (mode == SERVE_SYNC_REGS) {
			run->kvm_dirty_regs = PLINTH_KVM_SYNC_X86_REGS;
		} else if (mode == SERVE_GET_SET) {
			r = plinth_vcpu_state(PLINTH_HC_GET_REGS, vcpu, &regs);
			if (!r)
				r = plinth_vcpu_state(PLINTH_HC_SET_REGS, vcpu, &regs);
			calls += 2;
			if (r)
				return r;
		}
	}
	res->ticks = rdtsc() - t0;
	res->moved = minus(vcpu_stats(), before);
	res->calls = calls;
	return served == n ? 0 : -1;
}

/* The difference of a 2N batch and an N batch: N round trips without the fixed costs. */
static long round_trips(long vcpu, enum serve_mode mode, struct batch_result *per_n)
{
	struct batch_result one, two;
	long r = serve_batch(vcpu, mode, 1, &one); /* warm the paths */

	if (!r)
		r = serve_batch(vcpu, mode, N, &one);
	if (!r)
		r = serve_batch(vcpu, mode, 2 * N, &two);
	if (r)
		return r;
	per_n->ticks = two.ticks - one.ticks;
	per_n->calls = two.calls - one.calls;
	per_n->moved = minus(two.moved, one.moved);
	return 0;
}

int bench_control(int64_t out_ticks)
{
	long vm = child_vm_create(CHILD_RAM, CHILD_PML4, bench_child, bench_child_end, CHILD_LOAD);
	long vcpu = vm > 0 ? plinth_create_vcpu(vm, &run_page.r) : vm;
	char ratio[24], calls[24], e[24], r[24], w[24];
	int failed = 0;

	if (vcpu < 0) {
		printf("bench: control rows failed: no child VM (%ld)\n", vcpu);
		return 1;
	}
	printf("bench: %-20s %8s %8s %10s %8s %8s %8s\n", "served", "ticks", "x plinth",
	       "hypercalls", "exits", "vmreads", "vmwrites");
	for (unsigned int m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++) {
		struct batch_result res;
		long err = round_trips(vcpu, (enum serve_mode)m, &res);
		int64_t per = ((int64_t)res.ticks + N / 2) / N;

		if (err) {
			printf("bench: %-20s failed (%ld)\n", mode_names[m], err);
			failed = 1;
			continue;
		}
		/* ticks / out_ticks with two decimals, through per_op's fixed point. */
		per_op(out_ticks > 0 ? per * N / out_ticks : 0, ratio, sizeof(ratio));
		printf("bench: %-20s %8lld %8s %10s %8s %8s %8s\n", mode_names[m], (long long)per,
		       ratio, per_op((int64_t)res.calls, calls, sizeof(calls)),
		       per_op(res.moved.exits, e, sizeof(e)),
		       per_op(res.moved.vmreads, r, sizeof(r)),
		       per_op(res.moved.vmwrites, w, sizeof(w)));
	}
	if (plinth_destroy_vm(vm))
		failed = 1;
	return failed;
}
