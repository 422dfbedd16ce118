/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM for host tests and fuzzers: each chunk is its own calloc of exactly its size, so
 * ASan reports any access past a chunk. A sparse RAM backs only the chunks a test touches
 * (the others stay NULL), which lets a test lay out gigabytes while allocating megabytes.
 */
#ifndef PLINTH_TESTS_UNIT_GUEST_MEM_HOST_H
#define PLINTH_TESTS_UNIT_GUEST_MEM_HOST_H

#include <stdlib.h>
#include <string.h>
#include "core/errno.h"
#include "core/guest_mem.h"

/* Which chunks to back, by the GPA of a chunk's first byte; NULL: all. */
typedef int (*host_guest_mem_want)(uint64_t chunk_gpa);

static inline void host_guest_mem_slot_free(struct guest_mem_slot *s)
{
	if (s->chunk_hva)
		for (uint64_t i = 0; i < s->nr_chunks; i++)
			free(s->chunk_hva[i]);
	free(s->chunk_hva);
	free(s->chunk_hpa);
	s->chunk_hva = NULL;
	s->chunk_hpa = NULL;
}

/* Backs s (gpa, bytes and nr_chunks set, arrays NULL); -ENOMEM with nothing allocated. */
static inline int host_guest_mem_slot_back(struct guest_mem_slot *s, host_guest_mem_want want)
{
	s->chunk_hva = calloc(s->nr_chunks, sizeof(*s->chunk_hva));
	s->chunk_hpa = calloc(s->nr_chunks, sizeof(*s->chunk_hpa));
	if (!s->chunk_hva || !s->chunk_hpa)
		goto nomem;
	for (uint64_t i = 0; i < s->nr_chunks; i++) {
		if (want && !want(s->gpa + i * GUEST_MEM_CHUNK_BYTES))
			continue;
		s->chunk_hva[i] = calloc(1, guest_mem_chunk_bytes(s, i));
		if (!s->chunk_hva[i])
			goto nomem;
	}
	return 0;
nomem:
	host_guest_mem_slot_free(s);
	return -ENOMEM;
}

/* Frees every slot and leaves gm empty. */
static inline void host_guest_mem_free(struct guest_mem *gm)
{
	for (unsigned int i = 0; i < gm->nr_slots; i++)
		host_guest_mem_slot_free(&gm->slots[i]);
	memset(gm, 0, sizeof(*gm));
}

/* Lays out ram_bytes as a config-defined guest's and backs the chunks want() picks. */
static inline int host_guest_mem_alloc_if(struct guest_mem *gm, uint64_t ram_bytes,
					  host_guest_mem_want want)
{
	int rc = guest_mem_layout(gm, ram_bytes);

	if (rc)
		return rc;
	for (unsigned int i = 0; i < gm->nr_slots; i++) {
		if (host_guest_mem_slot_back(&gm->slots[i], want)) {
			host_guest_mem_free(gm);
			return -ENOMEM;
		}
	}
	return 0;
}

static inline int host_guest_mem_alloc(struct guest_mem *gm, uint64_t ram_bytes)
{
	return host_guest_mem_alloc_if(gm, ram_bytes, NULL);
}

/* Adds a fully backed slot [gpa, gpa + bytes), as a control guest would: backed first, then
 * inserted. Its index, or guest_mem_slot_insert's error (then nothing is allocated). */
static inline int host_guest_mem_add(struct guest_mem *gm, uint64_t gpa, uint64_t bytes)
{
	struct guest_mem_slot s;
	int rc = guest_mem_slot_check(gm, gpa, bytes);

	if (rc)
		return rc; /* before allocating for a size that may be absurd */
	guest_mem_slot_init(&s, gpa, bytes);
	if (host_guest_mem_slot_back(&s, NULL))
		return -ENOMEM;
	rc = guest_mem_slot_insert(gm, &s);
	if (rc < 0)
		host_guest_mem_slot_free(&s);
	return rc;
}

#endif
