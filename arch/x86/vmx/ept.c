// SPDX-License-Identifier: MIT
/* EPT construction and teardown (see ept.h). */
#include "arch/x86/paging.h"
#include "arch/x86/vmx/ept.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/memory.h"

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

/* Maps one page of size page_bytes (4 KiB or 2 MiB) at gpa to hpa. */
static int map_page(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t page_bytes)
{
	uint64_t hpa_table = ept->pml4_hpa;
	int stop_level = page_bytes == 2 * MiB ? 2 : 1;
	int err;

	for (int level = 4; level > stop_level; level--) {
		unsigned int idx = (gpa >> (12 + 9 * (level - 1))) & (EPT_ENTRIES - 1);

		err = next_table(ept, &table_va(hpa_table)[idx], &hpa_table);
		if (err)
			return err;
	}
	table_va(hpa_table)[(gpa >> (12 + 9 * (stop_level - 1))) & (EPT_ENTRIES - 1)] =
		hpa | EPT_RWX | EPT_MEMTYPE_WB | (stop_level == 2 ? EPT_LARGE : 0);
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

int ept_build(struct ept *ept, const struct guest_mem *gm, bool large_pages)
{
	int err;

	ept->table_pages = 1;
	err = page_alloc(1, &ept->pml4_hpa);
	if (err)
		return err;
	for (unsigned int r = 0; r < gm->nr_regions; r++) {
		const struct guest_mem_region *reg = &gm->regions[r];

		for (uint64_t off = 0; off < reg->bytes;) {
			uint64_t ram_off = reg->ram_offset + off;
			uint64_t chunk = ram_off / GUEST_MEM_CHUNK_BYTES;
			uint64_t in_chunk = ram_off % GUEST_MEM_CHUNK_BYTES;
			uint64_t hpa = gm->chunk_hpa[chunk] + in_chunk;
			uint64_t gpa = reg->gpa + off;
			uint64_t page = PAGE_SIZE;

			/* A 2 MiB page needs a whole, aligned chunk on both sides. */
			if (large_pages && in_chunk == 0 && IS_ALIGNED(gpa, 2 * MiB) &&
			    IS_ALIGNED(hpa, 2 * MiB) &&
			    guest_mem_chunk_bytes(gm, chunk) == GUEST_MEM_CHUNK_BYTES &&
			    reg->bytes - off >= 2 * MiB)
				page = 2 * MiB;
			err = map_page(ept, gpa, hpa, page);
			if (err) {
				free_tables(ept->pml4_hpa, 4);
				ept->pml4_hpa = 0;
				return err;
			}
			off += page;
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
