// SPDX-License-Identifier: MIT
/* Hostile (flat, 64-bit): writes one byte at the first guest-physical address past its RAM.
 * plinth must stop it there; it never gets to say it is still running. */
#include "lib/entry.h"
#include "lib/fw_cfg.h"
#include "lib/printf.h"

#define LOW_RAM_MAX 0xc0000000ull /* beyond this RAM continues at 4 GiB, outside the identity map */

int main(void)
{
	uint64_t ram = fw_cfg_ram_bytes("pastram");

	if (!ram)
		return 2;
	if (ram > LOW_RAM_MAX) {
		printf("pastram: RAM of %llu MiB reaches above 4 GiB; give it at most 3 GiB\n",
		       (unsigned long long)(ram >> 20));
		return 3;
	}
	printf("pastram: RAM is %llu MiB; writing one byte at 0x%llx, just past its end\n",
	       (unsigned long long)(ram >> 20), (unsigned long long)ram);
	*(volatile uint8_t *)(uintptr_t)ram = 0x5a;
	printf("pastram: still running\n");
	return 1;
}
