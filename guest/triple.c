// SPDX-License-Identifier: MIT
/* Hostile (flat, 64-bit): an empty IDT and INT3. The breakpoint cannot be delivered (#GP), nor
 * can that (#DF), so the CPU triple-faults; plinth must stop this guest and go on. */
#include "lib/cpu.h"
#include "lib/entry.h"
#include "lib/printf.h"

int main(void)
{
	struct desc_ptr empty = { 0, 0 };

	printf("triple: loading an empty IDT and executing int3\n");
	lidt(&empty);
	__asm__ volatile("int3");
	printf("triple: still running after int3\n");
	return 1;
}
