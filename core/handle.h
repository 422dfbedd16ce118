/* SPDX-License-Identifier: MIT */
/*
 * Handles: the 64-bit numbers a control guest names its child VMs and vCPUs by (hypercall ABI,
 * docs/hypercalls.md). A handle carries its kind, the index of its table entry and the entry's
 * generation, so that a handle of a destroyed object stays invalid (-EBADF) even after its entry
 * holds a new object, and a VM handle is never taken for a vCPU handle. Each entry records the
 * guest that created it: no guest can name another's objects. Pure C, no allocation.
 */
#ifndef PLINTH_CORE_HANDLE_H
#define PLINTH_CORE_HANDLE_H

#include <stddef.h>
#include <stdint.h>

#define HANDLE_TABLE_SIZE 64

enum handle_kind {
	HANDLE_VM = 1,
	HANDLE_VCPU = 2,
};

struct handle_entry {
	void *obj; /* NULL: free */
	const void *owner;
	uint32_t gen; /* bumped at every free; UINT32_MAX retires the entry */
	uint8_t kind;
};

struct handle_table {
	struct handle_entry e[HANDLE_TABLE_SIZE];
};

/* 0 and *handle for obj owned by owner, or -EMFILE when every entry is in use. */
int handle_alloc(struct handle_table *t, enum handle_kind kind, void *obj, const void *owner,
		 uint64_t *handle);
/* The object behind handle if it is live, of this kind and owner's; NULL otherwise. */
void *handle_lookup(const struct handle_table *t, enum handle_kind kind, uint64_t handle,
		    const void *owner);
/* Frees the entry (0), or -EBADF as handle_lookup would fail. */
int handle_free(struct handle_table *t, enum handle_kind kind, uint64_t handle, const void *owner);
/* The handle of one live entry of owner's of this kind: 0 and *handle, or -ENOENT (teardown). */
int handle_find_owned(const struct handle_table *t, enum handle_kind kind, const void *owner,
		      uint64_t *handle);
/* Live entries of owner's of this kind (for accounting and teardown). */
unsigned int handle_count(const struct handle_table *t, enum handle_kind kind, const void *owner);

#endif
