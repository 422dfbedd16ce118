// SPDX-License-Identifier: MIT
/*
 * A 32-bit control guest (flat, 32-bit): the control API takes 64-bit handles, addresses and
 * register ids, so plinth answers it only in 64-bit mode. Here every control call is -EPERM and
 * makes nothing, while CHECK_EXTENSION still says the guest has the right.
 */
#include "lib/check.h"
#include "lib/control.h"
#include "lib/entry.h"

#define EPERM 1

int main(void)
{
	struct checks c = { .name = "ctl32" };
	long pages = plinth_check_extension(PLINTH_CAP_CHILD_PAGES);

	check(&c, 1, plinth_check_extension(PLINTH_CAP_CONTROL) == 1 && pages == 256,
	      "CHECK_EXTENSION: a control guest with %ld child pages", pages);
	check(&c, 2,
	      plinth_create_vm() == -EPERM && plinth_destroy_vm(1) == -EPERM &&
		      plinth_run(1) == -EPERM,
	      "CREATE_VM, DESTROY_VM, RUN in 32-bit mode: -EPERM");
	check(&c, 3, plinth_check_extension(PLINTH_CAP_CHILD_PAGES) == pages,
	      "no child memory was taken");
	return (int)checks_done(&c);
}
