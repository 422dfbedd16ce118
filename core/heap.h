/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor heap: size classes from 16 to 2048 bytes carved from whole pages, larger
 * requests as whole pages with a header. Pages come from a page source (the physical allocator
 * via the direct map in plinth, malloc'd pages in host tests). Not for the VM-exit path.
 */
#ifndef PLINTH_CORE_HEAP_H
#define PLINTH_CORE_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct heap_page_source {
	/* Returns a virtual address of npages zeroed, page-aligned pages, or NULL. */
	void *(*alloc_pages)(void *ctx, size_t npages);
	void (*free_pages)(void *ctx, void *va, size_t npages);
	void *ctx;
};

#define HEAP_NCLASSES 8 /* 16, 32, ..., 2048 */

struct heap {
	struct heap_page_source src;
	void *free_list[HEAP_NCLASSES];
	uint64_t bytes_in_use; /* requested bytes of live allocations */
	uint64_t live_allocations;
	uint64_t pages_held;
};

void heap_init(struct heap *h, const struct heap_page_source *src);
/* Memory is zeroed. NULL when size is 0 or too large, or no page is left. */
void *heap_alloc(struct heap *h, size_t size);
/* NULL is accepted. A pointer heap_alloc did not return is plinth's own bug: detected
 * where cheaply possible (bad header magic) and reported with -EINVAL. */
int heap_free(struct heap *h, void *p);

/* The global heap that kmalloc/kfree use (set up by the core at boot). */
void *kmalloc(size_t size);
void kfree(void *p);
void kheap_set(struct heap *h);

#endif
