/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM for host tests and fuzzers: each chunk is its own calloc of exactly its size, so
 * ASan reports any access past a chunk. A sparse RAM backs only the chunks a test touches
 * (the others stay NULL), which lets a test lay out gigabytes while allocating megabytes.
 */
#ifndef PLINTH_TESTS_UNIT_GUEST_MEM_HOST_H
#define PLINTH_TESTS_UNIT_GUEST_MEM_HOST_H

#include <stdlib.h>
#include "core/errno.h"
#include "core/guest_mem.h"

static inline void host_guest_mem_free(struct guest_mem *gm)
{
	if (gm->chunk_hva)
		for (uint64_t i = 0; i < gm->nr_chunks; i++)
			free(gm->chunk_hva[i]);
	free(gm->chunk_hva);
	free(gm->chunk_hpa);
	gm->chunk_hva = NULL;
	gm->chunk_hpa = NULL;
}

/* Lays out ram_bytes and backs the chunks for which want(chunk) is true (NULL: all). */
static inline int host_guest_mem_alloc_if(struct guest_mem *gm, uint64_t ram_bytes,
					  int (*want)(uint64_t chunk))
{
	int rc = guest_mem_layout(gm, ram_bytes);

	if (rc)
		return rc;
	gm->chunk_hva = calloc(gm->nr_chunks, sizeof(*gm->chunk_hva));
	gm->chunk_hpa = calloc(gm->nr_chunks, sizeof(*gm->chunk_hpa));
	if (!gm->chunk_hva || !gm->chunk_hpa)
		goto nomem;
	for (uint64_t i = 0; i < gm->nr_chunks; i++) {
		if (want && !want(i))
			continue;
		gm->chunk_hva[i] = calloc(1, guest_mem_chunk_bytes(gm, i));
		if (!gm->chunk_hva[i])
			goto nomem;
	}
	return 0;
nomem:
	host_guest_mem_free(gm);
	return -ENOMEM;
}

static inline int host_guest_mem_alloc(struct guest_mem *gm, uint64_t ram_bytes)
{
	return host_guest_mem_alloc_if(gm, ram_bytes, NULL);
}

#endif
