// SPDX-License-Identifier: MIT
#include "core/selftest.h"
#include <stdint.h>
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
	if (!name[0] || !strcmp(name, "none") || !strcmp(name, "vmentry"))
		return; /* vmentry is done by the guest runner */
	pr_info("selftest: triggering %s in plinth\n", name);
	selftest_fault(name, 3);
	pr_err("selftest: %s did not fault\n", name);
}
