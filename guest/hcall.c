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

#define EPERM  1
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
	{
		long control = call1(PLINTH_HC_CHECK_EXTENSION, PLINTH_CAP_CONTROL);
		long vm = call1(PLINTH_HC_CREATE_VM, 0);

		check(&c, 5, control ? vm > 0 && call1(PLINTH_HC_DESTROY_VM, (unsigned long)vm) == 0 :
				       vm == -EPERM,
		      "CREATE_VM = %ld (expected %s)", vm,
		      control ? "a handle" : "-EPERM: not a control guest");
	}
	printf("hcall: control %ld, child pages %ld\n",
	       call1(PLINTH_HC_CHECK_EXTENSION, PLINTH_CAP_CONTROL),
	       call1(PLINTH_HC_CHECK_EXTENSION, PLINTH_CAP_CHILD_PAGES));
	return (int)checks_done(&c);
}
