// SPDX-License-Identifier: MIT
/* Generation-checked handles (see handle.h). */
#include "core/handle.h"
#include "core/errno.h"

/* Layout of a handle: bits 0-15 the entry index + 1 (0 is never a handle), 16-47 the
 * generation, 48-55 the kind; 56-63 zero. */
#define H_INDEX(h) ((uint32_t)((h)&0xffff))
#define H_GEN(h)   ((uint32_t)(((h) >> 16) & 0xffffffffu))
#define H_KIND(h)  ((uint32_t)(((h) >> 48) & 0xff))
#define H_TOP(h)   ((h) >> 56)

static uint64_t encode(enum handle_kind kind, unsigned int index, uint32_t gen)
{
	return (uint64_t)(index + 1) | ((uint64_t)gen << 16) | ((uint64_t)kind << 48);
}

int handle_alloc(struct handle_table *t, enum handle_kind kind, void *obj, const void *owner,
		 uint64_t *handle)
{
	for (unsigned int i = 0; i < HANDLE_TABLE_SIZE; i++) {
		struct handle_entry *e = &t->e[i];

		if (e->obj || e->gen == UINT32_MAX)
			continue;
		e->obj = obj;
		e->owner = owner;
		e->kind = (uint8_t)kind;
		*handle = encode(kind, i, e->gen);
		return 0;
	}
	return -EMFILE;
}

static struct handle_entry *find(const struct handle_table *t, enum handle_kind kind,
				 uint64_t handle, const void *owner)
{
	uint32_t index = H_INDEX(handle);
	const struct handle_entry *e;

	if (H_TOP(handle) || H_KIND(handle) != (uint32_t)kind || index == 0 ||
	    index > HANDLE_TABLE_SIZE)
		return NULL;
	e = &t->e[index - 1];
	if (!e->obj || e->kind != kind || e->gen != H_GEN(handle) || e->owner != owner)
		return NULL;
	return (struct handle_entry *)e;
}

void *handle_lookup(const struct handle_table *t, enum handle_kind kind, uint64_t handle,
		    const void *owner)
{
	struct handle_entry *e = find(t, kind, handle, owner);

	return e ? e->obj : NULL;
}

int handle_free(struct handle_table *t, enum handle_kind kind, uint64_t handle, const void *owner)
{
	struct handle_entry *e = find(t, kind, handle, owner);

	if (!e)
		return -EBADF;
	e->obj = NULL;
	e->owner = NULL;
	e->gen++; /* at UINT32_MAX the entry is never handed out again */
	return 0;
}

unsigned int handle_count(const struct handle_table *t, enum handle_kind kind, const void *owner)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < HANDLE_TABLE_SIZE; i++)
		if (t->e[i].obj && t->e[i].kind == kind && t->e[i].owner == owner)
			n++;
	return n;
}

int handle_find_owned(const struct handle_table *t, enum handle_kind kind, const void *owner,
		      uint64_t *handle)
{
	for (unsigned int i = 0; i < HANDLE_TABLE_SIZE; i++) {
		const struct handle_entry *e = &t->e[i];

		if (e->obj && e->kind == kind && e->owner == owner) {
			*handle = encode(kind, i, e->gen);
			return 0;
		}
	}
	return -ENOENT;
}
