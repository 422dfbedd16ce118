// SPDX-License-Identifier: MIT
/*
 * The hypercall ABI as any guest sees it (flat, 64-bit): the capability query, unknown numbers,
 * and that a call number is the low 32 bits of RAX. It prints what plinth says of its control
 * right, so that one image runs as an ordinary and as a control guest (tests/boot/configs/
 * guests-hcall.cfg) and the scenario tells them apart.
 */
#include "lib/check.h"
#include "lib/entry.h"
#include "lib/printf.h"
#include "lib/vmcall.h"

#define ENOSYS 38

static long call1(unsigned long nr, unsigned long a1)
{
	return (long)vmcall(nr, a1, 0, 0, 0).ax;
}

int main(void)
{
	struct checks c = { .name = "hcall" };
	long slots = call1(PLINTH_HC_CHECK_EXTENSION, PLINTH_CAP_NR_MEMSLOTS);
	long none = call1(PLINTH_HC_CHECK_EXTENSION, 0x7fffffff);
	long unknown = call1(0x7fff, 0);
	long wide = call1(0xffffffff00000000ul | PLINTH_HC_CHECK_EXTENSION, PLINTH_CAP_NR_MEMSLOTS);

	check(&c, 1, slots == 16, "CHECK_EXTENSION(NR_MEMSLOTS) = %ld (expected 16)", slots);
	check(&c, 2, none == 0, "CHECK_EXTENSION(0x7fffffff) = %ld (expected 0: no such capability)",
	      none);
	check(&c, 3, unknown == -ENOSYS, "hypercall 0x7fff = %ld (expected -ENOSYS)", unknown);
	check(&c, 4, wide == slots, "RAX's upper half is not part of the number (%ld)", wide);
	printf("hcall: control %ld, child pages %ld\n",
	       call1(PLINTH_HC_CHECK_EXTENSION, PLINTH_CAP_CONTROL),
	       call1(PLINTH_HC_CHECK_EXTENSION, PLINTH_CAP_CHILD_PAGES));
	return (int)checks_done(&c);
}
