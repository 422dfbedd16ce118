// SPDX-License-Identifier: MIT
/* Hostile (flat, 64-bit): looks through all of its RAM outside its own image for fillram's
 * marker at 8-byte aligned addresses. Finding one means plinth handed over RAM uncleared. */
#include "lib/entry.h"
#include "lib/fw_cfg.h"
#include "lib/image.h"
#include "lib/printf.h"
#include "ram_marker.h"

static uint64_t first_hit;
static uint64_t hits;

static void scan(uintptr_t from, uintptr_t to)
{
	for (uintptr_t gpa = from; gpa < to; gpa += 8) {
		if (*(volatile uint64_t *)gpa == RAM_MARKER) {
			if (!hits)
				first_hit = gpa;
			hits++;
		}
	}
}

int main(void)
{
	uint64_t ram = fw_cfg_ram_bytes("scanram");

	if (!ram)
		return 2;
	if (ram > LOW_RAM_MAX || (ram & 7)) {
		printf("scanram: RAM of 0x%llx bytes is not below 3 GiB in qwords\n",
		       (unsigned long long)ram);
		return 3;
	}
	scan(0, image_start_gpa() & ~7ul);
	scan((image_end_gpa() + 7) & ~7ul, ram);
	if (hits) {
		printf("scanram: found marker at 0x%llx (%llu marked qwords in %llu MiB)\n",
		       (unsigned long long)first_hit, (unsigned long long)hits,
		       (unsigned long long)(ram >> 20));
		return 1;
	}
	printf("scanram: no marker in %llu MiB\n", (unsigned long long)(ram >> 20));
	return 0;
}
