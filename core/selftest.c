// SPDX-License-Identifier: MIT
#include "core/selftest.h"
#include <stdint.h>
#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/tsc.h"
#include "core/console.h"
#include "core/log.h"
#include "core/string.h"

/* Deep enough that the dump's stack walk has frames to show. */
static __attribute__((noinline)) void selftest_fault(const char *name, int depth)
{
	if (depth > 0) {
		selftest_fault(name, depth - 1);
		__asm__ volatile("" ::: "memory"); /* not a tail call: keep the frame */
		return;
	}
	if (!strcmp(name, "pagefault"))
		*(volatile uint64_t *)0xdead000 = 1; /* no identity map: unmapped */
	else if (!strcmp(name, "gp"))
		__asm__ volatile("movq $0x8000000000000000, %%rax; movq (%%rax), %%rax" ::: "rax");
	else if (!strcmp(name, "ud"))
		__asm__ volatile("ud2");
}

void selftest_run(const char *name)
{
	/* The others are done where they apply: vmentry by the guest runner, phantom-cpu by
	 * smp_boot, console-stall by selftest_after_smp. */
	if (strcmp(name, "pagefault") && strcmp(name, "gp") && strcmp(name, "ud"))
		return;
	pr_info("selftest: triggering %s in plinth\n", name);
	selftest_fault(name, 3);
	pr_err("selftest: %s did not fault\n", name);
}

static bool console_taken;

static void hold_console(void *arg)
{
	console_hold_and_stop(&console_taken);
}

void selftest_after_smp(const char *name)
{
	uint64_t end;

	if (strcmp(name, "console-stall"))
		return;
	pr_info("selftest: CPU 1 takes the console and stops, as a CPU that dies while printing "
		"would\n");
	if (smp_run_on(1, hold_console, NULL)) {
		pr_err("selftest: console-stall needs a second CPU\n");
		return;
	}
	for (end = rdtsc() + tsc_khz() * 1000; !__atomic_load_n(&console_taken, __ATOMIC_ACQUIRE);)
		if (rdtsc() > end)
			return;
	pr_info("selftest: CPU 0 prints while CPU 1 holds the console\n");
}
