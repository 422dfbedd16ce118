// SPDX-License-Identifier: MIT
/* QEMU test builds only: runs a flat guest's main() from a multiboot entry stub. */
#include "lib/entry.h"

int mb_entry_main(uint32_t magic, uintptr_t info)
{
	(void)magic;
	(void)info;
	return main();
}
