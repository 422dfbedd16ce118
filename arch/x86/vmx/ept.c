// SPDX-License-Identifier: MIT
/* EPT construction and teardown (see ept.h). */
#include "arch/x86/paging.h"
#include "arch/x86/vmx/ept.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/memory.h"
#include "core/panic.h"

#define EPT_ENTRIES 512

static uint64_t *table_va(uint64_t hpa)
{
	return phys_to_virt(hpa);
}

/* The table an entry at `level` (4 = PML4) points to, allocated on first use. */
static int next_table(struct ept *ept, uint64_t *entry, uint64_t *child_hpa)
{
	uint64_t hpa;
	int err;

	if (*entry & EPT_RWX) {
		*child_hpa = *entry & EPT_ADDR_MASK;
		return 0;
	}
	err = page_alloc(1, &hpa);
	if (err)
		return err;
	ept->table_pages++;
	/* Non-leaf entries: full permissions, the leaves decide. */
	*entry = hpa | EPT_RWX;
	*child_hpa = hpa;
	return 0;
}

/* Maps one page of size page_bytes (4 KiB or 2 MiB) at gpa to hpa, which must be unmapped. */
static int map_page(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t page_bytes)
{
	uint64_t hpa_table = ept->pml4_hpa;
	int stop_level = page_bytes == 2 * MiB ? 2 : 1;
	uint64_t *entry;
	int err;

	for (int level = 4; level > stop_level; level--) {
		unsigned int idx = (gpa >> (12 + 9 * (level - 1))) & (EPT_ENTRIES - 1);

		err = next_table(ept, &table_va(hpa_table)[idx], &hpa_table);
		if (err)
			return err;
	}
	entry = &table_va(hpa_table)[(gpa >> (12 + 9 * (stop_level - 1))) & (EPT_ENTRIES - 1)];
	/* Slots never overlap and unmapping clears leaves: a live leaf here is a plinth bug, and
	 * writing "page-table entries" through a 2 MiB leaf would scribble on guest RAM. */
	if ((*entry & EPT_RWX) && (stop_level == 1 || (*entry & EPT_LARGE)))
		panic("EPT: GPA 0x%llx is mapped already", (unsigned long long)gpa);
	if (stop_level == 2 && (*entry & EPT_RWX)) {
		/* An empty page table that an unmapped slot left (ept_unmap_slot): fill it with the
		 * 512 small pages rather than replace it, which would leak it, and free it only
		 * after an INVEPT, for the CPU may still cache the entry that points to it. */
		uint64_t *pt = table_va(*entry & EPT_ADDR_MASK);

		for (unsigned int i = 0; i < EPT_ENTRIES; i++)
			pt[i] = (hpa + i * PAGE_SIZE) | EPT_RWX | EPT_MEMTYPE_WB;
		return 0;
	}
	*entry = hpa | EPT_RWX | EPT_MEMTYPE_WB | (stop_level == 2 ? EPT_LARGE : 0);
	return 0;
}

static void free_tables(uint64_t hpa, int level)
{
	uint64_t *t = table_va(hpa);

	if (level > 1) {
		for (unsigned int i = 0; i < EPT_ENTRIES; i++)
			if ((t[i] & EPT_RWX) && !(t[i] & EPT_LARGE))
				free_tables(t[i] & EPT_ADDR_MASK, level - 1);
	}
	page_free(hpa, 1);
}

/* The entry that maps gpa (a 4 KiB PTE or a 2 MiB PDE), or NULL when a table on the way is
 * missing; *span is the bytes that entry (or the missing table's parent entry) covers. */
static uint64_t *find_leaf(const struct ept *ept, uint64_t gpa, uint64_t *span)
{
	uint64_t hpa_table = ept->pml4_hpa;

	for (int level = 4;; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t *entry = &table_va(hpa_table)[(gpa >> shift) & (EPT_ENTRIES - 1)];

		*span = 1ull << shift;
		if (level == 1 || (level == 2 && (*entry & EPT_LARGE)))
			return entry;
		if (!(*entry & EPT_RWX))
			return NULL;
		hpa_table = *entry & EPT_ADDR_MASK;
	}
}

void ept_unmap_slot(struct ept *ept, const struct guest_mem_slot *s)
{
	uint64_t end = s->gpa + s->bytes;

	if (!ept->pml4_hpa)
		return;
	for (uint64_t gpa = s->gpa, span; gpa < end; gpa = ALIGN_DOWN(gpa, span) + span) {
		uint64_t *leaf = find_leaf(ept, gpa, &span);

		/* A 2 MiB leaf inside the slot is all the slot's: ept_map_slot makes one only for
		 * a whole chunk, and slots never overlap. */
		if (leaf)
			*leaf = 0;
	}
}

int ept_map_slot(struct ept *ept, const struct guest_mem_slot *s, bool large_pages)
{
	for (uint64_t off = 0; off < s->bytes;) {
		uint64_t chunk = off / GUEST_MEM_CHUNK_BYTES;
		uint64_t in_chunk = off % GUEST_MEM_CHUNK_BYTES;
		uint64_t hpa = s->chunk_hpa[chunk] + in_chunk;
		uint64_t gpa = s->gpa + off;
		uint64_t page = PAGE_SIZE;
		int err;

		/* A 2 MiB page needs a whole chunk, aligned on both sides (a slot's chunks line up
		 * with its start, which need not be 2 MiB aligned). */
		if (large_pages && in_chunk == 0 && IS_ALIGNED(gpa, 2 * MiB) &&
		    IS_ALIGNED(hpa, 2 * MiB) &&
		    guest_mem_chunk_bytes(s, chunk) == GUEST_MEM_CHUNK_BYTES)
			page = 2 * MiB;
		err = map_page(ept, gpa, hpa, page);
		if (err) {
			/* The leaves set so far go again; the tables stay, as ept_unmap_slot's do. */
			struct guest_mem_slot done = *s;

			done.bytes = off;
			ept_unmap_slot(ept, &done);
			return err;
		}
		off += page;
	}
	return 0;
}

int ept_build(struct ept *ept, const struct guest_mem *gm, bool large_pages)
{
	int err;

	ept->table_pages = 1;
	err = page_alloc(1, &ept->pml4_hpa);
	if (err)
		return err;
	for (unsigned int i = 0; i < gm->nr_slots; i++) {
		err = ept_map_slot(ept, &gm->slots[i], large_pages);
		if (err) {
			free_tables(ept->pml4_hpa, 4);
			ept->pml4_hpa = 0;
			return err;
		}
	}
	ept->eptp = ept->pml4_hpa | EPTP_WALK_LENGTH4 | EPTP_MEMTYPE_WB;
	return 0;
}

void ept_destroy(struct ept *ept)
{
	if (!ept->pml4_hpa)
		return;
	/* Cached guest-physical and combined mappings are tagged with the EPTP: drop them before
	 * the tables (and the RAM they map) can be reused by another VM. */
	vmx_invept(ept->invept_type, ept->eptp);
	free_tables(ept->pml4_hpa, 4);
	ept->pml4_hpa = 0;
	ept->eptp = 0;
}
