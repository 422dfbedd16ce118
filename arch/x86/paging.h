/* SPDX-License-Identifier: MIT */
/* plinth's own page tables: the image with per-section permissions and a direct map of all
 * physical memory at DIRECT_MAP_BASE. No identity map: a stray low pointer faults. */
#ifndef PLINTH_ARCH_X86_PAGING_H
#define PLINTH_ARCH_X86_PAGING_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/layout.h"

#define PTE_P	      (1ull << 0)
#define PTE_W	      (1ull << 1)
#define PTE_PS	      (1ull << 7)
#define PTE_G	      (1ull << 8)
#define PTE_NX	      (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

static inline void *phys_to_virt(uint64_t hpa)
{
	return (void *)(DIRECT_MAP_BASE + hpa);
}

/* Is [hpa, hpa + len) inside the direct map (so phys_to_virt may be used on all of it)? */
bool paging_direct_mapped(uint64_t hpa, uint64_t len);

/* Valid for direct-map and image addresses. */
uint64_t virt_to_phys(const void *va);

/* Where the image lies: set once by plinth_entry. */
void paging_set_image_hpa(uint64_t image_hpa);
uint64_t paging_image_hpa(void);

/* plinth's PML4, for CPUs that start later (arch/x86/smp.c). */
uint64_t paging_kernel_pml4_hpa(void);

/* Builds and loads the final tables; the direct map covers [0, phys_top). 0 or -ENOMEM. */
int paging_init(uint64_t phys_top);

#endif
