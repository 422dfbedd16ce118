/* SPDX-License-Identifier: MIT */
/* The machine's memory as plinth manages it: the normalised map, the page allocator, the heap. */
#ifndef PLINTH_CORE_MEMORY_H
#define PLINTH_CORE_MEMORY_H

#include <stddef.h>
#include <stdint.h>
#include "boot/boot_info.h"

/* Builds the page allocator from bi's map, never handing out the first MiB, the image, the
 * boot modules or anything the map does not call usable. Call before paging_init (uses the
 * boot direct map of the first 4 GiB). Returns 0 or a negative errno after printing why. */
int memory_init(const struct boot_info *bi);
/* After paging_init: the allocator's bitmap moves to the full direct map; the heap starts. */
void memory_init_late(void);

/* End of the highest RAM-like range (usable, ACPI, persistent); reserved ranges excluded. */
uint64_t memory_phys_top(void);

/* Zeroed pages. 0, or -ENOMEM. */
int page_alloc(uint64_t npages, uint64_t *hpa);
int page_alloc_aligned(uint64_t npages, uint64_t align_pages, uint64_t *hpa);
int page_free(uint64_t hpa, uint64_t npages);
uint64_t pages_free(void);

void memory_print_map(void);

/*
 * npages of usable RAM below 640 KiB (real-mode reach; page 0 and the EBDA excluded) that
 * nothing else uses: plinth never hands out memory below 1 MiB, so they stay the caller's.
 * For the AP start-up code when the loader kept none. 0 or -ENOMEM.
 */
int memory_low_pages(uint64_t npages, uint64_t *hpa);

#endif
