// SPDX-License-Identifier: MIT
#include "arch/x86/paging.h"
#include "arch/x86/cpu.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/string.h"

extern char __image_start[], __rodata_start[], __data_start[], __image_end[];

static uint64_t image_hpa;
static uint64_t *kernel_pml4;
static uint64_t direct_map_top = 4 * GiB; /* entry64's boot mapping */

void paging_set_image_hpa(uint64_t hpa)
{
	image_hpa = hpa;
}

uint64_t paging_image_hpa(void)
{
	return image_hpa;
}

bool paging_direct_mapped(uint64_t hpa, uint64_t len)
{
	return !add_overflows_u64(hpa, len) && hpa + len <= direct_map_top;
}

uint64_t virt_to_phys(const void *va)
{
	uintptr_t v = (uintptr_t)va;

	if (v >= (uintptr_t)__image_start && v < (uintptr_t)__image_end)
		return v - (uintptr_t)__image_start + image_hpa;
	return v - DIRECT_MAP_BASE;
}

static uint64_t *new_table(void)
{
	uint64_t hpa;

	if (page_alloc(1, &hpa))
		return NULL;
	return phys_to_virt(hpa); /* page_alloc hands out zeroed pages */
}

/* Returns the table that entry idx of table points to, creating it if absent. */
static uint64_t *next_table(uint64_t *table, unsigned int idx)
{
	uint64_t *next;

	if (table[idx] & PTE_P)
		return phys_to_virt(table[idx] & PTE_ADDR_MASK);
	next = new_table();
	if (!next)
		return NULL;
	table[idx] = virt_to_phys(next) | PTE_P | PTE_W;
	return next;
}

/* Maps one page of page_bytes (4K, 2M or 1G) at va. Intermediate entries are writable and
 * executable; the leaf carries the restrictions. */
static int map_page(uint64_t va, uint64_t hpa, uint64_t page_bytes, uint64_t flags)
{
	uint64_t *pdpt, *pd, *pt;

	pdpt = next_table(kernel_pml4, (va >> 39) & 511);
	if (!pdpt)
		return -ENOMEM;
	if (page_bytes == GiB) {
		pdpt[(va >> 30) & 511] = hpa | flags | PTE_PS;
		return 0;
	}
	pd = next_table(pdpt, (va >> 30) & 511);
	if (!pd)
		return -ENOMEM;
	if (page_bytes == 2 * MiB) {
		pd[(va >> 21) & 511] = hpa | flags | PTE_PS;
		return 0;
	}
	pt = next_table(pd, (va >> 21) & 511);
	if (!pt)
		return -ENOMEM;
	pt[(va >> 12) & 511] = hpa | flags;
	return 0;
}

static int map_image_part(const char *start, const char *end, uint64_t flags)
{
	for (uintptr_t va = (uintptr_t)start; va < (uintptr_t)end; va += PAGE_SIZE) {
		int err = map_page(va, virt_to_phys((void *)va), PAGE_SIZE, flags | PTE_P | PTE_G);

		if (err)
			return err;
	}
	return 0;
}

uint64_t paging_kernel_pml4_hpa(void)
{
	return virt_to_phys(kernel_pml4);
}

int paging_init(uint64_t phys_top)
{
	bool has_1g = cpuid(0x80000001).edx & BIT(26); /* Page1GB */
	uint64_t step = has_1g ? GiB : 2 * MiB;
	int err;

	if (!(cpuid(0x80000001).edx & BIT(20))) { /* NX: every VT-x CPU has it */
		pr_err("paging: this CPU has no NX bit\n");
		return -ENODEV;
	}
	kernel_pml4 = new_table();
	if (!kernel_pml4)
		return -ENOMEM;
	phys_top = ALIGN_UP(MAX(phys_top, 4 * GiB), GiB);
	if (phys_top > DIRECT_MAP_MAX_BYTES)
		phys_top = DIRECT_MAP_MAX_BYTES;
	for (uint64_t hpa = 0; hpa < phys_top; hpa += step) {
		err = map_page(DIRECT_MAP_BASE + hpa, hpa, step, PTE_P | PTE_W | PTE_NX | PTE_G);
		if (err)
			return err;
	}
	direct_map_top = phys_top;
	err = map_image_part(__image_start, __rodata_start, 0);
	if (!err)
		err = map_image_part(__rodata_start, __data_start, PTE_NX);
	if (!err)
		err = map_image_part(__data_start, __image_end, PTE_W | PTE_NX);
	if (err)
		return err;

	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | X86_EFER_NXE);
	/* Caches on: a loader may leave CD/NW as the CPU's reset value has them (Bochs + GRUB do). */
	write_cr0((read_cr0() | X86_CR0_WP) & ~(X86_CR0_CD | X86_CR0_NW));
	/* Toggling PGE flushes global entries the firmware may have left. */
	write_cr4(read_cr4() & ~X86_CR4_PGE);
	write_cr3(virt_to_phys(kernel_pml4));
	write_cr4(read_cr4() | X86_CR4_PGE);
	pr_debug("paging: direct map of %llu GiB with %s pages\n",
		 (unsigned long long)(phys_top / GiB), has_1g ? "1 GiB" : "2 MiB");
	return 0;
}
