// SPDX-License-Identifier: MIT
/*
 * Hostile (flat, 64-bit): fills every byte of its RAM outside its own image (code, data, .bss
 * with the stack) with the marker. plinth's identity page tables lie somewhere in that RAM, so
 * it first switches to its own, in .bss.
 */
#include "lib/cpu.h"
#include "lib/entry.h"
#include "lib/fw_cfg.h"
#include "lib/image.h"
#include "lib/printf.h"
#include "ram_marker.h"

#define PTE_PRESENT_WRITABLE 0x003ull
#define PDE_LARGE	     0x083ull /* present, writable, 2 MiB page */

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[4][512] __attribute__((aligned(4096)));

/* The first 4 GiB, identity-mapped with 2 MiB pages. */
static void use_own_page_tables(void)
{
	pml4[0] = (uintptr_t)pdpt | PTE_PRESENT_WRITABLE;
	for (unsigned int g = 0; g < 4; g++) {
		pdpt[g] = (uintptr_t)pd[g] | PTE_PRESENT_WRITABLE;
		for (unsigned int i = 0; i < 512; i++)
			pd[g][i] = ((uint64_t)g << 30 | (uint64_t)i << 21) | PDE_LARGE;
	}
	write_cr3((uintptr_t)pml4);
}

static void fill(uintptr_t from, uintptr_t to)
{
	for (uintptr_t gpa = from; gpa < to; gpa += 8)
		*(volatile uint64_t *)gpa = RAM_MARKER;
}

int main(void)
{
	uint64_t ram = fw_cfg_ram_bytes("fillram");

	if (!ram)
		return 2;
	if (ram > LOW_RAM_MAX || (ram & 7)) {
		printf("fillram: RAM of 0x%llx bytes is not below 3 GiB in qwords\n",
		       (unsigned long long)ram);
		return 3;
	}
	use_own_page_tables();
	uintptr_t img_start = image_start_gpa() & ~7ul, img_end = (image_end_gpa() + 7) & ~7ul;

	fill(0, img_start);
	fill(img_end, ram);
	printf("fillram: filled %llu MiB (all RAM but the image at 0x%lx-0x%lx)\n",
	       (unsigned long long)(ram >> 20), img_start, img_end);
	return 0;
}
