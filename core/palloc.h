/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator: one bit per 4 KiB page over [base_hpa, base_hpa + npages * 4K).
 * Every page starts reserved; the owner frees what the memory map says is usable and then
 * reserves again what must never be handed out (the image, boot modules, low memory...).
 * A second bitmap remembers which pages are reserved, so that freeing one is caught instead of
 * handing firmware or hypervisor memory to a guest later.
 * Not on any hot path: allocation is a first-fit scan with a hint.
 */
#ifndef PLINTH_CORE_PALLOC_H
#define PLINTH_CORE_PALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct palloc {
	uint64_t *bitmap; /* bit set = page in use (reserved or allocated) */
	uint64_t *reserved; /* bit set = page reserved; the second half of the caller's buffer */
	uint64_t base_hpa;
	uint64_t npages;
	uint64_t free_pages;
	uint64_t hint; /* page index where the next search starts */
};

/* Bytes of bitmap storage palloc_init needs for npages: two bits per page, in 64-bit words. */
#define PALLOC_BITMAP_BYTES(npages) ((((uint64_t)(npages) + 63) / 64) * 8 * 2)

/* bitmap_bytes must be at least PALLOC_BITMAP_BYTES(npages); base_hpa must be page aligned and
 * the span must end at or below 2^64. Returns 0 or -EINVAL. */
int palloc_init(struct palloc *pa, uint64_t *bitmap, size_t bitmap_bytes, uint64_t base_hpa,
		uint64_t npages);

/* Mark [hpa, hpa + len) usable / in use. Partial pages: make_free rounds inward,
 * reserve rounds outward. Parts outside the allocator's span are ignored. */
void palloc_make_free(struct palloc *pa, uint64_t hpa, uint64_t len);
void palloc_reserve(struct palloc *pa, uint64_t hpa, uint64_t len);

/* Allocates npages contiguous pages aligned to align_pages (a power of two, 0 means 1),
 * all below limit_hpa (0: no limit). Returns 0 and *hpa, or -ENOMEM / -EINVAL. */
int palloc_alloc(struct palloc *pa, uint64_t npages, uint64_t align_pages, uint64_t limit_hpa,
		 uint64_t *hpa);

/* Returns 0, or -EINVAL when the range is not page aligned, outside the span, or not wholly
 * allocated (a double free); nothing is changed then. */
int palloc_free(struct palloc *pa, uint64_t hpa, uint64_t npages);

bool palloc_is_free(const struct palloc *pa, uint64_t hpa);

#endif
